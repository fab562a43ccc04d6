/*
 * POSIX threads as a Linux program sees them: create/join/detach/exit, mutexes, condition
 * variables, barriers, semaphores, atomics, thread-local storage, cancellation, thread-directed
 * and process-directed signals with per-thread masks, exit vs exit_group. One mode per argv[1];
 * the output is deterministic (totals and relations, never tids or timings), so a native run and
 * an lstar run can be compared line by line.
 *
 *   threads MODE          one of the modes in the table at the end; status 0 when every check
 *                         held ("exit-group" ends with 3 on purpose)
 *   threads               lists the modes
 *
 * Built with gcc -static -pthread (glibc) and musl-gcc -static by ThreadsTest.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int failures;

static void say(const char *fmt, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof buf - 1) n = sizeof buf - 1;
    for (int off = 0; off < n;) {
        ssize_t w = write(1, buf + off, n - off);
        if (w <= 0) { if (errno == EINTR) continue; _exit(99); }
        off += w;
    }
}

#define CHECK(cond) do { if (!(cond)) { say("  FAILED: %s (line %d)\n", #cond, __LINE__); failures++; } } while (0)

static void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) && errno == EINTR) {}
}

static pid_t gettid_(void) { return (pid_t)syscall(SYS_gettid); }

/* waits (sleeping, not spinning: cheap under an emulator too) until *p == v */
static void await(atomic_int *p, int v) {
    while (atomic_load(p) != v) sleep_ms(1);
}

static void create(pthread_t *t, void *(*fn)(void *), long arg) {
    int r = pthread_create(t, NULL, fn, (void *)arg);
    if (r) { say("pthread_create: %d\n", r); exit(2); }
}

/* ------------------------------------------------------------------ create / join / exit */

static void *square(void *a) {
    long i = (long)a;
    if (i == 7) pthread_exit((void *)(i * i));
    return (void *)(i * i);
}

static int m_create_join(void) {
    pthread_t t[8];
    for (long i = 0; i < 8; i++) create(&t[i], square, i);
    long sum = 0;
    for (int i = 0; i < 8; i++) {
        void *r;
        CHECK(pthread_join(t[i], &r) == 0);
        sum += (long)r;
    }
    say("sum of returned squares: %ld\n", sum);
    say("pthread_equal(self, self) %d, (self, t[0]) %d\n", pthread_equal(pthread_self(), pthread_self()) != 0,
        pthread_equal(pthread_self(), t[0]) != 0);
    return 0;
}

/* ------------------------------------------------------------------ mutex counter */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *incr(void *a) {
    (void)a;
    for (int i = 0; i < 100000; i++) {
        pthread_mutex_lock(&mu);
        counter++;
        pthread_mutex_unlock(&mu);
    }
    return NULL;
}

static int m_mutex(void) {
    pthread_t t[4];
    for (int i = 0; i < 4; i++) create(&t[i], incr, i);
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
    say("mutex counter: %ld\n", counter);
    pthread_mutex_lock(&mu);
    say("trylock while held: %s\n", pthread_mutex_trylock(&mu) == EBUSY ? "EBUSY" : "other");
    pthread_mutex_unlock(&mu);
    /* an error-checking mutex reports a relock and an unlock by a non-owner */
    pthread_mutexattr_t at;
    pthread_mutexattr_init(&at);
    pthread_mutexattr_settype(&at, PTHREAD_MUTEX_ERRORCHECK);
    pthread_mutex_t em;
    pthread_mutex_init(&em, &at);
    pthread_mutex_lock(&em);
    say("errorcheck relock: %s\n", pthread_mutex_lock(&em) == EDEADLK ? "EDEADLK" : "other");
    pthread_mutex_unlock(&em);
    say("errorcheck unlock unowned: %s\n", pthread_mutex_unlock(&em) == EPERM ? "EPERM" : "other");
    /* a timed lock on a held mutex times out */
    pthread_mutex_lock(&mu);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 20000000;
    if (ts.tv_nsec >= 1000000000) { ts.tv_sec++; ts.tv_nsec -= 1000000000; }
    say("timedlock while held (same thread, default type): %s\n",
        pthread_mutex_timedlock(&mu, &ts) == ETIMEDOUT ? "ETIMEDOUT" : "other");
    pthread_mutex_unlock(&mu);
    return 0;
}

