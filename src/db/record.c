/* Records for forms (include/ccrm/record.h): load, insert, update against the version read,
 * reference search and labels, for every entity of the registry with a form
 * (include/ccrm/entity.h). SQL text is built only from the registry's fixed column names and
 * reference fragments; every value travels as a parameter. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccrm/entity.h"
#include "ccrm/record.h"
#include "ccrm/strbuf.h"
#include "ccrm/util.h"
#include "db_int.h"

/* ---- references ---- */

/* What a reference field can point to: the registry's description of how the record is found
 * by typing and shown (struct entity_ref). r is the referenced table; $1 is a LIKE pattern,
 * $2 (when idparam) an id or NULL. */
static const struct entity_ref *
target_of(const char *name)
{
    const struct entity *e = entity_find(name);

    return e != NULL ? e->ref : NULL;
}

/* the person's time zone (their setting, else the company's calendar's: schema/019) */
#define USER_TZ "ccrm_user_tz(current_user)"

/* Run the statement in q (one parameter) and free q: the result when it has a row; NULL with
 * err set by the query, or with err->sqlstate empty when there is no row (the caller says
 * what is missing). */
static PGresult *
one_row(struct db *db, struct strbuf *q, const char *const *params, struct ccrm_err *err)
{
    PGresult *res = db_exec(db, strbuf_str(q), 1, params, err);

    strbuf_fini(q);
    if (res != NULL && PQntuples(res) == 0) {
        PQclear(res);
        err_clear(err);
        return NULL;
    }
    return res;
}

