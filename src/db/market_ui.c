/* Marketing in the full-screen client (include/ccrm/marketing.h, "for the full-screen
 * client"): an interest recorded from a record, people added to and taken out of a campaign,
 * responses by hand, segments saved and counted. Each is one call of a function of
 * schema/functions/92_marketing.sql, which holds every rule (rights, opt-outs, visibility), so
 * psql and ccrm behave alike; here parameters go in and the database's refusal comes back as
 * the user's message. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ccrm/entity.h"
#include "ccrm/marketing.h"
#include "ccrm/strbuf.h"
#include "ccrm/util.h"
#include "db_int.h"

/* Did the database refuse the request itself (a rule, a right, not found), as opposed to
 * failing (a lost connection, a timeout)? */
static int
refused(const char *state)
{
    return strncmp(state, "22", 2) == 0 || strncmp(state, "23", 2) == 0 ||
           strcmp(state, "42501") == 0 || strcmp(state, "P0002") == 0 ||
           strcmp(state, "55000") == 0;
}

/* db_exec; on failure NULL with *rc 1 (refused) or -1, and "query failed: " dropped from the
 * message (the database's own words are the user's message). */
static PGresult *
run(struct db *db, const char *sql, int nparams, const char *const *params, int *rc,
    struct ccrm_err *err)
{
    PGresult *res = db_exec(db, sql, nparams, params, err);

    if (res != NULL)
        return res;
    *rc = !db_lost(db) && refused(err->sqlstate) ? 1 : -1;
    return NULL;
}

/* ---- interests ---- */

#define NAME_C                                                                                     \
    "coalesce(nullif(concat_ws(' ', c.first_name, c.last_name), ''), c.email, '#' || c.id)"
#define NAME_L                                                                                     \
    "coalesce(nullif(concat_ws(' ', l.first_name, l.last_name), ''), l.company, l.email,"          \
    " '#' || l.id)"

/* Whom an interest noted on a record is about: a person or account as such; a ticket's or a
 * call's person (its contact, else its lead, else its account), with the ticket or the call as
 * the source; a deal's account, with the deal as the source. */
static const char interest_target_sql[] =
    "SELECT x.e, x.i, x.src, x.se, x.si, x.who, coalesce(x.product, '') FROM ("
    " SELECT 'contacts' AS e, c.id AS i, 'hand' AS src, NULL AS se, NULL::bigint AS si,"
    "        'contact ' || " NAME_C " AS who, NULL AS product"
    "   FROM contacts c WHERE $1 = 'contacts' AND c.id = $2::bigint"
    " UNION ALL"
    " SELECT 'leads', l.id, 'hand', NULL, NULL, 'lead ' || " NAME_L ", NULL"
    "   FROM leads l WHERE $1 = 'leads' AND l.id = $2::bigint"
    " UNION ALL"
    " SELECT 'accounts', a.id, 'hand', NULL, NULL, 'account ' || a.name, NULL"
    "   FROM accounts a WHERE $1 = 'accounts' AND a.id = $2::bigint"
    " UNION ALL"
    " SELECT CASE WHEN c.id IS NOT NULL THEN 'contacts' WHEN a.id IS NOT NULL THEN 'accounts' END,"
    "        coalesce(c.id, a.id), 'ticket', 'tickets', t.id,"
    "        CASE WHEN c.id IS NOT NULL THEN 'contact ' || " NAME_C
    "             ELSE 'account ' || a.name END, t.product"
    "   FROM tickets t LEFT JOIN contacts c ON c.id = t.contact_id"
    "   LEFT JOIN accounts a ON a.id = t.account_id"
    "  WHERE $1 = 'tickets' AND t.id = $2::bigint"
    " UNION ALL"
    " SELECT CASE WHEN c.id IS NOT NULL THEN 'contacts' WHEN l.id IS NOT NULL THEN 'leads'"
    "             WHEN a.id IS NOT NULL THEN 'accounts' END,"
    "        coalesce(c.id, l.id, a.id),"
    "        CASE i.kind WHEN 'call' THEN 'call' WHEN 'email' THEN 'mail'"
    "                    WHEN 'meeting' THEN 'meeting' WHEN 'chat' THEN 'chat' ELSE 'hand' END,"
    "        'interactions', i.id,"
    "        CASE WHEN c.id IS NOT NULL THEN 'contact ' || " NAME_C
    "             WHEN l.id IS NOT NULL THEN 'lead ' || " NAME_L " ELSE 'account ' || a.name END,"
    "        NULL"
    "   FROM interactions i LEFT JOIN contacts c ON c.id = i.contact_id"
    "   LEFT JOIN leads l ON l.id = i.lead_id LEFT JOIN accounts a ON a.id = i.account_id"
    "  WHERE $1 = 'interactions' AND i.id = $2::bigint"
    " UNION ALL"
    " SELECT 'accounts', a.id, 'hand', 'opportunities', o.id, 'account ' || a.name, NULL"
    "   FROM opportunities o JOIN accounts a ON a.id = o.account_id"
    "  WHERE $1 = 'opportunities' AND o.id = $2::bigint) x";

