/* The detail view of one record ("customer 360"): its fields, related records, comments, the
 * live chat, who else is on it now, and the timeline of every department's work with the
 * customer (a campaign: its members). Enter opens the record a line names as another view on
 * the stack, q goes back. Re-read on every wake-up; presence is written once per arrival. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "ccrm/cmd.h"
#include "ccrm/detail.h"
#include "ccrm/entity.h"
#include "ccrm/mail.h"
#include "ccrm/marketing.h"
#include "ccrm/record.h"
#include "ccrm/util.h"
#include "form.h"
#include "record_view.h"
#include "reply.h"

#define HEARTBEAT_MS 30000
#define UNFOLD_MAX 32
#define MAIL_INDENT "    "

struct recordview {
    struct view v;
    const struct entity *e;
    char hint[256];
    int64_t id;
    struct detail *d;
    struct detail *disp; /* d's lines with its conversation's mails laid out for the width */
    int disp_width;      /* the width disp was laid out for */
    struct detail *hist; /* the audit trail, shown instead of the lines while set */
    int64_t unfolded[UNFOLD_MAX]; /* mails whose quoted text is shown (z) */
    int nunfolded;
    int sel, top, height;
    int drawn; /* the height of the last draw (0: none yet): more now, the screen grew */
    int page;  /* of a paged section (a campaign's members) */
    /* the long entry shown in full (Enter on it; one at a time), 0: none */
    int64_t expanded_id;
    char expanded_entity[24];
    int gone;
    struct app *app; /* for presence on close */
    int chat_shared; /* the chat line being typed: shared with the partner (T), else t */
    /* a message whose answer was lost as it committed: its text, and the transaction to ask
     * about (db_write_landed) before the same text is sent again */
    char *chat_lost;
    char chat_xid[24];
    /* the help of its own keys, as they apply to its kind and the sections it has (an
     * invoice has no mails to unfold): its ops are record_ops with this help */
    struct view_ops ops;
    char help_text[2][512];
    const char *help[8];
};

/* A session has one presence row. It names the record of the view that wrote it last, on the
 * connection of this generation; a view writes it only when that is not itself (it was just
 * opened, or is shown again after another record, or the connection is new). Writing on every
 * reload would wake the other clients, whose reloads would wake us again (measured: 800
 * transactions a second between two idle clients on one record). */
static const struct recordview *presence_owner;
static int presence_gen;
/* The session's presence row is kept fresh by a timer of the client's, whatever view is on
 * top (a form opened over the record must not let the others see us leave). */
static unsigned heartbeat_timer;

/* The heartbeat interval; CCRM_HEARTBEAT_MS shortens it for the tests. */
static int
heartbeat_ms(void)
{
    const char *v = getenv("CCRM_HEARTBEAT_MS");
    long n = v != NULL ? strtol(v, NULL, 10) : 0;

    return n >= 10 && n <= HEARTBEAT_MS ? (int)n : HEARTBEAT_MS;
}

static void
on_heartbeat(void *ctx, void *arg)
{
    struct app *app = ctx;
    struct ccrm_err err;

    (void)arg;
    heartbeat_timer = 0;
    if (presence_owner == NULL)
        return;
    if (db_state(app->db) == DB_READY)
        db_presence_touch(app->db, &err);
    heartbeat_timer = timer_add(&app->timers, now_ms() + heartbeat_ms(), on_heartbeat, NULL);
}

/* the view's own keys (the actions on the record come from the action table); build_help
 * adds ] [, z and Enter as they apply to the record */
static const char *const record_help[] = {
    "j, k, ↑ ↓\tmove through the lines",
    "PgDn, PgUp\tscroll a page (also Space, b)",
    "g, G\tfirst, last line",
    NULL,
};

/* Has the record's kind a conversation (its mails, z unfolds their quoted text)? */
static int
has_mails(const struct entity *e)
{
    return e->detail->conversation && e->mail_fk != NULL;
}

/* The help of rv's own keys: the sections ] and [ go to are the headings it shows now, and
 * z and what Enter does on a mail, a call or a comment are said only where there are such. */
static void
build_help(struct recordview *rv)
{
    const struct entity *e = rv->e;
    char *sec = rv->help_text[0], *enter = rv->help_text[1];
    size_t len, sz = sizeof rv->help_text[0];
    int i, n = 0, talk = !e->detail->setting && (e->actions & (ENT_COMMENT | ENT_CHAT));

    len = (size_t)snprintf(sec, sz, "], [\tnext, previous section");
    for (i = 0; rv->d != NULL && i < rv->d->nlines && len < sz; i++) {
        const char *h = rv->d->lines[i].what, *paren = strstr(h, " (");

        if (rv->d->lines[i].entity[0] != '\0' || h[0] == '\0')
            continue;
        /* "Comments (3) · c internal, ...": its name */
        len += (size_t)snprintf(sec + len, sz - len, "%s%.*s", n++ ? " · " : ": ",
                                paren != NULL ? (int)(paren - h) : (int)strlen(h), h);
    }
    snprintf(enter, sz, "Enter\topen the record on the line%s%s%s%s%s%s%s",
             e->timeline_fk != NULL || has_mails(e) || talk ? " (" : "",
             e->timeline_fk != NULL ? "a call: its form" : "",
             e->timeline_fk != NULL && (has_mails(e) || talk) ? "; " : "",
             has_mails(e) ? "a mail: z" : "", has_mails(e) && talk ? "; " : "",
             talk ? "a comment or chat: all of it" : "",
             e->timeline_fk != NULL || has_mails(e) || talk ? ")" : "");
    for (i = 0, n = 0; record_help[i] != NULL; i++)
        rv->help[n++] = record_help[i];
    rv->help[n++] = sec;
    if (has_mails(e))
        rv->help[n++] = "z\ta mail's quoted text: show or fold (off a mail: every mail's)";
    rv->help[n++] = enter;
    rv->help[n++] = "q, Esc\tback";
    rv->help[n] = NULL;
}

