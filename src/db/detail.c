/* Record detail queries ("customer 360"): a record's fields and related records, its comments,
 * its chat and who else is on it, and one timeline of what every department did with that
 * customer, newest first. What each entity shows is the registry's (struct entity_detail in
 * include/ccrm/entity.h: its own row's query, fields, related records, sections and
 * timeline); this file runs it, reading the row's columns by name. Every list is bounded
 * (LIMIT) and read through an index, so a detail costs the same whether the tables hold a
 * hundred rows or millions. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ccrm/detail.h"
#include "ccrm/entity.h"
#include "ccrm/service.h"
#include "ccrm/util.h"
#include "db_int.h"

int
db_detail_entity(const char *entity)
{
    const struct entity *e = entity_find(entity);

    return e != NULL && e->detail != NULL;
}

/* ---- building a detail ---- */

/* A related record: a line without time or person, which Enter opens. */
static void
add_related(struct detail *d, const char *label, const char *name, const char *entity,
            const char *id)
{
    char *what;

    if (id == NULL || id[0] == '\0')
        return;
    what = xasprintf("%s: %s", label, name);
    detail_add_line(d, "", "", what, entity, strtoll(id, NULL, 10));
    free(what);
}

/* The number of res's column named name; every query of lines has each it is asked for. */
static int
column(const PGresult *res, const char *name)
{
    int c = PQfnumber(res, name);

    if (c < 0)
        abort(); /* a query of lines without the columns of a line */
    return c;
}

/* Append the rows of res as lines: its columns at, who, what, entity and id. */
static void
add_rows(struct detail *d, const PGresult *res)
{
    int i, n = PQntuples(res);
    int at, who, what, entity, id;

    if (n == 0)
        return;
    at = column(res, "at");
    who = column(res, "who");
    what = column(res, "what");
    entity = column(res, "entity");
    id = column(res, "id");
    for (i = 0; i < n; i++)
        detail_add_line(d, db_val(res, i, at), db_val(res, i, who), db_val(res, i, what),
                        db_val(res, i, entity), strtoll(db_val(res, i, id), NULL, 10));
}

/* Run a query of lines and append them under a heading "name (n[+]suffix)"; with skip_empty,
 * nothing at all when there are none. Returns 0 or -1. */
static int
add_section(struct db *db, struct detail *d, const char *name, const char *suffix, int max,
            int skip_empty, const char *sql, int nparams, const char *const *params,
            struct ccrm_err *err)
{
    PGresult *res = db_exec(db, sql, nparams, params, err);
    char heading[128];
    int n;

    if (res == NULL)
        return -1;
    n = PQntuples(res);
    if (n > 0 || !skip_empty) {
        snprintf(heading, sizeof heading, "%s (%d%s%s)", name, n, n >= max ? "+" : "", suffix);
        detail_add_line(d, "", "", heading, "", 0);
        add_rows(d, res);
    }
    PQclear(res);
    return 0;
}

/* Who else shows this record now (row-level security filters presence like the record's
 * account; stale rows of crashed clients are ignored). */
static int
add_presence(struct db *db, struct detail *d, const char *const *params, struct ccrm_err *err)
{
    return db_presence_here(db, params[0], strtoll(params[1], NULL, 10), &d->here, err);
}

/* Internal users see which comments and chat messages are internal and which are shared with
 * the partners who see the record (022); a partner reads only shared ones, unmarked. */
static int sees_campaigns(struct db *db);

#define VIS_MARK                                                                                   \
    "CASE WHEN NOT ccrm_is_internal() THEN '' WHEN m.visibility = 'shared' THEN '[shared] '"       \
    " ELSE '[internal] ' END"

