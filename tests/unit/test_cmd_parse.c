/* Unit tests for src/cmd/parse.c: the `:` command parser and its Tab completion, table-driven. */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ccrm/cmd.h"
#include "ccrm/entity.h"

static const struct {
    const char *line;
    int rc;
    enum cmd_kind kind;
    const char *arg; /* expected argument, or (rc -1) a substring of the error */
} parse_cases[] = {
    {"", 0, CMD_NONE, ""},
    {"   ", 0, CMD_NONE, ""},
    {":", 0, CMD_NONE, ""},
    {"open Acme Corp", 0, CMD_OPEN, "Acme Corp"},
    {"  :open   Acme Corp  ", 0, CMD_OPEN, "Acme Corp"},
    {"o \"Acme  Corp\"", 0, CMD_OPEN, "Acme  Corp"},
    {"find atlas", 0, CMD_FIND, "atlas"},
    {"fin x", 0, CMD_FIND, "x"},
    {"f x", -1, CMD_NONE, "ambiguous command \"f\": could be filter, find"},
    {"filter mine status=open", 0, CMD_FILTER, "mine status=open"},
    {"new", 0, CMD_NEW, ""},
    {"new deal", 0, CMD_NEW, "opportunities"},
    {"new Tickets", 0, CMD_NEW, "tickets"},
    {"new calls", 0, CMD_NEW, "interactions:call"},
    {"new task", 0, CMD_NEW, "interactions:task"},
    {"new dealer", -1, CMD_NONE, "cannot create \"dealer\""},
    {"edit", 0, CMD_EDIT, ""},
    {"edit 12", -1, CMD_NONE, "takes no argument"},
    {"assign marco please call her", 0, CMD_ASSIGN, "marco please call her"},
    {"handoff sales wants the Pro plan", 0, CMD_HANDOFF, "sales wants the Pro plan"},
    {"comment @marco see ticket", 0, CMD_COMMENT, "@marco see ticket"},
    {"export /tmp/x.csv", 0, CMD_EXPORT, "/tmp/x.csv"},
    {"share please confirm the date", 0, CMD_SHARE, "please confirm the date"},
    {"watch", 0, CMD_WATCH, ""},
    {"unw", 0, CMD_UNWATCH, ""},
    {"watch 12", -1, CMD_NONE, "takes no argument"},
    {"following", 0, CMD_FOLLOWING, ""},
    {"foll kind=deal why=owner", 0, CMD_FOLLOWING, "kind=deal why=owner"},
    {"settings", 0, CMD_SETTINGS, ""},
    {"calendars default=true", 0, CMD_CALENDARS, "default=true"},
    {"sla", 0, CMD_SLA, ""},
    {"new calendar", 0, CMD_NEW, "calendars"},
    {"new policy", 0, CMD_NEW, "sla_policies"},
    {"new sla", 0, CMD_NEW, "sla_policies"},
    {"new settings", -1, CMD_NONE, "cannot create \"settings\""},
    {"view dash", 0, CMD_VIEW, "dashboard"},
    {"view d", -1, CMD_NONE, "ambiguous view \"d\""},
    {"view deals", 0, CMD_VIEW, "deals"},
    {"view feed", 0, CMD_VIEW, "feed"},
    {"view le", 0, CMD_VIEW, "leads"},
    {"v ACC", 0, CMD_VIEW, "accounts"},
    {"VIEW Feed", 0, CMD_VIEW, "feed"},
    {"sort updated", 0, CMD_SORT, "updated"},
    {"history", 0, CMD_HISTORY, ""},
    {"hi", 0, CMD_HISTORY, ""},
    {"help", 0, CMD_HELP, ""},
    {"he", 0, CMD_HELP, ""},
    {"quit", 0, CMD_QUIT, ""},
    {"q", 0, CMD_QUIT, ""},
    {"qu", 0, CMD_QUIT, ""},
    {"h", -1, CMD_NONE, "ambiguous command \"h\": could be handoff, help, history"},
    {"x", -1, CMD_NONE, "unknown command \"x\": try :help"},
    {"quitx", -1, CMD_NONE, "unknown command \"quitx\""},
    {"open", -1, CMD_NONE, "command \"open\" needs an argument"},
    {"open   ", -1, CMD_NONE, "needs an argument"},
    {"quit now", -1, CMD_NONE, "command \"quit\" takes no argument"},
    {"view x", -1, CMD_NONE, "unknown view \"x\": expected feed, leads, accounts, contacts"},
    {"view", -1, CMD_NONE, "needs an argument"},
    {"sort", -1, CMD_NONE, "needs an argument"},
    {"reply", 0, CMD_REPLY, ""},
    {"reply now", -1, CMD_NONE, "command \"reply\" takes no argument"},
    {"save-attachment 12 ~/offer.pdf", 0, CMD_SAVE_ATTACHMENT, "12 ~/offer.pdf"},
    {"sa 12", 0, CMD_SAVE_ATTACHMENT, "12"},
    {"save-attachment", 0, CMD_SAVE_ATTACHMENT, ""},
};