int
db_interest_target(struct db *db, const char *entity, int64_t id, struct interest_target *t,
                   struct ccrm_err *err)
{
    char idbuf[24];
    const char *params[2] = {entity, idbuf};
    PGresult *res;
    int rc = 0;

    memset(t, 0, sizeof *t);
    snprintf(idbuf, sizeof idbuf, "%" PRId64, id);
    if ((res = run(db, interest_target_sql, 2, params, &rc, err)) == NULL)
        return rc;
    if (PQntuples(res) == 0) {
        PQclear(res);
        err_set(err, "%s #%" PRId64 " does not exist (or is not shared with you)",
                entity_noun(entity, 1), id);
        return 1;
    }
    if (PQgetisnull(res, 0, 0)) {
        PQclear(res);
        err_set(err, "could not record an interest: %s #%" PRId64 " names no person or account",
                entity_noun(entity, 1), id);
        return 1;
    }
    str_copy(t->entity, db_val(res, 0, 0), sizeof t->entity);
    t->id = strtoll(db_val(res, 0, 1), NULL, 10);
    str_copy(t->source, db_val(res, 0, 2), sizeof t->source);
    str_copy(t->source_entity, db_val(res, 0, 3), sizeof t->source_entity);
    t->source_id = strtoll(db_val(res, 0, 4), NULL, 10);
    str_copy(t->who, db_val(res, 0, 5), sizeof t->who);
    str_copy(t->product, db_val(res, 0, 6), sizeof t->product);
    PQclear(res);
    return 0;
}

int
db_interest_add(struct db *db, const struct interest_target *t, const char *product,
                const char *topic, const char *note, int64_t *id, struct ccrm_err *err)
{
    char idbuf[24], sidbuf[24];
    const char *params[8] = {t->entity,
                             idbuf,
                             product,
                             topic,
                             t->source,
                             t->source_entity[0] ? t->source_entity : NULL,
                             t->source_id ? sidbuf : NULL,
                             note};
    PGresult *res;
    int rc = 0;

    snprintf(idbuf, sizeof idbuf, "%" PRId64, t->id);
    snprintf(sidbuf, sizeof sidbuf, "%" PRId64, t->source_id);
    res = run(db, "SELECT ccrm_interest_add($1, $2::bigint, $3, $4, $5, $6, $7::bigint, $8)", 8,
              params, &rc, err);
    if (res == NULL)
        return rc;
    if (id != NULL)
        *id = strtoll(db_val(res, 0, 0), NULL, 10);
    PQclear(res);
    return 0;
}

/* ---- campaigns ---- */

/* The summary of ccrm_campaign_add_people (and the two that call it) into buf. */
static int
added(PGresult *res, char *summary, size_t n)
{
    str_copy(summary, PQntuples(res) > 0 ? db_val(res, 0, 4) : "nobody added", n);
    PQclear(res);
    return 0;
}

int
db_campaign_add_segment(struct db *db, int64_t campaign, const char *segment, char *summary,
                        size_t n, struct ccrm_err *err)
{
    char cbuf[24], sbuf[24];
    const char *p1[1] = {segment};
    const char *p2[2] = {cbuf, sbuf};
    PGresult *res;
    int rc = 0;

    /* the segment by name (the newest of that name), or by its number */
    res = run(db,
              "SELECT s.id FROM segments s WHERE lower(s.name) = lower(btrim($1))"
              "    OR s.id = CASE WHEN btrim($1, ' #') ~ '^[0-9]{1,18}$'"
              "                   THEN btrim($1, ' #')::bigint END"
              " ORDER BY lower(s.name) = lower(btrim($1)) DESC, s.id DESC LIMIT 1",
              1, p1, &rc, err);
    if (res == NULL)
        return rc;
    if (PQntuples(res) == 0) {
        PQclear(res);
        err_set(err, "could not add a segment: there is no segment \"%s\" (:segments lists them)",
                segment);
        return 1;
    }
    str_copy(sbuf, db_val(res, 0, 0), sizeof sbuf);
    PQclear(res);
    snprintf(cbuf, sizeof cbuf, "%" PRId64, campaign);
    res =
        run(db, "SELECT * FROM ccrm_campaign_add_segment($1::bigint, $2::bigint)", 2, p2, &rc, err);
    if (res == NULL)
        return rc;
    return added(res, summary, n);
}

