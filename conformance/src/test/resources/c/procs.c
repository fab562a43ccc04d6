/*
 * Processes as a Linux program sees them: fork, vfork, execve, wait4/waitpid/waitid, SIGCHLD,
 * pipes, close-on-exec, system(), posix_spawn, process groups and sessions, orphans, copy on
 * fork. One mode per argv[1]; the output is deterministic (no pids, no timings: relations such
 * as "si_pid==child: 1"), so a native run and an lstar run can be compared line by line.
 *
 *   procs MODE            one of the modes in the table at the end; status 0 when every check
 *                         held (the "exit-main" mode ends with 77 on purpose)
 *   procs                 lists the modes
 *
 * Output goes through write(2) one line at a time (say()), never through a stdio buffer that a
 * fork would duplicate. The program re-executes itself through /proc/self/exe for its helper
 * modes (echo-args, check-fds, gen, filter, sum, ...). Built with gcc -static (glibc) and
 * musl-gcc -static by ProcessesTest.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define SELF "/proc/self/exe"

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

#define CHECK(cond) do { if (!(cond)) { say("  FAILED: %s (line %d, errno %s)\n", #cond, __LINE__, strerrorname(errno)); failures++; } } while (0)

/* errno names rather than messages: glibc and musl word their messages differently */
static const char *strerrorname(int e) {
    switch (e) {
    case 0: return "0";
    case ECHILD: return "ECHILD";
    case ENOENT: return "ENOENT";
    case EACCES: return "EACCES";
    case ENOEXEC: return "ENOEXEC";
    case EBADF: return "EBADF";
    case EAGAIN: return "EAGAIN";
    case EPERM: return "EPERM";
    case EINTR: return "EINTR";
    case EPIPE: return "EPIPE";
    case ESRCH: return "ESRCH";
    case EINVAL: return "EINVAL";
    case ENOTDIR: return "ENOTDIR";
    case ENOSYS: return "ENOSYS";
    default: return "E?";
    }
}

/* "N" for a result that is not -1, else "-1 ENAME": errno is read after the call, whatever the
 * order in which a printf's arguments are evaluated */
static const char *rc(long r) {
    static char bufs[4][32];
    static int next;
    char *b = bufs[next++ & 3];
    if (r == -1) snprintf(b, 32, "-1 %s", strerrorname(errno));
    else snprintf(b, 32, "%ld", r);
    return b;
}

static void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) && errno == EINTR) {}
}

static pid_t xfork(void) {
    pid_t p = fork();
    if (p < 0) { say("fork: %s\n", strerrorname(errno)); exit(3); }
    return p;
}

/* "exited N" / "killed by SIGNAME" / "stopped" */
static const char *signame(int s) {
    switch (s) {
    case SIGTERM: return "SIGTERM";
    case SIGABRT: return "SIGABRT";
    case SIGKILL: return "SIGKILL";
    case SIGSEGV: return "SIGSEGV";
    case SIGUSR1: return "SIGUSR1";
    case SIGUSR2: return "SIGUSR2";
    case SIGPIPE: return "SIGPIPE";
    case SIGCHLD: return "SIGCHLD";
    case SIGINT: return "SIGINT";
    case SIGHUP: return "SIGHUP";
    default: return "SIG?";
    }
}

static void describe(const char *what, int st) {
    if (WIFEXITED(st)) say("%s: WIFEXITED 1 WEXITSTATUS %d\n", what, WEXITSTATUS(st));
    else if (WIFSIGNALED(st)) say("%s: WIFSIGNALED 1 WTERMSIG %s\n", what, signame(WTERMSIG(st)));
    else say("%s: status 0x%x\n", what, st);
}

static int wait_for(pid_t p) {
    int st = -1;
    pid_t r;
    while ((r = waitpid(p, &st, 0)) < 0 && errno == EINTR) {}
    CHECK(r == p);
    return st;
}

static void run_self(char *const argv[]) {
    execve(SELF, argv, environ);
    say("execve self: %s\n", strerrorname(errno));
    _exit(127);
}

/* ------------------------------------------------------------------ helper modes (exec'd) */

static int m_echo_args(int argc, char **argv) {
    say("echo-args: argc %d\n", argc);
    for (int i = 2; i < argc; i++) say("  argv[%d] \"%s\"\n", i, argv[i]);
    const char *e = getenv("PROCS_VAR");
    say("  PROCS_VAR %s\n", e ? e : "(unset)");
    return argc > 2 && strcmp(argv[argc - 1], "fail") == 0 ? 9 : 0;
}

/* check-fds N...: for each fd, open or not, and its FD_CLOEXEC bit */
static int m_check_fds(int argc, char **argv) {
    for (int i = 2; i < argc; i++) {
        int fd = atoi(argv[i]);
        errno = 0;
        int f = fcntl(fd, F_GETFD);
        if (f < 0) say("  fd %s: closed (%s)\n", argv[i], strerrorname(errno));
        else say("  fd %s: open, FD_CLOEXEC %d\n", argv[i], f & FD_CLOEXEC);
    }
    return 0;
}

/* gen N: the numbers 1..N, one a line */
static int m_gen(int argc, char **argv) {
    int n = argc > 2 ? atoi(argv[2]) : 10;
    FILE *o = stdout;
    for (int i = 1; i <= n; i++) fprintf(o, "%d\n", i);
    return 0;
}

/* filter: the multiples of 3 from stdin, times ten */
static int m_filter(int argc, char **argv) {
    (void)argc; (void)argv;
    char line[64];
    while (fgets(line, sizeof line, stdin)) {
        int v = atoi(line);
        if (v % 3 == 0) printf("%d\n", v * 10);
    }
    return 0;
}

/* sum: the count and sum of the numbers on stdin */
static int m_sum(int argc, char **argv) {
    (void)argc; (void)argv;
    char line[64];
    long s = 0, n = 0;
    while (fgets(line, sizeof line, stdin)) { s += atol(line); n++; }
    printf("sum: %ld numbers, total %ld\n", n, s);
    return 0;
}

/* ------------------------------------------------------------------ the tests */