static void
test_parse_table(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++) {
        struct cmd c;
        struct ccrm_err err;
        int rc = cmd_parse(parse_cases[i].line, &c, &err);

        if (rc != parse_cases[i].rc)
            fail_msg("\"%s\": rc %d, expected %d (%s)", parse_cases[i].line, rc, parse_cases[i].rc,
                     err.msg);
        if (rc == 0) {
            if (c.kind != parse_cases[i].kind || strcmp(c.arg, parse_cases[i].arg) != 0)
                fail_msg("\"%s\": got %d \"%s\"", parse_cases[i].line, (int)c.kind, c.arg);
        } else if (strstr(err.msg, parse_cases[i].arg) == NULL) {
            fail_msg("\"%s\": error \"%s\" lacks \"%s\"", parse_cases[i].line, err.msg,
                     parse_cases[i].arg);
        }
    }
}

static void
test_parse_long_arg(void **state)
{
    char line[600];
    struct cmd c;
    struct ccrm_err err;

    (void)state;
    memset(line, 'a', sizeof line - 1);
    memcpy(line, "find ", 5);
    line[sizeof line - 1] = '\0';
    assert_int_equal(cmd_parse(line, &c, &err), -1);
    assert_non_null(strstr(err.msg, "too long"));
}

static void
names(enum cmd_kind kind, const char *prefix, cmd_add_fn add, void *actx, void *ctx)
{
    (void)prefix;
    (void)ctx;
    add("Atlas Corp", actx);
    add("Atlas Corp", actx); /* duplicates are dropped */
    add("Atlantic Mining", actx);
    add("Brightwave", actx);
    if (kind == CMD_FIND)
        add("alice", actx);
}

static const char *const sorts[] = {"name", "updated", "industry", NULL};

static const struct {
    const char *line;
    int n;
    const char *common;
    size_t start;
    const char *first;
} complete_cases[] = {
    {"", 60, "", 0, "absences"},
    {"h", 3, "h", 0, "handoff"},
    {"handoff s", 2, "s", 8, "sales"},
    {"handoff ma", 2, "ma", 8, "management"},
    {"assign alice call her", 0, "", 7, NULL},
    {"new d", 1, "deal", 4, "deal"},
    {"new ", 22, "", 4, "absence"},
    {"hi", 1, "history", 0, "history"},
    {":v", 1, "view", 1, "view"},
    {"view le", 1, "leads", 5, "leads"},
    {"view ", 12, "", 5, "accounts"},
    {"sort u", 1, "updated", 5, "updated"},
    {"sort z", 0, "", 5, NULL},
    {"open atl", 2, "Atla", 5, "Atlantic Mining"},
    {"open Atlas", 1, "Atlas Corp", 5, "Atlas Corp"},
    {"find al", 1, "alice", 5, "alice"},
    {"open b", 1, "Brightwave", 5, "Brightwave"},
    {"open ti", 1, "ticket", 5, "ticket"}, /* :open's kinds, by number: "ticket 3221" */
    {"open in", 1, "invoice", 5, "invoice"},
    {"open sla p", 1, "SLA policy", 5, "SLA policy"},
    {"x y", 0, "", 2, NULL},
    {"help x", 0, "", 5, NULL},
    {"unsubscribe ph", 1, "phone", 12, "phone"},
    {"consent ", 4, "", 8, "all"},
    {"unsubscribe email at the fair", 0, "", 12, NULL},
};

