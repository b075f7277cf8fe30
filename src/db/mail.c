/* The database side of mail (schema 017, include/ccrm/mail.h): storing parsed mail through
 * ccrm_mail_store_many() (or ccrm_mail_deliver() for the mail login), the history import's
 * transaction and batch, the sorted Maildir file list, answers and the outbox.
 * Parsed mail travels as binary array parameters (one element per mail): no escaping, and
 * attachment bytes go as they are. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ccrm/mail.h"
#include "ccrm/strbuf.h"
#include "ccrm/util.h"
#include "db_int.h"

/* OIDs of the element types of the arrays sent (fixed in PostgreSQL's catalog) */
#define OID_BYTEA 17
#define OID_INT8 20
#define OID_INT4 23
#define OID_TEXT 25
#define OID_TIMESTAMPTZ 1184

#define PG_EPOCH_US INT64_C(946684800000000) /* 2000-01-01 in Unix microseconds */

#define STORE_COLS                                                                                 \
    "i, id, status, duplicate, thread_by, ticket_id, lead_id, contact_id,"                         \
    " opportunity_id, account_id, created"
#define STORE_ARGS                                                                                 \
    "$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,"                  \
    " $18, $19, $20"

/* db_exec with a message of our own: "<what>: <the server's message>". */
static PGresult *
exec_what(struct db *db, const char *sql, int n, const char *const *params, const char *what,
          struct ccrm_err *err)
{
    if (db->state != DB_READY) {
        err_set(err, "not connected to the database");
        return NULL;
    }
    return db_result(db, PQexecParams(db->conn, sql, n, NULL, params, NULL, NULL, 0), what, err);
}

/* ---- binary arrays ---- */

struct arr {
    char *p;
    size_t len, cap;
    int n, hasnull;
    unsigned oid;
};

static void
arr_put(struct arr *a, const void *p, size_t n)
{
    if (a->len + n > a->cap) {
        a->cap = (a->len + n) * 2 + 64;
        a->p = xrealloc(a->p, a->cap);
    }
    memcpy(a->p + a->len, p, n);
    a->len += n;
}

static void
arr_init(struct arr *a, unsigned oid)
{
    uint32_t zero[5] = {0, 0, 0, 0, 0};

    memset(a, 0, sizeof *a);
    a->oid = oid;
    arr_put(a, zero, sizeof zero); /* the header, filled in by arr_done */
}

/* One element; NULL p (or n < 0) is SQL NULL. */
static void
arr_add(struct arr *a, const void *p, long n)
{
    uint32_t len;

    a->n++;
    if (p == NULL || n < 0) {
        len = htonl(0xffffffffu);
        a->hasnull = 1;
        arr_put(a, &len, 4);
        return;
    }
    len = htonl((uint32_t)n);
    arr_put(a, &len, 4);
    arr_put(a, p, (size_t)n);
}

static void
arr_text(struct arr *a, const char *s)
{
    arr_add(a, s, s != NULL ? (long)strlen(s) : -1);
}

static void
arr_int64(struct arr *a, int64_t v)
{
    uint64_t u = (uint64_t)v;
    unsigned char b[8];
    int i;

    for (i = 7; i >= 0; i--, u >>= 8)
        b[i] = (unsigned char)(u & 0xff);
    arr_add(a, b, 8);
}

static void
arr_int32(struct arr *a, int32_t v)
{
    uint32_t u = htonl((uint32_t)v);

    arr_add(a, &u, 4);
}

/* The header: one dimension of n elements from 1 (no dimension at all when empty). */
static void
arr_done(struct arr *a)
{
    uint32_t h[5];

    if (a->n == 0) {
        h[0] = 0;
        h[1] = 0;
        h[2] = htonl(a->oid);
        memcpy(a->p, h, 12);
        a->len = 12;
        return;
    }
    h[0] = htonl(1);
    h[1] = htonl((uint32_t)a->hasnull);
    h[2] = htonl(a->oid);
    h[3] = htonl((uint32_t)a->n);
    h[4] = htonl(1);
    memcpy(a->p, h, sizeof h);
}

/* ---- storing ---- */

enum {
    A_MID,
    A_FROM,
    A_NAME,
    A_SUBJ,
    A_BODY,
    A_SENT,
    A_IRT,
    A_REFS,
    A_REPLY,
    A_TO,
    A_CC,
    A_RCPT,
    A_AUTO,
    A_ATT_I,
    A_ATT_NAME,
    A_ATT_TYPE,
    A_ATT_SIZE,
    A_ATT_CONTENT,
    A_N
};