/* ------------------------------------------------------------------ condvar ping-pong */

static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int turn, rounds_done[2];
enum { ROUNDS = 10000 };

static void *pingpong(void *a) {
    int me = (int)(long)a;
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(&mu);
        while (turn != me) pthread_cond_wait(&cv, &mu);
        turn = 1 - me;
        rounds_done[me]++;
        pthread_cond_signal(&cv);
        pthread_mutex_unlock(&mu);
    }
    return NULL;
}

static int m_condvar(void) {
    pthread_t t[2];
    for (int i = 0; i < 2; i++) create(&t[i], pingpong, i);
    for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
    say("ping-pong rounds: %d %d, turn %d\n", rounds_done[0], rounds_done[1], turn);
    /* a timed wait nobody signals */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 10000000;
    if (ts.tv_nsec >= 1000000000) { ts.tv_sec++; ts.tv_nsec -= 1000000000; }
    pthread_mutex_lock(&mu);
    say("timedwait: %s\n", pthread_cond_timedwait(&cv, &mu, &ts) == ETIMEDOUT ? "ETIMEDOUT" : "other");
    pthread_mutex_unlock(&mu);
    return 0;
}

/* ------------------------------------------------------------------ barrier */

static pthread_barrier_t bar;
static int slots[4];
static atomic_int serial_count, barrier_errors;
enum { BROUNDS = 200 };

static void *barrier_worker(void *a) {
    int me = (int)(long)a;
    for (int r = 1; r <= BROUNDS; r++) {
        slots[me] = r;
        if (pthread_barrier_wait(&bar) == PTHREAD_BARRIER_SERIAL_THREAD) atomic_fetch_add(&serial_count, 1);
        for (int i = 0; i < 4; i++) if (slots[i] != r) atomic_fetch_add(&barrier_errors, 1);
        pthread_barrier_wait(&bar);
    }
    return NULL;
}

static int m_barrier(void) {
    pthread_barrier_init(&bar, NULL, 4);
    pthread_t t[3];
    for (int i = 1; i < 4; i++) create(&t[i - 1], barrier_worker, i);
    barrier_worker((void *)0);
    for (int i = 0; i < 3; i++) pthread_join(t[i], NULL);
    say("barrier rounds %d, serial threads %d, errors %d\n", BROUNDS, atomic_load(&serial_count), atomic_load(&barrier_errors));
    pthread_barrier_destroy(&bar);
    return 0;
}

/* ------------------------------------------------------------------ atomics */

static long gcc_counter;
static atomic_int std_counter;
static atomic_long cas_counter;

static void *atomic_worker(void *a) {
    (void)a;
    for (int i = 0; i < 100000; i++) {
        __atomic_fetch_add(&gcc_counter, 1, __ATOMIC_SEQ_CST);
        atomic_fetch_add_explicit(&std_counter, 2, memory_order_relaxed);
        long v = atomic_load(&cas_counter);
        while (!atomic_compare_exchange_weak(&cas_counter, &v, v + 3)) {}
    }
    return NULL;
}

static int m_atomic(void) {
    pthread_t t[4];
    for (int i = 0; i < 4; i++) create(&t[i], atomic_worker, i);
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
    say("__atomic_fetch_add: %ld, atomic_fetch_add: %d, compare_exchange: %ld\n", gcc_counter, atomic_load(&std_counter),
        atomic_load(&cas_counter));
    return 0;
}

/* ------------------------------------------------------------------ thread-local storage */

