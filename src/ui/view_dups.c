/* The Duplicates view (:duplicates): candidate pairs of contacts, leads or accounts
 * (ccrm_duplicate_pairs: the same mailbox, phone or domain, similar names), best first. n marks
 * a pair "not a duplicate" (remembered: it is not offered again); Enter compares the two
 * records field by field and merges them, keeping per field the left or the right value; the
 * survivor then opens (the merged id resolves to it from then on, and ccrm --unmerge undoes the
 * merge). The scan reads whole tables, so it runs when the view opens and on r, not on every
 * wake-up. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ccrm/entity.h"
#include "ccrm/marketing.h"
#include "ccrm/record.h"
#include "ccrm/strbuf.h"
#include "ccrm/util.h"
#include "dups.h"
#include "record_view.h"

#define PAIRS_MAX 200
#define FIELDS_MAX 32

static const char *const kinds[] = {"contacts", "leads", "accounts", NULL};

struct dupview {
    struct view v;
    int kind; /* index in kinds */
    struct dup_pair *pairs;
    int n, sel, top, height, loaded;
    char failed[320]; /* why the last scan failed: said where the pairs would be */
    /* comparing the pair pairs[sel] (merging: 1) */
    int merging;
    int64_t left, right;    /* the pair's ids, as shown */
    int survivor_right;     /* the right one survives (else the left) */
    const struct entity *e; /* the pair's entity */
    const char *cols[FIELDS_MAX];
    const char *labels[FIELDS_MAX];
    char *lv[FIELDS_MAX], *rv[FIELDS_MAX];
    int keep_right[FIELDS_MAX]; /* per field: keep the right value */
    int nf, fsel;
};

static const char *const dups_help[] = {
    "j, k, ↑ ↓\tmove through the pairs (comparing: the fields)",
    "Enter\tcompare the pair field by field, to merge it",
    "n\tnot a duplicate: remembered, not offered again",
    "t\tcontacts, leads, accounts",
    "r\tscan again",
    "h, l, ← →\tcomparing: keep the left or the right value of the field",
    "s\tcomparing: which record survives (keeps its id)",
    "M\tcomparing: merge (asks first); the survivor opens",
    "q, Esc\tcomparing: back to the pairs; else close the view",
    NULL,
};

static void
free_values(struct dupview *dv)
{
    int i;

    for (i = 0; i < dv->nf; i++) {
        free(dv->lv[i]);
        free(dv->rv[i]);
        dv->lv[i] = dv->rv[i] = NULL;
    }
    dv->nf = 0;
    dv->merging = 0;
}

static void
load(struct dupview *dv, struct app *app)
{
    struct ccrm_err err;
    int n;

    n = db_duplicate_pairs(app->db, kinds[dv->kind], dv->pairs, PAIRS_MAX, &err);
    if (n < 0) {
        ui_message_error(app, "could not scan for duplicates: %s", err.msg);
        snprintf(dv->failed, sizeof dv->failed, "could not scan: %.250s", err.msg);
        dv->n = 0;
        dv->loaded = 1; /* not "scanning…" for ever */
        return;
    }
    dv->failed[0] = '\0';
    dv->n = n;
    dv->loaded = 1;
    if (dv->sel >= n)
        dv->sel = n > 0 ? n - 1 : 0;
    snprintf(dv->v.title, sizeof dv->v.title, "Duplicates");
}

/* A reference as a person reads it: the record's label, as a form shows it ("Acme Bau Ltd"),
 * with its # when it is one (two accounts of one name); an account's id alone said nothing.
 * Unchanged when it names nothing visible. */
static void
ref_shown(struct app *app, const char *target, char **v)
{
    struct ccrm_err err;
    char *label, *shown;

    if (*v == NULL || (*v)[0] == '\0' || target == NULL ||
        (label = db_ref_label(app->db, target, *v, &err)) == NULL)
        return;
    if (strspn(*v, "0123456789") == strlen(*v))
        shown = xasprintf("%s (#%s)", label, *v);
    else
        shown = xasprintf("%s", label);
    free(label);
    free(*v);
    *v = shown;
}

