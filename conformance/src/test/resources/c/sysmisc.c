/*
 * The system calls of issue #12 as a Linux program sees them: poll, ppoll, select and pselect6 on
 * pipes (readiness, timeouts, signals, masks), eventfd, memfd_create, getrusage/times/clock_getres
 * (shape, not values), process groups and credentials, flock, fallocate, copy_file_range,
 * preadv/pwritev(2), openat2. Prints only facts that hold natively and under lstar alike.
 *
 *   sysmisc DIR     works in the (empty, writable) directory DIR; exit status 0 when every check passes
 *
 * Built with gcc -static (glibc) and musl-gcc -static by StaticSysMiscTest.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef SYS_memfd_create
#define SYS_memfd_create 319
#endif
#ifndef SYS_copy_file_range
#define SYS_copy_file_range 326
#endif
#ifndef SYS_preadv2
#define SYS_preadv2 327
#define SYS_pwritev2 328
#endif
#ifndef SYS_eventfd2
#define SYS_eventfd2 290
#endif
#define MFD_CLOEXEC_ 1U
#define EFD_SEMAPHORE_ 1
#define RESOLVE_NO_XDEV_ 0x01
#define RESOLVE_NO_MAGICLINKS_ 0x02
#define RESOLVE_NO_SYMLINKS_ 0x04
#define RESOLVE_BENEATH_ 0x08
#define RESOLVE_IN_ROOT_ 0x10
#define RESOLVE_CACHED_ 0x20
#define RWF_APPEND_ 0x10
#ifndef FALLOC_FL_COLLAPSE_RANGE
#define FALLOC_FL_COLLAPSE_RANGE 0x08
#endif
#ifndef FALLOC_FL_PUNCH_HOLE
#define FALLOC_FL_PUNCH_HOLE 0x02
#define FALLOC_FL_KEEP_SIZE 0x01
#endif

struct how { uint64_t flags, mode, resolve; };

static int failures;
#define CHECK(cond) do { if (!(cond)) { printf("  FAILED: %s (line %d)\n", #cond, __LINE__); failures++; } } while (0)

static const char *err(long r) {
    static char b[64];
    if (r >= 0) { snprintf(b, sizeof b, "%ld", r); return b; }
    static const struct { int e; const char *n; } names[] = {
        {EPERM, "EPERM"}, {ENOENT, "ENOENT"}, {ESRCH, "ESRCH"}, {EINTR, "EINTR"}, {EBADF, "EBADF"}, {EAGAIN, "EAGAIN"},
        {EFAULT, "EFAULT"}, {EXDEV, "EXDEV"}, {ENODEV, "ENODEV"}, {EISDIR, "EISDIR"}, {EINVAL, "EINVAL"}, {ESPIPE, "ESPIPE"},
        {EFBIG, "EFBIG"}, {ENOSYS, "ENOSYS"}, {ELOOP, "ELOOP"}, {EOVERFLOW, "EOVERFLOW"}, {EOPNOTSUPP, "EOPNOTSUPP"},
        {E2BIG, "E2BIG"}, {ENOTDIR, "ENOTDIR"}, {EEXIST, "EEXIST"}, {EACCES, "EACCES"}};
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].e == errno) { snprintf(b, sizeof b, "-1 %s", names[i].n); return b; }
    snprintf(b, sizeof b, "-1 errno %d", errno);
    return b;
}

static long ms_since(struct timespec *t0) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static volatile int got_sig;
static void on_sig(int s) { got_sig = s; }

static void handler(int sig, int flags) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sig;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, 0);
}

static void alarm_ms(int ms) {
    struct itimerval it = {{0, 0}, {ms / 1000, (ms % 1000) * 1000}};
    setitimer(ITIMER_REAL, &it, 0);
}

/* ---------------------------------------------------------------- poll */

