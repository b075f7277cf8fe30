/* The Segments view (:segments; A on a campaign opens it as a picker): the saved segments,
 * newest first, each with the size of its people (ccrm_segment_size: counted as the list is
 * read when that is cheap, else the planner's estimate) and, on request (c), the exact count,
 * and its definition said in the words `:segment` takes (the JSON when it cannot be said:
 * src/model/segment.c); n saves a new one from a few words (:segment); R
 * renames the one selected, e gives it new words (the line starts with its words, to edit;
 * previewed: its estimate, or exact on request, before it is changed), d deletes it after
 * asking. Changes go through the database's rights (a segment
 * is changed by its creator or owner, marketing, management and admin; a partner its own):
 * a refusal is said, and the list, read again, shows the sizes of what is saved now. As a
 * picker, Enter adds the segment's people to the campaign and says how many were left out and
 * why. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ccrm/marketing.h"
#include "ccrm/segment.h"
#include "ccrm/util.h"
#include "dups.h"
#include "market.h"

#define SEGMENTS_MAX 100

struct segview {
    struct view v;
    int64_t campaign; /* a picker for this campaign, or 0 */
    struct segment_row *rows;
    /* per row: its estimate a guess (mkt_estimate_guessed), when its exact count was made */
    unsigned char guessed[SEGMENTS_MAX];
    time_t counted_at[SEGMENTS_MAX];
    int n, sel, top, height, loaded;
};

static const char *const segments_help[] = {
    "j, k, ↑ ↓\tmove",
    "c\tcount the segment's people exactly (the list shows the count from then on, this "
    "session; the database counts a segment at once when that is cheap; else ~ its estimate, "
    "\"a guess\" for words on text such as country= or ticket=API, which it keeps no "
    "statistics of: often far too low)",
    "n\ta new segment: a name, then words such as interest=ccrm Pro, days=90",
    "R\trename the segment selected",
    "e\tedit the words of the segment selected (its size previewed first)",
    "d\tdelete the segment selected (asks first)",
    "Enter\tpicking for a campaign: add the segment's people; else count exactly",
    "r\tread again",
    "q, Esc\tclose",
    NULL,
};

static void
load(struct segview *sv, struct app *app)
{
    struct ccrm_err err;
    int n, i;

    n = db_segments_list(app->db, sv->rows, SEGMENTS_MAX, &err);
    if (n < 0) {
        ui_message_error(app, "could not read the segments: %s", err.msg);
        return;
    }
    /* the exact counts made this session stay, per segment and definition (src/ui/market.c:
     * here, before saving or changing one, and in another Segments view); a segment the
     * database counted as it read the list (it was cheap) was counted now */
    for (i = 0; i < n; i++) {
        long long kept = mkt_count_kept(sv->rows[i].id, sv->rows[i].definition, &sv->counted_at[i]);

        if (sv->rows[i].exact >= 0) {
            sv->counted_at[i] = time(NULL);
            mkt_count_keep(sv->rows[i].id, sv->rows[i].definition, sv->rows[i].exact);
        } else {
            sv->rows[i].exact = kept;
        }
        sv->guessed[i] = (unsigned char)mkt_estimate_guessed(sv->rows[i].definition);
    }
    for (i = 0; i < n; i++)
        if (segment_def_words(sv->rows[i].definition, sv->rows[i].words,
                              sizeof sv->rows[i].words) == -1)
            sv->rows[i].words[0] = '\0';
    sv->n = n;
    sv->loaded = 1;
    if (sv->sel >= n)
        sv->sel = n > 0 ? n - 1 : 0;
}

static void
count(struct segview *sv, struct app *app)
{
    struct ccrm_err err;
    long long n;

    if (sv->n == 0)
        return;
    if ((n = db_segment_exact(app->db, sv->rows[sv->sel].id, &err)) < 0) {
        ui_message_error(app, "could not count the segment: %s", err.msg);
        return;
    }
    sv->rows[sv->sel].exact = n;
    sv->counted_at[sv->sel] = time(NULL);
    mkt_count_keep(sv->rows[sv->sel].id, sv->rows[sv->sel].definition, n);
    ui_message(app, "segment \"%s\": %lld %s (exact)", sv->rows[sv->sel].name, n,
               n == 1 ? "person" : "people");
}

static void
on_new_name(struct app *app, void *ctx, const char *text, int done, int ok)
{
    (void)ctx;
    if (!done || !ok || text[0] == '\0')
        return;
    mkt_segment_save(app, text); /* asks for the words; the list re-reads on the wake-up */
}

