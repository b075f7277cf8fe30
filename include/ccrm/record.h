/* One record of any entity as a form sees it (src/db/record.c): its values as text in the
 * order of the entity's fields (include/ccrm/form_model.h), its version for optimistic
 * locking; insert, update against the version read, reference search and labels. SQL names
 * only the columns of the fixed field specs; every value is a parameter. */
#ifndef CCRM_RECORD_H
#define CCRM_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "ccrm/db.h"
#include "ccrm/form_model.h"

struct record {
    const struct entity *spec;
    int64_t id;
    int version;
    char **val;       /* spec->nfields values as text, "" for SQL NULL (never NULL) */
    char **label;     /* FIELD_REF: what the reference shows ("Müller GmbH"), else NULL */
    char *updated_by; /* login of the last writer */
    char *updated_at; /* "2026-11-22 19:28" */
};

void record_free(struct record **rp);

/* Why the database refused a write: message and SQLSTATE, and the field it is about (-1 when
 * it is about the record: a permission, a department rule). lost: the connection broke, so
 * nothing is known to be saved. */
struct record_err {
    struct ccrm_err err;
    int field;
    int lost;
    /* db_record_insert with the connection lost at its COMMIT: the id the record has if the
     * commit went through (the form looks for it before it inserts again), else 0 */
    int64_t maybe_id;
};

/* Load record id of entity e. Returns the record (free with record_free) or NULL with err set;
 * err->sqlstate is empty when the record does not exist or is not visible to this role. */
struct record *db_record_load(struct db *db, const struct entity *e, int64_t id,
                              struct ccrm_err *err);

/* Insert a record: vals[i] is the text for field i; NULL or "" leaves the column to its
 * default. Returns 0 with the new id in *id, or -1 with rerr filled. */
int db_record_insert(struct db *db, const struct entity *e, const char *const *vals, int64_t *id,
                     struct record_err *rerr);

/* A changed field: its index and new text ("" = SQL NULL). */
struct record_change {
    int field;
    const char *value;
};

/* Update record id, which the caller read at version, sending only the changed fields.
 * Returns 0 when saved (*new_version set if not NULL); 1 when someone else saved first
 * (SQLSTATE CR001): nothing was written and *current is the row as it is now (free with
 * record_free); 2 when the record is gone (deleted, or no longer visible); -1 when the
 * database refused it or the connection broke (rerr says why and where). */
int db_record_update(struct db *db, const struct entity *e, int64_t id, int version,
                     const struct record_change *ch, int nch, int *new_version,
                     struct record **current, struct record_err *rerr);

/* What ccrm says of a record that is gone: deleted, or no longer visible to the person (row
 * security cannot tell the two apart, so neither can ccrm). One wording in every view, after
 * the record's name: "this contact " RECORD_GONE, "deal #12 " RECORD_GONE. */
#define RECORD_GONE "was deleted or is no longer visible to you"

/* Version and last writer of record id, without its values. 1 found, 0 gone, -1 error. */
int db_record_stamp(struct db *db, const struct entity *e, int64_t id, int *version, char *who,
                    size_t n, struct ccrm_err *err);

/* May the user take privilege[i] on table object[i] of public (any of its columns: "INSERT",
 * "UPDATE"), or, with function[i] set, run function object[i] ("ccrm_invoice_issue(bigint,date)",
 * "EXECUTE")? n rights in one round trip: may[i] 1 or 0; 0, or -1 when it could not say. */
int db_may_many(struct db *db, int n, const int *function, const char *const *object,
                const char *const *privilege, int *may);

/* May this role write e at all ("INSERT" or "UPDATE" on some column)? 1 yes, 0 no, -1 error.
 * Advice for the form only: row policies and rules are checked by the database on save. */
int db_record_may(struct db *db, const struct entity *e, const char *privilege,
                  struct ccrm_err *err);

/* A match of a reference search: the key to store (id, or login for users), the label the
 * field shows ("Müller Logistik GmbH") and details for the list ("mueller.de · Hamburg"). */
#define REF_MATCH_MAX 8
struct ref_match {
    char key[64];
    char *label;
    char *detail;
    char within[32]; /* a narrowed search's: the match's value of that column ("" = none) */
};

/* Search records of target (the table of an entity of the registry with a struct entity_ref)
 * whose name (or e-mail, login, subject) contains text; a number also matches the
 * id. Up to max (<= REF_MATCH_MAX) matches into out. Returns how many, or -1 with err set.
 * Free the texts with ref_matches_clear. */
int db_ref_search(struct db *db, const char *target, const char *text, struct ref_match *out,
                  int max, struct ccrm_err *err);
/* The same, narrowed to the records whose column col (a registry's column name: a field's
 * `within`) is value; each match's own value of col comes back in within. value NULL or "":
 * not narrowed (within is still filled). */
int db_ref_search_within(struct db *db, const char *target, const char *text, const char *col,
                         const char *value, struct ref_match *out, int max, struct ccrm_err *err);
void ref_matches_clear(struct ref_match *m, int n);

/* The label of a reference (malloc'd), or NULL with err set (err->sqlstate empty when there
 * is no such record visible). */
char *db_ref_label(struct db *db, const char *target, const char *key, struct ccrm_err *err);
/* A reference's own value of column col (a contact's account_id; "" for none), malloc'd, or
 * NULL with err set (no such record visible). */
char *db_ref_within(struct db *db, const char *target, const char *key, const char *col,
                    struct ccrm_err *err);

#endif