static int
nlines(const struct recordview *rv)
{
    return rv->hist ? rv->hist->nlines : (rv->disp ? rv->disp->nlines : 0);
}

/* ---- the conversation: each mail as lines (from, to, date, its text wrapped with quoted text
 * folded, attachments), laid out for the view's width ---- */

static int
unfolded_at(const struct recordview *rv, int64_t id)
{
    int i;

    for (i = 0; i < rv->nunfolded; i++)
        if (rv->unfolded[i] == id)
            return i;
    return -1;
}

struct mail_lines {
    struct detail *to;
    int64_t id;
};

static void
on_mail_line(void *ctx, const char *line, enum mail_line_kind kind)
{
    struct mail_lines *ml = ctx;
    char *t = xasprintf(MAIL_INDENT "%s", line);

    (void)kind;
    detail_add_line(ml->to, "", "", t, "messages", ml->id);
    free(t);
}

/* "12.3 KB" */
static void
human_size(long long n, char *buf, size_t len)
{
    if (n < 1024)
        snprintf(buf, len, "%lld bytes", n);
    else if (n < 1024 * 1024)
        snprintf(buf, len, "%.1f KB", (double)n / 1024);
    else
        snprintf(buf, len, "%.1f MB", (double)n / (1024 * 1024));
}

static void
add_mail(struct recordview *rv, struct detail *to, const struct detail_mail *m, int width)
{
    struct mail_lines ml = {to, m->id};
    const char *a = m->atts, *lt;
    char *t, *who, size[32];

    t = xasprintf("%s %s%s", m->out ? "→" : "←", m->subject[0] ? m->subject : "(no subject)",
                  !m->out                            ? ""
                  : strcmp(m->status, "sent") == 0   ? ""
                  : strcmp(m->status, "failed") == 0 ? "  [not sent: given up]"
                                                     : "  [in the outbox, not sent yet]");
    /* the sender's name (its address is on the From line below) */
    lt = strstr(m->from, " <");
    who = lt != NULL && lt > m->from ? xasprintf("%.*s", (int)(lt - m->from), m->from)
                                     : xstrdup(m->from);
    detail_add_line(to, m->when, who, t, "messages", m->id);
    free(who);
    free(t);
    t = xasprintf(MAIL_INDENT "From: %s", m->from);
    detail_add_line(to, "", "", t, "messages", m->id);
    free(t);
    t = xasprintf(MAIL_INDENT "To: %s%s%s", m->to[0] ? m->to : "(nobody)", m->cc[0] ? "  Cc: " : "",
                  m->cc);
    detail_add_line(to, "", "", t, "messages", m->id);
    free(t);
    if (m->out && strcmp(m->status, "sent") != 0 && m->error[0] != '\0') {
        t = xasprintf(MAIL_INDENT "%s: %s",
                      strcmp(m->status, "failed") == 0 ? "could not send it, gave up"
                                                       : "could not send it yet, it is tried again",
                      m->error);
        detail_add_line(to, "", "", t, "messages", m->id);
        free(t);
    }
    mail_text_lines(m->body, width - (int)strlen(MAIL_INDENT), unfolded_at(rv, m->id) >= 0,
                    on_mail_line, &ml);
    if (m->more > 0) {
        t = xasprintf(MAIL_INDENT "[%lld more characters not shown]", m->more);
        detail_add_line(to, "", "", t, "messages", m->id);
        free(t);
    }
    while (a != NULL && *a != '\0') { /* "id\tname\tsize" lines */
        const char *nl = strchr(a, '\n'), *end = nl != NULL ? nl : a + strlen(a);
        const char *name = memchr(a, '\t', (size_t)(end - a)), *tab = NULL;
        long long aid = strtoll(a, NULL, 10);

        if (name != NULL)
            for (tab = end - 1, name++; tab >= name && *tab != '\t'; tab--)
                ;
        if (tab != NULL && tab < name)
            tab = NULL;
        if (name == NULL || tab == NULL) { /* not as asked: skip it */
            a = nl != NULL ? nl + 1 : NULL;
            continue;
        }
        human_size(strtoll(tab + 1, NULL, 10), size, sizeof size);
        /* the number :save-attachment takes (D on this line saves it) */
        t = xasprintf(MAIL_INDENT "Attachment %lld: %.*s (%s)", aid, (int)(tab - name), name, size);
        detail_add_line(to, "", "", t, "messages", m->id);
        free(t);
        a = nl != NULL ? nl + 1 : NULL;
    }
    detail_add_line(to, "", "", "", "messages", m->id);
}