static int
is_id(const char *s)
{
    size_t n = strlen(s), i;

    if (n == 0 || n > 18)
        return 0;
    for (i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

void
ref_matches_clear(struct ref_match *m, int n)
{
    int i;

    for (i = 0; i < n; i++) {
        free(m[i].label);
        free(m[i].detail);
        m[i].label = m[i].detail = NULL;
        m[i].key[0] = m[i].within[0] = '\0';
    }
}

int
db_ref_search(struct db *db, const char *target, const char *text, struct ref_match *out, int max,
              struct ccrm_err *err)
{
    return db_ref_search_within(db, target, text, NULL, NULL, out, max, err);
}

/* A column name from the registry, checked anyway: it goes into SQL text. */
static int
is_column(const char *s)
{
    return s != NULL && s[0] != '\0' && strspn(s, "abcdefghijklmnopqrstuvwxyz_") == strlen(s);
}

int
db_ref_search_within(struct db *db, const char *target, const char *text, const char *col,
                     const char *value, struct ref_match *out, int max, struct ccrm_err *err)
{
    const struct entity_ref *t = target_of(target);
    struct strbuf q = STRBUF_INIT;
    char *pattern, *trim;
    const char *params[3];
    int np, narrow = col != NULL && value != NULL && value[0] != '\0';
    PGresult *res;
    int n, i;

    if (t == NULL || (col != NULL && !is_column(col)) || (narrow && !is_id(value))) {
        err_set(err, "cannot search %s", target);
        return -1;
    }
    if (max > REF_MATCH_MAX)
        max = REF_MATCH_MAX;
    trim = str_trim(xstrdup(text));
    pattern = like_contains(trim);
    params[0] = pattern;
    params[1] = is_id(trim) ? trim : NULL;
    np = t->idparam ? 2 : 1;
    strbuf_printf(&q, "SELECT %s, %s, %s", t->key, t->label, t->detail);
    if (col != NULL)
        strbuf_printf(&q, ", coalesce(r.%s::text, '')", col);
    strbuf_printf(&q, " FROM %s WHERE %s", t->from, t->match);
    if (narrow) {
        params[np++] = value;
        strbuf_printf(&q, " AND r.%s = $%d::bigint", col, np);
    }
    strbuf_printf(&q, " ORDER BY %s LIMIT %d", t->order, max);
    res = db_exec(db, strbuf_str(&q), np, params, err);
    strbuf_fini(&q);
    free(pattern);
    free(trim);
    if (res == NULL)
        return -1;
    n = PQntuples(res);
    for (i = 0; i < n && i < max; i++) {
        str_copy(out[i].key, db_val(res, i, 0), sizeof out[i].key);
        out[i].label = xstrdup(db_val(res, i, 1));
        out[i].detail = xstrdup(db_val(res, i, 2));
        str_copy(out[i].within, col != NULL ? db_val(res, i, 3) : "", sizeof out[i].within);
    }
    PQclear(res);
    return i;
}

char *
db_ref_label(struct db *db, const char *target, const char *key, struct ccrm_err *err)
{
    const struct entity_ref *t = target_of(target);
    struct strbuf q = STRBUF_INIT;
    const char *params[1] = {key};
    PGresult *res;
    char *label;

    if (t == NULL || key == NULL || key[0] == '\0' || (t->idparam && !is_id(key))) {
        err_set(err, "no such %s", target);
        return NULL;
    }
    strbuf_printf(&q, "SELECT %s FROM %s WHERE %s", t->label, t->from, t->by_key);
    if ((res = one_row(db, &q, params, err)) == NULL) {
        if (err->msg[0] == '\0')
            err_set(err, "no %s %s is visible to you", target, key);
        return NULL;
    }
    label = xstrdup(db_val(res, 0, 0));
    PQclear(res);
    return label;
}

char *
db_ref_within(struct db *db, const char *target, const char *key, const char *col,
              struct ccrm_err *err)
{
    const struct entity_ref *t = target_of(target);
    struct strbuf q = STRBUF_INIT;
    const char *params[1] = {key};
    PGresult *res;
    char *v;

    if (t == NULL || !is_column(col) || key == NULL || key[0] == '\0' ||
        (t->idparam && !is_id(key))) {
        err_set(err, "no such %s", target);
        return NULL;
    }
    strbuf_printf(&q, "SELECT coalesce(r.%s::text, '') FROM %s WHERE %s", col, t->from, t->by_key);
    if ((res = one_row(db, &q, params, err)) == NULL)
        return NULL;
    v = xstrdup(db_val(res, 0, 0));
    PQclear(res);
    return v;
}

/* ---- records ---- */

void
record_free(struct record **rp)
{
    struct record *r = rp != NULL ? *rp : NULL;
    int i;

    if (r == NULL)
        return;
    for (i = 0; i < r->spec->nfields; i++) {
        free(r->val[i]);
        free(r->label[i]);
    }
    free(r->val);
    free(r->label);
    free(r->updated_by);
    free(r->updated_at);
    free(r);
    *rp = NULL;
}

/* The text of field f as a form compares it: dates and times in the form's format. */
static void
add_value_expr(struct strbuf *q, const struct entity_field *f)
{
    if (f->list != LIST_NONE) { /* an array: its items, as the form lists them */
        strbuf_printf(q,
                      ", coalesce(array_to_string(ARRAY(SELECT %s FROM unnest(t.%s) x),"
                      " ', '), '')",
                      f->type == FIELD_DATE ? "to_char(x, 'YYYY-MM-DD')" : "x::text", f->column);
        return;
    }
    switch (f->type) {
    case FIELD_DATE:
        strbuf_printf(q, ", coalesce(to_char(t.%s, 'YYYY-MM-DD'), '')", f->column);
        break;
    case FIELD_DATETIME: /* in the person's time zone, as the Tasks list and agenda show it */
        strbuf_printf(q,
                      ", coalesce(to_char(t.%s AT TIME ZONE " USER_TZ ", 'YYYY-MM-DD HH24:MI'),"
                      " '')",
                      f->column);
        break;
    case FIELD_TIME:
        strbuf_printf(q, ", coalesce(to_char(t.%s, 'HH24:MI'), '')", f->column);
        break;
    default:
        strbuf_printf(q, ", coalesce(t.%s::text, '')", f->column);
        break;
    }
}

struct record *
db_record_load(struct db *db, const struct entity *e, int64_t id, struct ccrm_err *err)
{
    struct strbuf q = STRBUF_INIT;
    char idbuf[24];
    const char *params[1] = {idbuf};
    struct record *r;
    PGresult *res;
    int i;

    snprintf(idbuf, sizeof idbuf, "%" PRId64, id);
    strbuf_printf(&q, "SELECT t.version, t.updated_by, to_char(t.updated_at AT TIME ZONE " USER_TZ
                      ", 'YYYY-MM-DD HH24:MI')");
    for (i = 0; i < e->nfields; i++)
        add_value_expr(&q, &e->fields[i]);
    strbuf_printf(&q, " FROM %s t WHERE t.id = $1", e->table);
    if ((res = one_row(db, &q, params, err)) == NULL) {
        if (err->msg[0] == '\0')
            err_set(err, "%s #%" PRId64 " does not exist (or is not visible to you)", e->singular,
                    id);
        return NULL;
    }
    r = xcalloc(1, sizeof *r);
    r->spec = e;
    r->id = id;
    r->version = atoi(db_val(res, 0, 0));
    r->updated_by = xstrdup(db_val(res, 0, 1));
    r->updated_at = xstrdup(db_val(res, 0, 2));
    r->val = xcalloc((size_t)e->nfields, sizeof *r->val);
    r->label = xcalloc((size_t)e->nfields, sizeof *r->label);
    for (i = 0; i < e->nfields; i++)
        r->val[i] = xstrdup(db_val(res, 0, 3 + i));
    PQclear(res);
    for (i = 0; i < e->nfields; i++) {
        const struct entity_field *f = &e->fields[i];
        struct ccrm_err lerr;

        if (f->type != FIELD_REF || r->val[i][0] == '\0')
            continue;
        r->label[i] = db_ref_label(db, f->ref, r->val[i], &lerr);
        if (r->label[i] == NULL) {
            if (db_state(db) != DB_READY) {
                *err = lerr;
                record_free(&r);
                return NULL;
            }
            /* not visible to this role (or gone): show the key */
            r->label[i] =
                strcmp(f->ref, "users") == 0 ? xstrdup(r->val[i]) : xasprintf("#%s", r->val[i]);
        }
    }
    return r;
}

/* Where parameter n goes in a write of field f whose value is v: a date and time without an
 * offset ("2026-12-10 10:00", as a form takes it) is in the person's time zone, as the form
 * showed it (add_value_expr), and refused when that zone skips it (ccrm_wall_time); with one
 * ("...+02", "...Z") it says its own. */
static void
put_param(struct strbuf *q, const struct entity_field *f, const char *v, int n)
{
    size_t len = v != NULL ? strlen(v) : 0;

    /* an offset ends it: Z, +HH, +HHMM or +HH:MM (a date's own '-' is further in) */
    if (f->type == FIELD_DATETIME && f->list == LIST_NONE && len > 6 && v[len - 1] != 'Z' &&
        strchr("+-", v[len - 3]) == NULL && strchr("+-", v[len - 5]) == NULL &&
        strchr("+-", v[len - 6]) == NULL)
        strbuf_printf(q, "ccrm_wall_time($%d::timestamp, " USER_TZ ", '%s')", n, f->column);
    else
        strbuf_printf(q, "$%d", n);
}

/* The parameter that writes value v of field f: a list ("a, b") as an SQL array literal
 * ({"a","b"}, which the column's type reads), made in *tmp (freed by the caller); an empty
 * list NULL, or {} for a column that holds no NULL. Any other value as it is (NULL: empty). */
static const char *
write_param(const struct entity_field *f, const char *v, char **tmp)
{
    struct strbuf b = STRBUF_INIT;
    const char *p, *end;

    *tmp = NULL;
    if (f->list == LIST_NONE)
        return v != NULL && v[0] != '\0' ? v : NULL;
    if (v == NULL || v[0] == '\0')
        return f->list == LIST_EMPTY ? "{}" : NULL;
    strbuf_puts(&b, "{");
    for (p = v;; p = end + 2) {
        const char *c;

        end = strstr(p, ", ");
        if (end == NULL)
            end = p + strlen(p);
        strbuf_puts(&b, p == v ? "\"" : ",\"");
        for (c = p; c < end; c++) {
            if (*c == '"' || *c == '\\')
                strbuf_add(&b, "\\", 1);
            strbuf_add(&b, c, 1);
        }
        strbuf_puts(&b, "\"");
        if (*end == '\0')
            break;
    }
    strbuf_puts(&b, "}");
    *tmp = strbuf_steal(&b);
    return *tmp;
}

/* Words for a refusal of the database, at the field it is about when there is one. */
static void
explain(const struct entity *e, struct record_err *re, const char *state, const char *primary,
        const char *hint, const char *constraint, const char *column)
{
    char *label = NULL;

    re->field = -1;
    /* a constraint's, or any refusal that names its column (an unknown time zone: 22023) */
    if (strncmp(state, "23", 2) == 0 || strcmp(state, "22008") == 0 ||
        (column != NULL && column[0] != '\0'))
        re->field = form_constraint_field(e, constraint, column);
    if (re->field >= 0) {
        const char *l = e->fields[re->field].label;
        size_t i;

        label = xstrdup(l);
        for (i = 0; label[i] != '\0'; i++)
            if (label[i] >= 'A' && label[i] <= 'Z')
                label[i] = (char)(label[i] - 'A' + 'a');
    }
    if (strcmp(state, "23505") == 0 && re->field >= 0)
        err_set(&re->err, "another %s already has this %s", e->singular, label);
    else if (strcmp(state, "23502") == 0 && re->field >= 0)
        err_set(&re->err, "required");
    else if (strcmp(state, "23503") == 0 && re->field >= 0 &&
             e->fields[re->field].type == FIELD_CURRENCY)
        err_set(&re->err, "not a currency ccrm knows (ISO 4217: EUR, USD, ...)");
    else if (strcmp(state, "23503") == 0 && re->field >= 0)
        err_set(&re->err, "that record does not exist (any more): choose another");
    else if (strcmp(state, "23514") == 0 && re->field >= 0 && e->one_of != NULL &&
             strcmp(e->fields[re->field].column, e->one_of[0]) == 0 && constraint != NULL &&
             strstr(constraint, "identity") != NULL)
        err_set(&re->err, "%s", e->one_of_msg);
    else if (strcmp(state, "23514") == 0 && re->field >= 0 && constraint != NULL &&
             strstr(constraint, "dates") != NULL)
        err_set(&re->err, "must not be before the start date");
    else if (strcmp(state, "23514") == 0 && re->field >= 0)
        err_set(&re->err, "the database does not accept this value (%s)",
                constraint != NULL ? constraint : "check");
    else if (strcmp(state, "42501") == 0 && strstr(primary, "row-level security") != NULL)
        /* a policy's WITH CHECK: the values name a record this role may not write */
        err_set(&re->err,
                "your role may not save this %s with these values (the database's "
                "rules on who may write what)",
                e->singular);
    else if (strcmp(state, "57014") == 0 || strcmp(state, "55P03") == 0)
        /* (a row another writer holds, a statement timeout): nothing was written, and the
         * next try may pass */
        err_set(&re->err,
                "the database did not answer in time (%s, another writer may hold the %s); "
                "your input is kept: press Ctrl-S to try again",
                primary, e->singular);
    else if (hint != NULL && hint[0] != '\0')
        err_set(&re->err, "%s (%s)", primary, hint);
    else
        err_set(&re->err, "%s", primary);
    str_copy(re->err.sqlstate, state, sizeof re->err.sqlstate);
    free(label);
}

/* A CHECK that says in its comment what it asks (COMMENT ON CONSTRAINT, schema/046): those
 * words instead of its name. Nothing changes when it has none, or the lookup fails. */
static void
constraint_words(struct db *db, struct record_err *re, const char *table, const char *constraint)
{
    const char *params[2] = {constraint, table};
    struct ccrm_err err;
    PGresult *res = db_exec(db,
                            "SELECT obj_description(c.oid, 'pg_constraint') FROM pg_constraint c"
                            " WHERE c.conname = $1 AND c.conrelid = to_regclass('public.' ||"
                            " quote_ident($2))",
                            2, params, &err);

    if (res != NULL && PQntuples(res) == 1 && !PQgetisnull(res, 0, 0)) {
        err_set(&re->err, "%s", PQgetvalue(res, 0, 0));
        str_copy(re->err.sqlstate, "23514", sizeof re->err.sqlstate);
    }
    PQclear(res);
}

/* Run a write. Returns the result, or NULL with re filled: the field a refusal is about, and
 * lost when the connection broke. */
static PGresult *
exec_write(struct db *db, const struct entity *e, const char *sql, int n, const char *const *params,
           struct record_err *re)
{
    PGresult *res;
    ExecStatusType st;
    char state[6] = "", primary[200] = "", hint[200] = "", constraint[64] = "", column[64] = "",
         table[64] = "";
    const char *v;

    re->field = -1;
    re->lost = 0;
    re->maybe_id = 0;
    err_clear(&re->err);
    if (db_state(db) != DB_READY) {
        err_set(&re->err, "not connected to the database");
        re->lost = 1;
        return NULL;
    }
    res = PQexecParams(db->conn, sql, n, NULL, params, NULL, NULL, 0);
    st = PQresultStatus(res);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK && res != NULL) {
        if ((v = PQresultErrorField(res, PG_DIAG_SQLSTATE)) != NULL)
            str_copy(state, v, sizeof state);
        if ((v = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)) != NULL)
            str_copy(primary, v, sizeof primary);
        if ((v = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT)) != NULL)
            str_copy(hint, v, sizeof hint);
        if ((v = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME)) != NULL)
            str_copy(constraint, v, sizeof constraint);
        if ((v = PQresultErrorField(res, PG_DIAG_COLUMN_NAME)) != NULL)
            str_copy(column, v, sizeof column);
        if ((v = PQresultErrorField(res, PG_DIAG_TABLE_NAME)) != NULL)
            str_copy(table, v, sizeof table);
    }
    res = db_result(db, res, "could not save", &re->err);
    if (res != NULL)
        return res;
    if (db_state(db) != DB_READY || state[0] == '\0') {
        re->lost = db_state(db) != DB_READY;
        return NULL;
    }
    /* (an insert's own transaction, failed: ended here, so that the queries below and the
     * caller's next ones run) */
    if (PQtransactionStatus(db->conn) == PQTRANS_INERROR)
        db_rollback(db);
    if (strcmp(state, "CR001") == 0)
        return NULL; /* the caller loads the row as it is now */
    explain(e, re, state, primary, hint, constraint[0] ? constraint : NULL,
            column[0] ? column : NULL);
    if (strcmp(state, "23514") == 0 && constraint[0] != '\0' && table[0] != '\0')
        constraint_words(db, re, table, constraint);
    return NULL;
}

