/* The Reports view (:reports [NAME]): the reports the database offers (ccrm --report lists
 * the same), one at a time, as terminal charts made by src/model/chart.c: a bar per row with
 * its figures written beside it, and for the reports over time a sparkline of the trend, all
 * in Unicode block characters, so they read without colour. [ and ] (or h, l, ← →) pick the
 * report; a report runs when picked, on r (reports read whole tables: not on every change) and
 * when its window changes (f, t, :from, :to: the dates of ccrm --report --from --to). Like
 * ccrm --report, and through the same code (db_report_reader, db_report_table's statement),
 * it reads from the streaming replica when [database] replica_conninfo is set and -d named no
 * database, and falls back to the primary, saying so, when the replica cannot be reached. Its
 * session is opened without blocking (keys work while it connects). The status line says which
 * one the figures come from. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ccrm/chart.h"
#include "ccrm/marketing.h"
#include "ccrm/util.h"
#include "ccrm/value.h"
#include "dups.h"

/* How each report is drawn: its title (the name is what :reports and --report take), the
 * columns that label a row, the one its bar shows (scaled to max when given, else to the
 * largest), the figures written beside it, the column of time that a sparkline follows (NULL:
 * none), the column whose values are units that must not be compared (a currency: the rows are
 * grouped by it, each group under its own heading with bars of its own scale, and the value
 * written with it; NULL: none), and the dates the report covers when no window is set (the
 * defaults of its SQL function, schema/functions/92_marketing.sql). */
struct chart_spec {
    const char *name;
    const char *title;
    const char *label[3];
    const char *value;
    double max;
    const char *figures[4];
    const char *time;
    const char *unit;
    const char *window;
};

static const struct chart_spec specs[] = {
    {"pipeline",
     "Pipeline",
     {"month", "stage"},
     "amount",
     0,
     {"deals", "amount"},
     NULL,
     "currency",
     "closing this month, the 11 before, the 6 after"},
    {"win_rate",
     "Win rate",
     {"month"},
     "win_rate",
     1,
     {"won", "lost", "win_rate"},
     "month",
     NULL,
     "the last 12 months"},
    {"tickets_by_product",
     "Tickets by product",
     {"week", "product"},
     "opened",
     0,
     {"opened", "open_now", "urgent"},
     "week",
     NULL,
     "the last 12 weeks"},
    {"response_times",
     "Response times",
     {"week"},
     "first_response_p50_h",
     0,
     {"tickets", "first_response_p50_h", "resolution_p50_h"},
     "week",
     NULL,
     "the last 12 weeks"},
    {"interests_by_product",
     "Interests by product",
     {"product"},
     "interests",
     0,
     {"interests", "people", "from_tickets", "by_hand"},
     NULL,
     NULL,
     "the last 365 days"},
    {"campaign_funnel",
     "Campaign funnel",
     {"name"},
     "members",
     0,
     {"members", "opened", "replied", "converted"},
     NULL,
     NULL,
     "the last 365 days"},
};

#define NSPECS ((int)(sizeof specs / sizeof specs[0]))

/* What the reports' columns are called in people's words and how their values read: the one
 * place that says it (the specs above name the columns of the SQL functions, which ccrm
 * --report writes as they are; the bar's heading, the figures beside it, the row labels and
 * the sparkline take their words from here). A column not here is shown by its name with
 * spaces for underscores, its values as plain figures. */
enum col_kind {
    COL_TEXT,
    COL_COUNT,
    COL_AMOUNT, /* with its currency when the report has one */
    COL_RATE,   /* 0..1, written as a percentage */
    COL_HOURS,
    COL_MONTH, /* a date, the first of the month: "Sep 2026" */
    COL_WEEK,  /* a date, the Monday: "2 Nov 2026" */
};