int
db_campaign_add_person(struct db *db, int64_t campaign, const char *who, char *summary, size_t n,
                       struct ccrm_err *err)
{
    char cbuf[24];
    const char *p1[1] = {who};
    const char *p2[3] = {cbuf, NULL, NULL};
    char ent[16], idbuf[24];
    PGresult *res;
    long matches;
    int rc = 0;

    /* a contact, else a lead, by e-mail address or full name (their indexes of 021): the
     * address as written first, then the same mailbox, then the name */
    res = run(db,
              "WITH m AS ((SELECT 0 AS k, 'contacts' AS e, c.id,"
              "                   CASE WHEN lower(c.email) = lower(btrim($1)) THEN 0"
              "                        WHEN c.email IS NOT NULL AND ccrm_email_norm(c.email)"
              "                             = ccrm_email_norm(btrim($1)) THEN 1 ELSE 2 END AS r"
              "              FROM contacts c"
              "             WHERE ccrm_email_norm(c.email) = ccrm_email_norm(btrim($1))"
              "                OR ccrm_person_name(c.first_name, c.last_name)"
              "                   = ccrm_person_name($1, NULL) LIMIT 5)"
              "           UNION ALL"
              "           (SELECT 1, 'leads', l.id,"
              "                   CASE WHEN lower(l.email) = lower(btrim($1)) THEN 0"
              "                        WHEN l.email IS NOT NULL AND ccrm_email_norm(l.email)"
              "                             = ccrm_email_norm(btrim($1)) THEN 1 ELSE 2 END"
              "              FROM leads l"
              "             WHERE ccrm_email_norm(l.email) = ccrm_email_norm(btrim($1))"
              "                OR ccrm_person_name(l.first_name, l.last_name)"
              "                   = ccrm_person_name($1, NULL) LIMIT 5)),"
              "      best AS (SELECT * FROM m ORDER BY m.r, m.k, m.id LIMIT 1)"
              " SELECT b.e, b.id, (SELECT count(*) FROM m WHERE m.r = b.r AND m.k = b.k)"
              "   FROM best b",
              1, p1, &rc, err);
    if (res == NULL)
        return rc;
    if (PQntuples(res) == 0) {
        PQclear(res);
        err_set(err, "could not add \"%s\": no contact or lead has that e-mail address or name",
                who);
        return 1;
    }
    str_copy(ent, db_val(res, 0, 0), sizeof ent);
    str_copy(idbuf, db_val(res, 0, 1), sizeof idbuf);
    matches = strtol(db_val(res, 0, 2), NULL, 10);
    PQclear(res);
    if (matches > 1) {
        err_set(err, "could not add \"%s\": %ld %s match; give the e-mail address", who, matches,
                ent);
        return 1;
    }
    snprintf(cbuf, sizeof cbuf, "%" PRId64, campaign);
    p2[1] = ent;
    p2[2] = idbuf;
    res = run(db, "SELECT * FROM ccrm_campaign_add($1::bigint, $2, $3::bigint)", 3, p2, &rc, err);
    if (res == NULL)
        return rc;
    return added(res, summary, n);
}

int
db_campaign_remove(struct db *db, int64_t campaign, const char *entity, int64_t id,
                   struct ccrm_err *err)
{
    char cbuf[24], idbuf[24];
    const char *params[3] = {cbuf, entity, idbuf};
    PGresult *res;
    int rc = 0, removed;

