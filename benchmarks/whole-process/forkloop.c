/*
 * fork/exec/wait round trips (issue #15's "fork+exec+wait of a static hello"): N fork + _exit +
 * waitpid, then N/4 fork + execve("./hello") + waitpid, three rounds, each timed with
 * CLOCK_MONOTONIC in the process itself. Build: gcc -O2 -static -o forkloop forkloop.c, and a
 * static ./hello beside it (e.g. int main(){return 0;} with gcc -O2 -static). Not built by
 * tools/whole-process.sh; the README's "Processes and threads" numbers come from it.
 */
#include <stdio.h>
#include <unistd.h>
#include <sys/wait.h>
#include <time.h>
#include <stdlib.h>
int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 100;
    struct timespec a, b;
    for (int r = 0; r < 3; r++) {
        clock_gettime(CLOCK_MONOTONIC, &a);
        for (int i = 0; i < n; i++) { pid_t p = fork(); if (p == 0) _exit(i & 0x7f); int st; waitpid(p, &st, 0); if (WEXITSTATUS(st) != (i & 0x7f)) return 1; }
        clock_gettime(CLOCK_MONOTONIC, &b);
        printf("fork+wait: %.1f us\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n / 1000);
        clock_gettime(CLOCK_MONOTONIC, &a);
        for (int i = 0; i < n / 4; i++) { pid_t p = fork(); if (p == 0) { execl("./hello", "hello", (char*)0); _exit(127);} int st; waitpid(p, &st, 0); }
        clock_gettime(CLOCK_MONOTONIC, &b);
        printf("fork+exec+wait: %.1f us\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / (n/4) / 1000);
    }
    return 0;
}
