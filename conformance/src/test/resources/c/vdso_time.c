/*
 * Time through the vDSO: clock_gettime, gettimeofday, time and sched_getcpu in loops, interleaved
 * with the same calls made as raw system calls (syscall(2)), checking that CLOCK_MONOTONIC never
 * goes backwards across the two paths and that the vDSO falls back to the kernel for the clocks
 * it does not serve (EINVAL for a bad clock id comes from the kernel).  Prints only what is the
 * same on every run and on every kernel ("ok" lines); lstar's test also counts the system calls.
 *
 *   vdso_time [N]      N iterations of each loop (default 1000)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int failures;

static void check(int ok, const char *what) {
    if (!ok) {
        printf("FAIL %s\n", what);
        failures++;
    }
}

static long long ns(const struct timespec *t) { return t->tv_sec * 1000000000LL + t->tv_nsec; }

static int has_vdso_maps(void) {
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    int vvar = 0, vdso = 0;
    if (!f) return 0;
    while (fgets(line, sizeof line, f)) {
        if (strstr(line, "[vvar]")) vvar = 1;
        if (strstr(line, "[vdso]") && vvar) vdso = 1; /* vvar first, as on Linux */
    }
    fclose(f);
    return vvar && vdso;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 1000;
    check(getauxval(AT_SYSINFO_EHDR) != 0, "AT_SYSINFO_EHDR");
    check(has_vdso_maps(), "[vvar] then [vdso] in /proc/self/maps");
    printf("ok auxv and maps\n");

    /* the loop the system-call count is about: only vDSO calls */
    struct timespec prev, t;
    clock_gettime(CLOCK_MONOTONIC, &prev);
    long long calls = 0;
    for (int i = 0; i < n; i++) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        check(ns(&t) >= ns(&prev), "monotonic (vDSO)");
        check(t.tv_nsec >= 0 && t.tv_nsec < 1000000000, "tv_nsec range");
        prev = t;
        struct timespec r, c;
        clock_gettime(CLOCK_REALTIME, &r);
        clock_gettime(CLOCK_MONOTONIC_COARSE, &c);
        clock_gettime(CLOCK_BOOTTIME, &c);
        struct timeval tv;
        gettimeofday(&tv, NULL);
        check(tv.tv_usec >= 0 && tv.tv_usec < 1000000, "tv_usec range");
        time_t s = time(NULL);
        check(s >= r.tv_sec - 1 && s <= r.tv_sec + 1, "time() near CLOCK_REALTIME");
        calls += 6;
    }
    printf("ok vdso loop\n");
    fflush(stdout);
    fprintf(stderr, "vdso calls: %lld\n", calls);

    /* the two paths alternately: the monotonic clock never goes backwards between them */
    for (int i = 0; i < n; i++) {
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        check(ns(&a) >= ns(&prev), "monotonic: syscall then vDSO");
        syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &b);
        check(ns(&b) >= ns(&a), "monotonic: vDSO then syscall");
        prev = b;
    }
    printf("ok monotonic across the vDSO and the syscall\n");

    /* a sleep is seen in full by the vDSO clock */
    struct timespec a, b, d = {0, 5000000};
    clock_gettime(CLOCK_MONOTONIC, &a);
    nanosleep(&d, NULL);
    clock_gettime(CLOCK_MONOTONIC, &b);
    check(ns(&b) - ns(&a) >= 5000000, "a 5 ms nanosleep lasts 5 ms on the vDSO clock");
    printf("ok sleep\n");

    /* the clocks the vDSO does not serve reach the kernel */
    struct timespec cpu;
    check(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu) == 0, "CLOCK_PROCESS_CPUTIME_ID");
    errno = 0;
    check(clock_gettime(10, &cpu) == -1 && errno == EINVAL, "clock 10: EINVAL");
    errno = 0;
    check(clock_gettime(100, &cpu) == -1 && errno == EINVAL, "clock 100: EINVAL");
    printf("ok fallback\n");

    check(sched_getcpu() == 0 || sched_getcpu() > 0, "sched_getcpu");
    printf("ok getcpu\n");
    printf("%s\n", failures ? "FAILED" : "PASSED");
    return failures != 0;
}