    snprintf(cbuf, sizeof cbuf, "%" PRId64, campaign);
    snprintf(idbuf, sizeof idbuf, "%" PRId64, id);
    res = run(db, "SELECT ccrm_campaign_remove($1::bigint, $2, $3::bigint)", 3, params, &rc, err);
    if (res == NULL)
        return rc;
    removed = strcmp(db_val(res, 0, 0), "t") == 0;
    PQclear(res);
    if (!removed) {
        err_set(err, "%s #%" PRId64 " is not a member of this campaign", entity_noun(entity, 1),
                id);
        return 1;
    }
    return 0;
}

int
db_campaign_respond(struct db *db, int64_t campaign, const char *entity, int64_t id,
                    const char *status, struct ccrm_err *err)
{
    char cbuf[24], idbuf[24];
    const char *params[4] = {cbuf, entity, idbuf, status};
    PGresult *res;
    int rc = 0;

    snprintf(cbuf, sizeof cbuf, "%" PRId64, campaign);
    snprintf(idbuf, sizeof idbuf, "%" PRId64, id);
    res = run(db, "SELECT ccrm_campaign_respond($1::bigint, $2, $3::bigint, $4)", 4, params, &rc,
              err);
    if (res == NULL)
        return rc;
    PQclear(res);
    return 0;
}

int
db_campaign_mark_sent(struct db *db, int64_t campaign, long long counts[3], struct ccrm_err *err)
{
    char cbuf[24];
    const char *params[1] = {cbuf};
    PGresult *res;
    int rc = 0, i;

    snprintf(cbuf, sizeof cbuf, "%" PRId64, campaign);
    res = run(db, "SELECT marked, opted_out, no_address FROM ccrm_campaign_mark_sent($1::bigint)",
              1, params, &rc, err);
    if (res == NULL)
        return rc;
    for (i = 0; i < 3; i++)
        counts[i] = strtoll(db_val(res, 0, i), NULL, 10);
    PQclear(res);
    return 0;
}

/* ---- segments ---- */

int
db_segment_save(struct db *db, const char *name, const char *definition, int64_t *id,
                long long *estimate, int *counted, struct ccrm_err *err)
{
    const char *params[2] = {name, definition};
    PGresult *res;
    int rc = 0;

    res = run(db,
              /* a partner's segment has no owner (its policy: the partner's own, by who
               * made it); an internal user owns theirs */
              "WITH s AS (INSERT INTO segments (name, definition, owner)"
              "           VALUES (btrim($1), $2::jsonb,"
              "                   CASE WHEN ccrm_is_internal() THEN current_user END)"
              "           RETURNING id, definition)"
              " SELECT s.id, z.people, z.exact FROM s, ccrm_segment_size(s.definition) z",
              2, params, &rc, err);
    if (res == NULL)
        return rc;
    *id = strtoll(db_val(res, 0, 0), NULL, 10);
    *estimate = strtoll(db_val(res, 0, 1), NULL, 10);
    if (counted != NULL)
        *counted = strcmp(db_val(res, 0, 2), "t") == 0;
    PQclear(res);
    return 0;
}

int
db_segment_count(struct db *db, const char *segment, int exact, char *name, size_t n,
                 long long *count, struct ccrm_err *err)
{
    const char *params[1] = {segment};
    PGresult *res;
    int rc = 0;

    res = run(db,
              exact ? "SELECT s.name, ccrm_segment_count(s.id) FROM (SELECT s.id, s.name"
                      "  FROM segments s WHERE lower(s.name) = lower(btrim($1))"
                      " ORDER BY s.id DESC LIMIT 1) s"
                    : "SELECT s.name, ccrm_segment_estimate(s.id) FROM (SELECT s.id, s.name"
                      "  FROM segments s WHERE lower(s.name) = lower(btrim($1))"
                      " ORDER BY s.id DESC LIMIT 1) s",
              1, params, &rc, err);
    if (res == NULL)
        return rc;
    if (PQntuples(res) == 0) {
        PQclear(res);
        err_set(err, "there is no segment \"%s\" (:segments lists them)", segment);
        return 1;
    }
    str_copy(name, db_val(res, 0, 0), n);
    *count = strtoll(db_val(res, 0, 1), NULL, 10);
    PQclear(res);
    return 0;
}

/* ---- duplicates ---- */

int
db_duplicate_pairs(struct db *db, const char *entity, struct dup_pair *out, int max,
                   struct ccrm_err *err)
{
    char lim[16];
    const char *params[2] = {entity, lim};
    PGresult *res;
    int rc = 0, i, n;

