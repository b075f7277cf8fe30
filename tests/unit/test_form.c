/* Unit tests for the pure part of forms (src/model/form.c): the field specs against the
 * schema's rules, normalising dates, amounts, numbers and the rest, the three-way merge of
 * optimistic locking, and the text buffer with its horizontal scrolling. */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ccrm/form_model.h"

static const struct entity_field *
field(const char *table, const char *column)
{
    const struct entity *e = form_entity(table);
    int i;

    assert_non_null(e);
    i = form_field_index(e, column);
    assert_true(i >= 0);
    return &e->fields[i];
}

/* normalise in as field table.column: expect out (NULL = refused, with a message) */
static void
expect(const char *table, const char *column, const char *in, const char *out)
{
    char msg[200], *got = NULL;
    int rc = form_normalize(field(table, column), in, &got, msg, sizeof msg);

    if (out == NULL) {
        if (rc != -1)
            fail_msg("%s.%s \"%s\": expected a refusal, got \"%s\"", table, column, in, got);
        assert_null(got);
        assert_true(msg[0] != '\0');
    } else {
        if (rc != 0)
            fail_msg("%s.%s \"%s\": expected \"%s\", refused: %s", table, column, in, out, msg);
        assert_string_equal(got, out);
    }
    free(got);
}

static void
test_specs(void **state)
{
    const char *const *names = form_entities();
    int i, k, n = 0;

    (void)state;
    for (i = 0; names[i] != NULL; i++, n++) {
        const struct entity *e = form_entity(names[i]);

        assert_non_null(e);
        assert_string_equal(e->table, names[i]);
        for (k = 0; k < e->nfields; k++) {
            const struct entity_field *f = &e->fields[k];

            /* column names go into SQL text: only lower-case identifiers */
            assert_int_equal(strspn(f->column, "abcdefghijklmnopqrstuvwxyz_"), strlen(f->column));
            assert_true(f->type != FIELD_CHOICE || f->choices != NULL);
            assert_true(f->type != FIELD_REF || f->ref != NULL);
            assert_int_equal(form_field_index(e, f->column), k);
        }
    }
    /* with the back office's (products and their prices, quotes, lines, invoices and their
     * lines) and the service levels' (calendars, SLA policies, one's inbox settings) */
    assert_int_equal(n, 18);
    assert_null(form_entity("audit"));
    assert_null(form_entity(NULL));
    /* the lists match the CHECK constraints of schema/001_init.sql */
    expect("opportunities", "stage", "Won", "won");
    expect("opportunities", "stage", "closed", NULL);
    expect("tickets", "status", "pending", "pending");
    expect("tickets", "priority", "urgent", "urgent");
    expect("tickets", "channel", "", "");
    expect("tickets", "channel", "fax", NULL);
    expect("leads", "status", "unqualified", "unqualified");
    expect("campaigns", "status", "paused", "paused");
    expect("interactions", "kind", "meeting", "meeting");
    expect("interactions", "kind", "", NULL); /* required */
    expect("interactions", "direction", "out", "out");
    /* defaults of new records */
    assert_string_equal(field("opportunities", "stage")->def, "prospecting");
    assert_true(form_field_dbdef(field("opportunities", "stage")));
    assert_string_equal(field("opportunities", "currency")->def, "EUR");
    assert_false(form_field_dbdef(field("interactions", "kind"))); /* no default in the database */
    /* references */
    assert_string_equal(field("contacts", "account_id")->ref, "accounts");
    assert_string_equal(field("tickets", "contact_id")->ref, "contacts");
    assert_string_equal(field("tickets", "assignee")->ref, "users");
    assert_true(field("opportunities", "account_id")->required);
}