/* The latest comments and chat messages on the record, each oldest first. */
static int
add_comments_chat(struct db *db, struct detail *d, const char *const *params, struct ccrm_err *err)
{
    PGresult *res;
    char buf[96];
    int n;
    /* internal users choose who reads what they write where a partner may see the record (not
     * on a campaign, which no partner sees) */
    const struct entity *e = entity_find(params[0]);
    int shareable = sees_campaigns(db) && e != NULL && (e->actions & ENT_PARTNER);

    res = db_exec(
        db,
        "SELECT to_char(" SQL_LOCAL(
            "m.created_at") ", 'YYYY-MM-DD HH24:MI') AS at,"
                            "       m.author || coalesce(' (' || u.department || ')', '') AS who,"
                            "       " VIS_MARK
                            " || regexp_replace(m.body, '\\s+', ' ', 'g') AS what,"
                            "       'comments' AS entity, m.id"
                            "  FROM (SELECT * FROM comments c WHERE c.entity = $1 AND c.entity_id "
                            "= $2"
                            "         ORDER BY c.created_at DESC, c.id DESC"
                            "         LIMIT " CCRM_STR(
                                DETAIL_COMMENTS_MAX) ") m"
                                                     "  LEFT JOIN users u ON u.login = m.author"
                                                     " ORDER BY m.created_at, m.id",
        2, params, err);
    if (res == NULL)
        return -1;
    n = PQntuples(res);
    /* partners write no comments (no key to offer); internal users choose who reads one */
    snprintf(buf, sizeof buf, "Comments (%s%d)%s", n == DETAIL_COMMENTS_MAX ? "latest " : "", n,
             shareable            ? " · c internal, W shared with the partner"
             : sees_campaigns(db) ? " · c to write"
                                  : "");
    detail_add_line(d, "", "", buf, "", 0);
    add_rows(d, res);
    PQclear(res);

    res = db_exec(
        db,
        "SELECT to_char(" SQL_LOCAL(
            "m.created_at") ", 'MM-DD HH24:MI') AS at,"
                            "       m.created_by || coalesce(' (' || u.department || ')', '') AS "
                            "who,"
                            "       " VIS_MARK " || m.body AS what, 'chat' AS entity, m.id"
                            "  FROM (SELECT * FROM chat_messages c"
                            "         WHERE c.entity = $1 AND c.entity_id = $2"
                            "         ORDER BY c.id DESC LIMIT " CCRM_STR(
                                DETAIL_CHAT_MAX) ") m"
                                                 "  LEFT JOIN users u ON u.login = m.created_by"
                                                 " ORDER BY m.id",
        2, params, err);
    if (res == NULL)
        return -1;
    n = PQntuples(res);
    snprintf(buf, sizeof buf, "Chat (%s%d) · %s", n == DETAIL_CHAT_MAX ? "latest " : "", n,
             shareable ? "t internal, T shared with the partner" : "t to write");
    detail_add_line(d, "", "", buf, "", 0);
    add_rows(d, res);
    PQclear(res);
    return 0;
}

/* The record's conversation: its latest mails (on the messages index of mail_fk, schema/017),
 * oldest of them first, in full (up to DETAIL_MAIL_TEXT_MAX characters of text each) with their
 * attachments' numbers, names and sizes, under a heading whose line the view puts them after.
 * mail_fk is the registry's fixed text. */
static int
add_mails(struct db *db, struct detail *d, const char *mail_fk, const char *id,
          struct ccrm_err *err)
{
    const char *params[1] = {id};
    char *sql, heading[160];
    PGresult *res;
    int i, n;

