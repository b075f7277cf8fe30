/* Unit tests for the entity registry (src/model/entity.c): every entry is complete and agrees
 * with itself (fields, exports, lists, references, actions), forms and imports read a field's
 * values alike, and the names people see are the registry's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ccrm/entity.h"
#include "ccrm/model.h"

static int
identifier(const char *s)
{
    return s != NULL && s[0] != '\0' && strspn(s, "abcdefghijklmnopqrstuvwxyz_") == strlen(s);
}

static void
test_entries(void **state)
{
    int i, k, n = 0;

    (void)state;
    for (i = 0; entity_registry[i] != NULL; i++, n++) {
        const struct entity *e = entity_registry[i];

        assert_true(identifier(e->table));
        assert_ptr_equal(entity_find(e->table), e);
        /* what people call it, one and several, and a line of help */
        assert_true(e->singular != NULL && e->singular[0] != '\0');
        assert_true(e->plural != NULL && e->plural[0] != '\0');
        assert_true(e->help != NULL && e->help[0] != '\0');
        for (k = 0; k < e->nfields; k++) {
            const struct entity_field *f = &e->fields[k];

            /* column names go into SQL text: only lower-case identifiers */
            assert_true(identifier(f->column));
            assert_true(f->label != NULL && f->label[0] != '\0');
            assert_int_equal(entity_field_index(e, f->column), k);
            assert_true(f->type != FIELD_CHOICE || f->choices != NULL);
            /* the values a form asks about are values of the choice */
            if (f->asks != NULL) {
                int a, c;

                assert_int_equal(f->type, FIELD_CHOICE);
                for (a = 0; f->asks[a] != NULL; a++) {
                    for (c = 0; f->choices[c] != NULL; c++)
                        if (strcmp(f->choices[c], f->asks[a]) == 0)
                            break;
                    assert_non_null(f->choices[c]);
                }
            }
            if (f->type == FIELD_REF) {
                /* a reference names an entity the form can search */
                assert_non_null(f->ref);
                assert_non_null(entity_find(f->ref));
                assert_non_null(entity_find(f->ref)->ref);
            }
            /* a reference narrowed by another field of the form: that field names the same
             * kind of record as the referenced record's column of the same name */
            if (f->within != NULL) {
                const struct entity_field *w = entity_field(e, f->within), *t;

                assert_int_equal(f->type, FIELD_REF);
                assert_true(identifier(f->within));
                assert_non_null(w);
                assert_int_equal(w->type, FIELD_REF);
                assert_true(w != f);
                t = entity_field(entity_find(f->ref), f->within);
                assert_non_null(t);
                assert_int_equal(t->type, FIELD_REF);
                assert_string_equal(t->ref, w->ref);
            }
            /* a person: the one using the form, or the rules' choice, not both */
            if (f->me || f->routed) {
                assert_int_equal(f->type, FIELD_REF);
                assert_string_equal(f->ref, "users");
                assert_false(f->me && f->routed);
            }
            /* a required field a new record may leave empty has a default to start from */
            assert_true(!f->required || f->type != FIELD_CHOICE || f->def != NULL);
        }
        for (k = 0; e->exports != NULL && e->exports[k] != NULL; k++)
            assert_non_null(entity_io_field(e, e->exports[k]));
        if (e->dup_key != NULL)
            assert_non_null(entity_field(e, e->dup_key));
        for (k = 0; e->one_of != NULL && e->one_of[k] != NULL; k++)
            assert_non_null(entity_field(e, e->one_of[k]));
        assert_true(e->one_of == NULL || e->one_of_msg != NULL);
        /* calls and e-mails are logged on it through an interactions column */
        if (e->actions & ENT_LOG)
            assert_non_null(entity_field(entity_find("interactions"), e->timeline_fk));
        if (e->new_field != NULL) {
            const struct entity_field *f = entity_field(e, e->new_field);
            struct value_rule r = entity_form_rule(f);
            struct value_err err;
            char out[64];

            assert_non_null(f);
            for (k = 0; e->new_words[k] != NULL; k++)
                assert_true(value_normalize(&r, e->new_words[k], strlen(e->new_words[k]), out,
                                            sizeof out, &err) >= 0);
        }
    }
    assert_int_equal(n, 23);
    assert_null(entity_find("audit"));
    assert_null(entity_find(NULL));
}