/* Lay out d's lines for width (the lines of the conversation's heading followed by its mails),
 * keeping the cursor on the line it was on: the same record, as far into it as before. */
static void
layout(struct recordview *rv, int width)
{
    struct detail *nd;
    const struct detail_line *cur = NULL;
    char cur_entity[32] = "";
    int64_t cur_id = 0;
    int off = 0, i, k;

    if (rv->disp != NULL && rv->hist == NULL && rv->sel < rv->disp->nlines &&
        rv->disp->lines[rv->sel].entity[0] != '\0') {
        cur = &rv->disp->lines[rv->sel];
        str_copy(cur_entity, cur->entity, sizeof cur_entity);
        cur_id = cur->entity_id;
        for (i = rv->sel; i > 0 && rv->disp->lines[i - 1].entity_id == cur_id &&
                          strcmp(rv->disp->lines[i - 1].entity, cur_entity) == 0;
             i--)
            off++;
    }
    nd = xcalloc(1, sizeof *nd);
    for (i = 0; rv->d != NULL && i < rv->d->nlines; i++) {
        const struct detail_line *l = &rv->d->lines[i];

        detail_add_line(nd, l->when, l->who, l->what, l->entity, l->entity_id);
        if (rv->d->has_mails && i == rv->d->mails_at)
            for (k = 0; k < rv->d->nmails; k++)
                add_mail(rv, nd, &rv->d->mails[k], width - 2);
    }
    detail_free(&rv->disp);
    rv->disp = nd;
    rv->disp_width = width;
    if (cur_entity[0] != '\0' && rv->hist == NULL) {
        for (i = 0; i < nd->nlines; i++)
            if (nd->lines[i].entity_id == cur_id && strcmp(nd->lines[i].entity, cur_entity) == 0)
                break;
        if (i < nd->nlines) {
            for (k = 0; k < off && i + 1 < nd->nlines && nd->lines[i + 1].entity_id == cur_id &&
                        strcmp(nd->lines[i + 1].entity, cur_entity) == 0;
                 k++)
                i++;
            rv->sel = i;
        }
    }
    if (rv->sel >= nlines(rv))
        rv->sel = nlines(rv) > 0 ? nlines(rv) - 1 : 0;
}

/* z (and Enter on a mail): show or fold the quoted text of the mail on the cursor; off a mail,
 * of every mail (all shown when one was folded). */
static void
toggle_quotes(struct recordview *rv, struct app *app)
{
    const struct detail_line *l = rv->hist == NULL && rv->disp != NULL && rv->sel < rv->disp->nlines
                                      ? &rv->disp->lines[rv->sel]
                                      : NULL;
    int i, k, any_folded = 0;

    if (rv->d == NULL || !rv->d->has_mails || rv->hist != NULL) {
        ui_message(app, "no conversation here");
        return;
    }
    if (l != NULL && strcmp(l->entity, "messages") == 0) {
        if ((k = unfolded_at(rv, l->entity_id)) >= 0)
            rv->unfolded[k] = rv->unfolded[--rv->nunfolded];
        else if (rv->nunfolded < UNFOLD_MAX)
            rv->unfolded[rv->nunfolded++] = l->entity_id;
    } else {
        for (i = 0; i < rv->d->nmails; i++)
            any_folded |= unfolded_at(rv, rv->d->mails[i].id) < 0;
        rv->nunfolded = 0;
        for (i = 0; any_folded && i < rv->d->nmails && i < UNFOLD_MAX; i++)
            rv->unfolded[rv->nunfolded++] = rv->d->mails[i].id;
    }
    layout(rv, rv->disp_width);
}

static void
load(struct recordview *rv, struct app *app)
{
    struct ccrm_err err;
    struct detail *d;

    /* say we are here before reading, so that others see us as soon as we see them */
    if (!rv->e->detail->setting &&
        (presence_owner != rv || presence_gen != db_generation(app->db)) &&
        db_presence_set(app->db, rv->e->table, rv->id, &err) == 0) {
        presence_owner = rv;
        presence_gen = db_generation(app->db);
        timer_del(&app->timers, heartbeat_timer);
        heartbeat_timer = timer_add(&app->timers, now_ms() + heartbeat_ms(), on_heartbeat, NULL);
    }
    d = db_record_detail_page(app->db, rv->e->table, rv->id, rv->page, &err);
    if (d == NULL && db_state(app->db) == DB_READY && err.sqlstate[0] == '\0' &&
        (strcmp(rv->e->table, "contacts") == 0 || strcmp(rv->e->table, "leads") == 0 ||
         strcmp(rv->e->table, "accounts") == 0)) {
        /* a merged duplicate: its id opens the record it was merged into */
        struct ccrm_err rerr;
        int64_t to = db_resolve(app->db, rv->e->table, rv->id, &rerr);

        if (to > 0) {
            ui_message(app, "%s #%lld was merged into #%lld", rv->e->singular, (long long)rv->id,
                       (long long)to);
            rv->id = to;
            rv->page = 0;
            presence_owner = NULL;
            d = db_record_detail_page(app->db, rv->e->table, rv->id, rv->page, &err);
        }
    }
    if (d == NULL) {
        /* deleted (or no longer shared): say so instead of showing what it was */
        if (db_state(app->db) == DB_READY && err.sqlstate[0] == '\0') {
            /* shown until now (or already said gone): said as everywhere a record goes; an
             * id that never opened keeps "does not exist" */
            if (rv->d != NULL || rv->gone)
                err_set(&err, "%s #%lld " RECORD_GONE, rv->e->singular, (long long)rv->id);
            rv->gone = 1;
            detail_free(&rv->d);
            detail_free(&rv->disp);
            detail_free(&rv->hist);
            rv->sel = rv->top = 0;
        }
        ui_message_error(app, "%s", err.msg);
        return;
    }
    /* the cursor stays on its record when lines come and go above it (layout) */
    detail_free(&rv->d);
    rv->d = d;
    commands_hint(rv->e, d->phase, rv->hint, sizeof rv->hint); /* an issued invoice: no N */
    build_help(rv);
    layout(rv, rv->disp_width > 0 ? rv->disp_width : COLS);
    if (rv->hist != NULL) {
        struct detail *h = db_record_history(app->db, rv->e->table, rv->id, &err);

        if (h != NULL) {
            detail_free(&rv->hist);
            rv->hist = h;
        }
    }
    rv->gone = 0;
    rv->page = d->page;
    str_copy(rv->v.title, d->title, sizeof rv->v.title);
    if (rv->sel >= nlines(rv))
        rv->sel = nlines(rv) > 0 ? nlines(rv) - 1 : 0;
}