    snprintf(lim, sizeof lim, "%d", max);
    res = run(db,
              "SELECT p.a_id, p.b_id, round(p.score::numeric * 100),"
              "       array_to_string(p.reasons, ', '), coalesce(p.a_label, ''),"
              "       coalesce(p.b_label, '')"
              "  FROM ccrm_duplicate_pairs($1, $2::int) p",
              2, params, &rc, err);
    if (res == NULL)
        return rc == 1 ? -2 : -1;
    n = PQntuples(res);
    for (i = 0; i < n && i < max; i++) {
        out[i].a = strtoll(db_val(res, i, 0), NULL, 10);
        out[i].b = strtoll(db_val(res, i, 1), NULL, 10);
        out[i].score = atoi(db_val(res, i, 2));
        str_copy(out[i].reasons, db_val(res, i, 3), sizeof out[i].reasons);
        str_copy(out[i].a_label, db_val(res, i, 4), sizeof out[i].a_label);
        str_copy(out[i].b_label, db_val(res, i, 5), sizeof out[i].b_label);
    }
    PQclear(res);
    return i;
}

int
db_not_duplicate(struct db *db, const char *entity, int64_t a, int64_t b, struct ccrm_err *err)
{
    char abuf[24], bbuf[24];
    const char *params[3] = {entity, abuf, bbuf};
    PGresult *res;
    int rc = 0;

    snprintf(abuf, sizeof abuf, "%" PRId64, a);
    snprintf(bbuf, sizeof bbuf, "%" PRId64, b);
    res = run(db, "SELECT ccrm_not_duplicate($1, $2::bigint, $3::bigint)", 3, params, &rc, err);
    if (res == NULL)
        return rc;
    PQclear(res);
    return 0;
}

int
db_pair_values(struct db *db, const char *entity, int64_t a, int64_t b, const char *const *cols,
               int ncols, char **left, char **right, struct ccrm_err *err)
{
    const struct entity *e = entity_find(entity);
    char abuf[24], bbuf[24], *arr, *sql;
    const char *params[3] = {abuf, bbuf, NULL};
    struct strbuf sb = STRBUF_INIT;
    PGresult *res;
    int rc = 0, i;

    if (e == NULL) {
        err_set(err, "could not compare: no such kind of record \"%s\"", entity);
        return 1;
    }
    snprintf(abuf, sizeof abuf, "%" PRId64, a);
    snprintf(bbuf, sizeof bbuf, "%" PRId64, b);
    /* the columns as a text[] literal parameter: the registry's names (letters and _) */
    strbuf_puts(&sb, "{");
    for (i = 0; i < ncols; i++)
        strbuf_printf(&sb, "%s%s", i ? "," : "", cols[i]);
    strbuf_puts(&sb, "}");
    arr = strbuf_steal(&sb);
    params[2] = arr;
    /* the table name is the registry's (fixed text), the ids and columns are parameters */
    sql = xasprintf("SELECT x.j ->> c.col, y.j ->> c.col"
                    "  FROM unnest($3::text[]) WITH ORDINALITY c(col, n),"
                    "       (SELECT to_jsonb(t) AS j FROM %s t WHERE t.id = $1::bigint) x,"
                    "       (SELECT to_jsonb(t) AS j FROM %s t WHERE t.id = $2::bigint) y"
                    " ORDER BY c.n",
                    e->table, e->table);
    res = run(db, sql, 3, params, &rc, err);
    free(sql);
    free(arr);
    if (res == NULL)
        return rc;
    if (PQntuples(res) != ncols) {
        PQclear(res);
        err_set(err,
                "could not compare: one of %s #%" PRId64 " and #%" PRId64
                " is gone (merged or deleted)",
                e->plural, a, b);
        return 1;
    }
    for (i = 0; i < ncols; i++) {
        left[i] = PQgetisnull(res, i, 0) ? NULL : xstrdup(db_val(res, i, 0));
        right[i] = PQgetisnull(res, i, 1) ? NULL : xstrdup(db_val(res, i, 1));
    }
    PQclear(res);
    return 0;
}

