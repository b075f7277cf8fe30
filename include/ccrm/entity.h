/* The entity registry: one description of every kind of record ccrm knows (src/model/entity.c).
 * Per entity: its table, what people call one and several ("deal", "deals"), the fields of its
 * form with their types, choices, defaults and references, what an import takes and an export
 * writes, its list (columns, sort orders and their indexes, filters, search), its detail view
 * (sections, related records, timeline), whether calls and e-mails are logged on it, and which
 * record actions apply. Lists (src/db/list.c), forms (src/model/form.c, src/db/record.c),
 * detail views (src/db/detail.c, src/ui/view_record.c), imports and exports
 * (src/cli/validate.c), `:new`, completion (src/cmd/parse.c) and help all read it, so a new
 * entity is one entry here plus a migration (docs/adding-an-entity.md).
 *
 * SQL fragments here are fixed text written by us: queries are built only from them, never
 * from what a user typed (that always travels as a parameter). No libpq, no curses. */
#ifndef CCRM_ENTITY_H
#define CCRM_ENTITY_H

#include <stddef.h>

#include "ccrm/value.h"

/* A time as the person reading it counts it: in the zone of their settings (the client sets
 * ccrm.tz at each connect: db_set_display_tz), else the session's (ccrm_local, migration 050).
 * For to_char of timestamptz columns shown on screen; never for a date (it would move to the
 * day before). */
#define SQL_LOCAL(x) "ccrm_local(" x ")"

/* ---- fields: the form, the import and the export of an entity ---- */

struct entity_field {
    const char *column; /* the table column (only lower-case letters and _: it goes into SQL) */
    const char *label;  /* in forms and detail views: "E-mail" */
    enum field_type type;
    int required;               /* a form needs a value; so does an import when sqldef is NULL */
    const char *const *choices; /* FIELD_CHOICE: the values the CHECK allows, NULL-terminated */
    const char *ref;            /* FIELD_REF: the table of the record it names ("users": a login) */
    const char *def;            /* the value a new record starts with in a form, or NULL */
    const char *sqldef;         /* the column's default in the database (SQL), or NULL */
    long min, max;              /* FIELD_INT; FIELD_AMOUNT: max > 0 is the most it may be */
    int decimals;               /* FIELD_AMOUNT: decimals at most, as the column's scale (0: 2) */
    int maxlen;                 /* characters at most, 0: no limit */
    const char *csv;            /* its import/export column when not `column` ("account") */
    const char *synonyms; /* other header names an import takes: folded (a-z0-9), '|'-separated */
    int internal; /* only internal users set it: a partner's form leaves it out (the database's
                   * default applies, and partners hold no grant to write it) */
    /* the column is an SQL array, typed as a list separated by commas ("DE, AT, CH"), each
     * item a value of type (or of choices, when given); LIST_NULL: an empty list is SQL NULL,
     * LIST_EMPTY: the empty array (a NOT NULL column) */
    int list;
    /* FIELD_REF: the records it names belong to the record another field of the form names,
     * through a column of the same name on both ("account_id": a ticket's contact is one of
     * its account's contacts). Its search is narrowed to that record's when the other field is
     * set (not by this field's own pick), and picking one sets the other field when it is
     * empty or was set by this field's previous pick. NULL: neither. */
    const char *within;
    int me;     /* FIELD_REF to users: a new record's form starts with the person using it (its
                 * owner), shown and editable; what is saved is what the form holds */
    int routed; /* left empty, the database's rules choose it (ccrm_route, schema/019): a new
                 * record's form starts empty and says so */
    /* a FIELD_REF column of the same entity whose record fills this one in when a new record
     * leaves it empty (a line's product: its description, price, tax rate; ccrm_line_fill):
     * required, but not once that field is set in a new record's form. NULL: none */
    const char *filled_by;
    /* FIELD_CHOICE: the values a form asks about before it saves a change into one ("mark it
     * won? (y/n)") or out of one ("reopen it in negotiation? (y/n)"), NULL-terminated: they
     * close the record (a deal's won and lost change the revenue won and the win rate), as the
     * Pipeline's > and < ask. NULL: saved unasked */
    const char *const *asks;
    /* FIELD_CHOICE: letters typed into it change nothing (only Space and ← → do): its value
     * widens who reads the record (a note shared with the partner), so stray typing that
     * tabbed one field too far must not pick it */
    int keys_only;
};