static __thread int tv = 5;
static __thread char tbuf[64];
static __thread int *tv_addr;
static int *addrs[4];
static pthread_key_t key;
static atomic_int destructed, destructed_sum;
static void destructor(void *v) {
    atomic_fetch_add(&destructed, 1);
    atomic_fetch_add(&destructed_sum, (int)(long)v);
}

static void *tls_worker(void *a) {
    int me = (int)(long)a;
    int ok = tv == 5 && tbuf[0] == 0 && tbuf[63] == 0 && tv_addr == NULL && pthread_getspecific(key) == NULL;
    tv = me * 10;
    memset(tbuf, 'a' + me, sizeof tbuf);
    tv_addr = &tv;
    addrs[me] = &tv;
    pthread_setspecific(key, (void *)(long)(me + 100));
    pthread_barrier_wait(&bar);
    ok &= tv == me * 10 && tbuf[10] == 'a' + me && tv_addr == &tv && pthread_getspecific(key) == (void *)(long)(me + 100);
    pthread_barrier_wait(&bar);
    return (void *)(long)ok;
}

static int m_tls(void) {
    pthread_key_create(&key, destructor);
    pthread_barrier_init(&bar, NULL, 4);
    pthread_t t[3];
    for (int i = 1; i < 4; i++) create(&t[i - 1], tls_worker, i);
    pthread_barrier_wait(&bar);
    pthread_barrier_wait(&bar);
    int ok = 1;
    for (int i = 0; i < 3; i++) {
        void *r;
        pthread_join(t[i], &r);
        ok &= r != NULL;
    }
    say("threads saw their own values: %d\n", ok);
    say("main's value unchanged: %d (tv %d)\n", tv == 5 && tbuf[0] == 0, tv);
    say("addresses distinct: %d\n", addrs[1] != addrs[2] && addrs[2] != addrs[3] && addrs[1] != addrs[3] && addrs[1] != &tv);
    say("key destructors: %d, values sum %d\n", atomic_load(&destructed), atomic_load(&destructed_sum));
    /* the FS base is the thread pointer: %fs:0 points at itself on both libcs */
    void *tp;
    __asm__("mov %%fs:0, %0" : "=r"(tp));
    say("%%fs:0 == thread pointer: %d\n", tp == (void *)__builtin_thread_pointer());
    return 0;
}

/* ------------------------------------------------------------------ detached threads */

static sem_t sem;
static atomic_int detached_ran;

static void *detached_worker(void *a) {
    (void)a;
    sleep_ms(5);
    atomic_fetch_add(&detached_ran, 1);
    sem_post(&sem);
    return NULL;
}

static int m_detach(void) {
    sem_init(&sem, 0, 0);
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    for (int i = 0; i < 4; i++) {
        pthread_t t;
        CHECK(pthread_create(&t, &at, detached_worker, NULL) == 0);
    }
    pthread_t t;
    create(&t, detached_worker, 0);
    CHECK(pthread_detach(t) == 0);
    for (int i = 0; i < 5; i++) while (sem_wait(&sem) && errno == EINTR) {}
    say("detached threads finished: %d\n", atomic_load(&detached_ran));
    int v;
    sem_getvalue(&sem, &v);
    say("semaphore value: %d, trywait: %s\n", v, sem_trywait(&sem) == -1 && errno == EAGAIN ? "EAGAIN" : "other");
    return 0;
}

/* ------------------------------------------------------------------ cancellation */

static atomic_int cleanup_ran, waiting;

static void cleanup_unlock(void *m) {
    atomic_fetch_add(&cleanup_ran, 1);
    pthread_mutex_unlock(m);
}

static void *cancel_in_condwait(void *a) {
    (void)a;
    pthread_mutex_lock(&mu);
    pthread_cleanup_push(cleanup_unlock, &mu);
    waiting = 1;
    for (;;) pthread_cond_wait(&cv, &mu);
    pthread_cleanup_pop(0);
    return NULL;
}

