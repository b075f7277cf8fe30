/* The timer list of include/ccrm/timer.h: a small fixed array, searched in full (the client
 * has a handful of timers pending; a heap would cost more than it saves). */
#include <string.h>

#include "ccrm/timer.h"

unsigned
timer_add(struct timer_list *l, int64_t when, timer_fn fn, void *arg)
{
    int i;

    for (i = 0; i < TIMER_MAX; i++)
        if (l->t[i].id == 0) {
            if (++l->last_id == 0)
                l->last_id = 1;
            l->t[i].when = when;
            l->t[i].id = l->last_id;
            l->t[i].fn = fn;
            l->t[i].arg = arg;
            return l->t[i].id;
        }
    return 0;
}

void
timer_del(struct timer_list *l, unsigned id)
{
    int i;

    for (i = 0; id != 0 && i < TIMER_MAX; i++)
        if (l->t[i].id == id)
            memset(&l->t[i], 0, sizeof l->t[i]);
}

int
timer_pending(const struct timer_list *l, unsigned id)
{
    int i;

    for (i = 0; id != 0 && i < TIMER_MAX; i++)
        if (l->t[i].id == id)
            return 1;
    return 0;
}

int
timer_timeout(const struct timer_list *l, int64_t now)
{
    int64_t best = -1;
    int i;

    for (i = 0; i < TIMER_MAX; i++)
        if (l->t[i].id != 0 && (best < 0 || l->t[i].when < best))
            best = l->t[i].when;
    if (best < 0)
        return -1;
    if (best <= now)
        return 0;
    return best - now > 86400000 ? 86400000 : (int)(best - now);
}

int
timer_run(struct timer_list *l, int64_t now, void *ctx)
{
    unsigned due[TIMER_MAX];
    int n = 0, ran = 0, i, j;

    /* the timers due now, by deadline; those their functions add wait for the next call */
    for (i = 0; i < TIMER_MAX; i++)
        if (l->t[i].id != 0 && l->t[i].when <= now) {
            for (j = n; j > 0; j--) {
                const struct timer *p = NULL;
                int k;

                for (k = 0; k < TIMER_MAX && p == NULL; k++)
                    if (l->t[k].id == due[j - 1])
                        p = &l->t[k];
                if (p->when <= l->t[i].when)
                    break;
                due[j] = due[j - 1];
            }
            due[j] = l->t[i].id;
            n++;
        }
    for (j = 0; j < n; j++)
        for (i = 0; i < TIMER_MAX; i++)
            if (l->t[i].id == due[j]) { /* still pending: an earlier one may have cancelled it */
                struct timer t = l->t[i];

                memset(&l->t[i], 0, sizeof l->t[i]);
                t.fn(ctx, t.arg);
                ran++;
                break;
            }
    return ran;
}