static void
test_complete_table(void **state)
{
    struct cmd_complete_src src = {sorts, names, NULL, 0};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof complete_cases / sizeof complete_cases[0]; i++) {
        struct cmd_completion c;
        const char *l = complete_cases[i].line;
        int n = cmd_complete(l, strlen(l), &src, &c);

        if (n != complete_cases[i].n || strcmp(c.common, complete_cases[i].common) != 0 ||
            c.start != complete_cases[i].start ||
            (n > 0 && strcmp(c.cand[0], complete_cases[i].first) != 0))
            fail_msg("\"%s\": n %d common \"%s\" start %zu first \"%s\"", l, n, c.common, c.start,
                     n > 0 ? c.cand[0] : "");
        cmd_completion_fini(&c);
    }
}

static void
test_complete_cursor(void **state)
{
    struct cmd_completion c;

    (void)state;
    /* only the text before the cursor counts */
    assert_int_equal(cmd_complete("view leads", 6, NULL, &c), 1);
    assert_string_equal(c.common, "leads");
    cmd_completion_fini(&c);
    assert_int_equal(cmd_complete("vi", 1, NULL, &c), 1);
    assert_int_equal(c.is_cmd, 1);
    cmd_completion_fini(&c);
}

/* Names outside ASCII fold by character in any script (towlower): "öl" and "ÖL" start "Öl
 * Handel" (the parser knew ASCII only), and :open's exact name is folded the same way. */
static void
test_fold_utf8(void **state)
{
    (void)state;
    assert_true(cmd_has_prefix("Öl Handel", "öl", strlen("öl")));
    assert_true(cmd_has_prefix("Öl Handel", "ÖL", strlen("ÖL")));
    assert_true(cmd_has_prefix("ЖУК Trade", "жук", strlen("жук")));
    assert_true(cmd_has_prefix("Atlas", "aTL", 3));
    assert_true(cmd_has_prefix("Atlas", "", 0));
    assert_false(cmd_has_prefix("Öl Handel", "ol", 2)); /* accents are the database's */
    assert_false(cmd_has_prefix("Öl", "öl handel", strlen("öl handel")));
    assert_false(cmd_has_prefix("Ö", "\xc3", 1)); /* half a character is no character */
    assert_true(cmd_same_name("Öl Handel", "öL HANDEL"));
    assert_false(cmd_same_name("Öl Handel", "Öl Handel und Söhne"));
    assert_false(cmd_same_name("Öl", "Ol"));
    assert_true(cmd_same_name("Straße", "STRAßE"));
}

static void
names_utf8(enum cmd_kind kind, const char *prefix, cmd_add_fn add, void *actx, void *ctx)
{
    (void)kind;
    (void)prefix;
    (void)ctx;
    add("Öl Handel und Söhne", actx);
    add("Öl Handel", actx);
    add("Olive AG", actx);
    add("Atlas Corp", actx);
}

/* Tab: candidates that start with what was typed in another letter case outside ASCII, their
 * common beginning by the same folding; a source that matched its names itself (accents
 * folded) is taken as it is, and what was typed stays when they agree on less. */
static void
test_complete_utf8(void **state)
{
    struct cmd_complete_src src = {NULL, names_utf8, NULL, 0};
    struct cmd_completion c;

    (void)state;
    assert_int_equal(cmd_complete("open öl", strlen("open öl"), &src, &c), 2);
    assert_string_equal(c.common, "Öl Handel");
    assert_int_equal(c.start, 5);
    cmd_completion_fini(&c);
    assert_int_equal(cmd_complete("open ÖL HANDEL U", strlen("open ÖL HANDEL U"), &src, &c), 1);
    assert_string_equal(c.common, "Öl Handel und Söhne");
    cmd_completion_fini(&c);
    /* several in different letter case: the beginning they share, spelled as the first */
    assert_int_equal(cmd_complete("open o", strlen("open o"), &src, &c), 1);
    assert_string_equal(c.common, "Olive AG");
    cmd_completion_fini(&c);

    src.matched = 1; /* as the database matched them: all are taken */
    assert_int_equal(cmd_complete("open ol", strlen("open ol"), &src, &c), 4);
    assert_string_equal(c.common, "ol");
    cmd_completion_fini(&c);
    assert_int_equal(cmd_complete("open x", strlen("open x"), &src, &c), 4);
    assert_string_equal(c.common, "x");
    cmd_completion_fini(&c);
}

