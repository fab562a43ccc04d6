/*
 * Threads that run at the same time (issue #15, SMP): lstar --cpus N runs guest threads on N
 * modelled CPUs at once, so these checks see real concurrency — nothing here may depend on the
 * threads taking turns. Each mode prints only deterministic results.
 *
 *   smp work THREADS ITERS   THREADS workers: each iteration a LOCK ADD on a shared counter,
 *                            every 16th a pthread mutex around a plain counter, and 50 rounds of
 *                            xorshift on the thread's own state; prints the counters, what they
 *                            must be, and the xor of every thread's result
 *   smp spin THREADS ITERS   a ticket spinlock (LOCK XADD for the ticket, plain loads spinning
 *                            on the owner, a plain store to release) around a plain counter
 *   smp flag ITERS           two threads hand a token back and forth through plain stores and
 *                            spinning plain loads (a translated loop must see the other CPU's store)
 *   smp compute THREADS ITERS  THREADS workers that share nothing: ITERS x 50 rounds of xorshift
 *                            each (the throughput measurement of README "SMP": one thread on one
 *                            CPU against two threads on two)
 *   smp affinity             the main thread pins itself to the last CPU and a new thread to the
 *                            first (sched_setaffinity / pthread_setaffinity_np): getcpu must say
 *                            so after a burst of work, sched_getaffinity returns the mask, and a
 *                            child thread inherits its creator's mask
 *   smp cpus                 sched_getaffinity's CPU count equals sysconf(_SC_NPROCESSORS_ONLN)
 *                            and get_nprocs(); getcpu's answer is in the mask
 *
 * Built with gcc -static -pthread (glibc) and musl-gcc -static by SmpTest.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>

static long iters;
static long atomic_counter, mutex_counter, spin_counter;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

/* 50 rounds of xorshift on *x, their sum */
static unsigned long rounds(unsigned long *x) {
    unsigned long acc = 0;
    for (int k = 0; k < 50; k++) {
        *x ^= *x << 13;
        *x ^= *x >> 7;
        *x ^= *x << 17;
        acc += *x;
    }
    return acc;
}

static void *work(void *arg) {
    unsigned long x = 88172645463325252UL + (unsigned long)arg, acc = 0;
    for (long i = 0; i < iters; i++) {
        __atomic_fetch_add(&atomic_counter, 1, __ATOMIC_SEQ_CST);
        if ((i & 15) == 0) {
            pthread_mutex_lock(&mu);
            mutex_counter++;
            pthread_mutex_unlock(&mu);
        }
        acc += rounds(&x);
    }
    return (void *)acc;
}

static void *compute(void *arg) {
    unsigned long x = 88172645463325252UL + (unsigned long)arg, acc = 0;
    for (long i = 0; i < iters; i++) {
        acc += rounds(&x);
    }
    return (void *)acc;
}

static unsigned cpu_now(void) {
    unsigned cpu = 99, node = 99;
    syscall(SYS_getcpu, &cpu, &node, 0);
    return cpu;
}

static unsigned long burn(void) {
    unsigned long x = 1, acc = 0;
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        acc += x;
    }
    return acc;
}

static int last_cpu;

static void *inherit(void *arg) {
    (void)arg;
    cpu_set_t set;
    sched_getaffinity(0, sizeof set, &set);
    burn();
    printf("inheriting thread: mask is %s, runs on %s\n", CPU_COUNT(&set) == 1 && CPU_ISSET(last_cpu, &set) ? "the last CPU" : "other",
           cpu_now() == (unsigned)last_cpu ? "the last CPU" : "another");
    return 0;
}

static void *first(void *arg) {
    (void)arg;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    if (pthread_setaffinity_np(pthread_self(), sizeof set, &set)) return (void *)1;
    burn();
    printf("thread: pinned to CPU 0, runs on %s\n", cpu_now() == 0 ? "CPU 0" : "another");
    return 0;
}

static unsigned next_ticket;
static volatile unsigned owner;

static void *spin(void *arg) {
    (void)arg;
    for (long i = 0; i < iters; i++) {
        unsigned me = __atomic_fetch_add(&next_ticket, 1, __ATOMIC_SEQ_CST);
        while (owner != me) __builtin_ia32_pause();
        spin_counter++;                                   /* plain read-modify-write inside the lock */
        __atomic_store_n(&owner, me + 1, __ATOMIC_RELEASE); /* a plain store on x86 */
    }
    return 0;
}