struct store_call {
    struct arr a[A_N];
    const char *values[20];
    int lengths[20];
    int formats[20];
    char live[2];
};

static const char *
auto_name(enum mail_auto a)
{
    switch (a) {
    case MAIL_AUTO_REPLY:
        return "auto-reply";
    case MAIL_BULK:
        return "bulk";
    case MAIL_LIST:
        return "list";
    case MAIL_BOUNCE:
        return "bounce";
    case MAIL_PERSON:
        break;
    }
    return NULL;
}

static void
call_build(struct store_call *c, const char *queue, int live, struct mail_msg *const *msgs, int n)
{
    static const unsigned oids[A_N] = {OID_TEXT,        OID_TEXT, OID_TEXT, OID_TEXT, OID_TEXT,
                                       OID_TIMESTAMPTZ, OID_TEXT, OID_TEXT, OID_TEXT, OID_TEXT,
                                       OID_TEXT,        OID_TEXT, OID_TEXT, OID_INT4, OID_TEXT,
                                       OID_TEXT,        OID_INT8, OID_BYTEA};
    int i, j, k, p = 0;

    for (k = 0; k < A_N; k++)
        arr_init(&c->a[k], oids[k]);
    for (i = 0; i < n; i++) {
        const struct mail_msg *m = msgs[i];

        arr_text(&c->a[A_MID], m->message_id);
        arr_text(&c->a[A_FROM], m->from_addr);
        arr_text(&c->a[A_NAME], m->from_name);
        arr_text(&c->a[A_SUBJ], m->subject);
        arr_text(&c->a[A_BODY], m->body);
        if (m->has_date)
            arr_int64(&c->a[A_SENT], m->date - PG_EPOCH_US);
        else
            arr_add(&c->a[A_SENT], NULL, -1);
        arr_text(&c->a[A_IRT], m->in_reply_to);
        arr_text(&c->a[A_REFS], m->references);
        arr_text(&c->a[A_REPLY], m->reply_to);
        arr_text(&c->a[A_TO], m->to);
        arr_text(&c->a[A_CC], m->cc);
        arr_text(&c->a[A_RCPT], m->recipients);
        arr_text(&c->a[A_AUTO], auto_name(m->autoclass));
        for (j = 0; j < m->natt; j++) {
            const struct mail_attachment *at = &m->att[j];

            arr_int32(&c->a[A_ATT_I], i + 1);
            arr_text(&c->a[A_ATT_NAME], at->name);
            arr_text(&c->a[A_ATT_TYPE], at->type);
            arr_int64(&c->a[A_ATT_SIZE], (int64_t)at->size);
            arr_add(&c->a[A_ATT_CONTENT], at->content, at->content != NULL ? (long)at->size : -1);
        }
    }
    for (k = 0; k < A_N; k++)
        arr_done(&c->a[k]);
    /* $1 queue, $2 live, then the arrays */
    c->values[p] = queue;
    c->lengths[p] = 0;
    c->formats[p++] = 0;
    str_copy(c->live, live ? "t" : "f", sizeof c->live);
    c->values[p] = c->live;
    c->lengths[p] = 0;
    c->formats[p++] = 0;
    for (k = 0; k < A_N; k++) {
        c->values[p] = c->a[k].p;
        c->lengths[p] = (int)c->a[k].len;
        c->formats[p++] = 1;
    }
}

static void
call_free(struct store_call *c)
{
    int k;

    for (k = 0; k < A_N; k++)
        free(c->a[k].p);
}

/* One mail, live: ccrm_mail_store() (or ccrm_mail_deliver()): scalar text parameters, the
 * references, recipients and attachments as binary arrays. */
enum {
    O_QUEUE,
    O_MID,
    O_FROM,
    O_NAME,
    O_SUBJ,
    O_BODY,
    O_SENT,
    O_IRT,
    O_REFS,
    O_REPLY,
    O_TO,
    O_CC,
    O_RCPT,
    O_AUTO,
    O_ATT_NAME,
    O_ATT_TYPE,
    O_ATT_SIZE,
    O_ATT_CONTENT,
    O_N
};

struct one_call {
    struct arr refs, rcpt, names, types, sizes, contents;
    const char *values[O_N];
    int lengths[O_N];
    int formats[O_N];
    char sent[40];
};

