/* Configuration: built-in defaults, then INI files layered in order (see docs/config.md).
 * iniparser is used only to split the file; every value is read as a string, validated here
 * (never iniparser_getint & co., CVE-2023-33461) and copied out before iniparser_freedict().
 * No libpq (a connection string is checked by src/db/conn.c), no curses. */
#define _GNU_SOURCE /* memfd_create */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <iniparser.h>

#include "ccrm/cmd.h"
#include "ccrm/config.h"
#include "ccrm/db.h"
#include "ccrm/err.h"
#include "ccrm/strbuf.h"
#include "ccrm/util.h"

#define CONFIG_DEFAULT_SYSCONFDIR "/etc/ccrm"
#define CONFIG_FILE_NAME "ccrm.ini"

enum key_type {
    KEY_STRING,
    KEY_CONNINFO,
    KEY_INT,
    KEY_PATH,
    KEY_VIEW,
    KEY_COLOR,
    KEY_TEXT,
    KEY_COUNTRY,
    KEY_IBAN,
    KEY_BIC
};

struct key_def {
    const char *section;
    const char *name;
    enum key_type type;
    size_t off;    /* offsetof() the field in struct ccrm_config */
    long min, max; /* KEY_INT only */
};

static const struct key_def keys[] = {
    {"database", "conninfo", KEY_CONNINFO, offsetof(struct ccrm_config, conninfo), 0, 0},
    {"database", "statement_timeout_ms", KEY_INT,
     offsetof(struct ccrm_config, statement_timeout_ms), 0, 3600000},
    {"database", "connect_timeout", KEY_INT, offsetof(struct ccrm_config, connect_timeout_s), 1,
     300},
    {"local", "data_dir", KEY_PATH, offsetof(struct ccrm_config, data_dir), 0, 0},
    {"local", "state_dir", KEY_PATH, offsetof(struct ccrm_config, state_dir), 0, 0},
    {"ui", "start_view", KEY_VIEW, offsetof(struct ccrm_config, start_view), 0, 0},
    {"ui", "color", KEY_COLOR, offsetof(struct ccrm_config, color), 0, 0},
    {"ui", "page_size", KEY_INT, offsetof(struct ccrm_config, page_size), 20, 2000},
    {"mail", "sendmail", KEY_STRING, offsetof(struct ccrm_config, sendmail), 0, 0},
    {"mail", "attachment_max", KEY_INT, offsetof(struct ccrm_config, attachment_max), 0,
     1073741824},
    {"mail", "message_max", KEY_INT, offsetof(struct ccrm_config, message_max), 1024, 1073741824},
    {"users", "connection_limit", KEY_INT, offsetof(struct ccrm_config, connection_limit), 1, 1000},
    {"database", "migrate_wait", KEY_INT, offsetof(struct ccrm_config, migrate_wait_s), 1, 86400},
    {"database", "replica_conninfo", KEY_CONNINFO, offsetof(struct ccrm_config, replica_conninfo),
     0, 0},
#define COMPANY(key, type, field)                                                                  \
    {                                                                                              \
        "company", key, type, offsetof(struct ccrm_config, company.field), 0, 0                    \
    }
    COMPANY("name", KEY_TEXT, name),
    COMPANY("address1", KEY_TEXT, address1),
    COMPANY("address2", KEY_TEXT, address2),
    COMPANY("address3", KEY_TEXT, address3),
    COMPANY("postcode", KEY_TEXT, postcode),
    COMPANY("city", KEY_TEXT, city),
    COMPANY("country", KEY_COUNTRY, country),
    COMPANY("vat_id", KEY_TEXT, vat_id),
    COMPANY("tax_id", KEY_TEXT, tax_id),
    COMPANY("registration", KEY_TEXT, registration),
    COMPANY("email", KEY_TEXT, email),
    COMPANY("phone", KEY_TEXT, phone),
    COMPANY("website", KEY_TEXT, website),
    COMPANY("bank", KEY_TEXT, bank),
    COMPANY("iban", KEY_IBAN, iban),
    COMPANY("bic", KEY_BIC, bic),
#undef COMPANY
};