static void test_poll(void) {
    printf("poll\n");
    int p[2];
    CHECK(pipe(p) == 0);
    struct pollfd f[4] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}, {-1, POLLIN, 0}, {999, POLLIN, 0}};
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int r = poll(f, 1, 60);
    long waited = ms_since(&t0);
    printf("  empty pipe, 60 ms: %d revents %#x waited>=50ms %s\n", r, f[0].revents, waited >= 50 ? "yes" : "no");
    r = poll(f, 4, 0);
    printf("  four entries: %d revents %#x %#x %#x %#x\n", r, f[0].revents, f[1].revents, f[2].revents, f[3].revents);
    CHECK(write(p[1], "abc", 3) == 3);
    f[0].events = POLLIN | POLLOUT | POLLPRI;
    r = poll(f, 2, -1);
    printf("  with data: %d revents %#x %#x\n", r, f[0].revents, f[1].revents);
    close(p[1]);
    r = poll(f, 1, -1);
    printf("  writer closed, data left: %d revents %#x\n", r, f[0].revents);
    char b[8];
    CHECK(read(p[0], b, 8) == 3);
    f[0].events = 0;
    r = poll(f, 1, -1);
    printf("  writer closed, drained, events 0: %d revents %#x\n", r, f[0].revents);
    close(p[0]);

    CHECK(pipe(p) == 0);
    close(p[0]);
    struct pollfd w = {p[1], POLLOUT, 0};
    r = poll(&w, 1, 0);
    printf("  reader closed: %d revents %#x\n", r, w.revents);
    close(p[1]);

    /* a full pipe is not writable */
    CHECK(pipe2(p, O_NONBLOCK) == 0);
    static char big[65536];
    long n = 0, k;
    while ((k = write(p[1], big, sizeof big)) > 0) n += k;
    w.fd = p[1];
    r = poll(&w, 1, 0);
    printf("  full pipe (%ld bytes): %d revents %#x\n", n, r, w.revents);
    CHECK(read(p[0], big, 8192) == 8192);
    r = poll(&w, 1, 0);
    printf("  after reading 8192: %d revents %#x\n", r, w.revents);
    close(p[0]);
    close(p[1]);

    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    errno = 0;
    r = poll(f, rl.rlim_cur + 1, 0);
    printf("  nfds over RLIMIT_NOFILE: %s\n", err(r));
    r = poll((struct pollfd *)8, 1, 0);
    printf("  bad pointer: %s\n", err(r));
    r = poll(0, 0, 0);
    printf("  nothing, no wait: %d\n", r);

    /* a signal ends a wait: EINTR under a handler */
    CHECK(pipe(p) == 0);
    handler(SIGALRM, 0);
    got_sig = 0;
    f[0].fd = p[0];
    f[0].events = POLLIN;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    alarm_ms(50);
    r = poll(f, 1, 5000);
    waited = ms_since(&t0);
    printf("  interrupted by SIGALRM: %s sig %d early %s\n", err(r), got_sig, waited < 4000 ? "yes" : "no");
    handler(SIGALRM, SA_RESTART);
    got_sig = 0;
    alarm_ms(50);
    r = poll(f, 1, 5000);
    printf("  with SA_RESTART (poll never restarts under a handler): %s sig %d\n", err(r), got_sig);
    /* nothing ready, no timeout, a timer armed: the signal ends it */
    got_sig = 0;
    alarm_ms(30);
    r = poll(f, 1, -1);
    printf("  no timeout, timer armed: %s sig %d\n", err(r), got_sig);
    close(p[0]);
    close(p[1]);
}

/* ---------------------------------------------------------------- ppoll, select, pselect6 */

static void test_ppoll(void) {
    printf("ppoll\n");
    int p[2];
    CHECK(pipe(p) == 0);
    struct pollfd f = {p[0], POLLIN, 0};
    struct timespec ts = {0, 50 * 1000000};
    int r = syscall(SYS_ppoll, &f, 1, &ts, 0, 8);
    printf("  timeout: %d, timespec left %ld.%09ld\n", r, (long)ts.tv_sec, ts.tv_nsec);
    ts.tv_nsec = 1000000000;
    r = syscall(SYS_ppoll, &f, 1, &ts, 0, 8);
    printf("  tv_nsec 1e9: %s\n", err(r));
    sigset_t block, old, now;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, &old);
    handler(SIGUSR1, 0);
    got_sig = 0;
    raise(SIGUSR1);
    sigset_t still = block;
    ts.tv_sec = 0;
    ts.tv_nsec = 0;
    r = ppoll(&f, 1, &ts, &still);
    printf("  pending SIGUSR1 kept blocked: %d sig %d\n", r, got_sig);
    sigset_t open_mask;
    sigemptyset(&open_mask);
    ts.tv_sec = 5;
    r = ppoll(&f, 1, &ts, &open_mask);
    sigprocmask(SIG_BLOCK, 0, &now);
    printf("  mask opened: %s sig %d, SIGUSR1 blocked again %d\n", err(r), got_sig, sigismember(&now, SIGUSR1));
    r = syscall(SYS_ppoll, &f, 1, 0, &open_mask, 4);
    printf("  sigsetsize 4: %s\n", err(r));
    sigprocmask(SIG_SETMASK, &old, 0);
    close(p[0]);
    close(p[1]);
}