/* ---- R, e, d: the segment selected changed or deleted ---- */

/* What the bottom line is asking about (line input is modal: one at a time), and after a
 * change that was not made what was typed for it: offline, the line opens again at once with
 * it; refused (someone changed the segment meanwhile, a right), the same key on the same
 * segment starts from it, as the collaboration actions do (src/ui/actions.c). */
static struct {
    struct segview *sv;
    int64_t id;
    int version;
    char name[200];
    char words[UI_INPUT_MAX * 4];
    char json[2048];
    long long counted; /* the new words counted exactly (c), or -1 */
    int kept;          /* 'e' or 'R': that change of segment kept_id failed, kept_text typed */
    int64_t kept_id;
    char kept_text[UI_INPUT_MAX * 4];
} ed;

#define WORDS_LABEL "words (interest= ticket= deal= ...): "
#define CHANGE_LABEL "change it? (y: yes, c: count exactly): "

static int
editing(struct segview *sv)
{
    if (sv->n == 0)
        return 0;
    ed.sv = sv;
    ed.id = sv->rows[sv->sel].id;
    ed.version = sv->rows[sv->sel].version;
    str_copy(ed.name, sv->rows[sv->sel].name, sizeof ed.name);
    return 1;
}

/* What was typed for change kind ('e', 'R') of the segment being edited, kept after a failure;
 * NULL when none is. */
static const char *
kept_for(int kind)
{
    return ed.kept == kind && ed.kept_id == ed.id ? ed.kept_text : NULL;
}

/* The change (kind 'e' or 'R', text what was typed; 0: a deletion) was made (rc 0) or not: said;
 * not made, the text is kept, and offline its line (label, cb) opens again at once with it. The
 * list is read again for the sizes of what is saved now (a refusal: what is still saved), except
 * offline, where the reading would only fail and put its own message over the reason. */
static void
changed(struct app *app, int rc, const struct ccrm_err *err, const char *done_msg, int kind,
        const char *text, const char *label, input_cb cb)
{
    if (rc != 0) {
        int offline = rc == -1 && db_state(app->db) != DB_READY;

        if (kind != 0) {
            ed.kept = kind;
            ed.kept_id = ed.id;
            if (text != ed.kept_text)
                str_copy(ed.kept_text, text, sizeof ed.kept_text);
            if (offline) {
                ui_input_begin(app, label, ed.kept_text, cb, NULL);
                ui_message_error(app, "%s (what you typed is kept: Enter tries again once online)",
                                 err->msg);
                return;
            }
        }
        ui_message_error(app, "%s", err->msg);
        if (offline)
            return;
    } else {
        if (ed.kept == kind && ed.kept_id == ed.id)
            ed.kept = 0;
        ui_message(app, "%s", done_msg);
    }
    if (ed.sv != NULL)
        load(ed.sv, app);
}

static void
on_rename(struct app *app, void *ctx, const char *text, int done, int ok)
{
    struct ccrm_err err;
    char name[200], msg[512];
    int rc;

    (void)ctx;
    if (!done || !ok || ed.sv == NULL)
        return;
    str_copy(name, text, sizeof name);
    str_trim(name);
    if (name[0] == '\0') {
        ui_message(app, "no name given: segment \"%s\" keeps its name", ed.name);
        return;
    }
    rc = db_segment_update(app->db, ed.id, ed.version, name, NULL, &err);
    snprintf(msg, sizeof msg, "segment \"%s\" is now \"%s\"", ed.name, name);
    changed(app, rc, &err, msg, 'R', text, "new name: ", on_rename);
}

static void on_words(struct app *app, void *ctx, const char *text, int done, int ok);

/* The new words could not be previewed (n: -2 the database refused them, -1 otherwise): said;
 * refused or offline, the words line opens again with them, to correct or to try again. */
static void
not_previewed(struct app *app, long long n, const struct ccrm_err *err)
{
    ed.kept = 'e';
    ed.kept_id = ed.id;
    str_copy(ed.kept_text, ed.words, sizeof ed.kept_text);
    if (n == -2 || db_state(app->db) != DB_READY)
        ui_input_begin(app, WORDS_LABEL, ed.kept_text, on_words, NULL);
    ui_message_error(app, "%s", err->msg);
}

/* change it? takes one key, as it looks (as save it? of :segment): y changes the segment, c
 * counts the new words exactly and asks again, n or Esc leaves it; Enter or another key asks
 * again. */