static const struct col_words {
    const char *name;
    const char *title;
    enum col_kind kind;
} col_words[] = {
    {"month", "month", COL_MONTH},
    {"week", "week", COL_WEEK},
    {"stage", "stage", COL_TEXT},
    {"currency", "currency", COL_TEXT},
    {"product", "product", COL_TEXT},
    {"name", "campaign", COL_TEXT},
    {"deals", "deals", COL_COUNT},
    {"amount", "amount", COL_AMOUNT},
    {"won", "won", COL_COUNT},
    {"lost", "lost", COL_COUNT},
    {"win_rate", "win rate", COL_RATE},
    {"opened", "opened", COL_COUNT},
    {"open_now", "still open", COL_COUNT},
    {"urgent", "urgent", COL_COUNT},
    {"tickets", "tickets", COL_COUNT},
    {"answered", "answered", COL_COUNT},
    {"first_response_p50_h", "median first response", COL_HOURS},
    {"first_response_p90_h", "90th percentile first response", COL_HOURS},
    {"resolved", "resolved", COL_COUNT},
    {"resolution_p50_h", "median resolution", COL_HOURS},
    {"resolution_p90_h", "90th percentile resolution", COL_HOURS},
    {"interests", "interests", COL_COUNT},
    {"people", "people", COL_COUNT},
    {"accounts", "accounts", COL_COUNT},
    {"from_tickets", "from tickets", COL_COUNT},
    {"from_calls", "from calls", COL_COUNT},
    {"from_mail", "from mail", COL_COUNT},
    {"by_hand", "by hand", COL_COUNT},
    {"other", "other", COL_COUNT},
    {"members", "members", COL_COUNT},
    {"sent", "sent", COL_COUNT},
    {"clicked", "clicked", COL_COUNT},
    {"replied", "replied", COL_COUNT},
    {"registered", "registered", COL_COUNT},
    {"converted", "converted", COL_COUNT},
    {"leads_influenced", "leads influenced", COL_COUNT},
    {"deals_influenced", "deals influenced", COL_COUNT},
    {"deals_won", "deals won", COL_COUNT},
};

static const struct col_words *
words_of(const char *name)
{
    size_t i;

    for (i = 0; name != NULL && i < sizeof col_words / sizeof col_words[0]; i++)
        if (strcmp(col_words[i].name, name) == 0)
            return &col_words[i];
    return NULL;
}

/* Column name in people's words: its title, else the name with spaces for underscores. */
static const char *
title_of_col(const char *name, char *buf, size_t n)
{
    const struct col_words *w = words_of(name);
    size_t i;

    if (w != NULL)
        return w->title;
    str_copy(buf, name != NULL ? name : "", n);
    for (i = 0; buf[i] != '\0'; i++)
        if (buf[i] == '_')
            buf[i] = ' ';
    return buf;
}

static enum col_kind
kind_of(const char *name)
{
    const struct col_words *w = words_of(name);

    return w != NULL ? w->kind : COL_COUNT;
}

