/* Reading the event stream with a snapshot cursor (see include/ccrm/events.h and
 * docs/architecture.md, "The event cursor").
 *
 * Why snapshots: sequence ids are handed out at INSERT, not at COMMIT, so "id > last" skips an
 * event whose transaction took a lower id and committed later. Each event row carries the xid8
 * of its transaction. A snapshot S tells exactly which transactions' effects were visible when
 * it was taken; every transaction with xid < xmin(S) had ended by then. vis(e, S) below is
 * pg_visible_in_snapshot(e.xid, S).
 *
 * The position. The set D of delivered events is, exactly:
 *
 *   B = { e : vis(e, base) or (base2 and vis(e, base2) and (e.xid, e.id) <= kb) }
 *       restricted to e.id <= cap when capped                         (the base)
 *   D = B  u  { e : vis(e, step), e not in B, (e.xid, e.id) <= kc }    (the read in progress)
 *
 * Normally there is no base2 and no cap: B is "visible in base". A read takes a new snapshot
 * (step) and delivers step \ B in (xid, id) order, in batches of EVENT_BATCH rows, each batch
 * one short statement; kc moves with every event handed to the caller, so a dropped
 * connection or a stopped caller never repeats or skips one. A batch with fewer rows than
 * asked ends the read: then D = vis(step) (B is inside it: a later snapshot of the same
 * history sees everything an earlier one saw) and step becomes the base.
 *
 * A history change (failover to a standby, a restore): see history_check(). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ccrm/entity.h"
#include "ccrm/events.h"
#include "ccrm/util.h"
#include "db_int.h"

#define EVENT_BATCH 500

/* Column list shared by every read. The first row (k = 0) carries only the snapshot (col 0);
 * event rows: 1 id ... 12 json, 13 xid, 14 at in microseconds, 15 k; the full-screen client's
 * read with a window adds 16, the window count, on the snapshot row. The JSON form is not
 * built for the full-screen client. */
#define EVENT_COLS_BASE                                                                            \
    "e.id, to_char(e.at, 'YYYY-MM-DD HH24:MI:SS'), e.actor, coalesce(e.department, ''),"           \
    " e.entity, coalesce(e.entity_id, 0), e.op, coalesce(e.account_id, 0), e.summary,"             \
    " coalesce(array_to_string(e.changed, ', '), ''), e.row_count,"
#define EVENT_TAIL ", e.xid, (extract(epoch FROM e.at) * 1000000)::bigint"
#define EVENT_COLS                                                                                 \
    EVENT_COLS_BASE                                                                                \
    " json_build_object('id', e.id, 'at', e.at, 'actor', e.actor, 'department',"                   \
    " e.department, 'entity', e.entity, 'entity_id', e.entity_id, 'op', e.op, 'account_id',"       \
    " e.account_id, 'summary', e.summary, 'changed', e.changed, 'row_count', "                     \
    "e.row_count)::text" EVENT_TAIL
#define EVENT_COLS_UI EVENT_COLS_BASE " NULL::text" EVENT_TAIL
#define EVENT_NULLS                                                                                \
    "NULL::bigint, NULL, NULL, NULL, NULL, NULL::bigint, NULL, NULL::bigint, NULL, NULL,"          \
    " NULL::int, NULL, NULL::xid8, NULL::bigint"
#define COL_XID 13
#define COL_AT_US 14
#define WINDOW_COL 16
/* (xid, id) order: columns 14 and 2 counted from 1 */
#define EVENT_ORDER " ORDER BY k, 14, 2"

/* The events past the snapshot in parameter P. The bounds are sub-selects and the upper one
 * (every transaction visible now is below the current snapshot's xmax) excludes no visible
 * row: both are unknown to the planner, with or without the parameter's value, so the range's
 * estimate is the same small fraction of the table for every plan. PostgreSQL then keeps one
 * generic plan (an index range scan on events_xid_idx) for the prepared statement, instead of
 * planning it on every wake-up, however large the table grows: with 1,000,000 events the bare
 * bound was planned on every execution (0.2 ms, measured). */
#define EVENTS_SINCE(P)                                                                            \
    "e.xid >= (SELECT pg_snapshot_xmin(" P "::pg_snapshot))"                                       \
    " AND e.xid < (SELECT pg_snapshot_xmax(pg_current_snapshot()))"                                \
    " AND NOT pg_visible_in_snapshot(e.xid, " P "::pg_snapshot)"
/* The same as a CTE "ev", with the snapshot in $2 */
#define EVENTS_CTE "WITH ev AS (SELECT * FROM events e WHERE " EVENTS_SINCE("$2") ")"

/* One batch of a read: $1 base, $2 the read's snapshot (NULL: take one now), $3/$4 kc, $5 the
 * batch size. The snapshot row comes first, then the events of step \ base after kc. */
static const char SQL_STEP[] =
    "WITH s AS (SELECT coalesce($2::pg_snapshot, pg_current_snapshot()) AS snap)"
    " SELECT s.snap::text, " EVENT_NULLS ", 0 AS k FROM s"
    " UNION ALL"
    " (SELECT NULL, " EVENT_COLS ", 1 FROM events e"
    "   WHERE e.xid >= (SELECT greatest(pg_snapshot_xmin($1::pg_snapshot), $3::xid8))"
    "     AND e.xid < (SELECT pg_snapshot_xmax(s.snap) FROM s)"
    "     AND pg_visible_in_snapshot(e.xid, (SELECT s.snap FROM s))"
    "     AND NOT pg_visible_in_snapshot(e.xid, $1::pg_snapshot)"
    "     AND (e.xid, e.id) > ($3::xid8, $4::bigint)"
    "   ORDER BY e.xid, e.id LIMIT $5)" EVENT_ORDER;

/* One batch of the read after a history change: the base is capped ($5) and may have a second
 * snapshot ($2, up to $3/$4); $6 the read's snapshot, $7/$8 kc, $9 the batch size. Events above
 * the cap can have any xid (the new server reuses them), hence the OR. */
static const char SQL_STEP_CAPPED[] =
    "WITH s AS (SELECT coalesce($6::pg_snapshot, pg_current_snapshot()) AS snap)"
    " SELECT s.snap::text, " EVENT_NULLS ", 0 AS k FROM s"
    " UNION ALL"
    " (SELECT NULL, " EVENT_COLS ", 1 FROM events e"
    "   WHERE (e.id > $5::bigint OR e.xid >= pg_snapshot_xmin($1::pg_snapshot))"
    "     AND pg_visible_in_snapshot(e.xid, (SELECT s.snap FROM s))"
    "     AND NOT (e.id <= $5::bigint AND (pg_visible_in_snapshot(e.xid, $1::pg_snapshot)"
    "          OR coalesce(pg_visible_in_snapshot(e.xid, $2::pg_snapshot)"
    "                      AND (e.xid, e.id) <= ($3::xid8, $4::bigint), false)))"
    "     AND (e.xid, e.id) > ($7::xid8, $8::bigint)"
    "   ORDER BY e.xid, e.id LIMIT $9)" EVENT_ORDER;