int
db_record_insert(struct db *db, const struct entity *e, const char *const *vals, int64_t *id,
                 struct record_err *rerr)
{
    struct strbuf q = STRBUF_INIT;
    const char **params = xcalloc((size_t)e->nfields + 1, sizeof *params);
    char **tmp = xcalloc((size_t)e->nfields + 1, sizeof *tmp);
    PGresult *res;
    int i, n = 0;

    const struct entity_field **pf = xcalloc((size_t)e->nfields + 1, sizeof *pf);

    strbuf_printf(&q, "INSERT INTO %s", e->table);
    for (i = 0; i < e->nfields; i++) {
        const char *p;

        /* NULL: left to the column's default; an empty list of a NOT NULL column is {} */
        if (vals[i] == NULL || (vals[i][0] == '\0' && e->fields[i].list != LIST_EMPTY) ||
            (p = write_param(&e->fields[i], vals[i], &tmp[n])) == NULL)
            continue;
        strbuf_printf(&q, "%s%s", n == 0 ? " (" : ", ", e->fields[i].column);
        pf[n] = &e->fields[i];
        params[n++] = p;
    }
    if (n == 0) {
        strbuf_printf(&q, " DEFAULT VALUES");
    } else {
        strbuf_printf(&q, ") VALUES (");
        for (i = 0; i < n; i++) {
            strbuf_puts(&q, i ? ", " : "");
            put_param(&q, pf[i], params[i], i + 1);
        }
        strbuf_printf(&q, ")");
    }
    free(pf);
    strbuf_printf(&q, " RETURNING id");
    /* in a transaction of its own: the id is known before the COMMIT, so a connection lost
     * while it commits leaves the form knowing which record to look for before it saves
     * again (an INSERT in autocommit whose answer was lost was sent again: two records) */
    if (db_run(db, "BEGIN", "could not save", &rerr->err) == -1) {
        rerr->field = -1;
        rerr->maybe_id = 0;
        rerr->lost = db_state(db) != DB_READY;
        res = NULL;
    } else {
        res = exec_write(db, e, strbuf_str(&q), n, params, rerr);
    }
    strbuf_fini(&q);
    free(params);
    for (i = 0; i <= n; i++)
        free(tmp[i]);
    free(tmp);
    if (res == NULL) {
        if (db_state(db) == DB_READY)
            db_rollback(db);
        return -1;
    }
    *id = strtoll(db_val(res, 0, 0), NULL, 10);
    PQclear(res);
    if (db_run(db, "COMMIT", "could not save", &rerr->err) == -1) {
        rerr->lost = db_state(db) != DB_READY;
        rerr->maybe_id = rerr->lost ? *id : 0;
        if (!rerr->lost)
            db_rollback(db);
        return -1;
    }
    return 0;
}

