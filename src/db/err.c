/* The one place SQLSTATEs become words a person understands (docs/architecture.md, "Errors"). */
#include <stdio.h>
#include <string.h>

#include "ccrm/util.h"
#include "db_int.h"

static const struct {
    const char *state;
    const char *hint;
} known[] = {
    {"23505", "that record already exists"},
    {"23503", "it is still referenced by another record, or refers to a missing one"},
    {"23514", "a value is not allowed"},
    {"23502", "a required field is empty"},
    {"22003", "a number is too large for where it goes"},
    {"42501", "permission denied"},
    {"57014", "the query took too long and was cancelled"},
    {"40001", "a concurrent change got in the way; try again"},
    {"40P01", "a concurrent change got in the way; try again"},
    {"CR001", "someone else saved this record first"},
    {"25006", "the server is read-only (a standby?): writes need the primary"},
    {NULL, NULL},
};

/* PostgreSQL's own refusal of a table, "permission denied for table campaign_members", in
 * words: "campaign members: not for your role". The server does not say whether reading or
 * writing was refused, so neither does this. (A function's or a sequence's refusal keeps the
 * server's words: its name is all there is to say.) Returns 0, or -1 when msg is no such
 * refusal. */
static int
denied_words(char *out, size_t n, const char *msg)
{
    static const char *const kinds[] = {"table ", "view ", "materialized view ", "foreign table ",
                                        NULL};
    static const char prefix[] = "permission denied for ";
    const char *what = msg + sizeof prefix - 1;
    char name[128];
    size_t i, k;

    if (strncmp(msg, prefix, sizeof prefix - 1) != 0)
        return -1;
    for (i = 0; kinds[i] != NULL; i++) {
        k = strlen(kinds[i]);
        if (strncmp(what, kinds[i], k) == 0 && what[k] != '\0') {
            /* a table's name is its plural noun: campaign_members, import_batches */
            str_copy(name, what + k, sizeof name);
            for (k = 0; name[k] != '\0'; k++)
                if (name[k] == '_')
                    name[k] = ' ';
            snprintf(out, n, "%s: not for your role", name);
            return 0;
        }
    }
    return -1;
}

void
err_set_pg(struct ccrm_err *err, const PGresult *res, const PGconn *conn, const char *what)
{
    const char *state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *primary = res != NULL ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;

    if (primary == NULL)
        primary = conn != NULL ? PQerrorMessage(conn) : "unknown error";
    err_set_state(err, state, primary, what);
}

void
err_set_state(struct ccrm_err *err, const char *state, const char *primary, const char *what)
{
    const char *hint = NULL;
    char msg[200], words[200];
    int i;

    if (err == NULL)
        return;
    str_copy(msg, primary, sizeof msg);
    str_trim(msg);
    for (i = 0; state != NULL && known[i].state != NULL; i++)
        if (strcmp(state, known[i].state) == 0)
            hint = known[i].hint;
    /* what "" (a plain query's failure): the server's words alone */
    if (hint != NULL && strcmp(state, "42501") == 0 && strncmp(msg, hint, strlen(hint)) == 0) {
        /* the server's "permission denied ..." says it already: once, in words if we have
         * them, not "permission denied (permission denied for table contacts)" */
        if (denied_words(words, sizeof words, msg) == 0)
            snprintf(err->msg, sizeof err->msg, "%s%s%s (%s)", what, what[0] ? ": " : "", words,
                     hint);
        else
            snprintf(err->msg, sizeof err->msg, "%s%s%s", what, what[0] ? ": " : "", msg);
    } else if (hint != NULL && strcmp(state, "CR001") != 0 && strcmp(state, "23514") != 0) {
        snprintf(err->msg, sizeof err->msg, "%s%s%s (%s)", what, what[0] ? ": " : "", hint, msg);
    } else {
        snprintf(err->msg, sizeof err->msg, "%s%s%s", what, what[0] ? ": " : "", msg);
    }
    str_copy(err->sqlstate, state != NULL ? state : "", sizeof err->sqlstate);
}
