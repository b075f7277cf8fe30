/* Baseline for the live benchmark: the bare NOTIFY round trip. One connection LISTENs, another
 * sends NOTIFY (autocommit) N times; each sample is the time from sending to the listener
 * holding the notification. Prints one sample in ms per line. Built by bench_live.sh. */
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int
main(int argc, char **argv)
{
    PGconn *l, *s;
    int i, n;

    if (argc != 3) {
        fprintf(stderr, "usage: notify_rtt CONNINFO N\n");
        return 64;
    }
    n = atoi(argv[2]);
    l = PQconnectdb(argv[1]);
    s = PQconnectdb(argv[1]);
    if (PQstatus(l) != CONNECTION_OK || PQstatus(s) != CONNECTION_OK) {
        fprintf(stderr, "notify_rtt: %s", PQerrorMessage(l));
        return 69;
    }
    PQclear(PQexec(l, "LISTEN bench_rtt"));
    for (i = 0; i < n; i++) {
        double t0 = now_ms();
        PGnotify *note = NULL;

        PQclear(PQexec(s, "NOTIFY bench_rtt"));
        while (note == NULL) {
            struct pollfd p = {PQsocket(l), POLLIN, 0};

            PQconsumeInput(l);
            if ((note = PQnotifies(l)) == NULL && poll(&p, 1, 1000) <= 0)
                break;
        }
        if (note != NULL) {
            printf("%.3f\n", now_ms() - t0);
            PQfreemem(note);
        }
        struct timespec gap = {0, 10 * 1000000L};
        nanosleep(&gap, NULL);
    }
    PQfinish(l);
    PQfinish(s);
    return 0;
}
