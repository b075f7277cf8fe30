/* The `:` command language: parse a line into a command and its argument, and list completion
 * candidates for the word at the cursor. Pure (no curses, no libpq) and fuzzed. The commands,
 * with the keys that do the same in views and the help of both, are one table: the action
 * table (struct action, defined by the full-screen client in src/ui/commands.c); the parser
 * reads its names. */
#ifndef CCRM_CMD_H
#define CCRM_CMD_H

#include <stddef.h>

#include "ccrm/err.h"

enum cmd_kind {
    CMD_NONE,    /* empty line: nothing to do */
    CMD_OPEN,    /* open NAME: an account; open [KIND] N: a record by number (cmd_open_number) */
    CMD_FIND,    /* find TEXT: the Accounts view with that search */
    CMD_VIEW,    /* view NAME (arg holds the full view name: feed, leads, ... dashboard) */
    CMD_SORT,    /* sort NAME: a sort order of the current list (checked by the UI) */
    CMD_HISTORY, /* toggle the history of the record shown */
    CMD_HELP,
    CMD_QUIT,
    CMD_FILTER,  /* filter TEXT: "mine", "status=open owner=marco", "all" (checked by the UI) */
    CMD_NEW,     /* new [WHAT]: arg is the entity's table (the registry's), "" = this list's */
    CMD_EDIT,    /* edit the selected or shown record */
    CMD_ASSIGN,  /* assign LOGIN [NOTE] */
    CMD_HANDOFF, /* handoff LOGIN|DEPARTMENT [NOTE] */
    CMD_COMMENT, /* comment TEXT (with @login mentions) */
    CMD_EXPORT,  /* export FILE: the current list, as its search and filter show it, to CSV */
    CMD_TASKS,   /* tasks [FILTER]: the Tasks list ("mine open" when none) */
    CMD_AGENDA,  /* agenda [DAYS]: one's meetings and due tasks, week by day */
    CMD_WHO,     /* who [DEPT] [key=value ...]: who is competent, and the rule that decided */
    CMD_RULES,   /* rules: the responsibility rules (management and admin edit them) */
    /* absences: who is away (the person, their lead, management edit them) */
    CMD_ABSENCES,
    /* marketing (issue 19) */
    CMD_INTEREST,      /* interest [PRODUCT | topic: TOPIC] on the selected record */
    CMD_ADD_SEGMENT,   /* add-segment NAME: a segment's people into the campaign shown */
    CMD_ADD_MEMBER,    /* add-member E-MAIL|NAME: one person into the campaign shown */
    CMD_REMOVE_MEMBER, /* remove-member: the member selected out of the campaign shown */
    CMD_RESPOND,       /* respond STATUS: a response of the member selected */
    CMD_SENT_ALL,      /* sent-all: "sent" for every member the mailing tool got */
    CMD_SEGMENT,       /* segment NAME [: DEFINITION]: save a segment */
    CMD_SEGMENT_COUNT, /* segment-count NAME: its exact size */
    CMD_DUPLICATES,    /* duplicates [contacts|leads|accounts]: the Duplicates view */
    CMD_REPORTS,       /* reports [NAME]: the Reports view */
    CMD_SEGMENTS,      /* segments: the Segments view */
    CMD_INTERESTS,     /* interests TEXT: the interests that mention it */
    /* the back office (docs/billing.md): on the quote or invoice selected or shown */
    CMD_LINE,        /* line: a new line on a draft quote (its form) */
    CMD_REMOVE_LINE, /* remove-line N */
    CMD_MOVE_LINE,   /* move-line N M */
    CMD_SENT,        /* mark-sent: the quote went to the customer (it is frozen from now on) */
    CMD_ACCEPT,      /* accept, reject: the customer's answer */
    CMD_REJECT,
    CMD_REVISE,      /* revise: a new revision (draft) of a sent quote */
    CMD_INVOICE,     /* invoice: a draft invoice from an accepted quote or a won deal */
    CMD_ISSUE,       /* issue: a draft invoice gets its number */
    CMD_PAYMENT,     /* payment AMOUNT */
    CMD_CREDIT_NOTE, /* credit-note: a draft credit note for an issued invoice */
    CMD_PRINT,       /* print [pdf|text|ubl] */
    CMD_SHARE,       /* share TEXT: a comment shared with the partner (with @login mentions) */
    /* mail in the client (docs/mail.md) */
    CMD_REPLY,           /* reply: answer the record by e-mail (as r) */
    CMD_SAVE_ATTACHMENT, /* save-attachment N [PATH]: a received attachment to a file */
    /* responsibility and time, the client's side (issue 17) */
    CMD_WATCH,     /* watch: follow the record selected or shown (its changes reach the Inbox) */
    CMD_UNWATCH,   /* unwatch: stop following it (also one's own or assigned record) */
    CMD_FOLLOWING, /* following [FILTER]: the Following list (the records one follows) */
    CMD_SETTINGS,  /* settings: one's time zone, quiet hours and digest time (a form) */
    CMD_CALENDARS, /* calendars: business-hours calendars (management and admin edit them) */
    CMD_SLA,       /* sla: the SLA policies (management and admin edit them) */
    CMD_SEND,      /* send [ADDRESS]: a quote's or an invoice's PDF by e-mail */
    CMD_PRICE,     /* price: a product's price in another currency (its form) */
    /* marketing in the client, what issue 19 left */
    CMD_OPT_OUT, /* unsubscribe CHANNEL [WHERE]: the person selected opted out of a channel */
    CMD_CONSENT, /* consent CHANNEL [WHERE]: ... consented to it */
    CMD_RESULTS, /* results: count the campaign shown's results however big it is */
    CMD_FROM,    /* from [DATE]: the Reports view's window starts then ("": its default) */
    CMD_TO,      /* to [DATE]: ... ends before then */
    CMD_READ,    /* read [all]: mark the Inbox entry selected (or every one) read, unopened */
};