static int m_exit_codes(void) {
    int codes[] = {0, 1, 42, 127, 255, 256, 300};
    for (int i = 0; i < 7; i++) {
        pid_t p = xfork();
        if (p == 0) _exit(codes[i]);
        int st = 0;
        struct rusage ru;
        pid_t r = wait4(p, &st, 0, &ru);
        CHECK(r == p);
        char what[32];
        snprintf(what, sizeof what, "_exit(%d)", codes[i]);
        describe(what, st);
    }
    /* exit() runs atexit handlers and flushes stdio in the child */
    pid_t p = xfork();
    if (p == 0) {
        printf("child: unflushed stdio text");
        exit(12);
    }
    int st = wait_for(p);
    say("\n");
    describe("exit(12)", st);
    return 0;
}

static int m_killed(void) {
    struct rlimit nocore = {0, 0};
    setrlimit(RLIMIT_CORE, &nocore);
    pid_t p = xfork();
    if (p == 0) { raise(SIGTERM); _exit(1); }
    describe("raise(SIGTERM)", wait_for(p));
    p = xfork();
    if (p == 0) { abort(); }
    describe("abort()", wait_for(p));
    p = xfork();
    if (p == 0) { kill(getpid(), SIGKILL); _exit(1); }
    describe("kill(self, SIGKILL)", wait_for(p));
    p = xfork();
    if (p == 0) { { volatile int *np = (volatile int *)(uintptr_t)getpid(); np = (volatile int *)((uintptr_t)np & 0); *np = 1; } _exit(1); }
    describe("null store", wait_for(p));
    /* a child blocked in pause, killed by its parent */
    int ready[2];
    pipe(ready);
    p = xfork();
    if (p == 0) { close(ready[0]); write(ready[1], "r", 1); for (;;) pause(); }
    close(ready[1]);
    char c;
    CHECK(read(ready[0], &c, 1) == 1);
    CHECK(kill(p, SIGUSR2) == 0);
    describe("kill(child, SIGUSR2)", wait_for(p));
    /* a signal the child handles does not end it */
    p = xfork();
    if (p == 0) {
        signal(SIGINT, SIG_IGN);
        raise(SIGINT);
        _exit(33);
    }
    describe("ignored SIGINT", wait_for(p));
    close(ready[0]);
    return 0;
}

static int m_wnohang(void) {
    int go[2];
    pipe(go);
    pid_t p = xfork();
    if (p == 0) {
        close(go[1]);
        char c;
        read(go[0], &c, 1); /* EOF when the parent closes its end */
        _exit(5);
    }
    close(go[0]);
    int st = -1;
    pid_t r = waitpid(p, &st, WNOHANG);
    say("WNOHANG while running: returns %d\n", (int)r);
    close(go[1]);
    int polls = 0;
    while ((r = waitpid(p, &st, WNOHANG)) == 0) { sleep_ms(1); polls++; }
    say("WNOHANG after exit: ==child %d\n", r == p);
    describe("status", st);
    errno = 0;
    r = waitpid(p, &st, WNOHANG);
    say("WNOHANG again: %s\n", rc(r));
    /* waitid: WNOWAIT leaves the zombie in place */
    p = xfork();
    if (p == 0) _exit(6);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    CHECK(waitid(P_PID, p, &si, WEXITED | WNOWAIT) == 0);
    say("waitid WNOWAIT: si_pid==child %d si_code==CLD_EXITED %d si_status %d\n", si.si_pid == p, si.si_code == CLD_EXITED,
        si.si_status);
    memset(&si, 0, sizeof si);
    CHECK(waitid(P_ALL, 0, &si, WEXITED | WNOHANG) == 0);
    say("waitid P_ALL WNOHANG: si_pid==child %d si_status %d\n", si.si_pid == p, si.si_status);
    memset(&si, 0, sizeof si);
    CHECK(waitid(P_ALL, 0, &si, WEXITED | WNOHANG) == -1);
    say("waitid after reaping: %s\n", strerrorname(errno));
    return 0;
}

/* Children exit in a chosen order (each waits for its own token); wait(-1) returns each as it
 * exits. Then three zombies at once: Linux's wait scans the children oldest first. */
static int m_reap_order(void) {
    enum { N = 3 };
    int tok[N][2];
    pid_t pids[N];
    for (int i = 0; i < N; i++) {
        pipe(tok[i]);
        pids[i] = xfork();
        if (pids[i] == 0) {
            char c;
            for (int j = 0; j <= i; j++) close(tok[j][1]); /* only the parent holds child i's token */
            read(tok[i][0], &c, 1);
            _exit(20 + i);
        }
        close(tok[i][0]);
    }
    int order[N] = {2, 0, 1};
    for (int k = 0; k < N; k++) {
        close(tok[order[k]][1]);
        int st;
        pid_t r = wait(&st);
        int idx = -1;
        for (int i = 0; i < N; i++) if (pids[i] == r) idx = i;
        say("wait(-1) #%d: child %d, status %d\n", k, idx, WEXITSTATUS(st));
    }
    for (int i = 0; i < N; i++) {
        pids[i] = xfork();
        if (pids[i] == 0) _exit(30 + i);
    }
    /* every child a zombie before any is reaped */
    for (int i = N - 1; i >= 0; i--) {
        siginfo_t si;
        CHECK(waitid(P_PID, pids[i], &si, WEXITED | WNOWAIT) == 0);
    }
    for (int k = 0; k < N; k++) {
        int st;
        pid_t r = waitpid(-1, &st, 0);
        int idx = -1;
        for (int i = 0; i < N; i++) if (pids[i] == r) idx = i;
        say("zombies reaped #%d: child %d, status %d\n", k, idx, WEXITSTATUS(st));
    }
    errno = 0;
    say("then: %s\n", rc(wait(NULL)));
    return 0;
}

