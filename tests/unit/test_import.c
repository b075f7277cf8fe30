/* Unit tests for the pure import parts: the CSV reader (line numbers across quoted newlines,
 * CRLF, BOM, blank lines, raw bytes), header mapping with synonyms and --map, and the value
 * checks (e-mail, numbers, dates, times, choices, lengths, UTF-8), plus COPY escaping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/cli/import_int.h"
#include "ccrm/util.h"

struct got {
    int n;
    long line[16];
    size_t nf[16];
    char first[16][64];
    char raw[16][128];
    int err[16];
};

static int
collect(void *arg, const struct csv_record *r)
{
    struct got *g = arg;

    if (g->n < 16) {
        g->line[g->n] = r->line;
        g->nf[g->n] = r->nfields;
        snprintf(g->first[g->n], 64, "%s", r->nfields > 0 ? r->field[0] : "");
        snprintf(g->raw[g->n], 128, "%.*s", (int)r->rawlen, r->raw);
        g->err[g->n] = r->error != NULL;
    }
    g->n++;
    return 0;
}

/* Parse s fed in chunks of size step (to cross every boundary). */
static void
parse(const char *s, size_t step, struct got *g)
{
    struct ccrm_err err;
    struct csvr *r = csvr_new(collect, g);
    size_t len = strlen(s), i;

    memset(g, 0, sizeof *g);
    for (i = 0; i < len; i += step)
        assert_int_equal(csvr_feed(r, s + i, len - i < step ? len - i : step, &err), 0);
    assert_int_equal(csvr_finish(r, &err), 0);
    csvr_free(&r);
    assert_null(r);
}

static void
test_csv_lines(void **state)
{
    static const char in[] = "\xef\xbb\xbf"
                             "a,b\r\n"
                             "\"x\r\ny\",2\r\n"
                             "\r\n"
                             "c,\"q\"\"uote,\n\n\"\n"
                             "last,row";
    size_t steps[] = {1, 2, 3, 5, 7, 1000};
    struct got g;
    size_t k;

    (void)state;
    for (k = 0; k < sizeof steps / sizeof steps[0]; k++) {
        parse(in, steps[k], &g);
        assert_int_equal(g.n, 4);
        assert_int_equal(g.line[0], 1);
        assert_string_equal(g.first[0], "a"); /* BOM gone */
        assert_string_equal(g.raw[0], "a,b\r\n");
        assert_int_equal(g.line[1], 2);
        assert_string_equal(g.first[1], "x\r\ny");
        assert_string_equal(g.raw[1], "\"x\r\ny\",2\r\n");
        assert_int_equal(g.line[2], 5); /* line 4 is blank */
        assert_int_equal(g.nf[2], 2);
        assert_string_equal(g.raw[2], "c,\"q\"\"uote,\n\n\"\n");
        assert_int_equal(g.line[3], 8);
        assert_string_equal(g.raw[3], "last,row");
        assert_int_equal(g.err[3], 0);
    }
}

/* A record of more fields than any file may have is refused with how many it had, and only
 * IMP_MAX_FIELDS of them are kept (a line of millions of commas took 25 bytes a field); the
 * record after it is read as usual. */
static void
test_csv_too_many_fields(void **state)
{
    size_t n = 100000, i;
    char *in = xmalloc(n + 64);
    struct got g;

    (void)state;
    memcpy(in, "a,b\n", 4);
    for (i = 0; i < n; i++)
        in[4 + i] = ',';
    strcpy(in + 4 + n, "\nc,d\n");
    parse(in, 4096, &g);
    assert_int_equal(g.n, 3);
    assert_int_equal(g.err[1], 1);
    assert_int_equal(g.nf[1], IMP_MAX_FIELDS);
    assert_int_equal(g.line[2], 3);
    assert_int_equal(g.nf[2], 2);
    assert_int_equal(g.err[2], 0);
    assert_string_equal(g.first[2], "c");
    free(in);
}

/* s fed in chunks of size step up to its end: what csvr_finish returns, and its message */
static int
parse_end(const char *s, size_t step, struct got *g, struct ccrm_err *err)
{
    struct csvr *r = csvr_new(collect, g);
    size_t len = strlen(s), i;
    int rc;

    memset(g, 0, sizeof *g);
    for (i = 0; i < len; i += step)
        assert_int_equal(csvr_feed(r, s + i, len - i < step ? len - i : step, err), 0);
    rc = csvr_finish(r, err);
    csvr_free(&r);
    return rc;
}