static void test_select(void) {
    printf("select\n");
    int p[2];
    CHECK(pipe(p) == 0);
    fd_set rd, wr;
    FD_ZERO(&rd);
    FD_ZERO(&wr);
    FD_SET(p[0], &rd);
    FD_SET(p[1], &wr);
    struct timeval tv = {0, 0};
    int r = select(p[1] + 1, &rd, &wr, 0, &tv);
    printf("  empty pipe: %d read %d write %d\n", r, FD_ISSET(p[0], &rd), FD_ISSET(p[1], &wr));
    CHECK(write(p[1], "x", 1) == 1);
    FD_SET(p[0], &rd);
    FD_SET(p[1], &wr);
    r = select(p[1] + 1, &rd, &wr, 0, 0);
    printf("  with data: %d read %d write %d\n", r, FD_ISSET(p[0], &rd), FD_ISSET(p[1], &wr));
    char c;
    CHECK(read(p[0], &c, 1) == 1);
    /* the raw system call writes the time left back */
    FD_ZERO(&rd);
    FD_SET(p[0], &rd);
    tv.tv_sec = 0;
    tv.tv_usec = 50000;
    r = syscall(SYS_select, p[0] + 1, &rd, 0, 0, &tv);
    printf("  timeout (raw select): %d read %d, timeval left %ld.%06ld\n", r, FD_ISSET(p[0], &rd), (long)tv.tv_sec, (long)tv.tv_usec);
    tv.tv_sec = 5;
    tv.tv_usec = 0;
    FD_SET(p[0], &rd);
    handler(SIGALRM, 0);
    got_sig = 0;
    alarm_ms(50);
    r = syscall(SYS_select, p[0] + 1, &rd, 0, 0, &tv);
    printf("  interrupted (raw select): %s sig %d, time left in (4,5] s: %s, read bit kept %d\n", err(r), got_sig,
           (tv.tv_sec == 4 || (tv.tv_sec == 5 && tv.tv_usec == 0)) ? "yes" : "no", FD_ISSET(p[0], &rd));
    tv.tv_usec = -1;
    r = syscall(SYS_select, p[0] + 1, &rd, 0, 0, &tv);
    printf("  tv_usec -1: %s\n", err(r));
    FD_ZERO(&rd);
    FD_SET(p[1] + 5, &rd);
    tv.tv_sec = 0;
    tv.tv_usec = 0;
    r = select(p[1] + 6, &rd, 0, 0, &tv);
    printf("  closed descriptor: %s\n", err(r));
    r = syscall(SYS_select, -1, 0, 0, 0, &tv);
    printf("  n -1: %s\n", err(r));
    r = syscall(SYS_select, 0, 0, 0, 0, &tv);
    printf("  nothing: %d\n", r);

    /* pselect6 with a mask that lets a pending signal in */
    sigset_t block, old, empty;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, &old);
    handler(SIGUSR1, 0);
    got_sig = 0;
    raise(SIGUSR1);
    sigemptyset(&empty);
    struct timespec ts = {5, 0};
    FD_ZERO(&rd);
    FD_SET(p[0], &rd);
    struct { const sigset_t *ss; size_t len; } pack = {&empty, 8};
    r = syscall(SYS_pselect6, p[0] + 1, &rd, 0, 0, &ts, &pack);
    sigset_t now;
    sigprocmask(SIG_BLOCK, 0, &now);
    printf("  pselect6 mask opened: %s sig %d, SIGUSR1 blocked again %d\n", err(r), got_sig, sigismember(&now, SIGUSR1));
    pack.len = 16;
    r = syscall(SYS_pselect6, p[0] + 1, &rd, 0, 0, &ts, &pack);
    printf("  pselect6 sigsetsize 16: %s\n", err(r));
    ts.tv_sec = 0;
    ts.tv_nsec = 20000000;
    FD_SET(p[0], &rd);
    r = pselect(p[0] + 1, &rd, 0, 0, &ts, 0);
    printf("  pselect timeout: %d\n", r);
    sigprocmask(SIG_SETMASK, &old, 0);
    close(p[0]);
    close(p[1]);
}

/* ---------------------------------------------------------------- eventfd, memfd */

static void test_eventfd(void) {
    printf("eventfd\n");
    int fd = syscall(SYS_eventfd2, 3, O_NONBLOCK | O_CLOEXEC);
    CHECK(fd >= 0);
    uint64_t v = 0;
    struct pollfd f = {fd, POLLIN | POLLOUT, 0};
    int r = poll(&f, 1, 0);
    printf("  poll with 3: %d revents %#x, cloexec %d\n", r, f.revents, fcntl(fd, F_GETFD));
    long got = read(fd, &v, 8);
    printf("  read: %ld value %lu\n", got, (unsigned long)v);
    long n = read(fd, &v, 8);
    printf("  read at 0: %s\n", err(n));
    r = poll(&f, 1, 0);
    printf("  poll at 0: %d revents %#x\n", r, f.revents);
    v = 7;
    printf("  write 7: %ld\n", (long)write(fd, &v, 8));
    v = UINT64_MAX;
    n = write(fd, &v, 8);
    printf("  write ULLONG_MAX: %s\n", err(n));
    v = UINT64_MAX - 7;
    n = write(fd, &v, 8);
    printf("  write past the maximum: %s\n", err(n));
    n = read(fd, &v, 4);
    printf("  read 4 bytes: %s\n", err(n));
    struct stat st;
    fstat(fd, &st);
    printf("  fstat mode %o size %ld\n", st.st_mode, (long)st.st_size);
    n = lseek(fd, 0, SEEK_CUR);
    printf("  lseek: %s\n", err(n));
    close(fd);
    fd = syscall(SYS_eventfd2, 2, EFD_SEMAPHORE_);
    n = read(fd, &v, 8);
    printf("  semaphore: %ld value %lu", n, (unsigned long)v);
    n = read(fd, &v, 8);
    printf(", %ld value %lu\n", n, (unsigned long)v);
    printf("  F_GETFL %#o\n", fcntl(fd, F_GETFL) & ~0100000);
    close(fd);
    r = syscall(SYS_eventfd2, 0, 0100);
    printf("  bad flags: %s\n", err(r));
}

