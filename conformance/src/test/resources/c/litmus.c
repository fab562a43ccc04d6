/*
 * x86-TSO litmus tests and locked read-modify-write counters across threads. Each litmus test
 * runs ITERATIONS times; in every iteration its 2-4 threads meet at a spinning barrier (the start
 * flag) and then run their few instructions (inline assembly, so the compiler cannot reorder or
 * merge them) on fresh locations. Only whether an outcome x86 forbids appeared is printed, never
 * how often an allowed one did, so the output is deterministic:
 *
 *   MP       message passing      T0: x=1; y=1            T1: r1=y; r2=x        forbidden r1=1,r2=0
 *   SB       store buffering      T0: x=1; r1=y           T1: y=1; r2=x         r1=r2=0 allowed (TSO)
 *   SB+mfence                     as SB with MFENCE between store and load      forbidden r1=r2=0
 *   SB+xchg                       as SB with the stores done by XCHG            forbidden r1=r2=0
 *   LB       load buffering       T0: r1=x; y=1           T1: r2=y; x=1         forbidden r1=r2=1
 *   2+2W                          T0: x=1; y=2            T1: y=1; x=2          forbidden x=1,y=1 at the end
 *   IRIW     independent reads of independent writes: T0: x=1  T1: y=1
 *            T2: r1=x; r2=y   T3: r3=y; r4=x                                    forbidden r1=1,r2=0,r3=1,r4=0
 *   CoRR     T0: x=1          T1: r1=x; r2=x                                    forbidden r1=1,r2=0
 *   WRC      T0: x=1   T1: r1=x; y=1   T2: r2=y; r3=x                           forbidden r1=1,r2=1,r3=0
 *
 * and counters that must be exact: LOCK XADD, a LOCK CMPXCHG loop, a LOCK CMPXCHG16B loop on a
 * 16-byte pair, LOCK ADD/INC on a value that straddles a page boundary (a split lock).
 *
 *   litmus MODE [ITERATIONS]     MODE: mp sb sb-mfence sb-xchg lb 2+2w iriw corr wrc xadd cmpxchg
 *                                cmpxchg16b splitlock; ITERATIONS defaults to 20000 (200 for splitlock)
 *
 * Built with gcc -static -pthread (glibc) and musl-gcc -static by ThreadsTest.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* ------------------------------------------------------------------ the start flag */

static atomic_int bar_count, bar_gen;
static int nthreads;

static void bar_wait(void) {
    int g = atomic_load_explicit(&bar_gen, memory_order_acquire);
    if (atomic_fetch_add(&bar_count, 1) == nthreads - 1) {
        atomic_store(&bar_count, 0);
        atomic_fetch_add(&bar_gen, 1);
        return;
    }
    int spins = 0;
    while (atomic_load_explicit(&bar_gen, memory_order_acquire) == g) {
        if (++spins > 100) { sched_yield(); spins = 0; } /* more threads than CPUs: let the others run */
        else __builtin_ia32_pause();
    }
}

/* ------------------------------------------------------------------ the litmus tests */

static int *X, *Y, *R1, *R2, *R3, *R4;
static long iterations;

#define ST(loc, v) __asm__ volatile("movl %1, %0" : "=m"(loc) : "i"(v) : "memory")
#define LD(r, loc) __asm__ volatile("movl %1, %0" : "=r"(r) : "m"(loc) : "memory")

static void mp(int t, long i) {
    if (t == 0) { ST(X[i], 1); ST(Y[i], 1); }
    else { int a, b; LD(a, Y[i]); LD(b, X[i]); R1[i] = a; R2[i] = b; }
}
static int mp_bad(long i) { return R1[i] == 1 && R2[i] == 0; }

static void sb(int t, long i) {
    int a;
    if (t == 0) { ST(X[i], 1); LD(a, Y[i]); R1[i] = a; }
    else { ST(Y[i], 1); LD(a, X[i]); R2[i] = a; }
}
static int sb_bad(long i) { return (R1[i] | R2[i]) & ~1; } /* only 0 and 1 can be read */

static void sb_mfence(int t, long i) {
    int a;
    if (t == 0) { ST(X[i], 1); __asm__ volatile("mfence" ::: "memory"); LD(a, Y[i]); R1[i] = a; }
    else { ST(Y[i], 1); __asm__ volatile("mfence" ::: "memory"); LD(a, X[i]); R2[i] = a; }
}
static int sb_fenced_bad(long i) { return R1[i] == 0 && R2[i] == 0; }