enum { LIST_NONE, LIST_NULL, LIST_EMPTY };

/* the list's columns of priority 1 to this are kept: a column that gives way (least) narrows
 * for them; the others are shown while they fit */
#define ENTITY_COL_KEPT 3

/* ---- the list view ---- */

struct entity_column {
    const char *name; /* its heading; for a hidden column how code asks for it ("version") */
    const char *sql;  /* the expression over alias a and the list's joins, as text */
    int hidden;       /* fetched for the code, not shown */
    int min;          /* screen columns at least */
    int fit;          /* as wide as its widest value loaded, up to min + 4 (a record's #), or
                       * up to min + fit when more (an amount is never cut: 10) */
    int weight;       /* its share of the room left over */
    int priority;     /* 1 essential .. 9: narrow screens drop the highest numbers first */
    int time_left;    /* sql gives a due time (epoch ms), "paused", "paused late" or "": the
                       * client shows the time left to it, so it runs out on screen without a
                       * query */
    /* what partners get instead (over the list's partner_from), or NULL: sql */
    const char *partner_sql;
    int ticks; /* changes with the clock alone (an age): not a change to highlight */
    /* it gives way: narrower, down to this many screen columns, rather than a column of
     * priority 1 to ENTITY_COL_KEPT left out (a ticket's subject, so that its requester and
     * assignee stay at 80 columns); 0: never narrower than min */
    int least;
    /* of the room left over it takes no more than its widest value loaded needs (a person's
     * name, a record's); what it leaves goes to the column of the biggest weight that is not
     * snug (the Inbox's Note). Never narrower than min. */
    int snug;
};

struct entity_sort {
    const char *name;    /* "name", "updated" (:sort, s, completion) */
    const char *key;     /* the first sort expression over alias a */
    const char *keytype; /* its SQL type, for the parameter casts */
    const char *key2;    /* a second expression (text), or NULL; the id always comes last */
    int desc;            /* newest or biggest first */
    const char *blocks;  /* the order's search blocks (schema/013, 016), or NULL */
    const char *index;   /* the index that walks it (for the reader; test_search_blocks) */
    const char *base;    /* the walk's FROM for this order (alias a), when not the list's base */
    const char *cond;    /* rows are in this order only when this holds (over the list's from) */
    int internal;        /* reads what partners may not (not offered to them) */
};

struct entity_filter {
    const char *name;  /* "status" in `f status=open` */
    const char *sql;   /* what the value is compared with: "a.status" */
    const char *field; /* the field whose values it takes (checked and normalised), or NULL */
    int mine;          /* `mine` sets it to one's own login */
    int internal;      /* reads what partners may not (not offered to them) */
    const char *read;  /* an SQL function the value goes through first ("ccrm_entity_table":
                        * `f entity=deals` means opportunities), or NULL */
    /* A computed value (an invoice's state: overdue is an issued invoice past its due date)
     * is neither in an index nor in the planner's statistics: `f status=overdue` walked the
     * list's order calling the state function on every row. `is` is the call of an SQL function
     * (the stored columns, then the value: is + "$n)") that says the same as a boolean; it
     * is inlined and, the value being known when the statement is planned, folds to plain
     * conditions ("a.status = 'issued' AND a.due_date < current_date") that the status index
     * walks in the list's order. Used for `=`; the other operators use sql. */
    const char *is; /* "ccrm_quote_is(a.status, a.valid_until, ", or NULL */
    /* Without a field: the values the column takes (a CHECK, a computed state), or NULL. A
     * value is read as one of them in any case (department=Support is support: the stored
     * spelling, which the column's index walks); any other is refused, naming them. */
    const char *const *choices;
    /* How a value without field or choices is compared (src/db/list_sql.c): as typed, or
     * ignoring case and accents (ccrm_fold, as a search does) in one of two ways. */
    enum filter_match {
        FILTER_EXACT,  /* as typed (a yes/no filter's true, a read function's word) */
        FILTER_FOLDED, /* the column holds folded values only (logins, [a-z0-9_]): the value
                        * is folded, the column compared as stored, so its index still walks */
        FILTER_TEXT    /* free text (industry=technology finds "Technology"): both folded */
    } match;
};

