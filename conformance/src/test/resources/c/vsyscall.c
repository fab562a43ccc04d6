/*
 * The legacy vsyscall page (0xffffffffff600000) under Linux's default vsyscall=xonly: calling its
 * three entry points works (emulated by the kernel), reading it, calling a misaligned address in
 * it, or passing a kernel pointer is a SIGSEGV.  Prints only what is the same on every run: the
 * outcome of each case, si_code and si_addr of each SIGSEGV, and the [vsyscall] line of
 * /proc/self/maps.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#define VSYSCALL 0xffffffffff600000UL

typedef long (*gtod_fn)(struct timeval *, struct timezone *);
typedef long (*time_fn)(long *);
typedef long (*getcpu_fn)(unsigned *, unsigned *, void *);

static sigjmp_buf env;
static volatile int code;
static volatile unsigned long addr;

static void on_segv(int sig, siginfo_t *si, void *uc) {
    (void) sig; (void) uc;
    code = si->si_code;
    addr = (unsigned long) si->si_addr;
    siglongjmp(env, 1);
}

#define TRY(what, stmt) do { \
        if (sigsetjmp(env, 1) == 0) { stmt; printf("%s: ok\n", what); } \
        else printf("%s: SIGSEGV si_code=%d si_addr=%#lx\n", what, code, addr); \
    } while (0)

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGSEGV, &sa, NULL);

    struct timeval tv = {0, 0};
    struct timezone tz = {123, 456};
    long r = ((gtod_fn) VSYSCALL)(&tv, &tz);
    time_t now = time(NULL);
    printf("gettimeofday: %ld, near time(): %d, usec in range: %d, tz %d %d\n", r,
           tv.tv_sec >= now - 1 && tv.tv_sec <= now + 1, tv.tv_usec >= 0 && tv.tv_usec < 1000000, tz.tz_minuteswest, tz.tz_dsttime);
    long t = 0, rt = ((time_fn) (VSYSCALL + 0x400))(&t);
    printf("time: same as stored %d, near time(): %d\n", rt == t, rt >= now - 1 && rt <= now + 1);
    printf("time(NULL): %d\n", ((time_fn) (VSYSCALL + 0x400))(NULL) > 0);
    unsigned cpu = 99, node = 99;
    r = ((getcpu_fn) (VSYSCALL + 0x800))(&cpu, &node, NULL);
    printf("getcpu: %ld, cpu valid %d, node %u\n", r, cpu < 1024, node);

    TRY("read", (void) *(volatile long *) VSYSCALL);
    TRY("call +0x100", ((time_fn) (VSYSCALL + 0x100))(NULL));
    TRY("call +0xc00", ((time_fn) (VSYSCALL + 0xc00))(NULL));
    TRY("time(kernel pointer)", ((time_fn) (VSYSCALL + 0x400))((long *) 0xffff888000000000UL));
    TRY("gettimeofday(unmapped pointer)", ((gtod_fn) VSYSCALL)((struct timeval *) 0x1000, NULL));

    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    while (f && fgets(line, sizeof line, f)) {
        if (strstr(line, "[vsyscall]")) fputs(line, stdout);
    }
    if (f) fclose(f);
    return 0;
}
