/* User and sharing administration (ccrm --add-user, --disable-user, --share, --unshare): the
 * database side. The server enforces who may do it (schema/004_rls.sql); these functions only
 * ask it. Messages for the human go into a caller's buffer; errors into struct ccrm_err with
 * the SQLSTATE kept, so that the caller can choose a sysexits code. */
#ifndef CCRM_ADMIN_H
#define CCRM_ADMIN_H

#include <stddef.h>

#include "ccrm/db.h"
#include "ccrm/err.h"

/* SQLSTATEs set by this module (beside the server's own) */
#define ADMIN_ERR_NOT_FOUND "P0002" /* no such account or organisation */
#define ADMIN_ERR_AMBIGUOUS "21000" /* an account name matching more than one account */

/* Is the current user allowed to administer ccrm (member of ccrm_admin, or a superuser)?
 * Returns 1 or 0, or -1 with err set. */
int db_admin_allowed(struct db *db, struct ccrm_err *err);

/* Create a person: role (LOGIN), department membership, users row, in one transaction.
 * org names the partner organisation (created if new) and must be set exactly for dept
 * "partner"; display_name and password may be NULL (no password: peer or certificate
 * authentication). The password is sent only as a SCRAM verifier. conn_limit caps the login's
 * connections (-1: none). On success writes a one-line summary into msg and returns 0; else -1
 * with err set. */
int db_user_add(struct db *db, const char *login, const char *dept, const char *org,
                const char *display_name, const char *password, int conn_limit, char *msg, size_t n,
                struct ccrm_err *err);

/* Revoke a person's login and mark the users row inactive; their records and history stay.
 * Open sessions of that person are ended. Returns 0 with msg filled, or -1. */
int db_user_disable(struct db *db, const char *login, char *msg, size_t n, struct ccrm_err *err);

/* Share an account (by id, exact name or domain) with a partner organisation (exact name), or
 * stop sharing it when share is 0. Returns 0 with msg filled, or -1 with err set (SQLSTATE
 * ADMIN_ERR_NOT_FOUND or ADMIN_ERR_AMBIGUOUS for a name that does not name one record). */
int db_account_share(struct db *db, const char *account, const char *org, int share, char *msg,
                     size_t n, struct ccrm_err *err);

#endif