    sql = xasprintf(
        "SELECT m.id, m.direction, m.status,"
        " to_char(" SQL_LOCAL(
            "coalesce(m.sent_at, m.received_at)") ", 'YYYY-MM-DD HH24:MI') AS at,"
                                                  " coalesce(CASE WHEN nullif(btrim(m.from_name), "
                                                  "'') IS NULL THEN m.from_addr"
                                                  "   ELSE m.from_name || coalesce(' <' || "
                                                  "m.from_addr || '>', '') END, '<>') AS sender,"
                                                  " coalesce(m.to_addr, '') AS to_addr, "
                                                  "coalesce(m.cc_addr, '') AS cc_addr, m.subject,"
                                                  " left(m.body_text, " CCRM_STR(
                                                      DETAIL_MAIL_TEXT_MAX) ") AS body,"
                                                                            " greatest(length(m."
                                                                            "body_text) "
                                                                            "- " CCRM_STR(
                                                                                DETAIL_MAIL_TEXT_MAX) ", 0) AS more,"
                                                                                                      " coalesce((SELECT string_agg(t.id || "
                                                                                                      "E'\\t' || "
                                                                                                      "t.name || E'\\t' || t.size, E'\\n' "
                                                                                                      "ORDER BY t.id)"
                                                                                                      "   FROM attachments t WHERE t.msg_id "
                                                                                                      "= m.id), '') AS atts,"
                                                                                                      " coalesce(m.last_error, '') AS error"
                                                                                                      " FROM (SELECT * FROM messages x WHERE "
                                                                                                      "x.%s = $1"
                                                                                                      "        ORDER BY x.received_at DESC, "
                                                                                                      "x.id DESC LIMIT " CCRM_STR(
                                                                                                          DETAIL_MAILS_MAX) ") m"
                                                                                                                            " ORDER BY "
                                                                                                                            "m.received_at, "
                                                                                                                            "m.id",
        mail_fk);
    res = db_exec(db, sql, 1, params, err);
    free(sql);
    if (res == NULL)
        return -1;
    n = PQntuples(res);
    /* partners do not answer by mail (ccrm_mail_reply refuses them): no r offered */
    snprintf(heading, sizeof heading, "Conversation (%s%d mail%s) · z: quoted text%s",
             n == DETAIL_MAILS_MAX ? "latest " : "", n, n == 1 ? "" : "s",
             db_is_partner(db) ? "" : " · r: reply");
    d->has_mails = 1;
    d->mails_at = d->nlines;
    detail_add_line(d, "", "", heading, "", 0);
    for (i = 0; i < n; i++) {
        struct detail_mail *m = detail_add_mail(d);

        m->id = strtoll(db_val(res, i, 0), NULL, 10);
        m->out = strcmp(db_val(res, i, 1), "out") == 0;
        m->status = xstrdup(db_val(res, i, 2));
        m->when = xstrdup(db_val(res, i, 3));
        m->from = xstrdup(db_val(res, i, 4));
        m->to = xstrdup(db_val(res, i, 5));
        m->cc = xstrdup(db_val(res, i, 6));
        m->subject = xstrdup(db_val(res, i, 7));
        m->body = xstrdup(db_val(res, i, 8));
        m->more = strtoll(db_val(res, i, 9), NULL, 10);
        m->atts = xstrdup(db_val(res, i, 10));
        m->error = xstrdup(db_val(res, i, 11));
    }
    PQclear(res);
    return 0;
}

/* The hand-offs and assignments of the record (who, to whom, the note), newest first, from the
 * Inbox entries they wrote (one per recipient: a hand-off to a department is one line naming
 * its people). Each role reads what its policies on the inbox let it: internal users all of
 * them, a partner its own. Bounded: the record's latest 200 entries, through the inbox's index
 * by record. Nothing at all when there are none. */
static int
add_handoffs(struct db *db, struct detail *d, const char *const *params, struct ccrm_err *err)
{
    return add_section(
        db, d, "Hand-offs and assignments", ", newest first", DETAIL_HANDOFFS_MAX, 1,
        "SELECT to_char(" SQL_LOCAL(
            "min(i.created_at)") ", 'YYYY-MM-DD HH24:MI') AS at,"
                                 "       coalesce(i.from_login, '') || coalesce(' (' || "
                                 "u.department || ')', '') AS who,"
                                 "       CASE i.kind WHEN 'handoff' THEN 'handed off to ' ELSE "
                                 "'assigned to ' END"
                                 "       || string_agg(i.login, ', ' ORDER BY i.login)"
                                 "       || coalesce(': ' || regexp_replace(i.note, '\\s+', ' ', "
                                 "'g'), '') AS what,"
                                 "       'inbox' AS entity, min(i.id) AS id"
                                 "  FROM (SELECT * FROM inbox x WHERE x.entity = $1 AND "
                                 "x.entity_id = $2"
                                 "           AND x.kind IN ('handoff', 'assignment') ORDER BY x.id "
                                 "DESC LIMIT 200) i"
                                 "  LEFT JOIN users u ON u.login = i.from_login"
                                 " GROUP BY i.from_login, u.department, i.kind, i.note, "
                                 "date_trunc('second', i.created_at)"
                                 " ORDER BY min(i.id) DESC LIMIT " CCRM_STR(DETAIL_HANDOFFS_MAX),
        2, params, err);
}