static void cleanup_count(void *a) {
    (void)a;
    atomic_fetch_add(&cleanup_ran, 10);
}

static void *cancel_in_sleep(void *a) {
    (void)a;
    pthread_cleanup_push(cleanup_count, NULL);
    waiting = 2;
    sleep(100);
    pthread_cleanup_pop(0);
    return NULL;
}

static atomic_int deferred_step;
static void *cancel_deferred(void *a) {
    (void)a;
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
    deferred_step = 1;
    await(&deferred_step, 2); /* the cancel request has been made */
    sleep_ms(5);              /* a cancellation point, but cancellation is disabled */
    deferred_step = 3;
    pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
    pthread_testcancel();
    deferred_step = 4; /* never reached */
    return NULL;
}

static int m_cancel(void) {
    pthread_t t;
    void *r;
    create(&t, cancel_in_condwait, 0);
    for (;;) { /* the thread is inside pthread_cond_wait once it holds no mutex and has said so */
        pthread_mutex_lock(&mu);
        int w = waiting;
        pthread_mutex_unlock(&mu);
        if (w == 1) break;
        sleep_ms(1);
    }
    CHECK(pthread_cancel(t) == 0);
    CHECK(pthread_join(t, &r) == 0);
    say("cond_wait: canceled %d, cleanup ran %d\n", r == PTHREAD_CANCELED, atomic_load(&cleanup_ran));
    say("mutex free again: %d\n", pthread_mutex_trylock(&mu) == 0);
    pthread_mutex_unlock(&mu);

    create(&t, cancel_in_sleep, 0);
    while (waiting != 2) sleep_ms(1);
    sleep_ms(5);
    CHECK(pthread_cancel(t) == 0);
    CHECK(pthread_join(t, &r) == 0);
    say("sleep: canceled %d, cleanup ran %d\n", r == PTHREAD_CANCELED, atomic_load(&cleanup_ran));

    create(&t, cancel_deferred, 0);
    await(&deferred_step, 1);
    CHECK(pthread_cancel(t) == 0);
    deferred_step = 2;
    CHECK(pthread_join(t, &r) == 0);
    say("disabled then enabled: canceled %d at step %d\n", r == PTHREAD_CANCELED, atomic_load(&deferred_step));
    return 0;
}

/* ------------------------------------------------------------------ main thread exits first */

static pthread_t main_thread;
static void *last_worker(void *a) {
    (void)a;
    /* main has called pthread_exit: joining it returns once it is gone */
    void *r;
    int j = pthread_join(main_thread, &r);
    say("worker: joined main %d, main's value %ld\n", j == 0, (long)r);
    sleep_ms(20);
    say("worker: the last thread returns\n");
    return NULL;
}

static int m_exit_main(void) {
    main_thread = pthread_self();
    pthread_t t;
    create(&t, last_worker, 0);
    say("main: pthread_exit\n");
    pthread_exit((void *)42);
}

/* ------------------------------------------------------------------ signals to threads */

static __thread int my_index = -1;
static atomic_int got_by = -1, got_sig, got_count;
static pid_t tids[4];
static atomic_int ready, done;

static void on_sig(int sig) {
    got_by = my_index;
    got_sig = sig;
    atomic_fetch_add(&got_count, 1);
}

static void *sig_worker(void *a) {
    my_index = (int)(long)a;
    tids[my_index] = gettid_();
    atomic_fetch_add(&ready, 1);
    while (!done) sleep_ms(1);
    return NULL;
}

static void reset_got(void) {
    got_by = -1;
    got_sig = 0;
    got_count = 0;
}

static void await_got(void) {
    for (int i = 0; i < 5000 && got_count == 0; i++) sleep_ms(1);
}