/* Compare the pair selected: the registry's fields of both, the survivor's value kept where it
 * has one. */
static void
compare(struct dupview *dv, struct app *app)
{
    const struct dup_pair *p;
    struct ccrm_err err;
    int i;

    if (dv->n == 0)
        return;
    p = &dv->pairs[dv->sel];
    free_values(dv);
    dv->e = entity_find(kinds[dv->kind]);
    for (i = 0; i < dv->e->nfields && dv->nf < FIELDS_MAX; i++) {
        dv->cols[dv->nf] = dv->e->fields[i].column;
        dv->labels[dv->nf] = dv->e->fields[i].label;
        dv->nf++;
    }
    if (db_pair_values(app->db, dv->e->table, p->a, p->b, dv->cols, dv->nf, dv->lv, dv->rv, &err) !=
        0) {
        dv->nf = 0;
        ui_message_error(app, "%s", err.msg);
        return;
    }
    dv->left = p->a;
    dv->right = p->b;
    dv->survivor_right = 0;
    for (i = 0; i < dv->nf; i++) /* as the merge would: the survivor's, unless it has none */
        dv->keep_right[i] = (dv->lv[i] == NULL || dv->lv[i][0] == '\0') && dv->rv[i] != NULL;
    for (i = 0; i < dv->nf; i++) /* (after: a label is never empty where the id was not) */
        if (dv->e->fields[i].type == FIELD_REF) {
            ref_shown(app, dv->e->fields[i].ref, &dv->lv[i]);
            ref_shown(app, dv->e->fields[i].ref, &dv->rv[i]);
        }
    dv->fsel = 0;
    dv->merging = 1;
}

/* The questions take one key, as they look (ui_ask_key): y merges or marks the pair, any
 * other key (n, Esc, Enter) leaves it. */
static void
on_merge(struct app *app, void *ctx, const char *text, int done, int ok)
{
    struct dupview *dv = ctx;
    struct strbuf f = STRBUF_INIT;
    struct ccrm_err err;
    int64_t survivor, merged, merge_id = 0;
    struct view *r;
    int i, rc;

    if (ui_ask_key(app, text, done, ok, NULL) != 'y') { /* n, Esc, Enter, any other key */
        ui_message(app, "not merged");
        return;
    }
    survivor = dv->survivor_right ? dv->right : dv->left;
    merged = dv->survivor_right ? dv->left : dv->right;
    /* every field named: the survivor's or the merged record's value */
    strbuf_puts(&f, "{");
    for (i = 0; i < dv->nf; i++)
        strbuf_printf(&f, "%s\"%s\": \"%s\"", i ? ", " : "", dv->cols[i],
                      dv->keep_right[i] == dv->survivor_right ? "survivor" : "merged");
    strbuf_puts(&f, "}");
    rc = db_merge(app->db, dv->e->table, survivor, merged, strbuf_str(&f), &merge_id, &err);
    strbuf_fini(&f);
    if (rc != 0) {
        ui_message_error(app, "could not merge: %s", err.msg);
        return;
    }
    free_values(dv);
    load(dv, app);
    ui_message(app,
               "merged %s #%" PRId64 " into #%" PRId64 " (merge %" PRId64
               "; ccrm --unmerge %" PRId64 " undoes it)",
               dv->e->singular, merged, survivor, merge_id, merge_id);
    if ((r = view_record_new(app, dv->e->table, survivor)) != NULL)
        ui_push(app, r);
}

static void
on_not_dup(struct app *app, void *ctx, const char *text, int done, int ok)
{
    struct dupview *dv = ctx;
    const struct dup_pair *p;
    struct ccrm_err err;

    if (ui_ask_key(app, text, done, ok, NULL) != 'y' || dv->n == 0) {
        ui_message(app, "not marked");
        return;
    }
    p = &dv->pairs[dv->sel];
    if (db_not_duplicate(app->db, kinds[dv->kind], p->a, p->b, &err) != 0) {
        ui_message_error(app, "could not mark the pair: %s", err.msg);
        return;
    }
    ui_message(app, "#%" PRId64 " and #%" PRId64 " are not duplicates: remembered", p->a, p->b);
    load(dv, app);
}