static void
test_csv_unterminated(void **state)
{
    struct ccrm_err err;
    struct got g;
    size_t step;

    (void)state;
    /* the file is wrong, not a record: the line where the open field began is named, also
     * after a record whose quoted field spans lines, and one of this record's that closed */
    for (step = 1; step <= 64; step += 63) {
        assert_int_equal(parse_end("h\n\"open\nstill\n", step, &g, &err), -1);
        assert_int_equal(g.n, 1);
        assert_non_null(strstr(err.msg, "line 2 is not valid CSV: the quoted field that begins"));
        assert_int_equal(parse_end("h,i\n\"a\nb\",c\nd,\"e\nf\",\"g\nh\ni\n", step, &g, &err), -1);
        assert_int_equal(g.n, 2);
        assert_non_null(strstr(err.msg, "line 5 is not valid CSV"));
    }
    parse("", 1, &g);
    assert_int_equal(g.n, 0);
    parse("\xef\xbb", 1, &g); /* half a BOM is data */
    assert_int_equal(g.n, 1);
}

/* Whether the input began with a BOM (the rejects file then does too), fed in pieces of step */
static int
had_bom(const char *s, size_t step)
{
    struct ccrm_err err;
    struct got g;
    struct csvr *r;
    size_t len = strlen(s), i;
    int bom;

    memset(&g, 0, sizeof g);
    r = csvr_new(collect, &g);
    for (i = 0; i < len; i += step)
        assert_int_equal(csvr_feed(r, s + i, len - i < step ? len - i : step, &err), 0);
    assert_int_equal(csvr_finish(r, &err), 0);
    bom = csvr_had_bom(r);
    assert_string_equal(g.first[0], "email"); /* never part of the first name */
    csvr_free(&r);
    return bom;
}

static void
test_csv_bom(void **state)
{
    size_t step;

    (void)state;
    for (step = 1; step <= 4; step++) {
        assert_int_equal(had_bom("\xef\xbb\xbf"
                                 "email,x\n",
                                 step),
                         1);
        assert_int_equal(had_bom("email,x\n", step), 0);
    }
}

static void
map_of(struct imp_map *m, const char *entity, const char *const *names, size_t n, const char *ov,
       int expect)
{
    struct csv_record r;
    size_t len[32], i;
    struct ccrm_err err;

    memset(&r, 0, sizeof r);
    for (i = 0; i < n; i++)
        len[i] = strlen(names[i]);
    r.nfields = n;
    r.field = (const char **)names;
    r.len = len;
    assert_int_equal(imp_map_header(m, imp_entity_find(entity), &r, ov, &err), expect);
}

static int
col_of(const struct imp_map *m, const char *name)
{
    int c;

    for (c = 0; c < m->e->ncols; c++)
        if (strcmp(m->e->cols[c].name, name) == 0)
            return m->mapped[c];
    return -9;
}

/* The separator is the header's: the one of , ; tab it uses most outside quotes. */
static void
test_guess_delim(void **state)
{
    (void)state;
    assert_int_equal(csvr_guess_delim("a,b,c\n", 6), ',');
    assert_int_equal(csvr_guess_delim("Vorname;Nachname;E-Mail\nx,y;z", 29), ';');
    assert_int_equal(csvr_guess_delim("a\tb\tc\r\n", 8), '\t');
    assert_int_equal(csvr_guess_delim("\"a;b;c\",d\n", 10), ','); /* quoted ; is data */
    assert_int_equal(csvr_guess_delim("email\n", 6), ',');        /* one column */
    assert_int_equal(csvr_guess_delim("", 0), ',');
}