/* Who follows the record and whether the caller does, as a field (internal users: partners
 * follow nothing and may not read who does). */
static int
add_followers(struct db *db, struct detail *d, const char *entity, int64_t id, struct ccrm_err *err)
{
    char *who, *text;
    int me;

    if (db_followers(db, entity, id, &who, &me, err) == -1)
        return -1;
    if (who[0] == '\0')
        text = xstrdup("nobody (w: watch)");
    else if (me)
        text = xasprintf("%s · you follow it (w: unwatch)", who);
    else
        text = xasprintf("%s (w: watch)", who);
    detail_add_field(d, "Followers", text);
    free(text);
    free(who);
    return 0;
}

/* Run the query of a record's own row: NULL (err set, SQLSTATE empty) when there is none. */
static PGresult *
head(struct db *db, const char *sql, const char *noun, const char *const *params,
     struct ccrm_err *err)
{
    PGresult *res = db_exec(db, sql, 1, params, err);

    if (res != NULL && PQntuples(res) == 0) {
        PQclear(res);
        err_set(err, "%s %s does not exist (or is not shared with you)", noun, params[0]);
        return NULL;
    }
    return res;
}

/* Campaigns are marketing's: partners may not read them, and a statement naming a table it
 * may not read fails as a whole, so their timelines leave campaign responses out. */
static int
sees_campaigns(struct db *db)
{
    return !db_is_partner(db);
}

/* The text of the head's column named name ("" for SQL NULL). The registry names only
 * columns its head query has. */
static const char *
col(const PGresult *head, const char *name)
{
    int c = PQfnumber(head, name);

    if (c < 0)
        abort(); /* the registry's head query has no such column */
    return db_val(head, 0, c);
}

/* A paged section: page `page` of sec->max lines (a page past the end: the last one), under
 * a heading that says which, with lines that turn the page (entity "page", id 1 or -1). */
static int
add_paged(struct db *db, struct detail *d, const struct entity_section *sec, const char *sql, int n,
          const char **params, const char *total, int page, struct ccrm_err *err)
{
    char off[24], heading[160], line[96];
    PGresult *res;
    int rows, shown, first;

    for (;;) {
        snprintf(off, sizeof off, "%d", page * sec->max);
        params[n] = off;
        if ((res = db_exec(db, sql, n + 1, params, err)) == NULL)
            return -1;
        rows = PQntuples(res);
        if (rows > 0 || page == 0)
            break;
        PQclear(res); /* past the end (members went away): the last page there is */
        page = page - 1;
    }
    shown = rows > sec->max ? sec->max : rows;
    first = page * sec->max;
    if (page == 0 && rows <= sec->max)
        snprintf(heading, sizeof heading, "%s (%d%s)", sec->heading, shown, sec->suffix);
    else
        snprintf(heading, sizeof heading, "%s (%d-%d of %s%s)", sec->heading, first + 1,
                 first + shown, total[0] != '\0' ? total : "more", sec->suffix);
    detail_add_line(d, "", "", heading, "", 0);
    if (page > 0) {
        snprintf(line, sizeof line, "↑ the previous %d (Enter)", sec->max);
        detail_add_line(d, "", "", line, "page", -1);
    }
    d->page = page;
    d->page_at = d->nlines;
    if (rows > sec->max) {
        /* the one row more only says that a next page exists */
        PGresult *cut = res;
        int i;

        for (i = 0; i < shown; i++)
            detail_add_line(d, db_val(cut, i, column(cut, "at")),
                            db_val(cut, i, column(cut, "who")), db_val(cut, i, column(cut, "what")),
                            db_val(cut, i, column(cut, "entity")),
                            strtoll(db_val(cut, i, column(cut, "id")), NULL, 10));
        snprintf(line, sizeof line, "↓ the next %d (Enter)", sec->max);
        detail_add_line(d, "", "", line, "page", 1);
    } else {
        add_rows(d, res);
    }
    PQclear(res);
    return 0;
}