static void
test_lists(void **state)
{
    int i, k, nlists = 0;

    (void)state;
    for (i = 0; entity_registry[i] != NULL; i++) {
        const struct entity_list *l = entity_registry[i]->list;
        int shown = 0;

        if (l == NULL)
            continue;
        nlists++;
        assert_ptr_equal(entity_by_view(l->view), entity_registry[i]);
        assert_true(l->title != NULL && l->search != NULL && l->search_help != NULL);
        /* a row holds every column (struct row) */
        assert_true(l->ncols <= ROW_MAX_COLS);
        for (k = 0; k < l->ncols; k++) {
            assert_non_null(l->cols[k].sql);
            assert_int_equal(entity_list_col(l, l->cols[k].name), k);
            if (!l->cols[k].hidden) {
                shown++;
                assert_true(l->cols[k].min > 0);
                assert_true(l->cols[k].priority >= 1 && l->cols[k].priority <= 9);
            }
        }
        assert_true(shown > 0);
        assert_true(l->nsorts > 0);
        for (k = 0; k < l->nsorts; k++) {
            assert_non_null(l->sorts[k].key);
            assert_non_null(l->sorts[k].keytype);
            assert_non_null(l->sorts[k].index);
            assert_int_equal(entity_sort_index(l, l->sorts[k].name), k);
        }
        for (k = 0; k < l->nfilters; k++)
            assert_true(l->filters[k].field == NULL ||
                        entity_field(entity_registry[i], l->filters[k].field) != NULL);
        /* rows that are not records name the record they are about */
        if (!l->rows_are_records) {
            assert_true(entity_list_col(l, "entity") >= 0);
            assert_true(entity_list_col(l, "entity_id") >= 0);
        }
    }
    assert_int_equal(nlists, 17);
    assert_null(entity_by_view("dashboard"));
}

/* The filter of list `table` named name. */
static const struct entity_filter *
filter_of(const char *table, const char *name)
{
    const struct entity_list *l = entity_find(table)->list;
    int i;

    for (i = 0; i < l->nfilters; i++)
        if (strcmp(l->filters[i].name, name) == 0)
            return &l->filters[i];
    fail_msg("%s has no filter %s", table, name);
    return NULL;
}

/* Every filter that compares a typed value says how it reads one: a field's values, a fixed
 * set (department=Support is support; an unknown one refused, naming the set), or ignoring
 * case and accents. None compares as typed, byte for byte, and shows nothing for a value
 * spelt otherwise. */
