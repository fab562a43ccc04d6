/*
 * Load balancing between CPUs (issue #15): main starts three workers — a long one, a short one,
 * another long one. Placed by load when they start, the two long ones may share a CPU while the
 * other goes idle once the short one ends; a balancing scheduler moves one of them over, so that
 * they finish on different CPUs (what Linux does on a host with two or more free CPUs).
 *
 *   balance ITERS   prints each worker's xorshift result and whether the long workers ended on
 *                   different CPUs
 *
 * Built with gcc -static -pthread (glibc) and musl-gcc -static by SmpTest.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

struct worker {
    pthread_t t;
    long iters;
    unsigned long result;
    unsigned cpu;
};

static void *work(void *arg) {
    struct worker *w = arg;
    unsigned long x = 88172645463325252UL + (unsigned long) w->iters;
    for (long i = 0; i < w->iters; i++) {
        for (int r = 0; r < 50; r++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
        }
    }
    w->result = x;
    unsigned node;
    syscall(SYS_getcpu, &w->cpu, &node, 0);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: balance ITERS\n");
        return 2;
    }
    long n = atol(argv[1]);
    struct worker w[3] = {{.iters = n}, {.iters = n / 50}, {.iters = n}};
    for (int i = 0; i < 3; i++) {
        if (pthread_create(&w[i].t, NULL, work, &w[i])) return 1;
    }
    for (int i = 0; i < 3; i++) pthread_join(w[i].t, NULL);
    for (int i = 0; i < 3; i++) printf("worker %d: %lx\n", i, w[i].result);
    printf("long workers on different CPUs: %s\n", w[0].cpu != w[2].cpu ? "yes" : "no");
    return 0;
}