/* Run a section of lines with its parameters taken from the head's columns (SQL NULL or ""
 * pass as NULL): under its heading, or under the heading before. Returns 0 or -1. */
static int
add_lines(struct db *db, struct detail *d, const struct entity_section *sec, const PGresult *head,
          int page, struct ccrm_err *err)
{
    const char *params[4] = {NULL, NULL, NULL, NULL};
    const char *sql = sec->partner_sql != NULL && !sees_campaigns(db) ? sec->partner_sql : sec->sql;
    PGresult *res;
    int n;

    for (n = 0; n < 3 && sec->params[n] != NULL; n++)
        params[n] = col(head, sec->params[n])[0] != '\0' ? col(head, sec->params[n]) : NULL;
    if (sec->needs_param && params[0] == NULL)
        return 0;
    if (sec->paged)
        return add_paged(db, d, sec, sql, n, params, sec->total ? col(head, sec->total) : "", page,
                         err);
    if (sec->heading != NULL)
        return add_section(db, d, sec->heading, sec->suffix, sec->max, 0, sql, n, params, err);
    if ((res = db_exec(db, sql, n, params, err)) == NULL)
        return -1;
    add_rows(d, res);
    PQclear(res);
    return 0;
}

struct detail *
db_record_detail(struct db *db, const char *entity, int64_t id, struct ccrm_err *err)
{
    return db_record_detail_page(db, entity, id, 0, err);
}

struct detail *
db_record_detail_page(struct db *db, const char *entity, int64_t id, int page, struct ccrm_err *err)
{
    const struct entity *e = entity_find(entity);
    const struct entity_detail *dt = e != NULL ? e->detail : NULL;
    char idbuf[24];
    const char *params[1] = {idbuf};
    const char *ep[2] = {entity, idbuf};
    struct detail *d;
    PGresult *res;
    int i;

    if (dt == NULL) {
        err_set(err, "there is no detail view of %s", entity != NULL ? entity : "nothing");
        return NULL;
    }
    snprintf(idbuf, sizeof idbuf, "%" PRId64, id);
    /* the record's own row: title, subtitle, fields, and what its sections need */
    if ((res = head(db, dt->head, e->singular, params, err)) == NULL)
        return NULL;
    d = xcalloc(1, sizeof *d);
    str_copy(d->entity, entity, sizeof d->entity);
    d->id = id;
    d->title = xstrdup(col(res, "title"));
    d->subtitle = xstrdup(col(res, "subtitle"));
    for (i = 0; i < dt->nfields; i++)
        detail_add_field(d, dt->fields[i].label, col(res, dt->fields[i].col));
    if ((e->actions & ENT_WATCH) && sees_campaigns(db) &&
        add_followers(db, d, entity, id, err) == -1)
        goto fail;
    d->version = atoi(col(res, "version"));
    d->account_id = strtoll(col(res, "account_id"), NULL, 10);
    if (PQfnumber(res, "phase") >= 0)
        str_copy(d->phase, col(res, "phase"), sizeof d->phase);
    if (dt->nrelated > 0)
        detail_add_line(d, "", "", "Related", "", 0);
    for (i = 0; i < dt->nrelated; i++)
        add_related(d, dt->related[i].label, col(res, dt->related[i].name_col),
                    dt->related[i].entity, col(res, dt->related[i].id_col));
    for (i = 0; i < dt->nbefore; i++)
        if (add_lines(db, d, &dt->before[i], res, 0, err) == -1)
            goto fail;
    if (dt->conversation && e->mail_fk != NULL && add_mails(db, d, e->mail_fk, idbuf, err) == -1)
        goto fail;
    /* comments and chat only where they can be written (a product has neither: its detail
     * offered keys that did nothing) */
    if (!dt->setting &&
        (add_presence(db, d, ep, err) == -1 ||
         ((e->actions & (ENT_COMMENT | ENT_CHAT)) && add_comments_chat(db, d, ep, err) == -1) ||
         add_handoffs(db, d, ep, err) == -1))
        goto fail;
    /* the timeline (a campaign: its members) */
    if (add_lines(db, d, dt->timeline, res, page < 0 ? 0 : page, err) == -1)
        goto fail;
    PQclear(res);
    return d;
fail:
    PQclear(res);
    detail_free(&d);
    return NULL;
}