/* The string fields of struct ccrm_company, for copying and freeing them all. */
static const size_t company_fields[] = {
    offsetof(struct ccrm_company, name),     offsetof(struct ccrm_company, address1),
    offsetof(struct ccrm_company, address2), offsetof(struct ccrm_company, address3),
    offsetof(struct ccrm_company, postcode), offsetof(struct ccrm_company, city),
    offsetof(struct ccrm_company, country),  offsetof(struct ccrm_company, vat_id),
    offsetof(struct ccrm_company, tax_id),   offsetof(struct ccrm_company, registration),
    offsetof(struct ccrm_company, email),    offsetof(struct ccrm_company, phone),
    offsetof(struct ccrm_company, website),  offsetof(struct ccrm_company, bank),
    offsetof(struct ccrm_company, iban),     offsetof(struct ccrm_company, bic),
};

static char **
company_field(struct ccrm_company *c, size_t i)
{
    return (char **)(void *)((char *)c + company_fields[i]);
}

int
config_view_known(const char *name)
{
    size_t i;

    for (i = 0; cmd_views[i] != NULL; i++)
        if (strcasecmp(cmd_views[i], name) == 0)
            return 1;
    return 0;
}

/* Text from a file quoted in a message, made fit for a terminal: a configuration file can hold
 * anything (a binary file given by mistake, an escape sequence that would retitle or clear the
 * terminal of whoever runs ccrm), so it is quoted escaped and cut (str_escape_copy). */
#define SHOWN_MAX 80

struct shown {
    char s[4 * SHOWN_MAX + 4]; /* a column takes at most 4 bytes; then "..." */
};

static const char *
shown(struct shown *b, const char *s)
{
    str_escape_copy(b->s, sizeof b->s, s, SHOWN_MAX);
    return b->s;
}

/* iniparser reports syntax errors through a callback (stderr by default); keep the first
 * message of the current load here instead, and count the rest. */
static char parse_msg[512];
static int parse_nmsgs;