static int m_echild(void) {
    errno = 0;
    say("wait, no children: %s\n", rc(wait(NULL)));
    errno = 0;
    say("waitpid(getppid()): %s\n", rc(waitpid(getppid(), NULL, 0)));
    errno = 0;
    say("waitpid(getpid()): %s\n", rc(waitpid(getpid(), NULL, WNOHANG)));
    errno = 0;
    say("waitpid(-1, WNOHANG): %s\n", rc(waitpid(-1, NULL, WNOHANG)));
    errno = 0;
    say("waitpid bad options: %s\n", rc(waitpid(-1, NULL, 0x100)));
    /* a grandchild is not a child */
    int pp[2];
    pipe(pp);
    pid_t p = xfork();
    if (p == 0) {
        pid_t g = xfork();
        if (g == 0) _exit(0);
        write(pp[1], &g, sizeof g);
        waitpid(g, NULL, 0);
        _exit(0);
    }
    pid_t g;
    read(pp[0], &g, sizeof g);
    errno = 0;
    say("waitpid(grandchild): %s\n", rc(waitpid(g, NULL, WNOHANG)));
    wait_for(p);
    return 0;
}

static volatile sig_atomic_t chld_count, chld_code, chld_status, chld_pid, chld_uid_ok;
static void on_chld(int sig, siginfo_t *si, void *uc) {
    (void)sig; (void)uc;
    chld_count++;
    chld_code = si->si_code;
    chld_status = si->si_status;
    chld_pid = si->si_pid;
    chld_uid_ok = si->si_uid == getuid();
}

static const char *cldname(int c) {
    switch (c) {
    case CLD_EXITED: return "CLD_EXITED";
    case CLD_KILLED: return "CLD_KILLED";
    case CLD_DUMPED: return "CLD_DUMPED";
    case CLD_STOPPED: return "CLD_STOPPED";
    case CLD_CONTINUED: return "CLD_CONTINUED";
    default: return "CLD_?";
    }
}

static int m_sigchld(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_chld;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGCHLD, &sa, 0);
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGCHLD);
    sigprocmask(SIG_BLOCK, &block, &old);

    pid_t p = xfork();
    if (p == 0) _exit(7);
    while (chld_count == 0) sigsuspend(&old);
    say("exit: count %d si_code %s si_status %d si_pid==child %d si_uid ok %d\n", (int)chld_count, cldname(chld_code),
        (int)chld_status, chld_pid == p, (int)chld_uid_ok);
    describe("exit", wait_for(p));

    chld_count = 0;
    p = xfork();
    if (p == 0) { raise(SIGKILL); _exit(1); }
    while (chld_count == 0) sigsuspend(&old);
    say("killed: count %d si_code %s si_status %s si_pid==child %d\n", (int)chld_count, cldname(chld_code),
        signame(chld_status), chld_pid == p);
    describe("killed", wait_for(p));

    /* SIGCHLD interrupts a blocking read without SA_RESTART: EINTR */
    sigprocmask(SIG_SETMASK, &old, 0);
    chld_count = 0;
    int pp[2];
    pipe(pp);
    p = xfork();
    if (p == 0) { sleep_ms(20); _exit(0); }
    char c;
    errno = 0;
    ssize_t r = read(pp[0], &c, 1);
    say("read interrupted by SIGCHLD: %d %s count %d\n", (int)r, strerrorname(errno), (int)chld_count);
    wait_for(p);

    /* with SA_RESTART the read goes on (the child then writes a byte) */
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaction(SIGCHLD, &sa, 0);
    chld_count = 0;
    pid_t q = xfork();
    if (q == 0) _exit(0);
    p = xfork();
    if (p == 0) { sleep_ms(30); write(pp[1], "x", 1); _exit(0); }
    errno = 0;
    r = read(pp[0], &c, 1);
    say("read with SA_RESTART: %d %c\n", (int)r, r == 1 ? c : '?');
    wait_for(p);
    wait_for(q);
    return 0;
}

static int m_nocldwait(void) {
    for (int k = 0; k < 2; k++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        if (k == 0) {
            sa.sa_handler = SIG_DFL;
            sa.sa_flags = SA_NOCLDWAIT;
        } else {
            sa.sa_handler = SIG_IGN;
        }
        sigaction(SIGCHLD, &sa, 0);
        pid_t p1 = xfork();
        if (p1 == 0) _exit(1);
        pid_t p2 = xfork();
        if (p2 == 0) { sleep_ms(20); _exit(2); }
        errno = 0;
        int st;
        pid_t r = wait(&st); /* blocks until both are gone, then ECHILD */
        say("%s: wait %d %s\n", k == 0 ? "SA_NOCLDWAIT" : "SIGCHLD SIG_IGN", (int)r, strerrorname(errno));
        errno = 0;
        r = waitpid(p1, &st, WNOHANG);
        say("  waitpid(first child) %s\n", rc(r));
    }
    signal(SIGCHLD, SIG_DFL);
    pid_t p = xfork();
    if (p == 0) _exit(3);
    describe("SIG_DFL again", wait_for(p));
    return 0;
}

static volatile int vfork_shared;

static int m_vfork(void) {
    vfork_shared = 1;
    pid_t p = vfork();
    if (p == 0) {
        vfork_shared = 2; /* the parent's memory: it sleeps until _exit */
        _exit(5);
    }
    CHECK(p > 0);
    say("after vfork: parent sees the child's store %d\n", vfork_shared == 2);
    describe("vfork+_exit", wait_for(p));

    char *args[] = {"procs", "echo-args", "from vfork", NULL};
    p = vfork();
    if (p == 0) {
        execve(SELF, args, environ);
        _exit(127);
    }
    describe("vfork+execve", wait_for(p));

    p = vfork();
    if (p == 0) {
        execve("/nonexistent/program", args, environ);
        _exit(errno == ENOENT ? 44 : 45);
    }
    describe("vfork+failed execve", wait_for(p));
    return 0;
}