int
db_record_stamp(struct db *db, const struct entity *e, int64_t id, int *version, char *who,
                size_t n, struct ccrm_err *err)
{
    struct strbuf q = STRBUF_INIT;
    char idbuf[24];
    const char *params[1] = {idbuf};
    PGresult *res;
    int found;

    snprintf(idbuf, sizeof idbuf, "%" PRId64, id);
    strbuf_printf(&q,
                  "SELECT version, updated_by || ' at ' || to_char(updated_at AT TIME ZONE " USER_TZ
                  ", 'HH24:MI')"
                  " FROM %s WHERE id = $1",
                  e->table);
    res = db_exec(db, strbuf_str(&q), 1, params, err);
    strbuf_fini(&q);
    if (res == NULL)
        return -1;
    found = PQntuples(res) > 0;
    if (found) {
        *version = atoi(db_val(res, 0, 0));
        if (who != NULL)
            str_copy(who, db_val(res, 0, 1), n);
    }
    PQclear(res);
    return found;
}

int
db_record_update(struct db *db, const struct entity *e, int64_t id, int version,
                 const struct record_change *ch, int nch, int *new_version, struct record **current,
                 struct record_err *rerr)
{
    struct strbuf q = STRBUF_INIT;
    const char **params = xcalloc((size_t)nch + 2, sizeof *params);
    char **tmp = xcalloc((size_t)nch + 1, sizeof *tmp);
    char idbuf[24], vbuf[16];
    PGresult *res;
    int i, v;