static void test_memfd(const char *dir) {
    (void)dir;
    printf("memfd\n");
    int fd = syscall(SYS_memfd_create, "lstar-test", MFD_CLOEXEC_);
    CHECK(fd >= 0);
    printf("  cloexec %d F_GETFL %#o\n", fcntl(fd, F_GETFD), fcntl(fd, F_GETFL) & ~0100000);
    CHECK(write(fd, "hello memfd", 11) == 11);
    char b[32] = {0};
    printf("  pread: %ld '%s'\n", (long)pread(fd, b, sizeof b - 1, 6), b);
    CHECK(ftruncate(fd, 8192) == 0);
    struct stat st;
    fstat(fd, &st);
    printf("  fstat: mode %o size %ld links %ld\n", st.st_mode, (long)st.st_size, (long)st.st_nlink);
    CHECK(fchmod(fd, 0640) == 0);
    fstat(fd, &st);
    printf("  after fchmod 0640: mode %o\n", st.st_mode);
    char *m = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(m != MAP_FAILED);
    printf("  mapped: '%.5s'\n", m);
    memcpy(m + 4096, "via the mapping", 15);
    memset(b, 0, sizeof b);
    printf("  pread of a store through the mapping: %ld '%s'\n", (long)pread(fd, b, 15, 4096), b);
    CHECK(pwrite(fd, "HELLO", 5, 0) == 5);
    printf("  the mapping sees pwrite: '%.5s'\n", m);
    munmap(m, 8192);
    close(fd);
    char name[300];
    memset(name, 'n', sizeof name);
    name[250] = 0;
    long r = syscall(SYS_memfd_create, name, 0);
    printf("  name of 250: %s\n", err(r));
    name[249] = 0;
    r = syscall(SYS_memfd_create, name, 0);
    printf("  name of 249: %s\n", r >= 0 ? "ok" : err(r));
    if (r >= 0) close(r);
    r = syscall(SYS_memfd_create, "x", 0x100);
    printf("  bad flags: %s\n", err(r));
    r = syscall(SYS_memfd_create, (char *)8, 0);
    printf("  bad name: %s\n", err(r));
}

/* ---------------------------------------------------------------- usage, groups, ids */

static void test_usage(void) {
    printf("usage\n");
    struct rusage ru;
    int r = getrusage(RUSAGE_SELF, &ru);
    printf("  getrusage SELF: %d maxrss>0 %d utime ok %d\n", r, ru.ru_maxrss > 0, ru.ru_utime.tv_usec >= 0 && ru.ru_utime.tv_usec < 1000000);
    r = getrusage(RUSAGE_CHILDREN, &ru);
    printf("  getrusage CHILDREN: %d utime %ld.%06ld\n", r, (long)ru.ru_utime.tv_sec, (long)ru.ru_utime.tv_usec);
    r = getrusage(RUSAGE_THREAD, &ru);
    printf("  getrusage THREAD: %d\n", r);
    r = syscall(SYS_getrusage, 5, &ru);
    printf("  getrusage 5: %s\n", err(r));
    r = syscall(SYS_getrusage, RUSAGE_SELF, 8);
    printf("  getrusage bad pointer: %s\n", err(r));
    struct tms t;
    clock_t c1 = times(&t);
    printf("  times: not -1 %d, utime>=0 %d, children 0 %d\n", c1 != (clock_t)-1, t.tms_utime >= 0, t.tms_cutime == 0 && t.tms_cstime == 0);
    clock_t c0 = syscall(SYS_times, 0);
    printf("  times(NULL) moves forward %d\n", c0 >= c1);
    struct timespec res;
    r = clock_getres(CLOCK_MONOTONIC, &res);
    printf("  clock_getres MONOTONIC: %d %ld.%09ld\n", r, (long)res.tv_sec, res.tv_nsec);
    r = clock_getres(CLOCK_REALTIME, &res);
    printf("  clock_getres REALTIME: %d %ld.%09ld\n", r, (long)res.tv_sec, res.tv_nsec);
    r = clock_getres(CLOCK_PROCESS_CPUTIME_ID, &res);
    printf("  clock_getres PROCESS_CPUTIME: %d %ld.%09ld\n", r, (long)res.tv_sec, res.tv_nsec);
    r = clock_getres(CLOCK_MONOTONIC_COARSE, &res);
    printf("  clock_getres MONOTONIC_COARSE: %d a tick of at least 1 ms %d\n", r, res.tv_sec == 0 && res.tv_nsec >= 1000000);
    r = syscall(SYS_clock_getres, CLOCK_MONOTONIC, 0);
    printf("  clock_getres NULL: %d\n", r);
    r = syscall(SYS_clock_getres, 99, &res);
    printf("  clock_getres 99: %s\n", err(r));
}