static int m_exec_self(void) {
    setenv("PROCS_VAR", "passed", 1);
    char *args[] = {"procs", "echo-args", "a", "b c", "", "fail", NULL};
    pid_t p = xfork();
    if (p == 0) run_self(args);
    describe("fork+execve self", wait_for(p));
    /* an explicit environment replaces the old one */
    char *env[] = {"PROCS_VAR=explicit", NULL};
    char *args2[] = {"procs", "echo-args", NULL};
    p = xfork();
    if (p == 0) { execve(SELF, args2, env); _exit(127); }
    describe("execve with envp", wait_for(p));
    /* handlers are reset to SIG_DFL, ignored signals stay ignored, the mask stays */
    p = xfork();
    if (p == 0) {
        signal(SIGUSR1, SIG_IGN);
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = (void (*)(int))on_chld;
        sigaction(SIGUSR2, &sa, 0);
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, SIGHUP);
        sigprocmask(SIG_BLOCK, &s, 0);
        char *a[] = {"procs", "check-signals", NULL};
        run_self(a);
    }
    describe("exec keeps SIG_IGN and mask", wait_for(p));
    return 0;
}

static int m_check_signals(void) {
    struct sigaction sa;
    sigaction(SIGUSR1, 0, &sa);
    say("  SIGUSR1 ignored %d\n", sa.sa_handler == SIG_IGN);
    sigaction(SIGUSR2, 0, &sa);
    say("  SIGUSR2 default %d\n", sa.sa_handler == SIG_DFL);
    sigset_t s;
    sigprocmask(SIG_BLOCK, 0, &s);
    say("  SIGHUP blocked %d\n", sigismember(&s, SIGHUP));
    return 0;
}

static int m_exec_fail(void) {
    char *args[] = {"x", NULL};
    errno = 0;
    say("execve missing file: %s\n", rc(execve("/nonexistent/program", args, environ)));
    errno = 0;
    say("execve through a file: %s\n", rc(execve("/etc/passwd/x", args, environ)));
    errno = 0;
    say("execve directory: %s\n", rc(execve("/", args, environ)));
    char path[] = "/tmp/procs-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    write(fd, "\x01\x02\x03\x04garbage, not a program\n", 26);
    close(fd);
    chmod(path, 0644);
    errno = 0;
    say("execve no x bit: %s\n", rc(execve(path, args, environ)));
    chmod(path, 0755);
    errno = 0;
    say("execve not ELF, no #!: %s\n", rc(execve(path, args, environ)));
    /* execvp of a non-ELF executable falls back to /bin/sh for a script: not here, only errors */
    unlink(path);
    say("still running: 1\n");
    return 0;
}

static int m_cloexec(void) {
    int a = open("/dev/null", O_RDONLY);
    int b = open("/dev/null", O_RDONLY | O_CLOEXEC);
    int pp[2];
    pipe2(pp, O_CLOEXEC);
    int c = dup(b); /* dup clears FD_CLOEXEC */
    int d = fcntl(a, F_DUPFD_CLOEXEC, 20);
    int e = dup3(a, 30, O_CLOEXEC);
    int f = open("/dev/null", O_RDONLY);
    fcntl(f, F_SETFD, FD_CLOEXEC);
    fcntl(f, F_SETFD, 0); /* and back */
    int g = open("/dev/null", O_RDONLY);
    fcntl(g, F_SETFD, FD_CLOEXEC);
    int fds[] = {a, b, pp[0], pp[1], c, d, e, f, g};
    const char *names[] = {"plain", "O_CLOEXEC", "pipe2 O_CLOEXEC read", "pipe2 O_CLOEXEC write", "dup of O_CLOEXEC",
                           "F_DUPFD_CLOEXEC", "dup3 O_CLOEXEC", "F_SETFD 0", "F_SETFD FD_CLOEXEC"};
    char *args[16];
    char num[9][12];
    args[0] = "procs";
    args[1] = "check-fds";
    for (int i = 0; i < 9; i++) {
        snprintf(num[i], sizeof num[i], "%d", fds[i]);
        args[2 + i] = num[i];
        say("fd %d is %s\n", fds[i], names[i]);
    }
    args[11] = NULL;
    say("before exec:\n");
    m_check_fds(11, args);
    pid_t p = xfork();
    if (p == 0) {
        say("in the forked child:\n");
        m_check_fds(11, args);
        say("after exec:\n");
        run_self(args);
    }
    describe("child", wait_for(p));
    return 0;
}