/* Space-separated words as a text[] */
static void
arr_words(struct arr *a, const char *s)
{
    const char *p = s;

    arr_init(a, OID_TEXT);
    while (p != NULL && *p != '\0') {
        const char *e;

        while (*p == ' ')
            p++;
        if (*p == '\0')
            break;
        e = strchr(p, ' ');
        if (e == NULL)
            e = p + strlen(p);
        arr_add(a, p, (long)(e - p));
        p = e;
    }
    arr_done(a);
}

static void
one_build(struct one_call *c, const char *queue, const struct mail_msg *m)
{
    int j, k;

    memset(c, 0, sizeof *c);
    arr_words(&c->refs, m->references);
    arr_words(&c->rcpt, m->recipients);
    arr_init(&c->names, OID_TEXT);
    arr_init(&c->types, OID_TEXT);
    arr_init(&c->sizes, OID_INT8);
    arr_init(&c->contents, OID_BYTEA);
    for (j = 0; j < m->natt; j++) {
        const struct mail_attachment *at = &m->att[j];

        arr_text(&c->names, at->name);
        arr_text(&c->types, at->type);
        arr_int64(&c->sizes, (int64_t)at->size);
        arr_add(&c->contents, at->content, at->content != NULL ? (long)at->size : -1);
    }
    arr_done(&c->names);
    arr_done(&c->types);
    arr_done(&c->sizes);
    arr_done(&c->contents);
    c->values[O_QUEUE] = queue;
    c->values[O_MID] = m->message_id;
    c->values[O_FROM] = m->from_addr;
    c->values[O_NAME] = m->from_name;
    c->values[O_SUBJ] = m->subject;
    c->values[O_BODY] = m->body;
    c->values[O_SENT] = NULL;
    c->values[O_IRT] = m->in_reply_to;
    c->values[O_REPLY] = m->reply_to;
    c->values[O_TO] = m->to;
    c->values[O_CC] = m->cc;
    c->values[O_AUTO] = auto_name(m->autoclass);
    c->values[O_REFS] = c->refs.p;
    c->lengths[O_REFS] = (int)c->refs.len;
    c->values[O_RCPT] = c->rcpt.p;
    c->lengths[O_RCPT] = (int)c->rcpt.len;
    c->values[O_ATT_NAME] = c->names.p;
    c->lengths[O_ATT_NAME] = (int)c->names.len;
    c->values[O_ATT_TYPE] = c->types.p;
    c->lengths[O_ATT_TYPE] = (int)c->types.len;
    c->values[O_ATT_SIZE] = c->sizes.p;
    c->lengths[O_ATT_SIZE] = (int)c->sizes.len;
    c->values[O_ATT_CONTENT] = c->contents.p;
    c->lengths[O_ATT_CONTENT] = (int)c->contents.len;
    for (k = 0; k < O_N; k++)
        c->formats[k] = k == O_REFS || k == O_RCPT || k >= O_ATT_NAME;
    if (m->has_date) {
        /* binary timestamptz: microseconds since 2000-01-01 */
        int64_t v = m->date - PG_EPOCH_US;
        uint64_t u = (uint64_t)v;
        int i;

        for (i = 7; i >= 0; i--, u >>= 8)
            c->sent[i] = (char)(u & 0xff);
        c->values[O_SENT] = c->sent;
        c->lengths[O_SENT] = 8;
        c->formats[O_SENT] = 1;
    }
}

static void
one_free(struct one_call *c)
{
    free(c->refs.p);
    free(c->rcpt.p);
    free(c->names.p);
    free(c->types.p);
    free(c->sizes.p);
    free(c->contents.p);
}

/* May this session store mail itself (ccrm_mail_store, ccrm_mail_store_many)? The mail login
 * may not: it delivers through ccrm_mail_deliver(). Asked once per connection generation. */
static int
use_deliver(struct db *db, struct ccrm_err *err)
{
    static int asked_gen = -1, answer;
    PGresult *res;

    if (asked_gen == db_generation(db))
        return answer;
    res = db_exec(db,
                  "SELECT NOT has_function_privilege('ccrm_mail_store_many(text, boolean, text[],"
                  " text[], text[], text[], text[], timestamptz[], text[], text[], text[], text[],"
                  " text[], text[], text[], int[], text[], text[], bigint[], bytea[])', 'EXECUTE')",
                  0, NULL, err);
    if (res == NULL)
        return -1;
    answer = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    asked_gen = db_generation(db);
    PQclear(res);
    return answer;
}