int
db_merge(struct db *db, const char *entity, int64_t survivor, int64_t merged, const char *fields,
         int64_t *merge_id, struct ccrm_err *err)
{
    char sbuf[24], mbuf[24];
    const char *params[4] = {entity, sbuf, mbuf, fields};
    PGresult *res;
    int rc = 0;

    snprintf(sbuf, sizeof sbuf, "%" PRId64, survivor);
    snprintf(mbuf, sizeof mbuf, "%" PRId64, merged);
    res = run(db, "SELECT ccrm_merge($1, $2::bigint, $3::bigint, $4::jsonb)", 4, params, &rc, err);
    if (res == NULL)
        return rc;
    *merge_id = strtoll(db_val(res, 0, 0), NULL, 10);
    PQclear(res);
    return 0;
}

int64_t
db_resolve(struct db *db, const char *entity, int64_t id, struct ccrm_err *err)
{
    char idbuf[24];
    const char *params[2] = {entity, idbuf};
    PGresult *res;
    int64_t to;
    int rc = 0;

    snprintf(idbuf, sizeof idbuf, "%" PRId64, id);
    if ((res = run(db, "SELECT ccrm_resolve($1, $2::bigint)", 2, params, &rc, err)) == NULL)
        return -1;
    to = strtoll(db_val(res, 0, 0), NULL, 10);
    PQclear(res);
    return to != id ? to : 0;
}

int
db_duplicates_for(struct db *db, const char *entity, const char *values, char *out, size_t n,
                  struct ccrm_err *err)
{
    const char *params[2] = {entity, values};
    PGresult *res;
    int rc = 0, count;

    out[0] = '\0';
    res = run(db,
              "SELECT coalesce(string_agg('#' || d.id || ' ' || d.label || ' ('"
              "           || array_to_string(d.reasons, ', ') || ')', ' · '"
              "           ORDER BY d.score DESC, d.id), ''), count(*)"
              "  FROM ccrm_duplicates_for($1, $2::jsonb, 3) d",
              2, params, &rc, err);
    if (res == NULL)
        return -1;
    str_copy(out, db_val(res, 0, 0), n);
    count = atoi(db_val(res, 0, 1));
    PQclear(res);
    return count;
}

int
db_segments_list(struct db *db, struct segment_row *out, int max, struct ccrm_err *err)
{
    char lim[16];
    const char *params[1] = {lim};
    PGresult *res;
    int rc = 0, i, n;

    snprintf(lim, sizeof lim, "%d", max);
    res = run(db,
              "SELECT s.id, s.name, coalesce(s.owner, s.created_by), coalesce(s.description, ''),"
              "       s.definition::text, z.people, s.version, z.exact"
              "  FROM (SELECT * FROM segments ORDER BY id DESC LIMIT $1::int) s,"
              "       ccrm_segment_size(s.definition) z"
              " ORDER BY s.id DESC",
              1, params, &rc, err);
    if (res == NULL)
        return -1;
    n = PQntuples(res);
    for (i = 0; i < n && i < max; i++) {
        out[i].id = strtoll(db_val(res, i, 0), NULL, 10);
        str_copy(out[i].name, db_val(res, i, 1), sizeof out[i].name);
        str_copy(out[i].owner, db_val(res, i, 2), sizeof out[i].owner);
        str_copy(out[i].description, db_val(res, i, 3), sizeof out[i].description);
        str_copy(out[i].definition, db_val(res, i, 4), sizeof out[i].definition);
        out[i].estimate = strtoll(db_val(res, i, 5), NULL, 10);
        /* counted, because that was cheap: as exact as c's count */
        out[i].exact = strcmp(db_val(res, i, 7), "t") == 0 ? out[i].estimate : -1;
        out[i].version = atoi(db_val(res, i, 6));
    }
    PQclear(res);
    return i;
}

long long
db_segment_exact(struct db *db, int64_t id, struct ccrm_err *err)
{
    char idbuf[24];
    const char *params[1] = {idbuf};
    PGresult *res;
    long long n;
    int rc = 0;

    snprintf(idbuf, sizeof idbuf, "%" PRId64, id);
    if ((res = run(db, "SELECT ccrm_segment_count($1::bigint)", 1, params, &rc, err)) == NULL)
        return -1;
    n = strtoll(db_val(res, 0, 0), NULL, 10);
    PQclear(res);
    return n;
}

int
db_interests_search(struct db *db, const char *text, struct interest_row *out, int max,
                    struct ccrm_err *err)
{
    char lim[16];
    const char *params[2] = {text, lim};
    PGresult *res;
    int rc = 0, i, n;

