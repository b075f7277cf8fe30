/* Forms: create and edit a record of any entity (src/ui/form.h). Typed fields checked where
 * they are typed, with the error shown at the field; references chosen by searching; saving
 * sends the version the form read. When someone else saved first, fields only they changed
 * are taken from them, and fields both changed are shown side by side ("yours" / "theirs")
 * for the person to choose, then saved against the new version: nothing is overwritten
 * silently and nothing typed is lost, neither by a conflict, a lost connection nor a resize.
 * The pure parts (checks, merge, text buffer) are in src/model/form.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <unistd.h>
#include <wctype.h>

#include "ccrm/billing.h"
#include "ccrm/draft.h"
#include "ccrm/marketing.h"
#include "ccrm/record.h"
#include "ccrm/segment.h"
#include "ccrm/strbuf.h"
#include "ccrm/util.h"
#include "form.h"

#define BODY_ROWS 6 /* the box of a multi-line field, at most */
#define PAGE_FIELDS 5
#define MERGE_ATTEMPTS 3

struct ffield {
    const struct entity_field *spec;
    struct editbuf eb; /* the text; for a reference its label, or the search being typed */
    char *base;        /* the value as last read from the database ("" = empty) */
    char *initial;     /* the value when the form opened: cancel asks only if it changed */
    char *key;         /* FIELD_REF: the chosen id or login ("" = none) */
    char *label;       /* FIELD_REF: what shows for key */
    int searching;     /* FIELD_REF: eb holds a search, not the label */
    /* FIELD_REF: the search was typed here, so ↑↓ choose among its matches; a list shown on
     * entering (the chosen account's contacts) leaves ↑↓ to move between fields (^N ^P pick) */
    int typed;
    int filled_by; /* set by the pick in field filled_by (its `within`), or -1 */
    struct ref_match m[REF_MATCH_MAX];
    int nm, msel, searched;
    char *error; /* shown under the field, or NULL */
    int first;   /* horizontal scroll: first character shown of the cursor's line */
    int top;     /* FIELD_MULTILINE: first line shown */
    /* we both changed it: the person chooses (conflict set until the choice is applied) */
    int conflict;
    int pick; /* 0 not yet, 1 mine, 2 theirs */
    char *mine, *theirs;
    /* base before the save that found the conflict: a draft keeps it (fm_draft), so that the
     * restored form's save meets the same conflict instead of overwriting theirs */
    char *conflict_base;
    char *mine_label, *theirs_label; /* FIELD_REF */
    int cscroll; /* conflict screen: lines scrolled (PgDn) past where the two first differ */
    /* FIELD_CHOICE: the letters typed into it since it was entered or last stepped, which the
     * choice picked must start with (lower case, UTF-8) */
    char ahead[32];
};

enum form_mode { MODE_EDIT, MODE_DISCARD, MODE_CONFLICT };
enum banner_kind { BANNER_NONE, BANNER_INFO, BANNER_ERROR, BANNER_LOST };

struct formview {
    struct view v;
    struct app *app;
    const struct entity *e;
    int64_t id; /* 0: a new record */
    /* a new record whose save lost the connection while committing: the id it has if that
     * commit went through (looked for before the next save inserts again) */
    int64_t maybe_id;
    /* ... and the values that save sent (NULL: none kept, a draft from before a restart):
     * what is typed after it goes onto the record once it is found */
    char **sent;
    /* an edit whose save lost the connection (its UPDATE may have committed): a change found
     * since by this login is likely that save, not someone else's */
    int lost_save;
    int version;
    char stamp[160]; /* "last changed by marco at 2026-11-22 19:28" */
    struct ffield *f;
    int nf;
    int cur;
    int top; /* first row of the field list shown */
    enum form_mode mode;
    char banner[512];
    enum banner_kind banner_kind;
    char who[96]; /* who saved first, at the last conflict: "marco at 19:28" */
    char who_login[64];
    char merged[256];     /* labels of the fields taken from them at the last conflict */
    int conflict_version; /* the version read before the save that found open conflicts */
    int64_t merged_into;  /* the record is gone: merged into this one (0 not asked, -1 not) */
    int csel, ctop;       /* conflict screen: selected row (2 per field), first row shown */
    /* a new contact, lead or account: likely duplicates of what is typed, probed when the
     * typing pauses (ccrm_duplicates_for, an index probe per signal) */
    char dupwarn[512];
    unsigned dup_timer;
    char *preview_of;  /* the values the preview line was computed from */
    char preview[256]; /* the entity's preview line (a quote line's amounts), or "" */
    char noun[64];     /* what the record is called in messages: noun() */
    int asked;         /* the change asked about (entity_field.asks) was answered y: saved */
};

#define DUP_PAUSE_MS 250

/* The keys fit the help's column of keys (12 wide: src/ui/screen.c), so that every
 * description starts in one column at 80 columns too; a longer key pushed its own out of line
 * ("Tab, ↓ / S-Tab, ↑"). A key that does two things has a line for each. */
static const char *const form_help[] = {
    "Tab, S-Tab\tnext / previous field",
    "↓, ↑\tnext / previous field (in a body: line; in a search: match)",
    "PgDn, PgUp\tfive fields on / back",
    "Enter\tnext field; in a text body, a new line",
    "Ctrl-S, F2\tsave; closing or reopening a deal (its Stage) asks first, y/n",
    "Esc\tcancel (asks first if you changed something)",
    "← → Home End\tmove in the text",
    "^U, ^K\tdelete to the start / end",
    "Space, ← →\tchange a choice",
    "letters\tin a choice: the one starting with them (not Visibility)",
    "typing\tin a reference (account, contact, ...): search",
    "↑ ↓, Enter\tpick a match of the search, and on to the next field",
    "^N ^P, Enter\tpick from the list shown before typing",
    "Esc\tin a search: back to the reference chosen before",
    NULL,
};

/* ---- XON/XOFF: Ctrl-S must reach the form, not stop the terminal's output ----
 * Off from the first form on, for as long as curses runs: switching it back on when a form
 * closes would freeze the screen for whoever presses Ctrl-S once more out of habit. endwin()
 * restores the terminal's own setting (curses saved it at start-up). */

static void
flow_off(void)
{
    struct termios t;

    if (tcgetattr(STDIN_FILENO, &t) == 0 && (t.c_iflag & IXON)) {
        t.c_iflag &= ~(tcflag_t)IXON;
        if (tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0)
            def_prog_mode(); /* curses restores this mode, not the one before */
    }
}

/* ---- field values ---- */

static void
set_str(char **dst, const char *src)
{
    free(*dst);
    *dst = src != NULL ? xstrdup(src) : NULL;
}