static void
copy_text(char *dst, size_t n, const PGresult *res, int row, int col)
{
    str_copy(dst, db_val(res, row, col), n);
}

static int64_t
val64(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? 0 : strtoll(PQgetvalue(res, row, col), NULL, 10);
}

static void
read_rows(const PGresult *res, struct mail_stored *out, int n)
{
    int r, rows = PQntuples(res);

    memset(out, 0, sizeof *out * (size_t)n);
    for (r = 0; r < rows; r++) {
        int i = atoi(PQgetvalue(res, r, 0)) - 1;
        struct mail_stored *s;

        if (i < 0 || i >= n)
            continue;
        s = &out[i];
        s->id = val64(res, r, 1);
        copy_text(s->status, sizeof s->status, res, r, 2);
        s->duplicate = strcmp(db_val(res, r, 3), "t") == 0;
        copy_text(s->thread_by, sizeof s->thread_by, res, r, 4);
        s->ticket_id = val64(res, r, 5);
        s->lead_id = val64(res, r, 6);
        s->contact_id = val64(res, r, 7);
        s->opportunity_id = val64(res, r, 8);
        s->account_id = val64(res, r, 9);
        copy_text(s->created, sizeof s->created, res, r, 10);
    }
}

#define STORE_SQL "SELECT " STORE_COLS " FROM ccrm_mail_store_many(" STORE_ARGS ")"

int
db_mail_store(struct db *db, const char *queue, int live, struct mail_msg *const *msgs, int n,
              struct mail_stored *out, struct ccrm_err *err)
{
    PGresult *res;
    int deliver;

    if (db->state != DB_READY) {
        err_set(err, "not connected to the database");
        return -1;
    }
    if (n == 1 && live) {
        struct one_call c;
        static const Oid types[O_N] = {0, 0, 0, 0, 0, 0, OID_TIMESTAMPTZ};

        if ((deliver = use_deliver(db, err)) == -1)
            return -1;
        one_build(&c, queue, msgs[0]);
        res = PQexecParams(db->conn,
                           deliver ? "SELECT 1, * FROM ccrm_mail_deliver($1, $2, $3, $4, $5, $6,"
                                     " $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"
                                   : "SELECT 1, * FROM ccrm_mail_store($1, $2, $3, $4, $5, $6, $7,"
                                     " $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
                           O_N, types, c.values, c.lengths, c.formats, 0);
        one_free(&c);
    } else {
        struct store_call c;

        call_build(&c, queue, live, msgs, n);
        res = PQexecParams(db->conn, STORE_SQL, 20, NULL, c.values, c.lengths, c.formats, 0);
        call_free(&c);
    }
    if ((res = db_result(db, res, "could not store the mail", err)) == NULL)
        return -1;
    read_rows(res, out, n);
    PQclear(res);
    return 0;
}

int
db_mail_store_send(struct db *db, const char *queue, int live, struct mail_msg *const *msgs, int n,
                   struct ccrm_err *err)
{
    struct store_call c;
    int ok;

    if (db->state != DB_READY) {
        err_set(err, "not connected to the database");
        return -1;
    }
    call_build(&c, queue, live, msgs, n);
    ok = PQsendQueryParams(db->conn, STORE_SQL, 20, NULL, c.values, c.lengths, c.formats, 0);
    call_free(&c);
    if (!ok) {
        err_set(err, "could not store the mail: %s", PQerrorMessage(db->conn));
        return -1;
    }
    return 0;
}

int
db_mail_store_wait(struct db *db, struct mail_stored *out, int n, struct ccrm_err *err)
{
    PGresult *res, *last = NULL;

    while ((res = PQgetResult(db->conn)) != NULL) {
        if (last != NULL)
            PQclear(last);
        last = res;
    }
    if (last == NULL) {
        err_set(err, "could not store the mail: no answer from the database");
        return -1;
    }
    if ((last = db_result(db, last, "could not store the mail", err)) == NULL)
        return -1;
    read_rows(last, out, n);
    PQclear(last);
    return 0;
}

/* ---- the history import ---- */

static PGcancel *volatile import_cancel;

static int
simple(struct db *db, const char *sql, struct ccrm_err *err)
{
    PGresult *res = db_exec(db, sql, 0, NULL, err);

    if (res == NULL)
        return -1;
    PQclear(res);
    return 0;
}