/* The values of a yes/no filter (an entity_filter's choices): "true", "false". */
extern const char *const entity_yes_no[];

/* The usual search: the folded search column alone. src/db/list.c's window walk filters that
 * column itself, so it serves only the lists whose search is exactly this. */
#define ENTITY_SEARCH_COLUMN "a.search LIKE ccrm_fold($1)"

struct entity_list {
    const char *view;        /* its name in :view, --view and [ui] start_view: "accounts" */
    const char *title;       /* its tab: "Accounts" */
    const char *from;        /* FROM: the table as alias a, and the joins the columns need */
    const char *base;        /* the bare table as alias a (walks that want only ids and keys) */
    const char *search;      /* condition on $1 (a LIKE pattern, escaped): ENTITY_SEARCH_COLUMN,
                              * or more (Tickets also match through their account) */
    const char *search_help; /* what a search looks at: "name and domain" */
    int windowed;            /* an order without blocks searches a window first (src/db/list.c) */
    const struct entity_column *cols;
    int ncols;
    const struct entity_sort *sorts;
    int nsorts;
    const struct entity_filter *filters;
    int nfilters;
    int rows_are_records;     /* Enter opens the row's record; else the row names one (entity,
                               * entity_id columns; the Feed: its account too) */
    const char *const *shows; /* other tables whose changes its rows show (re-read for them;
                               * SLA times: ENTITY_SLA_SHOWS) */
    int always_reread;        /* every change can concern it (the Feed) */
    const char *empty;        /* said when the list holds nothing and nothing filters it */
    const char *start_filter; /* the filter a new view of it starts with ("mine open"), or NULL */
    /* FROM for partners when from joins a table they may not read (the Tickets' SLA clocks),
     * with the columns' partner_sql; NULL: from */
    const char *partner_from;
    /* rows are records of several kinds, each named by its entity and entity_id columns (the
     * Following list): Enter opens it, and the record actions (w, e, c, ...) act on it */
    int names_records;
    /* other events whose entity_id is one of its rows, read as changes of that row (re-read
     * only when it can show in the window): the Tickets' ENTITY_SLA_ROWS; NULL: none */
    const char *row_events;
};

/* The tables an SLA clock's due time follows, for the shows of a list whose rows show one (a
 * time_left column, a filter on breached clocks). A policy's new targets and a calendar's new
 * hours or holidays move every clock under them in the same transaction (ccrm_sla_policy_sync,
 * ccrm_calendar_sync, schema/019), whose events are those of sla_policies and calendars. */
#define ENTITY_SLA_SHOWS "sla_policies", "calendars"
/* The events of one ticket's clocks, for the row_events of such a list: entity_id is the
 * ticket's, written when its clocks move with no event of the ticket (an answer or a question
 * logged, an answer by mail sent, a breach the scheduler marks: ccrm_sla_event,
 * schema/functions/90_service.sql). Partners do not read them (filed under no account). */
#define ENTITY_SLA_ROWS "sla_clocks"

/* ---- the detail view ---- */

/* A section of lines (columns named at, who, what, entity, id: src/db/detail.c reads them by
 * name): a query run with parameters taken from the record's own row, under a heading
 * "Name (n[+]suffix)", or with heading NULL as more lines under the heading before. */
struct entity_section {
    const char *heading;
    const char *suffix;      /* after the count: ", newest first" */
    int max;                 /* the LIMIT of the query: a count that reaches it gets a "+" */
    const char *sql;         /* the lines */
    const char *partner_sql; /* for partners, who may not read campaigns; NULL: sql */
    const char *params[3];   /* the head's columns passed as $1..$3 (SQL NULL or "": NULL) */
    int needs_param;         /* nothing when the first parameter is NULL */
    /* paged: every line reachable a page (max lines) at a time; the query takes the page's
     * first row (an OFFSET, from 0) after its parameters and returns up to max + 1 rows (the
     * one more says a next page exists); total: the head's column that counts them all */
    int paged;
    const char *total;
};

/* A field of the detail: a label and the head's column that holds its text. */
struct entity_detail_field {
    const char *label;
    const char *col;
};