/* Is the line the long entry Enter expanded? (one at a time, by what it is) */
static int
is_expanded(const struct recordview *rv, const struct detail_line *l)
{
    return rv->hist == NULL && rv->expanded_id != 0 && l->entity_id == rv->expanded_id &&
           strcmp(l->entity, rv->expanded_entity) == 0;
}

/* The screen rows lines[from..to) take at width wd (an expanded entry: its wrapped text). */
static int
line_rows(const struct recordview *rv, const struct detail_line *lines, int from, int to, int wd)
{
    int rows = 0, i, tx = 3 + (wd >= 70 ? 38 : wd >= 36 ? 13 : 0);

    for (i = from; i < to; i++) {
        size_t starts[200];

        rows += is_expanded(rv, &lines[i]) ? text_wrap(lines[i].what, wd - tx, starts, 200) : 1;
    }
    return rows;
}

/* A field's value shown wrapped below the short ones: wider than its cell, or of more than one
 * line (a ticket's message keeps its paragraphs and lists). */
static int
long_value(const char *val, int cell)
{
    return text_width(val) > cell || strchr(val, '\n') != NULL;
}

static void
rv_draw(struct view *v, struct app *app, WINDOW *w, int h, int wd)
{
    struct recordview *rv = (struct recordview *)v;
    struct detail *d = rv->d;
    /* the lines under the fields: the timeline, or the history while it is shown */
    struct detail_line *lines;
    int ln;
    int y = 0, i, k, half, lw = 11, fy, listh, hint = h >= 10, keep, want, hmax, collapsed = 0;
    int grew = rv->drawn > 0 && h > rv->drawn, deep = 0;

    rv->drawn = h;
    if (d != NULL && wd != rv->disp_width)
        layout(rv, wd);
    lines = rv->hist ? rv->hist->lines : (rv->disp ? rv->disp->lines : NULL);
    ln = nlines(rv);
    if (d == NULL) {
        char msg[96];

        snprintf(msg, sizeof msg, "this %s " RECORD_GONE, rv->e->singular);
        draw_text(w, 1, 2, rv->gone ? msg : "loading…", wd - 2, A_BOLD);
        return;
    }
    /* the lines under the fields keep at least 3 rows (an expanded entry on the cursor: its
     * rows, below the title and subtitle): on a short screen the fields give up theirs, or
     * the keys would move and open lines nobody sees */
    keep = ln > 0 ? line_rows(rv, lines, 0, ln, wd) : 0;
    want = rv->sel < ln && is_expanded(rv, &lines[rv->sel])
               ? line_rows(rv, lines, rv->sel, rv->sel + 1, wd)
               : 0;
    want = want < h - hint - 2 ? want : h - hint - 2;
    want = want > 3 ? want : 3;
    keep = keep < want ? keep : want;
    hmax = h - hint - keep > 1 ? h - hint - keep : 1;
    draw_text(w, y++, 0, d->title, wd, ui_attr(app, PAIR_HEADER, A_BOLD));
    if (y < hmax)
        draw_text(w, y++, 0, d->subtitle, wd, ui_attr(app, PAIR_DIM, A_DIM));
    if (y < hmax && d->here != NULL && d->here[0] != '\0') {
        char here[512];

        snprintf(here, sizeof here, "Also here now: %s", d->here);
        draw_text(w, y++, 0, here, wd, ui_attr(app, PAIR_HIGHLIGHT, A_BOLD));
    }
    /* fields: two columns from 80 terminal columns (in one column, a ticket's fields took all
     * but 3 rows of an 80x24 screen from its conversation and timeline); a value too long for
     * its cell (a ticket's message, an account's description, a contact's name and address)
     * is shown in full below them, wrapped */
    {
        int cw = wd >= 80 ? wd / 2 - 1 : wd, nshort = 0, need, fend, shown = 0, nf;
        int room = h / 3 > 3 ? h / 3 : 3, width = wd - lw - 1;
        int shortf[64];
        size_t starts[64];

        nf = d->nfields < 64 ? d->nfields : 64;
        for (i = 0; i < nf; i++)
            if (!long_value(d->fields[i].value, cw - lw - 1))
                shortf[nshort++] = i;
        half = wd >= 80 ? (nshort + 1) / 2 : nshort;
        /* more than the rows left: the last one says how many fields are not shown */
        need = half;
        for (i = 0; i < nf; i++)
            if (long_value(d->fields[i].value, cw - lw - 1)) {
                int n = text_wrap(d->fields[i].value, width, starts, 64);

                need += n < room ? n : room;
            }
        fend = need > hmax - y ? hmax - 1 : hmax;
        fend = fend > y ? fend : y;
        /* where the fields would leave the lines less than half the screen (an 80x24
         * terminal), they give their rows to the lines while the cursor is down among them,
         * to read a conversation; the first lines (k, g) show them again */
        {
            int fields = (need < fend - y ? need : fend - y) + (h > 14);
            int rest = h - hint - y - fields;

            if (rv->sel < rv->top) /* (g, k: as the lines below will show it) */
                rv->top = rv->sel;
            deep = rv->sel >= rest;
            collapsed = ln > 0 && rest < (h - hint) / 2 && (rv->top > 0 || deep);
        }
        if (collapsed && y < hmax)
            fend = y;
        fy = y;
        for (k = 0; k < nshort; k++) {
            int col = k >= half;
            int x = col ? wd / 2 : 0;
            int row = fy + (col ? k - half : k);

            i = shortf[k];
            if (row >= fend)
                continue;
            draw_text(w, row, x, d->fields[i].label, lw, A_BOLD);
            draw_text(w, row, x + lw + 1, d->fields[i].value, cw - lw - 1, A_NORMAL);
            shown++;
        }
        y = fy + half < fend ? fy + half : fend;
        for (i = 0; i < nf; i++) {
            int n, r, rows;
            const char *val = d->fields[i].value;

            if (!long_value(val, cw - lw - 1))
                continue;
            n = text_wrap(val, width, starts, 64);
            rows = n < room ? n : room;
            rows = rows < fend - y ? rows : fend - y;
            if (rows <= 0)
                continue;
            shown++;
            for (r = 0; r < rows; r++, y++) {
                size_t end = r + 1 < n ? starts[r + 1] : strlen(val);
                char *seg = xmalloc(end - starts[r] + 1);

                memcpy(seg, val + starts[r], end - starts[r]);
                seg[end - starts[r]] = '\0';
                if (r == 0)
                    draw_text(w, y, 0, d->fields[i].label, lw, A_BOLD);
                /* more than the room: the last row says so */
                draw_text(w, y, lw + 1, r + 1 == rows && n > rows ? "… (e: the whole text)" : seg,
                          width, A_NORMAL);
                free(seg);
            }
        }
        if (shown < nf && fend < hmax) {
            char more[64];

            if (collapsed)
                snprintf(more, sizeof more, "… %d field%s (g: back to them)", nf,
                         nf == 1 ? "" : "s");
            else
                snprintf(more, sizeof more, "… %d more field%s", nf - shown,
                         nf - shown == 1 ? "" : "s");
            draw_text(w, fend, 0, more, wd, ui_attr(app, PAIR_DIM, A_DIM));
            y = fend + 1;
        }
    }
    if (h > 14 && y < hmax)
        y++;
    listh = h - y - hint;
    rv->height = listh > 1 ? listh : 1;
    if (hint && y < h - 1)
        draw_text(w, h - 1, 0, rv->hint, wd, ui_attr(app, PAIR_DIM, A_DIM));
    if (listh <= 0)
        return;
    if (rv->sel < rv->top)
        rv->top = rv->sel;
    if (rv->sel >= rv->top + listh)
        rv->top = rv->sel - listh + 1;
    /* an expanded entry takes the rows its text needs: the selected line stays on screen */
    while (rv->top < rv->sel && line_rows(rv, lines, rv->top, rv->sel + 1, wd) > listh)
        rv->top++;
    /* the screen grew while the last lines were shown (G, then a smaller terminal): the
     * lines above them come back rather than blank rows under them; the fields stay folded
     * as they were drawn this time */
    while (grew && rv->top > (collapsed && !deep) &&
           line_rows(rv, lines, rv->top - 1, ln, wd) <= listh)
        rv->top--;
    for (i = 0, k = 0; k < listh && rv->top + i < ln; i++) {
        struct detail_line *l = &lines[rv->top + i];
        attr_t a = rv->top + i == rv->sel ? A_REVERSE : A_NORMAL;
        /* when and who survive narrow screens: in full from 70 columns, as the day ("12-03")
         * and the login from 36 (a --two pane, a phone's terminal) */
        int ww = wd >= 70 ? 16 : wd >= 36 ? 5 : 0, whow = wd >= 70 ? 22 : wd >= 36 ? 8 : 0;
        int tx = 3 + ww + whow;
        int yy = y + k++;
        char when[8], who[24];

        if (l->entity[0] == '\0') { /* a section heading */
            draw_text(w, yy, 0, l->what, wd, ui_attr(app, PAIR_HEADER, A_BOLD) | a);
            continue;
        }
        draw_text(w, yy, 0, "", wd, a);
        if (l->when[0] == '\0' && l->who[0] == '\0') { /* a related record, not an event */
            draw_text(w, yy, 2, l->what, wd - 2, a);
            continue;
        }
        if (ww == 5) {
            const char *day = strlen(l->when) >= 10 && l->when[4] == '-' ? l->when + 5 : l->when;
            size_t j;

            snprintf(when, sizeof when, "%.5s", day);
            str_copy(who, l->who, sizeof who);
            for (j = 0; who[j] != '\0' && who[j] != ' '; j++)
                ;
            who[j] = '\0'; /* the login, without "(sales)" */
            draw_text(w, yy, 1, when, ww, a | (a ? 0 : ui_attr(app, PAIR_DIM, 0)));
            draw_text(w, yy, 2 + ww, who, whow, a);
        } else if (ww > 0) {
            draw_text(w, yy, 1, l->when, ww, a | (a ? 0 : ui_attr(app, PAIR_DIM, 0)));
            draw_text(w, yy, 2 + ww, l->who, whow, a);
        }
        if (is_expanded(rv, l)) {
            /* the whole text, wrapped under its first row */
            size_t starts[200];
            int n = text_wrap(l->what, wd - tx, starts, 200), r;

            for (r = 0; r < n && k - 1 < listh; r++) {
                size_t end = r + 1 < n ? starts[r + 1] : strlen(l->what);
                char *seg = xmalloc(end - starts[r] + 1);

                memcpy(seg, l->what + starts[r], end - starts[r]);
                seg[end - starts[r]] = '\0';
                if (r > 0)
                    draw_text(w, yy = y + k++, 0, "", wd, a);
                draw_text(w, yy, tx, seg, wd - tx, a);
                free(seg);
            }
            continue;
        }
        draw_text(w, yy, tx, l->what, wd - tx, a);
    }
}