static void
test_constraint_field(void **state)
{
    const struct entity *c = form_entity("contacts");
    const struct entity *k = form_entity("campaigns");

    (void)state;
    assert_int_equal(form_constraint_field(c, "contacts_email_check", NULL),
                     form_field_index(c, "email"));
    assert_int_equal(form_constraint_field(c, "contacts_email_key", NULL),
                     form_field_index(c, "email"));
    assert_int_equal(form_constraint_field(c, "contacts_account_id_fkey", NULL),
                     form_field_index(c, "account_id"));
    assert_int_equal(form_constraint_field(c, "contacts_identity_check", NULL),
                     form_field_index(c, "first_name"));
    assert_int_equal(form_constraint_field(c, NULL, "phone"), form_field_index(c, "phone"));
    assert_int_equal(form_constraint_field(k, "campaigns_dates_check", NULL),
                     form_field_index(k, "ends_on"));
    assert_int_equal(form_constraint_field(c, "leads_email_check", NULL), -1);
    assert_int_equal(form_constraint_field(c, "contacts_pkey", NULL), -1);
    assert_int_equal(form_constraint_field(c, NULL, NULL), -1);
    /* a key over several columns: the last one that is a field (a product's price per currency) */
    assert_int_equal(form_constraint_field(form_entity("product_prices"),
                                           "product_prices_product_id_currency_key", NULL),
                     form_field_index(form_entity("product_prices"), "currency"));
    assert_int_equal(form_constraint_field(c, "contacts_nothing_here_key", NULL), -1);
}

static void
test_text_and_required(void **state)
{
    (void)state;
    expect("contacts", "first_name", "  Jürgen  ", "Jürgen");
    expect("contacts", "first_name", "   ", "");
    expect("accounts", "name", "  ", NULL); /* required */
    expect("accounts", "name", "Łódź Logistics", "Łódź Logistics");
    expect("tickets", "body", "line one\nline two\n\n  ", "line one\nline two");
    expect("tickets", "body", "  indented\n", "  indented");
    expect("tickets", "body", "\n \n", "");
    expect("tickets", "subject", "", NULL);
}

/* lists (an SQL array typed with commas): each item normalised by the field's type or
 * choices, blanks and repeats dropped; an item refused is named */
static void
test_lists(void **state)
{
    (void)state;
    expect("responsibilities", "territory", " Germany,Austria , ,Germany ", "Germany, Austria");
    expect("responsibilities", "territory", " , ", "");
    expect("sla_policies", "priorities", "High, URGENT", "high, urgent");
    expect("sla_policies", "priorities", "high, asap", NULL);
    expect("sla_policies", "pause_statuses", "pending,open", "pending, open");
    expect("sla_policies", "pause_statuses", "solved", NULL);
    expect("calendars", "holidays", "24.12.2026, 2026-12-25", "2026-12-24, 2026-12-25");
    expect("calendars", "holidays", "2026-12-24, Christmas", NULL);
    expect("calendars", "holidays", "", "");
    {
        char msg[200], *got = NULL;

        assert_int_equal(form_normalize(field("sla_policies", "priorities"), "high, asap", &got,
                                        msg, sizeof msg),
                         -1);
        assert_non_null(strstr(msg, "\"asap\""));
    }
}

static void
test_dates(void **state)
{
    (void)state;
    expect("opportunities", "close_date", "2026-12-31", "2026-12-31");
    expect("opportunities", "close_date", "2026-1-5", "2026-01-05");
    expect("opportunities", "close_date", "5.1.2026", "2026-01-05");
    expect("opportunities", "close_date", "31.12.2026", "2026-12-31");
    expect("opportunities", "close_date", "2024-02-29", "2024-02-29");
    expect("opportunities", "close_date", "2025-02-29", NULL);
    expect("opportunities", "close_date", "1900-02-29", NULL);
    expect("opportunities", "close_date", "2000-02-29", "2000-02-29");
    expect("opportunities", "close_date", "2026-13-01", NULL);
    expect("opportunities", "close_date", "2026-04-31", NULL);
    expect("opportunities", "close_date", "26-04-01", NULL);
    expect("opportunities", "close_date", "2026-04-01x", NULL);
    expect("opportunities", "close_date", "someday", NULL);
    expect("opportunities", "close_date", "", "");
    expect("interactions", "at", "2026-11-01 9:05", "2026-11-01 09:05");
    expect("interactions", "at", "2026-11-01T09:05:59", "2026-11-01 09:05");
    expect("interactions", "at", "2026-11-01", "2026-11-01 00:00");
    expect("interactions", "due_at", "1.11.2026 23:59", "2026-11-01 23:59");
    expect("interactions", "at", "2026-11-01 9.30", "2026-11-01 09:30");
    expect("interactions", "at", "2026-11-01 24:00", NULL);
    expect("interactions", "at", "2026-11-01 12:60", NULL);
    expect("interactions", "at", "2026-11-01 12", NULL);
}