/* The server's incarnation, in microseconds since 1970: the later of its start time and the time
 * its statistics were last reset, which PostgreSQL does after every crash recovery, also the
 * one the postmaster runs without restarting when a backend crashed (see history_check) */
#define INCARNATION                                                                                \
    "(extract(epoch FROM greatest(pg_postmaster_start_time(),"                                     \
    " (SELECT stats_reset FROM pg_stat_bgwriter))) * 1000000)::bigint"

/* Which database of the cluster: its OID, which a standby, a restart and a physical restore keep
 * and another database (or one dropped and made again, or restored from a dump) does not.
 * Transaction ids are the cluster's, events each database's own: a snapshot of one database
 * passed to another counts that one's events as delivered. */
#define DATABASE_OID                                                                               \
    "(SELECT d.oid FROM pg_database d WHERE d.datname = current_database())::bigint"

/* Which server history is this, and which of the delivered events ($1 ids, $2 xids, $3 times)
 * does it have? The timeline is the one WAL is written on now (pg_walfile_name), which a
 * promoted standby changes at once; pg_control_checkpoint() would lag until a checkpoint. The
 * incarnation tells a restart or a crash (see history_check). */
static const char SQL_IDENTITY[] =
    "SELECT (SELECT system_identifier FROM pg_control_system())::text,"
    " ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int,"
    " pg_snapshot_xmax(pg_current_snapshot())::text,"
    /* (through row-level security a partner's unshared events would look gone: 098) */
    " ccrm_events_survived($1::bigint[], $2::xid8[], $3::bigint[])::text,"
    " " INCARNATION ", " DATABASE_OID;

/* The newest event visible now, as a fingerprint */
#define NEWEST_FP                                                                                  \
    "(SELECT e.id, e.xid, (extract(epoch FROM e.at) * 1000000)::bigint AS at_us"                   \
    "   FROM events e ORDER BY e.id DESC LIMIT 1)"

/* A new cursor: the snapshot, the server, the newest event visible in it, the lowest id of the
 * $1 newest (for db_events_recent) and the server's incarnation */
#define START_SQL(RECENT)                                                                          \
    "SELECT pg_current_snapshot()::text,"                                                          \
    " (SELECT system_identifier FROM pg_control_system())::text,"                                  \
    " ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int,"                 \
    " m.id, m.xid, m.at_us, " RECENT ", " INCARNATION ", " DATABASE_OID                            \
    " FROM (SELECT 1) one LEFT JOIN " NEWEST_FP " m ON true"
static const char SQL_START[] =
    START_SQL("(SELECT min(r.id) FROM (SELECT id FROM events ORDER BY id DESC LIMIT $1) r)");
/* The same without history (the client's start-up: a new server process plans less) */
static const char SQL_START_NOW[] = START_SQL("NULL::bigint");

/* db_events_recent: the events visible in $1 from id $2 on, after $3, by id */
static const char SQL_RECENT[] = "SELECT NULL, " EVENT_COLS ", 1 FROM events e"
                                 " WHERE e.id >= $2::bigint AND e.id > $3::bigint"
                                 "   AND pg_visible_in_snapshot(e.xid, $1::pg_snapshot)"
                                 " ORDER BY e.id LIMIT $4";

static int64_t
mono_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec;
}

/* A growing string */
struct tbuf {
    char *p;
    size_t len, cap;
};