static void
on_chat(struct app *app, void *ctx, const char *text, int done, int ok)
{
    struct recordview *rv = ctx;
    struct ccrm_err err;

    if (!done || !ok || text[0] == '\0')
        return;
    if (rv->chat_lost != NULL && strcmp(rv->chat_lost, text) == 0) {
        /* the same text again after its answer was lost: sent then, it is not sent twice */
        int rc = db_write_landed(app->db, rv->chat_xid, &err);

        if (rc == -1) {
            ui_input_begin(app, "chat (not sent, Enter to retry): ", text, on_chat, rv);
            ui_message_error(app, "could not tell whether the message was sent: %s", err.msg);
            return;
        }
        free(rv->chat_lost);
        rv->chat_lost = NULL;
        if (rc == 1) {
            ui_message(app, "the message was sent as the connection dropped: not sent again");
            load(rv, app);
            return;
        }
    }
    if (db_chat_send(app->db, rv->e->table, rv->id, text, rv->chat_shared ? "shared" : NULL,
                     &err) == -1) {
        /* keep what was typed: the line opens again with it, to send once back online */
        free(rv->chat_lost);
        rv->chat_lost = NULL;
        db_write_unanswered(app->db, rv->chat_xid, sizeof rv->chat_xid);
        if (rv->chat_xid[0] != '\0')
            rv->chat_lost = xstrdup(text);
        ui_input_begin(app,
                       rv->chat_lost != NULL ? "chat (maybe sent, Enter asks before it retries): "
                                             : "chat (not sent, Enter to retry): ",
                       text, on_chat, rv);
        ui_message_error(app, "could not send the message: %s", err.msg);
        return;
    }
    load(rv, app); /* our own message: a wake-up follows, but show it now */
}

