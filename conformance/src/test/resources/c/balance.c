/*
 * Load balancing between CPUs (issue #15): main starts three workers — a long one, a short one,
 * another long one. Placed by load when they start, the two long ones may share a CPU while the
 * other CPU goes idle once the short one has ended; a balancing scheduler moves one of them over.
 * The long workers run until main stops them, noting their CPU as they go; main joins the short
 * one, sleeps a while (the CPUs settle), reads where the long ones run and stops them.
 *
 *   balance ITERS   prints whether the two long workers ran on different CPUs at the same time
 *                   (what Linux does on a host with two free CPUs); ITERS: the short worker's work
 *
 * Built with gcc -static -pthread (glibc) and musl-gcc -static by SmpTest.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static atomic_int stop;
static atomic_uint where[3];

struct worker {
    pthread_t t;
    int id;
    long iters; /* 0: until stop */
    unsigned long result;
};

static void *work(void *arg) {
    struct worker *w = arg;
    unsigned long x = 88172645463325252UL + (unsigned long) w->id;
    for (long i = 0; w->iters ? i < w->iters : !atomic_load(&stop); i++) {
        for (int r = 0; r < 50; r++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
        }
        if ((i & 255) == 0) {
            unsigned cpu, node;
            syscall(SYS_getcpu, &cpu, &node, 0);
            atomic_store(&where[w->id], cpu);
        }
    }
    w->result = x;
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: balance ITERS\n");
        return 2;
    }
    struct worker w[3] = {{.id = 0}, {.id = 1, .iters = atol(argv[1])}, {.id = 2}};
    for (int i = 0; i < 3; i++) {
        if (pthread_create(&w[i].t, NULL, work, &w[i])) return 1;
    }
    pthread_join(w[1].t, NULL);
    struct timespec settle = {0, 300 * 1000 * 1000};
    nanosleep(&settle, NULL);
    unsigned a = atomic_load(&where[0]), b = atomic_load(&where[2]);
    atomic_store(&stop, 1);
    pthread_join(w[0].t, NULL);
    pthread_join(w[2].t, NULL);
    printf("long workers on different CPUs at the same time: %s\n", a != b ? "yes" : "no");
    return 0;
}