/* What the source was asked last: the command kind and the text typed */
static enum cmd_kind asked_kind;
static char asked[64];

static void
names_people(enum cmd_kind kind, const char *prefix, cmd_add_fn add, void *actx, void *ctx)
{
    (void)ctx;
    asked_kind = kind;
    snprintf(asked, sizeof asked, "%s", prefix);
    if (kind == CMD_ADD_SEGMENT) {
        add("German manufacturers", actx);
        return;
    }
    add("Anna Roth", actx);
    add("Anna Rothmann", actx);
    add("anna.roth@example.com", actx);
}

/* :add-member and :add-segment complete their whole argument, blanks and all (a full name, a
 * segment's name), from the source: it is asked with the command's kind and all that was
 * typed after the command, and what it offers is taken as it comes (src.matched). */
static void
test_complete_members(void **state)
{
    struct cmd_complete_src src = {NULL, names_people, NULL, 1};
    struct cmd_completion c;
    const char *l;

    (void)state;
    l = "add-member anna r";
    assert_int_equal(cmd_complete(l, strlen(l), &src, &c), 3);
    assert_int_equal(asked_kind, CMD_ADD_MEMBER);
    assert_string_equal(asked, "anna r");
    assert_int_equal(c.start, strlen("add-member "));
    assert_string_equal(c.common, "anna r"); /* "anna." and "Anna R": what was typed stays */
    assert_int_equal(c.is_cmd, 0);
    cmd_completion_fini(&c);
    l = ":add-m   Anna Roth";
    assert_int_equal(cmd_complete(l, strlen(l), &src, &c), 3);
    assert_string_equal(asked, "Anna Roth"); /* a command's prefix, blanks before the text */
    assert_int_equal(c.start, strlen(":add-m   "));
    cmd_completion_fini(&c);
    l = "add-segment ger";
    assert_int_equal(cmd_complete(l, strlen(l), &src, &c), 1);
    assert_int_equal(asked_kind, CMD_ADD_SEGMENT);
    assert_string_equal(c.common, "German manufacturers");
    cmd_completion_fini(&c);
    src.names = NULL; /* no source (no database): nothing */
    assert_int_equal(cmd_complete(l, strlen(l), &src, &c), 0);
    assert_string_equal(c.common, "");
    cmd_completion_fini(&c);
}

static void
names_logins(enum cmd_kind kind, const char *prefix, cmd_add_fn add, void *actx, void *ctx)
{
    (void)ctx;
    asked_kind = kind;
    snprintf(asked, sizeof asked, "%s", prefix);
    if (strncmp("marco", prefix, strlen(prefix)) == 0)
        add("marco", actx);
    if (strncmp("maria", prefix, strlen(prefix)) == 0)
        add("maria", actx);
}

/* :comment (and :share) complete the @login being typed at the end of the text, as c's line
 * does: only the login after the "@", asked for as logins; text without one completes nothing */
static void
test_complete_mentions(void **state)
{
    struct cmd_complete_src src = {NULL, names_logins, NULL, 1};
    struct cmd_completion c;
    const char *l;

    (void)state;
    l = "comment call back tomorrow, @marc";
    assert_int_equal(cmd_complete(l, strlen(l), &src, &c), 1);
    assert_int_equal(asked_kind, CMD_ASSIGN);
    assert_string_equal(asked, "marc");
    assert_int_equal(c.start, strlen("comment call back tomorrow, @"));
    assert_string_equal(c.common, "marco");
    cmd_completion_fini(&c);
    l = "share @ma";
    assert_int_equal(cmd_complete(l, strlen(l), &src, &c), 2);
    assert_string_equal(c.common, "mar");
    cmd_completion_fini(&c);
    l = "comment mail to a@ma"; /* an address, not a mention */
    assert_int_equal(cmd_complete(l, strlen(l), &src, &c), 0);
    cmd_completion_fini(&c);
    l = "comment @marco said so"; /* past the mention: free text */
    assert_int_equal(cmd_complete(l, strlen(l), &src, &c), 0);
    cmd_completion_fini(&c);
}