/* Enter: the record the line names gets its own view; a call, e-mail, ... opens in its form. */
static void
open_line(struct recordview *rv, struct app *app)
{
    const struct detail_line *l;
    struct view *nv = NULL;

    if (rv->hist != NULL || rv->disp == NULL || rv->sel >= rv->disp->nlines)
        return;
    l = &rv->disp->lines[rv->sel];
    if (strcmp(l->entity, "page") == 0) {
        /* the next or previous page of the members: the cursor on its first line */
        rv->page += (int)l->entity_id;
        load(rv, app);
        if (rv->d != NULL && rv->disp != NULL && rv->d->page_at < rv->d->nlines) {
            /* the index in the lines shown: the mails are laid out after their heading */
            rv->sel = rv->d->page_at + (rv->d->has_mails && rv->d->page_at > rv->d->mails_at
                                            ? rv->disp->nlines - rv->d->nlines
                                            : 0);
            if (rv->sel >= rv->disp->nlines)
                rv->sel = rv->disp->nlines > 0 ? rv->disp->nlines - 1 : 0;
            /* the heading on top: it says which page this is */
            rv->top = rv->sel - (rv->page > 0 ? 2 : 1);
            if (rv->top < 0)
                rv->top = 0;
        }
        return;
    }
    if (strcmp(l->entity, "comments") == 0 || strcmp(l->entity, "chat") == 0) {
        /* a long entry: Enter shows it in full, and folds it again */
        if (is_expanded(rv, l)) {
            rv->expanded_id = 0;
        } else {
            rv->expanded_id = l->entity_id;
            str_copy(rv->expanded_entity, l->entity, sizeof rv->expanded_entity);
        }
        return;
    }
    if (strcmp(l->entity, "messages") == 0)
        toggle_quotes(rv, app);
    else if (db_detail_entity(l->entity))
        nv = view_record_new(app, l->entity, l->entity_id);
    else if (strcmp(l->entity, "interactions") == 0 || strcmp(l->entity, "quote_lines") == 0 ||
             strcmp(l->entity, "invoice_lines") == 0 || strcmp(l->entity, "product_prices") == 0)
        nv = view_form_new(app, l->entity, l->entity_id, NULL); /* a call; a document's line */
    else if (l->entity[0] != '\0')
        ui_message(app, "nothing to open: c writes a comment, W a shared one, t a chat message");
    if (nv != NULL)
        ui_push(app, nv);
}