static int parse_error_cb(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
parse_error_cb(const char *fmt, ...)
{
    va_list ap;

    if (parse_nmsgs++ > 0)
        return 0;
    va_start(ap, fmt);
    vsnprintf(parse_msg, sizeof parse_msg, fmt, ap);
    va_end(ap);
    return 0;
}

/* Turn the captured iniparser message into "FILE: syntax error: line N: ...". iniparser 4.1
 * says "iniparser: syntax error in NAME (N):\n-> TEXT\n" or "iniparser: input line too long
 * in NAME (N)\n", NAME being the name it was given to read (loaded); anything else is passed
 * on, on one line. */
static void
set_parse_error(struct ccrm_err *err, const char *path, const char *loaded)
{
    char *msg = parse_msg;
    char *where = xasprintf(" in %s (", loaded);
    char *at;
    char *end;
    char *p;
    long line = 0;
    char more[48] = "";
    struct shown text;

    if (strncmp(msg, "iniparser: ", 11) == 0)
        msg += 11;
    if (parse_nmsgs > 1)
        snprintf(more, sizeof more, " (and %d more)", parse_nmsgs - 1);
    at = strstr(msg, where);
    if (at != NULL) {
        line = strtol(at + strlen(where), &end, 10);
        if (*end != ')')
            line = 0;
    }
    free(where);
    if (line > 0 && strncmp(msg, "syntax error", 12) == 0 && strncmp(end, "):\n-> ", 6) == 0) {
        err_set(err, "%s: syntax error: line %ld: \"%s\"%s", path, line,
                shown(&text, str_trim(end + 6)), more);
        return;
    }
    if (line > 0) { /* "input line too long" */
        *at = '\0';
        err_set(err, "%s: syntax error: line %ld: %s%s", path, line, msg, more);
        return;
    }
    for (p = msg; *p != '\0'; p++)
        if (*p == '\n')
            *p = ' ';
    msg = str_trim(msg);
    err_set(err, "%s: syntax error: %s%s", path,
            msg[0] != '\0' ? shown(&text, msg) : "unknown error", more);
}

/* One line as iniparser 4.1 joins it. It takes a quoted value up to the next quote of its kind
 * and drops the rest of the line (conninfo = "host=db" user=sam would connect without
 * user=sam), and a quote that is never closed as if it were (color = "never): neither is a
 * syntax error there. A comment may follow the closing quote. Other lines are iniparser's to
 * judge. Returns 0, or -1 with err filled in. */
static int
check_quotes(char *line, const char *path, long lineno, struct ccrm_err *err)
{
    char *s = str_trim(line);
    size_t len = strlen(s);
    char *v;
    char *close;
    struct shown text;

    if (len == 0 || s[0] == '#' || s[0] == ';' || (s[0] == '[' && s[len - 1] == ']'))
        return 0;
    v = strchr(s, '=');
    if (v == NULL || v == s)
        return 0;
    for (v++; isspace((unsigned char)*v); v++)
        ;
    if (*v != '"' && *v != '\'')
        return 0;
    close = strchr(v + 1, *v);
    if (close == NULL) {
        err_set(err, "%s: syntax error: line %ld: no closing quote: \"%s\"", path, lineno,
                shown(&text, s));
        return -1;
    }
    for (close++; isspace((unsigned char)*close); close++)
        ;
    if (*close != '\0' && *close != ';' && *close != '#') {
        err_set(err, "%s: syntax error: line %ld: text after the closing quote: \"%s\"", path,
                lineno, shown(&text, s));
        return -1;
    }
    return 0;
}

/* The checks iniparser does not make (check_quotes), over the file's lines joined as iniparser
 * joins them: trailing blanks go, and a line that then ends in \ goes on on the next one, which
 * gives the joined line its number. A UTF-8 BOM that an editor put at the start is no part of
 * the first line; *bom says whether there was one. A NUL byte is an error: iniparser reads
 * lines as C strings, so the rest of the line after one would be dropped without a word (a
 * misspelled key hidden) or the line taken for one too long. Returns 0, or -1 with err filled
 * in. */
static int
check_file(FILE *in, const char *path, int *bom, struct ccrm_err *err)
{
    char *buf = NULL;
    size_t cap = 0;
    struct strbuf line = STRBUF_INIT;
    char *joined;
    long lineno = 0;
    ssize_t got;
    char *nul;
    int rc = 0;

    *bom = 0;
    while (rc == 0 && (got = getline(&buf, &cap, in)) != -1) {
        char *p = buf;
        size_t n;

        if ((nul = memchr(buf, '\0', (size_t)got)) != NULL) {
            err_set(err, "%s: syntax error: line %ld: a NUL byte at byte %zu", path, lineno + 1,
                    (size_t)(nul - buf) + 1);
            rc = -1;
            break;
        }
        if (++lineno == 1 && strncmp(p, "\xEF\xBB\xBF", 3) == 0) {
            p += 3;
            *bom = 1;
        }
        n = strlen(p);
        while (n > 0 && isspace((unsigned char)p[n - 1]))
            n--;
        if (n > 0 && p[n - 1] == '\\') {
            const char *first = p + strspn(p, " \t");

            /* iniparser continues any line that ends in a backslash, comments too: `; C:\`
             * would take the next line (a key, a [section]) into the comment, unseen */
            if (line.len == 0 && (*first == ';' || *first == '#')) {
                err_set(err,
                        "%s: syntax error: line %ld: a comment ends in a backslash, which "
                        "would make the next line part of it: remove the backslash",
                        path, lineno);
                rc = -1;
                break;
            }
            strbuf_add(&line, p, n - 1);
            continue;
        }
        strbuf_add(&line, p, n);
        joined = strbuf_steal(&line);
        rc = check_quotes(joined, path, lineno, err);
        free(joined);
    }
    if (rc == 0 && ferror(in)) {
        err_set(err, "could not read configuration file \"%s\": %s", path, strerror(errno));
        rc = -1;
    }
    free(buf);
    strbuf_fini(&line);
    return rc;
}

/* iniparser 4.1 reads a file by its name only: the file without its BOM goes into an anonymous
 * file in memory, read by its name under /proc/self/fd. Returns its descriptor, or -1. */
static int
copy_without_bom(FILE *in)
{
    char buf[8192];
    size_t n;
    int fd = memfd_create("ccrm.ini", MFD_CLOEXEC);

    if (fd == -1)
        return -1;
    if (fseek(in, 3, SEEK_SET) == -1)
        goto fail;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        if (write(fd, buf, n) != (ssize_t)n)
            goto fail;
    if (ferror(in))
        goto fail;
    return fd;
fail:
    n = (size_t)errno;
    close(fd);
    errno = (int)n;
    return -1;
}

static int
no_color(void)
{
    const char *v = getenv("NO_COLOR");

    return v != NULL && v[0] != '\0';
}

static void
loaded_add(struct ccrm_config *cfg, const char *path)
{
    size_t n = 0;

    while (cfg->loaded != NULL && cfg->loaded[n] != NULL)
        n++;
    cfg->loaded = xrealloc(cfg->loaded, (n + 2) * sizeof *cfg->loaded);
    cfg->loaded[n] = xstrdup(path);
    cfg->loaded[n + 1] = NULL;
}

static char *
dup_or_null(const char *s)
{
    return s != NULL ? xstrdup(s) : NULL;
}

/* Deep copy of src into dst (dst's old contents are not freed). */
static void
config_copy(struct ccrm_config *dst, const struct ccrm_config *src)
{
    size_t i;

    *dst = *src;
    dst->conninfo = dup_or_null(src->conninfo);
    dst->replica_conninfo = dup_or_null(src->replica_conninfo);
    dst->data_dir = dup_or_null(src->data_dir);
    dst->state_dir = dup_or_null(src->state_dir);
    dst->start_view = dup_or_null(src->start_view);
    dst->sendmail = dup_or_null(src->sendmail);
    for (i = 0; i < sizeof company_fields / sizeof company_fields[0]; i++)
        *company_field(&dst->company, i) =
            dup_or_null(*company_field((struct ccrm_company *)&src->company, i));
    dst->loaded = NULL;
    for (i = 0; src->loaded != NULL && src->loaded[i] != NULL; i++)
        loaded_add(dst, src->loaded[i]);
}

/* Replace the string field *fp with an owned copy of s (or NULL). */
static void
set_str(char **fp, const char *s)
{
    free(*fp);
    *fp = dup_or_null(s);
}

/* An IBAN (ISO 13616) written with or without spaces: two letters, two check digits, up to 30
 * letters and digits, and the checksum (mod 97 = 1). Writes it without spaces, upper case, to
 * out (at least 35 bytes). Returns 0, or -1 when it is not a valid IBAN. */
static int
parse_iban(const char *val, char *out)
{
    size_t n = 0, i;
    unsigned rem = 0;
    char c;

    for (; *val != '\0'; val++) {
        if (*val == ' ')
            continue;
        c = (char)toupper((unsigned char)*val);
        if (!isalnum((unsigned char)c) || n == 34)
            return -1;
        out[n++] = c;
    }
    out[n] = '\0';
    if (n < 15 || !isalpha((unsigned char)out[0]) || !isalpha((unsigned char)out[1]) ||
        !isdigit((unsigned char)out[2]) || !isdigit((unsigned char)out[3]))
        return -1;
    /* the first four characters move to the end; letters count as 10..35 */
    for (i = 0; i < n; i++) {
        c = out[(i + 4) % n];
        if (isdigit((unsigned char)c))
            rem = (rem * 10 + (unsigned)(c - '0')) % 97;
        else
            rem = (rem * 100 + (unsigned)(c - 'A' + 10)) % 97;
    }
    return rem == 1 ? 0 : -1;
}

/* A BIC (ISO 9362): 8 or 11 letters and digits, the first six letters. */
static int
bic_valid(const char *val)
{
    size_t n = strlen(val), i;

    if (n != 8 && n != 11)
        return 0;
    for (i = 0; i < n; i++)
        if (i < 6 ? !isalpha((unsigned char)val[i]) : !isalnum((unsigned char)val[i]))
            return 0;
    return 1;
}

/* Text printed on documents: valid UTF-8 without control characters. */
static int
text_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    int more = 0;

    for (; *p != '\0'; p++) {
        if (more > 0) {
            if ((*p & 0xC0) != 0x80)
                return 0;
            more--;
        } else if (*p < 0x20 || *p == 0x7F) {
            return 0;
        } else if (*p >= 0xF0 && *p <= 0xF4) {
            more = 3;
        } else if (*p >= 0xE0) {
            more = *p <= 0xEF ? 2 : -1;
        } else if (*p >= 0xC2) {
            more = 1;
        } else if (*p >= 0x80) {
            return 0;
        }
        if (more < 0)
            return 0;
    }
    return more == 0;
}