/* A related record: "label: name" opening entity #id, from the head's columns. */
struct entity_related {
    const char *label;
    const char *name_col;
    const char *entity;
    const char *id_col;
};

struct entity_detail {
    /* the record's own row ($1: its id), with the columns named title, subtitle, version,
     * account_id (the customer it belongs to, NULL for none), optionally phase (what it is
     * now, for the actions offered: struct action's when) and those named below */
    const char *head;
    const struct entity_detail_field *fields;
    int nfields;
    const struct entity_related *related; /* after a heading "Related" */
    int nrelated;
    const struct entity_section *before; /* sections before comments and chat */
    int nbefore;
    const struct entity_section *timeline; /* after them: the timeline, or a campaign's members */
    int conversation; /* its mails (entity.mail_fk) in full, before comments and chat */
    /* a setting of the company (a calendar, an SLA policy), not a customer's record: no
     * presence, comments, chat or hand-offs */
    int setting;
};

/* ---- references: how a record is found by typing and shown in a field ---- */

struct entity_ref {
    const char *from;   /* the table as alias r, and joins */
    const char *key;    /* what a field stores, as text */
    const char *label;  /* what the field shows */
    const char *detail; /* more words in the list of matches */
    const char *match;  /* condition on $1 (a LIKE pattern) and, with idparam, $2 (an id) */
    int idparam;
    const char *order;
    const char *by_key; /* condition on $1, the key */
};

/* ---- record actions that apply (the action table is src/ui/commands.c) ---- */

enum entity_action {
    ENT_EDIT = 1 << 0,          /* e, :edit */
    ENT_COMMENT = 1 << 1,       /* c, :comment */
    ENT_ASSIGN = 1 << 2,        /* a, h, :assign, :handoff */
    ENT_LOG = 1 << 3,           /* l: a call, an e-mail, ... logged on it (timeline_fk) */
    ENT_CHAT = 1 << 4,          /* t */
    ENT_HISTORY = 1 << 5,       /* H, :history */
    ENT_CONVERT = 1 << 6,       /* C: a lead becomes account, contact and deal */
    ENT_SIGNAL = 1 << 7,        /* S: a ticket's person is a sales lead */
    ENT_MARK_READ = 1 << 8,     /* opening an inbox row marks it read */
    ENT_INTEREST = 1 << 9,      /* i, :interest: an interest of its person or account */
    ENT_MEMBERS = 1 << 10,      /* a campaign's members: A, m, x, r, :add-segment, :respond */
    ENT_REPLY = 1 << 11,        /* r: answer by e-mail (ccrm_mail_reply; mail_fk) */
    ENT_QUOTE = 1 << 12,        /* a quote's actions: lines, send, accept, reject, revise, print */
    ENT_INVOICE = 1 << 13,      /* an invoice's: issue, payment, credit note, print */
    ENT_BILL_DEAL = 1 << 14,    /* a deal's: a quote for it */
    ENT_INVOICE_FROM = 1 << 15, /* an invoice from it: an accepted quote, a won deal */
    ENT_PRINT = 1 << 16,        /* :print, p: a quote's or an invoice's document */
    ENT_DONE = 1 << 17,         /* x: a task or meeting is done (the Tasks list) */
    ENT_LINES = 1 << 18,   /* L, :remove-line, :move-line: a draft quote's or invoice's lines */
    ENT_PRICES = 1 << 19,  /* L, :price: a product's price in another currency */
    ENT_CONSENT = 1 << 20, /* O, :unsubscribe, :consent: a person's consent per channel */
    ENT_PARTNER = 1 << 21, /* a partner may see it: W and T share with them (not a campaign) */
    ENT_WATCH = 1 << 22    /* w, :watch, :unwatch: follow it (followers, schema/019) */
};

struct entity {
    const char *table;    /* "opportunities" */
    const char *singular; /* what people call one, in the UI and messages: "deal" */
    const char *plural;   /* "deals" */
    const char *help;     /* one line on what it is (help, docs; never empty) */

    const struct entity_field *fields; /* the form's fields, in its order */
    int nfields;
    const char *const *one_of; /* at least one of these columns must be filled (a CHECK) */
    const char *one_of_msg;