static void
test_amounts(void **state)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"1234.5", "1234.50"},
        {"1234,5", "1234.50"},
        {"1234,56", "1234.56"},
        {"1.234,56", "1234.56"},
        {"1,234.56", "1234.56"},
        {"1 234,5", "1234.50"},
        {"12'345.00", "12345.00"},
        {"1.234.567", "1234567.00"},
        {"1,234,567.8", "1234567.80"},
        {"0", "0.00"},
        {"007", "7.00"},
        {".5", "0.50"},
        {"5.", "5.00"},
        {"+12", "12.00"},
        {"999999999999.99", "999999999999.99"},
        {"1.234", NULL}, /* ambiguous: 1234 or 1.234? more than 2 decimals */
        {"1,2,3", NULL}, /* groups of three digits only */
        {"1.23.456", NULL},
        {"1,234.5.6", NULL},
        {"-5", NULL}, /* CHECK (amount >= 0) */
        {"12 EUR", NULL},
        {"abc", NULL},
        {".", NULL},
        {"1e5", NULL},
        {"1000000000000", NULL}, /* numeric(14,2) */
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect("opportunities", "amount", cases[i].in, cases[i].out);
    expect("opportunities", "amount", "", "");
    expect("campaigns", "budget", "2500,00", "2500.00");
    expect("accounts", "annual_revenue", "1.000.000,00", "1000000.00");
}

static void
test_ints_emails_codes(void **state)
{
    (void)state;
    expect("leads", "score", "42", "42");
    expect("leads", "score", "+7", "7");
    expect("leads", "score", "0", "0");
    expect("leads", "score", "100", "100");
    expect("leads", "score", "101", NULL); /* CHECK (score BETWEEN 0 AND 100) */
    expect("leads", "score", "-1", NULL);
    expect("leads", "score", "4.5", NULL);
    expect("leads", "score", "", NULL); /* NOT NULL */
    expect("accounts", "employees", "250", "250");
    expect("accounts", "employees", "99999999999999999999", NULL);
    expect("accounts", "employees", "-3", NULL);
    expect("contacts", "email", "anna@example.com", "anna@example.com");
    expect("contacts", "email", " Jürgen.Weiß@bäckerei.de ", "Jürgen.Weiß@bäckerei.de");
    expect("contacts", "email", "anna.example.com", NULL);
    expect("contacts", "email", "anna@", NULL);
    expect("contacts", "email", "@example.com", NULL);
    expect("contacts", "email", "an na@example.com", NULL);
    expect("contacts", "email", "a@b@c", NULL);
    expect("opportunities", "currency", "usd", "USD");
    expect("opportunities", "currency", "EURO", NULL);
    expect("opportunities", "currency", "E1R", NULL);
    expect("opportunities", "currency", "", NULL);
    expect("contacts", "account_id", "12", "12");
    expect("contacts", "account_id", "Müller GmbH", NULL);
    expect("contacts", "account_id", "", "");
    expect("opportunities", "account_id", "", NULL);
    expect("tickets", "assignee", "sofia", "sofia");
}

static void
test_one_of(void **state)
{
    const struct entity *e = form_entity("contacts");
    const char *vals[16] = {NULL};
    char msg[200];
    int f;

    (void)state;
    assert_int_equal(form_check_one_of(e, vals, &f, msg, sizeof msg), -1);
    assert_int_equal(f, form_field_index(e, "first_name"));
    assert_non_null(strstr(msg, "e-mail"));
    vals[form_field_index(e, "email")] = "a@b.c";
    assert_int_equal(form_check_one_of(e, vals, &f, msg, sizeof msg), 0);
    vals[form_field_index(e, "email")] = "";
    vals[form_field_index(e, "phone")] = "123";
    assert_int_equal(form_check_one_of(e, vals, &f, msg, sizeof msg), -1);
    assert_int_equal(form_check_one_of(form_entity("accounts"), vals, &f, msg, sizeof msg), 0);
}