/* The views in tab order (the tabs 1-9), NULL-terminated: `:view`, [ui] start_view, --view. */
extern const char *const cmd_views[];
/* The views for a message: "feed, leads, ..., invoices or products" (made from cmd_views). */
const char *cmd_views_text(void);

struct app;

enum cmd_arg { CMD_ARG_NONE, CMD_ARG_REQUIRED, CMD_ARG_OPTIONAL };

/* What Tab completes in an action's argument. */
enum cmd_complete_what {
    CMPL_NONE,
    CMPL_VIEWS,    /* the view names */
    CMPL_SORTS,    /* the sort orders of the list shown */
    CMPL_NEW,      /* what :new creates */
    CMPL_ACCOUNTS, /* account names (and for :find, logins) */
    CMPL_PEOPLE,   /* logins, then free text (a note); for :handoff departments too */
    CMPL_CHANNELS, /* the channels of a consent (email, phone, post, all), then free text */
    CMPL_OPEN,     /* what :open opens by number (ticket, deal, ...), and account names */
    CMPL_MEMBERS,  /* the whole argument: people's full names and e-mail addresses (src->names) */
    CMPL_SEGMENTS, /* the whole argument: segment names (src->names) */
    CMPL_MENTIONS, /* free text; an @login being typed at its end: logins (as c's line) */
};

/* What an action needs from the view it runs in (bits). */
enum action_needs {
    NEEDS_SELECTED = 1 << 0, /* a record: a list's selected row, or the record shown */
    NEEDS_LIST = 1 << 1,     /* a list (its sort, filter, search, export) */
    NEEDS_RECORD = 1 << 2,   /* a record's detail view (its chat, its history) */
    NEEDS_INTERNAL = 1 << 3, /* an internal user: not offered to partners (it could only fail) */
};

/* An action: a `:` command, a key in views, or both, with the help of both (? and :help are
 * made from this table, so keys, commands and help cannot drift apart). */
struct action {
    const char *name;   /* the : command, or NULL for a key only */
    int key;            /* the key in views, or 0 for a command only */
    enum cmd_kind kind; /* what cmd_parse returns for name */
    enum cmd_arg arg;
    enum cmd_complete_what complete;
    unsigned needs;   /* enum action_needs bits */
    unsigned applies; /* the record's entity must offer these (enum entity_action), 0: any */
    const char *hint; /* a word or two under a record ("c comment"), or NULL */
    /* the record's phases it is offered in ("|draft|sent|", struct detail's phase), or with
     * '!' before them those it is not ("!|converted|"); NULL: any. A record whose head says
     * no phase is offered all. Only the hint follows it: the database still says what a key
     * may do in any phase. */
    const char *when;
    /* the right it needs, as the database says it ("table payments INSERT", "function
     * ccrm_invoice_issue(bigint,date) EXECUTE"; % is the record's table, @ its singular):
     * without it the hint and the help leave it out, and the key is refused at once */
    const char *grant;
    const char *usage; /* ":assign LOGIN [NOTE]" (commands), or NULL */
    const char *help;  /* what it does, one line (never empty) */
    /* Run it: arg is the command's argument, or NULL from a key (then it asks, if it must). */
    void (*run)(struct app *app, const struct action *a, const char *arg);
};