static volatile long token;

static void *pong(void *arg) {
    (void)arg;
    for (long i = 0; i < iters; i++) {
        while (token != 2 * i + 1) { }
        token = 2 * i + 2;
    }
    return 0;
}

static int run(int n, void *(*fn)(void *), unsigned long *sum) {
    pthread_t t[64];
    for (long i = 0; i < n; i++) {
        if (pthread_create(&t[i], 0, fn, (void *)i)) return 1;
    }
    for (int i = 0; i < n; i++) {
        void *r;
        pthread_join(t[i], &r);
        if (sum) *sum ^= (unsigned long)r;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        printf("work\nspin\nflag\ncompute\naffinity\ncpus\n");
        return 0;
    }
    if (!strcmp(argv[1], "work") && argc == 4) {
        int n = atoi(argv[2]);
        iters = atol(argv[3]);
        unsigned long sum = 0;
        if (n < 1 || n > 64 || run(n, work, &sum)) return 2;
        printf("atomic %ld (want %ld) mutex %ld (want %ld) xor %lx\n", atomic_counter, n * iters, mutex_counter,
               n * ((iters + 15) / 16), sum);
        return atomic_counter == n * iters && mutex_counter == n * ((iters + 15) / 16) ? 0 : 1;
    }
    if (!strcmp(argv[1], "compute") && argc == 4) {
        int n = atoi(argv[2]);
        iters = atol(argv[3]);
        unsigned long sum = 0;
        if (n < 1 || n > 64 || run(n, compute, &sum)) return 2;
        printf("xor %lx\n", sum);
        return 0;
    }
    if (!strcmp(argv[1], "spin") && argc == 4) {
        int n = atoi(argv[2]);
        iters = atol(argv[3]);
        if (n < 1 || n > 64 || run(n, spin, 0)) return 2;
        printf("ticket lock counter %ld (want %ld)\n", spin_counter, n * iters);
        return spin_counter == n * iters ? 0 : 1;
    }
    if (!strcmp(argv[1], "flag") && argc == 3) {
        iters = atol(argv[2]);
        pthread_t t;
        pthread_create(&t, 0, pong, 0);
        for (long i = 0; i < iters; i++) {
            token = 2 * i + 1;
            while (token != 2 * i + 2) { }
        }
        pthread_join(t, 0);
        printf("token passed %ld times\n", 2 * iters);
        return 0;
    }
    if (!strcmp(argv[1], "affinity")) {
        cpu_set_t set;
        if (sched_getaffinity(0, sizeof set, &set)) return 2;
        int n = CPU_COUNT(&set);
        last_cpu = n - 1;
        CPU_ZERO(&set);
        CPU_SET(last_cpu, &set);
        if (sched_setaffinity(0, sizeof set, &set)) return 2;
        burn();
        printf("main: pinned to the last CPU, runs on %s\n", cpu_now() == (unsigned)last_cpu ? "the last CPU" : "another");
        cpu_set_t got;
        sched_getaffinity(0, sizeof got, &got);
        printf("main: sched_getaffinity %s the mask\n", CPU_EQUAL(&got, &set) ? "returns" : "does NOT return");
        pthread_t t;
        void *r;
        pthread_create(&t, 0, first, 0);
        pthread_join(t, &r);
        pthread_create(&t, 0, inherit, 0);
        pthread_join(t, 0);
        return r != 0;
    }
    if (!strcmp(argv[1], "cpus")) {
        cpu_set_t set;
        if (sched_getaffinity(0, sizeof set, &set)) return 2;
        int n = CPU_COUNT(&set);
        unsigned cpu = 99, node = 99;
        syscall(SYS_getcpu, &cpu, &node, 0);
        printf("affinity %s sysconf, %s get_nprocs; getcpu %s the mask, node %u\n",
               n == sysconf(_SC_NPROCESSORS_ONLN) ? "==" : "!=", n == get_nprocs() ? "==" : "!=",
               CPU_ISSET(cpu, &set) ? "in" : "NOT in", node);
        return 0;
    }
    printf("usage: smp work|spin|compute THREADS ITERS | flag ITERS | cpus\n");
    return 2;
}