    *current = NULL;
    snprintf(idbuf, sizeof idbuf, "%" PRId64, id);
    snprintf(vbuf, sizeof vbuf, "%d", version);
    strbuf_printf(&q, "UPDATE %s SET ", e->table);
    for (i = 0; i < nch; i++) {
        params[i] = write_param(&e->fields[ch[i].field], ch[i].value, &tmp[i]);
        strbuf_printf(&q, "%s = ", e->fields[ch[i].field].column);
        put_param(&q, &e->fields[ch[i].field], params[i], i + 1);
        strbuf_puts(&q, ", ");
    }
    /* the version read: the stamp trigger raises CR001 when the row has another one now */
    strbuf_printf(&q, "version = $%d WHERE id = $%d RETURNING version", nch + 1, nch + 2);
    params[nch] = vbuf;
    params[nch + 1] = idbuf;
    res = exec_write(db, e, strbuf_str(&q), nch + 2, params, rerr);
    strbuf_fini(&q);
    free(params);
    for (i = 0; i < nch; i++)
        free(tmp[i]);
    free(tmp);
    if (res == NULL) {
        struct ccrm_err lerr;

        if (strcmp(rerr->err.sqlstate, "CR001") != 0)
            return -1;
        *current = db_record_load(db, e, id, &lerr);
        if (*current != NULL)
            return 1;
        if (db_state(db) == DB_READY && lerr.sqlstate[0] == '\0')
            return 2;
        rerr->err = lerr;
        rerr->lost = db_state(db) != DB_READY;
        return -1;
    }
    if (PQntuples(res) == 0) { /* deleted, or a row policy hides it from updates */
        PQclear(res);
        switch (db_record_stamp(db, e, id, &v, NULL, 0, &rerr->err)) {
        case 0:
            return 2;
        case 1:
            err_set(&rerr->err, "your role may not change this %s", e->singular);
            return -1;
        default:
            rerr->lost = db_state(db) != DB_READY;
            return -1;
        }
    }
    if (new_version != NULL)
        *new_version = atoi(db_val(res, 0, 0));
    PQclear(res);
    return 0;
}