static void
test_header_mapping(void **state)
{
    static const char *const h1[] = {"E-Mail",       "First Name", " Surname ",
                                     "Company Name", "Shoe size",  "id"};
    static const char *const h2[] = {"Email Address", "Mail"};
    static const char *const h3[] = {"Name", "Domain", "Org"};
    struct imp_map m;

    (void)state;
    /* --into takes the entity in any letter case */
    assert_ptr_equal(imp_entity_find("Contacts"), imp_entity_find("contacts"));
    assert_ptr_equal(imp_entity_find("Deal"), imp_entity_find("opportunities"));
    assert_non_null(imp_entity_find("LEADS"));
    map_of(&m, "leads", h1, 6, NULL, 0);
    assert_int_equal(col_of(&m, "email"), 0);
    assert_int_equal(col_of(&m, "first_name"), 1);
    assert_int_equal(col_of(&m, "last_name"), 2);
    assert_int_equal(col_of(&m, "company"), 3);
    assert_int_equal(m.nunknown, 1); /* "id" is ignored silently */
    assert_string_equal(m.unknown, "\"Shoe size\"");
    map_of(&m, "contacts", h1, 6, NULL, 0);
    /* a contact's company is its account (HubSpot's, Salesforce's "Company Name") */
    assert_int_equal(col_of(&m, "account"), 3);
    map_of(&m, "contacts", h2, 2, NULL, -1); /* both map to email */
    map_of(&m, "contacts", h2, 2, "mail=-", 0);
    assert_int_equal(col_of(&m, "email"), 0);
    map_of(&m, "accounts", h3, 3, "org=industry", 0);
    assert_int_equal(col_of(&m, "industry"), 2);
    /* blanks around either side of an override are not part of the names */
    map_of(&m, "accounts", h3, 3, " org = industry ", 0);
    assert_int_equal(col_of(&m, "industry"), 2);
    map_of(&m, "accounts", h3, 3, "org=nosuch", -1);
    map_of(&m, "accounts", h3, 3, "nosuch=name", -1);
    map_of(&m, "opportunities", h3, 3, NULL, -1); /* account is required */
    /* one name column feeds first and last name when neither is there (not for accounts) */
    map_of(&m, "contacts", h3, 3, "org=-", 0);
    assert_int_equal(col_of(&m, "first_name"), 0);
    assert_int_equal(col_of(&m, "last_name"), 0);
    assert_int_equal(m.nunknown, 1); /* "Domain" only */
    map_of(&m, "accounts", h3, 3, "org=-", 0);
    assert_int_equal(col_of(&m, "name"), 0);
    map_of(&m, "contacts", h3 + 2, 1, "org=title", -1); /* no identity column */
}

static const struct imp_column *
col(const char *entity, const char *name)
{
    const struct imp_entity *e = imp_entity_find(entity);
    int c;

    for (c = 0; c < e->ncols; c++)
        if (strcmp(e->cols[c].name, name) == 0)
            return &e->cols[c];
    fail();
    return NULL;
}

static void
test_values(void **state)
{
    static const struct {
        const char *entity, *col, *in, *out; /* out NULL: rejected */
    } t[] = {
        {"contacts", "email", "a@b.org", "a@b.org"},
        {"contacts", "email", "A.B+tag@Sub.Example.ORG", "A.B+tag@Sub.Example.ORG"},
        {"contacts", "email", "jürgen@bücher.de", "jürgen@bücher.de"},
        {"contacts", "email", "a@b", NULL},
        {"contacts", "email", "a@@b.org", NULL},
        {"contacts", "email", "a b@c.org", NULL},
        {"contacts", "email", "@c.org", NULL},
        {"contacts", "email", "a@.org", NULL},
        {"contacts", "email", "a@b..org", NULL},
        {"contacts", "email", "a.@b.org", NULL},
        {"leads", "score", "0", "0"},
        {"leads", "score", "+100", "100"},
        {"leads", "score", "007", "7"},
        {"leads", "score", "101", NULL},
        {"leads", "score", "-1", NULL},
        {"leads", "score", "1.5", NULL},
        {"leads", "score", "99999999999999999999", NULL},
        {"leads", "status", "Qualified", "qualified"},
        {"leads", "status", "hot", NULL},
        {"accounts", "annual_revenue", "1234.50", "1234.50"},
        {"accounts", "annual_revenue", "1.234", NULL},
        {"accounts", "annual_revenue", "-1", NULL},
        {"accounts", "annual_revenue", "1e5", NULL},
        {"accounts", "annual_revenue", "1234567890123", NULL},
        {"opportunities", "close_date", "2024-02-29", "2024-02-29"},
        {"opportunities", "close_date", "2023-02-29", NULL},
        {"opportunities", "close_date", "1900-02-29", NULL},
        {"opportunities", "close_date", "2000-02-29", "2000-02-29"},
        {"opportunities", "close_date", "2024-13-01", NULL},
        {"opportunities", "close_date", "24-01-01", NULL},
        {"opportunities", "currency", "usd", "USD"},
        {"opportunities", "currency", "US$", NULL},
        {"interactions", "at", "2027-01-05 10:00", "2027-01-05 10:00"},
        {"interactions", "at", "2027-01-05T10:00:59.123456+05:30",
         "2027-01-05T10:00:59.123456+05:30"},
        {"interactions", "at", "2027-01-05 10:00:00Z", "2027-01-05 10:00:00Z"},
        {"interactions", "at", "2027-01-05 10:00:00+01", "2027-01-05 10:00:00+01"},
        /* what an export writes for Europe/Amsterdam before 1937 (local mean time) */
        {"interactions", "at", "1930-05-01 12:00:00+01:19:32", "1930-05-01 12:00:00+01:19:32"},
        {"interactions", "due_at", "1930-05-01 12:00:00+01:19:32.5", NULL},
        {"interactions", "at", "2027-01-05 24:00", NULL},
        {"interactions", "at", "2027-01-05 10:00:00.", NULL},
        {"interactions", "at", "someday", NULL},
        {"interactions", "kind", "CALL", "call"},
        {"contacts", "first_name", "Zoë", "Zoë"},
        /* a one-line text holds no tab or line break (a list row would break); a body may */
        {"contacts", "first_name", "tab\there", NULL},
        {"contacts", "last_name", "Hop\r\nper", NULL},
        {"contacts", "title", "Rear\nAdmiral", NULL},
        {"accounts", "city", "Old\rTown", NULL},
        {"tickets", "subject", "two\nlines", NULL},
        {"leads", "company", "A\tB", NULL},
        {"tickets", "body", "line one\r\nline\ttwo", "line one\r\nline\ttwo"},
        {"accounts", "description", "a\nb", "a\nb"},
        {"interactions", "body", "a\tb", "a\tb"},
        {"products", "description", "a\nb", "a\nb"},
        {"contacts", "first_name", "bell\x07", NULL},
    };
    char out[256], reason[300];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof t / sizeof t[0]; i++) {
        long l = imp_check_value(col(t[i].entity, t[i].col), t[i].in, strlen(t[i].in), out, reason,
                                 sizeof reason);

        if (t[i].out == NULL) {
            if (l >= 0)
                print_error("accepted %s %s \"%s\"\n", t[i].entity, t[i].col, t[i].in);
            assert_true(l < 0);
            assert_non_null(strstr(reason, t[i].col));
        } else {
            if (l < 0)
                print_error("rejected %s %s \"%s\": %s\n", t[i].entity, t[i].col, t[i].in, reason);
            assert_int_equal(l, (long)strlen(t[i].out));
            out[l] = '\0';
            assert_string_equal(out, t[i].out);
        }
    }
}