static void test_ids(void) {
    printf("groups and ids\n");
    pid_t pid = getpid();
    printf("  getpgrp == getpgid(0) == getpgid(self): %d\n", getpgrp() == getpgid(0) && getpgid(0) == getpgid(pid));
    printf("  getsid(0) == getsid(self): %d\n", getsid(0) == getsid(pid));
    long r = getpgid(-1);
    printf("  getpgid(-1): %s\n", err(r));
    r = getsid(0x7fffffff);
    printf("  getsid(no such pid): %s\n", err(r));
    r = setpgid(0, -1);
    printf("  setpgid(0, -1): %s\n", err(r));
    r = setpgid(0x7fffffff, 0);
    printf("  setpgid(no such pid, 0): %s\n", err(r));
    uid_t ru, eu, su;
    gid_t rg, eg, sg;
    getresuid(&ru, &eu, &su);
    getresgid(&rg, &eg, &sg);
    printf("  getresuid matches: %d getresgid matches: %d\n", ru == getuid() && eu == geteuid() && su == eu,
           rg == getgid() && eg == getegid() && sg == eg);
    printf("  setuid(self) %d setgid(self) %d setresuid(-1,-1,-1) %d setreuid(-1,-1) %d\n", setuid(getuid()), setgid(getgid()),
           setresuid(-1, -1, -1), setreuid(-1, -1));
    r = syscall(SYS_setuid, -1);
    printf("  setuid(-1): %s\n", err(r));
    r = syscall(SYS_getresuid, 8, &eu, &su);
    printf("  getresuid bad pointer: %s\n", err(r));
    int n = getgroups(0, 0);
    gid_t g[256];
    int m = getgroups(256, g);
    printf("  getgroups count %d == filled %d:", n >= 0, n == m);
    for (int i = 0; i < m; i++) printf(" %u", (unsigned)g[i]);
    printf("\n");
    if (n > 0) {
        r = getgroups(n - 1 > 0 ? n - 1 : 1, g);
        printf("  getgroups too small: %s\n", n > 1 ? err(r) : "-1 EINVAL");
    }
    r = syscall(SYS_getgroups, -1, g);
    printf("  getgroups -1: %s\n", err(r));
    unsigned long mask = 1;
    r = syscall(SYS_sched_setaffinity, 0, sizeof mask, &mask);
    printf("  sched_setaffinity CPU 0: %s\n", err(r));
    mask = 0;
    r = syscall(SYS_sched_setaffinity, 0, sizeof mask, &mask);
    printf("  sched_setaffinity empty: %s\n", err(r));
    r = syscall(SYS_sched_setaffinity, 0x7fffffff, sizeof mask, &mask);
    printf("  sched_setaffinity no such pid: %s\n", err(r));
    unsigned cpu = 99, node = 99;
    r = syscall(SYS_getcpu, &cpu, &node, 0);
    printf("  getcpu: %ld\n", r);
    static long head[3];
    head[0] = (long)head;
    r = syscall(SYS_set_robust_list, head, 24);
    void *h = 0;
    size_t len = 0;
    long r2 = syscall(SYS_get_robust_list, 0, &h, &len);
    printf("  robust list: set %ld get %ld same %d len %zu\n", r, r2, h == (void *)head, len);
    r = syscall(SYS_get_robust_list, 0x7fffffff, &h, &len);
    printf("  get_robust_list no such pid: %s\n", err(r));
}

/* ---------------------------------------------------------------- files */

static int mk(const char *dir, const char *name, const char *content) {
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    int fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (content) CHECK(write(fd, content, strlen(content)) == (long)strlen(content));
    return fd;
}

static void test_flock(const char *dir) {
    printf("flock\n");
    int a = mk(dir, "lock", 0);
    char p[512];
    snprintf(p, sizeof p, "%s/lock", dir);
    int b = open(p, O_RDONLY);
    int c = dup(a);
    printf("  a EX %d", flock(a, LOCK_EX));
    printf(", b EX|NB %s", err(flock(b, LOCK_EX | LOCK_NB)));
    printf(", b SH|NB %s", err(flock(b, LOCK_SH | LOCK_NB)));
    printf(", dup of a EX|NB %d\n", flock(c, LOCK_EX | LOCK_NB));
    printf("  a UN %d, b SH|NB %d, a SH|NB %d", flock(a, LOCK_UN), flock(b, LOCK_SH | LOCK_NB), flock(a, LOCK_SH | LOCK_NB));
    printf(", a EX|NB %s\n", err(flock(a, LOCK_EX | LOCK_NB)));
    close(b);
    printf("  b closed: a EX|NB %d\n", flock(a, LOCK_EX | LOCK_NB));
    printf("  bad fd %s", err(flock(999, LOCK_EX)));
    printf(", op 3 %s", err(flock(a, 3)));
    printf(", op 0 %s\n", err(flock(a, 0)));
    close(c);
    close(a);
}