static void set_error(struct ffield *ff, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
set_error(struct ffield *ff, const char *fmt, ...)
{
    char buf[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    set_str(&ff->error, buf);
}

static void
clear_matches(struct ffield *ff)
{
    ref_matches_clear(ff->m, ff->nm);
    ff->nm = ff->msel = ff->searched = 0;
}

/* Put a value into a field (label: what a reference shows, NULL = the key). */
static void
set_value(struct ffield *ff, const char *value, const char *label)
{
    ff->filled_by = -1;
    if (ff->spec->type == FIELD_REF) {
        set_str(&ff->key, value != NULL ? value : "");
        set_str(&ff->label, ff->key[0] == '\0' ? "" : label != NULL ? label : ff->key);
        editbuf_set(&ff->eb, ff->label);
        ff->searching = ff->typed = 0;
        clear_matches(ff);
    } else {
        editbuf_set(&ff->eb, value != NULL ? value : "");
    }
    ff->first = ff->top = 0;
    set_str(&ff->error, NULL);
}

/* What the field holds now, as typed (malloc'd). A reference being searched holds its search
 * text prefixed by a byte no key has, so that it never equals a stored value. */
static char *
raw_value(const struct ffield *ff)
{
    if (ff->spec->type == FIELD_REF) {
        if (ff->searching) {
            char *t = editbuf_get(&ff->eb), *r;

            if (str_trim(t)[0] == '\0') {
                free(t);
                return xstrdup("");
            }
            r = xasprintf("\x01%s", t);
            free(t);
            return r;
        }
        return xstrdup(ff->key);
    }
    return editbuf_get(&ff->eb);
}

/* What the record is called in messages and titles: for an entity whose new records are made
 * by a kind (an interaction: `l` logs a call), the kind the form holds ("saved call #1505");
 * else its singular. In fv->noun, until the next call. */
static const char *
noun(struct formview *fv)
{
    const struct entity *e = fv->e;
    int k = e->new_field != NULL ? form_field_index(e, e->new_field) : -1, i;
    char *v;

    str_copy(fv->noun, e->singular, sizeof fv->noun);
    if (k < 0 || fv->f[k].spec->choices == NULL)
        return fv->noun;
    v = raw_value(&fv->f[k]);
    for (i = 0; fv->f[k].spec->choices[i] != NULL; i++)
        if (v[0] != '\0' && strcmp(fv->f[k].spec->choices[i], v) == 0)
            str_copy(fv->noun, v, sizeof fv->noun);
    free(v);
    return fv->noun;
}

/* The form's title, by the kind it holds now ("New call", "Edit note #12"): changing Kind
 * changes it, as it changes the status line (fm_describe) and the saved message. */
static void
retitle(struct formview *fv)
{
    if (fv->id != 0)
        snprintf(fv->v.title, sizeof fv->v.title, "Edit %s #%lld", noun(fv), (long long)fv->id);
    else
        snprintf(fv->v.title, sizeof fv->v.title, "New %s", noun(fv));
}

/* Field ff may stay empty: it is filled in from the record chosen in its filled_by field of
 * this new record (a line's description, price and tax rate from its product: ccrm_line_fill,
 * schema/functions/91_billing.sql). A saved record's stay required (a line's trigger keeps
 * what the same statement emptied, and refuses the line). */
static int
filled_by_choice(const struct formview *fv, const struct ffield *ff)
{
    int k;

    if (fv->id != 0 || ff->spec->filled_by == NULL ||
        (k = form_field_index(fv->e, ff->spec->filled_by)) < 0)
        return 0;
    return fv->f[k].spec->type == FIELD_REF && fv->f[k].key[0] != '\0';
}

/* What a field filled_by_choice shows while empty: whose value it gets, by the label of the
 * field that chooses it ("Product": "empty: the product's"). */
static void
filler_noun(const struct formview *fv, const struct ffield *ff, char *buf, size_t n)
{
    const char *label = fv->f[form_field_index(fv->e, ff->spec->filled_by)].spec->label;
    char first = label[0] >= 'A' && label[0] <= 'Z' ? (char)(label[0] - 'A' + 'a') : label[0];

    snprintf(buf, n, "empty: the %c%s's", first, first != '\0' ? label + 1 : "");
}

/* Field ff needs a value now (marked *, refused empty by a save). */
static int
required_now(const struct formview *fv, const struct ffield *ff)
{
    return ff->spec->required && !filled_by_choice(fv, ff);
}

/* The value to save for field ff: 0 with *out (malloc'd), or -1 with the field's error set.
 * In a record read from the database (editing), a value nobody touched is kept exactly as
 * read; a new record checks every field. */
static int
field_value(const struct formview *fv, struct ffield *ff, char **out)
{
    struct entity_field spec = *ff->spec;
    char *raw = raw_value(ff), msg[200];
    int editing = fv->id != 0;

    *out = NULL;
    spec.required = required_now(fv, ff);
    if (editing && strcmp(raw, ff->base) == 0) {
        *out = raw;
        return 0;
    }
    if (raw[0] == '\x01') {
        free(raw);
        set_error(ff, "choose one of the matches (↑↓ Enter), or clear the field");
        return -1;
    }
    if (form_normalize(&spec, raw, out, msg, sizeof msg) != 0) {
        free(raw);
        set_error(ff, "%s", msg);
        return -1;
    }
    free(raw);
    return 0;
}

static int
form_changed(const struct formview *fv)
{
    int i, changed = 0;

    for (i = 0; i < fv->nf && !changed; i++) {
        char *raw = raw_value(&fv->f[i]);

        changed = strcmp(raw, fv->f[i].initial) != 0;
        free(raw);
    }
    return changed;
}

static int
open_conflicts(const struct formview *fv)
{
    int i, n = 0;

    for (i = 0; i < fv->nf; i++)
        n += fv->f[i].conflict;
    return n;
}

static void set_banner(struct formview *fv, enum banner_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
set_banner(struct formview *fv, enum banner_kind kind, const char *fmt, ...)
{
    va_list ap;

    fv->banner_kind = kind;
    if (fmt == NULL) {
        fv->banner[0] = '\0';
        return;
    }
    va_start(ap, fmt);
    vsnprintf(fv->banner, sizeof fv->banner, fmt, ap);
    va_end(ap);
}

/* ---- references ---- */

/* The field ff's `within` names in this form (a contact's account), or NULL. */
static struct ffield *
within_field(struct formview *fv, const struct ffield *ff)
{
    int k = ff->spec->within != NULL ? form_field_index(fv->e, ff->spec->within) : -1;

    return k >= 0 && fv->f[k].spec->type == FIELD_REF ? &fv->f[k] : NULL;
}

/* The record ff's search is narrowed to (the account's id), or NULL: the field within names
 * it, chosen by the person, the record or a prefill, not by ff's own pick. */
static const char *
narrowed_to(struct formview *fv, const struct ffield *ff)
{
    const struct ffield *w = within_field(fv, ff);

    if (w == NULL || w->key[0] == '\0' || w->filled_by == (int)(ff - fv->f))
        return NULL;
    return w->key;
}

static void
ref_search(struct formview *fv, struct ffield *ff)
{
    struct ccrm_err err;
    char *q = editbuf_get(&ff->eb);
    int n;

    clear_matches(ff);
    /* empty: nothing to search, except within a chosen record (the account's contacts) */
    if (str_trim(q)[0] != '\0' || narrowed_to(fv, ff) != NULL) {
        n = db_ref_search_within(fv->app->db, ff->spec->ref, q,
                                 within_field(fv, ff) != NULL ? ff->spec->within : NULL,
                                 narrowed_to(fv, ff), ff->m, REF_MATCH_MAX, &err);
        if (n < 0)
            set_error(ff, "cannot search now: %s", err.msg);
        else
            ff->nm = n;
        ff->searched = 1;
    }
    free(q);
}

/* A pick in ff names its record's `within` (the contact's account, "" for none): that goes
 * into the form's field for it when the person left it empty or ff's previous pick set it. */
static void
fill_within(struct formview *fv, struct ffield *ff, const char *within)
{
    struct ffield *w = within_field(fv, ff);
    int self = (int)(ff - fv->f);
    struct ccrm_err err;
    char *label;

    if (w == NULL || (w->key[0] != '\0' && w->filled_by != self) || strcmp(w->key, within) == 0)
        return;
    if (within[0] == '\0') { /* the previous pick's account goes with it */
        set_value(w, "", NULL);
        ui_message(fv->app, "%s cleared: the %s has none", w->spec->label,
                   entity_noun(ff->spec->ref, 1));
        return;
    }
    if ((label = db_ref_label(fv->app->db, w->spec->ref, within, &err)) == NULL)
        return; /* not visible to this person: left as it is */
    set_value(w, within, label);
    w->filled_by = self;
    ui_message(fv->app, "%s: %s (the %s's)", w->spec->label, label, entity_noun(ff->spec->ref, 1));
    free(label);
}

/* ff (an account) now names another record: a field whose record must be one of its (the
 * contact, `within` it) and is not is cleared, and said so. The contact search offered only
 * the account's people, but a contact picked before the account changed stayed, and a ticket
 * was saved with another customer's requester. */
static void
clear_outside(struct formview *fv, struct ffield *ff)
{
    int i;

    for (i = 0; i < fv->nf; i++) {
        struct ffield *g = &fv->f[i];
        struct ccrm_err err;
        char *theirs;

        if (g == ff || within_field(fv, g) != ff || g->key[0] == '\0' || ff->key[0] == '\0')
            continue;
        theirs = db_ref_within(fv->app->db, g->spec->ref, g->key, g->spec->within, &err);
        if (theirs != NULL && strcmp(theirs, ff->key) != 0) {
            ui_message(fv->app, "%s cleared: %s is not one of %s's %s", g->spec->label, g->label,
                       ff->label, entity_noun(g->spec->ref, 2));
            set_value(g, "", NULL);
        }
        free(theirs);
    }
}

static void
ref_take(struct formview *fv, struct ffield *ff, int k)
{
    char *key = xstrdup(ff->m[k].key), *label = xstrdup(ff->m[k].label);
    char within[sizeof ff->m[k].within];
    int changed = strcmp(ff->key, key) != 0;

    str_copy(within, ff->m[k].within, sizeof within);
    set_value(ff, key, label);
    if (within_field(fv, ff) != NULL)
        fill_within(fv, ff, within);
    if (changed)
        clear_outside(fv, ff);
    free(key);
    free(label);
}

/* Stop searching and show the reference chosen before. */
static void
ref_cancel(struct ffield *ff)
{
    editbuf_set(&ff->eb, ff->label);
    ff->searching = ff->typed = 0;
    clear_matches(ff);
    set_str(&ff->error, NULL);
}

/* Leaving a reference field: an emptied search clears the reference, a search with exactly
 * one match takes it, any other search stays (and is refused on save). */
static void
ref_leave(struct formview *fv, struct ffield *ff)
{
    char *t;

    if (ff->spec->type != FIELD_REF || !ff->searching)
        return;
    t = editbuf_get(&ff->eb);
    if (str_trim(t)[0] == '\0')
        set_value(ff, "", NULL);
    else if (ff->nm == 1)
        ref_take(fv, ff, 0);
    else
        set_error(ff, "%s",
                  ff->nm == 0 ? "no match: change the search, or clear the field"
                              : "choose one of the matches (↑↓ Enter)");
    free(t);
}

/* Entering an empty reference narrowed to a chosen record lists that record's own (a ticket's
 * contact field shows the account's people at once); leaving it unpicked keeps it empty. */
static void
ref_enter(struct formview *fv, struct ffield *ff)
{
    char *t;

    if (ff->spec->type != FIELD_REF || ff->key[0] != '\0' || ff->searching ||
        narrowed_to(fv, ff) == NULL)
        return;
    t = editbuf_get(&ff->eb);
    if (str_trim(t)[0] == '\0') {
        ff->searching = 1;
        ff->typed = 0;
        ref_search(fv, ff);
        ff->msel = -1; /* none chosen yet: Enter and ↓ move on, ^N chooses */
    }
    free(t);
}

/* ---- saving ---- */

static void close_form(struct formview *fv, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Close the form (freed once its key handler has returned) and say why on the bottom line. */
static void
close_form(struct formview *fv, const char *fmt, ...)
{
    struct app *app = fv->app;
    char msg[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (strcmp(fv->e->table, "inbox_settings") == 0)
        db_set_display_tz(app->db); /* :settings may have changed one's time zone */
    ui_close(app, &fv->v);
    ui_message(app, "%s", msg);
}

/* A new record saved: close the form and put the list under it (if it lists such records) on
 * the record, clearing a search or filter that hides it; the bottom line says so. */
static void
close_new(struct formview *fv, int64_t id)
{
    struct app *app = fv->app;
    const struct entity *le;
    struct view *under;
    char said[300] = "";

    ui_close(app, &fv->v);
    under = ui_active(app->ui);
    if (under == NULL || under->ops->list == NULL || under->ops->list->show == NULL ||
        (le = under->ops->list->entity(under)) == NULL || strcmp(le->table, fv->e->table) != 0) {
        ui_message(app, "saved %s #%lld", noun(fv), (long long)id);
        return;
    }
    if (under->ops->list->show(under, app, id, said, sizeof said) == 0)
        ui_message(app, "saved %s #%lld%s", noun(fv), (long long)id, said);
    else
        ui_message(app, "saved %s #%lld (this list does not show it)", noun(fv), (long long)id);
}

/* s lower-cased into buf, up to a '%' ("Tax rate %": "tax rate"), trailing spaces dropped */
static void
lower_words(const char *s, char *buf, size_t n)
{
    size_t k;

    for (k = 0; s[k] != '\0' && s[k] != '%' && k + 1 < n; k++)
        buf[k] = s[k] >= 'A' && s[k] <= 'Z' ? (char)(s[k] - 'A' + 'a') : s[k];
    while (k > 0 && buf[k - 1] == ' ')
        k--;
    buf[k] = '\0';
}

/* A value missing that the database's words name but no column does (ccrm_line_fill: "product
 * X has no price in SEK: type the line's unit price"): the empty field they name, or -1. */
static int
missing_field(struct formview *fv, const struct record_err *re)
{
    char msg[sizeof re->err.msg], label[96];
    int i;

    if (strcmp(re->err.sqlstate, "23502") != 0)
        return -1;
    lower_words(re->err.msg, msg, sizeof msg);
    for (i = 0; i < fv->nf; i++) {
        char *raw = raw_value(&fv->f[i]);
        int empty = raw[0] == '\0';

        free(raw);
        lower_words(fv->f[i].spec->label, label, sizeof label);
        if (empty && label[0] != '\0' && strstr(msg, label) != NULL)
            return i;
    }
    return -1;
}

static void
refused(struct formview *fv, const struct record_err *re)
{
    int k;

    if (re->lost) {
        set_banner(fv, BANNER_LOST,
                   "not saved: %s. Your input is kept: press Ctrl-S again once the status bar "
                   "says online.",
                   re->err.msg);
        ui_message_error(fv->app, "not saved: %s", re->err.msg);
    } else if (re->field >= 0 && re->field < fv->nf) {
        set_error(&fv->f[re->field], "%s", re->err.msg);
        fv->cur = re->field;
        ui_message_error(fv->app, "not saved: %s: %s", fv->f[re->field].spec->label, re->err.msg);
    } else if ((k = missing_field(fv, re)) >= 0) {
        set_error(&fv->f[k], "%s", re->err.msg);
        fv->cur = k;
        ui_message_error(fv->app, "not saved: %s: %s", fv->f[k].spec->label, re->err.msg);
    } else {
        set_banner(fv, BANNER_ERROR, "not saved: %s", re->err.msg);
        ui_message_error(fv->app, "not saved: %s", re->err.msg);
    }
}

static void
add_merged(struct formview *fv, const char *label)
{
    size_t n = strlen(fv->merged);

    snprintf(fv->merged + n, sizeof fv->merged - n, "%s%s", n ? ", " : "", label);
}

/* Someone else saved first: merge their row (cur) into the form. vals are the values this
 * save tried. Returns the number of fields both changed. */
static int
merge(struct formview *fv, const struct record *cur, char **vals)
{
    int i, n = 0, before = fv->version;

    fv->version = cur->version;
    snprintf(fv->who, sizeof fv->who, "%s at %s", cur->updated_by, cur->updated_at);
    str_copy(fv->who_login, cur->updated_by, sizeof fv->who_login);
    snprintf(fv->stamp, sizeof fv->stamp, "last changed by %s", fv->who);
    fv->merged[0] = '\0';
    for (i = 0; i < fv->nf; i++) {
        struct ffield *ff = &fv->f[i];
        const char *theirs = cur->val[i];

        switch (form_merge3(ff->base, vals[i], theirs)) {
        case MERGE_SAME:
        case MERGE_MINE:
            break;
        case MERGE_THEIRS:
            set_value(ff, theirs, cur->label[i]);
            add_merged(fv, ff->spec->label);
            break;
        case MERGE_BOTH:
            ff->conflict = 1;
            ff->pick = 0;
            set_str(&ff->mine, vals[i]);
            set_str(&ff->theirs, theirs);
            set_str(&ff->mine_label, ff->spec->type == FIELD_REF ? ff->label : NULL);
            set_str(&ff->theirs_label, cur->label[i]);
            set_str(&ff->conflict_base, ff->base);
            n++;
            break;
        }
        set_str(&ff->base, theirs);
    }
    if (n > 0)
        fv->conflict_version = before;
    return n;
}

static int
first_conflict_row(const struct formview *fv)
{
    int i, k = 0;

    for (i = 0; i < fv->nf; i++) {
        if (!fv->f[i].conflict)
            continue;
        if (fv->f[i].pick == 0)
            return 2 * k;
        k++;
    }
    return 0;
}

/* The record of the form was not found: the one it was merged into (ccrm_merge: its id now
 * resolves to the survivor, as the record's view says), or -1 when it was deleted or is no
 * longer visible. Asked once per form (not at every event): a merge is rarely undone. */
static int64_t
merged_into(struct formview *fv)
{
    struct ccrm_err err;
    int64_t to;

    if (fv->merged_into == 0 && fv->id != 0 &&
        (to = db_resolve(fv->app->db, fv->e->table, fv->id, &err)) >= 0)
        fv->merged_into = to > 0 ? to : -1; /* -1: deleted, not asked again at every event */
    return fv->merged_into;
}

/* The record was merged into another: say into which, and what becomes of the input. */
static void
merged_banner(struct formview *fv)
{
    if (form_changed(fv))
        set_banner(fv, BANNER_ERROR,
                   "this %s was merged into #%lld: it cannot be saved. What you typed stays "
                   "here to copy into #%lld; Esc asks before it discards it.",
                   noun(fv), (long long)fv->merged_into, (long long)fv->merged_into);
    else
        set_banner(fv, BANNER_ERROR, "this %s was merged into #%lld: Esc leaves the form.",
                   noun(fv), (long long)fv->merged_into);
}

static int save(struct formview *fv, int attempt);

static int
one_of(const char *const *values, const char *v)
{
    int i;

    for (i = 0; values[i] != NULL; i++)
        if (strcmp(values[i], v) == 0)
            return 1;
    return 0;
}

/* The first field whose change the registry asks about (entity_field.asks: a deal's Stage into
 * or out of won, lost) among vals, the values to save, or -1. */
static int
asked_change(const struct formview *fv, char **vals)
{
    int i;

    for (i = 0; i < fv->nf; i++) {
        const struct ffield *ff = &fv->f[i];

        if (ff->spec->asks != NULL && strcmp(vals[i], ff->base) != 0 &&
            (one_of(ff->spec->asks, vals[i]) || one_of(ff->spec->asks, ff->base)))
            return i;
    }
    return -1;
}

/* Is fv still open? A question's answer comes after the key that asked has returned. */
static int
still_open(struct app *app, const struct formview *fv)
{
    int i;

    for (i = 0; i < app->ui->depth; i++)
        if (app->ui->stack[i] == &fv->v)
            return !fv->v.closing;
    return 0;
}

/* "mark it won? (y/n)" takes one key, as the Pipeline's does: y saves, any other key (n, Esc,
 * Enter) goes back to the form as it was typed. */
static void
on_asked(struct app *app, void *ctx, const char *text, int done, int ok)
{
    struct formview *fv = ctx;
    int k = ui_ask_key(app, text, done, ok, NULL);

    if (!still_open(app, fv))
        return;
    if (k != 'y') {
        ui_message(app, "not saved: your input is kept (Ctrl-S asks again)");
        return;
    }
    fv->asked = 1;
    save(fv, 0);
    fv->asked = 0;
}

/* Ask before saving field k's change to value v, as the Pipeline asks before > or < close or
 * reopen a deal: it changes the revenue won and the win rate. */
static void
ask_first(struct formview *fv, int k, const char *v)
{
    const struct ffield *ff = &fv->f[k];
    char label[64];

    /* what changes, above the question, which is short (the line's label holds 63 bytes) */
    ui_message_for(fv->app, 600000, "%s #%lld, %s: %s → %s", noun(fv), (long long)fv->id,
                   ff->spec->label, ff->base[0] != '\0' ? ff->base : "(none)", v);
    if (one_of(ff->spec->asks, v))
        snprintf(label, sizeof label, "mark it %s? (y/n) ", v);
    else
        snprintf(label, sizeof label, "reopen it in %s? (y/n) ", v);
    ui_input_begin(fv->app, label, "", on_asked, fv);
}

static void
forget_sent(struct formview *fv)
{
    int i;

    for (i = 0; fv->sent != NULL && i < fv->nf; i++)
        free(fv->sent[i]);
    free(fv->sent);
    fv->sent = NULL;
}

/* Save. Returns 1 if the form closed (it stays valid until its key handler returns), else 0. */
static int
save(struct formview *fv, int attempt)
{
    struct app *app = fv->app;
    char **vals = xcalloc((size_t)fv->nf, sizeof *vals);
    struct record_change *ch = xcalloc((size_t)fv->nf, sizeof *ch);
    struct record_err re;
    struct record *cur = NULL;
    char msg[200];
    int i, k, bad = -1, nbad = 0, nch = 0, rc, closed = 0;

    for (i = 0; i < fv->nf; i++) /* first: a pick may fill in another field (its account) */
        ref_leave(fv, &fv->f[i]);
    for (i = 0; i < fv->nf; i++) {
        if (field_value(fv, &fv->f[i], &vals[i]) != 0) {
            nbad++;
            if (bad < 0)
                bad = i;
        }
    }
    if (nbad == 0 && form_check_one_of(fv->e, (const char *const *)vals, &bad, msg, sizeof msg)) {
        set_error(&fv->f[bad], "%s", msg);
        nbad = 1;
    }
    if (nbad > 0) {
        fv->cur = bad;
        ui_message_error(app, "not saved: %d field%s to correct (%s: %s)", nbad,
                         nbad == 1 ? "" : "s", fv->f[bad].spec->label, fv->f[bad].error);
        goto out;
    }
    if (open_conflicts(fv) > 0) {
        fv->mode = MODE_CONFLICT;
        fv->csel = first_conflict_row(fv);
        goto out;
    }
    if (db_state(app->db) != DB_READY) {
        set_banner(fv, BANNER_LOST,
                   "not saved: not connected to the database. Your input is kept: press Ctrl-S "
                   "again once the status bar says online.");
        ui_message_error(app, "not saved: not connected to the database");
        goto out;
    }
    if (fv->id == 0 && fv->maybe_id > 0) {
        struct ccrm_err lerr;
        struct record *was = db_record_load(app->db, fv->e, fv->maybe_id, &lerr);

        if (was != NULL) { /* the commit went through: saved once, not twice */
            int64_t id = fv->maybe_id;
            int later = 0;

            fv->maybe_id = 0;
            for (i = 0; fv->sent != NULL && i < fv->nf; i++)
                later += strcmp(vals[i], fv->sent[i]) != 0;
            if (later > 0) {
                /* changed since that save: the form becomes the edit of the record it made,
                 * from what it sent, and saves what was typed after it (the fields the
                 * database filled in itself, a routed owner, are left as they are) */
                fv->id = id;
                fv->version = was->version;
                for (i = 0; i < fv->nf; i++)
                    set_str(&fv->f[i].base, fv->sent[i]);
                forget_sent(fv);
                record_free(&was);
                closed = save(fv, attempt);
                goto out;
            }
            forget_sent(fv);
            record_free(&was);
            close_new(fv, id);
            ui_message(app, "saved %s #%lld: it was saved as the connection dropped", noun(fv),
                       (long long)id);
            closed = 1;
            goto out;
        }
        if (db_state(app->db) != DB_READY || lerr.sqlstate[0] != '\0') {
            refused(fv, &(struct record_err){.err = lerr, .field = -1, .lost = 1});
            goto out;
        }
        fv->maybe_id = 0; /* it did not commit: saved now */
    }
    if (fv->id == 0) {
        const char **ins = xcalloc((size_t)fv->nf, sizeof *ins);
        int64_t id;

        for (i = 0; i < fv->nf; i++) {
            const struct entity_field *f = fv->f[i].spec;

            /* a value the database would default to anyway is left to it */
            ins[i] = form_field_dbdef(f) && strcmp(vals[i], f->def) == 0 ? NULL : vals[i];
        }
        rc = db_record_insert(app->db, fv->e, ins, &id, &re);
        free(ins);
        if (rc == 0) {
            close_new(fv, id);
            closed = 1;
        } else {
            if (re.maybe_id > 0) {
                fv->maybe_id = re.maybe_id;
                forget_sent(fv);
                fv->sent = xcalloc((size_t)fv->nf, sizeof *fv->sent);
                for (i = 0; i < fv->nf; i++)
                    fv->sent[i] = xstrdup(vals[i]);
            }
            refused(fv, &re);
        }
        goto out;
    }
    /* a change that closes or reopens the record is asked first; a save after a conflict
     * (attempt > 0) was asked already */
    if (attempt == 0 && !fv->asked && (k = asked_change(fv, vals)) >= 0) {
        ask_first(fv, k, vals[k]);
        goto out;
    }
    for (i = 0; i < fv->nf; i++)
        if (strcmp(vals[i], fv->f[i].base) != 0) {
            ch[nch].field = i;
            ch[nch].value = vals[i];
            nch++;
        }
    if (nch == 0) {
        if (attempt > 0 && fv->lost_save && strcmp(fv->who_login, db_login(app->db)) == 0)
            close_form(fv, "saved %s #%lld: it was saved as the connection dropped", noun(fv),
                       (long long)fv->id);
        else if (attempt > 0)
            close_form(fv, "saved %s #%lld: it already had your changes (%s saved them first)",
                       noun(fv), (long long)fv->id, fv->who_login);
        else if (fv->who_login[0] != '\0')
            close_form(fv, "nothing to save: %s #%lld stays as %s saved it", noun(fv),
                       (long long)fv->id, fv->who_login);
        else
            close_form(fv, "nothing changed: %s #%lld left as it was", noun(fv), (long long)fv->id);
        closed = 1;
        goto out;
    }
    rc = db_record_update(app->db, fv->e, fv->id, fv->version, ch, nch, NULL, &cur, &re);
    switch (rc) {
    case 0:
        if (fv->merged[0] != '\0')
            close_form(fv, "saved %s #%lld, merged with what %s changed (%s)", noun(fv),
                       (long long)fv->id, fv->who_login, fv->merged);
        else if (fv->who_login[0] != '\0')
            close_form(fv, "saved %s #%lld, with your choices over %s's changes", noun(fv),
                       (long long)fv->id, fv->who_login);
        else
            close_form(fv, "saved %s #%lld", noun(fv), (long long)fv->id);
        closed = 1;
        break;
    case 1:
        set_banner(fv, BANNER_NONE, NULL);
        if (merge(fv, cur, vals) == 0 && attempt < MERGE_ATTEMPTS) {
            /* they changed only fields we did not: theirs are in, save ours on top */
            record_free(&cur);
            closed = save(fv, attempt + 1);
            goto out;
        }
        fv->mode = MODE_CONFLICT;
        fv->csel = first_conflict_row(fv);
        fv->ctop = 0;
        for (int j = 0; j < fv->nf; j++)
            fv->f[j].cscroll = 0; /* each pair starts where it differs */
        ui_message_error(app,
                         "%s saved this %s first: choose what to keep where you both changed it",
                         cur->updated_by, noun(fv));
        break;
    case 2:
        if (merged_into(fv) > 0) {
            merged_banner(fv);
            ui_message_error(app, "not saved: the %s was merged into #%lld", noun(fv),
                             (long long)fv->merged_into);
            break;
        }
        set_banner(fv, BANNER_ERROR,
                   "this %s " RECORD_GONE ": it cannot be saved. Esc leaves the form.", noun(fv));
        ui_message_error(app, "not saved: the %s is gone", noun(fv));
        break;
    default:
        fv->lost_save = re.lost;
        refused(fv, &re);
        break;
    }
out:
    record_free(&cur);
    for (i = 0; i < fv->nf; i++)
        free(vals[i]);
    free(vals);
    free(ch);
    return closed;
}

/* Apply the choices made on the conflict screen (unchosen fields stay in conflict). */
static void
apply_picks(struct formview *fv)
{
    int i;

    for (i = 0; i < fv->nf; i++) {
        struct ffield *ff = &fv->f[i];
        char *v, *l;

        if (!ff->conflict || ff->pick == 0)
            continue;
        v = xstrdup(ff->pick == 1 ? ff->mine : ff->theirs);
        l = ff->pick == 1 ? (ff->mine_label ? xstrdup(ff->mine_label) : NULL)
                          : (ff->theirs_label ? xstrdup(ff->theirs_label) : NULL);
        set_value(ff, v, l);
        free(v);
        free(l);
        ff->conflict = 0;
    }
    retitle(fv);
}

/* ---- keys ---- */

/* A field left after typing is checked at once, as the save will check it: what is wrong
 * shows under it while the rest is filled in (nothing is refused until Ctrl-S; an empty
 * field waits for the save, which says whether it is required). */
static void
check_typed(struct ffield *ff)
{
    char *raw, *out = NULL, msg[200];

    if (ff->spec->type == FIELD_REF)
        return; /* a reference is chosen from its matches, and says so itself */
    raw = raw_value(ff);
    if (raw[0] != '\0' && strcmp(raw, ff->base) != 0 &&
        form_normalize(ff->spec, raw, &out, msg, sizeof msg) != 0)
        set_error(ff, "%s", msg);
    free(out);
    free(raw);
}

static void
move_to(struct formview *fv, int i)
{
    if (i < 0)
        i = 0;
    if (i >= fv->nf)
        i = fv->nf - 1;
    if (i == fv->cur)
        return;
    check_typed(&fv->f[fv->cur]);
    ref_leave(fv, &fv->f[fv->cur]);
    fv->cur = i;
    fv->f[i].eb.col = -1;
    fv->f[i].ahead[0] = '\0';
    ref_enter(fv, &fv->f[i]);
}

#define CHOICES_MAX 32

/* The values a choice field steps through: the registry's, after an empty one when the field
 * may be left empty. Returns how many. */
static int
choice_list(const struct ffield *ff, const char **c)
{
    int n = 0, i;

    if (!ff->spec->required)
        c[n++] = "";
    for (i = 0; ff->spec->choices[i] != NULL && n < CHOICES_MAX; i++)
        c[n++] = ff->spec->choices[i];
    return n;
}

static void
choice_step(struct ffield *ff, int dir)
{
    const char *c[CHOICES_MAX];
    char *v = editbuf_get(&ff->eb);
    int n = choice_list(ff, c), i, at = -1;

    for (i = 0; i < n; i++)
        if (strcasecmp(c[i], v) == 0)
            at = i;
    free(v);
    at = at < 0 ? (dir > 0 ? 0 : n - 1) : (at + dir + n) % n;
    editbuf_set(&ff->eb, c[at]);
}

/* Does choice s start with the typed letters t (lower case)? */
static int
choice_starts(const char *s, const char *t)
{
    size_t n = strlen(t);

    return s[0] != '\0' && strlen(s) >= n && strncasecmp(s, t, n) == 0;
}

/* Letters pick the choice starting with all of them typed so far ("sh": shared), or, when
 * none does, the next one starting with the last letter alone (pressing it again steps among
 * those). A letter no choice starts with changes nothing and says so: a careful user typing
 * into the wrong field must see it rather than find some value picked. Returns 1 if the value
 * changed. */
static int
choice_letter(struct formview *fv, struct ffield *ff, wint_t key)
{
    const char *c[CHOICES_MAX];
    char *v = editbuf_get(&ff->eb), one[8], longer[sizeof ff->ahead];
    int n = choice_list(ff, c), i, at = -1, pass;
    mbstate_t st;
    size_t k;

    if (ff->spec->keys_only) {
        free(v);
        ff->ahead[0] = '\0';
        ui_message(fv->app, "%s changes only with Space or ← → (typing does not change it)",
                   ff->spec->label);
        return 0;
    }
    memset(&st, 0, sizeof st);
    k = wcrtomb(one, (wchar_t)towlower(key), &st);
    if (k == (size_t)-1)
        k = 0;
    one[k] = '\0';
    if (strlen(ff->ahead) + k >= sizeof longer)
        ff->ahead[0] = '\0'; /* longer than any choice: start again from this letter */
    strcpy(longer, ff->ahead);
    strcat(longer, one);
    for (i = 0; i < n; i++)
        if (strcmp(c[i], v) == 0)
            at = i;
    free(v);
    /* the longer prefix keeps the current choice if it still fits; the single letter moves on */
    for (pass = 0; pass < 2; pass++) {
        const char *t = pass == 0 ? longer : one;

        if (pass == 1 && strcmp(longer, one) == 0)
            break;
        for (i = pass == 0 ? 0 : 1; i <= n; i++) {
            int j = ((at < 0 ? 0 : at) + i) % n;

            if (choice_starts(c[j], t)) {
                snprintf(ff->ahead, sizeof ff->ahead, "%s", t);
                if (j == at)
                    return 0;
                editbuf_set(&ff->eb, c[j]);
                return 1;
            }
        }
    }
    ff->ahead[0] = '\0';
    ui_message(fv->app, "no %s starts with \"%s\": Space or ← → change it (it stays %s)",
               ff->spec->label, longer, at >= 0 && c[at][0] != '\0' ? c[at] : "empty");
    return 0;
}

/* Text editing keys. Returns 1 if the text changed. */
static int
edit_key(struct ffield *ff, wint_t key, int fkey)
{
    struct editbuf *b = &ff->eb;

    if (fkey) {
        switch (key) {
        case KEY_LEFT:
            editbuf_left(b);
            return 0;
        case KEY_RIGHT:
            editbuf_right(b);
            return 0;
        case KEY_HOME:
            editbuf_home(b);
            return 0;
        case KEY_END:
            editbuf_end(b);
            return 0;
        case KEY_BACKSPACE:
            return editbuf_backspace(b);
        case KEY_DC:
            return editbuf_delete(b);
        default:
            return 0;
        }
    }
    switch (key) {
    case 1: /* ^A */
        editbuf_home(b);
        return 0;
    case 5: /* ^E */
        editbuf_end(b);
        return 0;
    case 2: /* ^B */
        editbuf_left(b);
        return 0;
    case 6: /* ^F */
        editbuf_right(b);
        return 0;
    case 8:
    case 127:
        return editbuf_backspace(b);
    case 4: /* ^D */
        return editbuf_delete(b);
    case 21: /* ^U */
        return editbuf_kill_start(b);
    case 11: /* ^K */
        return editbuf_kill_end(b);
    default:
        if (key == L'\n' && ff->spec->type != FIELD_MULTILINE)
            return 0;
        return editbuf_insert(b, (wchar_t)key);
    }
}

static int
conflict_count(const struct formview *fv)
{
    return open_conflicts(fv);
}

/* The field of conflict row r (2 rows per conflicting field), or NULL. */
static struct ffield *
conflict_field(struct formview *fv, int r)
{
    int i, k = 0;

    for (i = 0; i < fv->nf; i++) {
        if (!fv->f[i].conflict)
            continue;
        if (k == r / 2)
            return &fv->f[i];
        k++;
    }
    return NULL;
}

#define CONFLICT_VALUE_ROWS 6 /* lines of each value the conflict screen shows at once */

static int
conflict_key(struct formview *fv, wint_t key, int fkey)
{
    int rows = 2 * conflict_count(fv);
    struct ffield *ff = conflict_field(fv, fv->csel);

    if ((!fkey && key == 19) || (fkey && key == KEY_F(2))) {
        int left = 0, i;

        for (i = 0; i < fv->nf; i++)
            left += fv->f[i].conflict && fv->f[i].pick == 0;
        if (left > 0) {
            fv->csel = first_conflict_row(fv);
            ui_message_error(fv->app, "choose yours or theirs for every field first (%d left)",
                             left);
            return 1;
        }
        apply_picks(fv);
        fv->mode = MODE_EDIT;
        save(fv, 0);
        return 1;
    }
    if (!fkey && (key == 27 || key == 7 || key == 3)) {
        apply_picks(fv);
        fv->mode = MODE_EDIT;
        if (open_conflicts(fv) > 0)
            ui_message(fv->app, "fields marked ⚠ still need a choice: Ctrl-S shows them again");
        return 1;
    }
    if (fkey && (key == KEY_NPAGE || key == KEY_PPAGE)) {
        /* scroll the selected field's pair of long values (drawing stops at their ends) */
        if (ff != NULL)
            ff->cscroll += key == KEY_NPAGE ? CONFLICT_VALUE_ROWS - 1 : -(CONFLICT_VALUE_ROWS - 1);
        return 1;
    }
    if ((fkey && key == KEY_UP) || (!fkey && key == L'k')) {
        if (fv->csel > 0)
            fv->csel--;
    } else if ((fkey && key == KEY_DOWN) || (!fkey && key == L'j')) {
        if (fv->csel < rows - 1)
            fv->csel++;
    } else if ((!fkey && key == L'\t') || (fkey && key == KEY_BTAB)) {
        int r = fv->csel / 2 * 2 + (key == L'\t' ? 2 : -2);

        if (r >= 0 && r < rows)
            fv->csel = r;
    } else if (ff != NULL &&
               ((!fkey &&
                 (key == L' ' || key == L'\r' || key == L'\n' || key == L'y' || key == L't')) ||
                (fkey && (key == KEY_ENTER || key == KEY_LEFT || key == KEY_RIGHT)))) {
        if (!fkey && key == L'y')
            ff->pick = 1;
        else if (!fkey && key == L't')
            ff->pick = 2;
        else if (fkey && key == KEY_LEFT)
            ff->pick = 1;
        else if (fkey && key == KEY_RIGHT)
            ff->pick = 2;
        else
            ff->pick = fv->csel % 2 == 0 ? 1 : 2;
        fv->csel = fv->csel / 2 * 2 + (ff->pick - 1);
        /* on to the next field still without a choice */
        if (conflict_field(fv, fv->csel / 2 * 2 + 2) != NULL)
            fv->csel = fv->csel / 2 * 2 + 2;
    }
    return 1;
}

/* ---- likely duplicates, while a new contact, lead or account is typed ---- */

static int
checks_duplicates(const struct formview *fv)
{
    return fv->id == 0 &&
           (strcmp(fv->e->table, "contacts") == 0 || strcmp(fv->e->table, "leads") == 0 ||
            strcmp(fv->e->table, "accounts") == 0);
}

static void
on_dup_pause(void *ctx, void *arg)
{
    struct app *app = ctx;
    struct formview *fv = arg;
    struct strbuf b = STRBUF_INIT;
    struct ccrm_err err;
    char found[sizeof fv->dupwarn - 64];
    int i, n = 0;

    fv->dup_timer = 0;
    if (db_state(app->db) != DB_READY)
        return;
    strbuf_puts(&b, "{");
    for (i = 0; i < fv->nf; i++) {
        char *raw = raw_value(&fv->f[i]);

        if (raw[0] != '\0' && raw[0] != '\x01') {
            strbuf_printf(&b, "%s\"%s\": ", n++ ? ", " : "", fv->f[i].spec->column);
            json_quote(&b, raw);
        }
        free(raw);
    }
    strbuf_puts(&b, "}");
    n = n == 0
            ? 0
            : db_duplicates_for(app->db, fv->e->table, strbuf_str(&b), found, sizeof found, &err);
    strbuf_fini(&b);
    if (n > 0)
        snprintf(fv->dupwarn, sizeof fv->dupwarn, "likely duplicate%s: %s", n == 1 ? "" : "s",
                 found);
    else
        fv->dupwarn[0] = '\0';
    app->ui->dirty = 1;
}

/* Something was typed: probe again once the typing pauses. */
static void
dup_typed(struct formview *fv)
{
    if (!checks_duplicates(fv))
        return;
    timer_del(&fv->app->timers, fv->dup_timer);
    fv->dup_timer = timer_add(&fv->app->timers, now_ms() + DUP_PAUSE_MS, on_dup_pause, fv);
}

static int
fm_handle_key(struct view *v, struct app *app, wint_t key, int fkey)
{
    struct formview *fv = (struct formview *)v;
    struct ffield *ff = &fv->f[fv->cur];
    enum field_type t = ff->spec->type;
    int popup = t == FIELD_REF && ff->searching && ff->nm > 0;
    /* ↑↓ choose among the matches of what was typed here, and move between fields otherwise
     * (a list shown on entering is passed by: ^N ^P choose from it) */
    int picks = popup && ff->typed;
    int changed = 0;

    (void)app;
    if (!fkey && key == 12) /* ^L: the screen redraws */
        return 0;
    if (fv->mode == MODE_DISCARD) {
        if (!fkey && (key == L'y' || key == L'Y')) {
            close_form(fv, "changes discarded");
        } else if ((!fkey && (key == L'n' || key == L'N' || key == 27 || key == 7)) ||
                   (fkey && key == KEY_ENTER)) {
            fv->mode = MODE_EDIT;
        }
        return 1;
    }
    if (fv->mode == MODE_CONFLICT)
        return conflict_key(fv, key, fkey);
    if ((!fkey && key == 19) || (fkey && key == KEY_F(2))) { /* ^S, F2 */
        save(fv, 0);
        return 1;
    }
    if (!fkey && (key == 27 || key == 7 || key == 3)) { /* Esc, ^G, ^C */
        if (t == FIELD_REF && ff->searching)
            ref_cancel(ff);
        else if (form_changed(fv))
            fv->mode = MODE_DISCARD;
        else
            close_form(fv, "cancelled: nothing saved");
        return 1;
    }
    /* moving between fields (and inside a body or a list of matches) */
    if ((!fkey && key == L'\t') || (fkey && key == KEY_BTAB)) {
        int to = fv->cur + (key == L'\t' ? 1 : -1);

        move_to(fv, (to + fv->nf) % fv->nf);
        return 1;
    }
    if (fkey && key == KEY_UP) {
        if (t == FIELD_MULTILINE && editbuf_up(&ff->eb))
            return 1;
        if (picks && ff->msel > 0)
            ff->msel--;
        else
            move_to(fv, fv->cur - 1);
        return 1;
    }
    if (fkey && key == KEY_DOWN) {
        if (t == FIELD_MULTILINE && editbuf_down(&ff->eb))
            return 1;
        if (picks)
            ff->msel = ff->msel < ff->nm - 1 ? ff->msel + 1 : ff->msel;
        else
            move_to(fv, fv->cur + 1);
        return 1;
    }
    if (!fkey && (key == 14 || key == 16)) { /* ^N ^P: the next or previous match */
        if (popup && key == 14)
            ff->msel = ff->msel < ff->nm - 1 ? ff->msel + 1 : ff->msel;
        else if (popup && ff->msel > 0)
            ff->msel--;
        return 1;
    }
    if (fkey && (key == KEY_NPAGE || key == KEY_PPAGE)) {
        move_to(fv, fv->cur + (key == KEY_NPAGE ? PAGE_FIELDS : -PAGE_FIELDS));
        return 1;
    }
    if ((!fkey && (key == L'\r' || (key == L'\n' && t != FIELD_MULTILINE))) ||
        (fkey && key == KEY_ENTER)) {
        if (t == FIELD_MULTILINE) {
            changed = editbuf_insert(&ff->eb, L'\n');
        } else if (popup && ff->msel >= 0) {
            /* picked: on to the next field, as Enter does elsewhere (left here, typing went
             * on to replace the pick with a new search) */
            ref_take(fv, ff, ff->msel);
            move_to(fv, fv->cur + 1);
            return 1;
        } else {
            move_to(fv, fv->cur + 1);
            return 1;
        }
    } else if (t == FIELD_CHOICE) {
        if (!(!fkey && iswalnum(key)))
            ff->ahead[0] = '\0'; /* any other key starts the typed letters afresh */
        if ((fkey && key == KEY_RIGHT) || (!fkey && key == L' '))
            choice_step(ff, 1), changed = 1;
        else if (fkey && key == KEY_LEFT)
            choice_step(ff, -1), changed = 1;
        else if (((fkey && (key == KEY_BACKSPACE || key == KEY_DC)) ||
                  (!fkey && (key == 127 || key == 8))) &&
                 !ff->spec->required)
            editbuf_set(&ff->eb, ""), changed = 1;
        else if (!fkey && iswalnum(key))
            changed = choice_letter(fv, ff, key);
    } else {
        if (t == FIELD_REF && !ff->searching && !fkey && key >= 0x20 && key != 0x7f &&
            ff->key[0] != '\0') {
            /* typing over a chosen reference starts a new search */
            editbuf_set(&ff->eb, "");
        }
        changed = edit_key(ff, key, fkey);
        if (changed && t == FIELD_REF) {
            ff->searching = ff->typed = 1;
            ref_search(fv, ff);
        }
    }
    if (changed) {
        retitle(fv); /* "New note" once Kind is note */
        dup_typed(fv);
        if (t != FIELD_REF || ff->nm > 0 || !ff->searched)
            set_str(&ff->error, NULL);
        ff->conflict = 0; /* typed over a conflict: that is the choice */
        if (fv->banner_kind == BANNER_ERROR)
            set_banner(fv, BANNER_NONE, NULL);
    }
    return 1;
}

/* ---- drawing ---- */

/* s[from..to) as malloc'd UTF-8 */
static char *
wide_utf8(const wchar_t *s, int from, int to)
{
    struct editbuf tmp;
    char *out;

    tmp.s = (wchar_t *)(s + from);
    tmp.len = to - from;
    out = editbuf_get(&tmp);
    return out;
}

/* One line of text s[start..end) in a box at (y, x) of width columns; with the cursor at cur
 * (or -1). *first is the line's horizontal scroll, kept up to date when the cursor is on it. */
static void
draw_line(WINDOW *w, int y, int x, int width, const wchar_t *s, int start, int end, int cur,
          int *first, attr_t attr)
{
    int f = 0, left;
    char *text;

    if (width <= 0)
        return;
    if (cur >= 0) {
        *first = edit_scroll(s + start, end - start, cur - start, *first, width);
        f = *first;
    }
    left = f > 0 ? 1 : 0;
    draw_text(w, y, x, "", width, attr);
    if (left)
        draw_text(w, y, x, "…", 1, attr | A_DIM);
    text = wide_utf8(s, start + f, end);
    draw_input(w, y, x + left, text, width - left, attr); /* a zero-width character as '?' */
    free(text);
    if (cur >= 0) {
        int cx = x + left + edit_width(s, start + f, cur);
        wchar_t c[2] = {L' ', L'\0'};

        /* the character under it as draw_input shows it: '?' for a zero-width one */
        if (cur < end && s[cur] != L'\t' && s[cur] != L'\n')
            c[0] = s[cur] >= 0 && text_char_unsafe((uint32_t)s[cur]) ? L'?' : s[cur];
        if (cx < x + width) {
            wattron(w, A_REVERSE);
            mvwaddnwstr(w, y, cx, c, 1);
            wattroff(w, A_REVERSE);
        }
    }
}

static const char *
placeholder(const struct entity_field *f)
{
    if (f->routed)
        return "empty: the rules choose · type to search";
    switch (f->type) {
    case FIELD_DATE:
        return "YYYY-MM-DD";
    case FIELD_DATETIME:
        return "YYYY-MM-DD HH:MM";
    case FIELD_TIME:
        return "HH:MM";
    case FIELD_AMOUNT:
        return "1234.50";
    case FIELD_EMAIL:
        return "name@example.com";
    case FIELD_PHONE:
        return "+49 40 1234567";
    case FIELD_REF:
        return "type to search";
    default:
        return "";
    }
}

#define WRAP_MAX 8
#define WRAP_LINE 512

/* Word-wrap s into at most max lines of width columns (out holds max), breaking at '\n' too.
 * When text is left over, the last line ends in "…". Returns the number of lines (>= 1). */
static int
wrap_text_n(const char *s, int width, int max, char out[][WRAP_LINE])
{
    size_t n = strlen(s);
    int rows = 0;

    if (width < 1)
        width = 1;
    do {
        size_t take = 0, brk = 0, k;
        int cols = 0, nl = 0;
        mbstate_t st;

        memset(&st, 0, sizeof st);
        while (take < n) {
            wchar_t wc;
            size_t r = mbrtowc(&wc, s + take, n - take, &st);
            int cw;

            if (r == (size_t)-1 || r == (size_t)-2 || r == 0) {
                r = 1;
                wc = L'?';
                memset(&st, 0, sizeof st);
            }
            if (wc == L'\n') {
                nl = 1;
                break;
            }
            cw = wcwidth(wc);
            cw = cw < 0 ? 1 : cw;
            if (cols + cw > width)
                break;
            cols += cw;
            take += r;
            if (wc == L' ')
                brk = take;
        }
        if (!nl && take < n && brk > 0)
            take = brk;
        if (take == 0 && !nl && n > 0) { /* a character wider than the box */
            size_t r = mbrlen(s, n, NULL);

            take = r == (size_t)-1 || r == (size_t)-2 || r == 0 ? 1 : r;
        }
        k = take < WRAP_LINE - 8 ? take : WRAP_LINE - 8;
        memcpy(out[rows], s, k);
        out[rows][k] = '\0';
        rows++;
        s += take;
        n -= take;
        if (nl)
            s++, n--;
        else
            while (n > 0 && *s == ' ')
                s++, n--;
    } while (n > 0 && rows < max);
    if (n > 0) /* more than fits: say so (draw_text cuts the line to make room) */
        strcat(out[rows - 1], text_width(out[rows - 1]) < width ? "…" : " …");
    return rows;
}

/* wrap_text_n into at most WRAP_MAX lines */
static int
wrap_text(const char *s, int width, int max, char out[][WRAP_LINE])
{
    return wrap_text_n(s, width, max > WRAP_MAX ? WRAP_MAX : max, out);
}

/* Word-wrap s into up to max rows of width columns at (y, x). Returns rows used. */
static int
draw_wrapped(WINDOW *w, int y, int x, int width, int max, const char *s, attr_t attr)
{
    char lines[WRAP_MAX][WRAP_LINE];
    int n = wrap_text(s, width, max, lines), i;

    for (i = 0; i < n; i++)
        draw_text(w, y + i, x, lines[i], width, attr);
    return n;
}

/* The note under a field: its error, or an open conflict. */
static int
note_of(const struct ffield *ff, char *buf, size_t n)
{
    if (ff->error != NULL) {
        snprintf(buf, n, "↳ %s", ff->error);
        return 1;
    }
    if (ff->conflict) {
        const char *t = ff->theirs_label != NULL ? ff->theirs_label : ff->theirs;

        snprintf(buf, n, "⚠ theirs: %s%s%s · Ctrl-S to choose", t[0] ? "\"" : "",
                 t[0] ? t : "(empty)", t[0] ? "\"" : "");
        return 1;
    }
    return 0;
}

static int
popup_rows(const struct ffield *ff, int focused)
{
    if (!focused || ff->spec->type != FIELD_REF || !ff->searching || !ff->searched)
        return 0;
    return ff->nm > 0 ? ff->nm : 1;
}

static int
field_height(const struct formview *fv, int i, int bodyh, int maxh)
{
    const struct ffield *ff = &fv->f[i];
    char note[8];
    int h = ff->spec->type == FIELD_MULTILINE ? bodyh : 1;
    int p = popup_rows(ff, i == fv->cur);

    h += note_of(ff, note, sizeof note);
    if (p > 0 && h + p > maxh)
        p = maxh - h > 1 ? maxh - h : 1;
    return h + p;
}

/* Draw row r of the virtual field list if it is on screen. */
#define ROW_VISIBLE(r) ((r) >= fv->top && (r) < fv->top + ah)
#define ROW_Y(r) (y0 + (r)-fv->top)

static void
draw_fields(struct formview *fv, WINDOW *w, int y0, int ah, int wd)
{
    struct app *app = fv->app;
    int lw = 0, x_in, iw, bodyh, i, y, cy = 0, ch = 1;

    for (i = 0; i < fv->nf; i++) {
        int l = text_width(fv->f[i].spec->label) + (fv->f[i].spec->required ? 1 : 0);

        lw = l > lw ? l : lw;
    }
    if (lw > wd / 3)
        lw = wd / 3;
    x_in = lw + 3;
    iw = wd - x_in - 1;
    if (iw < 4)
        iw = wd - x_in;
    bodyh = ah - 1 < BODY_ROWS ? ah - 1 : BODY_ROWS;
    if (bodyh < 1)
        bodyh = 1;
    /* keep the focused field (with its note and matches) on screen */
    for (i = 0, y = 0; i < fv->nf; i++) {
        int h = field_height(fv, i, bodyh, ah);

        if (i == fv->cur) {
            cy = y;
            ch = h;
        }
        y += h;
    }
    if (cy < fv->top)
        fv->top = cy;
    if (cy + ch > fv->top + ah)
        fv->top = ch > ah ? cy : cy + ch - ah;
    if (fv->top > 0 && y - fv->top < ah) /* no empty rows at the end */
        fv->top = y - ah > 0 ? (y - ah < cy ? y - ah : cy) : 0;

    for (i = 0, y = 0; i < fv->nf; i++) {
        struct ffield *ff = &fv->f[i];
        const struct entity_field *f = ff->spec;
        int focused = i == fv->cur, h = field_height(fv, i, bodyh, ah), r = y;
        attr_t in = focused ? A_UNDERLINE : A_NORMAL;
        char label[96], note[300];

        y += h;
        if (r + h <= fv->top || r >= fv->top + ah)
            continue;
        snprintf(label, sizeof label, "%s%s", f->label, required_now(fv, ff) ? "*" : "");
        if (ROW_VISIBLE(r)) {
            if (focused)
                draw_text(w, ROW_Y(r), 0, "▸", 1, ui_attr(app, PAIR_HIGHLIGHT, A_BOLD));
            draw_text(w, ROW_Y(r), 2, label, lw, focused ? A_BOLD : A_NORMAL);
        }
        if (f->type == FIELD_MULTILINE) {
            int nl = editbuf_lines(&ff->eb), cl = editbuf_cur_line(&ff->eb), k;

            if (focused) {
                if (cl < ff->top)
                    ff->top = cl;
                if (cl >= ff->top + bodyh)
                    ff->top = cl - bodyh + 1;
            }
            for (k = 0; k < bodyh; k++) {
                int line = ff->top + k, s, e;

                if (!ROW_VISIBLE(r + k))
                    continue;
                if (line >= nl) {
                    draw_text(w, ROW_Y(r + k), x_in, "", iw, in);
                    continue;
                }
                editbuf_line(&ff->eb, line, &s, &e);
                draw_line(w, ROW_Y(r + k), x_in, iw, ff->eb.s, s, e,
                          focused && line == cl ? ff->eb.cur : -1, &ff->first, in);
            }
            if (ff->top > 0 && ROW_VISIBLE(r))
                draw_text(w, ROW_Y(r), x_in + iw, "↑", 1, A_DIM);
            if (ff->top + bodyh < nl && ROW_VISIBLE(r + bodyh - 1))
                draw_text(w, ROW_Y(r + bodyh - 1), x_in + iw, "↓", 1, A_DIM);
            r += bodyh;
        } else {
            if (ROW_VISIBLE(r)) {
                if (f->type == FIELD_CHOICE) {
                    char *v = editbuf_get(&ff->eb), shown[128];

                    snprintf(shown, sizeof shown, focused ? "‹ %s ›" : "%s", v[0] ? v : "—");
                    draw_text(w, ROW_Y(r), x_in, shown, iw, in | (focused ? A_BOLD : 0));
                    free(v);
                } else if (ff->eb.len == 0 && filled_by_choice(fv, ff)) {
                    /* not required: says whose value it gets ("empty: the product's") */
                    char whose[96];

                    filler_noun(fv, ff, whose, sizeof whose);
                    draw_text(w, ROW_Y(r), x_in, whose, iw, in | ui_attr(app, PAIR_DIM, A_DIM));
                    if (focused)
                        mvwchgat(w, ROW_Y(r), x_in, 1, A_REVERSE, 0, NULL);
                } else if (ff->eb.len == 0 && !(f->type == FIELD_REF && ff->searching)) {
                    draw_text(w, ROW_Y(r), x_in, focused ? placeholder(f) : "", iw,
                              in | ui_attr(app, PAIR_DIM, A_DIM));
                    if (f->type == FIELD_REF && !focused)
                        draw_text(w, ROW_Y(r), x_in,
                                  f->routed && fv->id == 0 ? "— (the rules choose)" : "—", iw,
                                  A_NORMAL);
                    /* the cursor on the placeholder's first letter, which stays readable
                     * ("ype to search" was shown under a blank cursor) */
                    if (focused && placeholder(f)[0] != '\0')
                        mvwchgat(w, ROW_Y(r), x_in, 1, A_REVERSE, 0, NULL);
                    else if (focused)
                        draw_line(w, ROW_Y(r), x_in, 1, ff->eb.s, 0, 0, 0, &ff->first, in);
                } else if (f->type == FIELD_REF && !ff->searching && !focused) {
                    draw_text(w, ROW_Y(r), x_in, ff->label, iw, A_NORMAL);
                } else {
                    draw_line(w, ROW_Y(r), x_in, iw, ff->eb.s, 0, ff->eb.len,
                              focused ? ff->eb.cur : -1, &ff->first, in);
                }
            }
            r++;
        }
        if (note_of(ff, note, sizeof note)) {
            if (ROW_VISIBLE(r))
                draw_text(w, ROW_Y(r), x_in, note, wd - x_in,
                          ff->error ? ui_attr(app, PAIR_ERROR, A_BOLD)
                                    : ui_attr(app, PAIR_HIGHLIGHT, A_BOLD));
            r++;
        }
        if (focused && popup_rows(ff, 1) > 0) {
            int rows = h - (r - (y - h)), k, ptop = 0;

            if (ff->nm == 0) {
                const struct ffield *wf = within_field(fv, ff);
                char none[300];

                if (narrowed_to(fv, ff) != NULL)
                    snprintf(none, sizeof none, "  no matches among %s's %s (clear %s for all)",
                             wf->label, entity_noun(f->ref, 2), wf->spec->label);
                else
                    snprintf(none, sizeof none, "  no matches");
                if (ROW_VISIBLE(r))
                    draw_text(w, ROW_Y(r), x_in, none, wd - x_in, A_DIM);
                continue;
            }
            if (ff->msel >= rows)
                ptop = ff->msel - rows + 1;
            for (k = 0; k < rows && ptop + k < ff->nm; k++) {
                struct ref_match *m = &ff->m[ptop + k];
                char line[512];
                attr_t a = ptop + k == ff->msel ? A_REVERSE : A_NORMAL;

                if (!ROW_VISIBLE(r + k))
                    continue;
                snprintf(line, sizeof line, "  %s%s%s", m->label, m->detail[0] ? "  · " : "",
                         m->detail);
                draw_text(w, ROW_Y(r + k), x_in, line, wd - x_in, a);
            }
        }
    }
}

#define CONFLICT_INDENT 14    /* "  (•) theirs  " */
#define CONFLICT_WRAP_MAX 400 /* lines of a long text wrapped for the conflict screen */

/* Which lines of a field's two values the conflict screen shows: both from the line before
 * the first they differ in (a change at line 25 of a long text must be seen before "yours"
 * drops theirs), moved by what PgDn/PgUp scrolled. lines[o] gets the value wrapped, n[o] its
 * number of lines, from[o] the first shown, shown[o] how many, and the rows each takes
 * (with "… N lines above/below") are returned in h[o]. */
static void
conflict_excerpt(struct ffield *ff, int vw, char lines[2][CONFLICT_WRAP_MAX][WRAP_LINE], int n[2],
                 int from[2], int shown[2], int h[2])
{
    int d = 0, start, last, o;

    n[0] = wrap_text_n(ff->mine_label ? ff->mine_label : ff->mine, vw, CONFLICT_WRAP_MAX, lines[0]);
    n[1] = wrap_text_n(ff->theirs_label ? ff->theirs_label : ff->theirs, vw, CONFLICT_WRAP_MAX,
                       lines[1]);
    while (d < n[0] && d < n[1] && strcmp(lines[0][d], lines[1][d]) == 0)
        d++;
    last = (n[0] > n[1] ? n[0] : n[1]) - 1;
    start = (d > 0 ? d - 1 : 0) + ff->cscroll;
    if (start > last)
        start = last;
    if (start < 0)
        start = 0;
    ff->cscroll = start - (d > 0 ? d - 1 : 0); /* scrolled no further than there is */
    for (o = 0; o < 2; o++) {
        from[o] = start < n[o] ? start : n[o] - 1;
        shown[o] = n[o] - from[o] < CONFLICT_VALUE_ROWS ? n[o] - from[o] : CONFLICT_VALUE_ROWS;
        h[o] = shown[o] + (from[o] > 0) + (from[o] + shown[o] < n[o]);
    }
}

/* The conflict screen: who saved first, what was taken from them, and for every field both
 * changed its label, then "yours" and "theirs" with the values wrapped. */
static void
draw_conflict(struct formview *fv, WINDOW *w, int y0, int ah, int wd)
{
    struct app *app = fv->app;
    static char lines[2][CONFLICT_WRAP_MAX][WRAP_LINE];
    static const char *const names[2] = {"yours ", "theirs"};
    char line[600];
    int y = y0, end = y0 + ah, i, k, rows, vw, total, sel_top = 0, sel_bot = 0, sel_opt = 0;
    int small = ah < 12;

    snprintf(line, sizeof line, "%s saved this %s while you were editing it.", fv->who, noun(fv));
    if (y < end)
        y += draw_wrapped(w, y, 0, wd, small ? 1 : 2, line, ui_attr(app, PAIR_HIGHLIGHT, A_BOLD));
    if (fv->merged[0] != '\0' && y < end - 3) {
        snprintf(line, sizeof line, "Taken from them (you had not changed it): %s", fv->merged);
        y += draw_wrapped(w, y, 0, wd, small ? 1 : 2, line, A_NORMAL);
    }
    if (!small && y < end - 3)
        y += draw_wrapped(w, y, 0, wd, 2, "You both changed these: choose the value to keep.",
                          A_NORMAL);
    rows = end - y;
    if (rows <= 0)
        return;
    vw = wd - CONFLICT_INDENT > 8 ? wd - CONFLICT_INDENT : wd - 4;
    /* find the selected field's rows and scroll them into view */
    for (i = 0, k = 0, total = 0; i < fv->nf; i++) {
        struct ffield *ff = &fv->f[i];
        int n[2], from[2], shown[2], h[2];

        if (!ff->conflict)
            continue;
        conflict_excerpt(ff, vw, lines, n, from, shown, h);
        if (k == fv->csel / 2) {
            sel_top = total;
            sel_bot = total + 1 + h[0] + h[1];
            sel_opt = total + 1 + (fv->csel % 2 ? h[0] : 0);
        }
        total += 1 + h[0] + h[1];
        k++;
    }
    if (sel_bot - sel_top > rows) {
        fv->ctop = sel_opt;
    } else {
        if (sel_top < fv->ctop)
            fv->ctop = sel_top;
        if (sel_bot > fv->ctop + rows)
            fv->ctop = sel_bot - rows;
    }
    if (fv->ctop > total - rows)
        fv->ctop = total - rows > 0 ? total - rows : 0;
    for (i = 0, k = 0, total = 0; i < fv->nf; i++) {
        struct ffield *ff = &fv->f[i];
        int o, n[2], from[2], shown[2], h[2], l;

        if (!ff->conflict)
            continue;
        conflict_excerpt(ff, vw, lines, n, from, shown, h);
        if (total - fv->ctop >= 0 && total - fv->ctop < rows) {
            snprintf(line, sizeof line, "%s%s", ff->spec->label,
                     ff->pick ? "  ✓" : "  (choose one)");
            draw_text(w, y + total - fv->ctop, 0, line, wd, A_BOLD);
        }
        total++;
        for (o = 0; o < 2; o++) {
            attr_t a = fv->csel == 2 * k + o ? A_REVERSE : A_NORMAL;

            for (l = 0; l < h[o]; l++, total++) {
                int at = from[o] + l - (from[o] > 0);
                char more[80];
                const char *v;

                if (total - fv->ctop < 0 || total - fv->ctop >= rows)
                    continue;
                if (from[o] > 0 && l == 0) {
                    snprintf(more, sizeof more, "… %d line%s above (PgUp)", from[o],
                             from[o] == 1 ? "" : "s");
                    v = more;
                } else if (at >= from[o] + shown[o]) {
                    int below = n[o] - from[o] - shown[o];

                    snprintf(more, sizeof more, "… %d line%s below (PgDn)", below,
                             below == 1 ? "" : "s");
                    v = more;
                } else {
                    v = lines[o][at];
                }
                if (l == 0)
                    snprintf(line, sizeof line, "  %s %s  %s", ff->pick == o + 1 ? "(•)" : "( )",
                             names[o], n[o] == 1 && v[0] == '\0' ? "(empty)" : v);
                else
                    snprintf(line, sizeof line, "%*s%s", wd - vw, "", v);
                draw_text(w, y + total - fv->ctop, 0, line, wd, a);
            }
        }
        k++;
    }
}

#define ENTITY_PREVIEW_MAX 16 /* fields passed to a preview */

/* The entity's preview line, asked of the database when a value changed since the last one:
 * each field's value as it would be saved, NULL where empty or not valid yet. */
static void
update_preview(struct formview *fv, struct app *app)
{
    const char *params[ENTITY_PREVIEW_MAX + 1];
    char *vals[ENTITY_PREVIEW_MAX + 1], idt[24], msg[200];
    struct strbuf all = STRBUF_INIT;
    struct ccrm_err err;
    int i, n = fv->nf < ENTITY_PREVIEW_MAX ? fv->nf : ENTITY_PREVIEW_MAX;

    if (fv->e->preview == NULL || db_state(app->db) != DB_READY)
        return;
    for (i = 0; i < n; i++) {
        char *raw = raw_value(&fv->f[i]);

        vals[i] = NULL;
        if (raw[0] != '\0' && raw[0] != '\x01' &&
            form_normalize(fv->f[i].spec, raw, &vals[i], msg, sizeof msg) != 0)
            vals[i] = NULL;
        free(raw);
        strbuf_printf(&all, "%s\x02", vals[i] != NULL ? vals[i] : "\x03");
        params[i] = vals[i];
    }
    snprintf(idt, sizeof idt, "%lld", (long long)fv->id);
    params[n] = idt;
    if (fv->preview_of == NULL || strcmp(fv->preview_of, strbuf_str(&all)) != 0) {
        free(fv->preview_of);
        fv->preview_of = xstrdup(strbuf_str(&all));
        if (db_bill_preview(app->db, fv->e->preview, n + 1, params, fv->preview, sizeof fv->preview,
                            &err) == -1)
            fv->preview[0] = '\0'; /* nothing to show until the values make sense */
    }
    strbuf_fini(&all);
    for (i = 0; i < n; i++)
        free(vals[i]);
}

static void
fm_draw(struct view *v, struct app *app, WINDOW *w, int h, int wd)
{
    struct formview *fv = (struct formview *)v;
    char title[160], hint[300];
    int y = 0, fh;
    const struct entity_field *f = fv->f[fv->cur].spec;

    flow_off(); /* cheap; catches a terminal mode reset by someone else (the prompt) */
    if (h <= 0 || wd <= 0)
        return;
    snprintf(title, sizeof title, "%s", fv->v.title);
    draw_text(w, y, 0, title, wd, ui_attr(app, PAIR_HEADER, A_BOLD));
    if (fv->stamp[0] != '\0' && text_width(title) + text_width(fv->stamp) + 4 < wd)
        draw_text(w, y, wd - text_width(fv->stamp), fv->stamp, text_width(fv->stamp),
                  ui_attr(app, PAIR_DIM, A_DIM));
    y++;
    if (fv->banner[0] != '\0' && y < h - 1)
        y += draw_wrapped(w, y, 0, wd, h >= 10 ? 3 : 1, fv->banner,
                          fv->banner_kind == BANNER_INFO ? ui_attr(app, PAIR_HIGHLIGHT, A_BOLD)
                                                         : ui_attr(app, PAIR_ERROR, A_BOLD));
    if (fv->dupwarn[0] != '\0' && fv->mode == MODE_EDIT && y < h - 1)
        y += draw_wrapped(w, y, 0, wd, h >= 10 ? 2 : 1, fv->dupwarn,
                          ui_attr(app, PAIR_HIGHLIGHT, A_BOLD));
    fh = h - y - (h >= 3 ? 1 : 0);
    update_preview(fv, app);
    if (fv->preview[0] != '\0' && fv->mode == MODE_EDIT && h >= 6) {
        fh--;
        draw_text(w, h - 2, 0, fv->preview, wd, ui_attr(app, PAIR_HIGHLIGHT, A_BOLD));
    }
    if (fh > 0) {
        if (fv->mode == MODE_CONFLICT)
            draw_conflict(fv, w, y, fh, wd);
        else
            draw_fields(fv, w, y, fh, wd);
    }
    if (h < 3)
        return;
    if (fv->mode == MODE_DISCARD) {
        draw_text(w, h - 1, 0, "discard your changes? y/n", wd,
                  ui_attr(app, PAIR_ERROR, A_BOLD) | A_REVERSE);
        return;
    }
    if (fv->mode == MODE_CONFLICT) {
        snprintf(hint, sizeof hint,
                 "↑↓ move · Space choose · y yours · t theirs · PgDn PgUp scroll · "
                 "^S save · Esc back to the form");
    } else {
        const struct ffield *ff = &fv->f[fv->cur];
        const char *th = "", *tail = "^S save · Esc cancel · Tab ↑↓ field";
        char among[240], search[200];

        switch (f->type) {
        case FIELD_CHOICE:
            th = "←→ Space: change · ";
            break;
        case FIELD_REF:
            /* what the keys do now: ↑↓ pick only among the matches of what was typed */
            if (narrowed_to(fv, ff) != NULL)
                snprintf(search, sizeof search, "type to search %s's %s",
                         within_field(fv, ff)->label, entity_noun(f->ref, 2));
            else
                snprintf(search, sizeof search, "type to search");
            if (ff->searching && ff->nm > 0 && ff->typed) {
                snprintf(among, sizeof among, "↑↓ Enter pick a match · ");
                tail = "^S save · Esc stop searching · Tab field";
            } else if (ff->searching && ff->nm > 0) {
                snprintf(among, sizeof among, "^N ^P Enter pick, or %s · ", search);
                tail = "^S save · Esc stop searching · Tab ↑↓ field";
            } else {
                snprintf(among, sizeof among, "%s · ", search);
            }
            th = among;
            break;
        case FIELD_MULTILINE:
            th = "Enter: new line · ";
            break;
        case FIELD_DATE: /* (the words: the one normaliser, src/model/value.c) */
            th = "YYYY-MM-DD, today, tomorrow · ";
            break;
        case FIELD_DATETIME:
            th = "YYYY-MM-DD HH:MM, tomorrow 9:30 · ";
            break;
        case FIELD_TIME:
            th = "HH:MM · ";
            break;
        default:
            break;
        }
        snprintf(hint, sizeof hint, "%s%s", th, tail);
    }
    draw_text(w, h - 1, 0, hint, wd, ui_attr(app, PAIR_DIM, A_DIM));
}

/* ---- the view ---- */

static void
fm_on_wakeup(struct view *v, struct app *app)
{
    struct formview *fv = (struct formview *)v;
    struct ccrm_err err;
    char who[96];
    int version, rc;

    if (fv->banner_kind == BANNER_LOST && db_state(app->db) == DB_READY)
        set_banner(fv, BANNER_INFO, "connection restored: Ctrl-S saves");
    if (fv->id == 0 || fv->mode == MODE_CONFLICT)
        return;
    rc = db_record_stamp(app->db, fv->e, fv->id, &version, who, sizeof who, &err);
    if (rc == 1 && version != fv->version && fv->lost_save &&
        strncmp(who, db_login(app->db), strlen(db_login(app->db))) == 0 &&
        strncmp(who + strlen(db_login(app->db)), " at ", 4) == 0)
        set_banner(fv, BANNER_INFO,
                   "your save may have gone through as the connection dropped: Ctrl-S finds "
                   "out, and saves what is missing");
    else if (rc == 1 && version != fv->version)
        set_banner(fv, BANNER_INFO,
                   "changed by %s since you opened it: saving keeps their changes and asks "
                   "where you both changed a field",
                   who);
    else if (rc == 0 && merged_into(fv) > 0)
        merged_banner(fv);
    else if (rc == 0)
        set_banner(fv, BANNER_ERROR, "this %s " RECORD_GONE, noun(fv));
}

static void
fm_describe(struct view *v, char *buf, size_t n)
{
    struct formview *fv = (struct formview *)v;
    int changed = form_changed(fv);

    if (fv->id == 0)
        snprintf(buf, n, "new %s%s", noun(fv), changed ? " · not saved" : "");
    else
        snprintf(buf, n, "editing %s #%lld%s", noun(fv), (long long)fv->id,
                 changed ? " · not saved" : "");
}

static void
fm_free(struct view *v)
{
    struct formview *fv = (struct formview *)v;
    int i;

    for (i = 0; i < fv->nf; i++) {
        struct ffield *ff = &fv->f[i];

        editbuf_fini(&ff->eb);
        clear_matches(ff);
        free(ff->base);
        free(ff->initial);
        free(ff->key);
        free(ff->label);
        free(ff->error);
        free(ff->mine);
        free(ff->theirs);
        free(ff->mine_label);
        free(ff->theirs_label);
        free(ff->conflict_base);
    }
    forget_sent(fv);
    free(fv->preview_of);
    free(fv->f);
    timer_del(&fv->app->timers, fv->dup_timer);
    free(fv);
}

static int
fm_unsaved(struct view *v)
{
    return form_changed((struct formview *)v);
}

/* The draft of the form: each field's value as read and as it is now. With a conflict still
 * open (someone saved first, no choice made yet) the draft has no place for their value: it
 * keeps the version and, for the fields in conflict, the values read before that save, so
 * that the restored form's save finds the other's change again and asks (rather than taking
 * their value as its base and overwriting it). The fields merged then keep their new base:
 * the same save takes them as they are. */
static void
fm_draft(struct view *v, struct draft *d)
{
    struct formview *fv = (struct formview *)v;
    int i, open = open_conflicts(fv);

    str_copy(d->entity, fv->e->table, sizeof d->entity);
    d->id = fv->id;
    d->version = open > 0 ? fv->conflict_version : fv->version;
    d->maybe_id = fv->id == 0 ? fv->maybe_id : 0; /* a restored form looks for it first */
    for (i = 0; i < fv->nf; i++) {
        const struct ffield *ff = &fv->f[i];
        char *raw = raw_value(ff);

        /* a reference being searched keeps what it held before */
        draft_add(d, ff->spec->column,
                  ff->conflict && ff->conflict_base != NULL ? ff->conflict_base : ff->base,
                  raw[0] == '\x01' ? ff->initial : raw);
        free(raw);
    }
}

/* A character of a paste: typed into the field (a newline: into a body; elsewhere a space, not
 * the next field), never a key that acts; a choice is not typed, and a question (discard?
 * which version?) is not answered by pasted text. */
static void
fm_paste_key(struct view *v, struct app *app, wint_t key)
{
    struct formview *fv = (struct formview *)v;
    enum field_type t = fv->f[fv->cur].spec->type;

    if (fv->mode != MODE_EDIT || t == FIELD_CHOICE)
        return;
    if (key == 0) { /* it ended with a newline: on a line of one, no space for it */
        if (t != FIELD_MULTILINE)
            fm_handle_key(v, app, KEY_BACKSPACE, 1);
        return;
    }
    if ((key = ui_paste_char(key, t == FIELD_MULTILINE)) != 0)
        fm_handle_key(v, app, key, 0);
}

static const struct view_ops form_ops = {
    .draw = fm_draw,
    .handle_key = fm_handle_key,
    .paste_key = fm_paste_key,
    .on_wakeup = fm_on_wakeup,
    .describe = fm_describe,
    .help = form_help,
    .free = fm_free,
    .unsaved = fm_unsaved,
    .draft = fm_draft,
};

#define ROLE_COPIES 8
#define ROLE_FIELDS 48

/* A partner's form leaves out what only internal users set (a ticket's status and assignee, a
 * note's visibility): a copy of the entity with the other fields, made once per entity. The
 * database's defaults then apply, and the insert names no column a partner may not write. */
static const struct entity *
role_entity(struct app *app, const struct entity *e)
{
    static struct entity copy[ROLE_COPIES];
    static struct entity_field fields[ROLE_COPIES][ROLE_FIELDS];
    static const struct entity *from[ROLE_COPIES];
    int i, k, n = 0;

    if (!db_is_partner(app->db) || e->nfields > ROLE_FIELDS)
        return e;
    for (i = 0; i < e->nfields && !e->fields[i].internal; i++)
        ;
    if (i == e->nfields)
        return e;
    for (k = 0; k < ROLE_COPIES && from[k] != NULL && from[k] != e; k++)
        ;
    if (k == ROLE_COPIES)
        return e;
    if (from[k] == NULL) {
        copy[k] = *e;
        for (i = 0; i < e->nfields; i++)
            if (!e->fields[i].internal)
                fields[k][n++] = e->fields[i];
        copy[k].fields = fields[k];
        copy[k].nfields = n;
        from[k] = e;
    }
    return &copy[k];
}

/* A new record's owner is the person creating it (fields marked `me`), shown so that it can
 * be changed before saving; a login that is no user of ccrm (a superuser) leaves it empty. */
static void
start_with_me(struct app *app, struct formview *fv)
{
    struct ccrm_err err;
    char *label = NULL;
    int i;

    for (i = 0; i < fv->nf; i++) {
        struct ffield *ff = &fv->f[i];

        if (!ff->spec->me || ff->spec->type != FIELD_REF || ff->key[0] != '\0')
            continue;
        if (label == NULL &&
            (label = db_ref_label(app->db, ff->spec->ref, db_login(app->db), &err)) == NULL)
            return;
        set_value(ff, db_login(app->db), label);
    }
    free(label);
}

/* A partner's new record names its account when the partner sees exactly one. */
static void
partner_account(struct app *app, struct formview *fv)
{
    struct list_query q = {entity_find("accounts"), 0, NULL, {NULL}, {0}};
    struct row rows[2];
    struct ccrm_err err;
    char idbuf[24];
    int k = form_field_index(fv->e, "account_id"), n, i;

    if (k < 0 || fv->f[k].key[0] != '\0')
        return;
    memset(rows, 0, sizeof rows);
    if ((n = db_list_fetch(app->db, &q, NULL, 1, 2, rows, &err)) == 1) {
        snprintf(idbuf, sizeof idbuf, "%lld", (long long)rows[0].id);
        set_value(&fv->f[k], idbuf, rows[0].col[0]);
    }
    for (i = 0; i < n && i < 2; i++)
        row_fini(&rows[i]);
}

struct view *
view_form_new(struct app *app, const char *entity, int64_t id, const char *const *prefill)
{
    const struct entity *e = form_entity(entity);
    struct record *rec = NULL;
    struct formview *fv;
    struct ccrm_err err;
    int i, may;

    if (e == NULL) {
        ui_message_error(app, "there is no form for \"%s\"", entity != NULL ? entity : "");
        return NULL;
    }
    e = role_entity(app, e);
    if (id != 0 && (rec = db_record_load(app->db, e, id, &err)) == NULL) {
        ui_message_error(app, "could not open %s #%lld: %s", e->singular, (long long)id, err.msg);
        return NULL;
    }
    fv = xcalloc(1, sizeof *fv);
    fv->v.ops = &form_ops;
    fv->v.takes_text = 1; /* ":" is text here (10:30, URLs), not the command prompt */
    fv->app = app;
    fv->e = e;
    fv->id = id;
    fv->nf = e->nfields;
    fv->f = xcalloc((size_t)fv->nf, sizeof *fv->f);
    for (i = 0; i < fv->nf; i++) {
        struct ffield *ff = &fv->f[i];

        ff->spec = &e->fields[i];
        editbuf_init(&ff->eb);
        ff->key = xstrdup("");
        ff->label = xstrdup("");
        ff->base = xstrdup(rec != NULL ? rec->val[i] : "");
        if (rec != NULL)
            set_value(ff, rec->val[i], rec->label[i]);
        else
            set_value(ff, ff->spec->def, NULL);
    }
    if (id == 0)
        start_with_me(app, fv);
    if (rec != NULL) {
        fv->version = rec->version;
        snprintf(fv->stamp, sizeof fv->stamp, "last changed by %s at %s", rec->updated_by,
                 rec->updated_at);
        record_free(&rec);
    }
    for (i = 0; prefill != NULL && prefill[i] != NULL; i++) {
        const char *eq = strchr(prefill[i], '=');
        char col[64];
        int k;

        if (eq == NULL || (size_t)(eq - prefill[i]) >= sizeof col)
            continue;
        memcpy(col, prefill[i], (size_t)(eq - prefill[i]));
        col[eq - prefill[i]] = '\0';
        if ((k = form_field_index(e, col)) < 0)
            continue;
        if (e->fields[k].type == FIELD_REF && eq[1] != '\0') {
            char *label = db_ref_label(app->db, e->fields[k].ref, eq + 1, &err);

            set_value(&fv->f[k], eq + 1, label);
            free(label);
        } else {
            set_value(&fv->f[k], eq + 1, NULL);
        }
    }
    if (id == 0 && db_is_partner(app->db))
        partner_account(app, fv);
    for (i = 0; i < fv->nf; i++)
        fv->f[i].initial = raw_value(&fv->f[i]);
    may = db_record_may(app->db, e, id != 0 ? "UPDATE" : "INSERT", &err);
    if (may == 0)
        set_banner(fv, BANNER_ERROR, "read-only: your role may not %s %s (the database refuses)",
                   id != 0 ? "change" : "create", e->plural);
    retitle(fv);
    flow_off();
    return &fv->v;
}

#define ABOUT_MAX 16

struct view *
view_form_new_about(struct app *app, const char *entity, const char *const *prefill,
                    const char *about, int64_t about_id)
{
    const struct entity *e = form_entity(entity), *ae = form_entity(about);
    const char *pre[ABOUT_MAX + 1 + 16];
    char *own[ABOUT_MAX];
    struct record *rec = NULL;
    struct ccrm_err err;
    struct view *v;
    int n = 0, k, i;

    if (e == NULL || about == NULL)
        return view_form_new(app, entity, 0, prefill);
    /* the field naming the record itself (a call's ticket) */
    for (k = 0; k < e->nfields && n < ABOUT_MAX; k++)
        if (e->fields[k].type == FIELD_REF && strcmp(e->fields[k].ref, about) == 0) {
            own[n++] = xasprintf("%s=%lld", e->fields[k].column, (long long)about_id);
            break;
        }
    /* and the records it names that this form names too (its account, contact, deal); not
     * its people: the person logging a call is not the ticket's assignee */
    if (ae != NULL && (rec = db_record_load(app->db, ae, about_id, &err)) != NULL)
        for (k = 0; k < e->nfields && n < ABOUT_MAX; k++) {
            const struct entity_field *f = &e->fields[k];

            if (f->type != FIELD_REF || strcmp(f->ref, "users") == 0 ||
                strcmp(f->ref, about) == 0 || (i = entity_field_index(ae, f->column)) < 0 ||
                ae->fields[i].type != FIELD_REF || strcmp(ae->fields[i].ref, f->ref) != 0 ||
                rec->val[i] == NULL || rec->val[i][0] == '\0')
                continue;
            own[n++] = xasprintf("%s=%s", f->column, rec->val[i]);
        }
    record_free(&rec);
    for (k = 0; k < n; k++)
        pre[k] = own[k];
    for (i = 0; prefill != NULL && prefill[i] != NULL && i < 16; i++)
        pre[k++] = prefill[i]; /* what the caller says comes last: it wins */
    pre[k] = NULL;
    v = view_form_new(app, entity, 0, pre);
    for (k = 0; k < n; k++)
        free(own[k]);
    return v;
}

struct view *
view_form_restore(struct app *app, const struct draft *d)
{
    const char **prefill = xcalloc((size_t)d->n + 1, sizeof *prefill);
    char **own = xcalloc((size_t)d->n + 1, sizeof *own);
    struct formview *fv;
    struct view *v;
    char since[400] = "";
    int i, k;

    for (i = 0; i < d->n; i++)
        prefill[i] = own[i] = xasprintf("%s=%s", d->f[i].col, d->f[i].val);
    v = view_form_new(app, d->entity, d->id, prefill);
    for (i = 0; i < d->n; i++)
        free(own[i]);
    free(own);
    free(prefill);
    if (v == NULL)
        return NULL;
    fv = (struct formview *)v;
    for (i = 0; i < d->n; i++) {
        if ((k = form_field_index(fv->e, d->f[i].col)) < 0)
            continue;
        /* unsaved until saved: Esc asks before it throws the draft away */
        set_str(&fv->f[k].initial, d->f[i].base);
        if (d->id != 0)
            set_str(&fv->f[k].base, d->f[i].base);
    }
    if (d->id != 0 && d->version > 0 && d->version != fv->version) {
        /* said before Ctrl-S: what others saved since is kept, and where both changed a field
         * the save asks (also a conflict left open when ccrm stopped) */
        snprintf(since, sizeof since,
                 "changed since (%s): Ctrl-S saves it with their changes and asks where you "
                 "both changed a field, Esc discards it",
                 fv->stamp);
        fv->version = d->version;
    }
    if (d->id == 0 && d->maybe_id > 0)
        fv->maybe_id = d->maybe_id; /* its save may have landed: Ctrl-S looks for it first */
    set_banner(fv, BANNER_INFO, "restored: this form was not saved when ccrm stopped (%s%s%s) · %s",
               d->why[0] ? d->why : "unexpectedly", d->when[0] ? " at " : "", d->when,
               since[0] ? since : "Ctrl-S saves it, Esc discards it");
    return v;
}
