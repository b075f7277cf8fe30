/* Collaboration actions (include/ccrm/actions.h): each is one call of a function or one
 * statement of schema/006_collab.sql, which decides everything (rights, visibility, who is
 * notified). Here: parameters in, ids out, and the database's refusal as the user's message. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ccrm/actions.h"
#include "ccrm/util.h"
#include "db_int.h"

/* Did the database refuse the request itself (as opposed to failing)? Data exceptions,
 * integrity rules, rights, "not found", a record in the wrong state, a version conflict. */
static int
refused(const char *state)
{
    static const char *const states[] = {"42501", "P0002", "55000", "CR001", NULL};
    int i;

    if (strncmp(state, "22", 2) == 0 || strncmp(state, "23", 2) == 0)
        return 1;
    for (i = 0; states[i] != NULL; i++)
        if (strcmp(state, states[i]) == 0)
            return 1;
    return 0;
}

/* db_exec, with what before a refusal's message (the server's words). On failure returns NULL
 * and sets *rc to 1 (refused) or -1. */
static PGresult *
run(struct db *db, const char *what, const char *sql, int nparams, const char *const *params,
    int *rc, struct ccrm_err *err)
{
    PGresult *res = db_exec(db, sql, nparams, params, err);
    char msg[2 * sizeof err->msg]; /* cut to err->msg's size below */

    if (res != NULL)
        return res;
    if (err->sqlstate[0] != '\0') { /* not "not connected", "lost the connection" */
        snprintf(msg, sizeof msg, "%s: %s", what, err->msg);
        str_copy(err->msg, msg, sizeof err->msg);
    }
    *rc = !db_lost(db) && refused(err->sqlstate) ? 1 : -1;
    return NULL;
}

/* run() for an action's write, in a transaction of its own (db_write_begin): sql's last column
 * is pg_current_xact_id(), kept in xid (n bytes). The caller reads the result, then commit()s. */
static PGresult *
run_write(struct db *db, const char *what, const char *sql, int nparams, const char *const *params,
          char *xid, size_t n, int *rc, struct ccrm_err *err)
{
    PGresult *res;

    if (db_write_begin(db, what, err) == -1) {
        *rc = -1;
        return NULL;
    }
    if ((res = run(db, what, sql, nparams, params, rc, err)) == NULL) {
        db_rollback(db);
        return NULL;
    }
    str_copy(xid, PQgetvalue(res, 0, PQnfields(res) - 1), n);
    return res;
}

/* COMMIT run_write's transaction: 0, or 1/-1 as run(). A COMMIT whose answer the dropped
 * connection took is left to db_write_unanswered. */
static int
commit(struct db *db, const char *what, const char *xid, struct ccrm_err *err)
{
    if (db_write_commit(db, what, xid, err) == 0)
        return 0;
    if (db_state(db) != DB_READY)
        return -1;
    return refused(err->sqlstate) ? 1 : -1; /* (a failed COMMIT has rolled back) */
}

/* NULL for a NULL or blank string (the database then uses its default). */
static const char *
blank_null(const char *s)
{
    const char *p;

    if (s == NULL)
        return NULL;
    for (p = s; *p != '\0'; p++)
        if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
            return s;
    return NULL;
}

static int64_t
id_val(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? 0 : strtoll(PQgetvalue(res, row, col), NULL, 10);
}

int
db_comment_add(struct db *db, const char *entity, int64_t id, const char *body,
               const char *visibility, int64_t *comment_id, char *notified, size_t n,
               struct ccrm_err *err)
{
    char idbuf[24], cidbuf[24], xid[24];
    const char *params[4] = {entity, idbuf, body, visibility};
    const char *cparams[1] = {cidbuf};
    PGresult *res;
    int rc = 0;

