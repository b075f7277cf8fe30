/* Reminders: when a task or meeting of one's own falls due, every open client of that person
 * shows it on the message line and rings the terminal bell, once.
 *
 * Two roads lead to one ring, and neither polls:
 * - the client's own timer (the loop's timer list) at the due time of the next open task of the
 *   user, read from the database at start-up and again whenever a wake-up brought a change to
 *   interactions (a task created, moved or done elsewhere);
 * - the scheduler (ccrm_tick, pg_cron or `ccrm --tick`) writes a `reminders` row for each task
 *   that fell due; its event ("reminder for LOGIN") reaches every client of that person through
 *   NOTIFY and the event cursor, so a client that was not running when the task fell due, or a
 *   task whose due time the client never saw, still rings.
 * A client remembers what it rang (the task and its due time), so the two roads ring once; a
 * reminder row is then marked seen (seen_at), and one that nobody has seen rings when a client
 * of the person starts. */
#include <stdlib.h>
#include <string.h>

#include "ccrm/service.h"
#include "ccrm/util.h"
#include "ui_int.h"

#define DUE_BATCH 20
#define REMINDER_MS 30000 /* the message stays this long (unless something newer comes) */

/* Rang already (this task at this due time)? Else remember it. */
static int
rung_before(struct ui *ui, long long id, long long due_ms)
{
    int i;

    for (i = 0; i < ui->nrung && i < REMIND_RUNG_MAX; i++)
        if (ui->rung[i].id == id && ui->rung[i].due_ms / 1000 == due_ms / 1000)
            return 1;
    ui->rung[ui->nrung % REMIND_RUNG_MAX].id = id;
    ui->rung[ui->nrung % REMIND_RUNG_MAX].due_ms = due_ms;
    ui->nrung++;
    return 0;
}

static void
ring(struct app *app, const struct due_item *it)
{
    if (rung_before(app->ui, it->id, it->due_ms))
        return;
    beep();
    ui_message_for(app, REMINDER_MS, "reminder: %s, due %s%s%s", it->what, it->time,
                   it->record[0] ? " · " : "", it->record);
}

static void on_due(void *ctx, void *arg);

/* Ring for one's tasks that fell due since the last look, and wait for the next one. */
void
reminders_check(struct app *app)
{
    struct ui *ui = app->ui;
    struct due_item *items;
    struct ccrm_err err;
    long long wall;
    int n, i;

    if (ui == NULL || db_is_partner(app->db) || db_state(app->db) != DB_READY)
        return;
    timer_del(&app->timers, ui->remind_timer);
    ui->remind_timer = 0;
    n = db_tasks_due_after(app->db, ui->remind_after_ms, DUE_BATCH, &items, &err);
    if (n < 0)
        return; /* offline: the reconnect looks again */
    wall = wall_ms();
    for (i = 0; i < n; i++) {
        if (items[i].due_ms > wall) {
            ui->remind_timer =
                timer_add(&app->timers, now_ms() + (items[i].due_ms - wall) + 5, on_due, NULL);
            break;
        }
        ring(app, &items[i]);
        if (items[i].due_ms > ui->remind_after_ms)
            ui->remind_after_ms = items[i].due_ms;
    }
    due_items_free(items, n);
    ui->remind_recheck = 0;
}

static void
on_due(void *ctx, void *arg)
{
    struct app *app = ctx;

    (void)arg;
    app->ui->remind_timer = 0;
    reminders_check(app);
    app->ui->chrome_dirty = 1;
}

/* Reminders nobody has seen yet ring now, and the next one is waited for: the first look, run
 * right after the first screen is drawn (ui_init's timer), not before it: in a new server
 * process its two queries cost about 15 ms of the first paint. */
void
reminders_first_look(struct app *app)
{
    struct due_item *items;
    struct ccrm_err err;
    int n, i;

    if (db_is_partner(app->db) || db_state(app->db) != DB_READY)
        return; /* (offline: the reconnect looks, reminders_check) */
    n = db_reminders_unseen(app->db, 3, &items, &err);
    for (i = n - 1; i >= 0; i--) { /* oldest first: the newest stays on the message line */
        ring(app, &items[i]);
        db_reminder_seen(app->db, items[i].reminder_id, &err);
    }
    if (n >= 0)
        due_items_free(items, n);
    reminders_check(app);
    app->ui->chrome_dirty = 1;
}

/* At start-up: from now on by the clock. */
void
reminders_start(struct app *app)
{
    app->ui->remind_after_ms = wall_ms();
}

/* An event read (while the read runs: no query here, only a note for reminders_after_read). */
int
reminders_on_event(struct app *app, const struct event *ev)
{
    struct ui *ui = app->ui;
    const char *login = db_login(app->db);
    size_t sl = strlen(ev->summary), ll = strlen(login);

    if (strcmp(ev->entity, "interactions") == 0) {
        ui->remind_recheck = 1; /* a task may have been added, moved or done */
        return 0;
    }
    if (strcmp(ev->entity, "reminders") != 0)
        return 0;
    /* "reminder for LOGIN": someone's clients ring; others' are nobody's business here */
    if (strcmp(ev->op, "insert") == 0 && sl == ll + 13 &&
        strncmp(ev->summary, "reminder for ", 13) == 0 && strcmp(ev->summary + 13, login) == 0 &&
        ui->npending_reminders < REMIND_PENDING_MAX)
        ui->pending_reminders[ui->npending_reminders++] = ev->entity_id;
    return 1;
}

/* After a read of the event stream: ring the reminders it brought, look at one's tasks again
 * if they changed. */
void
reminders_after_read(struct app *app)
{
    struct ui *ui = app->ui;
    struct ccrm_err err;
    int i;

    for (i = 0; i < ui->npending_reminders; i++) {
        struct due_item it;

        memset(&it, 0, sizeof it);
        if (db_reminder_get(app->db, ui->pending_reminders[i], &it, &err) == 1) {
            ring(app, &it);
            db_reminder_seen(app->db, it.reminder_id, &err);
            free(it.what);
            free(it.record);
        }
    }
    ui->npending_reminders = 0;
    if (ui->remind_recheck)
        reminders_check(app);
}

void
reminders_fini(struct app *app)
{
    timer_del(&app->timers, app->ui->remind_timer);
    app->ui->remind_timer = 0;
}