/* The action table, ended by an entry with neither name nor key. */
extern const struct action cmd_actions[];
/* The action with this command kind, or NULL. */
const struct action *cmd_action(enum cmd_kind kind);

#define CMD_ARG_MAX 256

struct cmd {
    enum cmd_kind kind;
    char arg[CMD_ARG_MAX]; /* trimmed, surrounding double quotes removed; "" when none */
};

/* Parse one line (a leading ':' is allowed). Command names may be shortened to any unique
 * prefix. Returns 0 with out filled in, or -1 with err set ("unknown command \"x\": try :help"). */
int cmd_parse(const char *line, struct cmd *out, struct ccrm_err *err);

struct entity;

/* What `:open` takes besides an account's name: a record by its number, as people quote it.
 * "3221", "#3221", "[#3221]" (the tag of a ticket's mails), "#L45" (a lead's tag), or a kind
 * first: "ticket 3221", "Deals #12", "SLA policy 2" (an entity with a detail view, by its
 * singular, plural or table, letter case aside). Returns 1 with *kind (NULL when none was
 * said: the view's) and *id (0: a number no record has, as 0, "-5" or more digits than a bigint
 * holds); 0 when arg is no such thing (an account's name: "Deal Partners",
 * "ticket"); -1 with err set when it starts as one but the number is wrong ("#", "deal #x"). */
int cmd_open_number(const char *arg, const struct entity **kind, long long *id,
                    struct ccrm_err *err);

/* Split "WORD rest of text" (assign, handoff): the first word into word (n bytes), a pointer
 * to the rest (after blanks) returned; "" when there is none. */
const char *cmd_split(const char *arg, char *word, size_t n);

/* The name of a command kind ("open", ...), or "" for CMD_NONE. */
const char *cmd_name(enum cmd_kind kind);

/* Called by a completion source for each candidate it knows. */
typedef void (*cmd_add_fn)(const char *name, void *actx);
/* Supplies argument candidates the parser cannot know (account names, logins) for command kind;
 * prefix is what was typed so far (a hint: results are filtered again, unless src->matched). */
typedef void (*cmd_names_fn)(enum cmd_kind kind, const char *prefix, cmd_add_fn add, void *actx,
                             void *ctx);

struct cmd_complete_src {
    const char *const *sorts; /* sort names of the current list, NULL-terminated, or NULL */
    cmd_names_fn names;       /* may be NULL */
    void *ctx;
    /* names adds only names that start with what was typed, matched its own way (the database
     * folds accents too: "ol" finds "Öl Handel"): they are taken as they come */
    int matched;
};

struct cmd_completion {
    char **cand; /* matching candidates, sorted, without duplicates */
    int n, cap;
    size_t start; /* byte offset in line where the word being completed starts */
    char *common; /* longest common prefix of the candidates ("" when none) */
    int is_cmd;   /* the word is the command name */
};

/* Candidates for the word that ends at byte offset cursor of line: command names for the first
 * word, else view names, sort names or what src->names adds, by command. Matching is by prefix,
 * letter case aside in any script (cmd_has_prefix). The common prefix is never shorter than
 * what was typed. Fills out (free with cmd_completion_fini); returns out->n. */
int cmd_complete(const char *line, size_t cursor, const struct cmd_complete_src *src,
                 struct cmd_completion *out);
void cmd_completion_fini(struct cmd_completion *c);

/* Does s start with the first n bytes of p, letter case aside in any script ("öl" and "ÖL"
 * start "Öl Handel": towlower by character, in the locale's encoding)? The one way the client
 * folds names itself: completion candidates, commands, :open's exact name. (Accents are the
 * database's: ccrm_fold.) */
int cmd_has_prefix(const char *s, const char *p, size_t n);
/* Are a and b the same but for letter case, in any script (as cmd_has_prefix)? */
int cmd_same_name(const char *a, const char *b);

/* The channels of a consent or an opt-out (NULL-terminated): email, phone, post, all. */
const char *const *cmd_channel_names(void);

#endif
