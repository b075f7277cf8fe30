/* Baseline for the capacity benchmark: N bare listeners. Opens N connections, each LISTENs on
 * "ccrm", and drains their notifications for S seconds without doing anything with them; prints
 * the number received. What a server pays for N idle connections that only listen, beside N
 * ccrm clients. Built by bench_capacity.sh. */
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int
main(int argc, char **argv)
{
    PGconn **c;
    struct pollfd *p;
    long got = 0;
    int i, n, secs;
    time_t end;

    if (argc != 4) {
        fprintf(stderr, "usage: listeners CONNINFO N SECONDS\n");
        return 64;
    }
    n = atoi(argv[2]);
    secs = atoi(argv[3]);
    c = calloc((size_t)n, sizeof *c);
    p = calloc((size_t)n, sizeof *p);
    if (c == NULL || p == NULL)
        return 70;
    for (i = 0; i < n; i++) {
        c[i] = PQconnectdb(argv[1]);
        if (PQstatus(c[i]) != CONNECTION_OK) {
            fprintf(stderr, "listeners: %s", PQerrorMessage(c[i]));
            return 69;
        }
        PQclear(PQexec(c[i], "LISTEN ccrm"));
        p[i].fd = PQsocket(c[i]);
        p[i].events = POLLIN;
    }
    printf("listening\n");
    fflush(stdout);
    end = time(NULL) + secs;
    while (time(NULL) < end) {
        if (poll(p, (nfds_t)n, 200) <= 0)
            continue;
        for (i = 0; i < n; i++) {
            PGnotify *note;

            if (!(p[i].revents & POLLIN))
                continue;
            PQconsumeInput(c[i]);
            while ((note = PQnotifies(c[i])) != NULL) {
                got++;
                PQfreemem(note);
            }
        }
    }
    printf("%ld\n", got);
    for (i = 0; i < n; i++)
        PQfinish(c[i]);
    free(c);
    free(p);
    return 0;
}
