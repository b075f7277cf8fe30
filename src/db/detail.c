/* Record detail queries: an account's fields, its people, and one timeline of what every
 * department did with it (tickets, deals, leads, interactions), newest first. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ccrm/util.h"
#include "db_int.h"

#define TIMELINE_MAX 60
#define CONTACTS_MAX 30
#define CHAT_MAX 8

static void
add_field(struct detail *d, const char *label, const char *value)
{
    if (value == NULL || value[0] == '\0')
        return;
    d->fields = xrealloc(d->fields, (size_t)(d->nfields + 1) * sizeof *d->fields);
    d->fields[d->nfields].label = xstrdup(label);
    d->fields[d->nfields].value = xstrdup(value);
    d->nfields++;
}

static void
add_line(struct detail *d, const char *when, const char *who, const char *what, const char *entity,
         int64_t id)
{
    struct detail_line *l;

    d->lines = xrealloc(d->lines, (size_t)(d->nlines + 1) * sizeof *d->lines);
    l = &d->lines[d->nlines++];
    l->when = xstrdup(when);
    l->who = xstrdup(who);
    l->what = xstrdup(what);
    l->entity = xstrdup(entity);
    l->entity_id = id;
}

struct detail *
db_account_detail(struct db *db, int64_t id, struct ccrm_err *err)
{
    char idbuf[24];
    const char *params[1] = {idbuf};
    struct detail *d;
    PGresult *res;
    int i, n;
    char buf[64];

    snprintf(idbuf, sizeof idbuf, "%" PRId64, id);
    res = db_exec(db,
                  "SELECT a.name, coalesce(a.domain, ''), coalesce(a.industry, ''),"
                  " coalesce(a.owner, ''), coalesce(a.phone, ''), coalesce(a.website, ''),"
                  " concat_ws(', ', nullif(a.city, ''), nullif(a.country, '')),"
                  " coalesce(a.employees::text, ''),"
                  " coalesce(to_char(a.annual_revenue, 'FM999G999G999G990D00'), ''),"
                  " coalesce(a.description, ''),"
                  " to_char(a.created_at, 'YYYY-MM-DD HH24:MI') || ' by ' || a.created_by,"
                  " to_char(a.updated_at, 'YYYY-MM-DD HH24:MI') || ' by ' || a.updated_by,"
                  " a.version,"
                  " (SELECT count(*) FROM contacts c WHERE c.account_id = a.id),"
                  " (SELECT count(*) FROM tickets t WHERE t.account_id = a.id"
                  "   AND t.status NOT IN ('solved', 'closed')),"
                  " (SELECT count(*) FROM opportunities o WHERE o.account_id = a.id"
                  "   AND o.stage NOT IN ('won', 'lost'))"
                  " FROM accounts a WHERE a.id = $1",
                  1, params, err);
    if (res == NULL)
        return NULL;
    if (PQntuples(res) == 0) {
        PQclear(res);
        err_set(err, "account %" PRId64 " does not exist (or is not shared with you)", id);
        return NULL;
    }
    d = xcalloc(1, sizeof *d);
    d->title = xstrdup(db_val(res, 0, 0));
    d->subtitle = xasprintf("account #%" PRId64 " · %s contacts · %s open tickets · %s open deals",
                            id, db_val(res, 0, 13), db_val(res, 0, 14), db_val(res, 0, 15));
    add_field(d, "Domain", db_val(res, 0, 1));
    add_field(d, "Industry", db_val(res, 0, 2));
    add_field(d, "Owner", db_val(res, 0, 3));
    add_field(d, "Phone", db_val(res, 0, 4));
    add_field(d, "Website", db_val(res, 0, 5));
    add_field(d, "Location", db_val(res, 0, 6));
    add_field(d, "Employees", db_val(res, 0, 7));
    add_field(d, "Revenue", db_val(res, 0, 8));
    add_field(d, "Created", db_val(res, 0, 10));
    add_field(d, "Updated", db_val(res, 0, 11));
    add_field(d, "About", db_val(res, 0, 9));
    d->version = atoi(db_val(res, 0, 12));
    PQclear(res);

    res = db_exec(db,
                  "SELECT c.id, concat_ws(' ', c.first_name, c.last_name),"
                  " concat_ws(' · ', nullif(c.title, ''), nullif(c.email, ''),"
                  "           nullif(c.phone, ''))"
                  " FROM contacts c WHERE c.account_id = $1"
                  " ORDER BY c.last_name, c.first_name, c.id LIMIT " CCRM_STR(CONTACTS_MAX),
                  1, params, err);
    if (res == NULL)
        goto fail;
    n = PQntuples(res);
    snprintf(buf, sizeof buf, "People (%d%s)", n, n == CONTACTS_MAX ? "+" : "");
    add_line(d, "", "", buf, "", 0);
    for (i = 0; i < n; i++) {
        char *what = xasprintf("%s  %s", db_val(res, i, 1), db_val(res, i, 2));

        add_line(d, "", "", what, "contact", strtoll(db_val(res, i, 0), NULL, 10));
        free(what);
    }
    PQclear(res);

    /* who else is looking at this account now (presence is filtered by row-level security
     * like the account itself; stale rows of crashed clients are ignored) */
    res = db_exec(db,
                  "SELECT string_agg(DISTINCT coalesce(u.display_name, p.login)"
                  "                  || coalesce(' (' || u.department || ')', ''), ', ')"
                  "  FROM presence p LEFT JOIN users u ON u.login = p.login"
                  " WHERE p.entity = 'accounts' AND p.entity_id = $1"
                  "   AND p.backend_pid <> pg_backend_pid()"
                  "   AND p.seen_at > now() - interval '90 seconds'"
                  "   AND EXISTS (SELECT 1 FROM pg_stat_activity s WHERE s.pid = p.backend_pid)",
                  1, params, err);
    if (res == NULL)
        goto fail;
    d->here = xstrdup(db_val(res, 0, 0));
    PQclear(res);

    /* the live chat on this account: the latest messages, oldest first */
    res = db_exec(db,
                  "SELECT to_char(m.created_at, 'MM-DD HH24:MI'),"
                  "       m.created_by || coalesce(' (' || u.department || ')', ''), m.body, m.id"
                  "  FROM (SELECT * FROM chat_messages c"
                  "         WHERE c.entity = 'accounts' AND c.entity_id = $1"
                  "         ORDER BY c.id DESC LIMIT " CCRM_STR(
                      CHAT_MAX) ") m"
                                "  LEFT JOIN users u ON u.login = m.created_by"
                                " ORDER BY m.id",
                  1, params, err);
    if (res == NULL)
        goto fail;
    n = PQntuples(res);
    snprintf(buf, sizeof buf, "Chat (%s%d) · t to write", n == CHAT_MAX ? "latest " : "", n);
    add_line(d, "", "", buf, "", 0);
    for (i = 0; i < n; i++)
        add_line(d, db_val(res, i, 0), db_val(res, i, 1), db_val(res, i, 2), "chat",
                 strtoll(db_val(res, i, 3), NULL, 10));
    PQclear(res);

    res =
        db_exec(db,
                "SELECT to_char(t.at, 'YYYY-MM-DD HH24:MI'),"
                " t.who || coalesce(' (' || u.department || ')', ''), t.what, t.entity, t.id"
                " FROM ("
                "  SELECT i.at, coalesce(i.created_by, '') AS who,"
                "         i.kind || ': ' || coalesce(i.subject, '') ||"
                "         CASE WHEN i.done_at IS NULL AND i.due_at IS NOT NULL"
                "              THEN ' (due ' || to_char(i.due_at, 'YYYY-MM-DD') || ')' ELSE '' END"
                "         AS what, 'interaction' AS entity, i.id"
                "    FROM interactions i WHERE i.account_id = $1"
                "  UNION ALL"
                "  SELECT t.created_at, t.created_by,"
                "         'ticket #' || t.id || ' ' || t.subject || ' [' || t.status || ', '"
                "         || t.priority || ']', 'ticket', t.id"
                "    FROM tickets t WHERE t.account_id = $1"
                "  UNION ALL"
                "  SELECT o.created_at, o.created_by,"
                "         'deal ' || o.name || ' [' || o.stage || '] '"
                "         || coalesce(to_char(o.amount, 'FM999G999G990') || ' ' || o.currency, ''),"
                "         'opportunity', o.id"
                "    FROM opportunities o WHERE o.account_id = $1"
                "  UNION ALL"
                "  SELECT l.created_at, l.created_by,"
                "         'lead ' || concat_ws(' ', l.first_name, l.last_name) || ' [' || l.status"
                "         || coalesce(', score ' || l.score, '') || ']', 'lead', l.id"
                "    FROM leads l WHERE l.account_id = $1"
                " ) t LEFT JOIN users u ON u.login = t.who"
                " ORDER BY t.at DESC, t.id DESC LIMIT " CCRM_STR(TIMELINE_MAX),
                1, params, err);
    if (res == NULL)
        goto fail;
    n = PQntuples(res);
    snprintf(buf, sizeof buf, "Timeline (%d%s, newest first)", n, n == TIMELINE_MAX ? "+" : "");
    add_line(d, "", "", buf, "", 0);
    for (i = 0; i < n; i++)
        add_line(d, db_val(res, i, 0), db_val(res, i, 1), db_val(res, i, 2), db_val(res, i, 3),
                 strtoll(db_val(res, i, 4), NULL, 10));
    PQclear(res);
    return d;