static int m_pipe(void) {
    /* one child writes 200000 bytes (more than the pipe holds), the parent reads to EOF */
    int pp[2];
    pipe(pp);
    pid_t p = xfork();
    if (p == 0) {
        close(pp[0]);
        static char buf[200000];
        for (int i = 0; i < (int)sizeof buf; i++) buf[i] = (char)(i * 7 + i / 251);
        size_t off = 0;
        while (off < sizeof buf) {
            ssize_t w = write(pp[1], buf + off, sizeof buf - off);
            if (w <= 0) _exit(1);
            off += w;
        }
        _exit(0);
    }
    close(pp[1]);
    unsigned long sum = 0, n = 0;
    char buf[4096];
    ssize_t r;
    int ok = 1;
    while ((r = read(pp[0], buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < r; i++, n++) {
            ok &= buf[i] == (char)(n * 7 + n / 251);
            sum += (unsigned char)buf[i];
        }
    }
    say("read %lu bytes, content ok %d, sum %lu, last read %d\n", n, ok, sum, (int)r);
    describe("writer", wait_for(p));
    close(pp[0]);

    /* two writers; EOF only after every write end is closed, the parent's own included */
    pipe(pp);
    int order[2]; /* writer 1 writes after writer 0 has (a token through a second pipe): a fixed order */
    pipe(order);
    pid_t w[2];
    for (int i = 0; i < 2; i++) {
        w[i] = xfork();
        if (w[i] == 0) {
            close(pp[0]);
            char msg[32], token = 't';
            int len = snprintf(msg, sizeof msg, "from writer %d\n", i);
            if (i == 1 && read(order[0], &token, 1) != 1) _exit(3);
            write(pp[1], msg, len);
            if (i == 0) write(order[1], &token, 1);
            _exit(0);
        }
    }
    close(order[0]);
    close(order[1]);
    wait_for(w[0]);
    wait_for(w[1]);
    fcntl(pp[0], F_SETFL, O_NONBLOCK);
    char got[128];
    r = read(pp[0], got, sizeof got);
    say("both writers gone, parent's write end open: read %d bytes\n", (int)r);
    if (r > 0) say("%.*s", (int)r, got);
    errno = 0;
    r = read(pp[0], got, sizeof got);
    say("then: %s\n", rc(r));
    close(pp[1]);
    r = read(pp[0], got, sizeof got);
    say("after closing it: %d (EOF)\n", (int)r);
    close(pp[0]);

    /* no reader: EPIPE (SIGPIPE ignored), and SIGPIPE kills a child that does not ignore it */
    pipe(pp);
    close(pp[0]);
    signal(SIGPIPE, SIG_IGN);
    errno = 0;
    r = write(pp[1], "x", 1);
    say("write without a reader: %s\n", rc(r));
    p = xfork();
    if (p == 0) { signal(SIGPIPE, SIG_DFL); write(pp[1], "x", 1); _exit(1); }
    describe("writer without a reader", wait_for(p));
    close(pp[1]);
    return 0;
}

static int m_pipeline(void) {
    /* self gen 30 | self filter | self sum */
    char *stages[3][4] = {{"procs", "gen", "30", NULL}, {"procs", "filter", NULL}, {"procs", "sum", NULL}};
    int p1[2], p2[2];
    pipe(p1);
    pipe(p2);
    pid_t pids[3];
    for (int i = 0; i < 3; i++) {
        pids[i] = xfork();
        if (pids[i] == 0) {
            if (i > 0) dup2(i == 1 ? p1[0] : p2[0], 0);
            if (i < 2) dup2(i == 0 ? p1[1] : p2[1], 1);
            close(p1[0]); close(p1[1]); close(p2[0]); close(p2[1]);
            run_self(stages[i]);
        }
    }
    close(p1[0]); close(p1[1]); close(p2[0]); close(p2[1]);
    int st[3];
    for (int i = 0; i < 3; i++) st[i] = wait_for(pids[i]); /* the last stage has printed */
    for (int i = 0; i < 3; i++) {
        char what[16];
        snprintf(what, sizeof what, "stage %d", i);
        describe(what, st[i]);
    }
    return 0;
}

static int m_system(void) {
    say("system(NULL) != 0: %d\n", system(NULL) != 0);
    int st = system("exit 3");
    describe("system(\"exit 3\")", st);
    st = system("echo hi");
    describe("system(\"echo hi\")", st);
    st = system("kill -TERM $$");
    describe("system(\"kill -TERM $$\")", st);
    st = system("/nonexistent/cmd 2>/dev/null");
    describe("system(missing command)", st);
    st = system("echo piped | tr a-z A-Z");
    describe("system(pipeline)", st);
    return 0;
}

static int m_spawn(void) {
    pid_t p;
    char *args[] = {"procs", "echo-args", "spawned", NULL};
    int r = posix_spawn(&p, SELF, NULL, NULL, args, environ);
    int st = wait_for(p);
    say("posix_spawn: %d\n", r);
    describe("spawned", st);

    /* file actions: the child's stdout into a pipe */
    int pp[2];
    pipe(pp);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pp[1], 1);
    posix_spawn_file_actions_addclose(&fa, pp[0]);
    char *args2[] = {"procs", "gen", "5", NULL};
    r = posix_spawn(&p, SELF, &fa, NULL, args2, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(pp[1]);
    char buf[64];
    int n = 0;
    ssize_t k;
    while ((k = read(pp[0], buf + n, sizeof buf - 1 - n)) > 0) n += k;
    buf[n] = 0;
    close(pp[0]);
    say("posix_spawn with dup2: %d, the child wrote %d bytes: %s", r, n, buf);
    describe("spawned gen", wait_for(p));

    /* attributes: a signal mask and a default action */
    posix_spawnattr_t at;
    posix_spawnattr_init(&at);
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGHUP);
    posix_spawnattr_setsigmask(&at, &s);
    sigemptyset(&s);
    sigaddset(&s, SIGUSR2);
    posix_spawnattr_setsigdefault(&at, &s);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    signal(SIGUSR1, SIG_IGN);
    signal(SIGUSR2, SIG_IGN);
    char *args3[] = {"procs", "check-signals", NULL};
    r = posix_spawn(&p, SELF, NULL, &at, args3, environ);
    posix_spawnattr_destroy(&at);
    st = wait_for(p);
    say("posix_spawn with attributes: %d\n", r);
    describe("spawned check-signals", st);
    signal(SIGUSR1, SIG_DFL);
    signal(SIGUSR2, SIG_DFL);

    /* a missing program: the error comes back from posix_spawn itself */
    char *args4[] = {"x", NULL};
    r = posix_spawn(&p, "/nonexistent/program", NULL, NULL, args4, environ);
    say("posix_spawn missing: %s\n", strerrorname(r));
    if (r == 0) wait_for(p); /* an old glibc reports it as exit status 127 instead */
    errno = 0;
    say("then wait: %s\n", rc(wait(NULL)));
    return 0;
}

static volatile sig_atomic_t usr1;
static void on_usr1(int s) { (void)s; usr1++; }

/* runs in a child of main, which makes itself a group leader first: kill(-pgid) never reaches
 * whoever started the program */