static void
test_length_and_utf8(void **state)
{
    char big[202], out[256], reason[300];
    size_t at;

    (void)state;
    memset(big, 'x', sizeof big - 1);
    big[201] = '\0';
    assert_true(
        imp_check_value(col("contacts", "first_name"), big, 201, out, reason, sizeof reason) < 0);
    assert_string_equal(reason, "column \"first_name\" is too long (201 characters, at most 200)");
    assert_int_equal(
        imp_check_value(col("contacts", "first_name"), big, 200, out, reason, sizeof reason), 200);
    assert_int_equal(imp_utf8_check("ok \xc3\xa9 \xf0\x9f\x98\x80", 10, &at), 0);
    assert_int_equal(imp_utf8_check("a\xc3", 2, &at), 1);
    assert_int_equal(at, 1);
    assert_int_equal(imp_utf8_check("\xc0\xaf", 2, &at), 1);         /* overlong */
    assert_int_equal(imp_utf8_check("\xed\xa0\x80", 3, &at), 1);     /* surrogate */
    assert_int_equal(imp_utf8_check("\xf4\x90\x80\x80", 4, &at), 1); /* > U+10FFFF */
    assert_int_equal(imp_utf8_check("ab\0c", 4, &at), 2);
    assert_int_equal(at, 2);
}

static void
test_validate_row(void **state)
{
    static const char *const hdr[] = {"email", "first_name", "last_name"};
    static const char *const f1[] = {"  ada@example.org ", "", "Lovelace"};
    static const char *const f2[] = {"", " ", ""};
    static const char *const f3[] = {"x", "y"};
    struct imp_map m;
    struct imp_row row;
    struct csv_record r;
    size_t len[3];
    char reason[300];
    int i;

    (void)state;
    map_of(&m, "contacts", hdr, 3, NULL, 0);
    imp_row_init(&row);
    memset(&r, 0, sizeof r);
    r.field = (const char **)f1;
    r.len = len;
    r.nfields = 3;
    for (i = 0; i < 3; i++)
        len[i] = strlen(f1[i]);
    assert_int_equal(imp_validate(&m, &r, &row, reason, sizeof reason), 0);
    assert_string_equal(row.val[3], "ada@example.org"); /* trimmed */
    assert_null(row.val[1]);                            /* empty = none */
    r.field = (const char **)f2;
    for (i = 0; i < 3; i++)
        len[i] = strlen(f2[i]);
    assert_true(imp_record_blank(&r));
    assert_int_equal(imp_validate(&m, &r, &row, reason, sizeof reason), -1);
    assert_string_equal(reason, "one of first_name, last_name, email is required");
    r.field = (const char **)f3;
    r.nfields = 2;
    len[0] = len[1] = 1;
    assert_int_equal(imp_validate(&m, &r, &row, reason, sizeof reason), -1);
    assert_string_equal(reason, "expected 3 fields, found 2");
    imp_row_fini(&row);
}