static void
on_change(struct app *app, void *ctx, const char *text, int done, int ok)
{
    struct ccrm_err err;
    char msg[sizeof ed.words + 256];
    long long n;
    int rc, k = ui_ask_key(app, text, done, ok, NULL);

    (void)ctx;
    if (ed.sv == NULL) /* the view was closed */
        return;
    switch (k) {
    case 'y':
        rc = db_segment_update(app->db, ed.id, ed.version, NULL, ed.json, &err);
        if (rc == 0 && ed.counted >= 0) /* the list shows the count just made */
            mkt_count_keep(ed.id, ed.json, ed.counted);
        snprintf(msg, sizeof msg, "segment \"%s\" changed: %s", ed.name, ed.words);
        changed(app, rc, &err, msg, 'e', ed.words, WORDS_LABEL, on_words);
        break;
    case 'c':
        if ((n = db_segment_preview(app->db, ed.json, 1, NULL, &err)) < 0) {
            not_previewed(app, n, &err);
            return;
        }
        ed.counted = n;
        ui_message(app, "segment \"%s\" with the new words: %lld %s (exact)", ed.name, n,
                   n == 1 ? "person" : "people");
        ui_input_begin(app, CHANGE_LABEL, "", on_change, NULL);
        break;
    case 'n':
    case 27: /* the words stay for the next e on it, as after a refusal */
        ed.kept = 'e';
        ed.kept_id = ed.id;
        str_copy(ed.kept_text, ed.words, sizeof ed.kept_text);
        ui_message(app, "segment \"%s\" not changed (e starts from the words typed)", ed.name);
        break;
    default: /* the size said stays on the message line */
        beep();
        ui_input_begin(app, CHANGE_LABEL, "", on_change, NULL);
        break;
    }
}

static void
on_words(struct app *app, void *ctx, const char *text, int done, int ok)
{
    struct ccrm_err err;
    char why[256];
    long long n;
    int counted = 0;

    (void)ctx;
    if (!done || !ok || ed.sv == NULL)
        return;
    str_copy(ed.words, text, sizeof ed.words);
    str_trim(ed.words);
    if (ed.words[0] == '\0') {
        ui_message(app, "no words given: segment \"%s\" not changed", ed.name);
        return;
    }
    if (segment_def_parse(ed.words, ed.json, sizeof ed.json, why, sizeof why) == -1) {
        ui_message_error(app, "could not build the segment: %s", why);
        ui_input_begin(app, WORDS_LABEL, ed.words, on_words, NULL);
        return;
    }
    if ((n = db_segment_preview(app->db, ed.json, 0, &counted, &err)) < 0) {
        not_previewed(app, n, &err);
        return;
    }
    ed.counted = counted ? n : -1; /* counted by the database (cheap): as c's count */
    if (counted)
        ui_message(app, "segment \"%s\" with the new words: %lld %s (exact)", ed.name, n,
                   n == 1 ? "person" : "people");
    else
        ui_message(app, "segment \"%s\" with the new words: about %lld %s (%s)", ed.name, n,
                   n == 1 ? "person" : "people", mkt_estimate_said(ed.json));
    ui_input_begin(app, CHANGE_LABEL, "", on_change, NULL);
}

/* "delete the segment? (y/n)" takes one key, as it looks: y deletes it, any other key (n,
 * Esc, Enter) keeps it. */
static void
on_delete(struct app *app, void *ctx, const char *text, int done, int ok)
{
    struct ccrm_err err;
    char msg[512];
    int rc, k = ui_ask_key(app, text, done, ok, NULL);

    (void)ctx;
    if (ed.sv == NULL) /* the view was closed */
        return;
    if (k != 'y') {
        ui_message(app, "segment \"%s\" not deleted", ed.name);
        return;
    }
    rc = db_segment_delete(app->db, ed.id, ed.version, &err);
    snprintf(msg, sizeof msg, "segment \"%s\" deleted", ed.name);
    changed(app, rc, &err, msg, 0, NULL, NULL, NULL);
}

/* Row i's size in words, for the line below the list: "30 people, counted at 14:02", "about 1
 * person, a rough guess: c counts". */
