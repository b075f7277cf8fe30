/* Unit tests for src/config/config.c: defaults, layering, validation and error messages.
 * Every test runs in a fresh temporary directory that serves as $HOME, the system directory
 * ($CCRM_SYSCONFDIR) and $XDG_CONFIG_HOME, so the real /etc and ~/.config are never read. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* nftw() flags */
#endif
#include <fcntl.h>
#include <ftw.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "ccrm/config.h"
#include "ccrm/err.h"
#include "ccrm/util.h"

struct fixture {
    char *dir;     /* temporary root, also $HOME */
    char *sysdir;  /* $CCRM_SYSCONFDIR */
    char *userdir; /* $XDG_CONFIG_HOME/ccrm */
};

static char *
fx_path(const struct fixture *fx, const char *name)
{
    return xasprintf("%s/%s", fx->dir, name);
}

/* Write content to a new file under dir (created with mkstemp, then renamed to name when name
 * is not NULL). Returns the malloc'd path. */
static char *
write_file(const char *dir, const char *name, const char *content)
{
    char *tmpl = xasprintf("%s/cfgXXXXXX", dir);
    char *path;
    size_t len = strlen(content);
    int fd;

    fd = mkstemp(tmpl);
    assert_true(fd != -1);
    assert_int_equal(write(fd, content, len), (ssize_t)len);
    assert_int_equal(close(fd), 0);
    if (name == NULL)
        return tmpl;
    path = xasprintf("%s/%s", dir, name);
    assert_int_equal(rename(tmpl, path), 0);
    free(tmpl);
    return path;
}