struct detail *
db_record_history(struct db *db, const char *entity, int64_t id, struct ccrm_err *err)
{
    char idbuf[24];
    const char *params[2] = {entity, idbuf};
    struct detail *d;
    PGresult *res;
    int n;
    char buf[96];

    if (!db_detail_entity(entity)) {
        err_set(err, "there is no history of %s", entity != NULL ? entity : "nothing");
        return NULL;
    }
    snprintf(idbuf, sizeof idbuf, "%" PRId64, id);
    /* the audit trail of the row: who changed what, old and new values */
    res = db_exec(
        db,
        "SELECT to_char(" SQL_LOCAL(
            "a.at") ", 'YYYY-MM-DD HH24:MI') AS at,"
                    "       a.actor || coalesce(' (' || u.department || ')', '') AS who,"
                    "       CASE a.op"
                    "         WHEN 'update' THEN 'changed ' || coalesce((SELECT string_agg(k.key "
                    "|| ' '"
                    "              || coalesce(quote_literal(a.old_row ->> k.key), 'empty') || ' → "
                    "'"
                    "              || coalesce(quote_literal(a.new_row ->> k.key), 'empty'), ', '"
                    "              ORDER BY k.key)"
                    "              FROM jsonb_each(a.new_row) k"
                    "             WHERE k.key NOT IN ('updated_at', 'updated_by', 'version', "
                    "'search')"
                    "               AND k.value IS DISTINCT FROM a.old_row -> k.key), 'nothing')"
                    "         WHEN 'insert' THEN 'created ' || "
                    "coalesce(ccrm_event_summary(a.entity,"
                    "              a.new_row), (SELECT 'with ' || to_char(sum(upper(r) - lower(r)) "
                    "- 1,"
                    "              'FM999,999,999,990') || ' other ' || replace(a.entity, '_', ' ')"
                    "              || ' in one statement' FROM unnest(a.ids) r))"
                    "         WHEN 'delete' THEN 'deleted ' || ccrm_event_summary(a.entity, "
                    "a.old_row)"
                    "         ELSE a.op END AS what,"
                    "       'audit' AS entity, a.id"
                    "  FROM audit a LEFT JOIN users u ON u.login = a.actor"
                    " WHERE a.entity = $1 AND (a.entity_id = $2"
                    "        OR (a.ids IS NOT NULL AND a.ids @> $2::bigint))"
                    " ORDER BY a.id DESC LIMIT " CCRM_STR(DETAIL_HISTORY_MAX),
        2, params, err);
    if (res == NULL)
        return NULL;
    d = xcalloc(1, sizeof *d);
    str_copy(d->entity, entity, sizeof d->entity);
    d->id = id;
    n = PQntuples(res);
    snprintf(buf, sizeof buf, "History (%d%s changes, newest first) · H: back", n,
             n == DETAIL_HISTORY_MAX ? "+" : "");
    detail_add_line(d, "", "", buf, "", 0);
    add_rows(d, res);
    PQclear(res);
    return d;
}

/* ---- the account detail of earlier versions (include/ccrm/db.h) ---- */

struct detail *
db_account_detail(struct db *db, int64_t id, struct ccrm_err *err)
{
    return db_record_detail(db, "accounts", id, err);
}

struct detail *
db_account_history(struct db *db, int64_t id, struct ccrm_err *err)
{
    return db_record_history(db, "accounts", id, err);
}