    const char *const *exports; /* what --import takes and --export writes, in order (columns) */
    /* columns an import takes and an export writes that the form does not show (an
     * interaction's owner: a task's person, set by the rules or psql), looked up by
     * entity_io_field after the form's fields */
    const struct entity_field *io_fields;
    int nio_fields;
    const char *dup_key;  /* an import row with this column's value exists already */
    const char *dup_word; /* its name in messages: "e-mail" */

    const struct entity_ref *ref;
    const struct entity_list *list;
    const struct entity_detail *detail;
    const char *timeline_fk;      /* the interactions column that names one ("account_id") */
    const char *mail_fk;          /* the messages column that names one ("ticket_id"), or NULL */
    unsigned actions;             /* enum entity_action bits */
    const char *const *new_words; /* :new words that create one (NULL: the singular) ... */
    const char *new_field;        /* ... setting this field to the word ("kind"), or NULL */
    /* rows of its list are records of this other entity (the Tasks list: interactions): its
     * forms, actions and n are that entity's, and new ones start with new_values */
    const char *rows_of;
    const char *const *new_values;
    /* A line the form shows under its fields while one types, computed by the database: a
     * statement taking the fields' values as $1..$n in the form's order (normalised; SQL NULL
     * when empty or not valid yet) and the record's id as $n+1 (0 for a new one), returning
     * one text column (a quote line: its amounts and the quote's new total). NULL: none. */
    const char *preview;
};

/* Every entity, NULL-terminated, in tab order first (the list views). */
extern const struct entity *const entity_registry[];

/* The pipeline's stages: the choices of opportunities.stage; the first four are open. */
extern const char *const deal_stages[];

/* An entity by table name ("opportunities"), or NULL. */
const struct entity *entity_find(const char *table);
/* The entity a word names: its table, or what people call one or several of it ("deal",
 * "deals", "opportunities"), in any letter case, or NULL. */
const struct entity *entity_named(const char *word);
/* The entity whose list view is named view ("deals"), or NULL. */
const struct entity *entity_by_view(const char *view);
/* A field by column, or NULL; its index, or -1. */
const struct entity_field *entity_field(const struct entity *e, const char *column);
int entity_field_index(const struct entity *e, const char *column);
/* A field of the form or, failing that, one of its io_fields (the columns of an import or an
 * export), or NULL. */
const struct entity_field *entity_io_field(const struct entity *e, const char *column);
/* The rule a field's values follow in a form (a person is a login, other references an id)
 * and in an import (references by name, domain or e-mail; times as given). */
struct value_rule entity_form_rule(const struct entity_field *f);
struct value_rule entity_import_rule(const struct entity_field *f);
/* A value typed for filter f of e's list as the filter compares it: read as its field's
 * values are (status=Open is open), or as one of its choices in the stored spelling; other
 * filters take it as typed. 0 with it in out (outcap bytes), or -1 with the reason in ve
 * (the valid values named). The prompt and the list queries (src/db/list.c) both read a
 * filter's values through this. */
int entity_filter_value(const struct entity *e, const struct entity_filter *f, const char *in,
                        char *out, size_t outcap, struct value_err *ve);
/* A column of a list by name: its index in a row, or -1. */
int entity_list_col(const struct entity_list *l, const char *name);
/* The sort order named name: its index, or -1. */
int entity_sort_index(const struct entity_list *l, const char *name);
/* "deal" for one, "deals" for any other count, by table ("opportunities"); an unknown table is
 * a "record". */
const char *entity_noun(const char *table, long n);

/* The tables whose events are bookkeeping, not news: inbox entries and read marks, mentions,
 * reminders, digests, one's quiet hours, followers, SLA clocks moving (the change that moved
 * them is the news; a breach is told to the people concerned, in their Inbox). The Feed
 * leaves them out (as SQL: the list below), and a live change to one is not announced
 * (src/ui/screen.c; one's own inbox entries and mentions are, by their own rules). */
#define ENTITY_BOOKKEEPING_SQL                                                                     \
    "'inbox', 'mentions', 'reminders', 'digests', 'inbox_settings', 'followers', 'sla_clocks'"
int entity_is_bookkeeping(const char *table);

#endif