int64_t
db_mail_import_begin(struct db *db, const char *file_name, struct ccrm_err *err)
{
    const char *params[1] = {file_name};
    PGresult *res;
    int64_t id;

    if (simple(db, "BEGIN", err) == -1)
        return -1;
    if (simple(db, "SET LOCAL statement_timeout = 0", err) == -1)
        goto fail;
    /* the server makes the batch (schema/functions/40_import.sql): its counts come from the
     * audit trail, and the per-row events of the import become one at commit */
    res = db_exec(db, "SELECT ccrm_import_begin('messages', $1)", 1, params, err);
    if (res == NULL)
        goto fail;
    id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    import_cancel = PQgetCancel(db->conn);
    return id;
fail:
    db_mail_import_abort(db);
    return -1;
}

int
db_mail_import_commit(struct db *db, int64_t batch, int64_t duplicates, int64_t rejected,
                      struct ccrm_err *err)
{
    char b[3][24];
    const char *params[3] = {b[0], b[1], b[2]};
    PGresult *res;

    snprintf(b[0], sizeof b[0], "%" PRId64, batch);
    snprintf(b[1], sizeof b[1], "%" PRId64, duplicates);
    snprintf(b[2], sizeof b[2], "%" PRId64, rejected);
    res = db_exec(db, "SELECT ccrm_import_note($1, $2, $3)", 3, params, err);
    if (res == NULL)
        goto fail;
    PQclear(res);
    if (simple(db, "COMMIT", err) == -1)
        goto fail;
    if (import_cancel != NULL) {
        PGcancel *c = import_cancel;

        import_cancel = NULL;
        PQfreeCancel(c);
    }
    return 0;
fail:
    db_mail_import_abort(db);
    return -1;
}

void
db_mail_import_abort(struct db *db)
{
    PGresult *res;

    if (import_cancel != NULL) {
        PGcancel *c = import_cancel;

        import_cancel = NULL;
        PQfreeCancel(c);
    }
    if (db == NULL || db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK)
        return;
    while ((res = PQgetResult(db->conn)) != NULL) /* a set still in flight */
        PQclear(res);
    res = PQexec(db->conn, "ROLLBACK");
    PQclear(res);
}

void
db_mail_import_cancel(void)
{
    char buf[256];
    PGcancel *c = import_cancel;

    if (c != NULL)
        (void)PQcancel(c, buf, sizeof buf);
}

int
db_mail_names_begin(struct db *db, struct ccrm_err *err)
{
    PGresult *res;

    /* bytes, not text: a file name need not be UTF-8 (nor valid in any encoding) */
    if (simple(db, "CREATE TEMP TABLE ccrm_mail_files (base bytea, name bytea) ON COMMIT DROP",
               err) == -1)
        return -1;
    res = PQexec(db->conn, "COPY ccrm_mail_files (base, name) FROM STDIN");
    if (PQresultStatus(res) != PGRES_COPY_IN) {
        err_set_pg(err, res, db->conn, "could not list the mail files");
        PQclear(res);
        return -1;
    }
    PQclear(res);
    return 0;
}

/* One file name ("new/NAME") as a line of COPY text: its name within the folder (the order
 * of a Maildir: by delivery time) and the whole, both as bytea's hex ("\\x..." in COPY text). */
/* s as a bytea field of COPY text at line + o ("\\x" and two hex digits a byte) */
static size_t
put_hex(char *line, size_t o, const char *s)
{
    static const char hex[] = "0123456789abcdef";

    line[o++] = '\\';
    line[o++] = '\\';
    line[o++] = 'x';
    for (; *s != '\0'; s++) {
        line[o++] = hex[(unsigned char)*s >> 4];
        line[o++] = hex[(unsigned char)*s & 15];
    }
    return o;
}

int
db_mail_names_put(struct db *db, const char *name, struct ccrm_err *err)
{
    const char *base = strchr(name, '/') != NULL ? strchr(name, '/') + 1 : name;
    size_t o;
    char *line = xmalloc(2 * (strlen(name) + strlen(base)) + 8);

    o = put_hex(line, 0, base);
    line[o++] = '\t';
    o = put_hex(line, o, name);
    line[o++] = '\n';
    if (PQputCopyData(db->conn, line, (int)o) != 1) {
        err_set(err, "could not list the mail files: %s", PQerrorMessage(db->conn));
        free(line);
        return -1;
    }
    free(line);
    return 0;
}