static void
test_filter_values(void **state)
{
    const struct entity_filter *f;
    struct value_err ve;
    char out[64];
    int i, k;

    (void)state;
    for (i = 0; entity_registry[i] != NULL; i++) {
        const struct entity_list *l = entity_registry[i]->list;

        for (k = 0; l != NULL && k < l->nfilters; k++) {
            f = &l->filters[k];
            /* one way each: a field, choices, or a way of comparing */
            assert_true((f->field != NULL) + (f->choices != NULL) + (f->match != FILTER_EXACT) <=
                        1);
            /* yes/no filters take "true"; a read function reads the word itself */
            if (f->field != NULL || strstr(f->sql, "::text") != NULL || f->read != NULL)
                continue;
            if (f->choices == NULL && f->match == FILTER_EXACT)
                fail_msg("filter %s of %s compares a value as typed", f->name, l->view);
        }
    }

    f = filter_of("events", "department");
    assert_int_equal(entity_filter_value(entity_find("events"), f, "Support", out, sizeof out, &ve),
                     0);
    assert_string_equal(out, "support");
    assert_int_equal(entity_filter_value(entity_find("events"), f, " SALES ", out, sizeof out, &ve),
                     0);
    assert_string_equal(out, "sales");
    assert_int_equal(
        entity_filter_value(entity_find("events"), f, "helpdesk", out, sizeof out, &ve), -1);
    assert_non_null(strstr(ve.msg, "sales, support, marketing, management, billing, partner"));
    f = filter_of("inbox", "kind");
    assert_int_equal(
        entity_filter_value(entity_find("inbox"), f, "SLA_Breach", out, sizeof out, &ve), 0);
    assert_string_equal(out, "sla_breach");
    f = filter_of("tasks", "kind");
    assert_int_equal(entity_filter_value(entity_find("tasks"), f, "Meeting", out, sizeof out, &ve),
                     0);
    assert_string_equal(out, "meeting");
    f = filter_of("invoices", "status");
    assert_int_equal(
        entity_filter_value(entity_find("invoices"), f, "Overdue", out, sizeof out, &ve), 0);
    assert_string_equal(out, "overdue");
    /* a field's filter reads the value as the form does */
    f = filter_of("tickets", "status");
    assert_int_equal(entity_filter_value(entity_find("tickets"), f, "Open", out, sizeof out, &ve),
                     0);
    assert_string_equal(out, "open");
    /* free text and logins as typed: the query folds them */
    f = filter_of("accounts", "industry");
    assert_int_equal(f->match, FILTER_TEXT);
    assert_int_equal(
        entity_filter_value(entity_find("accounts"), f, "technology", out, sizeof out, &ve), 0);
    assert_string_equal(out, "technology");
    assert_int_equal(filter_of("events", "actor")->match, FILTER_FOLDED);
    assert_int_equal(filter_of("accounts", "owner")->match, FILTER_FOLDED);
}

/* A form and an import accept the same texts for every field (references aside: a form picks
 * a record, an import names it). */
static void
test_form_import_alike(void **state)
{
    static const char *const inputs[] = {"2026-12-31",
                                         "31.12.2026",
                                         "5.1.2026",
                                         "2026-1-5",
                                         "2026-02-30",
                                         "2026-11-01 9:05",
                                         "1.11.2026 23:59",
                                         "2026-11-01T09:05:59+01",
                                         "12500,50",
                                         "12.500,50",
                                         "1,234.50",
                                         "1.234",
                                         "-5",
                                         "42",
                                         "+7",
                                         "101",
                                         "ten",
                                         "a@b.org",
                                         "a@b",
                                         "Zoë Brandt",
                                         "+49 40 123 45-67",
                                         "call me",
                                         "usd",
                                         "US$",
                                         "won",
                                         "Won",
                                         "qualified",
                                         "urgent",
                                         "x",
                                         NULL};
    int i, k, j;

    (void)state;
    for (i = 0; entity_registry[i] != NULL; i++) {
        const struct entity *e = entity_registry[i];

        for (k = 0; e->exports != NULL && e->exports[k] != NULL; k++) {
            const struct entity_field *f = entity_io_field(e, e->exports[k]);
            struct value_rule fr = entity_form_rule(f), ir = entity_import_rule(f);

            if (f->type == FIELD_REF)
                continue;
            for (j = 0; inputs[j] != NULL; j++) {
                char a[128], b[128];
                struct value_err ea, eb;
                size_t len = strlen(inputs[j]);
                long na = value_normalize(&fr, inputs[j], len, a, sizeof a, &ea);
                long nb = value_normalize(&ir, inputs[j], len, b, sizeof b, &eb);

                if ((na < 0) != (nb < 0))
                    fail_msg("%s.%s \"%s\": form %s, import %s", e->table, f->column, inputs[j],
                             na < 0 ? "refuses" : "accepts", nb < 0 ? "refuses" : "accepts");
                if (na < 0)
                    assert_string_equal(ea.msg, eb.msg); /* and says the same */
                else if (f->type != FIELD_DATETIME)
                    assert_string_equal(a, b);
            }
        }
    }
}