/* fcntl record locks in one process: the argument checks of fs/locks.c, and no conflict with itself */
static void test_fcntl_locks(const char *dir) {
    printf("fcntl locks\n");
    char p[512];
    snprintf(p, sizeof p, "%s/lock", dir);
    int r = open(p, O_RDONLY), w = open(p, O_WRONLY);
    struct flock fl = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10};
    printf("  rd on ro %s", err(fcntl(r, F_SETLK, &fl)));
    fl.l_type = F_WRLCK;
    printf(", wr on ro %s", err(fcntl(r, F_SETLK, &fl)));
    printf(", wr on wo %s", err(fcntl(w, F_SETLK, &fl)));
    fl.l_type = F_RDLCK;
    printf(", rd on wo %s\n", err(fcntl(w, F_SETLK, &fl)));
    fl.l_type = F_WRLCK;
    printf("  getlk wr %s", err(fcntl(r, F_GETLK, &fl)));
    printf(" type %s", fl.l_type == F_UNLCK ? "F_UNLCK" : "locked");
    fl.l_type = F_UNLCK;
    printf(", getlk unlck %s", err(fcntl(r, F_GETLK, &fl)));
    fl.l_type = 7;
    printf(", type 7 %s", err(fcntl(r, F_SETLK, &fl)));
    fl.l_type = F_RDLCK;
    fl.l_whence = 5;
    printf(", whence 5 %s", err(fcntl(r, F_SETLK, &fl)));
    fl.l_whence = SEEK_SET;
    fl.l_start = -1;
    printf(", start -1 %s", err(fcntl(r, F_SETLK, &fl)));
    fl.l_start = 4;
    fl.l_len = -8;
    printf(", len -8 at 4 %s", err(fcntl(r, F_SETLK, &fl)));
    fl.l_type = F_UNLCK;
    fl.l_len = 0;
    printf(", unlock %s\n", err(fcntl(r, F_SETLK, &fl)));
    close(r);
    close(w);
}

static void test_fallocate(const char *dir) {
    printf("fallocate\n");
    int fd = mk(dir, "falloc", "abcdefgh");
    struct stat st;
    printf("  mode 0 to 10000: %d", fallocate(fd, 0, 5000, 5000));
    fstat(fd, &st);
    printf(" size %ld\n", (long)st.st_size);
    printf("  KEEP_SIZE past the end: %d", fallocate(fd, FALLOC_FL_KEEP_SIZE, 9000, 9000));
    fstat(fd, &st);
    printf(" size %ld\n", (long)st.st_size);
    printf("  PUNCH_HOLE|KEEP_SIZE: %d", fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 2, 3));
    char b[9] = {0};
    pread(fd, b, 8, 0);
    printf(" bytes %c%c%d%d%d%c%c%c\n", b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]);
    printf("  PUNCH_HOLE alone: %s", err(fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 1)));
    printf(", len 0: %s", err(fallocate(fd, 0, 0, 0)));
    printf(", offset -1: %s", err(fallocate(fd, 0, -1, 1)));
    printf(", mode 0x100: %s\n", err(fallocate(fd, 0x100, 0, 1)));
    /* (COLLAPSE_RANGE with other bits: EINVAL in 6.6, EOPNOTSUPP since 6.13: not printed) */
    int p[2];
    CHECK(pipe(p) == 0);
    printf("  pipe: %s", err(fallocate(p[1], 0, 0, 1)));
    printf(", read end: %s\n", err(fallocate(p[0], 0, 0, 1)));
    close(p[0]);
    close(p[1]);
    char path[512];
    snprintf(path, sizeof path, "%s/falloc", dir);
    int ro = open(path, O_RDONLY);
    printf("  read-only: %s", err(fallocate(ro, 0, 0, 1)));
    close(ro);
    int dn = open("/dev/null", O_WRONLY);
    printf(", /dev/null: %s\n", err(fallocate(dn, 0, 0, 1)));
    close(dn);
    close(fd);
}