static int
parse_int(const char *val, long min, long max, long *out)
{
    char *end;
    long v;

    if (val[0] == '\0' || (val[0] != '-' && val[0] != '+' && (val[0] < '0' || val[0] > '9')))
        return -1;
    errno = 0;
    v = strtol(val, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

/* Validate val for key k and store it into cfg. Returns 0, or -1 with err filled in. */
static int
set_value(struct ccrm_config *cfg, const struct key_def *k, const char *val, const char *path,
          struct ccrm_err *err)
{
    char *field = (char *)cfg + k->off;
    const char *home;
    char *s;
    long n;
    size_t i;
    struct shown text;

    switch (k->type) {
    case KEY_STRING:
        set_str((char **)(void *)field, val);
        return 0;
    case KEY_CONNINFO: {
        struct ccrm_err why;

        /* one libpq cannot read, or with a value it refuses (port=abc), is this file's
         * mistake: said here, not as a server that cannot be reached */
        if (db_conninfo_check(val, &why) == -1) {
            err_set(err, "%s: [%s] %s: %s", path, k->section, k->name, why.msg);
            return -1;
        }
        /* "" is kept for conninfo ("use libpq defaults"); an empty replica is none (a user's
         * file undoes the system file's) */
        set_str((char **)(void *)field,
                val[0] == '\0' && strcmp(k->name, "replica_conninfo") == 0 ? NULL : val);
        return 0;
    }
    case KEY_INT:
        if (parse_int(val, k->min, k->max, &n) == -1) {
            err_set(err, "%s: [%s] %s: expected an integer from %ld to %ld, got \"%s\"", path,
                    k->section, k->name, k->min, k->max, shown(&text, val));
            return -1;
        }
        *(int *)(void *)field = (int)n;
        return 0;
    case KEY_PATH:
        if (strncmp(val, "~/", 2) == 0) {
            home = getenv("HOME");
            if (home == NULL || home[0] != '/') {
                err_set(err, "%s: [%s] %s: could not expand \"%s\": HOME is not an absolute path",
                        path, k->section, k->name, shown(&text, val));
                return -1;
            }
            s = xasprintf("%s%s", home, val + 1);
        } else {
            if (val[0] != '/') {
                err_set(err, "%s: [%s] %s: expected an absolute path, got \"%s\"", path, k->section,
                        k->name, shown(&text, val));
                return -1;
            }
            s = xstrdup(val);
        }
        free(*(char **)(void *)field);
        *(char **)(void *)field = s;
        return 0;
    case KEY_VIEW:
        if (val[0] == '\0') {
            set_str((char **)(void *)field, NULL); /* back to "by department" */
            return 0;
        }
        for (i = 0; cmd_views[i] != NULL; i++) {
            if (strcasecmp(val, cmd_views[i]) == 0) {
                set_str((char **)(void *)field, cmd_views[i]);
                return 0;
            }
        }
        err_set(err, "%s: [%s] %s: expected %s, got \"%s\"", path, k->section, k->name,
                cmd_views_text(), shown(&text, val));
        return -1;
    case KEY_TEXT:
        if (!text_valid(val)) {
            err_set(err, "%s: [%s] %s: expected text in UTF-8 without control characters", path,
                    k->section, k->name);
            return -1;
        }
        set_str((char **)(void *)field, val[0] != '\0' ? val : NULL);
        return 0;
    case KEY_COUNTRY:
        if (val[0] == '\0') {
            set_str((char **)(void *)field, NULL);
            return 0;
        }
        if (strlen(val) != 2 || !isalpha((unsigned char)val[0]) ||
            !isalpha((unsigned char)val[1])) {
            err_set(err, "%s: [%s] %s: expected a two-letter country code (ISO 3166), got \"%s\"",
                    path, k->section, k->name, shown(&text, val));
            return -1;
        }
        s = xasprintf("%c%c", toupper((unsigned char)val[0]), toupper((unsigned char)val[1]));
        free(*(char **)(void *)field);
        *(char **)(void *)field = s;
        return 0;
    case KEY_IBAN: {
        char iban[40];

        if (val[0] == '\0') {
            set_str((char **)(void *)field, NULL);
            return 0;
        }
        if (strlen(val) > 42 || parse_iban(val, iban) == -1) {
            err_set(err, "%s: [%s] %s: not a valid IBAN (its check digits do not match): \"%s\"",
                    path, k->section, k->name, shown(&text, val));
            return -1;
        }
        set_str((char **)(void *)field, iban);
        return 0;
    }
    case KEY_BIC:
        if (val[0] != '\0' && !bic_valid(val)) {
            err_set(err, "%s: [%s] %s: expected a BIC of 8 or 11 letters and digits, got \"%s\"",
                    path, k->section, k->name, shown(&text, val));
            return -1;
        }
        set_str((char **)(void *)field, val[0] != '\0' ? val : NULL);
        for (s = *(char **)(void *)field; s != NULL && *s != '\0'; s++)
            *s = (char)toupper((unsigned char)*s);
        return 0;
    case KEY_COLOR:
        if (strcasecmp(val, "auto") == 0)
            cfg->color = no_color() ? CONFIG_COLOR_NEVER : CONFIG_COLOR_AUTO;
        else if (strcasecmp(val, "always") == 0)
            cfg->color = CONFIG_COLOR_ALWAYS;
        else if (strcasecmp(val, "never") == 0)
            cfg->color = CONFIG_COLOR_NEVER;
        else {
            err_set(err, "%s: [%s] %s: expected auto, always or never, got \"%s\"", path,
                    k->section, k->name, shown(&text, val));
            return -1;
        }
        return 0;
    }
    return 0;
}

static int
known_section(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strcmp(keys[i].section, name) == 0)
            return 1;
    return 0;
}

static const struct key_def *
find_key(const char *section, const char *name)
{
    size_t i;

    for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].name, name) == 0)
            return &keys[i];
    return NULL;
}