int
db_mail_names_end(struct db *db, struct ccrm_err *err)
{
    PGresult *res;
    int rc = 0;

    if (PQputCopyEnd(db->conn, NULL) != 1) {
        err_set(err, "could not list the mail files: %s", PQerrorMessage(db->conn));
        return -1;
    }
    while ((res = PQgetResult(db->conn)) != NULL) {
        if (PQresultStatus(res) != PGRES_COMMAND_OK && rc == 0) {
            err_set_pg(err, res, db->conn, "could not list the mail files");
            rc = -1;
        }
        PQclear(res);
    }
    if (rc == -1)
        return -1;
    return simple(db,
                  "DECLARE ccrm_mail_files_c NO SCROLL CURSOR FOR"
                  " SELECT name FROM ccrm_mail_files ORDER BY base, name",
                  err);
}

int
db_mail_names_next(struct db *db, char ***names, struct ccrm_err *err)
{
    PGresult *res;
    int i, n;

    *names = NULL;
    if ((res = db_exec(db, "FETCH 1000 FROM ccrm_mail_files_c", 0, NULL, err)) == NULL)
        return -1;
    n = PQntuples(res);
    *names = xcalloc(n > 0 ? (size_t)n : 1, sizeof **names);
    for (i = 0; i < n; i++) {
        size_t len = 0;
        unsigned char *b = PQunescapeBytea((const unsigned char *)PQgetvalue(res, i, 0), &len);

        if (b == NULL) {
            err_set(err, "could not list the mail files: out of memory");
            db_mail_names_free(*names, i);
            *names = NULL;
            PQclear(res);
            return -1;
        }
        (*names)[i] = xmalloc(len + 1);
        memcpy((*names)[i], b, len);
        (*names)[i][len] = '\0';
        PQfreemem(b);
    }
    PQclear(res);
    return n;
}