static void test_copy(const char *dir) {
    printf("copy_file_range\n");
    int in = mk(dir, "src", "0123456789");
    int out = mk(dir, "dst", 0);
    loff_t oi = 2, oo = 0;
    long r = syscall(SYS_copy_file_range, in, &oi, out, &oo, 4, 0);
    char b[16] = {0};
    pread(out, b, 15, 0);
    printf("  with offsets: %ld '%s' off_in %ld off_out %ld pos_in %ld\n", r, b, (long)oi, (long)oo, (long)lseek(in, 0, SEEK_CUR));
    lseek(in, 6, SEEK_SET);
    r = syscall(SYS_copy_file_range, in, 0, out, 0, 100, 0);
    memset(b, 0, sizeof b);
    pread(out, b, 15, 0);
    printf("  with positions: %ld '%s' pos_in %ld pos_out %ld\n", r, b, (long)lseek(in, 0, SEEK_CUR), (long)lseek(out, 0, SEEK_CUR));
    r = syscall(SYS_copy_file_range, in, 0, out, 0, 100, 0);
    printf("  at the end: %ld\n", r);
    oi = 0;
    oo = 2;
    r = syscall(SYS_copy_file_range, in, &oi, in, &oo, 4, 0);
    printf("  overlapping in one file: %s", err(r));
    r = syscall(SYS_copy_file_range, in, 0, out, 0, 1, 1);
    printf(", flags 1: %s", err(r));
    int p[2];
    CHECK(pipe(p) == 0);
    r = syscall(SYS_copy_file_range, in, 0, p[1], 0, 1, 0);
    printf(", to a pipe: %s", err(r));
    r = syscall(SYS_copy_file_range, 999, 0, out, 0, 1, 0);
    printf(", bad fd: %s\n", err(r));
    close(p[0]);
    close(p[1]);
    char path[512];
    snprintf(path, sizeof path, "%s/src", dir);
    int ro = open(path, O_RDONLY);
    oi = 0;
    r = syscall(SYS_copy_file_range, in, &oi, ro, 0, 1, 0);
    printf("  to a read-only descriptor: %s\n", err(r));
    close(ro);
    close(in);
    close(out);
}

static void test_vectors(const char *dir) {
    printf("preadv/pwritev\n");
    int fd = mk(dir, "vec", "..........");
    struct iovec w[2] = {{"ab", 2}, {"cde", 3}};
    long r = pwritev(fd, w, 2, 3);
    char x[4] = {0}, y[8] = {0};
    struct iovec rv[2] = {{x, 3}, {y, 7}};
    long r2 = preadv(fd, rv, 2, 0);
    printf("  pwritev %ld preadv %ld '%s' '%s' position %ld\n", r, r2, x, y, (long)lseek(fd, 0, SEEK_CUR));
    lseek(fd, 4, SEEK_SET);
    memset(x, 0, sizeof x);
    struct iovec one = {x, 3};
    r = syscall(SYS_preadv2, fd, &one, 1, -1L, 0L, 0);
    printf("  preadv2 at -1 (the position): %ld '%s' position %ld\n", r, x, (long)lseek(fd, 0, SEEK_CUR));
    struct iovec tail = {"Z", 1};
    r = syscall(SYS_pwritev2, fd, &tail, 1, 0L, 0L, RWF_APPEND_);
    struct stat st;
    fstat(fd, &st);
    memset(x, 0, sizeof x);
    pread(fd, x, 1, 10);
    printf("  pwritev2 RWF_APPEND: %ld size %ld last '%s'\n", r, (long)st.st_size, x);
    r = preadv(fd, &one, 1, -2);
    printf("  offset -2: %s", err(r));
    int p[2];
    CHECK(pipe(p) == 0);
    r = preadv(p[0], &one, 1, 0);
    printf(", pipe: %s", err(r));
    r = pwritev(p[0], &one, 1, 0);
    printf(", pwritev to a read end: %s\n", err(r));
    close(p[0]);
    close(p[1]);
    close(fd);
}

static long oa2(int dfd, const char *path, uint64_t flags, uint64_t mode, uint64_t resolve, size_t size) {
    char buf[64];
    memset(buf, 0, sizeof buf);
    struct how h = {flags, mode, resolve};
    memcpy(buf, &h, sizeof h);
    return syscall(SYS_openat2, dfd, path, buf, size);
}

static const char *content(long fd) {
    static char b[32];
    if (fd < 0) return err(fd);
    memset(b, 0, sizeof b);
    pread(fd, b, sizeof b - 1, 0);
    close(fd);
    char *nl = strchr(b, '\n');
    if (nl) *nl = 0;
    return b;
}