static void
test_merge3(void **state)
{
    (void)state;
    /* nobody changed it */
    assert_int_equal(form_merge3("a", "a", "a"), MERGE_SAME);
    /* only the other person changed it: take theirs (merge without asking) */
    assert_int_equal(form_merge3("a", "a", "b"), MERGE_THEIRS);
    /* only I changed it: keep mine */
    assert_int_equal(form_merge3("a", "b", "a"), MERGE_MINE);
    /* both changed it to the same value: nothing to decide */
    assert_int_equal(form_merge3("a", "b", "b"), MERGE_SAME);
    /* both changed it differently: the person chooses */
    assert_int_equal(form_merge3("a", "b", "c"), MERGE_BOTH);
    /* empty and NULL are the same value */
    assert_int_equal(form_merge3(NULL, "", NULL), MERGE_SAME);
    assert_int_equal(form_merge3("", NULL, "x"), MERGE_THEIRS);
    assert_int_equal(form_merge3("x", "", "x"), MERGE_MINE); /* I cleared it */
    assert_int_equal(form_merge3("x", "", "y"), MERGE_BOTH);
    assert_int_equal(form_merge3("x", "y", ""), MERGE_BOTH); /* they cleared it, I changed it */
}

static char *
text(const struct editbuf *b)
{
    static char buf[256];
    char *s = editbuf_get(b);

    strncpy(buf, s, sizeof buf - 1);
    free(s);
    return buf;
}

static void
test_editbuf_line(void **state)
{
    struct editbuf b;

    (void)state;
    editbuf_init(&b);
    editbuf_set(&b, "Müller");
    assert_int_equal(b.len, 6);
    assert_int_equal(b.cur, 6);
    editbuf_home(&b);
    editbuf_right(&b);
    assert_int_equal(editbuf_insert(&b, L'ö'), 1);
    assert_string_equal(text(&b), "Möüller");
    assert_int_equal(editbuf_backspace(&b), 1);
    assert_int_equal(editbuf_delete(&b), 1); /* the ü */
    assert_string_equal(text(&b), "Mller");
    assert_int_equal(editbuf_insert(&b, L'\t'), 0); /* control characters are refused */
    assert_int_equal(editbuf_insert(&b, 0x7f), 0);
    editbuf_end(&b);
    assert_int_equal(editbuf_delete(&b), 0);
    assert_int_equal(editbuf_insert(&b, L'東'), 1);
    assert_string_equal(text(&b), "Mller東");
    editbuf_left(&b);
    editbuf_left(&b);
    assert_int_equal(editbuf_kill_start(&b), 1); /* ^U */
    assert_string_equal(text(&b), "r東");
    assert_int_equal(b.cur, 0);
    assert_int_equal(editbuf_kill_start(&b), 0);
    assert_int_equal(editbuf_backspace(&b), 0);
    editbuf_left(&b); /* stays at 0 */
    assert_int_equal(b.cur, 0);
    assert_int_equal(editbuf_kill_end(&b), 1); /* ^K */
    assert_string_equal(text(&b), "");
    editbuf_set(&b, "bad \xff byte");
    assert_int_equal(b.s[4], 0xfffd);
    assert_string_equal(text(&b), "bad \xef\xbf\xbd byte");
    editbuf_set(&b, NULL);
    assert_int_equal(b.len, 0);
    /* the text comes back byte for byte whatever the locale: in a C locale a field nobody
     * touched came back as "Caf??" and was saved as a change */
    setlocale(LC_CTYPE, "C");
    editbuf_set(&b, "Café Müller 東京 😀");
    assert_string_equal(text(&b), "Café Müller 東京 😀");
    assert_int_equal(editbuf_insert(&b, L'ß'), 1);
    assert_string_equal(text(&b), "Café Müller 東京 😀ß");
    if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
        setlocale(LC_CTYPE, "");
    editbuf_fini(&b);
}