void
db_mail_names_free(char **names, int n)
{
    int i;

    if (names == NULL)
        return;
    for (i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* ---- answers and the outbox ---- */

void
db_files_add(struct db_files *f, const char **values, int *lengths, int *formats, int *np,
             const char *name, const char *type, const char *data, size_t size)
{
    strbuf_printf(&f->names, "%s$%d::text", f->n > 0 ? ", " : "", *np + 1);
    strbuf_printf(&f->types, "%s$%d::text", f->n > 0 ? ", " : "", *np + 2);
    strbuf_printf(&f->bytes, "%s$%d::bytea", f->n > 0 ? ", " : "", *np + 3);
    values[*np] = name;
    values[*np + 1] = type;
    values[*np + 2] = data;
    lengths[*np] = lengths[*np + 1] = 0;
    formats[*np] = formats[*np + 1] = 0;
    lengths[*np + 2] = (int)size;
    formats[*np + 2] = 1;
    *np += 3;
    f->n++;
}

char *
db_files_sql(struct db_files *f)
{
    char *sql = f->n > 0 ? xasprintf("ARRAY[%s], ARRAY[%s], ARRAY[%s]", strbuf_str(&f->names),
                                     strbuf_str(&f->types), strbuf_str(&f->bytes))
                         : xstrdup("NULL::text[], NULL::text[], NULL::bytea[]");

    strbuf_fini(&f->names);
    strbuf_fini(&f->types);
    strbuf_fini(&f->bytes);
    f->n = 0;
    return sql;
}

int64_t
db_mail_reply(struct db *db, const char *entity, int64_t id, const char *body, const char *subject,
              const char *to, const char *cc, const char *queue, const struct mail_attachment *att,
              int natt, int64_t *maybe_id, struct ccrm_err *err)
{
    return db_mail_reply_told(db, entity, id, body, subject, to, cc, queue, att, natt, maybe_id,
                              NULL, NULL, err);
}

int64_t
db_mail_reply_told(struct db *db, const char *entity, int64_t id, const char *body,
                   const char *subject, const char *to, const char *cc, const char *queue,
                   const struct mail_attachment *att, int natt, int64_t *maybe_id,
                   void (*before_commit)(const char *xid, int64_t mid, void *ctx), void *ctx,
                   struct ccrm_err *err)
{
    /* $1-$7 the answer, then name, type and bytes of each file (db_files_add) */
    const char *values[7 + 3 * MAIL_REPLY_FILES_MAX];
    int lengths[7 + 3 * MAIL_REPLY_FILES_MAX], formats[7 + 3 * MAIL_REPLY_FILES_MAX];
    struct db_files files = {STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, 0};
    char b[24], xid[24], *arrays, *sql;
    PGresult *res;
    int64_t mid;
    int i, np = 7;

    if (maybe_id != NULL)
        *maybe_id = 0;
    if (natt < 0 || natt > MAIL_REPLY_FILES_MAX) {
        err_set(err, "could not queue the answer: %d files attached (at most %d)", natt,
                MAIL_REPLY_FILES_MAX);
        return -1;
    }
    if (db->state != DB_READY) {
        err_set(err, "not connected to the database");
        return -1;
    }
    snprintf(b, sizeof b, "%" PRId64, id);
    memset(lengths, 0, sizeof lengths);
    memset(formats, 0, sizeof formats);
    values[0] = entity;
    values[1] = b;
    values[2] = body;
    values[3] = subject;
    values[4] = to;
    values[5] = cc;
    values[6] = queue;
    for (i = 0; i < natt; i++)
        db_files_add(&files, values, lengths, formats, &np, att[i].name, att[i].type,
                     att[i].content != NULL ? att[i].content : "", att[i].size);
    arrays = db_files_sql(&files);
    sql = xasprintf("SELECT ccrm_mail_reply($1, $2::bigint, $3, $4, $5, $6, $7, %s),"
                    " pg_current_xact_id()",
                    arrays);
    free(arrays);
    /* in a transaction of its own: an answer whose COMMIT went unanswered is asked about
     * (db_write_landed) before it is queued again, and so sent twice */
    if (db_write_begin(db, "could not queue the answer", err) == -1) {
        free(sql);
        return -1;
    }
    res = db_result(db, PQexecParams(db->conn, sql, np, NULL, values, lengths, formats, 0),
                    "could not queue the answer", err);
    free(sql);
    if (res == NULL) {
        db_rollback(db);
        return -1;
    }
    mid = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    str_copy(xid, PQgetvalue(res, 0, 1), sizeof xid);
    PQclear(res);
    if (before_commit != NULL)
        before_commit(xid, mid, ctx);
    if (db_write_commit(db, "could not queue the answer", xid, err) == -1) {
        if (maybe_id != NULL && db->state != DB_READY)
            *maybe_id = mid;
        return -1;
    }
    return mid;
}

static int64_t
be64(const char *p)
{
    uint64_t v = 0;
    int i;

    for (i = 0; i < 8; i++)
        v = v << 8 | (unsigned char)p[i];
    return (int64_t)v;
}

/* n bytes of a binary text value as a string */
static char *
dupn(const char *p, int n)
{
    char *s = xmalloc((size_t)n + 1);

    memcpy(s, p, (size_t)n);
    s[n] = '\0';
    return s;
}

/* The attachments of the n claimed mails (migration 026 lets the mail login read those of
 * outgoing mail), in binary: the bytes as they are stored. 0 or -1. */
static int
claim_attachments(struct db *db, struct mail_claimed *out, int n, struct ccrm_err *err)
{
    struct strbuf ids;
    const char *params[1];
    PGresult *res;
    int i, r, rows;

    memset(&ids, 0, sizeof ids);
    strbuf_puts(&ids, "{");
    for (i = 0; i < n; i++)
        strbuf_printf(&ids, "%s%" PRId64, i > 0 ? "," : "", out[i].out.id);
    strbuf_puts(&ids, "}");
    params[0] = strbuf_str(&ids);
    res = db_result(db,
                    PQexecParams(db->conn,
                                 "SELECT msg_id, name, type, size, content FROM attachments"
                                 " WHERE msg_id = ANY ($1::bigint[]) ORDER BY msg_id, id",
                                 1, NULL, params, NULL, NULL, 1),
                    "could not read the attachments of the outbox", err);
    strbuf_fini(&ids);
    if (res == NULL)
        return -1;
    rows = PQntuples(res);
    for (r = 0; r < rows; r++) {
        int64_t mid = be64(PQgetvalue(res, r, 0));

        for (i = 0; i < n; i++) {
            struct mail_claimed *c = &out[i];
            struct mail_attachment *a;
            int len;

            if (c->out.id != mid)
                continue;
            c->att = xrealloc(c->att, sizeof *c->att * (size_t)(c->out.natt + 1));
            a = &c->att[c->out.natt++];
            memset(a, 0, sizeof *a);
            a->name = dupn(PQgetvalue(res, r, 1), PQgetlength(res, r, 1));
            a->type = dupn(PQgetvalue(res, r, 2), PQgetlength(res, r, 2));
            a->size = (size_t)be64(PQgetvalue(res, r, 3));
            if (!PQgetisnull(res, r, 4)) {
                len = PQgetlength(res, r, 4);
                a->content = xmalloc(len > 0 ? (size_t)len : 1);
                memcpy(a->content, PQgetvalue(res, r, 4), (size_t)len);
                a->size = (size_t)len;
            }
            c->out.att = c->att;
            break;
        }
    }
    PQclear(res);
    return 0;
}

int
db_mail_outbox_claim(struct db *db, int max, int64_t only_id, struct mail_claimed **rows,
                     struct ccrm_err *err)
{
    char m[16], b[24];
    const char *params[2] = {m, only_id > 0 ? b : NULL};
    struct mail_claimed *out;
    PGresult *res;
    int i, n;

    *rows = NULL;
    snprintf(m, sizeof m, "%d", max);
    snprintf(b, sizeof b, "%" PRId64, only_id);
    res = exec_what(db,
                    "SELECT id, message_id, from_addr, from_name, reply_to, to_addr, cc_addr,"
                    " subject, body_text, in_reply_to, array_to_string(\"references\", ' '),"
                    " (extract(epoch FROM created_at) * 1000000)::bigint, attempts, resent"
                    " FROM ccrm_mail_outbox_claim($1, $2)",
                    2, params, "could not read the outbox", err);
    if (res == NULL) {
        /* the claim may have taken locks before it failed: give them back */
        PQclear(PQexec(db->conn, "SELECT pg_advisory_unlock_all()"));
        return -1;
    }
    n = PQntuples(res);
    if (n == 0) {
        PQclear(res);
        return 0;
    }
    out = xcalloc((size_t)n, sizeof *out);
    for (i = 0; i < n; i++) {
        struct mail_claimed *c = &out[i];
        int k;

        c->out.id = val64(res, i, 0);
        for (k = 0; k < 10; k++)
            c->strings[k] = db_dup(res, i, k + 1);
        c->out.message_id = c->strings[0];
        c->out.from_addr = c->strings[1];
        c->out.from_name = c->strings[2];
        c->out.reply_to = c->strings[3];
        c->out.to = c->strings[4];
        c->out.cc = c->strings[5];
        c->out.subject = c->strings[6];
        c->out.body = c->strings[7];
        c->out.in_reply_to = c->strings[8];
        c->out.references = c->strings[9];
        c->out.date = val64(res, i, 11);
        c->attempts = atoi(db_val(res, i, 12));
        c->resent = strcmp(db_val(res, i, 13), "t") == 0;
    }
    PQclear(res);
    if (claim_attachments(db, out, n, err) == -1) {
        /* give the mails back to the outbox, to be tried again later (as a failed attempt) */
        char st[12];
        struct ccrm_err derr;

        for (i = 0; i < n; i++)
            (void)db_mail_outbox_done(db, out[i].out.id, 0, err->msg, st, &derr);
        db_mail_claimed_free(out, n);
        return -1;
    }
    *rows = out;
    return n;
}

void
db_mail_claimed_free(struct mail_claimed *rows, int n)
{
    int i, k;

    if (rows == NULL)
        return;
    for (i = 0; i < n; i++) {
        for (k = 0; k < 10; k++)
            free(rows[i].strings[k]);
        for (k = 0; k < rows[i].out.natt; k++) {
            free(rows[i].att[k].name);
            free(rows[i].att[k].type);
            free(rows[i].att[k].content);
        }
        free(rows[i].att);
    }
    free(rows);
}

int
db_mail_outbox_done(struct db *db, int64_t id, int ok, const char *error, char status[12],
                    struct ccrm_err *err)
{
    char b[24];
    const char *params[3] = {b, ok ? "t" : "f", error};
    PGresult *res;

    snprintf(b, sizeof b, "%" PRId64, id);
    res = exec_what(db, "SELECT ccrm_mail_outbox_done($1, $2, $3)", 3, params,
                    "could not record the outcome", err);
    if (res == NULL)
        return -1;
    str_copy(status, PQgetvalue(res, 0, 0), 12);
    PQclear(res);
    return 0;
}
