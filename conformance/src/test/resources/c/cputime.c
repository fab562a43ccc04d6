/*
 * CPU-time accounting as programs read it: CLOCK_PROCESS_CPUTIME_ID and CLOCK_THREAD_CPUTIME_ID,
 * the clock ids of clock_getcpuclockid and pthread_getcpuclockid, getrusage(RUSAGE_SELF /
 * RUSAGE_THREAD / RUSAGE_CHILDREN), times() and clock_getres of those clocks; a thread that
 * ended still counts for its process, a waited-for child counts for its parent. Prints only
 * facts that hold on any machine (relations between times, errno names), never the times.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures;

static void check(const char *what, int ok) {
    printf("%s: %s\n", what, ok ? "ok" : "FAILED");
    if (!ok) failures++;
}

static double ts(clockid_t c) {
    struct timespec t;
    if (clock_gettime(c, &t) != 0) return -1;
    return t.tv_sec + t.tv_nsec / 1e9;
}

static double tv(struct timeval t) { return t.tv_sec + t.tv_usec / 1e6; }

/* Burns about `seconds` of this thread's CPU time. */
static void burn(double seconds) {
    double start = ts(CLOCK_THREAD_CPUTIME_ID);
    volatile unsigned long x = 1;
    while (ts(CLOCK_THREAD_CPUTIME_ID) - start < seconds) {
        for (int i = 0; i < 20000; i++) x = x * 6364136223846793005UL + 1442695040888963407UL;
    }
}

static void *worker(void *arg) {
    (void) arg;
    burn(0.2);
    return NULL;
}

int main(void) {
    burn(0.1);
    double p0 = ts(CLOCK_PROCESS_CPUTIME_ID), t0 = ts(CLOCK_THREAD_CPUTIME_ID);
    check("process clock counts this thread's work", p0 >= 0.1);
    check("thread clock counts this thread's work", t0 >= 0.1);

    clockid_t mine;
    check("clock_getcpuclockid(0)", clock_getcpuclockid(0, &mine) == 0);
    check("its clock reads", ts(mine) >= 0.1);
    clockid_t byPid;
    check("clock_getcpuclockid(getpid())", clock_getcpuclockid(getpid(), &byPid) == 0);
    check("the pid's clock reads the process", ts(byPid) >= p0);
    clockid_t self;
    check("pthread_getcpuclockid(self)", pthread_getcpuclockid(pthread_self(), &self) == 0);
    check("the thread's clock reads", ts(self) >= t0);
    struct timespec res;
    check("clock_getres of the process clock", clock_getres(CLOCK_PROCESS_CPUTIME_ID, &res) == 0 && res.tv_sec == 0 && res.tv_nsec > 0);
    check("clock_getres of a pid's clock", clock_getres(byPid, &res) == 0 && res.tv_sec == 0 && res.tv_nsec > 0);

    /* a clock of no process, and an invalid kind */
    struct timespec t;
    errno = 0;
    int r = clock_gettime((clockid_t) ((~(pid_t) 4000000) << 3 | 2), &t);
    check("a clock of no process is EINVAL", r == -1 && errno == EINVAL);
    errno = 0;
    r = clock_gettime((clockid_t) ((~(pid_t) 0) << 3 | 3), &t);
    check("CPUCLOCK kind 3 is EINVAL", r == -1 && errno == EINVAL);

    /* a thread that burns and ends still counts for the process */
    double before = ts(CLOCK_PROCESS_CPUTIME_ID), mainBefore = ts(CLOCK_THREAD_CPUTIME_ID);
    pthread_t th;
    pthread_create(&th, NULL, worker, NULL);
    pthread_join(th, NULL);
    double after = ts(CLOCK_PROCESS_CPUTIME_ID), mainAfter = ts(CLOCK_THREAD_CPUTIME_ID);
    check("an ended thread's work counts for the process", after - before >= 0.18);
    check("and more than for the main thread", mainAfter - mainBefore < after - before - 0.1);
    struct rusage self_ru, thread_ru;
    getrusage(RUSAGE_SELF, &self_ru);
    getrusage(RUSAGE_THREAD, &thread_ru);
    check("RUSAGE_SELF has every thread", tv(self_ru.ru_utime) + tv(self_ru.ru_stime) >= 0.28);
    check("RUSAGE_THREAD has this thread", tv(thread_ru.ru_utime) + tv(thread_ru.ru_stime) < tv(self_ru.ru_utime) + tv(self_ru.ru_stime) - 0.15);

    /* children: nothing before a wait, the child's work after */
    struct rusage ch;
    getrusage(RUSAGE_CHILDREN, &ch);
    check("no children yet", tv(ch.ru_utime) + tv(ch.ru_stime) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        burn(0.3);
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    getrusage(RUSAGE_CHILDREN, &ch);
    check("RUSAGE_CHILDREN after the wait", tv(ch.ru_utime) + tv(ch.ru_stime) >= 0.28);
    struct tms tm;
    times(&tm);
    long hz = sysconf(_SC_CLK_TCK);
    check("times: tms_cutime + tms_cstime", (double) (tm.tms_cutime + tm.tms_cstime) / hz >= 0.25);
    check("times: tms_utime + tms_stime", (double) (tm.tms_utime + tm.tms_stime) / hz >= 0.25);
    printf("failures %d\n", failures);
    return failures != 0;
}