/* Apply every entry of d to cfg, in file order. Returns 0, or -1 with err filled in. */
static int
apply_dict(struct ccrm_config *cfg, dictionary *d, const char *path, struct ccrm_err *err)
{
    const struct key_def *k;
    const char *entry;
    const char *colon;
    const char *val;
    char section[256];
    size_t len;
    ssize_t i;
    struct shown text, text2;

    for (i = 0; i < d->size; i++) {
        entry = d->key[i];
        if (entry == NULL)
            continue;
        val = iniparser_getstring(d, entry, NULL);
        if (val == NULL) { /* a section header */
            if (!known_section(entry)) {
                err_set(err, "%s: unknown section [%s]", path, shown(&text, entry));
                return -1;
            }
            continue;
        }
        colon = strchr(entry, ':'); /* iniparser stores "section:key" */
        if (colon == NULL || colon == entry) {
            err_set(err, "%s: key \"%s\" outside of any section", path,
                    shown(&text, colon != NULL ? colon + 1 : entry));
            return -1;
        }
        len = (size_t)(colon - entry);
        if (len >= sizeof section)
            len = sizeof section - 1;
        memcpy(section, entry, len);
        section[len] = '\0';
        if (!known_section(section)) {
            err_set(err, "%s: unknown section [%s]", path, shown(&text, section));
            return -1;
        }
        k = find_key(section, colon + 1);
        if (k == NULL) {
            err_set(err, "%s: unknown key \"%s\" in [%s]", path, shown(&text, colon + 1),
                    shown(&text2, section));
            return -1;
        }
        if (set_value(cfg, k, val, path, err) == -1)
            return -1;
    }
    return 0;
}

