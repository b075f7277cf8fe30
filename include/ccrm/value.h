/* Values typed by people: one normaliser for dates, times, amounts, whole numbers, e-mail
 * addresses, phone numbers, currencies and choices, used by forms, imports and the `:` prompt
 * alike, so that all three accept the same inputs and say the same about the rest. Pure (no
 * libpq, no curses, no allocation on the import path); unit-tested in tests/unit/test_value.c.
 *
 * Accepted everywhere:
 *   dates      2026-12-31, 2026-1-5, 31.12.2026, 5.1.2026            -> 2026-12-31
 *   times      a date, then " " or "T" and 9:05, 09:05, 9.05, 09:05:59, 09:05:59.123456, with
 *              an offset Z, +01, +05:30 or +0530 -> "2026-12-31 09:05" (forms show minutes;
 *              an import keeps seconds and offset as given)
 *   amounts    1234.5, 1234,50, 12500,50, 12.500,50, 1,234.50, 1 234,5, 12'345.00 -> 1234.50
 *              (the last of . and , before at most two digits is the decimal mark; a mark
 *              that occurs more than once, or before three digits, groups thousands)
 *   numbers    42, +7, 007 -> 7 (within the field's range)
 *   e-mail     name@example.com (one @, a dot in the domain, no spaces)
 *   phone      +49 40 123 45-67, (040) 123/456, 030.123 x12: digits with + ( ) - . / and
 *              spaces, at least three digits -> runs of spaces made one
 *   currency   eur -> EUR;  choices  Won -> won (case ignored)
 *   time of day  9:05, 09:05, 9.05 -> 09:05 (00:00 to 23:59)
 *   text       one line: a tab, CR or LF inside is refused (a list shows it as one row); a
 *              body (FIELD_MULTILINE) keeps them
 * A refusal says what is wrong: a value written as a date or time that the calendar or clock
 * has not is "there is no 31 February 2026" ("there is no 25:00"), not the format it already
 * has; an amount of cents with three digits after a lone mark ("250,000", "1.234": thousands
 * grouped?) is ambiguous ("250,000 is ambiguous: write 250000 or 250000.00"). */
#ifndef CCRM_VALUE_H
#define CCRM_VALUE_H

#include <stddef.h>
#include <time.h>

enum field_type {
    FIELD_TEXT,      /* one line: no tab, CR or LF (blanks around it are trimmed) */
    FIELD_MULTILINE, /* a body: lines separated by '\n' (leading blanks kept) */
    FIELD_CHOICE,    /* one of choices[] */
    FIELD_DATE,      /* YYYY-MM-DD */
    FIELD_DATETIME,  /* YYYY-MM-DD HH:MM[offset]: a form's in the person's time zone */
    FIELD_AMOUNT,    /* money >= 0 with at most 2 decimals */
    FIELD_INT,       /* a whole number between min and max */
    FIELD_EMAIL,     /* name@domain.tld */
    FIELD_PHONE,     /* a phone number */
    FIELD_CURRENCY,  /* three letters, stored upper-case (EUR) */
    FIELD_REF,       /* the id of a record (for a person: the login, checked as text) */
    FIELD_TIME,      /* a time of day, HH:MM (quiet hours, a digest time) */
};

/* What a value must look like (the registry gives one per field: entity_form_rule and
 * entity_import_rule in include/ccrm/entity.h). */
struct value_rule {
    enum field_type type;
    const char *const *choices; /* FIELD_CHOICE: NULL-terminated */
    long min, max;              /* FIELD_INT; FIELD_AMOUNT: max > 0 is the most it may be */
    int maxlen;                 /* characters at most (0: any) */
    int exact;                  /* FIELD_DATETIME: keep seconds, fraction and offset as given */
    int decimals;               /* FIELD_AMOUNT: decimals at most (0: 2, cents) */
};

/* Why a value was refused, in the two places it is said: msg under a form field or on the
 * prompt ("not an e-mail address (name@example.com)"), tail after `column "email"` in an
 * import's report (": \"x@\" is not a valid e-mail address", " is required"). */
struct value_err {
    char msg[200];
    char tail[300];
};

/* Dates may be written as the words today, yesterday and tomorrow (also before a time:
 * "tomorrow 9:30"), the day on this computer's calendar. Tests set the clock those words read
 * (NULL: time()). */
void value_set_clock(time_t (*now)(void));

/* Trim what was typed: blanks at both ends, or for a multi-line body only at its end (a body
 * of blank lines is empty). Returns the start and sets *len. */
const char *value_trim(const char *s, size_t *len, int multiline);

/* Normalise in[0..len) (trimmed, not empty) as a value of rule r into out (outcap bytes with
 * the NUL; len + 16 always suffices: "today" as a date and time is 16 characters). Returns the
 * length written, or -1 with e filled. */
long value_normalize(const struct value_rule *r, const char *in, size_t len, char *out,
                     size_t outcap, struct value_err *e);

/* The same for a NUL-terminated text, trimmed here, with the empty value and required fields
 * handled: 0 with *out malloc'd ("" = empty), or -1 with e filled ("required"). */
int value_normalize_str(const struct value_rule *r, int required, const char *in, char **out,
                        struct value_err *e);

/* Fill e for a required value left empty. */
void value_required(struct value_err *e);

/* Why value_amount refused an amount, for a caller that says it in words of its own (a
 * payment names the currency): not an amount at all (e says why), more decimals than the
 * scale that are not only zeros ("12.505" in EUR; "1,000" too, a thousand to whoever wrote
 * it), "1,000" where the scale is 3 (a thousand, or one?), or more than value_amount_max (an
 * amount, whose bound depends on the scale: a caller that reads at another scale first asks
 * again in the currency's). */
enum value_amount_why {
    VALUE_AMOUNT_BAD,
    VALUE_AMOUNT_DECIMALS,
    VALUE_AMOUNT_AMBIGUOUS,
    VALUE_AMOUNT_LARGE
};

/* An amount of money in a currency of scale decimals (0 to 7: JPY 0, EUR 2, KWD 3), read as
 * FIELD_AMOUNT reads one (the same marks, groups and refusals; blanks around it trimmed;
 * zeros past the scale dropped: "12.5000" EUR is 12.50, "1.000,00" JPY is 1000) into out with
 * exactly scale decimals ("1000", "12.50", "1000.000"; 24 bytes always suffice). Where the
 * scale is 0 a lone . or , before exactly three digits groups thousands ("1,000" and "1.000"
 * JPY are 1000: there are no decimals it could start); before one or two it starts decimals
 * ("1.5" JPY is refused). *decimals gets the digits written after the decimal mark ("1,000"
 * EUR: 3; JPY: 0). Returns the length written, or -1 with e filled and *why set. */
long value_amount(const char *in, size_t len, int scale, char *out, size_t outcap, int *decimals,
                  enum value_amount_why *why, struct value_err *e);

/* The most an amount of scale decimals may be, as refusals say it: twelve digits before the
 * decimal mark (numeric(14,2) of the amounts in the schema), then scale nines:
 * "999,999,999,999" (JPY), "999,999,999,999.99" (EUR), "999,999,999,999.999" (KWD). */
void value_amount_max(int scale, char *buf, size_t n);

#endif