struct one_line {
    struct imp_map m;
    struct imp_row row;
    int n;
    long line[4];
    char reason[4][300];
};

static int
validate_each(void *arg, const struct csv_record *rec)
{
    struct one_line *o = arg;
    struct ccrm_err err;

    if (o->n++ == 0) {
        assert_int_equal(imp_map_header(&o->m, imp_entity_find("tickets"), rec, NULL, &err), 0);
        return 0;
    }
    o->line[o->n - 2] = rec->line;
    if (imp_validate(&o->m, rec, &o->row, o->reason[o->n - 2], sizeof o->reason[0]) == 0)
        o->reason[o->n - 2][0] = '\0';
    return 0;
}

/* A quoted CSV field may hold line breaks and tabs: the record is refused, named by the line it
 * starts on, when they are in a one-line field (the subject), and kept in a body. */
static void
test_validate_one_line(void **state)
{
    static const char in[] = "subject,body\n"
                             "\"Printer\non fire\",ok\n"
                             "Fine,\"two\r\nlines\tand a tab\"\n"
                             "\"a\ttab\",x\n"
                             "\" trailing \n\",x\n";
    struct one_line o;
    struct ccrm_err err;
    struct csvr *r;

    (void)state;
    memset(&o, 0, sizeof o);
    imp_row_init(&o.row);
    r = csvr_new(validate_each, &o);
    assert_int_equal(csvr_feed(r, in, strlen(in), &err), 0);
    assert_int_equal(csvr_finish(r, &err), 0);
    csvr_free(&r);
    assert_int_equal(o.n, 5);
    assert_int_equal(o.line[0], 2);
    assert_string_equal(o.reason[0], "column \"subject\": line break in a one-line field");
    assert_int_equal(o.line[1], 4);
    assert_string_equal(o.reason[1], "");
    assert_int_equal(o.line[2], 6);
    assert_string_equal(o.reason[2], "column \"subject\": tab in a one-line field");
    assert_string_equal(o.reason[3], ""); /* around a value, blanks are trimmed */
    imp_row_fini(&o.row);
}

static void
test_copy_escape(void **state)
{
    struct sbuf b;

    (void)state;
    memset(&b, 0, sizeof b);
    imp_copy_value(&b, "a\\b\tc\nd\re", 9);
    sbuf_add(&b, "|", 1);
    imp_copy_value(&b, NULL, 0);
    sbuf_add(&b, "|", 1);
    imp_copy_bytea(&b, "\x01\xff", 2);
    sbuf_add(&b, "", 1);
    assert_string_equal(b.p, "a\\\\b\\tc\\nd\\re|\\N|\\\\x01ff");
    sbuf_fini(&b);
}

/* Regression (found by fuzz_import): adding nothing to an empty buffer did pointer arithmetic
 * on NULL. An empty field is the common case of this. */
static void
test_sbuf_empty(void **state)
{
    struct sbuf b;

    (void)state;
    memset(&b, 0, sizeof b);
    sbuf_add(&b, "", 0);
    assert_int_equal(b.len, 0);
    imp_copy_value(&b, "", 0);
    sbuf_add(&b, "x", 1);
    assert_true(b.len >= 1);
    sbuf_fini(&b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_lines),         cmocka_unit_test(test_csv_bom),
        cmocka_unit_test(test_csv_unterminated),  cmocka_unit_test(test_guess_delim),
        cmocka_unit_test(test_header_mapping),    cmocka_unit_test(test_values),
        cmocka_unit_test(test_length_and_utf8),   cmocka_unit_test(test_validate_row),
        cmocka_unit_test(test_copy_escape),       cmocka_unit_test(test_sbuf_empty),
        cmocka_unit_test(test_validate_one_line), cmocka_unit_test(test_csv_too_many_fields),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