static int pgrp_leader(void) {
    pid_t me = getpid();
    CHECK(setpgid(0, 0) == 0);
    say("setpgid(0,0): getpgid(0)==getpid %d getpgrp()==getpid %d\n", getpgid(0) == me, getpgrp() == me);
    if (getpgid(0) != me) return 1;
    signal(SIGUSR1, SIG_IGN); /* the group's leader gets the signal too */
    int ready[2];
    pipe(ready);
    pid_t kids[2];
    for (int i = 0; i < 2; i++) {
        kids[i] = xfork();
        if (kids[i] == 0) {
            close(ready[0]);
            if (i == 0) {
                signal(SIGUSR1, on_usr1);
                sigset_t b, o;
                sigemptyset(&b);
                sigaddset(&b, SIGUSR1);
                sigprocmask(SIG_BLOCK, &b, &o);
                write(ready[1], "r", 1);
                while (!usr1) sigsuspend(&o);
                _exit(usr1 == 1 ? 50 : 51);
            }
            signal(SIGUSR1, SIG_DFL); /* default action: terminate */
            write(ready[1], "r", 1);
            for (;;) pause();
        }
    }
    close(ready[1]);
    char c;
    for (int i = 0; i < 2; i++) CHECK(read(ready[0], &c, 1) == 1);
    say("children in the group: %d %d\n", getpgid(kids[0]) == me, getpgid(kids[1]) == me);
    CHECK(kill(-me, SIGUSR1) == 0);
    describe("child 0 (handler)", wait_for(kids[0]));
    describe("child 1 (default)", wait_for(kids[1]));
    errno = 0;
    say("kill(-pgid) with no members but the leader: %d\n", kill(-me, 0));

    /* setpgid on a child from the parent, both sides */
    int go[2];
    pipe(go);
    pid_t p = xfork();
    if (p == 0) {
        close(go[1]);
        char x;
        read(go[0], &x, 1);
        say("  child: getpgid(0)==getpid %d\n", getpgid(0) == getpid());
        _exit(0);
    }
    close(go[0]);
    CHECK(setpgid(p, p) == 0);
    say("setpgid(child, child): getpgid(child)==child %d\n", getpgid(p) == p);
    close(go[1]);
    wait_for(p);

    /* setsid: in a child it makes a new session and group; a group leader gets EPERM */
    errno = 0;
    say("setsid in a group leader: %s\n", rc(setsid()));
    p = xfork();
    if (p == 0) {
        pid_t sid = setsid();
        say("  child setsid()==getpid %d getsid(0)==getpid %d getpgid(0)==getpid %d\n", sid == getpid(), getsid(0) == getpid(),
            getpgid(0) == getpid());
        errno = 0;
        say("  child setsid again: %s\n", rc(setsid()));
        errno = 0;
        say("  child setpgid into the old group: %s\n", rc(setpgid(0, getppid())));
        _exit(0);
    }
    wait_for(p);
    say("getsid(child gone): %s\n", getsid(p) < 0 ? strerrorname(errno) : "found");
    errno = 0;
    say("kill(-nonexistent group): %s\n", rc(kill(-0x3ffffff0, SIGUSR1)));
    return failures ? 1 : 0;
}

static int m_pgrp(void) {
    pid_t p = xfork();
    if (p == 0) _exit(pgrp_leader());
    describe("group leader", wait_for(p));
    return 0;
}

static int m_orphan(void) {
    int res[2];
    pipe(res);
    pid_t p = xfork();
    if (p == 0) {
        pid_t child = getpid();
        int asked[2];
        pipe(asked);
        pid_t g = xfork();
        if (g == 0) {
            int before = getppid() == child;
            close(asked[1]); /* the middle child exits once this end is closed everywhere */
            int go_polls = 0;
            while (getppid() == child && go_polls < 5000) { sleep_ms(1); go_polls++; }
            char msg[96];
            int n = snprintf(msg, sizeof msg, "grandchild: getppid()==parent before %d, getppid()!=old parent after it exits %d\n",
                             before, getppid() != child);
            write(res[1], msg, n);
            _exit(0);
        }
        close(asked[1]);
        char c;
        read(asked[0], &c, 1); /* EOF: the grandchild has looked at its parent */
        _exit(0);
    }
    close(res[1]);
    describe("middle child", wait_for(p));
    char buf[128];
    int n = 0;
    ssize_t k;
    while ((k = read(res[0], buf + n, sizeof buf - 1 - n)) > 0) n += k;
    say("%.*s", n, buf);
    errno = 0;
    say("the orphan is not main's child: wait %s\n", rc(wait(NULL)));
    return 0;
}

static int global_val = 1;

static int m_cow(void) {
    int stack_val = 2;
    int *heap = malloc(sizeof *heap);
    *heap = 3;
    size_t big = 4 << 20;
    char *bigbuf = malloc(big);
    memset(bigbuf, 'a', big);
    int *shared = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int *priv = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    *shared = 4;
    *priv = 5;
    volatile int *sv = &stack_val;
    pid_t p = xfork();
    if (p == 0) {
        global_val = 10;
        *sv = 20;
        *heap = 30;
        *shared = 40;
        *priv = 50;
        for (size_t i = 0; i < big; i += 4096) bigbuf[i] = 'b';
        say("child sees: global %d stack %d heap %d shared %d private %d big %c\n", global_val, *sv, *heap, *shared, *priv,
            bigbuf[big - 4096]);
        _exit(0);
    }
    wait_for(p);
    int big_ok = 1;
    for (size_t i = 0; i < big; i += 4096) big_ok &= bigbuf[i] == 'a';
    say("parent sees: global %d stack %d heap %d shared %d private %d big unchanged %d\n", global_val, *sv, *heap, *shared,
        *priv, big_ok);
    /* the parent's writes after fork do not reach the child either */
    int pp[2];
    pipe(pp);
    p = xfork();
    if (p == 0) {
        char c;
        read(pp[0], &c, 1);
        say("child after the parent's writes: global %d shared %d\n", global_val, *shared);
        _exit(0);
    }
    global_val = 100;
    *shared = 400;
    write(pp[1], "g", 1);
    wait_for(p);
    /* a read-only page stays read-only in the child; mprotect in the child does not change the parent */
    mprotect(priv, 4096, PROT_READ);
    p = xfork();
    if (p == 0) {
        mprotect(priv, 4096, PROT_READ | PROT_WRITE);
        *priv = 6;
        _exit(*priv);
    }
    describe("child's own mprotect", wait_for(p));
    p = xfork();
    if (p == 0) { *(volatile int *)priv = 7; _exit(0); }
    describe("child writes the read-only page", wait_for(p));
    say("parent private %d\n", *priv);
    return 0;
}