static void sb_xchg(int t, long i) {
    int a, one = 1;
    if (t == 0) { __asm__ volatile("xchgl %0, %1" : "+r"(one), "+m"(X[i]) :: "memory"); LD(a, Y[i]); R1[i] = a; }
    else { __asm__ volatile("xchgl %0, %1" : "+r"(one), "+m"(Y[i]) :: "memory"); LD(a, X[i]); R2[i] = a; }
}

static void lb(int t, long i) {
    int a;
    if (t == 0) { LD(a, X[i]); ST(Y[i], 1); R1[i] = a; }
    else { LD(a, Y[i]); ST(X[i], 1); R2[i] = a; }
}
static int lb_bad(long i) { return R1[i] == 1 && R2[i] == 1; }

static void w22(int t, long i) {
    if (t == 0) { ST(X[i], 1); ST(Y[i], 2); }
    else { ST(Y[i], 1); ST(X[i], 2); }
}
static int w22_bad(long i) { return X[i] == 1 && Y[i] == 1; }

static void iriw(int t, long i) {
    int a, b;
    switch (t) {
    case 0: ST(X[i], 1); break;
    case 1: ST(Y[i], 1); break;
    case 2: LD(a, X[i]); LD(b, Y[i]); R1[i] = a; R2[i] = b; break;
    default: LD(a, Y[i]); LD(b, X[i]); R3[i] = a; R4[i] = b; break;
    }
}
static int iriw_bad(long i) { return R1[i] == 1 && R2[i] == 0 && R3[i] == 1 && R4[i] == 0; }

static void corr(int t, long i) {
    if (t == 0) ST(X[i], 1);
    else { int a, b; LD(a, X[i]); LD(b, X[i]); R1[i] = a; R2[i] = b; }
}
static int corr_bad(long i) { return R1[i] == 1 && R2[i] == 0; }

static void wrc(int t, long i) {
    int a, b;
    switch (t) {
    case 0: ST(X[i], 1); break;
    case 1: LD(a, X[i]); ST(Y[i], 1); R1[i] = a; break;
    default: LD(a, Y[i]); LD(b, X[i]); R2[i] = a; R3[i] = b; break;
    }
}
static int wrc_bad(long i) { return R1[i] == 1 && R2[i] == 1 && R3[i] == 0; }

struct litmus {
    const char *mode, *name;
    int threads;
    void (*body)(int, long);
    int (*bad)(long);
};

static const struct litmus tests[] = {
    {"mp", "MP", 2, mp, mp_bad},
    {"sb", "SB", 2, sb, sb_bad},
    {"sb-mfence", "SB+mfence", 2, sb_mfence, sb_fenced_bad},
    {"sb-xchg", "SB+xchg", 2, sb_xchg, sb_fenced_bad},
    {"lb", "LB", 2, lb, lb_bad},
    {"2+2w", "2+2W", 2, w22, w22_bad},
    {"iriw", "IRIW", 4, iriw, iriw_bad},
    {"corr", "CoRR", 2, corr, corr_bad},
    {"wrc", "WRC", 3, wrc, wrc_bad},
};

static const struct litmus *current;

static void spawn(pthread_t *t, void *(*fn)(void *), void *arg) {
    int r = pthread_create(t, NULL, fn, arg);
    if (r) { printf("pthread_create: error %d\n", r); exit(2); }
}

static void *litmus_thread(void *a) {
    int t = (int)(long)a;
    for (long i = 0; i < iterations; i++) {
        bar_wait();
        /* the last thread to arrive leaves the barrier first: a varying short delay per thread
         * and iteration lets every thread be the early one, so the bodies really overlap */
        unsigned h = (unsigned)(i * 2654435761u) ^ (unsigned)(t * 40503u);
        for (volatile unsigned d = (h >> 7) % 48; d > 0; d--) {}
        current->body(t, i);
    }
    return NULL;
}

static int *fresh(void) {
    int *p = calloc(iterations, sizeof *p);
    if (!p) { printf("out of memory\n"); exit(2); }
    return p;
}

static int run_litmus(const struct litmus *l) {
    current = l;
    nthreads = l->threads;
    X = fresh(); Y = fresh(); R1 = fresh(); R2 = fresh(); R3 = fresh(); R4 = fresh();
    pthread_t th[4];
    for (int t = 1; t < l->threads; t++) spawn(&th[t], litmus_thread, (void *)(long)t);
    litmus_thread((void *)0);
    for (int t = 1; t < l->threads; t++) pthread_join(th[t], NULL);
    long bad = 0;
    for (long i = 0; i < iterations; i++) bad += l->bad(i) != 0;
    printf("%s forbidden: %ld\n", l->name, bad);
    if (l->body == sb) { /* the TSO outcome: allowed, seen or not; stderr only, for the curious */
        long both0 = 0;
        for (long i = 0; i < iterations; i++) both0 += R1[i] == 0 && R2[i] == 0;
        fprintf(stderr, "SB r1=r2=0 in %ld of %ld iterations\n", both0, iterations);
    }
    return bad != 0;
}