    snprintf(lim, sizeof lim, "%d", max);
    /* the folded text as a LIKE pattern (its % _ \ escaped), on the folded search column */
    res = run(db,
              "SELECT to_char(" SQL_LOCAL(
                  "i.created_at") ", 'YYYY-MM-DD'), i.created_by,"
                                  "       coalesce(i.product, 'topic ' || i.topic)"
                                  "       || CASE WHEN i.source_entity = 'tickets'"
                                  "               THEN ' · from ticket #' || i.source_id"
                                  "               WHEN i.source_entity = 'opportunities'"
                                  "               THEN ' · from deal #' || i.source_id ELSE ' · ' "
                                  "|| i.source END,"
                                  "       CASE WHEN i.contact_id IS NOT NULL THEN 'contacts'"
                                  "            WHEN i.lead_id IS NOT NULL THEN 'leads' ELSE "
                                  "'accounts' END,"
                                  "       coalesce(i.contact_id, i.lead_id, i.account_id),"
                                  "       coalesce(CASE WHEN i.contact_id IS NOT NULL THEN "
                                  "'contact ' || " NAME_C "                     WHEN i.lead_id IS "
                                  "NOT NULL THEN 'lead ' || " NAME_L
                                  "                     ELSE 'account ' || a.name END, '')"
                                  "  FROM (SELECT * FROM interests i"
                                  "         WHERE i.search LIKE '%' || "
                                  "replace(replace(replace(ccrm_fold($1),"
                                  "               '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%'"
                                  "         ORDER BY i.created_at DESC, i.id DESC LIMIT $2::int) i"
                                  "  LEFT JOIN contacts c ON c.id = i.contact_id LEFT JOIN leads l "
                                  "ON l.id = i.lead_id"
                                  "  LEFT JOIN accounts a ON a.id = i.account_id"
                                  " ORDER BY i.created_at DESC, i.id DESC",
              2, params, &rc, err);
    if (res == NULL)
        return -1;
    n = PQntuples(res);
    for (i = 0; i < n && i < max; i++) {
        str_copy(out[i].at, db_val(res, i, 0), sizeof out[i].at);
        str_copy(out[i].who, db_val(res, i, 1), sizeof out[i].who);
        str_copy(out[i].what, db_val(res, i, 2), sizeof out[i].what);
        str_copy(out[i].entity, db_val(res, i, 3), sizeof out[i].entity);
        out[i].id = strtoll(db_val(res, i, 4), NULL, 10);
        str_copy(out[i].subject, db_val(res, i, 5), sizeof out[i].subject);
    }
    PQclear(res);
    return i;
}

long long
db_segment_preview(struct db *db, const char *definition, int exact, int *counted,
                   struct ccrm_err *err)
{
    const char *params[1] = {definition};
    PGresult *res;
    long long n;
    int rc = 0;

    res = run(db,
              exact ? "SELECT ccrm_segment_count($1::jsonb), true"
                    : "SELECT z.people, z.exact FROM ccrm_segment_size($1::jsonb) z",
              1, params, &rc, err);
    if (res == NULL)
        return rc == 1 ? -2 : -1;
    n = strtoll(db_val(res, 0, 0), NULL, 10);
    if (counted != NULL)
        *counted = strcmp(db_val(res, 0, 1), "t") == 0;
    PQclear(res);
    return n;
}

/* ---- consents ---- */

int
db_consent_set(struct db *db, const char *entity, int64_t id, const char *channel, int out,
               const char *source, int *still_out, struct ccrm_err *err)
{
    char idbuf[24];
    const char *params[5] = {entity, idbuf, channel, out ? "t" : "f",
                             source != NULL && source[0] != '\0' ? source : NULL};
    PGresult *res;
    int rc = 0;

    snprintf(idbuf, sizeof idbuf, "%" PRId64, id);
    if (still_out != NULL)
        *still_out = 0;
    res = run(db, "SELECT ccrm_consent_set($1, $2::bigint, $3, $4::boolean, $5)", 5, params, &rc,
              err);
    if (res == NULL)
        return rc;
    PQclear(res);
    if (out || still_out == NULL)
        return 0;
    /* a statement of its own: the consent just written is in its snapshot */
    res = run(db,
              "SELECT ccrm_opted_out(CASE WHEN $1 = 'contacts' THEN $2::bigint END,"
              "                      CASE WHEN $1 = 'leads' THEN $2::bigint END, $3) IS NOT NULL",
              3, params, &rc, err);
    if (res == NULL)
        return 0; /* recorded all the same */
    *still_out = strcmp(db_val(res, 0, 0), "t") == 0;
    PQclear(res);
    return 0;
}

