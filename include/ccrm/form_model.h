/* Forms, the pure part: which entities have a form (their fields are in the registry,
 * include/ccrm/entity.h), checking and normalising what a person typed, the three-way merge
 * behind optimistic locking, and the text buffer a form field is edited in. No libpq, no
 * curses (src/model/form.c, unit-tested in tests/unit/test_form.c). */
#ifndef CCRM_FORM_MODEL_H
#define CCRM_FORM_MODEL_H

#include <stddef.h>
#include <wchar.h>

#include "ccrm/entity.h"

/* The entity by table name ("contacts") when it has a form, or NULL. */
const struct entity *form_entity(const char *table);
/* The entities with forms, NULL-terminated table names. */
const char *const *form_entities(void);
/* Index of a column in e, or -1. */
int form_field_index(const struct entity *e, const char *column);
/* The field a database constraint or column is about: the column itself, a column check
 * ("contacts_email_check"), a unique index ("contacts_email_key"), or a table check that
 * names fields (the identity and date-order checks). -1 when it is about none. */
int form_constraint_field(const struct entity *e, const char *constraint, const char *column);

/* Does a new record leave field f to the database when it keeps the starting value? (The
 * value is the column's default there too; a partner may not write every column.) */
int form_field_dbdef(const struct entity_field *f);

/* Check and normalise what was typed into field f. Returns 0 with *out a malloc'd normalised
 * value ("" = empty, stored as SQL NULL), or -1 with a message for the person in msg. */
int form_normalize(const struct entity_field *f, const char *in, char **out, char *msg, size_t n);
/* The "at least one of" rule of e: -1 if every one of those values is empty (vals in field
 * order, NULL counts as empty) with the message in msg and the field index in *field; else 0. */
int form_check_one_of(const struct entity *e, const char *const *vals, int *field, char *msg,
                      size_t n);

/* Three-way merge of one field after someone else saved first: base is what this form read,
 * mine what the person has now, theirs what is in the database now (NULL counts as ""). */
enum merge_pick {
    MERGE_SAME,   /* mine and theirs agree (or nobody changed it): nothing to decide */
    MERGE_MINE,   /* only I changed it: keep mine */
    MERGE_THEIRS, /* only they changed it: take theirs */
    MERGE_BOTH,   /* we both changed it, differently: the person chooses */
};
enum merge_pick form_merge3(const char *base, const char *mine, const char *theirs);

/* ---- the text buffer of a field: wide characters, a cursor, lines split at '\n' ---- */
struct editbuf {
    wchar_t *s; /* always NUL-terminated */
    int len, cap;
    int cur; /* 0..len */
    int col; /* wanted display column for up/down in a multi-line buffer, -1 = none */
};

void editbuf_init(struct editbuf *b);
void editbuf_fini(struct editbuf *b);
/* Replace the text by UTF-8 s (invalid bytes become U+FFFD); cursor at the end. */
void editbuf_set(struct editbuf *b, const char *s);
/* The text as malloc'd UTF-8. */
char *editbuf_get(const struct editbuf *b);
/* Insert a character at the cursor (control characters other than '\n' are refused: 0). */
int editbuf_insert(struct editbuf *b, wchar_t c);
/* Editing: each returns 1 if the text changed, 0 if not. */
int editbuf_backspace(struct editbuf *b);
int editbuf_delete(struct editbuf *b);
int editbuf_kill_start(struct editbuf *b); /* ^U: from the start of the line to the cursor */
int editbuf_kill_end(struct editbuf *b);   /* ^K: from the cursor to the end of the line */
/* Moves: left/right by a character, home/end of the current line. */
void editbuf_left(struct editbuf *b);
void editbuf_right(struct editbuf *b);
void editbuf_home(struct editbuf *b);
void editbuf_end(struct editbuf *b);
/* Move to the line above/below, keeping the display column. Returns 0 (and does not move)
 * at the first/last line. */
int editbuf_up(struct editbuf *b);
int editbuf_down(struct editbuf *b);
/* Lines: how many, which one the cursor is on, and where line i starts and ends (end is the
 * index of its '\n' or len). */
int editbuf_lines(const struct editbuf *b);
int editbuf_cur_line(const struct editbuf *b);
void editbuf_line(const struct editbuf *b, int i, int *start, int *end);

/* Horizontal scrolling of one line s[0..len) in a box of width columns with the cursor at cur:
 * returns the first character to show, starting from the previous first. A box scrolled to the
 * right shows "…" in its first column; the last column is kept for the cursor or a "…", so the
 * cursor is always visible and a wide character never straddles an edge. */
int edit_scroll(const wchar_t *s, int len, int cur, int first, int width);
/* Display width of s[from..to) (wcwidth; unprintable characters count one column). */
int edit_width(const wchar_t *s, int from, int to);

#endif
