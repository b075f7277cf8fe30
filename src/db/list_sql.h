/* Private to the list queries: the SQL of every statement a list runs, built from the
 * registry's fixed fragments (include/ccrm/entity.h) for one "shape" (list, order, direction,
 * which filters and keys take part), with the parameters each $n stands for. Pure string
 * work, no libpq: unit-tested in tests/unit/test_list_sql.c. A shape's statement is built
 * once and kept (src/db/list.c), so a key press costs no SQL building. */
#ifndef CCRM_DB_LIST_SQL_H
#define CCRM_DB_LIST_SQL_H

#include "ccrm/db.h"
#include "ccrm/entity.h"
#include "ccrm/strbuf.h"

/* The statements of a list (src/db/list.c says which strategy runs which). */
enum list_stmt {
    LS_PAGE,        /* ids of a page from the table alone, then the shown columns for them */
    LS_ONE,         /* one row by id, if it still matches the search and filters */
    LS_WINDOW_SCAN, /* the matches within the next window of rows in order */
    LS_WINDOW_END,  /* the key where that window ends */
    LS_WINDOW_REST, /* the matches after it, collected by the trigram index */
    LS_BLOCK_WALK,  /* the matches within a window of a stretch of search blocks */
    LS_BLOCK_END,   /* the key where that window ends, inside the stretch */
    LS_BLOCK_REST,  /* the matches from a stretch on, collected by the trigram index */
};

/* Which keys and conditions take part (bits of list_shape.has). */
enum {
    LS_FROM = 1 << 0,  /* after the row paged from */
    LS_START = 1 << 1, /* from a block stretch's first key on */
    LS_END = 1 << 2,   /* before a block stretch's next key */
    LS_SHORT = 1 << 3, /* a pattern too short for trigrams: a window without a bound */
    LS_BARE = 1 << 4,  /* a page or row without a search (no pattern parameter) */
    /* a plan that depends on no value (no search; a page also without filters, its LIMIT
     * written in): prepared from its second run on (src/db/list.c, run()) */
    LS_PLAN_ONCE = 1 << 5,
};

struct list_shape {
    const struct entity_list *l;
    int sort;
    enum list_stmt stmt;
    int asc;          /* the walk goes up the sort's key (paging down an ascending order) */
    unsigned filters; /* bit i: filter i is set */
    unsigned char fop[LIST_MAX_FILTERS]; /* how each set filter compares (enum list_filter_op) */
    unsigned has;                        /* LS_* bits */
    int window;                          /* rows in a window (the window and block statements) */
    int partner;                         /* the list's partner_from and the columns' partner_sql */
    int limit; /* rows wanted, written into a page's statement (0: a parameter, LA_LIMIT) */
};

/* What a parameter $n of a statement is. */
enum list_arg {
    LA_PATTERN,                              /* the LIKE pattern of the search, or NULL */
    LA_FILTER0,                              /* ... LA_FILTER0 + i: filter i's value */
    LA_FROM = LA_FILTER0 + LIST_MAX_FILTERS, /* + 0, 1, 2: key, key2, id paged from */
    LA_START = LA_FROM + 3,                  /* + 0, 1, 2: the stretch's first key (or the bound) */
    LA_END = LA_START + 3,                   /* + 0, 1, 2: the stretch's next key (or the bound) */
    LA_LIMIT = LA_END + 3,                   /* rows wanted */
    LA_WINDOW,                               /* rows in a window (blocks: per stretch) */
    LA_ID,                                   /* one row's id */
    LA_NARGS
};

#define LIST_SQL_MAX_PARAMS 16

struct list_sql {
    struct strbuf sql;
    enum list_arg arg[LIST_SQL_MAX_PARAMS]; /* $1 is arg[0] */
    int nargs;
};

/* Build the statement of shape into out (emptied first). */
void list_sql_build(const struct list_shape *shape, struct list_sql *out);
void list_sql_fini(struct list_sql *s);

/* The parameters for a statement: values[LA_*] put in $n order into params (the caller keeps
 * the values alive while it runs). Returns how many. */
int list_sql_params(const struct list_sql *s, const char *const values[LA_NARGS],
                    const char **params);

/* The in-window count of db_list_in_window as one SELECT on the rows named by ids_cond (a
 * condition on a.id): the search on $1, then the filters' values and the window's ends from
 * $p on (params gets them, *np counts). Returns the statement in out. */
/* " AND <expr compared with $p>" for filter operator op (enum list_filter_op); p 0 when the
 * operator takes no value. */
void list_sql_filter_cond(struct strbuf *b, const char *expr, int op, int p);
void list_sql_in_window(struct strbuf *out, const struct list_query *q, int partner,
                        const char *ids_cond, const struct row *first, const struct row *last,
                        const char **params, int *np, char keys[2][24]);

#endif