static int m_kill_thread(void) {
    my_index = 0;
    tids[0] = gettid_();
    signal(SIGUSR1, on_sig);
    signal(SIGUSR2, on_sig);
    pthread_t t[4];
    for (int i = 1; i < 4; i++) create(&t[i], sig_worker, i);
    await(&ready, 3);
    reset_got();
    CHECK(pthread_kill(t[2], SIGUSR1) == 0);
    await_got();
    say("pthread_kill(thread 2, SIGUSR1): handled by thread %d (count %d)\n", got_by, got_count);
    reset_got();
    CHECK(syscall(SYS_tgkill, getpid(), tids[3], SIGUSR2) == 0);
    await_got();
    say("tgkill(thread 3, SIGUSR2): handled by thread %d (count %d)\n", got_by, got_count);
    reset_got();
    CHECK(syscall(SYS_tgkill, getpid(), tids[1], SIGUSR1) == 0);
    await_got();
    say("tgkill(thread 1, SIGUSR1): handled by thread %d\n", got_by);
    reset_got();
    CHECK(syscall(SYS_tgkill, getpid(), tids[0], SIGUSR1) == 0); /* itself: delivered before tgkill returns */
    say("tgkill(main thread, SIGUSR1): handled by thread %d\n", got_by);
    errno = 0;
    long r = syscall(SYS_tgkill, getpid() + 100000, tids[1], SIGUSR1);
    say("tgkill with a wrong tgid: %ld %s\n", r, errno == ESRCH ? "ESRCH" : "other");
    say("pthread_kill(thread 1, 0): %d\n", pthread_kill(t[1], 0));
    done = 1;
    for (int i = 1; i < 4; i++) pthread_join(t[i], NULL);
    return 0;
}

static atomic_int step;
static int pend[4];

static void *mask_worker(void *a) {
    my_index = (int)(long)a;
    tids[my_index] = gettid_();
    if (my_index == 2) {
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, SIGUSR1);
        pthread_sigmask(SIG_UNBLOCK, &s, NULL);
    }
    atomic_fetch_add(&ready, 1);
    await(&step, 1);
    sigset_t p;
    sigpending(&p);
    pend[my_index] = sigismember(&p, SIGUSR2);
    atomic_fetch_add(&ready, 1);
    if (my_index == 1) {
        await(&step, 2);
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, SIGUSR2);
        pthread_sigmask(SIG_UNBLOCK, &s, NULL); /* delivers the pending thread-directed signal */
    }
    while (!done) sleep_ms(1);
    return NULL;
}

static int m_sigmask(void) {
    my_index = 0;
    signal(SIGUSR1, on_sig);
    signal(SIGUSR2, on_sig);
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    sigaddset(&s, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &s, NULL); /* inherited by every thread created below */
    pthread_t t[4];
    for (int i = 1; i < 4; i++) create(&t[i], mask_worker, i);
    await(&ready, 3);
    /* process-directed: only thread 2 does not block SIGUSR1 */
    reset_got();
    CHECK(kill(getpid(), SIGUSR1) == 0);
    await_got();
    say("kill(getpid(), SIGUSR1): handled by thread %d\n", got_by);
    /* thread-directed to a thread that blocks it: pending for that thread only */
    reset_got();
    CHECK(pthread_kill(t[1], SIGUSR2) == 0);
    step = 1;
    await(&ready, 6);
    sigset_t p;
    sigpending(&p);
    pend[0] = sigismember(&p, SIGUSR2);
    say("SIGUSR2 sent to thread 1: pending in threads 0-3: %d %d %d %d, handled %d\n", pend[0], pend[1], pend[2], pend[3],
        atomic_load(&got_count));
    step = 2;
    await_got();
    say("thread 1 unblocks it: handled by thread %d\n", got_by);
    /* process-directed while every thread blocks it: pending for the process until one unblocks */
    reset_got();
    CHECK(kill(getpid(), SIGUSR2) == 0);
    await_got();
    say("kill(getpid(), SIGUSR2): handled by thread %d\n", got_by);
    done = 1;
    for (int i = 1; i < 4; i++) pthread_join(t[i], NULL);
    return 0;
}

