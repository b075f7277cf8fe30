/* SQL compiled into the binary by cmake/embed_sql.cmake: the schema/ migrations in order, the
 * files of schema/functions/ in name order, and the demo data script (src/db/demo.sql). */
#ifndef CCRM_EMBEDDED_H
#define CCRM_EMBEDDED_H

struct embedded_migration {
    int version;      /* from the file name: 001_init.sql → 1 */
    const char *name; /* file name */
    const char *sql;  /* whole file, NUL-terminated */
};

extern const struct embedded_migration embedded_migrations[]; /* ends with version 0 */
extern const int embedded_migration_count;

struct embedded_file {
    const char *name; /* "functions/10_identity.sql" */
    const char *sql;  /* whole file, NUL-terminated */
};

extern const struct embedded_file embedded_functions[]; /* ends with name NULL */
extern const int embedded_function_count;
extern const char *const embedded_demo_sql;

#endif