/* ---- drawing ---- */

static void
draw_pairs(struct dupview *dv, struct app *app, WINDOW *w, int h, int wd)
{
    char line[512];
    int i, y = 0, lw = wd >= 120 ? 42 : 30, half = (wd - lw) / 2;

    snprintf(line, sizeof line, "Duplicates · %s · %d pair%s%s, best first", kinds[dv->kind], dv->n,
             dv->n == 1 ? "" : "s", dv->n == PAIRS_MAX ? "+" : "");
    draw_text(w, y++, 0, line, wd, ui_attr(app, PAIR_HEADER, A_BOLD));
    draw_text(w, y++, 0, "Enter compare and merge · n not a duplicate · t contacts/leads/accounts",
              wd, ui_attr(app, PAIR_DIM, A_DIM));
    if (!dv->loaded) {
        draw_text(w, y, 2, "scanning…", wd - 2, A_NORMAL);
        return;
    }
    if (dv->n == 0) {
        draw_text(w, y, 2, dv->failed[0] != '\0' ? dv->failed : "no likely duplicates", wd - 2,
                  A_NORMAL);
        return;
    }
    draw_text(w, y, 0, "score why", lw, A_BOLD);
    draw_text(w, y, lw, "one", half, A_BOLD);
    draw_text(w, y++, lw + half, "the other", wd - lw - half, A_BOLD);
    dv->height = h - y > 1 ? h - y : 1;
    if (dv->sel < dv->top)
        dv->top = dv->sel;
    if (dv->sel >= dv->top + dv->height)
        dv->top = dv->sel - dv->height + 1;
    for (i = 0; i < dv->height && dv->top + i < dv->n; i++) {
        const struct dup_pair *p = &dv->pairs[dv->top + i];
        attr_t a = dv->top + i == dv->sel ? A_REVERSE : A_NORMAL;
        char one[200], other[200];

        snprintf(line, sizeof line, "%4d%%", p->score);
        snprintf(one, sizeof one, "#%" PRId64 " %s", p->a, p->a_label);
        snprintf(other, sizeof other, "#%" PRId64 " %s", p->b, p->b_label);
        draw_text(w, y + i, 0, line, 6, a);
        draw_text(w, y + i, 6, p->reasons, lw - 7, a);
        draw_text(w, y + i, lw - 1, " ", 1, a);
        draw_text(w, y + i, lw, one, half - 1, a);
        draw_text(w, y + i, lw + half - 1, " ", 1, a);
        draw_text(w, y + i, lw + half, other, wd - lw - half, a);
    }
    ui_painted_data(app);
}

static void
draw_merge(struct dupview *dv, struct app *app, WINDOW *w, int h, int wd)
{
    char line[512];
    int i, y = 0, lw = 14, half = (wd - lw) / 2;

    snprintf(line, sizeof line,
             "Merge %s #%" PRId64 " and #%" PRId64 " · #%" PRId64
             " survives (s swaps) · ● the value kept (h, l)",
             dv->e->plural, dv->left, dv->right, dv->survivor_right ? dv->right : dv->left);
    draw_text(w, y++, 0, line, wd, ui_attr(app, PAIR_HEADER, A_BOLD));
    draw_text(w, y++, 0, "M merge · q back to the pairs", wd, ui_attr(app, PAIR_DIM, A_DIM));
    draw_text(w, y, 0, "Field", lw, A_BOLD);
    snprintf(line, sizeof line, "#%" PRId64 "%s", dv->left,
             dv->survivor_right ? "" : " (survives)");
    draw_text(w, y, lw, line, half, A_BOLD);
    snprintf(line, sizeof line, "#%" PRId64 "%s", dv->right,
             dv->survivor_right ? " (survives)" : "");
    draw_text(w, y++, lw + half, line, wd - lw - half, A_BOLD);
    for (i = 0; i < dv->nf && y < h; i++, y++) {
        attr_t a = i == dv->fsel ? A_REVERSE : A_NORMAL;
        char l[300], r[300];

        snprintf(l, sizeof l, "%s %s", dv->keep_right[i] ? " " : "●", dv->lv[i] ? dv->lv[i] : "");
        snprintf(r, sizeof r, "%s %s", dv->keep_right[i] ? "●" : " ", dv->rv[i] ? dv->rv[i] : "");
        draw_text(w, y, 0, dv->labels[i], lw, a | A_BOLD);
        draw_text(w, y, lw, l, half, a | (dv->keep_right[i] ? 0 : A_BOLD));
        draw_text(w, y, lw + half, r, wd - lw - half, a | (dv->keep_right[i] ? A_BOLD : 0));
    }
}