static int m_fork_loop(void) {
    int ok = 0;
    for (int i = 0; i < 200; i++) {
        pid_t p = fork();
        if (p == 0) _exit(i & 0xff);
        if (p < 0) break;
        int st;
        if (waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == (i & 0xff)) ok++;
    }
    say("rounds ok: %d\n", ok);
    return 0;
}

static void at_exit_say(void) { say("atexit handler ran\n"); }

static int m_exit_main(void) {
    atexit(at_exit_say);
    printf("stdio text flushed by exit\n");
    return 77;
}

static int m_ids(void) {
    pid_t parent = getpid();
    int pp[2];
    pipe(pp);
    pid_t p = xfork();
    if (p == 0) {
        pid_t me = getpid();
        say("child: getppid()==parent %d getpid()!=parent %d gettid()==getpid %d\n", getppid() == parent, me != parent,
            (pid_t)syscall(SYS_gettid) == me);
        write(pp[1], &me, sizeof me);
        _exit(0);
    }
    pid_t seen;
    read(pp[0], &seen, sizeof seen);
    say("fork returned the child's pid %d\n", seen == p);
    wait_for(p);
    /* clone with just SIGCHLD is fork */
    p = (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
    if (p == 0) _exit(8);
    describe("raw clone(SIGCHLD)", wait_for(p));
    return 0;
}


/* stop and continue: WUNTRACED/WCONTINUED, WIFSTOPPED/WIFCONTINUED, SIGCHLD's CLD_STOPPED/CLD_CONTINUED */
static int m_stop_cont(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_chld;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGCHLD, &sa, 0);
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGCHLD);
    sigprocmask(SIG_BLOCK, &block, &old);
    int go[2];
    pipe(go);
    pid_t p = xfork();
    if (p == 0) {
        sigprocmask(SIG_SETMASK, &old, 0);
        close(go[1]);
        raise(SIGSTOP);
        char c;
        read(go[0], &c, 1); /* continued: exits when the parent says so */
        _exit(11);
    }
    close(go[0]);
    int st = 0;
    CHECK(waitpid(p, &st, WUNTRACED) == p);
    say("WUNTRACED: WIFSTOPPED %d WSTOPSIG %s\n", WIFSTOPPED(st), WSTOPSIG(st) == SIGSTOP ? "SIGSTOP" : "other");
    while (chld_count == 0) sigsuspend(&old);
    say("SIGCHLD: si_code %s si_status %s\n", cldname(chld_code), chld_status == SIGSTOP ? "SIGSTOP" : "other");
    say("WNOHANG while stopped: %s\n", rc(waitpid(p, &st, WNOHANG)));
    chld_count = 0;
    CHECK(kill(p, SIGCONT) == 0);
    CHECK(waitpid(p, &st, WCONTINUED) == p);
    say("WCONTINUED: WIFCONTINUED %d\n", WIFCONTINUED(st));
    while (chld_count == 0) sigsuspend(&old);
    say("SIGCHLD: si_code %s si_status %s\n", cldname(chld_code), chld_status == SIGCONT ? "SIGCONT" : "other");
    chld_count = 0;
    close(go[1]);
    describe("after SIGCONT", wait_for(p));
    /* SA_NOCLDSTOP: no SIGCHLD for a stop */
    sa.sa_flags = SA_SIGINFO | SA_NOCLDSTOP;
    sigaction(SIGCHLD, &sa, 0);
    chld_count = 0;
    p = xfork();
    if (p == 0) { raise(SIGSTOP); _exit(12); }
    siginfo_t si;
    memset(&si, 0, sizeof si);
    CHECK(waitid(P_PID, p, &si, WSTOPPED) == 0);
    say("waitid WSTOPPED: si_code %s, SIGCHLD count with SA_NOCLDSTOP %d\n", cldname(si.si_code), (int)chld_count);
    kill(p, SIGKILL); /* a stopped process dies of SIGKILL */
    describe("stopped then SIGKILL", wait_for(p));
    sigprocmask(SIG_SETMASK, &old, 0);
    return 0;
}

/* execveat: by path relative to a directory fd, and of an open fd with AT_EMPTY_PATH (fexecve) */
static int m_execveat(void) {
    char *args[] = {"procs", "echo-args", "via execveat", NULL};
    pid_t p = xfork();
    if (p == 0) {
        int d = open("/proc/self", O_RDONLY | O_DIRECTORY);
        syscall(SYS_execveat, d, "exe", args, environ, 0);
        _exit(127);
    }
    describe("execveat(dirfd, \"exe\")", wait_for(p));
    p = xfork();
    if (p == 0) {
        int fd = open(SELF, O_RDONLY | O_CLOEXEC);
        char *a2[] = {"procs", "echo-args", "via fexecve", NULL};
        fexecve(fd, a2, environ);
        _exit(127);
    }
    describe("fexecve", wait_for(p));
    errno = 0;
    say("execveat without AT_EMPTY_PATH on \"\": %s\n", rc(syscall(SYS_execveat, 0, "", args, environ, 0)));
    errno = 0;
    say("execveat bad flags: %s\n", rc(syscall(SYS_execveat, AT_FDCWD, SELF, args, environ, 0x4)));
    return 0;
}

/* /proc/PID of a child: its cmdline, its state while running and as a zombie, gone after the reap */
static char proc_state(pid_t p) {
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)p);
    int fd = open(path, O_RDONLY);
    if (fd < 0) return '-';
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return '?';
    buf[n] = 0;
    char *rp = strrchr(buf, ')');
    return rp && rp[1] == ' ' ? rp[2] : '?';
}