/* l: a new call (the form lets the kind be changed) on this record and its customer, and
 * whatever else of it the call's form names (a ticket's contact: view_form_new_about). */
static void
log_interaction(struct recordview *rv, struct app *app)
{
    char fk[48], acc[48];
    const char *prefill[4] = {"kind=call", fk, NULL, NULL};
    struct view *nv;

    if (!(rv->e->actions & ENT_LOG)) {
        ui_message_error(app, "calls and e-mails are logged on a person, a lead or a deal, "
                              "not on a campaign");
        return;
    }
    snprintf(fk, sizeof fk, "%s=%lld", rv->e->timeline_fk, (long long)rv->id);
    if (rv->d != NULL && rv->d->account_id != 0 && strcmp(rv->e->timeline_fk, "account_id") != 0) {
        snprintf(acc, sizeof acc, "account_id=%lld", (long long)rv->d->account_id);
        prefill[2] = acc;
    }
    if ((nv = view_form_new_about(app, "interactions", prefill, rv->e->table, rv->id)) != NULL)
        ui_push(app, nv);
}

static void
toggle_history(struct recordview *rv, struct app *app)
{
    struct ccrm_err err;

    if (rv->hist != NULL) {
        detail_free(&rv->hist);
    } else if ((rv->hist = db_record_history(app->db, rv->e->table, rv->id, &err)) == NULL) {
        ui_message_error(app, "%s",
                         strcmp(err.sqlstate, "42501") == 0
                             ? "the history is not available to your role"
                             : err.msg);
        return;
    }
    rv->sel = 0;
    rv->top = 0;
}

/* D: save the attachment on the cursor, or the only one of the mail on the cursor. */
static void
save_attachment(struct recordview *rv, struct app *app)
{
    const struct detail_line *l = rv->hist == NULL && rv->disp != NULL && rv->sel < rv->disp->nlines
                                      ? &rv->disp->lines[rv->sel]
                                      : NULL;
    long long id = 0;
    int i, n = 0;

    if (l == NULL || strcmp(l->entity, "messages") != 0) {
        ui_message_error(app, "move onto a mail's attachment (Attachment N: ...) first, or "
                              ":save-attachment N");
        return;
    }
    if (sscanf(l->what, MAIL_INDENT "Attachment %lld:", &id) != 1) {
        /* elsewhere on the mail: its only attachment */
        for (i = 0; i < rv->disp->nlines; i++)
            if (rv->disp->lines[i].entity_id == l->entity_id &&
                strcmp(rv->disp->lines[i].entity, "messages") == 0 &&
                sscanf(rv->disp->lines[i].what, MAIL_INDENT "Attachment %lld:", &id) == 1)
                n++;
        if (n == 0) {
            ui_message_error(app, "this mail has no attachment");
            return;
        }
        if (n > 1) {
            ui_message_error(app, "this mail has %d attachments: move onto the one to save", n);
            return;
        }
    }
    attach_save(app, (int64_t)id, NULL);
}

/* The record's own actions (the action table, src/ui/commands.c): its chat, its history, a
 * call logged on it. 0 when done, -1 when the view has none such. */
static int
rv_act(struct view *v, struct app *app, const struct action *a, const char *arg)
{
    struct recordview *rv = (struct recordview *)v;

    (void)arg;
    switch (a->key) {
    case L'l':
        log_interaction(rv, app);
        return 0;
    case L't':
    case L'T':
        /* internal users' chat is internal unless shared (T); a partner's is always shared */
        rv->chat_shared = a->key == L'T';
        ui_input_begin(app,
                       rv->chat_shared          ? "shared chat (the partner reads it too): "
                       : db_is_partner(app->db) ? "chat: "
                                                : "internal chat: ",
                       "", on_chat, rv);
        ui_input_complete(app, UI_COMPLETE_MENTIONS);
        return 0;
    case L'H':
        toggle_history(rv, app);
        return 0;
    case L'D':
        save_attachment(rv, app);
        return 0;
    default:
        return -1;
    }
}

static int
rv_selected(struct view *v, const struct entity **e, int64_t *id)
{
    struct recordview *rv = (struct recordview *)v;

    *e = rv->e;
    *id = rv->id;
    return 0;
}

/* ] and [: to the next or previous section heading, shown at the top with its lines. */
static void
jump_section(struct recordview *rv, int dir)
{
    const struct detail_line *lines =
        rv->hist ? rv->hist->lines : (rv->disp ? rv->disp->lines : NULL);
    int i, n = nlines(rv);

    for (i = rv->sel + dir; i >= 0 && i < n; i += dir)
        if (lines[i].entity[0] == '\0') {
            rv->sel = i;
            rv->top = i;
            return;
        }
}