int
db_may_many(struct db *db, int n, const int *function, const char *const *object,
            const char *const *privilege, int *may)
{
    struct strbuf f = STRBUF_INIT, o = STRBUF_INIT, p = STRBUF_INIT;
    const char *params[3];
    struct ccrm_err err;
    PGresult *res;
    int i, rc = -1;

    for (i = 0; i < n; i++) { /* names of tables and functions: no quote or backslash in them */
        strbuf_printf(&f, "%s%s", i ? "," : "{", function[i] ? "t" : "f");
        strbuf_printf(&o, "%s\"%s\"", i ? "," : "{", object[i]);
        strbuf_printf(&p, "%s\"%s\"", i ? "," : "{", privilege[i]);
    }
    strbuf_puts(&f, "}");
    strbuf_puts(&o, "}");
    strbuf_puts(&p, "}");
    params[0] = strbuf_str(&f);
    params[1] = strbuf_str(&o);
    params[2] = strbuf_str(&p);
    res = db_exec(db,
                  "SELECT CASE WHEN x.f THEN has_function_privilege(x.o, x.p)"
                  " ELSE has_any_column_privilege(('public.' || x.o)::regclass, x.p) END"
                  " FROM unnest($1::bool[], $2::text[], $3::text[]) WITH ORDINALITY"
                  " AS x(f, o, p, n) ORDER BY x.n",
                  3, params, &err);
    if (res != NULL && PQntuples(res) == n) {
        for (i = 0; i < n; i++)
            may[i] = strcmp(db_val(res, i, 0), "t") == 0;
        rc = 0;
    }
    PQclear(res);
    strbuf_fini(&f);
    strbuf_fini(&o);
    strbuf_fini(&p);
    return rc;
}

int
db_record_may(struct db *db, const struct entity *e, const char *privilege, struct ccrm_err *err)
{
    const char *params[2] = {e->table, privilege};
    PGresult *res;
    int may;

    res = db_exec(db, "SELECT has_any_column_privilege(('public.' || $1)::regclass, $2)", 2, params,
                  err);
    if (res == NULL)
        return -1;
    may = strcmp(db_val(res, 0, 0), "t") == 0;
    PQclear(res);
    return may;
}