static int m_proc_pid(void) {
    int go[2];
    pipe(go);
    pid_t p = xfork();
    if (p == 0) {
        close(go[1]);
        char *args[] = {"procs", "wait-stdin", "arg1", NULL};
        dup2(go[0], 0);
        run_self(args);
    }
    close(go[0]);
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)p);
    /* the child has exec'd once its cmdline is the new one */
    ssize_t n = 0;
    for (int i = 0; i < 5000; i++) {
        int fd = open(path, O_RDONLY);
        n = fd < 0 ? -1 : read(fd, buf, sizeof buf);
        if (fd >= 0) close(fd);
        if (n > 6 && !memcmp(buf, "procs\0wait-stdin", 16)) break;
        sleep_ms(1);
    }
    for (ssize_t i = 0; i < n; i++) if (buf[i] == 0) buf[i] = ' ';
    say("/proc/child/cmdline: %.*s\n", (int)n, buf);
    char s = proc_state(p);
    for (int i = 0; i < 5000 && s != 'S'; i++) { sleep_ms(1); s = proc_state(p); } /* it reaches its read */
    say("state while blocked in read: %c\n", s);
    close(go[1]);
    siginfo_t si;
    CHECK(waitid(P_PID, p, &si, WEXITED | WNOWAIT) == 0);
    say("state as a zombie: %c\n", proc_state(p));
    describe("child", wait_for(p));
    say("after the reap: %c\n", proc_state(p));
    snprintf(path, sizeof path, "/proc/%d/status", (int)getpid());
    int fd = open(path, O_RDONLY);
    n = read(fd, buf, sizeof buf - 1);
    close(fd);
    buf[n > 0 ? n : 0] = 0;
    say("/proc/getpid()/status names us: %d\n", strncmp(buf, "Name:\tprocs", 11) == 0);
    return 0;
}

/* signals between processes: sigqueue's value and si_pid/si_code reach a child's handler */
static volatile sig_atomic_t q_val, q_code, q_pid, q_count;
static void on_queue(int sig, siginfo_t *si, void *uc) {
    (void)sig; (void)uc;
    q_val = si->si_value.sival_int;
    q_code = si->si_code;
    q_pid = si->si_pid;
    q_count++;
}

/* rlimits are per process: a child's setrlimit does not change its parent's */
static int m_rlimit(void) {
    struct rlimit r;
    CHECK(getrlimit(RLIMIT_NOFILE, &r) == 0);
    long before = (long) r.rlim_cur;
    pid_t p = xfork();
    if (p == 0) {
        r.rlim_cur = 64;
        int ok = setrlimit(RLIMIT_NOFILE, &r) == 0 && getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur == 64;
        _exit(ok ? 0 : 1);
    }
    describe("child lowering RLIMIT_NOFILE", wait_for(p));
    CHECK(getrlimit(RLIMIT_NOFILE, &r) == 0);
    say("the parent's RLIMIT_NOFILE unchanged: %d\n", (long) r.rlim_cur == before);
    return 0;
}

static int m_signal_child(void) {
    int ready[2];
    pipe(ready);
    pid_t parent = getpid();
    pid_t p = xfork();
    if (p == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = on_queue;
        sa.sa_flags = SA_SIGINFO;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGUSR1, &sa, 0);
        sigaction(SIGRTMIN + 1, &sa, 0);
        sigset_t b, o;
        sigemptyset(&b);
        sigaddset(&b, SIGUSR1);
        sigaddset(&b, SIGRTMIN + 1);
        sigprocmask(SIG_BLOCK, &b, &o);
        write(ready[1], "r", 1);
        while (q_count < 1) sigsuspend(&o);
        say("  child: SIGUSR1 si_code SI_USER %d si_pid==parent %d\n", q_code == SI_USER, q_pid == parent);
        write(ready[1], "r", 1);
        while (q_count < 4) sigsuspend(&o);
        say("  child: sigqueue x3 delivered, last value %d si_code SI_QUEUE %d si_pid==parent %d\n", (int)q_val, q_code == SI_QUEUE,
            q_pid == parent);
        _exit(0);
    }
    char c;
    CHECK(read(ready[0], &c, 1) == 1);
    CHECK(kill(p, SIGUSR1) == 0);
    CHECK(read(ready[0], &c, 1) == 1);
    for (int i = 1; i <= 3; i++) {
        union sigval v = {.sival_int = 100 * i};
        CHECK(sigqueue(p, SIGRTMIN + 1, v) == 0);
    }
    describe("child", wait_for(p));
    errno = 0;
    say("kill(reaped child, 0): %s\n", rc(kill(p, 0)));
    return 0;
}

struct mode {
    const char *name;
    int (*fn)(void);
};

static const struct mode modes[] = {
    {"exit-codes", m_exit_codes}, {"killed", m_killed},       {"wnohang", m_wnohang},     {"reap-order", m_reap_order},
    {"echild", m_echild},         {"sigchld", m_sigchld},     {"nocldwait", m_nocldwait}, {"vfork", m_vfork},
    {"exec-self", m_exec_self},   {"exec-fail", m_exec_fail}, {"cloexec", m_cloexec},     {"pipe", m_pipe},
    {"pipeline", m_pipeline},     {"system", m_system},       {"spawn", m_spawn},         {"pgrp", m_pgrp},
    {"orphan", m_orphan},         {"cow", m_cow},             {"fork-loop", m_fork_loop}, {"exit-main", m_exit_main},
    {"ids", m_ids},               {"stop-cont", m_stop_cont}, {"execveat", m_execveat},   {"proc-pid", m_proc_pid},
    {"signal-child", m_signal_child}, {"rlimit", m_rlimit},
};

int main(int argc, char **argv) {
    if (argc < 2) {
        for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) say("%s\n", modes[i].name);
        return 2;
    }
    const char *m = argv[1];
    if (!strcmp(m, "echo-args")) return m_echo_args(argc, argv);
    if (!strcmp(m, "check-fds")) return m_check_fds(argc, argv);
    if (!strcmp(m, "check-signals")) return m_check_signals();
    if (!strcmp(m, "gen")) return m_gen(argc, argv);
    if (!strcmp(m, "filter")) return m_filter(argc, argv);
    if (!strcmp(m, "sum")) return m_sum(argc, argv);
    if (!strcmp(m, "wait-stdin")) { char c; return (int)read(0, &c, 1); } /* until EOF on stdin: 0 */
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        if (!strcmp(m, modes[i].name)) {
            int r = modes[i].fn();
            if (failures) say("failures %d\n", failures);
            return failures ? 1 : r;
        }
    }
    say("unknown mode %s\n", m);
    return 2;
}