static int
rv_handle_key(struct view *v, struct app *app, wint_t key, int fkey)
{
    struct recordview *rv = (struct recordview *)v;
    int n = nlines(rv);
    int delta = 0;

    if (fkey) {
        if (key == KEY_DOWN)
            delta = 1;
        else if (key == KEY_UP)
            delta = -1;
        else if (key == KEY_NPAGE)
            delta = rv->height;
        else if (key == KEY_PPAGE)
            delta = -rv->height;
        else if (key == KEY_HOME)
            delta = -n;
        else if (key == KEY_END)
            delta = n;
        else if (key == KEY_ENTER) {
            open_line(rv, app);
            return 1;
        } else
            return 0;
    } else if (key == L'j') {
        delta = 1;
    } else if (key == L'k') {
        delta = -1;
    } else if (key == L' ') {
        delta = rv->height;
    } else if (key == L'b') {
        delta = -rv->height;
    } else if (key == L'g') {
        delta = -n;
    } else if (key == L'G') {
        delta = n;
    } else if (key == L'z') {
        toggle_quotes(rv, app);
        return 1;
    } else if (key == L']' || key == L'[') {
        jump_section(rv, key == L']' ? 1 : -1);
        return 1;
    } else if (key == L'\r' || key == L'\n') {
        open_line(rv, app);
        return 1;
    } else {
        return 0;
    }
    rv->sel += delta;
    if (rv->sel >= n)
        rv->sel = n - 1;
    if (rv->sel < 0)
        rv->sel = 0;
    return 1;
}

static void
rv_on_wakeup(struct view *v, struct app *app)
{
    load((struct recordview *)v, app);
}

/* A wake-up without events: someone may have come or gone (presence has no events). One
 * query; the whole record is read again only if the answer changed. */
static int
rv_on_quiet_wakeup(struct view *v, struct app *app)
{
    struct recordview *rv = (struct recordview *)v;
    struct ccrm_err err;
    char *here = NULL;
    int changed;

    if (rv->d == NULL || rv->hist != NULL || db_state(app->db) != DB_READY ||
        rv->e->detail->setting)
        return 0;
    if (db_presence_here(app->db, rv->e->table, rv->id, &here, &err) == -1)
        return 0;
    changed = strcmp(here, rv->d->here != NULL ? rv->d->here : "") != 0;
    free(here);
    if (changed)
        load(rv, app);
    return changed;
}

static void
rv_describe(struct view *v, char *buf, size_t n)
{
    struct recordview *rv = (struct recordview *)v;

    snprintf(buf, n, "%s #%lld%s", rv->e->singular, (long long)rv->id,
             rv->hist != NULL ? ", history" : "");
}

static void
rv_free(struct view *v)
{
    struct recordview *rv = (struct recordview *)v;
    struct ccrm_err err;

    /* the view under this one (if it is a record) writes its own row when it is shown */
    if (presence_owner == rv) {
        if (db_state(rv->app->db) == DB_READY)
            db_presence_clear(rv->app->db, &err);
        presence_owner = NULL;
        timer_del(&rv->app->timers, heartbeat_timer);
        heartbeat_timer = 0;
    }
    detail_free(&rv->d);
    detail_free(&rv->disp);
    detail_free(&rv->hist);
    free(rv->chat_lost);
    free(rv);
}

static const struct view_ops record_ops = {
    .draw = rv_draw,
    .handle_key = rv_handle_key,
    .on_wakeup = rv_on_wakeup,
    .describe = rv_describe,
    .help = record_help, /* each view's own: build_help */
    .free = rv_free,
    .selected = rv_selected,
    .act = rv_act,
    .on_quiet_wakeup = rv_on_quiet_wakeup,
};

int
view_record_line(struct view *v, char *entity, size_t en, int64_t *id, char *what, size_t wn)
{
    struct recordview *rv = (struct recordview *)v;
    const struct detail_line *l;

    if (v == NULL || v->ops->draw != rv_draw || rv->hist != NULL || rv->d == NULL ||
        rv->sel >= rv->d->nlines)
        return -1;
    l = &rv->d->lines[rv->sel];
    if (l->entity[0] == '\0')
        return -1;
    str_copy(entity, l->entity, en);
    *id = l->entity_id;
    str_copy(what, l->what, wn);
    return 0;
}

struct view *
view_record_new(struct app *app, const char *entity, int64_t id)
{
    const struct entity *k = entity_find(entity);
    struct recordview *rv;

    if (k == NULL || k->detail == NULL) {
        ui_message_error(app, "there is no detail view of %s", entity ? entity : "nothing");
        return NULL;
    }
    rv = xcalloc(1, sizeof *rv);
    rv->ops = record_ops;
    rv->ops.help = rv->help;
    rv->v.ops = &rv->ops;
    rv->e = k;
    build_help(rv);
    commands_hint(k, "", rv->hint, sizeof rv->hint);
    rv->id = id;
    rv->app = app;
    snprintf(rv->v.title, sizeof rv->v.title, "%c%s", k->singular[0] - 'a' + 'A', k->singular + 1);
    load(rv, app);
    return &rv->v;
}