static const char *const month_names[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* A date cell ("2026-09-01") of a column of kind k in words: "Sep 2026" (a month), "2 Nov 2026"
 * (a week, its Monday); anything else as it is. */
static void
date_words(const char *s, enum col_kind k, char *buf, size_t n)
{
    int y, m, d;

    if ((k == COL_MONTH || k == COL_WEEK) && sscanf(s, "%4d-%2d-%2d", &y, &m, &d) == 3 && m >= 1 &&
        m <= 12) {
        if (k == COL_MONTH)
            snprintf(buf, n, "%s %d", month_names[m - 1], y);
        else
            snprintf(buf, n, "%d %s %d", d, month_names[m - 1], y);
        return;
    }
    str_copy(buf, s, n);
}

/* The step of a date cell ("2026-09-01") on its column's time line: months since year 0, or
 * the day's number (a week is 7 of them). 0 when it is no date of a month or week column. */
static long
time_step(const char *s, enum col_kind k)
{
    int y, m, d;
    long yy, era, doy, doe;

    if (sscanf(s, "%4d-%2d-%2d", &y, &m, &d) != 3 || m < 1 || m > 12 || d < 1 || d > 31)
        return 0;
    if (k == COL_MONTH)
        return (long)y * 12 + m - 1;
    /* days from the civil date (Howard Hinnant's algorithm), counted from 1 March of year 0 */
    yy = m <= 2 ? y - 1 : y;
    era = yy / 400;
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = (yy - era * 400) * 365 + (yy - era * 400) / 4 - (yy - era * 400) / 100 + doy;
    return era * 146097 + doe;
}

#define LINE_MAX_BYTES 1024

struct reportview {
    struct view v;
    int report; /* index in db_report_names */
    struct report_table t;
    int loaded;
    int top, height, nlines; /* top, nlines: lines drawn (a unit's heading is one) */
    char from[16], to[16];   /* the window: YYYY-MM-DD, "" for the report's own */
    struct db *reader;       /* the replica's session, or NULL: the primary's (app->db) */
    int connecting;          /* reader is being connected: reports wait for it (ui_side_fds) */
    int fell_back;           /* a replica is configured but could not be read */
    int offline;             /* the last run failed for want of a connection: run at the next
                              * wake-up (the reconnect's), not only on r */
};

static const char *const reports_help[] = {
    "], [\tnext / previous report (also l, h, → ←)",
    "j, k, ↑ ↓\tscroll",
    "PgDn, PgUp\tpage down / up (also Space, b)",
    "g, G\ttop / end",
    "r\trun the report again (reports run on request, not on every change)",
    "f, t\tthe window: from a day, to (before) a day (:from, :to; empty: the report's own)",
    "q, Esc\tclose",
    NULL,
};

static const struct chart_spec *
spec_of(const char *name)
{
    int i;

    for (i = 0; i < NSPECS; i++)
        if (strcmp(specs[i].name, name) == 0)
            return &specs[i];
    return NULL;
}

/* The title of report i ("Win rate"; its name when it has no chart). */
static const char *
title_of(int i)
{
    const struct chart_spec *s = spec_of(db_report_names[i]);

    return s != NULL ? s->title : db_report_names[i];
}

/* The dates a report covers, in words: those set (f, t), or its defaults. */
static void
window_text(const struct reportview *rv, char *buf, size_t n)
{
    const struct chart_spec *s = spec_of(db_report_names[rv->report]);

    if (rv->from[0] && rv->to[0])
        snprintf(buf, n, "from %s, before %s", rv->from, rv->to);
    else if (rv->from[0])
        snprintf(buf, n, "from %s", rv->from);
    else if (rv->to[0])
        snprintf(buf, n, "before %s", rv->to);
    else
        snprintf(buf, n, "%s", s != NULL ? s->window : "its default dates");
}

static int
col(const struct report_table *t, const char *name)
{
    int c;

    for (c = 0; name != NULL && c < t->ncols; c++)
        if (strcmp(t->cols[c], name) == 0)
            return c;
    return -1;
}

static const char *
cell(const struct report_table *t, int r, int c)
{
    const char *s = c >= 0 ? t->cells[r * t->ncols + c] : NULL;

    return s != NULL ? s : "";
}

static double
num(const struct report_table *t, int r, int c)
{
    const char *s = c >= 0 ? t->cells[r * t->ncols + c] : NULL;

    return s != NULL && s[0] != '\0' ? strtod(s, NULL) : 0;
}

/* The replica, or the primary after saying why not. The replica's session is opened without
 * blocking: the event loop drives it (ui_side_fds) while keys work, and rv_connected runs the
 * report once it is made, or on the primary when it failed (an unreachable replica costs the
 * time [database] connect_timeout allows, not a frozen screen). */
static void
open_source(struct reportview *rv, struct app *app)
{
    struct ccrm_err err;
    struct db_options dbo;

    if (app->cfg == NULL || app->cfg->replica_conninfo == NULL || app->db_named)
        return;
    dbo.statement_timeout_ms = app->cfg->statement_timeout_ms;
    dbo.connect_timeout_s = app->cfg->connect_timeout_s;
    dbo.application_name = "ccrm reports";
    dbo.live = 0;
    if ((rv->reader = db_report_reader_start(app->cfg->replica_conninfo, &dbo, &err)) == NULL) {
        static const char lead[] = "could not connect to the database: ";
        const char *why = err.msg;

        if (strncmp(why, lead, sizeof lead - 1) == 0)
            why += sizeof lead - 1; /* said as the replica's own */
        rv->fell_back = 1;
        ui_message_error(app,
                         "could not reach the replica: %s; showing the primary "
                         "([database] replica_conninfo)",
                         why);
        return;
    }
    rv->connecting = 1;
}

static struct db *
rv_connecting(struct view *v)
{
    struct reportview *rv = (struct reportview *)v;

    return rv->connecting ? rv->reader : NULL;
}

static void load(struct reportview *rv, struct app *app);

static void
rv_connected(struct view *v, struct app *app)
{
    struct reportview *rv = (struct reportview *)v;

    rv->connecting = 0;
    if (db_state(rv->reader) != DB_READY) {
        /* never connected ("HOST: why" first: at 80 columns the message line is short), or
         * connected but refused by the schema check */
        ui_message_error(
            app, "%s the replica: %s; showing the primary ([database] replica_conninfo)",
            db_generation(rv->reader) > 0 ? "could not read reports from" : "could not reach",
            db_connect_error(rv->reader));
        db_close(&rv->reader);
        rv->fell_back = 1;
    }
    load(rv, app);
}

static void
load(struct reportview *rv, struct app *app)
{
    struct ccrm_err err;
    const char *name = db_report_names[rv->report];
    const char *from = rv->from[0] ? rv->from : NULL, *to = rv->to[0] ? rv->to : NULL;
    int rc;

    report_table_free(&rv->t);
    rv->loaded = 0;
    rv->top = 0;
    if (rv->connecting)
        return; /* run once the replica's session is made (rv_connected) */
    rc = db_report_table(rv->reader != NULL ? rv->reader : app->db, name, from, to, &rv->t, &err);
    if (rc == -1 && rv->reader != NULL) { /* the replica went away: the primary, said */
        db_close(&rv->reader);
        rv->fell_back = 1;
        ui_message_error(app, "could not read reports from the replica: %s; showing the primary",
                         err.msg);
        rc = db_report_table(app->db, name, from, to, &rv->t, &err);
        if (rc == 0) {
            rv->loaded = 1;
            return;
        }
    }
    if (rc != 0) {
        rv->offline = db_state(app->db) != DB_READY;
        ui_message_error(app, "could not run report %s: %s", name, err.msg);
        return;
    }
    rv->offline = 0;
    rv->loaded = 1;
}

/* Set the start (is_from) or the end of the window to text (a date as forms take it; "" or
 * NULL: the report's own) and run the report again. -1 when it is refused (said). */
static int
set_window(struct reportview *rv, struct app *app, int is_from, const char *text)
{
    static const struct value_rule date_rule = {.type = FIELD_DATE};
    struct value_err verr;
    char *day = NULL;
    const char *from, *to;

    if (value_normalize_str(&date_rule, 0, text != NULL ? text : "", &day, &verr) == -1) {
        ui_message_error(app, "could not set the window: %s", verr.msg);
        return -1;
    }
    from = is_from ? day : rv->from;
    to = is_from ? rv->to : day;
    if (from[0] != '\0' && to[0] != '\0' && strcmp(from, to) >= 0) {
        ui_message_error(app, "could not set the window: from %s is not before to %s", from, to);
        free(day);
        return -1;
    }
    str_copy(is_from ? rv->from : rv->to, day, sizeof rv->from);
    free(day);
    load(rv, app);
    if (rv->loaded) {
        char win[96];

        window_text(rv, win, sizeof win);
        ui_message(app, "report %s, %s: %d row%s", title_of(rv->report), win, rv->t.nrows,
                   rv->t.nrows == 1 ? "" : "s");
    }
    return 0;
}

static struct reportview *asking; /* the view whose window the bottom line asks for */
/* a start or end refused (why is said on the message line, the line closed as any refusal
 * closes it) is not lost: the next f or t of that view offers it again, to correct */
static struct reportview *refused_of;
static char refused[2][64]; /* [0] the start, [1] the end */

static void
on_window(struct app *app, void *ctx, const char *text, int done, int ok)
{
    if (done && !ok && asking != NULL && refused_of == asking)
        refused[ctx != NULL ? 0 : 1][0] = '\0'; /* Esc: the window in force, next time */
    if (!done || !ok || asking == NULL)
        return;
    if (refused_of != asking)
        refused[0][0] = refused[1][0] = '\0';
    refused_of = asking;
    if (set_window(asking, app, ctx != NULL, text) == -1)
        str_copy(refused[ctx != NULL ? 0 : 1], text, sizeof refused[0]);
    else
        refused[ctx != NULL ? 0 : 1][0] = '\0';
    asking = NULL;
}

/* Label column i of row r in words ("Sep 2026"). */
static void
label_part(const struct reportview *rv, const struct chart_spec *s, int i, int r, char *buf,
           size_t n)
{
    date_words(cell(&rv->t, r, col(&rv->t, s->label[i])), kind_of(s->label[i]), buf, n);
}

/* The width of each label column but the last (which is not padded): its widest value. */
static void
label_widths(const struct reportview *rv, const struct chart_spec *s, int pw[3])
{
    char part[128];
    int i, r, w;

    for (i = 0; i < 3; i++) {
        pw[i] = 0;
        for (r = 0; i + 1 < 3 && s->label[i] != NULL && s->label[i + 1] != NULL && r < rv->t.nrows;
             r++) {
            label_part(rv, s, i, r, part, sizeof part);
            if ((w = chart_width(part)) > pw[i])
                pw[i] = w;
        }
    }
}

/* The label of row r: its label columns in words, joined, each as wide as pw says (so that
 * "2 Nov 2026 API" and "16 Nov 2026 API" line up). */
static void
row_label(const struct reportview *rv, const struct chart_spec *s, const int pw[3], int r,
          char *buf, size_t n)
{
    char part[128];
    size_t len = 0;
    int i, w;

    buf[0] = '\0';
    for (i = 0; i < 3 && s->label[i] != NULL; i++) {
        label_part(rv, s, i, r, part, sizeof part);
        w = chart_width(part);
        len += (size_t)snprintf(buf + len, len < n ? n - len : 0, "%s%s%*s", i ? " " : "", part,
                                pw[i] > w ? pw[i] - w : 0, "");
    }
}

/* The figure of row r's column c, with its unit (column uc, -1: none; a percentage's "%", an
 * hour's "h") after it, in at most width columns: "718,000 EUR", "33 %", "4.5 h". A figure a
 * double cannot hold to the cent (past 10^15) is written short from its exact text, as one
 * too wide for the room: "1.00×10²⁵ EUR". */
static void
figure(const struct reportview *rv, int r, int c, int uc, char *buf, size_t n, int width)
{
    enum col_kind k = kind_of(rv->t.cols[c]);
    const char *unit = uc >= 0          ? cell(&rv->t, r, uc)
                       : k == COL_RATE  ? "%"
                       : k == COL_HOURS ? "h"
                                        : "";
    int uw = unit[0] ? chart_width(unit) + 1 : 0;
    char v[96];

    if (k == COL_RATE)
        chart_number(v, sizeof v, num(&rv->t, r, c) * 100, 0);
    else if (fabs(num(&rv->t, r, c)) >= 1e15)
        ui_fit_figure(v, sizeof v, cell(&rv->t, r, c), 0);
    else
        chart_number(v, sizeof v, num(&rv->t, r, c), k == COL_HOURS ? 1 : 2);
    if (chart_width(v) + uw > width) {
        char f[96];

        ui_fit_figure(f, sizeof f, v, width - uw);
        str_copy(v, f, sizeof v);
    }
    snprintf(buf, n, "%s%s%s", v, unit[0] ? " " : "", unit);
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/* The value a full bar stands for in row r's chart: the largest value of its unit (column uc,
 * -1: of every row), unless a value far beyond the others (more than ten times the median)
 * would leave every other bar a sliver: then the largest of the rest, the outliers drawn full
 * and marked (▶). */
static double
scale(const struct reportview *rv, int vc, int uc, int r)
{
    double v[REPORT_ROWS_MAX], cap;
    int n = 0, k;

    for (k = 0; k < rv->t.nrows && k < REPORT_ROWS_MAX; k++)
        if ((uc < 0 || strcmp(cell(&rv->t, k, uc), cell(&rv->t, r, uc)) == 0) &&
            num(&rv->t, k, vc) > 0)
            v[n++] = num(&rv->t, k, vc);
    if (n == 0)
        return 0;
    qsort(v, (size_t)n, sizeof v[0], cmp_double);
    cap = v[n / 2] * 10;
    for (k = n - 1; k > 0 && v[k] > cap; k--)
        ;
    return v[k];
}

/* The lines drawn, in order, into out (2 * REPORT_ROWS_MAX): the rows, or with a unit
 * column uc the rows of each unit (in the order of the units' names) after a heading (-1 -
 * the unit's first row). Returns how many. */
static int
draw_order(const struct reportview *rv, int uc, int *out)
{
    int n = 0, r, k, g;
    unsigned char done[REPORT_ROWS_MAX] = {0};

    if (uc < 0) {
        for (r = 0; r < rv->t.nrows && r < REPORT_ROWS_MAX; r++)
            out[n++] = r;
        return n;
    }
    for (;;) {
        for (g = -1, r = 0; r < rv->t.nrows && r < REPORT_ROWS_MAX; r++)
            if (!done[r] && (g < 0 || strcmp(cell(&rv->t, r, uc), cell(&rv->t, g, uc)) < 0))
                g = r;
        if (g < 0)
            return n;
        out[n++] = -g - 1;
        for (k = g; k < rv->t.nrows && k < REPORT_ROWS_MAX; k++)
            if (!done[k] && strcmp(cell(&rv->t, k, uc), cell(&rv->t, g, uc)) == 0) {
                done[k] = 1;
                out[n++] = k;
            }
    }
}

/* "deals 1 · amount 170,000 EUR", "won 2 · lost 4 · win rate 33 %" */
static void
row_figures(const struct reportview *rv, const struct chart_spec *s, int r, char *buf, size_t n)
{
    size_t len = 0;
    char v[128], t[64];
    int i, c;

    buf[0] = '\0';
    for (i = 0; i < 4 && s->figures[i] != NULL; i++) {
        c = col(&rv->t, s->figures[i]);
        if (c < 0)
            continue;
        if (rv->t.cells[r * rv->t.ncols + c] == NULL)
            str_copy(v, "–", sizeof v);
        else /* the value with its unit (a currency) */
            figure(rv, r, c, strcmp(s->figures[i], s->value) == 0 ? col(&rv->t, s->unit) : -1, v,
                   sizeof v, 30);
        len += (size_t)snprintf(buf + len, len < n ? n - len : 0, "%s%s %s", i ? " · " : "",
                                title_of_col(s->figures[i], t, sizeof t), v);
    }
}

/* The sparkline of the value over time, oldest first: one value per month or week (the rows of
 * a time summed), every step of the time line between the first and the last, so that a gap
 * shows where it is. A step with no value is drawn blank, not as the lowest bar: a count
 * there is 0 (no tickets opened that week), but a rate or a time has none (no deal closed, no
 * ticket answered), nor has a step whose rows have no value (NULL). */
#define TREND_MAX 1024

static void
draw_trend(struct reportview *rv, const struct chart_spec *s, WINDOW *w, int y, int wd)
{
    static double vals[TREND_MAX]; /* 8 KB: not on the stack of every draw */
    const char *first = NULL, *last = NULL;
    char spark[LINE_MAX_BYTES], line[LINE_MAX_BYTES + 256], vt[64], tt[64], from[32], to[32];
    const char *tn, *vn;
    int tc = col(&rv->t, s->time), vc = col(&rv->t, s->value), n, r, i, any = 0;
    enum col_kind tk = kind_of(s->time), vk = kind_of(s->value);
    long lo = 0, hi = 0, at, step = tk == COL_WEEK ? 7 : 1;

    for (r = 0; r < rv->t.nrows && tc >= 0; r++) {
        if ((at = time_step(cell(&rv->t, r, tc), tk)) == 0)
            return; /* no time line to follow */
        if (first == NULL || at < lo)
            lo = at, first = cell(&rv->t, r, tc);
        if (last == NULL || at > hi)
            hi = at, last = cell(&rv->t, r, tc);
    }
    if (first == NULL)
        return;
    n = (int)((hi - lo) / step) + 1;
    if (n > TREND_MAX) { /* the newest: the line shows the last ones it has room for */
        lo = hi - (long)(TREND_MAX - 1) * step;
        n = TREND_MAX;
    }
    for (i = 0; i < n; i++)
        vals[i] = vk == COL_COUNT || vk == COL_AMOUNT ? 0 : NAN;
    for (r = 0; r < rv->t.nrows; r++) {
        at = time_step(cell(&rv->t, r, tc), tk);
        if (at < lo || (at - lo) % step != 0 || rv->t.cells[r * rv->t.ncols + vc] == NULL)
            continue;
        i = (int)((at - lo) / step);
        vals[i] = (isnan(vals[i]) ? 0 : vals[i]) + num(&rv->t, r, vc);
        any = 1;
    }
    chart_sparkline(spark, sizeof spark, vals, n, wd - 40 > 8 ? wd - 40 : 8);
    date_words(first, tk, from, sizeof from);
    date_words(last, tk, to, sizeof to);
    tn = title_of_col(s->time, tt, sizeof tt);
    vn = title_of_col(s->value, vt, sizeof vt);
    if (any)
        snprintf(line, sizeof line, "%s by %s, %s → %s: %s", vn, tn, from, to, spark);
    else
        snprintf(line, sizeof line, "%s by %s, %s → %s: none in these %ss", vn, tn, from, to, tn);
    draw_text(w, y, 0, line, wd, A_NORMAL);
}

/* The figures beside row r's bar (max: the bar's scale): all of them when the screen is wide,
 * else the bar's own figure only, so that the bar keeps its room; an outlier's marked (▶). */
static void
row_text(struct reportview *rv, const struct chart_spec *s, int r, double max, int wd, int lw,
         char *figures, size_t n)
{
    int vc = col(&rv->t, s->value), uc = col(&rv->t, s->unit);

    if (wd >= 110) {
        row_figures(rv, s, r, figures, n);
    } else if (rv->t.cells[r * rv->t.ncols + vc] == NULL) {
        str_copy(figures, "–", n);
    } else {
        figure(rv, r, vc, uc, figures, n, wd - lw - 14);
    }
    if (num(&rv->t, r, vc) > max) { /* an outlier: a full bar, marked */
        char f[256 + 8];

        snprintf(f, sizeof f, "▶ %s", figures);
        str_copy(figures, f, n);
    }
}

static void
rv_draw(struct view *v, struct app *app, WINDOW *w, int h, int wd)
{
    struct reportview *rv = (struct reportview *)v;
    const struct chart_spec *s = spec_of(db_report_names[rv->report]);
    char line[LINE_MAX_BYTES], label[256], figures[256];
    int i, x = 0, y = 0, lw = 0, fw = 0, vc, uc, r, nl, k, first;
    int order[2 * REPORT_ROWS_MAX], pw[3];
    double max = 0;

    /* the picker: every report, the one shown in brackets; when they do not all fit (80
     * columns), those before it give way ("… ") so that the one shown is on screen */
    x = text_width("Reports: ");
    draw_text(w, y, 0, "Reports: ", x, A_BOLD);
    for (first = 0; first < rv->report; first++) {
        int end = x + (first > 0 ? 2 : 0);

        for (i = first; i <= rv->report; i++)
            end += text_width(title_of(i)) + 3; /* " %s  ", "[%s] " */
        if (end - 1 <= wd)                      /* (its trailing blank may be cut) */
            break;
    }
    if (first > 0) {
        draw_text(w, y, x, "… ", wd - x, ui_attr(app, PAIR_DIM, A_NORMAL));
        x += 2;
    }
    for (i = first; db_report_names[i] != NULL && x < wd; i++) {
        int cur = i == rv->report;

        snprintf(line, sizeof line, cur ? "[%s] " : " %s  ", title_of(i));
        draw_text(w, y, x, line, wd - x,
                  cur ? ui_attr(app, PAIR_HIGHLIGHT, A_BOLD) : ui_attr(app, PAIR_DIM, A_NORMAL));
        x += text_width(line);
    }
    y++;
    if (y < h)
        draw_text(w, y++, 0, db_report_about[rv->report], wd, ui_attr(app, PAIR_DIM, A_DIM));
    if (!rv->loaded || s == NULL) {
        if (y < h)
            draw_text(w, y, 2,
                      rv->loaded       ? "no chart for this report"
                      : rv->connecting ? "connecting to the replica…"
                                       : "not run",
                      wd - 2, A_NORMAL);
        return;
    }
    if (rv->t.nrows == 0) {
        if (y < h)
            draw_text(w, y, 2, "nothing to report", wd - 2, A_NORMAL);
        return;
    }
    if (s->time != NULL && y < h)
        draw_trend(rv, s, w, y++, wd);
    y++;
    vc = col(&rv->t, s->value);
    uc = col(&rv->t, s->unit);
    nl = draw_order(rv, uc, order);
    label_widths(rv, s, pw);
    for (r = 0; r < rv->t.nrows; r++) {
        row_label(rv, s, pw, r, label, sizeof label);
        if (chart_width(label) > lw)
            lw = chart_width(label);
    }
    if (lw > wd / 3)
        lw = wd / 3;
    if (y < h) {
        char t[64];

        snprintf(line, sizeof line, "%-*s %s (bar%s%s)", lw, "",
                 title_of_col(s->value, t, sizeof t), uc >= 0 ? " per currency" : "",
                 s->max > 0 ? "" : "; ▶ off the scale");
        draw_text(w, y++, 0, line, wd, A_BOLD);
    }
    /* one room for the figures, the widest row's (not only the rows in sight, so that a bar
     * keeps its length as the chart scrolls): every bar of the chart has one full length */
    for (r = 0, k = -1; r < rv->t.nrows; r++) {
        /* (a unit's scale once per run of its rows, not once per row) */
        if (s->max <= 0 && (k < 0 || (uc >= 0 && strcmp(cell(&rv->t, k, uc), cell(&rv->t, r, uc)))))
            max = scale(rv, vc, uc, k = r);
        row_text(rv, s, r, s->max > 0 ? s->max : max, wd, lw, figures, sizeof figures);
        if (chart_width(figures) > fw)
            fw = chart_width(figures);
    }
    if (fw > wd / 2) /* a long figure is cut rather than leave the bars no room */
        fw = wd / 2;
    rv->nlines = nl;
    rv->height = h - y > 1 ? h - y : 1;
    if (rv->top > nl - rv->height)
        rv->top = nl - rv->height > 0 ? nl - rv->height : 0;
    for (i = 0; i < rv->height && rv->top + i < nl; i++) {
        k = order[rv->top + i];
        if (k < 0) { /* a unit's heading */
            draw_text(w, y + i, 0, cell(&rv->t, -k - 1, uc), wd, A_BOLD);
            continue;
        }
        r = k;
        max = s->max > 0 ? s->max : scale(rv, vc, uc, r);
        row_label(rv, s, pw, r, label, sizeof label);
        row_text(rv, s, r, max, wd, lw, figures, sizeof figures);
        chart_bar_line(line, sizeof line, label, lw, num(&rv->t, r, vc), max, figures, fw, wd);
        draw_text(w, y + i, 0, line, wd, A_NORMAL);
        /* a label longer than its column is cut with a mark ("Pro Plan Upsell Autumn 202"
         * read as a year) */
        if (chart_width(label) > lw && lw + 1 + chart_width(figures) <= wd)
            draw_text(w, y + i, 0, label, lw, A_NORMAL);
    }
    ui_painted_data(app);
}

static int
rv_handle_key(struct view *v, struct app *app, wint_t key, int fkey)
{
    struct reportview *rv = (struct reportview *)v;
    int n;

    for (n = 0; db_report_names[n] != NULL; n++)
        ;
    if ((fkey && key == KEY_RIGHT) || (!fkey && (key == L']' || key == L'l'))) {
        rv->report = (rv->report + 1) % n;
        load(rv, app);
    } else if ((fkey && key == KEY_LEFT) || (!fkey && (key == L'[' || key == L'h'))) {
        rv->report = (rv->report + n - 1) % n;
        load(rv, app);
    } else if ((fkey && key == KEY_DOWN) || (!fkey && key == L'j')) {
        if (rv->top < rv->nlines - 1)
            rv->top++;
    } else if ((fkey && key == KEY_UP) || (!fkey && key == L'k')) {
        if (rv->top > 0)
            rv->top--;
    } else if ((fkey && key == KEY_NPAGE) || (!fkey && (key == L' ' || key == 6 /* ^F */))) {
        rv->top += rv->height > 0 ? rv->height : 1;
        if (rv->top > rv->nlines - rv->height) /* the last page, as G */
            rv->top = rv->nlines - rv->height > 0 ? rv->nlines - rv->height : 0;
    } else if ((fkey && key == KEY_PPAGE) || (!fkey && (key == L'b' || key == 2 /* ^B */))) {
        rv->top -= rv->height > 0 ? rv->height : 1;
        if (rv->top < 0)
            rv->top = 0;
    } else if ((fkey && key == KEY_HOME) || (!fkey && key == L'g')) {
        rv->top = 0;
    } else if ((fkey && key == KEY_END) || (!fkey && key == L'G')) {
        rv->top = rv->nlines - rv->height > 0 ? rv->nlines - rv->height : 0;
    } else if (!fkey && key == L'r') {
        /* after a fall-back to the primary, r tries the replica again: it may be back */
        if (rv->fell_back && rv->reader == NULL && !rv->connecting) {
            rv->fell_back = 0;
            open_source(rv, app);
        }
        load(rv, app);
    } else if (!fkey && (key == L'f' || key == L't')) {
        const char *kept = refused_of == rv ? refused[key == L'f' ? 0 : 1] : "";

        asking = rv;
        ui_input_begin(app,
                       key == L'f' ? "from (YYYY-MM-DD; empty: the report's own): "
                                   : "to, before (YYYY-MM-DD; empty: the report's own): ",
                       kept[0]       ? kept
                       : key == L'f' ? rv->from
                                     : rv->to,
                       on_window, key == L'f' ? (void *)rv : NULL);
    } else {
        return 0;
    }
    return 1;
}

static void
rv_on_wakeup(struct view *v, struct app *app)
{
    struct reportview *rv = (struct reportview *)v;

    /* reports read whole tables: r runs one again; but one that could not run for want of
     * the database runs once it is back (the reconnect wakes every view) */
    if (rv->offline && !rv->loaded && !rv->connecting && db_state(app->db) == DB_READY)
        load(rv, app);
}

static void
rv_describe(struct view *v, char *buf, size_t n)
{
    struct reportview *rv = (struct reportview *)v;

    char win[96];

    window_text(rv, win, sizeof win);
    snprintf(buf, n, "Report %s · %s · from the %s", title_of(rv->report), win,
             rv->connecting       ? "replica (connecting…)"
             : rv->reader != NULL ? "replica"
             : rv->fell_back      ? "primary (the replica could not be read)"
                                  : "primary");
}

static void
rv_free(struct view *v)
{
    struct reportview *rv = (struct reportview *)v;

    report_table_free(&rv->t);
    db_close(&rv->reader);
    if (asking == rv)
        asking = NULL;
    free(rv);
}

static const struct view_ops reports_ops = {
    .draw = rv_draw,
    .handle_key = rv_handle_key,
    .on_wakeup = rv_on_wakeup,
    .describe = rv_describe,
    .help = reports_help,
    .free = rv_free,
    .connecting = rv_connecting,
    .connected = rv_connected,
};

int
view_reports_known(const char *name)
{
    int i;
    size_t len = name != NULL ? strlen(name) : 0;

    for (i = 0; len > 0 && db_report_names[i] != NULL; i++)
        if (strncmp(db_report_names[i], name, len) == 0)
            return i;
    return -1;
}

struct view *
view_reports_new(struct app *app, const char *name)
{
    struct reportview *rv = xcalloc(1, sizeof *rv);
    int i = view_reports_known(name);

    rv->v.ops = &reports_ops;
    rv->report = i >= 0 ? i : 0;
    str_copy(rv->v.title, "Reports", sizeof rv->v.title);
    open_source(rv, app);
    load(rv, app);
    return &rv->v;
}

int
view_reports_window(struct view *v, struct app *app, int is_from, const char *text)
{
    if (v == NULL || v->ops != &reports_ops)
        return -1;
    set_window((struct reportview *)v, app, is_from, text);
    v->dirty = 1;
    return 0;
}
