/*
 * Futex costs (issue #15): an uncontended pthread mutex lock/unlock pair (user-space atomics
 * only), a futex wake with nobody waiting (one system call), and a condition-variable ping-pong
 * between two threads (every round trip: two futex waits, two wakes, two switches between the
 * threads). Each timed with CLOCK_MONOTONIC in the process; prints ns per operation.
 * Build: gcc -O2 -static -pthread -o pingpong pingpong.c; run: ./pingpong [rounds]
 */
#include <linux/futex.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
static int turn, rounds;
static int word;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

static void *pong(void *arg) {
    (void) arg;
    for (int i = 0; i < rounds; i++) {
        pthread_mutex_lock(&m);
        while (turn != 1) pthread_cond_wait(&c, &m);
        turn = 0;
        pthread_cond_signal(&c);
        pthread_mutex_unlock(&m);
    }
    return 0;
}

int main(int argc, char **argv) {
    rounds = argc > 1 ? atoi(argv[1]) : 10000;
    long n = rounds * 100L;
    double t0 = now();
    for (long i = 0; i < n; i++) { pthread_mutex_lock(&m); pthread_mutex_unlock(&m); }
    double t1 = now();
    for (long i = 0; i < n / 10; i++) syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0);
    double t2 = now();
    pthread_t p;
    pthread_create(&p, 0, pong, 0);
    double t3 = now();
    for (int i = 0; i < rounds; i++) {
        pthread_mutex_lock(&m);
        turn = 1;
        pthread_cond_signal(&c);
        while (turn != 0) pthread_cond_wait(&c, &m);
        pthread_mutex_unlock(&m);
    }
    double t4 = now();
    pthread_join(p, 0);
    printf("uncontended lock+unlock: %.1f ns\n", (t1 - t0) / n);
    printf("futex wake, nobody waiting: %.1f ns\n", (t2 - t1) / (n / 10));
    printf("condvar ping-pong round trip: %.1f us\n", (t4 - t3) / rounds / 1000);
    return 0;
}