/* ------------------------------------------------------------------ locked counters */

enum { CTHREADS = 4 };
static long lcount;
static struct { unsigned long lo, hi; } __attribute__((aligned(16))) pair;
static int *split;

static void *xadd_thread(void *a) {
    (void)a;
    bar_wait();
    for (long i = 0; i < iterations; i++) {
        long one = 1;
        __asm__ volatile("lock xaddq %0, %1" : "+r"(one), "+m"(lcount) :: "memory");
    }
    return NULL;
}

static void *cmpxchg_thread(void *a) {
    (void)a;
    bar_wait();
    for (long i = 0; i < iterations; i++) {
        long old, ok;
        do {
            old = lcount;
            long nv = old + 1;
            __asm__ volatile("lock cmpxchgq %2, %1\n\tsete %b0" : "=a"(ok), "+m"(lcount) : "r"(nv), "0"(old) : "memory", "cc");
            ok &= 0xff;
        } while (!ok);
    }
    return NULL;
}

static void *cmpxchg16b_thread(void *a) {
    (void)a;
    bar_wait();
    for (long i = 0; i < iterations; i++) {
        unsigned char ok;
        do {
            unsigned long lo = pair.lo, hi = pair.hi;
            unsigned long nlo = lo + 1, nhi = hi + 2;
            __asm__ volatile("lock cmpxchg16b %1\n\tsete %0"
                             : "=q"(ok), "+m"(pair), "+a"(lo), "+d"(hi)
                             : "b"(nlo), "c"(nhi)
                             : "memory", "cc");
        } while (!ok);
    }
    return NULL;
}

static void *split_thread(void *a) {
    (void)a;
    bar_wait();
    for (long i = 0; i < iterations; i++) {
        __asm__ volatile("lock addl $1, %0" : "+m"(*split) :: "memory", "cc");
        __asm__ volatile("lock incl %0" : "+m"(*split) :: "memory", "cc");
    }
    return NULL;
}

static int run_counter(const char *mode) {
    void *(*fn)(void *) = !strcmp(mode, "xadd") ? xadd_thread : !strcmp(mode, "cmpxchg") ? cmpxchg_thread
                          : !strcmp(mode, "cmpxchg16b") ? cmpxchg16b_thread : split_thread;
    if (fn == split_thread) {
        char *pages = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        split = (int *)(pages + 4096 - 2); /* two bytes on each page */
    }
    nthreads = CTHREADS;
    pthread_t th[CTHREADS];
    for (int t = 0; t < CTHREADS; t++) spawn(&th[t], fn, NULL);
    for (int t = 0; t < CTHREADS; t++) pthread_join(th[t], NULL);
    long want = CTHREADS * iterations;
    if (fn == cmpxchg16b_thread) {
        printf("LOCK CMPXCHG16B %d threads x %ld: low %s, high %s\n", CTHREADS, iterations, pair.lo == (unsigned long)want ? "exact" : "WRONG",
               pair.hi == 2 * (unsigned long)want ? "exact" : "WRONG");
        return pair.lo != (unsigned long)want || pair.hi != 2 * (unsigned long)want;
    }
    if (fn == split_thread) {
        printf("split LOCK ADD/INC %d threads x %ld: %s\n", CTHREADS, iterations, *split == 2 * want ? "exact" : "WRONG");
        return *split != 2 * want;
    }
    printf("%s %d threads x %ld: %s\n", fn == xadd_thread ? "LOCK XADD" : "LOCK CMPXCHG", CTHREADS, iterations,
           lcount == want ? "exact" : "WRONG");
    return lcount != want;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc < 2) {
        for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) printf("%s\n", tests[i].mode);
        printf("xadd\ncmpxchg\ncmpxchg16b\nsplitlock\n");
        return 2;
    }
    /* a split lock can cost the host ~0.1 ms each (bus lock): fewer by default */
    iterations = argc > 2 ? atol(argv[2]) : !strcmp(argv[1], "splitlock") ? 200 : 20000;
    if (iterations < 1) iterations = 1;
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        if (!strcmp(argv[1], tests[i].mode)) return run_litmus(&tests[i]);
    }
    if (!strcmp(argv[1], "xadd") || !strcmp(argv[1], "cmpxchg") || !strcmp(argv[1], "cmpxchg16b") || !strcmp(argv[1], "splitlock"))
        return run_counter(argv[1]);
    printf("unknown mode %s\n", argv[1]);
    return 2;
}