/* Does the head query of a detail return a column named name? (" AS name" or "x.name") */
static int
head_has(const char *head, const char *name)
{
    char as[64], dot[64];
    const char *p;

    snprintf(as, sizeof as, " AS %s", name);
    snprintf(dot, sizeof dot, ".%s", name);
    for (p = head; (p = strstr(p, as)) != NULL; p++)
        if (p[strlen(as)] == ',' || p[strlen(as)] == ' ')
            return 1;
    for (p = head; (p = strstr(p, dot)) != NULL; p++)
        if (p[strlen(dot)] == ',' || p[strlen(dot)] == ' ')
            return 1;
    return 0;
}

/* Every column a detail reads by name is in its head query. */
static void
test_details(void **state)
{
    int i, k, j, n = 0;

    (void)state;
    for (i = 0; entity_registry[i] != NULL; i++) {
        const struct entity_detail *d = entity_registry[i]->detail;
        const struct entity_section *secs[8];
        int ns = 0;

        if (d == NULL)
            continue;
        n++;
        assert_true(head_has(d->head, "title") && head_has(d->head, "subtitle"));
        assert_true(head_has(d->head, "version") && head_has(d->head, "account_id"));
        assert_true(head_has(d->head, "id"));
        for (k = 0; k < d->nfields; k++)
            if (!head_has(d->head, d->fields[k].col))
                fail_msg("%s: no column %s", entity_registry[i]->table, d->fields[k].col);
        for (k = 0; k < d->nrelated; k++) {
            assert_true(head_has(d->head, d->related[k].name_col));
            assert_true(head_has(d->head, d->related[k].id_col));
            assert_non_null(entity_find(d->related[k].entity));
        }
        for (k = 0; k < d->nbefore; k++)
            secs[ns++] = &d->before[k];
        assert_non_null(d->timeline);
        secs[ns++] = d->timeline;
        for (k = 0; k < ns; k++)
            for (j = 0; j < 3 && secs[k]->params[j] != NULL; j++)
                if (!head_has(d->head, secs[k]->params[j]))
                    fail_msg("%s: no column %s", entity_registry[i]->table, secs[k]->params[j]);
    }
    assert_int_equal(n, 11);
}

static void
test_names(void **state)
{
    (void)state;
    /* the table keeps its first name; people say "deal" */
    assert_string_equal(entity_noun("opportunities", 1), "deal");
    assert_string_equal(entity_noun("opportunities", 2), "deals");
    assert_string_equal(entity_noun("opportunities", 0), "deals");
    assert_string_equal(entity_noun("inbox", 3), "inbox entries");
    assert_string_equal(entity_noun("widgets", 1), "record");
    assert_string_equal(entity_by_view("deals")->table, "opportunities");
    /* a word names an entity in any letter case, as :new and :open read it (--into Contacts,
     * --export Deals were unknown entities) */
    assert_string_equal(entity_named("deal")->table, "opportunities");
    assert_string_equal(entity_named("Deals")->table, "opportunities");
    assert_string_equal(entity_named("OPPORTUNITIES")->table, "opportunities");
    assert_string_equal(entity_named("Contact")->table, "contacts");
    assert_string_equal(entity_named("sla policy")->table, "sla_policies");
    assert_null(entity_named("dealer"));
    assert_null(entity_named(NULL));
    assert_string_equal(entity_find("opportunities")->list->title, "Deals");
    /* the pipeline's stages are the stage field's choices */
    assert_ptr_equal(entity_field(entity_find("opportunities"), "stage")->choices, deal_stages);
    /* closing a deal in its form, or reopening it, is asked first (as the Pipeline asks) */
    assert_string_equal(entity_field(entity_find("opportunities"), "stage")->asks[0], "won");
    assert_string_equal(entity_field(entity_find("opportunities"), "stage")->asks[1], "lost");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entries),       cmocka_unit_test(test_lists),
        cmocka_unit_test(test_filter_values), cmocka_unit_test(test_form_import_alike),
        cmocka_unit_test(test_details),       cmocka_unit_test(test_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