static int
setup(void **state)
{
    struct fixture *fx = xcalloc(1, sizeof *fx);
    char tmpl[] = "/tmp/ccrm-test-config-XXXXXX";
    char *cfghome;

    assert_non_null(mkdtemp(tmpl));
    fx->dir = xstrdup(tmpl);
    fx->sysdir = fx_path(fx, "etc");
    cfghome = fx_path(fx, "config");
    fx->userdir = xasprintf("%s/ccrm", cfghome);
    assert_int_equal(mkdir(fx->sysdir, 0700), 0);
    assert_int_equal(mkdir(cfghome, 0700), 0);
    assert_int_equal(mkdir(fx->userdir, 0700), 0);
    setenv("HOME", fx->dir, 1);
    setenv("CCRM_SYSCONFDIR", fx->sysdir, 1);
    setenv("XDG_CONFIG_HOME", cfghome, 1);
    unsetenv("XDG_DATA_HOME");
    unsetenv("XDG_STATE_HOME");
    unsetenv("NO_COLOR");
    free(cfghome);
    *state = fx;
    return 0;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int
teardown(void **state)
{
    struct fixture *fx = *state;

    nftw(fx->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(fx->dir);
    free(fx->sysdir);
    free(fx->userdir);
    free(fx);
    return 0;
}

/* Layer one file with the given content onto a defaults config; returns config_load_file's
 * result. *pathp receives the file's malloc'd path. */
static int
load_text(const struct fixture *fx, struct ccrm_config *cfg, const char *text, char **pathp,
          struct ccrm_err *err)
{
    *pathp = write_file(fx->dir, NULL, text);
    config_defaults(cfg);
    return config_load_file(cfg, *pathp, 1, err);
}

static size_t
loaded_count(const struct ccrm_config *cfg)
{
    size_t n = 0;

    while (cfg->loaded != NULL && cfg->loaded[n] != NULL)
        n++;
    return n;
}

static void
test_defaults(void **state)
{
    struct fixture *fx = *state;
    struct ccrm_config cfg;
    char *want;

    config_defaults(&cfg);
    assert_null(cfg.conninfo);
    assert_int_equal(cfg.statement_timeout_ms, 5000);
    assert_int_equal(cfg.connect_timeout_s, 5);
    want = xasprintf("%s/.local/share/ccrm", fx->dir);
    assert_string_equal(cfg.data_dir, want);
    free(want);
    want = xasprintf("%s/.local/state/ccrm", fx->dir);
    assert_string_equal(cfg.state_dir, want);
    free(want);
    assert_null(cfg.start_view);
    assert_int_equal(cfg.color, CONFIG_COLOR_AUTO);
    assert_int_equal(cfg.page_size, 200);
    assert_null(cfg.loaded);
    config_fini(&cfg);

    setenv("XDG_DATA_HOME", "/xdg/data", 1);
    setenv("XDG_STATE_HOME", "/xdg/state", 1);
    config_defaults(&cfg);
    assert_string_equal(cfg.data_dir, "/xdg/data/ccrm");
    assert_string_equal(cfg.state_dir, "/xdg/state/ccrm");
    config_fini(&cfg);
}

static void
test_load_no_files(void **state)
{
    struct ccrm_config cfg;
    struct ccrm_err err = {"", ""};

    (void)state;
    assert_int_equal(config_load(&cfg, NULL, &err), 0);
    assert_int_equal(loaded_count(&cfg), 0);
    assert_int_equal(cfg.page_size, 200);
    assert_null(cfg.conninfo);
    config_fini(&cfg);
}

static void
test_layering(void **state)
{
    struct fixture *fx = *state;
    struct ccrm_config cfg;
    struct ccrm_err err = {"", ""};
    char *sys = write_file(fx->sysdir, "ccrm.ini",
                           "[database]\nconninfo = dbname=sys\nstatement_timeout_ms = 100\n"
                           "[ui]\npage_size = 30\ncolor = never\n");
    char *user = write_file(fx->userdir, "ccrm.ini",
                            "[database]\nconninfo = dbname=user\nconnect_timeout = 7\n"
                            "[ui]\npage_size = 40\n");
    char *expl = write_file(fx->dir, "explicit.ini", "[ui]\npage_size = 50\n");

    assert_int_equal(config_load(&cfg, expl, &err), 0);
    assert_int_equal(cfg.page_size, 50);              /* explicit beats user and system */
    assert_string_equal(cfg.conninfo, "dbname=user"); /* user beats system */
    assert_int_equal(cfg.connect_timeout_s, 7);       /* user only */
    assert_int_equal(cfg.statement_timeout_ms, 100);  /* system only */
    assert_int_equal(cfg.color, CONFIG_COLOR_NEVER);  /* system only */
    assert_int_equal(loaded_count(&cfg), 3);
    assert_string_equal(cfg.loaded[0], sys);
    assert_string_equal(cfg.loaded[1], user);
    assert_string_equal(cfg.loaded[2], expl);
    config_fini(&cfg);

    /* without the user file: system then explicit */
    assert_int_equal(unlink(user), 0);
    assert_int_equal(config_load(&cfg, expl, &err), 0);
    assert_string_equal(cfg.conninfo, "dbname=sys");
    assert_int_equal(cfg.page_size, 50);
    assert_int_equal(loaded_count(&cfg), 2);
    assert_string_equal(cfg.loaded[0], sys);
    assert_string_equal(cfg.loaded[1], expl);
    config_fini(&cfg);
    free(sys);
    free(user);
    free(expl);
}

struct good_case {
    const char *text;
    size_t off; /* offsetof the field checked */
    int is_str;
    long want_int;
    const char *want_str; /* "~" prefix: relative to $HOME */
};

#define F(field) offsetof(struct ccrm_config, field)

static const struct good_case good_cases[] = {
    {"[database]\nstatement_timeout_ms = 0\n", F(statement_timeout_ms), 0, 0, NULL},
    {"[database]\nstatement_timeout_ms = 3600000\n", F(statement_timeout_ms), 0, 3600000, NULL},
    {"[database]\nconnect_timeout = 1\n", F(connect_timeout_s), 0, 1, NULL},
    {"[database]\nconnect_timeout = \"300\"\n", F(connect_timeout_s), 0, 300, NULL},
    {"[ui]\npage_size = 20\n", F(page_size), 0, 20, NULL},
    {"[ui]\npage_size = 2000 ; max\n", F(page_size), 0, 2000, NULL},
    {"[UI]\nPage_Size = 25\n", F(page_size), 0, 25, NULL},
    {"[ui]\ncolor = always\n", F(color), 0, CONFIG_COLOR_ALWAYS, NULL},
    {"[ui]\ncolor = Never\n", F(color), 0, CONFIG_COLOR_NEVER, NULL},
    {"[ui]\ncolor = auto\n", F(color), 0, CONFIG_COLOR_AUTO, NULL},
    {"[ui]\nstart_view = deals\n", F(start_view), 1, 0, "deals"},
    {"[ui]\nstart_view = Dashboard\n", F(start_view), 1, 0, "dashboard"},
    {"[ui]\nstart_view =\n", F(start_view), 1, 0, NULL},
    {"[local]\ndata_dir = /srv/ccrm\n", F(data_dir), 1, 0, "/srv/ccrm"},
    {"[local]\nstate_dir = ~/st\n", F(state_dir), 1, 0, "~/st"},
    {"[local]\ndata_dir = \"~/my data\"\n", F(data_dir), 1, 0, "~/my data"},
    {"[database]\nconninfo = host=db dbname=crm\n", F(conninfo), 1, 0, "host=db dbname=crm"},
    {"[database]\nconninfo = crm\n", F(conninfo), 1, 0, "crm"}, /* a database's name */
    {"[database]\nconninfo = host=a,b port=5432,5433 sslmode=verify-full\n", F(conninfo), 1, 0,
     "host=a,b port=5432,5433 sslmode=verify-full"},
    {"[database]\nconninfo = postgresql://db:5433/crm?connect_timeout=10\n", F(conninfo), 1, 0,
     "postgresql://db:5433/crm?connect_timeout=10"},
    {"[database]\nconninfo = \"password=a#b;c\"\n", F(conninfo), 1, 0, "password=a#b;c"},
    {"[database]\nconninfo =\n", F(conninfo), 1, 0, ""},
    {"[database]\nconninfo = \"\"\n", F(conninfo), 1, 0, ""},
    {"[database]\nreplica_conninfo = host=standby dbname=crm\n", F(replica_conninfo), 1, 0,
     "host=standby dbname=crm"},
    {"[database]\nconninfo = host=db\n", F(replica_conninfo), 1, 0, NULL},
    /* empty: no replica (a user's file undoes the system file's), not libpq's defaults */
    {"[database]\nreplica_conninfo =\n", F(replica_conninfo), 1, 0, NULL},
    {"; comment only\n# another\n", F(conninfo), 1, 0, NULL},
    /* [company]: the letterhead of quotes and invoices */
    {"[company]\nname = Nordlicht Logistik GmbH & Co. KG\n", F(company.name), 1, 0,
     "Nordlicht Logistik GmbH & Co. KG"},
    {"[company]\naddress1 = Straße des 17. Juni 135\n", F(company.address1), 1, 0,
     "Straße des 17. Juni 135"},
    {"[company]\ncity = 東京\n", F(company.city), 1, 0, "東京"},
    {"[company]\ncity =\n", F(company.city), 1, 0, NULL},
    {"[company]\ncountry = de\n", F(company.country), 1, 0, "DE"},
    {"[company]\niban = DE89 3704 0044 0532 0130 00\n", F(company.iban), 1, 0,
     "DE89370400440532013000"},
    {"[company]\niban = gb82west12345698765432\n", F(company.iban), 1, 0, "GB82WEST12345698765432"},
    {"[company]\nbic = cobadeffxxx\n", F(company.bic), 1, 0, "COBADEFFXXX"},
    {"[company]\nregistration = \"Amtsgericht Berlin; HRB 12345\"\n", F(company.registration), 1, 0,
     "Amtsgericht Berlin; HRB 12345"},
    /* a comment may follow a closing quote */
    {"[database]\nconninfo = \"host=db dbname=crm\" ; the primary\n", F(conninfo), 1, 0,
     "host=db dbname=crm"},
    {"[database]\nconninfo = 'host=db'# x\n", F(conninfo), 1, 0, "host=db"},
    /* a line ending in \ goes on on the next one, also inside quotes */
    {"[database]\nconninfo = \"host=db \\\n dbname=crm\"\n", F(conninfo), 1, 0,
     "host=db  dbname=crm"},
    /* a UTF-8 BOM at the start of the file (some editors write one) is skipped */
    {"\xEF\xBB\xBF[ui]\ncolor = never\n", F(color), 0, CONFIG_COLOR_NEVER, NULL},
    {"\xEF\xBB\xBF; comment\n[ui]\npage_size = 30\n", F(page_size), 0, 30, NULL},
};

static void
test_good_values(void **state)
{
    struct fixture *fx = *state;
    size_t i;

    for (i = 0; i < sizeof good_cases / sizeof good_cases[0]; i++) {
        const struct good_case *c = &good_cases[i];
        struct ccrm_config cfg;
        struct ccrm_err err = {"", ""};
        char *path;
        char *field;
        char *want;

        if (load_text(fx, &cfg, c->text, &path, &err) != 0)
            fail_msg("good case %zu: %s", i, err.msg);
        field = (char *)&cfg + c->off;
        if (!c->is_str) {
            if (*(int *)(void *)field != c->want_int)
                fail_msg("good case %zu: got %d, want %ld", i, *(int *)(void *)field, c->want_int);
        } else if (c->want_str == NULL) {
            if (*(char **)(void *)field != NULL)
                fail_msg("good case %zu: got \"%s\", want NULL", i, *(char **)(void *)field);
        } else {
            if (c->want_str[0] == '~')
                want = xasprintf("%s%s", fx->dir, c->want_str + 1);
            else
                want = xstrdup(c->want_str);
            if (*(char **)(void *)field == NULL || strcmp(*(char **)(void *)field, want) != 0)
                fail_msg("good case %zu: got \"%s\", want \"%s\"", i,
                         *(char **)(void *)field ? *(char **)(void *)field : "(null)", want);
            free(want);
        }
        assert_int_equal(loaded_count(&cfg), 1);
        assert_string_equal(cfg.loaded[0], path);
        config_fini(&cfg);
        free(path);
    }
}

struct bad_case {
    const char *text;
    const char *want; /* message after "FILE: " */
};

#define RANGE_STMT "[database] statement_timeout_ms: expected an integer from 0 to 3600000, got "
#define RANGE_CONN "[database] connect_timeout: expected an integer from 1 to 300, got "
#define RANGE_PAGE "[ui] page_size: expected an integer from 20 to 2000, got "
#define VIEWS                                                                                      \
    "feed, leads, accounts, contacts, deals, tickets, campaigns, inbox, dashboard, quotes, "       \
    "invoices or products"

static const struct bad_case bad_cases[] = {
    {"[database]\nstatement_timeout_ms = -1\n", RANGE_STMT "\"-1\""},
    {"[database]\nstatement_timeout_ms = 3600001\n", RANGE_STMT "\"3600001\""},
    {"[database]\nstatement_timeout_ms = 99999999999999999999\n",
     RANGE_STMT "\"99999999999999999999\""},
    {"[database]\nstatement_timeout_ms = 5s\n", RANGE_STMT "\"5s\""},
    {"[database]\nconnect_timeout = 0\n", RANGE_CONN "\"0\""},
    {"[database]\nconnect_timeout = 301\n", RANGE_CONN "\"301\""},
    {"[database]\nconnect_timeout =\n", RANGE_CONN "\"\""},
    {"[ui]\npage_size = abc\n", RANGE_PAGE "\"abc\""},
    {"[ui]\npage_size = 19\n", RANGE_PAGE "\"19\""},
    {"[ui]\npage_size = 2001\n", RANGE_PAGE "\"2001\""},
    {"[ui]\npage_size = 0x20\n", RANGE_PAGE "\"0x20\""},
    {"[ui]\npage_size = \" 50\"\n", RANGE_PAGE "\" 50\""},
    {"[ui]\npage_size = 50.5\n", RANGE_PAGE "\"50.5\""},
    {"[ui]\ncolor = blue\n", "[ui] color: expected auto, always or never, got \"blue\""},
    {"[ui]\ncolor =\n", "[ui] color: expected auto, always or never, got \"\""},
    {"[ui]\nstart_view = home\n", "[ui] start_view: expected " VIEWS ", got \"home\""},
    {"[local]\ndata_dir = relative/dir\n",
     "[local] data_dir: expected an absolute path, got \"relative/dir\""},
    {"[local]\nstate_dir =\n", "[local] state_dir: expected an absolute path, got \"\""},
    {"[local]\nstate_dir = ~root/x\n",
     "[local] state_dir: expected an absolute path, got \"~root/x\""},
    {"[ui]\ncolour = never\n", "unknown key \"colour\" in [ui]"},
    {"[UI]\nCOLOUR = never\n", "unknown key \"colour\" in [ui]"},
    {"[database]\npage_size = 50\n", "unknown key \"page_size\" in [database]"},
    {"[colors]\n", "unknown section [colors]"},
    {"[ui]\npage_size = 50\n[db]\nconninfo = x\n", "unknown section [db]"},
    /* a connection string libpq cannot read or would refuse as it connects: this file's
     * mistake, in libpq's words, not a server that cannot be reached */
    {"[database]\nconninfo = \"dbname='crm\"\n",
     "[database] conninfo: unterminated quoted string in connection info string"},
    {"[database]\nconninfo = host=db colour=blue\n",
     "[database] conninfo: invalid connection option \"colour\""},
    {"[database]\nconninfo = host=db port=abc\n",
     "[database] conninfo: invalid integer value \"abc\" for connection option \"port\""},
    {"[database]\nconninfo = postgresql://db:70000/crm\n",
     "[database] conninfo: invalid port number: \"70000\""},
    {"[database]\nconninfo = host=a,b port=5432,5433,5434\n",
     "[database] conninfo: could not match 3 port numbers to 2 hosts"},
    {"[database]\nconninfo = connect_timeout=5s\n",
     "[database] conninfo: invalid integer value \"5s\" for connection option "
     "\"connect_timeout\""},
    {"[database]\nreplica_conninfo = host=standby sslmode=bogus\n",
     "[database] replica_conninfo: invalid sslmode value: \"bogus\""},
    {"[database]\nconninfo = host=db target_session_attrs=readwrite\n",
     "[database] conninfo: invalid target_session_attrs value: \"readwrite\""},
    {"[a:b]\nk = v\n", "unknown section [a:b]"},
    {"page_size = 50\n[ui]\n", "key \"page_size\" outside of any section"},
    {"[ui\n", "syntax error: line 1: \"[ui\""},
    {"[ui]\npage_size = 50\n=novalue\n", "syntax error: line 3: \"=novalue\""},
    {"[ui]\ncolor\n", "syntax error: line 2: \"color\""},
    {"[ui]\nfoo\n\nbar\nbaz\n", "syntax error: line 2: \"foo\" (and 2 more)"},
    {"[ui] ; no comment after a header\n",
     "syntax error: line 1: \"[ui] ; no comment after a header\""},
    {"[company]\ncountry = Germany\n",
     "[company] country: expected a two-letter country code (ISO 3166), got \"Germany\""},
    {"[company]\ncountry = D1\n",
     "[company] country: expected a two-letter country code (ISO 3166), got \"D1\""},
    {"[company]\niban = DE88 3704 0044 0532 0130 00\n",
     "[company] iban: not a valid IBAN (its check digits do not match): "
     "\"DE88 3704 0044 0532 0130 00\""},
    {"[company]\niban = DE89-3704\n",
     "[company] iban: not a valid IBAN (its check digits do not match): \"DE89-3704\""},
    {"[company]\nbic = COBA\n",
     "[company] bic: expected a BIC of 8 or 11 letters and digits, got \"COBA\""},
    {"[company]\nname = \"A\tB\"\n",
     "[company] name: expected text in UTF-8 without control characters"},
    {"[company]\nname = \"\xC3\x28\"\n",
     "[company] name: expected text in UTF-8 without control characters"},
    {"[company]\nlogo = x.png\n", "unknown key \"logo\" in [company]"},
    /* iniparser 4.1 would drop what follows the closing quote, and take an unclosed quote as
     * closed */
    {"[database]\nconninfo = \"host=db dbname=ccrm\" user=sam\n",
     "syntax error: line 2: text after the closing quote: "
     "\"conninfo = \"host=db dbname=ccrm\" user=sam\""},
    {"[ui]\ncolor = 'never' x ; y\n",
     "syntax error: line 2: text after the closing quote: \"color = 'never' x ; y\""},
    {"[ui]\ncolor = \"nev\"er\"\n",
     "syntax error: line 2: text after the closing quote: \"color = \"nev\"er\"\""},
    {"[ui]\ncolor = \"never\n", "syntax error: line 2: no closing quote: \"color = \"never\""},
    {"[ui]\ncolor = \"\n", "syntax error: line 2: no closing quote: \"color = \"\""},
    {"[ui]\ncolor = 'never ; x\n",
     "syntax error: line 2: no closing quote: \"color = 'never ; x\""},
    {"[ui]\ncolor = \"nev\\\ner\" x\n",
     "syntax error: line 3: text after the closing quote: \"color = \"never\" x\""},
    /* only a BOM at the very start is skipped */
    {"\xEF\xBB\xBF[ui\n", "syntax error: line 1: \"[ui\""},
    {"[ui]\n\xEF\xBB\xBF\n", "syntax error: line 2: \"\\xef\\xbb\\xbf\""},
    /* text from the file is quoted fit for a terminal: what is not printable UTF-8 as \xNN (an
     * escape sequence must not reach it), and cut after 80 columns */
    {"[ui]\ncolor = \x1b]0X\x07\n",
     "[ui] color: expected auto, always or never, got \"\\x1b]0X\\x07\""},
    {"[ui]\n\x1b[2Jcolour = x\n", "unknown key \"\\x1b[2jcolour\" in [ui]"},
    {"[\x9b\xc2\x9b]\n", "unknown section [\\x9b\\xc2\\x9b]"},
    {"[ui]\nstart_view = F\xc3\xbc\xe2\x80\xaer\n",
     "[ui] start_view: expected " VIEWS ", got \"F\xc3\xbc\\xe2\\x80\\xaer\""},
    {"[ui]\ncolor = \"x\x1b\n", "syntax error: line 2: no closing quote: \"color = \"x\\x1b\""},
    {"[ui]\ncolor = 0123456789012345678901234567890123456789012345678901234567890123456789"
     "0123456789\n",
     "[ui] color: expected auto, always or never, got "
     "\"0123456789012345678901234567890123456789012345678901234567890123456789012345678"
     "9\""},
    {"[ui]\ncolor = 0123456789012345678901234567890123456789012345678901234567890123456789"
     "0123456789x\n",
     "[ui] color: expected auto, always or never, got "
     "\"0123456789012345678901234567890123456789012345678901234567890123456789012345678"
     "9...\""},
};

static void
test_bad_values(void **state)
{
    struct fixture *fx = *state;
    size_t i;

    for (i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const struct bad_case *c = &bad_cases[i];
        struct ccrm_config cfg;
        struct ccrm_err err = {"", ""};
        char *path;
        char *want;

        if (load_text(fx, &cfg, c->text, &path, &err) != -1)
            fail_msg("bad case %zu accepted: %s", i, c->text);
        want = xasprintf("%s: %s", path, c->want);
        if (strcmp(err.msg, want) != 0)
            fail_msg("bad case %zu:\n got: %s\nwant: %s", i, err.msg, want);
        /* a rejected file changes nothing */
        assert_int_equal(cfg.page_size, 200);
        assert_int_equal(cfg.color, CONFIG_COLOR_AUTO);
        assert_null(cfg.conninfo);
        assert_int_equal(loaded_count(&cfg), 0);
        config_fini(&cfg);
        free(want);
        free(path);
    }
}

/* iniparser must not print its own complaints to stderr. */
static void
test_syntax_error_quiet(void **state)
{
    struct fixture *fx = *state;
    struct ccrm_config cfg;
    struct ccrm_err err = {"", ""};
    char *errpath = fx_path(fx, "stderr");
    char *path;
    struct stat st;
    int saved;
    int fd;

    fflush(stderr);
    saved = dup(STDERR_FILENO);
    fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(saved != -1 && fd != -1);
    dup2(fd, STDERR_FILENO);
    close(fd);
    assert_int_equal(load_text(fx, &cfg, "[ui\n", &path, &err), -1);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    assert_int_equal(stat(errpath, &st), 0);
    assert_int_equal(st.st_size, 0);
    config_fini(&cfg);
    free(path);
    free(errpath);
}

/* iniparser 4.1 reads at most 1022 characters per line (plus the newline). */
static void
test_long_line(void **state)
{
    struct fixture *fx = *state;
    struct ccrm_config cfg;
    struct ccrm_err err = {"", ""};
    char text[1200];
    char *path;
    char *want;

    strcpy(text, "[database]\nconninfo = ");
    memset(text + strlen(text), 'a', sizeof text - 2 - strlen(text));
    strcpy(text + sizeof text - 2, "\n");
    assert_int_equal(load_text(fx, &cfg, text, &path, &err), -1);
    want = xasprintf("%s: syntax error: line 2: input line too long", path);
    assert_string_equal(err.msg, want);
    config_fini(&cfg);
    free(want);
    free(path);
}

/* A NUL byte anywhere is an error naming its line: iniparser reads lines as C strings, and
 * dropped the rest of the line after one without a word (a misspelled key silently ignored) or
 * took the line for one too long. */
static void
test_nul_byte(void **state)
{
    static const struct {
        const char *text;
        size_t len;
        const char *want;
    } cases[] = {
        {"[ui]\n\0colour = blue\n", 20, "syntax error: line 2: a NUL byte at byte 1"},
        {"[ui]\npage_size = 50\0\n", 21, "syntax error: line 2: a NUL byte at byte 15"},
        {"[ui]\npage_size = 50\n\0", 21, "syntax error: line 3: a NUL byte at byte 1"},
        {"\xEF\xBB\xBF[ui]\\\n\0\n", 10, "syntax error: line 2: a NUL byte at byte 1"},
    };
    struct fixture *fx = *state;
    struct ccrm_config cfg;
    struct ccrm_err err = {"", ""};
    char *path = fx_path(fx, "nul.ini");
    char *want;
    size_t i;
    int fd;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        assert_true(fd != -1);
        assert_int_equal(write(fd, cases[i].text, cases[i].len), (ssize_t)cases[i].len);
        assert_int_equal(close(fd), 0);
        config_defaults(&cfg);
        if (config_load_file(&cfg, path, 1, &err) != -1)
            fail_msg("NUL case %zu accepted", i);
        want = xasprintf("%s: %s", path, cases[i].want);
        if (strcmp(err.msg, want) != 0)
            fail_msg("NUL case %zu:\n got: %s\nwant: %s", i, err.msg, want);
        assert_int_equal(loaded_count(&cfg), 0);
        config_fini(&cfg);
        free(want);
    }
    free(path);
}

/* A bad value in the explicit file fails config_load, which leaves cfg zeroed. */
static void
test_load_error_in_layer(void **state)
{
    struct fixture *fx = *state;
    struct ccrm_config cfg;
    struct ccrm_err err = {"", ""};
    char *user = write_file(fx->userdir, "ccrm.ini", "[ui]\npage_size = 1\n");
    char *want = xasprintf("%s: " RANGE_PAGE "\"1\"", user);

    assert_int_equal(config_load(&cfg, NULL, &err), -1);
    assert_string_equal(err.msg, want);
    assert_null(cfg.data_dir);
    assert_null(cfg.loaded);
    config_fini(&cfg); /* allowed after a failed load */
    free(want);
    free(user);
}

static void
test_missing_files(void **state)
{
    struct fixture *fx = *state;
    struct ccrm_config cfg;
    struct ccrm_err err = {"", ""};
    char *missing = fx_path(fx, "nope.ini");
    char *want;

    /* optional: skipped silently */
    config_defaults(&cfg);
    assert_int_equal(config_load_file(&cfg, missing, 0, &err), 0);
    assert_int_equal(loaded_count(&cfg), 0);
    config_fini(&cfg);

    /* explicit: required */
    want =
        xasprintf("could not read configuration file \"%s\": No such file or directory", missing);
    assert_int_equal(config_load(&cfg, missing, &err), -1);
    assert_string_equal(err.msg, want);
    config_fini(&cfg);
    free(want);
    free(missing);
}

/* A directory where the user file should be: an error even though that file is optional. */
static void
test_directory_as_file(void **state)
{
    struct fixture *fx = *state;
    struct ccrm_config cfg;
    struct ccrm_err err = {"", ""};
    char *user;
    char *want;

    user = xasprintf("%s/ccrm.ini", fx->userdir);
    assert_int_equal(mkdir(user, 0700), 0);
    want = xasprintf("could not read configuration file \"%s\": Is a directory", user);
    assert_int_equal(config_load(&cfg, NULL, &err), -1);
    assert_string_equal(err.msg, want);
    free(want);
    assert_int_equal(rmdir(user), 0);
    free(user);
}

static void
test_unreadable(void **state)
{
    struct fixture *fx = *state;
    struct ccrm_config cfg;
    struct ccrm_err err = {"", ""};
    char *user;
    char *want;

    if (geteuid() == 0) /* root reads mode 000 files anyway */
        skip();
    user = write_file(fx->userdir, "ccrm.ini", "[ui]\npage_size = 50\n");
    assert_int_equal(chmod(user, 0), 0);
    want = xasprintf("could not read configuration file \"%s\": Permission denied", user);
    assert_int_equal(config_load(&cfg, NULL, &err), -1);
    assert_string_equal(err.msg, want);
    free(want);
    free(user);
}

struct color_case {
    const char *no_color;  /* NULL = unset */
    const char *sys_color; /* [ui] color in the system file, NULL = absent */
    const char *user_color;
    enum config_color want;
};

static const struct color_case color_cases[] = {
    {NULL, NULL, NULL, CONFIG_COLOR_AUTO},
    {"", NULL, NULL, CONFIG_COLOR_AUTO}, /* empty NO_COLOR is ignored */
    {"1", NULL, NULL, CONFIG_COLOR_NEVER},
    {"1", NULL, "always", CONFIG_COLOR_ALWAYS}, /* the user's explicit choice wins */
    {"1", NULL, "auto", CONFIG_COLOR_NEVER},    /* "auto" is not a request for color */
    {"1", "always", NULL, CONFIG_COLOR_NEVER},  /* a site-wide file does not beat NO_COLOR */
    {NULL, "always", NULL, CONFIG_COLOR_ALWAYS},
    {NULL, "always", "auto", CONFIG_COLOR_AUTO},
};

static void
test_no_color(void **state)
{
    struct fixture *fx = *state;
    size_t i;

    for (i = 0; i < sizeof color_cases / sizeof color_cases[0]; i++) {
        const struct color_case *c = &color_cases[i];
        struct ccrm_config cfg;
        struct ccrm_err err = {"", ""};
        char *sys = NULL;
        char *user = NULL;
        char *text;

        if (c->no_color != NULL)
            setenv("NO_COLOR", c->no_color, 1);
        else
            unsetenv("NO_COLOR");
        if (c->sys_color != NULL) {
            text = xasprintf("[ui]\ncolor = %s\n", c->sys_color);
            sys = write_file(fx->sysdir, "ccrm.ini", text);
            free(text);
        }
        if (c->user_color != NULL) {
            text = xasprintf("[ui]\ncolor = %s\n", c->user_color);
            user = write_file(fx->userdir, "ccrm.ini", text);
            free(text);
        }
        if (config_load(&cfg, NULL, &err) != 0)
            fail_msg("color case %zu: %s", i, err.msg);
        if (cfg.color != c->want)
            fail_msg("color case %zu: got %d, want %d", i, (int)cfg.color, (int)c->want);
        config_fini(&cfg);
        if (sys != NULL)
            unlink(sys);
        if (user != NULL)
            unlink(user);
        free(sys);
        free(user);
    }
}

static void
test_tilde_needs_home(void **state)
{
    struct fixture *fx = *state;
    struct ccrm_config cfg;
    struct ccrm_err err = {"", ""};
    char *path = write_file(fx->dir, NULL, "[local]\ndata_dir = ~/d\n");
    char *want = xasprintf(
        "%s: [local] data_dir: could not expand \"~/d\": HOME is not an absolute path", path);

    config_defaults(&cfg);
    setenv("HOME", "relative", 1);
    assert_int_equal(config_load_file(&cfg, path, 1, &err), -1);
    assert_string_equal(err.msg, want);
    unsetenv("HOME");
    assert_int_equal(config_load_file(&cfg, path, 1, &err), -1);
    assert_string_equal(err.msg, want);
    config_fini(&cfg);
    free(want);
    free(path);
}

/* The base directories are absolute whatever the environment says: a relative XDG_*_HOME is
 * ignored (the XDG spec), and so is a relative HOME (the passwd entry's home instead), or the
 * private database and the state would be made under whatever directory ccrm was started in,
 * another one from each directory, and a file there read as the user's configuration. */
static void
test_base_dirs_absolute(void **state)
{
    struct ccrm_config cfg;
    struct passwd *pw = getpwuid(getuid());
    char *want;
    int i;

    (void)state;
    assert_non_null(pw);
    setenv("XDG_DATA_HOME", "xdg/data", 1);
    setenv("XDG_STATE_HOME", "", 1);
    config_defaults(&cfg);
    assert_true(cfg.data_dir[0] == '/');
    assert_true(cfg.state_dir[0] == '/');
    config_fini(&cfg);
    for (i = 0; i < 2; i++) {
        if (i == 0)
            setenv("HOME", "relative", 1);
        else
            unsetenv("HOME");
        config_defaults(&cfg);
        want = xasprintf("%s/.local/share/ccrm", pw->pw_dir);
        assert_string_equal(cfg.data_dir, want);
        free(want);
        want = xasprintf("%s/.local/state/ccrm", pw->pw_dir);
        assert_string_equal(cfg.state_dir, want);
        free(want);
        config_fini(&cfg);
    }
}

/* conninfo: absent = NULL (not configured); empty = "" (libpq defaults), also as an override */
static void
test_conninfo_empty_vs_absent(void **state)
{
    struct fixture *fx = *state;
    struct ccrm_config cfg;
    struct ccrm_err err = {"", ""};
    char *sys = write_file(fx->sysdir, "ccrm.ini", "[database]\nconninfo = service=crm\n");
    char *user = write_file(fx->userdir, "ccrm.ini", "[database]\nconninfo =\n");

    assert_int_equal(config_load(&cfg, NULL, &err), 0);
    assert_non_null(cfg.conninfo);
    assert_string_equal(cfg.conninfo, "");
    config_fini(&cfg);

    assert_int_equal(unlink(user), 0);
    assert_int_equal(config_load(&cfg, NULL, &err), 0);
    assert_string_equal(cfg.conninfo, "service=crm");
    config_fini(&cfg);

    assert_int_equal(unlink(sys), 0);
    assert_int_equal(config_load(&cfg, NULL, &err), 0);
    assert_null(cfg.conninfo);
    config_fini(&cfg);
    free(sys);
    free(user);
}

static void
test_fini_twice(void **state)
{
    struct fixture *fx = *state;
    struct ccrm_config cfg;
    struct ccrm_err err = {"", ""};
    char *path;

    assert_int_equal(
        load_text(fx, &cfg, "[ui]\nstart_view = inbox\n[database]\nconninfo = x\n", &path, &err),
        0);
    config_fini(&cfg);
    assert_null(cfg.start_view);
    assert_null(cfg.loaded);
    config_fini(&cfg);
    free(path);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_no_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_layering, setup, teardown),
        cmocka_unit_test_setup_teardown(test_good_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_syntax_error_quiet, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nul_byte, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_error_in_layer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_directory_as_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unreadable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_color, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tilde_needs_home, setup, teardown),
        cmocka_unit_test_setup_teardown(test_base_dirs_absolute, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conninfo_empty_vs_absent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fini_twice, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