/* ---- a saved segment changed or deleted ---- */

int
db_segment_update(struct db *db, int64_t id, int version, const char *name, const char *definition,
                  struct ccrm_err *err)
{
    char idbuf[24], vbuf[16];
    const char *params[4] = {idbuf, vbuf, name, definition};
    PGresult *res;
    int rc = 0, done;
    const char *now;

    snprintf(idbuf, sizeof idbuf, "%" PRId64, id);
    snprintf(vbuf, sizeof vbuf, "%d", version);
    /* under the user's row-level security: a segment someone else may not change is not
     * updated (0 rows); the version read tells a change made meanwhile apart from that */
    res = run(db,
              "WITH u AS (UPDATE segments s SET name = coalesce(btrim($3), s.name),"
              "                                 definition = coalesce($4::jsonb, s.definition)"
              "            WHERE s.id = $1::bigint AND s.version = $2::int RETURNING s.id)"
              " SELECT (SELECT count(*) FROM u),"
              "        (SELECT s.version FROM segments s WHERE s.id = $1::bigint)",
              4, params, &rc, err);
    if (res == NULL)
        return rc;
    done = strcmp(db_val(res, 0, 0), "0") != 0;
    now = PQgetisnull(res, 0, 1) ? NULL : db_val(res, 0, 1);
    if (!done) {
        if (now == NULL)
            err_set(err, "could not change segment #%" PRId64 ": it was deleted", id);
        else if (atoi(now) != version)
            err_set(err,
                    "could not change segment #%" PRId64 ": someone changed it meanwhile "
                    "(r reads it again)",
                    id);
        else
            err_set(err,
                    "could not change segment #%" PRId64 ": only its creator or owner, "
                    "marketing, management and admin change it",
                    id);
        str_copy(err->sqlstate, "42501", sizeof err->sqlstate);
        PQclear(res);
        return 1;
    }
    PQclear(res);
    return 0;
}

int
db_segment_delete(struct db *db, int64_t id, int version, struct ccrm_err *err)
{
    char idbuf[24], vbuf[16];
    const char *params[2] = {idbuf, vbuf};
    PGresult *res;
    int rc = 0, gone, seen, same;

    snprintf(idbuf, sizeof idbuf, "%" PRId64, id);
    snprintf(vbuf, sizeof vbuf, "%d", version);
    /* ccrm_delete holds the rule (marketing, management and admin any; others their own); a
     * segment changed since it was read is not deleted */
    res = run(db,
              "SELECT CASE WHEN s.version = $2::int THEN ccrm_delete('segments', ARRAY[s.id]) > 0"
              "            ELSE false END, s.id IS NOT NULL, s.version = $2::int"
              "  FROM (SELECT $1::bigint AS id) x LEFT JOIN segments s ON s.id = x.id",
              2, params, &rc, err);
    if (res == NULL)
        return rc;
    gone = strcmp(db_val(res, 0, 0), "t") == 0;
    seen = strcmp(db_val(res, 0, 1), "t") == 0;
    same = strcmp(db_val(res, 0, 2), "t") == 0;
    PQclear(res);
    if (gone)
        return 0;
    if (!seen)
        err_set(err, "could not delete segment #%" PRId64 ": it was deleted already", id);
    else if (!same)
        err_set(err,
                "could not delete segment #%" PRId64 ": someone changed it meanwhile "
                "(r reads it again)",
                id);
    else
        err_set(err,
                "could not delete segment #%" PRId64 ": only its creator or owner, marketing, "
                "management and admin delete it",
                id);
    str_copy(err->sqlstate, "42501", sizeof err->sqlstate);
    return 1;
}

/* ---- a big campaign's results, on request ---- */

int
db_campaign_results_on(struct db *db, int64_t campaign, struct ccrm_err *err)
{
    char cbuf[24];
    const char *params[1] = {cbuf};
    PGresult *res;
    int rc = 0;

    snprintf(cbuf, sizeof cbuf, "%" PRId64, campaign);
    /* a setting of this session that the detail's statement reads (entity_sql.h) */
    res = run(db, "SELECT set_config('ccrm.results_of', $1, false)", 1, params, &rc, err);
    if (res == NULL)
        return rc;
    PQclear(res);
    return 0;
}