static void
size_said(const struct segview *sv, int i, char *buf, size_t n)
{
    const struct segment_row *r = &sv->rows[i];
    char at[16] = "";

    if (r->exact >= 0) {
        strftime(at, sizeof at, "%H:%M", localtime(&sv->counted_at[i]));
        snprintf(buf, n, "%lld %s, counted at %s", r->exact, r->exact == 1 ? "person" : "people",
                 at);
    } else {
        snprintf(buf, n, "about %lld %s, %s: c counts", r->estimate,
                 r->estimate == 1 ? "person" : "people",
                 sv->guessed[i] ? "a rough guess" : "estimated");
    }
}

static void
sv_draw(struct view *v, struct app *app, WINDOW *w, int h, int wd)
{
    struct segview *sv = (struct segview *)v;
    char line[2400], size[160]; /* a definition (2048) and a description */
    int i, y = 0, nw = wd >= 100 ? 32 : 22, cw = 16, ow = wd >= 100 ? 10 : 0, foot = 0;

    if (sv->campaign != 0)
        snprintf(line, sizeof line, "Segments · Enter adds the one selected to campaign #%" PRId64,
                 sv->campaign);
    else
        snprintf(line, sizeof line, "Segments · %d, newest first", sv->n);
    draw_text(w, y++, 0, line, wd, ui_attr(app, PAIR_HEADER, A_BOLD));
    draw_text(w, y++, 0,
              "c count exactly · n new · R rename · e edit words · d delete · r read again · "
              "sizes are estimates until counted",
              wd, ui_attr(app, PAIR_DIM, A_DIM));
    if (!sv->loaded)
        return;
    if (sv->n == 0) {
        draw_text(w, y, 2, "no segments yet: n makes one", wd - 2, A_NORMAL);
        return;
    }
    draw_text(w, y, 0, "Segment", nw, A_BOLD);
    draw_text(w, y, nw + 1, "People", cw, A_BOLD);
    if (ow > 0)
        draw_text(w, y, nw + cw + 2, "Owner", ow, A_BOLD);
    draw_text(w, y++, nw + cw + ow + 3, "Words", wd - nw - cw - ow - 3, A_BOLD);
    /* the selected segment's words in full below the list (the column cuts them), when
     * there is room: at most 4 lines, the last cut with "…" */
    if (sv->sel < sv->n) {
        const struct segment_row *r = &sv->rows[sv->sel];
        const char *full = r->words[0] != '\0' ? r->words : r->definition;
        size_t starts[4];
        int k, sw, nl = text_wrap(full, wd - 2, starts, 4);

        if (nl > 0 && h - y >= nl + 5) {
            foot = nl + 1;
            snprintf(line, sizeof line, "%s \"%s\":", r->words[0] != '\0' ? "words of" : "JSON of",
                     r->name);
            draw_text(w, h - foot, 0, line, wd, ui_attr(app, PAIR_DIM, A_DIM));
            /* its size in words at the right, when there is room for it */
            size_said(sv, sv->sel, size, sizeof size);
            sw = text_width(size);
            if (text_width(line) + 3 + sw <= wd)
                draw_text(w, h - foot, wd - sw, size, sw, ui_attr(app, PAIR_DIM, A_DIM));
            for (k = 0; k < nl; k++) {
                size_t len = k + 1 < nl ? starts[k + 1] - starts[k] : strlen(full + starts[k]);

                snprintf(line, sizeof line, "%.*s", (int)len, full + starts[k]);
                draw_text(w, h - foot + 1 + k, 2, line, wd - 2, A_NORMAL);
            }
        }
    }
    sv->height = h - y - foot > 1 ? h - y - foot : 1;
    if (sv->sel < sv->top)
        sv->top = sv->sel;
    if (sv->sel >= sv->top + sv->height)
        sv->top = sv->sel - sv->height + 1;
    for (i = 0; i < sv->height && sv->top + i < sv->n; i++) {
        const struct segment_row *r = &sv->rows[sv->top + i];
        attr_t a = sv->top + i == sv->sel ? A_REVERSE : A_NORMAL;

        if (r->exact >= 0)
            snprintf(size, sizeof size, "%lld exact", r->exact);
        else
            snprintf(size, sizeof size, "~%lld%s", r->estimate,
                     sv->guessed[sv->top + i] ? ", a guess" : "");
        draw_text(w, y + i, 0, "", wd, a);
        draw_text(w, y + i, 0, r->name, nw, a);
        draw_text(w, y + i, nw + 1, size, cw, a);
        if (ow > 0)
            draw_text(w, y + i, nw + cw + 2, r->owner, ow, a);
        /* its words (else its JSON), then its description */
        snprintf(line, sizeof line, "%s%s%s", r->words[0] != '\0' ? r->words : r->definition,
                 r->description[0] != '\0' ? " · " : "", r->description);
        draw_text(w, y + i, nw + cw + ow + 3, line, wd - nw - cw - ow - 3, a);
    }
    ui_painted_data(app);
}