static void
test_editbuf_lines(void **state)
{
    struct editbuf b;
    int s, e;

    (void)state;
    editbuf_init(&b);
    editbuf_set(&b, "first line\nab\nthird line");
    assert_int_equal(editbuf_lines(&b), 3);
    assert_int_equal(editbuf_cur_line(&b), 2);
    editbuf_line(&b, 1, &s, &e);
    assert_int_equal(s, 11);
    assert_int_equal(e, 13);
    /* from column 10 of the last line: up lands at the end of the short line, then back at
     * column 10 of the first line (the wanted column is kept) */
    assert_int_equal(editbuf_up(&b), 1);
    assert_int_equal(b.cur, 13);
    assert_int_equal(editbuf_up(&b), 1);
    assert_int_equal(b.cur, 10);
    assert_int_equal(editbuf_up(&b), 0); /* first line: leave the field */
    assert_int_equal(editbuf_down(&b), 1);
    assert_int_equal(editbuf_down(&b), 1);
    assert_int_equal(b.cur, 11 + 3 + 10);
    assert_int_equal(editbuf_down(&b), 0);
    /* Home/End and ^U work on the current line */
    editbuf_home(&b);
    assert_int_equal(b.cur, 14);
    editbuf_end(&b);
    assert_int_equal(editbuf_kill_start(&b), 1);
    assert_string_equal(text(&b), "first line\nab\n");
    assert_int_equal(editbuf_lines(&b), 3);
    assert_int_equal(editbuf_backspace(&b), 1); /* joins the lines */
    assert_int_equal(editbuf_lines(&b), 2);
    assert_int_equal(editbuf_insert(&b, L'\n'), 1);
    assert_int_equal(editbuf_cur_line(&b), 2);
    /* up/down by display column across wide characters */
    editbuf_set(&b, "日本語\nabcdef");
    editbuf_end(&b); /* column 6 */
    editbuf_home(&b);
    editbuf_right(&b);
    editbuf_right(&b); /* column 2 */
    assert_int_equal(editbuf_up(&b), 1);
    assert_int_equal(b.cur, 1); /* after 日 */
    editbuf_fini(&b);
}

static void
test_scroll(void **state)
{
    const wchar_t *s = L"abcdefghijklmnopqrstuvwxyz";
    const wchar_t *w = L"日本語のテキスト";
    int first, len = (int)wcslen(s);

    (void)state;
    /* short enough: no scrolling, even with the cursor after the text */
    assert_int_equal(edit_scroll(L"abc", 3, 3, 0, 10), 0);
    assert_int_equal(edit_scroll(s, 9, 9, 0, 10), 0); /* 9 chars + cursor = 10 columns */
    /* cursor at the end of a long text: "…" + the last 8 characters + the cursor */
    first = edit_scroll(s, len, len, 0, 10);
    assert_int_equal(first, len - 8);
    /* back at the start: no scrolling */
    assert_int_equal(edit_scroll(s, len, 0, first, 10), 0);
    /* cursor in the middle, box at the start: the cursor column must leave room for "…" */
    first = edit_scroll(s, len, 8, 0, 10);
    assert_int_equal(first, 0);
    first = edit_scroll(s, len, 9, 0, 10);
    assert_true(first > 0);
    assert_true(edit_width(s, first, 9) + 1 <= 10 - 2);
    /* moving left keeps the scroll until the cursor reaches the left edge */
    assert_int_equal(edit_scroll(s, len, 15, 10, 10), 10);
    assert_int_equal(edit_scroll(s, len, 9, 10, 10), 9);
    /* after deleting from the end of a scrolled text, the freed room on the right is used */
    assert_int_equal(edit_scroll(s, 12, 12, 8, 10), 4);
    /* wide characters: the cursor cell (2 columns) always fits */
    for (int cur = 0; cur <= (int)wcslen(w); cur++) {
        int f = edit_scroll(w, (int)wcslen(w), cur, 0, 7);
        int room = 7 - (f > 0);
        int cw = cur < (int)wcslen(w) ? 2 : 1;

        assert_true(f <= cur);
        assert_true(edit_width(w, f, cur) + cw <= room);
    }
    /* a box too narrow for anything but the cursor */
    assert_int_equal(edit_scroll(s, len, 5, 0, 2), 5);
    assert_int_equal(edit_width(L"a日b", 0, 3), 4);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_specs),
        cmocka_unit_test(test_constraint_field),
        cmocka_unit_test(test_text_and_required),
        cmocka_unit_test(test_lists),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_amounts),
        cmocka_unit_test(test_ints_emails_codes),
        cmocka_unit_test(test_one_of),
        cmocka_unit_test(test_merge3),
        cmocka_unit_test(test_editbuf_line),
        cmocka_unit_test(test_editbuf_lines),
        cmocka_unit_test(test_scroll),
    };

    if (setlocale(LC_ALL, "C.UTF-8") == NULL)
        setlocale(LC_ALL, "");
    return cmocka_run_group_tests(tests, NULL, NULL);
}