static void test_openat2(const char *dir) {
    printf("openat2\n");
    char p[512];
    snprintf(p, sizeof p, "%s/d", dir);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/d/f", dir);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(write(fd, "in d\n", 5) == 5);
    close(fd);
    snprintf(p, sizeof p, "%s/x", dir);
    fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(write(fd, "beside d\n", 9) == 9);
    close(fd);
    snprintf(p, sizeof p, "%s/d/l", dir);
    symlink("f", p);
    snprintf(p, sizeof p, "%s/d/up", dir);
    symlink("../x", p);
    snprintf(p, sizeof p, "%s/d/abs", dir);
    symlink("/f", p);
    snprintf(p, sizeof p, "%s/d", dir);
    int d = open(p, O_RDONLY | O_DIRECTORY);
    printf("  f: %s\n", content(oa2(d, "f", O_RDONLY, 0, 0, 24)));
    printf("  l: %s", content(oa2(d, "l", O_RDONLY, 0, 0, 24)));
    printf(", l NO_SYMLINKS: %s", content(oa2(d, "l", O_RDONLY, 0, RESOLVE_NO_SYMLINKS_, 24)));
    long r = oa2(d, "l", O_PATH | O_NOFOLLOW, 0, RESOLVE_NO_SYMLINKS_, 24);
    printf(", l O_PATH|O_NOFOLLOW NO_SYMLINKS: %s\n", r >= 0 ? "ok" : err(r));
    if (r >= 0) close(r);
    printf("  ../x: %s", content(oa2(d, "../x", O_RDONLY, 0, 0, 24)));
    printf(", BENEATH: %s", content(oa2(d, "../x", O_RDONLY, 0, RESOLVE_BENEATH_, 24)));
    printf(", up BENEATH: %s", content(oa2(d, "up", O_RDONLY, 0, RESOLVE_BENEATH_, 24)));
    printf(", IN_ROOT: %s\n", content(oa2(d, "../x", O_RDONLY, 0, RESOLVE_IN_ROOT_, 24)));
    printf("  /f IN_ROOT: %s", content(oa2(d, "/f", O_RDONLY, 0, RESOLVE_IN_ROOT_, 24)));
    printf(", abs IN_ROOT: %s", content(oa2(d, "abs", O_RDONLY, 0, RESOLVE_IN_ROOT_, 24)));
    printf(", abs BENEATH: %s", content(oa2(d, "abs", O_RDONLY, 0, RESOLVE_BENEATH_, 24)));
    printf(", ./l/../f BENEATH: %s\n", content(oa2(d, "./l/../f", O_RDONLY, 0, RESOLVE_BENEATH_, 24)));
    printf("  /proc/self/exe NO_MAGICLINKS: %s", content(oa2(AT_FDCWD, "/proc/self/exe", O_RDONLY, 0, RESOLVE_NO_MAGICLINKS_, 24)));
    printf(", f NO_XDEV: %s\n", content(oa2(d, "f", O_RDONLY, 0, RESOLVE_NO_XDEV_, 24)));
    printf("  size 16: %s", content(oa2(d, "f", O_RDONLY, 0, 0, 16)));
    printf(", size 32: %s", content(oa2(d, "f", O_RDONLY, 0, 0, 32)));
    printf(", size 8192: %s", content(oa2(d, "f", O_RDONLY, 0, 0, 8192)));
    char big[40] = {0};
    struct how h = {O_RDONLY, 0, 0};
    memcpy(big, &h, sizeof h);
    big[30] = 1;
    r = syscall(SYS_openat2, d, "f", big, 32);
    printf(", nonzero tail: %s\n", err(r));
    printf("  mode without O_CREAT: %s", content(oa2(d, "f", O_RDONLY, 0644, 0, 24)));
    printf(", mode 010000: %s", content(oa2(d, "n", O_RDWR | O_CREAT, 010000, 0, 24)));
    printf(", flag bit 40: %s", content(oa2(d, "f", O_RDONLY | (1ULL << 40), 0, 0, 24)));
    printf(", BENEATH|IN_ROOT: %s", content(oa2(d, "f", O_RDONLY, 0, RESOLVE_BENEATH_ | RESOLVE_IN_ROOT_, 24)));
    printf(", resolve 0x40: %s\n", content(oa2(d, "f", O_RDONLY, 0, 0x40, 24)));
    printf("  CACHED|O_CREAT: %s", content(oa2(d, "f", O_RDWR | O_CREAT, 0644, RESOLVE_CACHED_, 24)));
    printf(", O_PATH|O_RDWR: %s", content(oa2(d, "f", O_PATH | O_RDWR, 0, 0, 24)));
    printf(", O_DIRECTORY|O_CREAT: %s", content(oa2(d, "nd", O_DIRECTORY | O_CREAT, 0755, 0, 24)));
    r = open("nd-open", O_DIRECTORY | O_CREAT, 0755);
    printf(", open O_DIRECTORY|O_CREAT: %s\n", err(r));
    close(d);
}

int main(int argc, char **argv) {
    setvbuf(stdout, 0, _IOLBF, 0);
    if (argc < 2) { printf("usage: sysmisc DIR\n"); return 2; }
    const char *dir = argv[1];
    test_poll();
    test_ppoll();
    test_select();
    test_eventfd();
    test_memfd(dir);
    test_usage();
    test_ids();
    test_flock(dir);
    test_fcntl_locks(dir);
    test_fallocate(dir);
    test_copy(dir);
    test_vectors(dir);
    test_openat2(dir);
    sync();
    printf("failures %d\n", failures);
    return failures != 0;
}