static int
sv_handle_key(struct view *v, struct app *app, wint_t key, int fkey)
{
    struct segview *sv = (struct segview *)v;

    if ((fkey && key == KEY_DOWN) || (!fkey && key == L'j')) {
        if (sv->sel < sv->n - 1)
            sv->sel++;
    } else if ((fkey && key == KEY_UP) || (!fkey && key == L'k')) {
        if (sv->sel > 0)
            sv->sel--;
    } else if (!fkey && key == L'c') {
        count(sv, app);
    } else if (!fkey && key == L'n') {
        ui_input_begin(app, "segment name: ", "", on_new_name, NULL);
    } else if (!fkey && key == L'r') {
        load(sv, app);
    } else if (!fkey && key == L'R') {
        if (editing(sv)) {
            const char *kept = kept_for('R');

            if (kept != NULL)
                ui_message(app, "segment \"%s\": the name typed before, not saved", ed.name);
            ui_input_begin(app, "new name: ", kept != NULL ? kept : ed.name, on_rename, NULL);
        }
    } else if (!fkey && key == L'e') {
        if (editing(sv)) {
            const struct segment_row *r = &sv->rows[sv->sel];
            const char *kept = kept_for('e');

            /* the line starts with its words, to edit (after a change not made: the words
             * typed for it); words too long for the line, or a definition words cannot say
             * (written through SQL), are shown instead */
            if (kept != NULL) {
                ui_message(app, "segment \"%s\": the words typed before, not saved (now: %s)",
                           ed.name, r->words[0] != '\0' ? r->words : r->definition);
                ui_input_begin(app, WORDS_LABEL, kept, on_words, NULL);
            } else if (r->words[0] != '\0' && strlen(r->words) < UI_INPUT_MAX - 1) {
                ui_message(app, "segment \"%s\": edit its words", ed.name);
                ui_input_begin(app, WORDS_LABEL, r->words, on_words, NULL);
            } else {
                ui_message(app, "segment \"%s\" now: %s", ed.name,
                           r->words[0] != '\0' ? r->words : r->definition);
                ui_input_begin(app, WORDS_LABEL, "", on_words, NULL);
            }
        }
    } else if (!fkey && key == L'd') {
        if (editing(sv)) {
            ui_message(app, "delete segment \"%s\"? campaigns keep the people it added", ed.name);
            ui_input_begin(app, "delete the segment? (y/n) ", "", on_delete, NULL);
        }
    } else if ((fkey && key == KEY_ENTER) || (!fkey && (key == L'\r' || key == L'\n'))) {
        char id[24];

        if (sv->n == 0)
            return 1;
        if (sv->campaign == 0) {
            count(sv, app);
            return 1;
        }
        snprintf(id, sizeof id, "#%" PRId64, sv->rows[sv->sel].id);
        mkt_add_segment(app, sv->campaign, id);
        ui_close(app, v);
    } else {
        return 0;
    }
    return 1;
}

static void
sv_on_wakeup(struct view *v, struct app *app)
{
    load((struct segview *)v, app);
}

static void
sv_describe(struct view *v, char *buf, size_t n)
{
    struct segview *sv = (struct segview *)v;

    if (sv->campaign != 0)
        snprintf(buf, n, "Segments, to add to campaign #%" PRId64, sv->campaign);
    else
        snprintf(buf, n, "Segments");
}

static void
sv_free(struct view *v)
{
    struct segview *sv = (struct segview *)v;

    free(sv->rows);
    if (ed.sv == sv)
        ed.sv = NULL;
    free(sv);
}

static const struct view_ops segments_ops = {
    .draw = sv_draw,
    .handle_key = sv_handle_key,
    .on_wakeup = sv_on_wakeup,
    .describe = sv_describe,
    .help = segments_help,
    .free = sv_free,
};

struct view *
view_segments_new(struct app *app, int64_t campaign)
{
    struct segview *sv = xcalloc(1, sizeof *sv);

    sv->v.ops = &segments_ops;
    sv->campaign = campaign;
    sv->rows = xcalloc(SEGMENTS_MAX, sizeof *sv->rows);
    str_copy(sv->v.title, "Segments", sizeof sv->v.title);
    load(sv, app);
    return &sv->v;
}