void
config_defaults(struct ccrm_config *cfg)
{
    memset(cfg, 0, sizeof *cfg); /* conninfo, start_view, loaded: NULL */
    cfg->statement_timeout_ms = 5000;
    cfg->connect_timeout_s = 5;
    cfg->data_dir = xdg_dir("DATA");
    cfg->state_dir = xdg_dir("STATE");
    cfg->color = no_color() ? CONFIG_COLOR_NEVER : CONFIG_COLOR_AUTO;
    cfg->page_size = 200;
    cfg->sendmail = xstrdup("/usr/sbin/sendmail -t -oi");
    cfg->attachment_max = 10 * 1024 * 1024;
    cfg->message_max = 64 * 1024 * 1024;
    cfg->connection_limit = 10;
    cfg->migrate_wait_s = 60;
}

/* The file is checked with open()/fstat() first so that "missing" (skipped when optional) is
 * told apart from "unreadable" (always an error); iniparser 4.1 cannot say which. Then the
 * lines are checked for what iniparser would take wrongly without a word (check_file). On
 * error cfg is left as it was: values go into a copy that replaces cfg only when the whole file
 * is good. */
int
config_load_file(struct ccrm_config *cfg, const char *path, int required, struct ccrm_err *err)
{
    struct ccrm_config next;
    struct stat st;
    dictionary *d;
    FILE *in;
    char name[64];
    const char *loaded = path;
    int fd;
    int bom;
    int copy = -1;
    int rc;

    /* O_NONBLOCK: a FIFO in the file's place must not stop every command at its open (it is
     * refused below as not a regular file); a regular file reads as ever */
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd == -1) {
        if (!required && (errno == ENOENT || errno == ENOTDIR))
            return 0;
        err_set(err, "could not read configuration file \"%s\": %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) == -1) {
        err_set(err, "could not read configuration file \"%s\": %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        err_set(err, "could not read configuration file \"%s\": %s", path,
                S_ISDIR(st.st_mode) ? strerror(EISDIR) : "not a regular file");
        return -1;
    }
    if ((in = fdopen(fd, "r")) == NULL) {
        err_set(err, "could not read configuration file \"%s\": %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    rc = check_file(in, path, &bom, err);
    if (rc == 0 && bom) {
        if ((copy = copy_without_bom(in)) == -1) {
            err_set(err, "could not read configuration file \"%s\": %s", path, strerror(errno));
            rc = -1;
        } else {
            snprintf(name, sizeof name, "/proc/self/fd/%d", copy);
            loaded = name;
        }
    }
    fclose(in);
    if (rc == -1)
        return -1;

    iniparser_set_error_callback(parse_error_cb);
    parse_msg[0] = '\0';
    parse_nmsgs = 0;
    d = iniparser_load(loaded);
    if (copy != -1)
        close(copy);
    if (d == NULL) {
        set_parse_error(err, path, loaded);
        return -1;
    }
    config_copy(&next, cfg);
    rc = apply_dict(&next, d, path, err);
    iniparser_freedict(d);
    if (rc == -1) {
        config_fini(&next);
        return -1;
    }
    loaded_add(&next, path);
    config_fini(cfg);
    *cfg = next;
    return 0;
}

/* On error cfg is freed and zeroed (config_fini() on it is still allowed). */
int
config_load(struct ccrm_config *cfg, const char *explicit_file, struct ccrm_err *err)
{
    const char *sysdir = getenv("CCRM_SYSCONFDIR");
    char *path;
    char *dir;
    int rc;

    config_defaults(cfg);

    if (sysdir == NULL || sysdir[0] == '\0')
        sysdir = CONFIG_DEFAULT_SYSCONFDIR;
    path = xasprintf("%s/%s", sysdir, CONFIG_FILE_NAME);
    rc = config_load_file(cfg, path, 0, err);
    free(path);
    if (rc == -1)
        goto out;
    /* no-color.org: only user-level configuration overrides NO_COLOR, not a site-wide file */
    if (cfg->color == CONFIG_COLOR_ALWAYS && no_color())
        cfg->color = CONFIG_COLOR_NEVER;

    dir = xdg_dir("CONFIG");
    path = xasprintf("%s/%s", dir, CONFIG_FILE_NAME);
    free(dir);
    rc = config_load_file(cfg, path, 0, err);
    free(path);
    if (rc == -1)
        goto out;

    if (explicit_file != NULL)
        rc = config_load_file(cfg, explicit_file, 1, err);
out:
    if (rc == -1)
        config_fini(cfg);
    return rc;
}

void
config_fini(struct ccrm_config *cfg)
{
    size_t i;

    free(cfg->conninfo);
    free(cfg->replica_conninfo);
    free(cfg->data_dir);
    free(cfg->state_dir);
    free(cfg->start_view);
    free(cfg->sendmail);
    for (i = 0; i < sizeof company_fields / sizeof company_fields[0]; i++)
        free(*company_field(&cfg->company, i));
    for (i = 0; cfg->loaded != NULL && cfg->loaded[i] != NULL; i++)
        free(cfg->loaded[i]);
    free(cfg->loaded);
    memset(cfg, 0, sizeof *cfg);
}