    if (notified != NULL && n > 0)
        notified[0] = '\0';
    snprintf(idbuf, sizeof idbuf, "%" PRId64, id);
    /* no visibility named: the column's default (the writer's), so a partner's insert names
     * no column it may not write */
    res =
        run_write(db, "could not add the comment",
                  visibility != NULL ? "INSERT INTO comments (entity, entity_id, body, visibility)"
                                       " VALUES ($1, $2, $3, $4) RETURNING id, pg_current_xact_id()"
                                     : "INSERT INTO comments (entity, entity_id, body)"
                                       " VALUES ($1, $2, $3) RETURNING id, pg_current_xact_id()",
                  visibility != NULL ? 4 : 3, params, xid, sizeof xid, &rc, err);
    if (res == NULL)
        return rc;
    str_copy(cidbuf, PQgetvalue(res, 0, 0), sizeof cidbuf);
    PQclear(res);
    if (comment_id != NULL)
        *comment_id = strtoll(cidbuf, NULL, 10);
    if ((rc = commit(db, "could not add the comment", xid, err)) != 0)
        return rc;
    if (notified == NULL || n == 0)
        return 0;
    /* the mentions were written by the comment's trigger; the comment is saved whatever this
     * read says, so a failure here only leaves the list empty */
    res = db_exec(db,
                  "SELECT coalesce('notified ' || (SELECT string_agg('@' || x.login, ', '"
                  "   ORDER BY x.login) FROM mentions x"
                  "   WHERE x.comment_id = $1 AND x.login <> current_user), '')"
                  " || coalesce('; ' || (SELECT string_agg(DISTINCT '@' || lower(m[1]), ', ')"
                  "   FROM comments c, regexp_matches(c.body,"
                  "        '(?:^|[^[:alnum:]_.@])@([[:alnum:]_]+)', 'g') m"
                  "   WHERE c.id = $1 AND lower(m[1]) <> current_user"
                  "     AND NOT EXISTS (SELECT 1 FROM mentions x"
                  "                      WHERE x.comment_id = c.id AND x.login = lower(m[1])))"
                  "   || ' told no one (not a user, or not one who may read it)', '')",
                  1, cparams, err);
    if (res != NULL) {
        const char *t = PQgetvalue(res, 0, 0);

        str_copy(notified, strncmp(t, "; ", 2) == 0 ? t + 2 : t, n);
        PQclear(res);
    }
    return 0;
}

int
db_assign(struct db *db, const char *entity, int64_t id, const char *to, const char *note,
          int handoff, int *inboxed, struct ccrm_err *err)
{
    char idbuf[24], xid[24];
    const char *params[5] = {entity, idbuf, to, blank_null(note), handoff ? "true" : "false"};
    const char *what = handoff ? "could not hand off" : "could not assign";
    PGresult *res;
    int rc = 0;

    snprintf(idbuf, sizeof idbuf, "%" PRId64, id);
    res = run_write(db, what, "SELECT ccrm_assign($1, $2, $3, $4, $5), pg_current_xact_id()", 5,
                    params, xid, sizeof xid, &rc, err);
    if (res == NULL)
        return rc;
    if (inboxed != NULL)
        *inboxed = atoi(PQgetvalue(res, 0, 0));
    PQclear(res);
    return commit(db, what, xid, err);
}

int
db_lead_deal_name(struct db *db, int64_t lead, char *buf, size_t n, struct ccrm_err *err)
{
    char idbuf[24];
    const char *params[1] = {idbuf};
    PGresult *res;
    int rc = 0;

    snprintf(idbuf, sizeof idbuf, "%" PRId64, lead);
    res = run(db, "could not read the lead",
              "SELECT ccrm_lead_deal_name($1), (SELECT l.status FROM leads l WHERE l.id = $1)", 1,
              params, &rc, err);
    if (res == NULL)
        return rc;
    if (PQgetisnull(res, 0, 0)) {
        PQclear(res);
        err_set(err, "lead #%" PRId64 " not found", lead);
        return 1;
    }
    /* say so before asking for a deal name (the database refuses it anyway) */
    if (strcmp(PQgetvalue(res, 0, 1), "converted") == 0) {
        PQclear(res);
        err_set(err, "lead #%" PRId64 " is already converted", lead);
        return 1;
    }
    str_copy(buf, PQgetvalue(res, 0, 0), n);
    PQclear(res);
    return 0;
}

