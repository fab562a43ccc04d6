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
 *   smp wakeop ITERS         a thread adds 1 to a word ITERS times with FUTEX_WAKE_OP (the kernel's
 *                            read-modify-write of user memory) while the main thread adds 1 to the
 *                            same word with LOCK XADD until the other is done: no update may be lost
 *   smp splitplain ITERS     a thread runs ITERS LOCK INCL on a word that crosses a page boundary
 *                            (low three bytes on one page, the high byte on the next) while the main
 *                            thread keeps storing a counter to the high byte with plain byte stores,
 *                            checking before each that the byte still holds its last store: the
 *                            split lock is atomic against plain stores (the bus lock), so none is
 *                            undone and every increment lands
 *   smp robust               a thread dies holding a robust mutex the main thread waits for on the
 *                            other CPU (the kernel's robust-list walk sets FUTEX_OWNER_DIED by
 *                            compare-and-set and wakes the waiter): EOWNERDEAD, then usable again
 *
 * Built with gcc -static -pthread (glibc) and musl-gcc -static by SmpTest.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
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

/* FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG with op ADD 1, compare EQ 0 (musl has no linux/futex.h) */
#define WAKE_OP_PRIVATE (5 | 128)
#define OP_ADD_1 ((1 << 28) | (0 << 24) | (1 << 12) | 0)

static int wakeop_word, wakeop_dummy, wakeop_started, wakeop_done;

static void *wakeop(void *arg) {
    (void)arg;
    __atomic_store_n(&wakeop_started, 1, __ATOMIC_SEQ_CST);
    for (long i = 0; i < iters; i++) {
        /* *uaddr2 += 1; wake nobody (nobody waits) */
        syscall(SYS_futex, &wakeop_dummy, WAKE_OP_PRIVATE, 0, 0, &wakeop_word, OP_ADD_1);
    }
    __atomic_store_n(&wakeop_done, 1, __ATOMIC_SEQ_CST);
    return 0;
}

static unsigned char *split_word;
static int split_done;

static void *split_incs(void *arg) {
    (void)arg;
    for (long i = 0; i < iters; i++) __asm__ volatile("lock incl %0" : "+m"(*(int *)split_word));
    __atomic_store_n(&split_done, 1, __ATOMIC_SEQ_CST);
    return 0;
}

static pthread_mutex_t rmu;
static int r_locked;

static void *robust_owner(void *arg) {
    (void)arg;
    pthread_mutex_lock(&rmu);
    __atomic_store_n(&r_locked, 1, __ATOMIC_SEQ_CST);
    usleep(100000); /* the main thread blocks on the mutex meanwhile (FUTEX_WAITERS) */
    return 0;       /* ends holding it */
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
        printf("work\nspin\nflag\ncompute\naffinity\ncpus\nwakeop\nrobust\nsplitplain\n");
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
    if (!strcmp(argv[1], "wakeop") && argc == 3) {
        iters = atol(argv[2]);
        pthread_t t;
        pthread_create(&t, 0, wakeop, 0);
        while (!__atomic_load_n(&wakeop_started, __ATOMIC_SEQ_CST)) { }
        long mine = 0;
        do {
            __atomic_fetch_add(&wakeop_word, 1, __ATOMIC_SEQ_CST);
            mine++;
        } while (!__atomic_load_n(&wakeop_done, __ATOMIC_SEQ_CST));
        pthread_join(t, 0);
        long want = iters + mine;
        printf("wake_op word %s\n", wakeop_word == want ? "exact" : "LOST UPDATES");
        if (wakeop_word != want) fprintf(stderr, "word %d, want %ld\n", wakeop_word, want);
        return wakeop_word == want ? 0 : 1;
    }
    if (!strcmp(argv[1], "splitplain") && argc == 3) {
        iters = atol(argv[2]);
        if (iters < 1 || iters >= 1 << 24) return 2;
        unsigned char *pages = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (pages == MAP_FAILED) return 2;
        split_word = pages + 4096 - 3;
        volatile unsigned char *high = split_word + 3;
        pthread_t t;
        pthread_create(&t, 0, split_incs, 0);
        unsigned char last = 0;
        long undone = 0, stores = 0;
        do {
            unsigned char now = *high;
            if (now != last) { undone++; last = now; }
            *high = ++last;
            stores++;
        } while (!__atomic_load_n(&split_done, __ATOMIC_SEQ_CST));
        pthread_join(t, 0);
        int w = *(int *)split_word;
        printf("split lock against plain stores: increments %s, stores undone: %s\n",
               (w & 0xFFFFFF) == iters ? "exact" : "LOST", undone == 0 && (unsigned char)(w >> 24) == last ? "none" : "SOME");
        if (undone) fprintf(stderr, "%ld of %ld stores undone\n", undone, stores);
        return (w & 0xFFFFFF) == iters && undone == 0 ? 0 : 1;
    }
    if (!strcmp(argv[1], "robust")) {
        pthread_mutexattr_t a;
        pthread_mutexattr_init(&a);
        pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
        pthread_mutex_init(&rmu, &a);
        pthread_t t;
        pthread_create(&t, 0, robust_owner, 0);
        while (!__atomic_load_n(&r_locked, __ATOMIC_SEQ_CST)) { }
        int r = pthread_mutex_lock(&rmu);
        printf("lock after the owner ended: %s\n", r == EOWNERDEAD ? "EOWNERDEAD" : strerror(r));
        if (r == EOWNERDEAD) pthread_mutex_consistent(&rmu);
        pthread_mutex_unlock(&rmu);
        r = pthread_mutex_lock(&rmu);
        printf("lock again: %s\n", r == 0 ? "ok" : strerror(r));
        pthread_mutex_unlock(&rmu);
        pthread_join(t, 0);
        return 0;
    }
    printf("usage: smp work|spin|compute THREADS ITERS | flag ITERS | cpus | wakeop ITERS | robust | splitplain ITERS\n");
    return 2;
}