fail:
    detail_free(&d);
    return NULL;
}

struct detail *
db_account_history(struct db *db, int64_t id, struct ccrm_err *err)
{
    char idbuf[24];
    const char *params[1] = {idbuf};
    struct detail *d;
    PGresult *res;
    int i, n;
    char buf[64];

    snprintf(idbuf, sizeof idbuf, "%" PRId64, id);
    /* the audit trail of the account row: who changed what, old and new values */
    res =
        db_exec(db,
                "SELECT to_char(a.at, 'YYYY-MM-DD HH24:MI'),"
                "       a.actor || coalesce(' (' || u.department || ')', ''),"
                "       CASE a.op"
                "         WHEN 'update' THEN 'changed ' || coalesce((SELECT string_agg(k.key || ' '"
                "              || coalesce(quote_literal(a.old_row ->> k.key), 'empty') || ' → '"
                "              || coalesce(quote_literal(a.new_row ->> k.key), 'empty'), ', '"
                "              ORDER BY k.key)"
                "              FROM jsonb_each(a.new_row) k"
                "             WHERE k.key NOT IN ('updated_at', 'updated_by', 'version', 'search')"
                "               AND k.value IS DISTINCT FROM a.old_row -> k.key), 'nothing')"
                "         WHEN 'insert' THEN 'created ' || coalesce(a.new_row ->> 'name', '')"
                "         WHEN 'delete' THEN 'deleted ' || coalesce(a.old_row ->> 'name', '')"
                "         ELSE a.op END"
                "  FROM audit a LEFT JOIN users u ON u.login = a.actor"
                " WHERE a.entity = 'accounts' AND a.entity_id = $1"
                " ORDER BY a.id DESC LIMIT 100",
                1, params, err);
    if (res == NULL)
        return NULL;
    d = xcalloc(1, sizeof *d);
    n = PQntuples(res);
    snprintf(buf, sizeof buf, "History (%d%s changes, newest first) · H: back to the timeline", n,
             n == 100 ? "+" : "");
    add_line(d, "", "", buf, "", 0);
    for (i = 0; i < n; i++)
        add_line(d, db_val(res, i, 0), db_val(res, i, 1), db_val(res, i, 2), "audit", 0);
    PQclear(res);
    return d;
}