/* The action table (src/ui/commands.c): every action has help and something to run, names are
 * unique, a key means one thing on any one kind of record, and every command kind has exactly
 * one action. */
static void
test_actions(void **state)
{
    const struct action *a, *b;
    int k, n = 0;

    (void)state;
    for (a = cmd_actions; a->name != NULL || a->key != 0; a++, n++) {
        if (a->help == NULL || a->help[0] == '\0')
            fail_msg("action %s (key %c) has no help", a->name ? a->name : "", a->key);
        assert_non_null(a->run);
        assert_true(a->name == NULL || a->usage != NULL);
        for (b = a + 1; b->name != NULL || b->key != 0; b++) {
            /* a key may mean different things on different kinds of record (r answers a
             * ticket's mail, records a campaign member's response): never on the same one */
            if (a->key != 0 && a->key == b->key &&
                (a->applies == 0 || b->applies == 0 || (a->applies & b->applies) != 0))
                fail_msg("key %c: actions %s and %s apply to the same records", a->key,
                         a->name ? a->name : a->hint, b->name ? b->name : b->hint);
            /* ... nor on any one entity of the registry (a quote offers comments and print) */
            for (k = 0; a->key != 0 && a->key == b->key && entity_registry[k] != NULL; k++)
                if ((entity_registry[k]->actions & a->applies) != 0 &&
                    (entity_registry[k]->actions & b->applies) != 0)
                    fail_msg("key %c means %s and %s on %s", a->key, a->name ? a->name : a->hint,
                             b->name ? b->name : b->hint, entity_registry[k]->table);
            assert_false(a->name != NULL && b->name != NULL && strcmp(a->name, b->name) == 0);
        }
    }
    assert_true(n > 10);
    for (k = CMD_OPEN; k <= CMD_READ; k++) {
        assert_non_null(cmd_action((enum cmd_kind)k));
        assert_int_equal(cmd_action((enum cmd_kind)k)->kind, k);
    }
    assert_string_equal(cmd_name(CMD_HANDOFF), "handoff");
}

/* One :open argument and what cmd_open_number makes of it */
struct open_case {
    const char *arg;
    int rc;
    const char *table; /* the kind said, NULL: none (the view's) */
    long long id;
};

/* refusal: what a -1's message says (NULL: anything, but something) */
static void
check_open_cases(const struct open_case *cases, size_t n, const char *refusal)
{
    const struct entity *e;
    struct ccrm_err err;
    long long id;
    size_t i;

    for (i = 0; i < n; i++) {
        int rc = cmd_open_number(cases[i].arg, &e, &id, &err);

        if (rc != cases[i].rc)
            fail_msg("\"%s\": %d, expected %d (%s)", cases[i].arg, rc, cases[i].rc, err.msg);
        if (rc == 1) {
            if (id != cases[i].id)
                fail_msg("\"%s\": id %lld, expected %lld", cases[i].arg, id, cases[i].id);
            if (cases[i].table == NULL)
                assert_null(e);
            else
                assert_string_equal(e != NULL ? e->table : "(none)", cases[i].table);
        }
        if (rc == -1) {
            assert_true(err.msg[0] != '\0');
            if (refusal != NULL)
                assert_non_null(strstr(err.msg, refusal));
        }
    }
}