static void
dv_draw(struct view *v, struct app *app, WINDOW *w, int h, int wd)
{
    struct dupview *dv = (struct dupview *)v;

    if (dv->merging)
        draw_merge(dv, app, w, h, wd);
    else
        draw_pairs(dv, app, w, h, wd);
}

static int
dv_handle_key(struct view *v, struct app *app, wint_t key, int fkey)
{
    struct dupview *dv = (struct dupview *)v;
    int down = (fkey && key == KEY_DOWN) || (!fkey && key == L'j');
    int up = (fkey && key == KEY_UP) || (!fkey && key == L'k');
    int enter = (fkey && key == KEY_ENTER) || (!fkey && (key == L'\r' || key == L'\n'));

    if (dv->merging) {
        if (down && dv->fsel < dv->nf - 1)
            dv->fsel++;
        else if (up && dv->fsel > 0)
            dv->fsel--;
        else if ((fkey && key == KEY_LEFT) || (!fkey && key == L'h'))
            dv->keep_right[dv->fsel] = 0;
        else if ((fkey && key == KEY_RIGHT) || (!fkey && key == L'l'))
            dv->keep_right[dv->fsel] = 1;
        else if (!fkey && key == L's')
            dv->survivor_right = !dv->survivor_right;
        else if (!fkey && key == L'M')
            ui_input_begin(app, "merge the two into one? (y/n) ", "", on_merge, dv);
        else if (!fkey && (key == L'q' || key == 27))
            free_values(dv);
        else if (!down && !up)
            return 0;
        return 1;
    }
    if (down && dv->sel < dv->n - 1)
        dv->sel++;
    else if (up && dv->sel > 0)
        dv->sel--;
    else if (enter)
        compare(dv, app);
    else if (!fkey && key == L'n' && dv->n > 0)
        ui_input_begin(app, "not a duplicate? (y/n) ", "", on_not_dup, dv);
    else if (!fkey && key == L't') {
        dv->kind = kinds[dv->kind + 1] != NULL ? dv->kind + 1 : 0;
        dv->sel = dv->top = 0;
        load(dv, app);
    } else if (!fkey && key == L'r')
        load(dv, app);
    else if (!down && !up)
        return 0;
    return 1;
}

static void
dv_on_wakeup(struct view *v, struct app *app)
{
    (void)v;
    (void)app; /* a scan reads whole tables: r scans again */
}

static void
dv_describe(struct view *v, char *buf, size_t n)
{
    struct dupview *dv = (struct dupview *)v;

    snprintf(buf, n, "Duplicates of %s%s", kinds[dv->kind], dv->merging ? ", merging" : "");
}

static void
dv_free(struct view *v)
{
    struct dupview *dv = (struct dupview *)v;

    free_values(dv);
    free(dv->pairs);
    free(dv);
}

static const struct view_ops dups_ops = {
    .draw = dv_draw,
    .handle_key = dv_handle_key,
    .on_wakeup = dv_on_wakeup,
    .describe = dv_describe,
    .help = dups_help,
    .free = dv_free,
};

struct view *
view_dups_new(struct app *app, const char *entity)
{
    struct dupview *dv = xcalloc(1, sizeof *dv);
    int i;

    dv->v.ops = &dups_ops;
    dv->pairs = xcalloc(PAIRS_MAX, sizeof *dv->pairs);
    for (i = 0; entity != NULL && entity[0] != '\0' && kinds[i] != NULL; i++)
        if (strncmp(kinds[i], entity, strlen(entity)) == 0)
            dv->kind = i;
    str_copy(dv->v.title, "Duplicates", sizeof dv->v.title);
    load(dv, app);
    return &dv->v;
}