int
db_convert_lead(struct db *db, int64_t lead, const char *deal_name, const char *amount,
                const char *currency, struct lead_conversion *out, struct ccrm_err *err)
{
    char idbuf[24], xid[24];
    const char *params[4] = {idbuf, blank_null(deal_name), blank_null(amount),
                             blank_null(currency)};
    PGresult *res;
    int rc = 0;

    snprintf(idbuf, sizeof idbuf, "%" PRId64, lead);
    res = run_write(db, "could not convert the lead",
                    "SELECT account_id, contact_id, opportunity_id, coalesce(currency, ''),"
                    "       account_new, pg_current_xact_id()"
                    "  FROM ccrm_convert_lead($1, $2, btrim($3)::numeric, $4)",
                    4, params, xid, sizeof xid, &rc, err);
    if (res == NULL)
        return rc;
    out->account_id = id_val(res, 0, 0);
    out->contact_id = id_val(res, 0, 1);
    out->opportunity_id = id_val(res, 0, 2);
    str_copy(out->currency, PQgetvalue(res, 0, 3), sizeof out->currency);
    out->account_new = strcmp(PQgetvalue(res, 0, 4), "t") == 0;
    PQclear(res);
    return commit(db, "could not convert the lead", xid, err);
}

int
db_ticket_signal(struct db *db, int64_t ticket, const char *note, int64_t *lead_id,
                 struct ccrm_err *err)
{
    char idbuf[24], xid[24];
    const char *params[2] = {idbuf, blank_null(note)};
    PGresult *res;
    int rc = 0;

    snprintf(idbuf, sizeof idbuf, "%" PRId64, ticket);
    res = run_write(db, "could not send the sales signal",
                    "SELECT ccrm_ticket_signal($1, $2), pg_current_xact_id()", 2, params, xid,
                    sizeof xid, &rc, err);
    if (res == NULL)
        return rc;
    if (lead_id != NULL)
        *lead_id = id_val(res, 0, 0);
    PQclear(res);
    return commit(db, "could not send the sales signal", xid, err);
}

int
db_inbox_mark_read(struct db *db, int64_t inbox_id, struct ccrm_err *err)
{
    char idbuf[24];
    const char *params[1] = {idbuf};
    PGresult *res;
    int rc = 0, mine;

    snprintf(idbuf, sizeof idbuf, "%" PRId64, inbox_id);
    /* the row is looked for in the same statement, under the same policies: a row of someone
     * else (or one a partner may not see) is "not found" */
    res = run(db, "could not mark the inbox item read",
              "WITH u AS (UPDATE inbox SET read_at = now()"
              "            WHERE id = $1 AND login = current_user AND read_at IS NULL"
              "            RETURNING 1)"
              " SELECT (SELECT count(*) FROM u) > 0"
              "     OR EXISTS (SELECT 1 FROM inbox WHERE id = $1 AND login = current_user)",
              1, params, &rc, err);
    if (res == NULL)
        return rc;
    mine = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    if (!mine) {
        err_set(err, "inbox item #%" PRId64 " not found", inbox_id);
        return 1;
    }
    return 0;
}

int
db_inbox_mark_all_read(struct db *db, int *n, struct ccrm_err *err)
{
    PGresult *res;
    int rc = 0;

    res = run(db, "could not mark the inbox read",
              "UPDATE inbox SET read_at = now() WHERE login = current_user AND read_at IS NULL", 0,
              NULL, &rc, err);
    if (res == NULL)
        return rc;
    if (n != NULL)
        *n = atoi(PQcmdTuples(res));
    PQclear(res);
    return 0;
}

int
db_inbox_unread(struct db *db, struct ccrm_err *err)
{
    PGresult *res;
    int n;

    /* asked at start and on inbox wake-ups (the Inbox tab's count): prepared once per
     * connection, and counted only up to a bound, so a huge backlog costs no more than a
     * page (the tab then says "999+") */
    res = db_exec_prepared(db,
                           "SELECT count(*) FROM (SELECT 1 FROM inbox"
                           " WHERE login = current_user AND read_at IS NULL"
                           " LIMIT " CCRM_STR(INBOX_COUNT_MAX) ") u",
                           0, NULL, err);
    if (res == NULL)
        return -1;
    n = atoi(PQgetvalue(res, 0, 0));
    PQclear(res);
    return n;
}