/* :open by number (cmd_open_number): as people quote it, with or without a kind */
static void
test_open_number(void **state)
{
    static const struct open_case cases[] = {
        {"3221", 1, NULL, 3221},
        {"#3221", 1, NULL, 3221},
        {"[#3221]", 1, NULL, 3221},
        {"#L45", 1, "leads", 45},
        {"#l45", 1, "leads", 45},
        {"ticket 3221", 1, "tickets", 3221},
        {"Tickets #3221", 1, "tickets", 3221},
        {"deal #12", 1, "opportunities", 12},
        {"deals 12", 1, "opportunities", 12},
        {"opportunities 12", 1, "opportunities", 12},
        {"invoice [#7]", 1, "invoices", 7},
        {"SLA policy 2", 1, "sla_policies", 2},
        {"sla policies 2", 1, "sla_policies", 2},
        {"lead #L45", 1, "leads", 45},
        {"0042", 1, NULL, 42},
        /* a number no record has: *id 0 (the client says it is missing, as any other) */
        {"#0", 1, NULL, 0},
        {"#1234567890123456789", 1, NULL, 0},
        /* an account's name */
        {"Acme Corp", 0, NULL, 0},
        {"ticket", 0, NULL, 0},
        {"Deal Partners", 0, NULL, 0},
        {"3221 Ltd", 0, NULL, 0},
        {"task 3", 0, NULL, 0}, /* no detail view: a name */
        /* a number that is none */
        {"#", -1, NULL, 0},
        {"#x", -1, NULL, 0},
        {"ticket #x", -1, NULL, 0},
        {"[#12", -1, NULL, 0},
        {"ticket #L45", -1, NULL, 0},
    };

    (void)state;
    check_open_cases(cases, sizeof cases / sizeof cases[0], NULL);
}

/* A number no record can have (0, negative, more digits than a bigint holds) is a number still,
 * *id 0, so that the client says it is missing as for any other; only what is no number is
 * refused as such. */
static void
test_open_numbers_none_has(void **state)
{
    static const struct open_case cases[] = {
        /* as before: numbers records have */
        {"3221", 1, NULL, 3221},
        {"ticket #3221", 1, "tickets", 3221},
        {"0042", 1, NULL, 42},
        {"#L45", 1, "leads", 45},
        {"999999999999999999", 1, NULL, 999999999999999999LL},
        {"000000000000000000000042", 1, NULL, 42}, /* leading zeros do not count */
        /* numbers none has: *id 0 */
        {"0", 1, NULL, 0},
        {"#0", 1, NULL, 0},
        {"ticket 0", 1, "tickets", 0},
        {"[#0]", 1, NULL, 0},
        {"#L0", 1, "leads", 0},
        {"-5", 1, NULL, 0},
        {"ticket -5", 1, "tickets", 0},
        {"deal #-5", 1, "opportunities", 0},
        {"#1234567890123456789", 1, NULL, 0},
        {"99999999999999999999", 1, NULL, 0},
        {"invoice [#99999999999999999999]", 1, "invoices", 0},
        /* no number: a name, or refused */
        {"-", 0, NULL, 0},
        {"-x", 0, NULL, 0},
        {"ticket --5", 0, NULL, 0},
        {"3221 Ltd", 0, NULL, 0},
        {"#", -1, NULL, 0},
        {"#-", -1, NULL, 0},
        {"#x", -1, NULL, 0},
        {"ticket #5-", -1, NULL, 0},
        {"[#12", -1, NULL, 0},
    };

    (void)state;
    check_open_cases(cases, sizeof cases / sizeof cases[0], "expected a number");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_table),
        cmocka_unit_test(test_parse_long_arg),
        cmocka_unit_test(test_complete_table),
        cmocka_unit_test(test_complete_cursor),
        cmocka_unit_test(test_fold_utf8),
        cmocka_unit_test(test_complete_utf8),
        cmocka_unit_test(test_complete_members),
        cmocka_unit_test(test_actions),
        cmocka_unit_test(test_complete_mentions),
        cmocka_unit_test(test_open_number),
        cmocka_unit_test(test_open_numbers_none_has),
    };

    /* the client runs in the user's locale; names outside ASCII need a UTF-8 one */
    if (setlocale(LC_CTYPE, "C.UTF-8") == NULL && setlocale(LC_CTYPE, "en_US.UTF-8") == NULL) {
        fprintf(stderr, "no UTF-8 locale\n");
        return 1;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