/* ------------------------------------------------------------------ ids */

static pid_t worker_tid, worker_pid;
static void *id_worker(void *a) {
    (void)a;
    worker_tid = gettid_();
    worker_pid = getpid();
    return NULL;
}

static int m_ids(void) {
    pthread_t t;
    create(&t, id_worker, 0);
    pthread_join(t, NULL);
    say("main: gettid()==getpid() %d\n", gettid_() == getpid());
    say("thread: getpid()==main's %d gettid()!=getpid() %d gettid()>0 %d\n", worker_pid == getpid(), worker_tid != worker_pid,
        worker_tid > 0);
    /* musl's join can return while the thread is still making its exit system call (its tid then
       still answers): wait, boundedly, until the tid is gone */
    long r = 0;
    for (int i = 0; i < 2000; i++) {
        errno = 0;
        r = syscall(SYS_tgkill, getpid(), worker_tid, 0);
        if (r != 0) break;
        sleep_ms(1);
    }
    say("tgkill(0) to the joined thread, once it has ended: %ld %s\n", r, errno == ESRCH ? "ESRCH" : errno == 0 ? "0" : "other");
    return 0;
}

/* ------------------------------------------------------------------ exit vs exit_group */

static void at_exit_say(void) { say("atexit handler ran (in the exiting thread %d)\n", my_index); }

static void *exiter(void *a) {
    my_index = (int)(long)a;
    sleep_ms(10);
    exit(3); /* exit_group: ends main (blocked in join) and the sleeper */
}

static void *sleeper(void *a) {
    (void)a;
    sleep(100);
    say("UNEXPECTED: the sleeper woke\n");
    return NULL;
}

static int m_exit_group(void) {
    atexit(at_exit_say);
    pthread_t t1, t2;
    create(&t1, sleeper, 1);
    create(&t2, exiter, 2);
    pthread_join(t1, NULL);
    say("UNEXPECTED: main joined the sleeper\n");
    return 0;
}

static pid_t raw_tid;
static void *raw_exiter(void *a) {
    (void)a;
    raw_tid = gettid_();
    sleep_ms(5);
    syscall(SYS_exit, 0); /* this thread only (the libraries' join cannot be used after it: musl's would wait forever) */
    return (void *)1;
}

static int m_thread_exit(void) {
    pthread_t t;
    create(&t, raw_exiter, 0);
    while (raw_tid == 0) sleep_ms(1);
    int gone = 0;
    for (int i = 0; i < 5000 && !gone; i++) {
        if (syscall(SYS_tgkill, getpid(), raw_tid, 0) == -1 && errno == ESRCH) gone = 1;
        else sleep_ms(1);
    }
    say("the thread that made the exit system call is gone (tgkill ESRCH): %d\n", gone);
    say("process still running: 1\n");
    return 0;
}

struct mode {
    const char *name;
    int (*fn)(void);
};

static const struct mode modes[] = {
    {"create-join", m_create_join}, {"mutex", m_mutex},       {"condvar", m_condvar},         {"barrier", m_barrier},
    {"atomic", m_atomic},           {"tls", m_tls},           {"detach", m_detach},           {"cancel", m_cancel},
    {"exit-main", m_exit_main},     {"kill-thread", m_kill_thread}, {"sigmask", m_sigmask}, {"ids", m_ids},
    {"exit-group", m_exit_group},   {"thread-exit", m_thread_exit},
};

int main(int argc, char **argv) {
    if (argc < 2) {
        for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) say("%s\n", modes[i].name);
        return 2;
    }
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        if (!strcmp(argv[1], modes[i].name)) {
            int r = modes[i].fn();
            if (failures) say("failures %d\n", failures);
            return failures ? 1 : r;
        }
    }
    say("unknown mode %s\n", argv[1]);
    return 2;
}
