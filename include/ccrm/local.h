/* The embedded default database: a private PostgreSQL cluster under $XDG_DATA_HOME/ccrm, made
 * with initdb and started with pg_ctl, reachable only through a unix socket in a private
 * directory (docs/design.md §8). This module runs server programs; it never touches the schema. */
#ifndef CCRM_LOCAL_H
#define CCRM_LOCAL_H

#include <stddef.h>
#include <stdio.h>

#include "ccrm/err.h"

/* Make sure the private cluster under dir (e.g. $XDG_DATA_HOME/ccrm) exists and is running, and
 * write a libpq conninfo for its database "ccrm" into conninfo (size n), e.g.
 * "host='/path/run' port=5432 dbname=ccrm user='LOGIN'". The first call creates the cluster
 * (initdb), a later one starts it again if it is stopped; if it is running this costs one
 * connection attempt. Serialised between processes by an flock() on dir/lock. As root the server
 * runs as an unprivileged user ($CCRM_LOCAL_USER, else "postgres"), possibly in
 * /var/lib/ccrm/LOGIN-HASH when that user cannot reach dir (dir/cluster then links there).
 * progress: when non-NULL, one-line human messages are written there; else silent. Output of
 * the server programs goes to the cluster's postgres.log, never to the terminal.
 * Returns 0, or -1 with err filled in. */
int local_cluster_ensure(const char *dir, char *conninfo, size_t n, FILE *progress,
                         struct ccrm_err *err);

/* Stop the private cluster under dir if it is running (pg_ctl stop -m fast). Doing nothing
 * (it does not exist or is stopped) is success. Returns 0, or -1 with err filled in. */
int local_cluster_stop(const char *dir, struct ccrm_err *err);

#endif