static void
tb_add(struct tbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

/* A sorted set of event ids, from an array's text "{1,5,9}" (NULL: empty) */
struct idset {
    int64_t *v;
    int n;
};

static void
idset_parse(struct idset *s, const char *text)
{
    const char *p = text;

    s->v = NULL;
    s->n = 0;
    if (p == NULL)
        return;
    s->v = xmalloc((strlen(p) / 2 + 1) * sizeof *s->v);
    while (*p != '\0') {
        char *end;
        int64_t v;

        if (*p == '{' || *p == ',' || *p == '}') {
            p++;
            continue;
        }
        v = strtoll(p, &end, 10);
        if (end == p)
            break;
        s->v[s->n++] = v;
        p = end;
    }
}

static int
idset_has(const struct idset *s, int64_t id)
{
    int lo = 0, hi = s->n - 1;

    while (id != 0 && lo <= hi) {
        int mid = (lo + hi) / 2;

        if (s->v[mid] == id)
            return 1;
        if (s->v[mid] < id)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return 0;
}

static void
set_str(char **dst, const char *src)
{
    free(*dst);
    *dst = src != NULL ? xstrdup(src) : NULL;
}

static uint64_t
snap_xmax(const char *snap)
{
    const char *p = snap != NULL ? strchr(snap, ':') : NULL;

    return p != NULL ? strtoull(p + 1, NULL, 10) : 0;
}

static void
note_xmax(struct event_cursor *c, const char *snap)
{
    uint64_t x = snap_xmax(snap);

    if (x > c->hist_xmax)
        c->hist_xmax = x;
}

static void
set_notice(struct event_cursor *c, char *msg)
{
    free(c->notice);
    c->notice = msg;
}

void
event_cursor_fini(struct event_cursor *c)
{
    free(c->base);
    free(c->base2);
    free(c->step);
    free(c->notice);
    c->base = c->base2 = c->step = c->notice = NULL;
}

int
event_cursor_started(const struct event_cursor *c)
{
    return c->base != NULL;
}

int
event_cursor_pending(const struct event_cursor *c)
{
    return c->step != NULL;
}

char *
event_cursor_notice(struct event_cursor *c)
{
    char *n = c->notice;

    c->notice = NULL;
    return n;
}

/* ---- what was delivered: newest, anchor, window, deep anchors ---- */

static void
win_drop_oldest(struct event_cursor *c)
{
    int i = (c->win_next - c->nwin + EVENT_WINDOW) % EVENT_WINDOW;

    /* the anchor rises to what leaves the window: every delivered event above it stays known */
    if (c->win[i].id > c->anchor.id)
        c->anchor = c->win[i];
    c->nwin--;
}

/* Remember an event delivered by a read: per transaction, its newest event (they come in id
 * order within a transaction). */
static void
win_add(struct event_cursor *c, const struct event_fp *fp)
{
    int last = (c->win_next - 1 + EVENT_WINDOW) % EVENT_WINDOW;

    if (c->nwin > 0 && c->win[last].xid == fp->xid) {
        if (fp->id > c->win[last].id)
            c->win[last] = *fp;
        return;
    }
    if (c->nwin == EVENT_WINDOW)
        win_drop_oldest(c);
    c->win[c->win_next] = *fp;
    c->win_next = (c->win_next + 1) % EVENT_WINDOW;
    c->nwin++;
}

/* At the end of a read: the deep anchors follow the newest event at a distance of about 1-2
 * minutes and 1-2 hours, so that a position written as text can still find a delivered event
 * that survived a failover after a standby that lagged that long. */
static void
deep_tick(struct event_cursor *c)
{
    static const int64_t period[2] = {60, 3600};
    int64_t now = mono_s();
    int i;

    for (i = 0; i < 2; i++) {
        if (c->cand_t[i] == 0 || c->cand[i].id == 0) {
            c->cand[i] = c->newest;
            c->cand_t[i] = now;
            if (c->deep[i].id == 0)
                c->deep[i] = c->newest;
        } else if (now - c->cand_t[i] >= period[i]) {
            c->deep[i] = c->cand[i];
            c->cand[i] = c->newest;
            c->cand_t[i] = now;
        }
    }
}

/* ---- reading ---- */

static void
fill_event(const PGresult *res, int row, struct event *ev)
{
    ev->id = strtoll(PQgetvalue(res, row, 1), NULL, 10);
    ev->at = db_val(res, row, 2);
    ev->actor = db_val(res, row, 3);
    ev->department = db_val(res, row, 4);
    ev->entity = db_val(res, row, 5);
    ev->entity_id = strtoll(db_val(res, row, 6), NULL, 10);
    ev->op = db_val(res, row, 7);
    ev->account_id = strtoll(db_val(res, row, 8), NULL, 10);
    ev->summary = db_val(res, row, 9);
    ev->changed = db_val(res, row, 10);
    ev->row_count = atoi(db_val(res, row, 11));
    ev->json = db_val(res, row, 12);
    ev->xid = strtoull(db_val(res, row, COL_XID), NULL, 10);
    ev->at_us = strtoll(db_val(res, row, COL_AT_US), NULL, 10);
}

/* Hand one event of the read in progress to cb. The cursor counts it first (cb may print the
 * position after it); when cb refuses it, the position goes back. Returns 0, or -1 to stop. */
static int
deliver(struct event_cursor *c, const PGresult *res, int row, event_cb cb, void *ctx)
{
    struct event ev;
    uint64_t kcx = c->kcx;
    int64_t kci = c->kci;
    struct event_fp newest = c->newest, fp;

    fill_event(res, row, &ev);
    c->kcx = ev.xid;
    c->kci = ev.id;
    fp.id = ev.id;
    fp.xid = ev.xid;
    fp.at_us = ev.at_us;
    if (ev.id > c->newest.id)
        c->newest = fp;
    if (cb(&ev, ctx) == -1) {
        c->kcx = kcx;
        c->kci = kci;
        c->newest = newest;
        return -1;
    }
    win_add(c, &fp);
    return 0;
}

/* The read in progress is complete: everything visible in its snapshot is delivered. */
static void
step_done(struct event_cursor *c)
{
    free(c->base);
    c->base = c->step;
    c->step = NULL;
    free(c->base2);
    c->base2 = NULL;
    c->capped = 0;
    c->cap = 0;
    c->kbx = c->kcx = 0;
    c->kbi = c->kci = 0;
    deep_tick(c);
}

static void
lost_connection(struct db *db, struct ccrm_err *err, int failed)
{
    if (PQstatus(db->conn) == CONNECTION_BAD) {
        db->state = DB_OFFLINE;
        db->lost = 1;
        if (!failed)
            err_set(err, "lost the connection to the database");
    }
}

/* ---- the server's history ---- */

/* Build the fingerprint arrays of every delivered event the cursor knows ("{1,2}" text). */
static void
fp_arrays(const struct event_cursor *c, char **ids, char **xids, char **ats)
{
    struct tbuf a = {0}, b = {0}, t = {0};
    const struct event_fp *list[8 + EVENT_WINDOW];
    int n = 0, i;
    char num[32];

    list[n++] = &c->newest;
    list[n++] = &c->anchor;
    list[n++] = &c->deep[0];
    list[n++] = &c->deep[1];
    list[n++] = &c->cand[0];
    list[n++] = &c->cand[1];
    for (i = 0; i < c->nwin; i++)
        list[n++] = &c->win[(c->win_next - c->nwin + i + EVENT_WINDOW) % EVENT_WINDOW];
    tb_add(&a, "{", 1);
    tb_add(&b, "{", 1);
    tb_add(&t, "{", 1);
    for (i = 0; i < n; i++) {
        if (list[i]->id == 0)
            continue;
        if (a.len > 1) {
            tb_add(&a, ",", 1);
            tb_add(&b, ",", 1);
            tb_add(&t, ",", 1);
        }
        tb_add(&a, num, (size_t)snprintf(num, sizeof num, "%" PRId64, list[i]->id));
        tb_add(&b, num, (size_t)snprintf(num, sizeof num, "%" PRIu64, list[i]->xid));
        tb_add(&t, num, (size_t)snprintf(num, sizeof num, "%" PRId64, list[i]->at_us));
    }
    tb_add(&a, "}", 2);
    tb_add(&b, "}", 2);
    tb_add(&t, "}", 2);
    *ids = a.p;
    *xids = b.p;
    *ats = t.p;
}

/* The survived fingerprint with the highest id, or NULL */
static const struct event_fp *
best_survivor(const struct event_cursor *c, const struct idset *set)
{
    const struct event_fp *best = NULL;
    const struct event_fp *one[6] = {&c->newest,  &c->anchor,  &c->deep[0],
                                     &c->deep[1], &c->cand[0], &c->cand[1]};
    int i;

    for (i = 0; i < 6; i++)
        if (idset_has(set, one[i]->id) && (best == NULL || one[i]->id > best->id))
            best = one[i];
    for (i = 0; i < c->nwin; i++) {
        const struct event_fp *w =
            &c->win[(c->win_next - c->nwin + i + EVENT_WINDOW) % EVENT_WINDOW];

        if (idset_has(set, w->id) && (best == NULL || w->id > best->id))
            best = w;
    }
    return best;
}

static void
keep_if_survived(struct event_fp *fp, const struct idset *set, const struct event_fp *repl)
{
    if (fp->id != 0 && !idset_has(set, fp->id))
        *fp = repl != NULL ? *repl : (struct event_fp){0, 0, 0};
}

/* The server's history differs from the cursor's. The new server has the transactions of the
 * old history up to some point (the fork) and then its own, which reuse transaction ids the old
 * one had handed out (and may reuse event ids too): the old snapshots cannot tell its new
 * events from delivered ones. What the cursor knows: fingerprints (id, xid, time) of delivered
 * events. Let Z be the highest id of a delivered event this server has. Its insert replayed, so
 * did the sequence's WAL record that covered it: the new server's own events all have ids
 * above Z. So every event with id <= Z on this server is one of the old history, where the old
 * position decides exactly; every event above Z is new or was never delivered, except delivered
 * ones that survived with an id above Z, and there are none when every delivered event above
 * Z is known (in the window: the anchor is below Z). The position becomes: the old set capped
 * at Z, and the next read delivers everything else. */
static void
history_changed(struct db *db, struct event_cursor *c, const char *what,
                const struct idset *survived, const char *xmax_now)
{
    const struct event_fp *z = best_survivor(c, survived);
    struct event_fp zfp = z != NULL ? *z : (struct event_fp){0, 0, 0};
    int exact = z != NULL ? zfp.id >= c->anchor.id : c->anchor.id == 0 && c->newest.id == 0;
    int64_t cap = z != NULL ? zfp.id : c->newest.id;
    int approx = 0, i, j;
    char *msg;

    if (c->capped || c->base2 != NULL) {
        /* a second change before the first was crossed: keep the old base, capped lower; what
         * the unfinished read had delivered may come again */
        approx = c->step != NULL && (c->kcx != 0 || c->kci != 0);
        if (cap > c->cap)
            cap = c->cap;
        free(c->step);
        c->step = NULL;
    } else {
        /* the base: the old base and the delivered part of the read in progress */
        c->base2 = c->step;
        c->kbx = c->kcx;
        c->kbi = c->kci;
        c->step = NULL;
    }
    c->kcx = 0;
    c->kci = 0;
    c->capped = 1;
    c->cap = cap;
    /* forget what this server does not have */
    for (i = j = 0; i < c->nwin; i++) {
        struct event_fp w = c->win[(c->win_next - c->nwin + i + EVENT_WINDOW) % EVENT_WINDOW];

        if (idset_has(survived, w.id))
            c->win[j++] = w;
    }
    c->nwin = j;
    c->win_next = j % EVENT_WINDOW;
    keep_if_survived(&c->newest, survived, z);
    keep_if_survived(&c->anchor, survived, z);
    for (i = 0; i < 2; i++) {
        keep_if_survived(&c->deep[i], survived, z);
        keep_if_survived(&c->cand[i], survived, z);
    }
    if (c->anchor.id == 0 || !exact) {
        /* nothing delivered is known to be here: start the window at the newest event here,
         * which the read now starting will have delivered (or found delivered) */
        struct ccrm_err e2;
        PGresult *res = db_exec(db, "SELECT id, xid, at_us FROM " NEWEST_FP " m", 0, NULL, &e2);

        if (res != NULL && PQntuples(res) == 1) {
            c->anchor.id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
            c->anchor.xid = strtoull(PQgetvalue(res, 0, 1), NULL, 10);
            c->anchor.at_us = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
        }
        PQclear(res);
    }
    c->hist_xmax = strtoull(xmax_now, NULL, 10);
    if (exact && !approx)
        msg = xasprintf("%s: continuing after event %" PRId64
                        ", the last delivered one it has; nothing is missed or repeated",
                        what, cap);
    else if (z != NULL)
        msg = xasprintf("%s: continuing after event %" PRId64
                        ", the last delivered one it is known to have; events above it that "
                        "were delivered before may be delivered again",
                        what, cap);
    else
        msg = xasprintf("%s and none of the events delivered recently is on it: continuing after "
                        "event %" PRId64 "; events it wrote anew with ids up to that may be missed",
                        what, cap);
    set_notice(c, msg);
}

/* On the first read over a new connection: is this the server history the cursor was made on?
 * Returns 0 (the cursor fits, or now crosses a change), 1 when the server is another cluster
 * (err set), -1 on errors.
 *
 * A restart of the server or a crash (another incarnation, INCARNATION) is crossed like a
 * change of history. After a crash the server can give transaction ids again that snapshots
 * taken before it counted as ended: a transaction that got an xid but wrote no WAL of its own
 * (a lone pg_notify(), a SELECT pg_current_xact_id()) commits asynchronously, and a crash
 * before the WAL writer flushes its commit record leaves crash recovery without a trace of
 * that xid. The first transaction after it gets the same xid, and its events would count as
 * delivered (vis in the base). The xmax check below sees this only until the server has handed
 * out as many ids again, a fraction of a second on a busy server; the incarnation always
 * differs. The crossing is exact for a clean restart (or a reset of the statistics) too: the
 * newest event delivered is there. */
static int
history_check(struct db *db, struct event_cursor *c, struct ccrm_err *err)
{
    const char *params[3];
    char *ids, *xids, *ats, what[200];
    struct idset survived;
    PGresult *res;
    int tli, rc = 0;
    uint64_t xmax_now;
    int64_t incarnation, dboid;

    if (c->checked_gen == db->generation)
        return 0;
    fp_arrays(c, &ids, &xids, &ats);
    params[0] = ids;
    params[1] = xids;
    params[2] = ats;
    res = db_exec(db, SQL_IDENTITY, 3, params, err);
    free(ids);
    free(xids);
    free(ats);
    if (res == NULL)
        return -1;
    idset_parse(&survived, PQgetisnull(res, 0, 3) ? NULL : PQgetvalue(res, 0, 3));
    tli = atoi(PQgetvalue(res, 0, 1));
    xmax_now = strtoull(PQgetvalue(res, 0, 2), NULL, 10);
    incarnation = strtoll(PQgetvalue(res, 0, 4), NULL, 10);
    dboid = strtoll(PQgetvalue(res, 0, 5), NULL, 10);
    what[0] = '\0';
    if (c->sysid[0] != '\0' && strcmp(c->sysid, PQgetvalue(res, 0, 0)) != 0) {
        err_set(err,
                "the stream position belongs to another database cluster (system identifier "
                "%s; this server's is %s)",
                c->sysid, PQgetvalue(res, 0, 0));
        PQclear(res);
        free(survived.v);
        return 1;
    }
    if (c->dboid != 0 && dboid != c->dboid) {
        /* (the same cluster's transaction ids: its snapshots would count this database's
         * events as delivered, and its fingerprints would look like a change of history) */
        err_set(err,
                "the stream position belongs to another database of the cluster (database OID "
                "%" PRId64 "; this one's is %" PRId64 ")",
                c->dboid, dboid);
        PQclear(res);
        free(survived.v);
        return 1;
    }
    if (c->tli != 0 && tli != c->tli)
        snprintf(what, sizeof what,
                 "the server's history changed (timeline %d, now %d: a failover or a restore)",
                 c->tli, tli);
    else if (c->newest.id != 0 && !idset_has(&survived, c->newest.id))
        snprintf(what, sizeof what,
                 "the server's history changed (event %" PRId64 ", delivered before, is not on it)",
                 c->newest.id);
    else if (c->incarnation != 0 && incarnation != c->incarnation)
        snprintf(what, sizeof what,
                 "the server restarted (after a crash it can give transaction ids again)");
    else if (xmax_now < c->hist_xmax)
        snprintf(what, sizeof what,
                 "the server's history changed (its transaction ids went back from %" PRIu64
                 " to %" PRIu64 ": a restore)",
                 c->hist_xmax, xmax_now);
    if (what[0] != '\0')
        history_changed(db, c, what, &survived, PQgetvalue(res, 0, 2));
    str_copy(c->sysid, PQgetvalue(res, 0, 0), sizeof c->sysid);
    c->dboid = dboid;
    c->tli = tli;
    c->incarnation = incarnation;
    c->checked_gen = db->generation;
    PQclear(res);
    free(survived.v);
    return rc;
}

/* Before a read: check the server when the connection is new. A position from another cluster
 * is an error for a strict cursor (--feed), a fresh start at "now" otherwise. */
static int
prepare_read(struct db *db, struct event_cursor *c, struct ccrm_err *err)
{
    int r;

    if (db->state != DB_READY) {
        err_set(err, "not connected to the database");
        return -1;
    }
    if (c->base == NULL) {
        err_set(err, "the event cursor was not started");
        return -1;
    }
    r = history_check(db, c, err);
    if (r == 1 && !c->strict) {
        set_notice(c, xasprintf("%s: starting the stream anew", err->msg));
        memset(c->sysid, 0, sizeof c->sysid);
        c->dboid = 0;
        return db_events_start(db, c, err);
    }
    return r == 0 ? 0 : -1;
}

/* Run one batch. Returns the number delivered, or -1. */
static int
read_batch(struct db *db, struct event_cursor *c, event_cb cb, void *ctx, struct ccrm_err *err)
{
    char kbx[24], kbi[24], cap[24], kcx[24], kci[24], lim[16];
    const char *params[9];
    const char *sql;
    PGresult *res;
    int np, i, n = 0, rows;

    snprintf(kbx, sizeof kbx, "%" PRIu64, c->kbx);
    snprintf(kbi, sizeof kbi, "%" PRId64, c->kbi);
    snprintf(cap, sizeof cap, "%" PRId64, c->cap);
    snprintf(kcx, sizeof kcx, "%" PRIu64, c->kcx);
    snprintf(kci, sizeof kci, "%" PRId64, c->kci);
    snprintf(lim, sizeof lim, "%d", EVENT_BATCH);
    if (!c->capped) {
        sql = SQL_STEP;
        params[0] = c->base;
        params[1] = c->step;
        params[2] = kcx;
        params[3] = kci;
        params[4] = lim;
        np = 5;
    } else {
        sql = SQL_STEP_CAPPED;
        params[0] = c->base;
        params[1] = c->base2;
        params[2] = kbx;
        params[3] = kbi;
        params[4] = cap;
        params[5] = c->step;
        params[6] = kcx;
        params[7] = kci;
        params[8] = lim;
        np = 9;
    }
    /* the whole batch arrives before any event is handed on: a connection lost while it comes
     * delivers none of it, and the next read asks for the same events again */
    if ((res = db_exec_prepared(db, sql, np, params, err)) == NULL)
        return -1;
    rows = PQntuples(res);
    if (rows == 0 || !PQgetisnull(res, 0, 1)) {
        PQclear(res);
        err_set(err, "could not read events: no snapshot returned");
        return -1;
    }
    if (c->step == NULL) {
        c->step = xstrdup(PQgetvalue(res, 0, 0));
        c->kcx = 0;
        c->kci = 0;
        note_xmax(c, c->step);
    }
    for (i = 1; i < rows; i++) {
        if (deliver(c, res, i, cb, ctx) == -1) {
            PQclear(res);
            return n;
        }
        n++;
    }
    PQclear(res);
    if (rows - 1 < EVENT_BATCH)
        step_done(c);
    return n;
}

int
db_events_since(struct db *db, struct event_cursor *c, event_cb cb, void *ctx, struct ccrm_err *err)
{
    if (prepare_read(db, c, err) == -1)
        return -1;
    return read_batch(db, c, cb, ctx, err);
}

/* Start the cursor on what the current snapshot shows; fills *from with the lowest id of the
 * `recent` newest events (0: none). */
static int
start(struct db *db, struct event_cursor *c, int recent, int64_t *from, struct ccrm_err *err)
{
    char nbuf[16];
    const char *params[1] = {nbuf};
    PGresult *res;

    if (db->state != DB_READY) {
        err_set(err, "not connected to the database");
        return -1;
    }
    snprintf(nbuf, sizeof nbuf, "%d", recent);
    if ((res = recent > 0 ? db_exec(db, SQL_START, 1, params, err)
                          : db_exec(db, SQL_START_NOW, 0, NULL, err)) == NULL)
        return -1;
    set_str(&c->base, PQgetvalue(res, 0, 0));
    set_str(&c->base2, NULL);
    set_str(&c->step, NULL);
    c->capped = 0;
    c->cap = 0;
    c->kbx = c->kcx = 0;
    c->kbi = c->kci = 0;
    str_copy(c->sysid, PQgetvalue(res, 0, 1), sizeof c->sysid);
    c->tli = atoi(PQgetvalue(res, 0, 2));
    c->incarnation = strtoll(PQgetvalue(res, 0, 7), NULL, 10);
    c->dboid = strtoll(PQgetvalue(res, 0, 8), NULL, 10);
    c->hist_xmax = 0;
    note_xmax(c, c->base);
    c->checked_gen = db->generation;
    /* every event visible now counts as seen: the newest of them anchors the window */
    memset(&c->newest, 0, sizeof c->newest);
    if (!PQgetisnull(res, 0, 3)) {
        c->newest.id = strtoll(PQgetvalue(res, 0, 3), NULL, 10);
        c->newest.xid = strtoull(PQgetvalue(res, 0, 4), NULL, 10);
        c->newest.at_us = strtoll(PQgetvalue(res, 0, 5), NULL, 10);
    }
    c->anchor = c->newest;
    memset(c->deep, 0, sizeof c->deep);
    memset(c->cand, 0, sizeof c->cand);
    memset(c->cand_t, 0, sizeof c->cand_t);
    c->nwin = c->win_next = 0;
    deep_tick(c);
    *from = PQgetisnull(res, 0, 6) ? 0 : strtoll(PQgetvalue(res, 0, 6), NULL, 10);
    PQclear(res);
    return 0;
}

int
db_events_start(struct db *db, struct event_cursor *c, struct ccrm_err *err)
{
    int64_t from;

    return start(db, c, 0, &from, err);
}

int
db_events_recent(struct db *db, int recent, struct event_cursor *c, event_cb cb, void *ctx,
                 struct ccrm_err *err)
{
    char fbuf[24], lbuf[24], nbuf[16];
    const char *params[4] = {NULL, fbuf, lbuf, nbuf};
    int64_t from, last = 0;
    int n = 0, rows, i;

    if (start(db, c, recent, &from, err) == -1)
        return -1;
    if (recent == 0 || from == 0)
        return 0;
    /* these events are history, visible in the base: batches by id, so that a slow reader
     * holds no statement open */
    params[0] = c->base;
    snprintf(fbuf, sizeof fbuf, "%" PRId64, from);
    snprintf(nbuf, sizeof nbuf, "%d", EVENT_BATCH);
    do {
        PGresult *res;

        snprintf(lbuf, sizeof lbuf, "%" PRId64, last);
        if ((res = db_exec_prepared(db, SQL_RECENT, 4, params, err)) == NULL)
            return -1;
        rows = PQntuples(res);
        for (i = 0; i < rows; i++) {
            struct event ev;

            fill_event(res, i, &ev);
            last = ev.id;
            if (cb(&ev, ctx) == -1) {
                PQclear(res);
                return n;
            }
            n++;
        }
        PQclear(res);
    } while (rows == EVENT_BATCH);
    return n;
}

/* The full-screen client's read in one statement, streamed row by row (single-row mode): the
 * position moves with every event, so a read cut short leaves a read in progress that the
 * batches finish. */
static int
stream_ui(struct db *db, const char *sql, int nparams, const char *const *params,
          struct event_cursor *c, int *in_window, event_cb cb, void *ctx, struct ccrm_err *err)
{
    PGresult *res;
    char name[32];
    int n = 0, failed = 0, stopped = 0, sent, got_snap = 0, stale = 0, tries = 0;

again:
    if (db_prepare(db, sql, nparams, name) != NULL)
        sent = PQsendQueryPrepared(db->conn, name, nparams, params, NULL, NULL, 0);
    else
        sent = PQsendQueryParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0);
    if (!sent || !PQsetSingleRowMode(db->conn)) {
        err_set(err, "could not read events: %s", PQerrorMessage(db->conn));
        failed = 1;
    }
    /* always drain every result, so the connection is ready for the next query */
    while ((res = PQgetResult(db->conn)) != NULL) {
        ExecStatusType st = PQresultStatus(res);

        if (st == PGRES_SINGLE_TUPLE && !failed && !stopped) {
            if (PQgetisnull(res, 0, 1)) {
                set_str(&c->step, PQgetvalue(res, 0, 0));
                c->kcx = 0;
                c->kci = 0;
                note_xmax(c, c->step);
                got_snap = 1;
                if (in_window != NULL && PQnfields(res) > WINDOW_COL)
                    *in_window = atoll(db_val(res, 0, WINDOW_COL)) > 0;
            } else if (deliver(c, res, 0, cb, ctx) == -1) {
                stopped = 1;
            } else {
                n++;
            }
        } else if (st == PGRES_TUPLES_OK && !failed && !stopped && got_snap) {
            step_done(c); /* the whole read arrived */
        } else if (st != PGRES_SINGLE_TUPLE && st != PGRES_TUPLES_OK && !failed) {
            /* (prepared before a migration changed a column it returns: made again below) */
            stale = n == 0 && !got_snap && tries == 0 && db_plan_stale(res);
            if (!stale)
                err_set_pg(err, res, db->conn, "could not read events");
            failed = 1;
        }
        PQclear(res);
    }
    if (stale) {
        db_prepare_again(db, sql, nparams, name); /* (prepared or not, the next try runs it) */
        failed = stale = 0;
        tries++;
        goto again;
    }
    db_drain_notifies(db);
    lost_connection(db, err, failed);
    if (PQstatus(db->conn) == CONNECTION_BAD)
        failed = 1;
    if (!failed && !stopped && !got_snap) {
        err_set(err, "could not read events: no snapshot returned");
        failed = 1;
    }
    return failed ? -1 : n;
}

int
db_events_since_ui(struct db *db, struct event_cursor *c, struct event_window *w, event_cb cb,
                   void *ctx, struct ccrm_err *err)
{
    const char *params[8 + 2 * LIST_MAX_FILTERS];
    char keys[2][24], *pattern, *win, *sql;
    int np = 0, n, total = 0;

    if (w != NULL)
        w->in_window = 1; /* unknown until read: re-read */
    if (prepare_read(db, c, err) == -1)
        return -1;
    if (c->step != NULL || c->capped) {
        /* a read in progress (cut short, or after a history change): finish it in batches; the
         * list re-reads, since the window was not asked */
        do {
            if ((n = read_batch(db, c, cb, ctx, err)) == -1)
                return -1;
            total += n;
        } while (c->step != NULL);
        return total;
    }
    if (w == NULL) {
        params[np++] = c->base;
        return stream_ui(db,
                         "SELECT pg_current_snapshot()::text, " EVENT_NULLS ", 0 AS k"
                         " UNION ALL"
                         " SELECT NULL, " EVENT_COLS_UI ", 1"
                         "   FROM events e WHERE " EVENTS_SINCE("$1") EVENT_ORDER,
                         np, params, c, NULL, cb, ctx, err);
    }
    /* the window check reads the same events (the CTE), in the same snapshot: its answer is
     * about exactly the events delivered */
    pattern = list_window_pattern(w->q);
    params[np++] = pattern; /* $1: the list's search */
    params[np++] = c->base;
    params[np++] = w->entity;
    /* $4: the events that name its rows otherwise (a ticket's SLA clocks), or NULL */
    params[np++] = w->q->e->list != NULL ? w->q->e->list->row_events : NULL;
    win = list_window_sql(db, w->q,
                          "a.id IN (SELECT ev.entity_id FROM ev"
                          " WHERE ev.entity IN ($3, $4) AND ev.op IN ('insert', 'update'))",
                          w->first, w->last, params, &np, keys);
    sql = xasprintf(EVENTS_CTE " SELECT pg_current_snapshot()::text, " EVENT_NULLS ", 0 AS k, (%s)"
                               " UNION ALL"
                               " SELECT NULL, " EVENT_COLS_UI ", 1, NULL FROM ev e" EVENT_ORDER,
                    win);
    n = stream_ui(db, sql, np, params, c, &w->in_window, cb, ctx, err);
    free(sql);
    free(win);
    free(pattern);
    return n;
}

/* ---- the position as text ---- */

static void
fp_text(struct tbuf *b, const struct event_fp *fp)
{
    char t[80];

    if (fp->id == 0)
        tb_add(b, "-", 1);
    else
        tb_add(b, t,
               (size_t)snprintf(t, sizeof t, "%" PRId64 "-%" PRIu64 "-%" PRId64, fp->id, fp->xid,
                                fp->at_us));
}

static void
field(struct tbuf *b, const char *s)
{
    tb_add(b, ".", 1);
    if (s == NULL || *s == '\0')
        tb_add(b, "-", 1);
    else
        tb_add(b, s, strlen(s));
}

/* v1 . sysid[-database OID] . tli[-incarnation] . base . base2 . kb . cap . step . kc . newest ,
 * deep0 , deep1 */
char *
event_cursor_text(const struct event_cursor *c)
{
    struct tbuf b = {0};
    char t[64];

    tb_add(&b, "v1", 2);
    if (c->sysid[0] != '\0' && c->dboid != 0) {
        snprintf(t, sizeof t, "%s-%" PRId64, c->sysid, c->dboid);
        field(&b, t);
    } else {
        field(&b, c->sysid);
    }
    if (c->incarnation != 0)
        snprintf(t, sizeof t, "%d-%" PRId64, c->tli, c->incarnation);
    else
        snprintf(t, sizeof t, "%d", c->tli);
    field(&b, t);
    field(&b, c->base);
    field(&b, c->base2);
    snprintf(t, sizeof t, "%" PRIu64 "-%" PRId64, c->kbx, c->kbi);
    field(&b, c->base2 != NULL ? t : NULL);
    snprintf(t, sizeof t, "%" PRId64, c->cap);
    field(&b, c->capped ? t : NULL);
    field(&b, c->step);
    snprintf(t, sizeof t, "%" PRIu64 "-%" PRId64, c->kcx, c->kci);
    field(&b, c->step != NULL ? t : NULL);
    tb_add(&b, ".", 1);
    fp_text(&b, &c->newest);
    tb_add(&b, ",", 1);
    fp_text(&b, &c->deep[0]);
    tb_add(&b, ",", 1);
    fp_text(&b, &c->deep[1]);
    tb_add(&b, "", 1);
    return b.p;
}

/* One number of a snapshot at *s, up to the next non-digit: a transaction id the server takes
 * (1 to 2^63 - 1). 0 and -1 on failure. */
static int
snapshot_xid(const char **s, uint64_t *v)
{
    uint64_t x = 0;

    if (**s < '0' || **s > '9')
        return -1;
    for (; **s >= '0' && **s <= '9'; (*s)++) {
        if (x > (uint64_t)INT64_MAX / 10)
            return -1;
        x = x * 10 + (uint64_t)(**s - '0');
        if (x > (uint64_t)INT64_MAX)
            return -1;
    }
    if (x == 0)
        return -1;
    *v = x;
    return 0;
}

/* xmin ':' xmax ':' and the running ids separated by ',', as pg_snapshot's text says them:
 * xmin <= xmax, the ids in order, each at least xmin and below xmax. A cursor edited by hand
 * into another shape was taken, and the server refused it later in its own words (exit 70). */
static int
snapshot_ok(const char *s)
{
    uint64_t xmin, xmax, prev = 0, x;

    if (*s == '\0' || strlen(s) > 100000)
        return 0;
    if (snapshot_xid(&s, &xmin) == -1 || *s++ != ':' || snapshot_xid(&s, &xmax) == -1 ||
        *s++ != ':' || xmin > xmax)
        return 0;
    while (*s != '\0') {
        if (snapshot_xid(&s, &x) == -1 || x < xmin || x >= xmax || x <= prev)
            return 0;
        prev = x;
        if (*s == ',' && s[1] != '\0')
            s++;
        else if (*s != '\0')
            return 0;
    }
    return 1;
}

static int
parse_u64(const char *s, uint64_t *v)
{
    char *end;

    if (*s < '0' || *s > '9')
        return -1;
    errno = 0;
    *v = strtoull(s, &end, 10);
    /* (an id or a time past 2^63 - 1: the server's are bigint, and a clamped one is another) */
    return *end == '\0' && errno == 0 && *v <= (uint64_t)INT64_MAX ? 0 : -1;
}

static int
parse_pair(const char *s, uint64_t *x, int64_t *i)
{
    char buf[64], *dash;
    uint64_t v;

    str_copy(buf, s, sizeof buf);
    if ((dash = strchr(buf, '-')) == NULL)
        return -1;
    *dash = '\0';
    if (parse_u64(buf, x) == -1 || parse_u64(dash + 1, &v) == -1)
        return -1;
    *i = (int64_t)v;
    return 0;
}

static int
parse_fp(const char *s, struct event_fp *fp)
{
    char buf[96], *d1, *d2;
    uint64_t id, at;

    memset(fp, 0, sizeof *fp);
    if (strcmp(s, "-") == 0)
        return 0;
    str_copy(buf, s, sizeof buf);
    if ((d1 = strchr(buf, '-')) == NULL || (d2 = strchr(d1 + 1, '-')) == NULL)
        return -1;
    *d1 = *d2 = '\0';
    if (parse_u64(buf, &id) == -1 || parse_u64(d1 + 1, &fp->xid) == -1 ||
        parse_u64(d2 + 1, &at) == -1 || id == 0)
        return -1;
    fp->id = (int64_t)id;
    fp->at_us = (int64_t)at;
    return 0;
}

int
event_cursor_parse(struct event_cursor *c, const char *text, struct ccrm_err *err)
{
    char *copy = xstrdup(text), *f[10], *p = copy, *fps[3], *dash;
    struct event_cursor n;
    uint64_t v;
    int k = 0, i;

    memset(&n, 0, sizeof n);
    while (k < 10 && p != NULL) {
        f[k++] = p;
        if ((p = strchr(p, '.')) != NULL)
            *p++ = '\0';
    }
    if (k != 10 || p != NULL || strcmp(f[0], "v1") != 0)
        goto bad;
    if (strcmp(f[1], "-") != 0) {
        /* the database's OID when known (not in positions of older versions) */
        if ((dash = strchr(f[1], '-')) != NULL) {
            *dash = '\0';
            if (parse_u64(dash + 1, &v) == -1 || v == 0 || v > 0xffffffffu)
                goto bad;
            n.dboid = (int64_t)v;
        }
        if (parse_u64(f[1], &v) == -1 || strlen(f[1]) >= sizeof n.sysid)
            goto bad;
        str_copy(n.sysid, f[1], sizeof n.sysid);
    }
    /* the timeline, and the server's incarnation when known (not in positions of older versions) */
    if ((dash = strchr(f[2], '-')) != NULL) {
        *dash = '\0';
        if (parse_u64(dash + 1, &v) == -1 || v == 0 || v > INT64_MAX)
            goto bad;
        n.incarnation = (int64_t)v;
    }
    if (parse_u64(f[2], &v) == -1 || v > 0x7fffffff)
        goto bad;
    n.tli = (int)v;
    if (!snapshot_ok(f[3]))
        goto bad;
    n.base = xstrdup(f[3]);
    if (strcmp(f[4], "-") != 0) {
        if (!snapshot_ok(f[4]) || parse_pair(f[5], &n.kbx, &n.kbi) == -1)
            goto bad;
        n.base2 = xstrdup(f[4]);
    } else if (strcmp(f[5], "-") != 0) {
        goto bad;
    }
    if (strcmp(f[6], "-") != 0) {
        if (parse_u64(f[6], &v) == -1)
            goto bad;
        n.capped = 1;
        n.cap = (int64_t)v;
    } else if (n.base2 != NULL) {
        goto bad;
    }
    if (strcmp(f[7], "-") != 0) {
        if (!snapshot_ok(f[7]) || parse_pair(f[8], &n.kcx, &n.kci) == -1)
            goto bad;
        n.step = xstrdup(f[7]);
    } else if (strcmp(f[8], "-") != 0) {
        goto bad;
    }
    p = f[9];
    for (i = 0; i < 3; i++) {
        fps[i] = p;
        if (p == NULL)
            goto bad;
        if ((p = strchr(p, ',')) != NULL)
            *p++ = '\0';
    }
    if (p != NULL || parse_fp(fps[0], &n.newest) == -1 || parse_fp(fps[1], &n.deep[0]) == -1 ||
        parse_fp(fps[2], &n.deep[1]) == -1)
        goto bad;
    free(copy);
    /* without its window, the position knows only its newest event: every delivered event
     * above it is none */
    n.anchor = n.newest;
    n.cand[0] = n.deep[0];
    n.cand[1] = n.deep[1];
    /* the history the position was made on: its snapshots' xmax (not those of an older one) */
    if (!n.capped)
        note_xmax(&n, n.base);
    note_xmax(&n, n.step);
    n.strict = c->strict;
    event_cursor_fini(c);
    *c = n;
    return 0;
bad:
    free(copy);
    event_cursor_fini(&n);
    err_set(err, "not a ccrm event cursor");
    return -1;
}

/* ---- the state file ---- */

int
event_cursor_save(const struct event_cursor *c, const char *given)
{
    /* a symbolic link stays one: the file it names is the one replaced, keeping its mode */
    char *real = realpath(given, NULL);
    const char *path = real != NULL ? real : given;
    char *tmp = xasprintf("%s.tmp", path), *text = event_cursor_text(c);
    FILE *f = fopen(tmp, "w");
    struct stat st;
    int i, ok;

    if (f == NULL) {
        int e = errno;

        free(tmp);
        free(text);
        free(real);
        errno = e;
        return -1;
    }
    if (stat(path, &st) == 0)
        (void)fchmod(fileno(f), st.st_mode & 07777);
    fprintf(f, "ccrm feed state 1\ncursor %s\n", text);
    fprintf(f, "anchor %" PRId64 " %" PRIu64 " %" PRId64 "\n", c->anchor.id, c->anchor.xid,
            c->anchor.at_us);
    for (i = 0; i < c->nwin; i++) {
        const struct event_fp *w =
            &c->win[(c->win_next - c->nwin + i + EVENT_WINDOW) % EVENT_WINDOW];

        fprintf(f, "win %" PRId64 " %" PRIu64 " %" PRId64 "\n", w->id, w->xid, w->at_us);
    }
    ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
    ok = fclose(f) == 0 && ok;
    free(text);
    if (!ok || rename(tmp, path) == -1) {
        int e = errno;

        unlink(tmp);
        free(tmp);
        free(real);
        errno = e;
        return -1;
    }
    free(tmp);
    /* the rename itself must reach the disk: fsync the directory */
    {
        char *dir = xstrdup(path), *slash = strrchr(dir, '/');
        int fd;

        if (slash == NULL)
            strcpy(dir, ".");
        else if (slash == dir)
            dir[1] = '\0';
        else
            *slash = '\0';
        if ((fd = open(dir, O_RDONLY | O_DIRECTORY)) >= 0) {
            fsync(fd);
            close(fd);
        }
        free(dir);
    }
    free(real);
    return 0;
}

int
event_cursor_load(struct event_cursor *c, const char *path, struct ccrm_err *err)
{
    FILE *f = fopen(path, "r");
    /* a line as long as it comes, up to what a cursor may be (event_cursor_parse: 100,000):
     * the cursor line holds whole snapshots, their lists of running transactions too, and
     * with 200 writers and 13-digit ids passed the 4,096 bytes a fixed buffer took, so the
     * state file written was refused when read back */
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    int lineno = 0, have_cursor = 0;
    struct stat st;

    if (f == NULL) {
        if (errno == ENOENT)
            return 0;
        err_set(err, "could not read \"%s\": %s", path, strerror(errno));
        return -1;
    }
    /* an empty file (made by mktemp or touch for us to fill) holds no position yet: as none */
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0) {
        fclose(f);
        return 0;
    }
    while ((got = getline(&line, &cap, f)) != -1) {
        struct event_fp fp;
        size_t l = (size_t)got;

        lineno++;
        if (l == 0 || line[l - 1] != '\n' || l > 100000 + 16 || strlen(line) != l)
            goto bad;
        line[l - 1] = '\0';
        if (lineno == 1) {
            if (strcmp(line, "ccrm feed state 1") != 0)
                goto bad;
        } else if (strncmp(line, "cursor ", 7) == 0 && !have_cursor) {
            if (event_cursor_parse(c, line + 7, err) == -1)
                goto bad;
            have_cursor = 1;
        } else if (have_cursor && sscanf(line, "anchor %" SCNd64 " %" SCNu64 " %" SCNd64, &fp.id,
                                         &fp.xid, &fp.at_us) == 3) {
            c->anchor = fp;
        } else if (have_cursor && sscanf(line, "win %" SCNd64 " %" SCNu64 " %" SCNd64, &fp.id,
                                         &fp.xid, &fp.at_us) == 3) {
            if (c->nwin == EVENT_WINDOW)
                win_drop_oldest(c);
            c->win[c->win_next] = fp;
            c->win_next = (c->win_next + 1) % EVENT_WINDOW;
            c->nwin++;
        } else {
            goto bad;
        }
    }
    fclose(f);
    free(line);
    if (!have_cursor) {
        err_set(err, "\"%s\" is not a ccrm feed state file", path);
        return -1;
    }
    return 1;
bad:
    fclose(f);
    free(line);
    err_set(err, "\"%s\" is not a ccrm feed state file (line %d)", path, lineno);
    return -1;
}

int
db_shares_seen(struct db *db, char *fp, size_t n, struct ccrm_err *err)
{
    /* a partner reads his own organisation's rows only (policy partner_read) */
    PGresult *res = db_exec(db,
                            "SELECT count(*) || ':' || coalesce(md5(string_agg(s.account_id::text,"
                            " ',' ORDER BY s.account_id)), '') FROM account_shares s",
                            0, NULL, err);

    if (res == NULL)
        return -1;
    str_copy(fp, PQntuples(res) == 1 ? PQgetvalue(res, 0, 0) : "", n);
    PQclear(res);
    return 0;
}
