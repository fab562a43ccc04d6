/*
 * Thread groups and what their threads share, as a Linux program sees them: execve from a thread
 * other than the leader (de_thread: the exec'ing thread takes the process's pid, the others end,
 * the parent sees one process), clone(CLONE_VM|CLONE_SIGHAND) without CLONE_THREAD (shared
 * sigactions, separate masks and pending sets), the process-wide pending set (process-directed
 * signals taken by whichever thread does not block them; sigpending and /proc SigPnd/ShdPnd),
 * writing /proc/PID/comm and /proc/PID/task/TID/comm, RLIMIT_CPU in a forked child, and the
 * owner of POSIX record locks (the descriptor table: CLONE_FILES shares it, fork copies it),
 * ITIMER_PROF/ITIMER_VIRTUAL counting every thread's CPU time.
 * One mode per argv[1]; the output is deterministic (relations, never pids or timings), so a
 * native run and an lstar run can be compared line by line.
 *
 *   tgroups MODE [FILE]   one of the modes in the table at the end; status 0 when every check held
 *   tgroups               lists the modes
 *
 * Output goes through write(2) one line at a time (say()). The program re-executes itself
 * through /proc/self/exe for its helper mode (after-exec). Built with gcc -static -pthread
 * (glibc) and musl-gcc -static by ThreadGroupsTest.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/time.h>
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

#define CHECK(cond) do { if (!(cond)) { say("  FAILED: %s (line %d, errno %d)\n", #cond, __LINE__, errno); failures++; } } while (0)

static void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) && errno == EINTR) {}
}

static pid_t gettid_(void) { return (pid_t)syscall(SYS_gettid); }

static void await(atomic_int *p, int v) {
    while (atomic_load(p) != v) sleep_ms(1);
}

static const char *ename(int e) {
    switch (e) {
    case 0: return "0";
    case EINVAL: return "EINVAL";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case ECHILD: return "ECHILD";
    case ESRCH: return "ESRCH";
    case EAGAIN: return "EAGAIN";
    case ENOSYS: return "ENOSYS";
    case EBADF: return "EBADF";
    default: return "E?";
    }
}

/* how many entries /proc/PATH/task has */
static int count_tasks(const char *path) {
    DIR *d = opendir(path);
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) if (e->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

/* the value of a /proc/.../status field as a number (hex for the signal masks) */
static unsigned long long status_field(const char *path, const char *field) {
    char buf[4096];
    int fd = open(path, O_RDONLY);
    if (fd < 0) return ~0ULL;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return ~0ULL;
    buf[n] = 0;
    size_t fl = strlen(field);
    for (char *p = buf; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (!strncmp(p, field, fl) && p[fl] == ':') return strtoull(p + fl + 1, NULL, 16);
    }
    return ~0ULL;
}

static int pending_has(int sig) {
    sigset_t s;
    sigemptyset(&s);
    if (sigpending(&s)) return -1;
    return sigismember(&s, sig);
}

/* ------------------------------------------------------------------ execve from a thread */

static char **exec_argv;
static atomic_int exec_ready;
/* the executable's path, read while /proc/self still resolves: once the leader is a zombie, the
 * process's /proc/self/exe does not (no mm), so a thread execs it by name */
static char exe_path[4096];

static void read_exe_path(void) {
    ssize_t n = readlink(SELF, exe_path, sizeof exe_path - 1);
    exe_path[n > 0 ? n : 0] = 0;
}

static void *exec_sleeper(void *arg) {
    (void)arg;
    atomic_fetch_add(&exec_ready, 1);
    for (;;) pause();
    return NULL;
}

static void *exec_thread(void *arg) {
    (void)arg;
    await(&exec_ready, 1);
    sleep_ms(20); /* the leader is in pthread_join by now, the other thread in pause */
    execve(exe_path, exec_argv, environ);
    say("execve from a thread: %s\n", ename(errno));
    _exit(98);
}

/* the image a thread exec'd: the pid is the process's, the thread is alone and the leader */
static int m_after_exec(char **argv) {
    pid_t expect_pid = (pid_t)atol(argv[2]), expect_ppid = (pid_t)atol(argv[3]);
    say("after exec: pid kept %d, tid == pid %d, ppid kept %d, threads %d\n", getpid() == expect_pid,
        gettid_() == getpid(), getppid() == expect_ppid, count_tasks("/proc/self/task"));
    say("after exec: /proc/self/status Threads %llu\n", status_field("/proc/self/status", "Threads") /* hex-read of a small decimal */);
    return 7;
}

static void exec_from_thread(int in_child) {
    char pid[32], ppid[32];
    snprintf(pid, sizeof pid, "%d", getpid());
    snprintf(ppid, sizeof ppid, "%d", getppid());
    char *args[] = {SELF, "after-exec", pid, ppid, NULL};
    exec_argv = args;
    read_exe_path();
    pthread_t a, b;
    pthread_create(&a, NULL, exec_sleeper, NULL);
    pthread_create(&b, NULL, exec_thread, NULL);
    pthread_join(b, NULL); /* never returns: the process execs */
    say("join returned (%d)\n", in_child);
    _exit(97);
}

static int m_exec_thread(void) {
    pid_t c = fork();
    if (c == 0) exec_from_thread(1);
    int st = 0;
    pid_t w = waitpid(c, &st, 0);
    say("parent: waited for the child %d, exited %d with %d\n", w == c, WIFEXITED(st), WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    errno = 0;
    w = waitpid(-1, &st, WNOHANG);
    say("parent: nothing else to wait for: %d %s\n", (int)w, ename(errno));
    return 0;
}

/* the leader has already ended (pthread_exit: a zombie while the thread goes on) when a thread execs */
static void *exec_late_thread(void *arg) {
    (void)arg;
    sleep_ms(50); /* main has called pthread_exit by now */
    execve(exe_path, exec_argv, environ);
    say("execve from a thread: %s\n", ename(errno));
    _exit(98);
}

static int m_exec_thread_zombie_leader(void) {
    pid_t c = fork();
    if (c == 0) {
        char pid[32], ppid[32];
        snprintf(pid, sizeof pid, "%d", getpid());
        snprintf(ppid, sizeof ppid, "%d", getppid());
        char *args[] = {SELF, "after-exec", pid, ppid, NULL};
        exec_argv = args;
        read_exe_path();
        pthread_t t;
        pthread_create(&t, NULL, exec_late_thread, NULL);
        pthread_exit(NULL);
    }
    int st = 0;
    pid_t w = waitpid(c, &st, 0);
    say("parent: waited for the child %d, exited %d with %d\n", w == c, WIFEXITED(st), WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    errno = 0;
    w = waitpid(-1, &st, WNOHANG);
    say("parent: nothing else to wait for: %d %s\n", (int)w, ename(errno));
    return 0;
}

/* the process itself (the first process under lstar) execs from a thread */
static int m_exec_thread_self(void) {
    exec_from_thread(0);
    return 1;
}

/* ------------------------------------------------------------------ CLONE_SIGHAND without CLONE_THREAD */

static atomic_int sh_step;
static atomic_int sh_handled_by;
static char sh_stack[256 * 1024] __attribute__((aligned(16)));

static void sh_handler(int sig) {
    (void)sig;
    atomic_store(&sh_handled_by, (int)getpid());
}

static void sh_other_handler(int sig) { (void)sig; }

static int sh_child(void *arg) {
    (void)arg;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = sh_handler;
    sigaction(SIGUSR1, &sa, NULL); /* seen by the parent too */
    sigset_t m;
    sigemptyset(&m);
    sigaddset(&m, SIGUSR2);
    sigprocmask(SIG_BLOCK, &m, NULL); /* not by the parent */
    atomic_store(&sh_step, 1);
    await(&sh_step, 2);
    /* the parent sent SIGUSR2 to this process: pending here, not there */
    int here = pending_has(SIGUSR2);
    /* the parent changed SIGUSR2's action: seen here */
    struct sigaction cur;
    sigaction(SIGUSR2, NULL, &cur);
    say("child: SIGUSR2 pending here %d, parent's new SIGUSR2 action seen %d\n", here, cur.sa_handler == sh_other_handler);
    /* ignoring it here (shared action) discards it from this process's pending set */
    sa.sa_handler = SIG_IGN;
    sigaction(SIGUSR2, &sa, NULL);
    say("child: after SIG_IGN, SIGUSR2 pending %d\n", pending_has(SIGUSR2));
    atomic_store(&sh_step, 3);
    return 5;
}

static int m_sighand(void) {
    errno = 0;
    long r = syscall(SYS_clone, (long)(CLONE_SIGHAND | SIGCHLD), 0L, 0L, 0L, 0L);
    say("clone(CLONE_SIGHAND) without CLONE_VM: %ld %s\n", r, ename(errno));
    errno = 0;
    r = syscall(SYS_clone, (long)(CLONE_VM | CLONE_THREAD | SIGCHLD), 0L, 0L, 0L, 0L);
    say("clone(CLONE_THREAD) without CLONE_SIGHAND: %ld %s\n", r, ename(errno));

    pid_t c = clone(sh_child, sh_stack + sizeof sh_stack, CLONE_VM | CLONE_SIGHAND | SIGCHLD, NULL);
    CHECK(c > 0);
    await(&sh_step, 1);
    struct sigaction cur;
    sigaction(SIGUSR1, NULL, &cur);
    say("parent: the child's SIGUSR1 handler seen here %d\n", cur.sa_handler == sh_handler);
    sigset_t m;
    sigprocmask(SIG_BLOCK, NULL, &m);
    say("parent: the child's mask not here %d\n", !sigismember(&m, SIGUSR2));
    kill(getpid(), SIGUSR1); /* runs the shared handler, in this process */
    say("parent: SIGUSR1 handled by this process %d\n", atomic_load(&sh_handled_by) == getpid());
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = sh_other_handler;
    sigaction(SIGUSR2, &sa, NULL);
    kill(c, SIGUSR2);
    say("parent: SIGUSR2 pending here %d\n", pending_has(SIGUSR2));
    atomic_store(&sh_step, 2);
    int st = 0;
    pid_t w = waitpid(c, &st, 0);
    say("parent: child waited %d, exit %d\n", w == c, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    sigaction(SIGUSR2, NULL, &cur);
    say("parent: the child's SIG_IGN seen here %d\n", cur.sa_handler == SIG_IGN);
    return 0;
}

/* ------------------------------------------------------------------ the process-wide pending set */

static atomic_int sp_step;
static atomic_int sp_handled_tid;
static atomic_int sp_tids[2];

static void sp_handler(int sig) {
    (void)sig;
    atomic_store(&sp_handled_tid, (int)gettid_());
}

static void sp_report(const char *who) {
    char path[128];
    snprintf(path, sizeof path, "/proc/self/task/%d/status", (int)gettid_());
    unsigned long long own = status_field(path, "SigPnd"), shd = status_field(path, "ShdPnd");
    say("%s: sigpending USR1 %d USR2 %d; SigPnd USR1 %d USR2 %d; ShdPnd USR1 %d\n", who, pending_has(SIGUSR1), pending_has(SIGUSR2),
        (int)((own >> (SIGUSR1 - 1)) & 1), (int)((own >> (SIGUSR2 - 1)) & 1), (int)((shd >> (SIGUSR1 - 1)) & 1));
}

static void *sp_thread(void *arg) {
    int me = (int)(long)arg;
    atomic_store(&sp_tids[me], (int)gettid_());
    atomic_fetch_add(&sp_step, 1);
    await(&sp_step, 10 + me * 10); /* 10: thread 0 reports, 20: thread 1 reports */
    sp_report(me ? "thread B" : "thread A");
    atomic_store(&sp_step, 11 + me * 10);
    if (me == 1) {
        await(&sp_step, 30);
        sigset_t m;
        sigemptyset(&m);
        sigaddset(&m, SIGUSR1);
        pthread_sigmask(SIG_UNBLOCK, &m, NULL); /* the pending SIGUSR1 is delivered here, now */
        say("thread B: unblocked SIGUSR1, handled by this thread %d\n", atomic_load(&sp_handled_tid) == gettid_());
        pthread_sigmask(SIG_BLOCK, &m, NULL); /* blocked again: the next one is main's */
        atomic_store(&sp_step, 31);
    } else {
        await(&sp_step, 40);
        sp_report("thread A (after tgkill)");
        sigset_t m;
        sigemptyset(&m);
        sigaddset(&m, SIGUSR2);
        struct timespec ts = {5, 0};
        int got = sigtimedwait(&m, NULL, &ts);
        say("thread A: sigtimedwait took its SIGUSR2 %d\n", got == SIGUSR2);
        atomic_store(&sp_step, 41);
    }
    return NULL;
}

static int m_shared_pending(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = sp_handler;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
    sigset_t m;
    sigemptyset(&m);
    sigaddset(&m, SIGUSR1);
    sigaddset(&m, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &m, NULL); /* every thread blocks both (the threads inherit the mask) */
    pthread_t a, b;
    pthread_create(&a, NULL, sp_thread, (void *)0L);
    pthread_create(&b, NULL, sp_thread, (void *)1L);
    await(&sp_step, 2);
    kill(getpid(), SIGUSR1); /* process-directed: pending for the process, taken by nobody yet */
    sp_report("main");
    unsigned long long shd = status_field("/proc/self/status", "ShdPnd");
    say("main: /proc/self/status ShdPnd USR1 %d\n", (int)((shd >> (SIGUSR1 - 1)) & 1));
    atomic_store(&sp_step, 10);
    await(&sp_step, 11);
    atomic_store(&sp_step, 20);
    await(&sp_step, 21);
    atomic_store(&sp_step, 30);
    await(&sp_step, 31);
    say("main: handled by thread B %d\n", atomic_load(&sp_handled_tid) == atomic_load(&sp_tids[1]));
    sp_report("main (after B took it)");
    /* thread-directed: stays with thread A */
    syscall(SYS_tgkill, getpid(), atomic_load(&sp_tids[0]), SIGUSR2);
    sp_report("main (after tgkill A)");
    atomic_store(&sp_step, 40);
    await(&sp_step, 41);
    /* process-directed again, taken synchronously by sigtimedwait in this thread */
    kill(getpid(), SIGUSR1);
    sigset_t w;
    sigemptyset(&w);
    sigaddset(&w, SIGUSR1);
    struct timespec ts = {5, 0};
    int got = sigtimedwait(&w, NULL, &ts);
    say("main: sigtimedwait took the process's SIGUSR1 %d\n", got == SIGUSR1);
    sp_report("main (end)");
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    return 0;
}

/* ------------------------------------------------------------------ /proc/PID/comm */

static void show_comm(const char *who, const char *path) {
    char buf[64] = {0};
    int fd = open(path, O_RDONLY);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
    if (fd >= 0) close(fd);
    char out[128];
    int o = 0;
    for (ssize_t i = 0; i < n; i++) {
        if (buf[i] == '\n') { out[o++] = '\\'; out[o++] = 'n'; }
        else out[o++] = buf[i];
    }
    out[o] = 0;
    say("%s: [%s]\n", who, out);
}

static long write_comm(const char *path, const char *s) {
    int fd = open(path, O_WRONLY);
    if (fd < 0) return -1000 - errno;
    errno = 0;
    long r = write(fd, s, strlen(s));
    if (r < 0) r = -errno;
    close(fd);
    return r;
}

static atomic_int cm_step;
static atomic_int cm_tid;

static void *cm_thread(void *arg) {
    (void)arg;
    prctl(PR_SET_NAME, "worker", 0, 0, 0);
    atomic_store(&cm_tid, (int)gettid_());
    atomic_store(&cm_step, 1);
    await(&cm_step, 2);
    char name[17] = {0};
    prctl(PR_GET_NAME, name, 0, 0, 0);
    say("thread: PR_GET_NAME after main renamed it [%s]\n", name);
    char path[128];
    snprintf(path, sizeof path, "/proc/self/task/%d/comm", (int)gettid_());
    say("thread: write own comm %ld\n", write_comm(path, "self-named"));
    prctl(PR_GET_NAME, name, 0, 0, 0);
    say("thread: PR_GET_NAME [%s]\n", name);
    atomic_store(&cm_step, 3);
    await(&cm_step, 4); /* alive while main reads its comm */
    return NULL;
}

static int m_comm(void) {
    say("write /proc/self/comm: %ld\n", write_comm("/proc/self/comm", "renamed\n"));
    show_comm("/proc/self/comm", "/proc/self/comm");
    char name[17] = {0};
    prctl(PR_GET_NAME, name, 0, 0, 0);
    say("PR_GET_NAME: %d bytes, newline kept %d\n", (int)strlen(name), strchr(name, '\n') != NULL);
    say("write a long name: %ld\n", write_comm("/proc/self/comm", "a-name-longer-than-fifteen-bytes"));
    show_comm("/proc/self/comm", "/proc/self/comm");
    say("write with a NUL inside: %ld\n", (long)({ int fd = open("/proc/self/comm", O_WRONLY); long r = write(fd, "ab\0cd", 5); close(fd); r; }));
    show_comm("/proc/self/comm", "/proc/self/comm");

    pthread_t t;
    pthread_create(&t, NULL, cm_thread, NULL);
    await(&cm_step, 1);
    char path[128];
    snprintf(path, sizeof path, "/proc/self/task/%d/comm", atomic_load(&cm_tid));
    show_comm("thread's comm", path);
    say("main writes the thread's comm: %ld\n", write_comm(path, "by-main"));
    show_comm("thread's comm", path);
    show_comm("process comm unchanged", "/proc/self/comm");
    atomic_store(&cm_step, 2);
    await(&cm_step, 3);
    show_comm("thread's comm", path);
    atomic_store(&cm_step, 4);
    pthread_join(t, NULL);

    /* another process may open it for writing, but not rename it */
    pid_t parent = getpid();
    pid_t c = fork();
    if (c == 0) {
        char pp[64];
        snprintf(pp, sizeof pp, "/proc/%d/comm", (int)parent);
        long r = write_comm(pp, "intruder");
        say("child: write the parent's comm: %s\n", r == -EINVAL ? "EINVAL" : r < -1000 ? "open failed" : "written");
        snprintf(pp, sizeof pp, "/proc/%d/comm", (int)getpid());
        say("child: write its own by pid: %ld\n", write_comm(pp, "child"));
        show_comm("child: /proc/self/comm", "/proc/self/comm");
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    show_comm("parent's comm after the child tried", "/proc/self/comm");
    return 0;
}

/* ------------------------------------------------------------------ RLIMIT_CPU in a forked child */

static atomic_int xcpu_seen;

static void xcpu_handler(int sig) {
    (void)sig;
    atomic_fetch_add(&xcpu_seen, 1);
    say("  child: SIGXCPU\n");
}

static void spin(void) {
    volatile unsigned long x = 0;
    for (;;) x++;
}

static void cpu_child(const char *what, rlim_t soft, rlim_t hard, int handle) {
    pid_t c = fork();
    if (c == 0) {
        if (handle) {
            struct sigaction sa;
            memset(&sa, 0, sizeof sa);
            sa.sa_handler = xcpu_handler;
            sigaction(SIGXCPU, &sa, NULL);
        }
        struct rlimit rl = {soft, hard};
        if (setrlimit(RLIMIT_CPU, &rl)) _exit(90);
        spin();
    }
    int st = 0;
    waitpid(c, &st, 0);
    if (WIFSIGNALED(st)) say("%s: killed by signal %d\n", what, WTERMSIG(st));
    else say("%s: exited %d\n", what, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

static int m_rlimit_cpu(void) {
    cpu_child("soft 1 hard 2, handled", 1, 2, 1);
    cpu_child("soft 1 = hard 1 (ulimit -t 1)", 1, 1, 0);
    cpu_child("soft 1, no hard limit, default action", 1, RLIM_INFINITY, 0);
    /* a shell's ulimit -t then a command: the limit is inherited, the child's CPU time starts at 0 */
    pid_t c = fork();
    if (c == 0) {
        struct rlimit rl = {1, 1};
        if (setrlimit(RLIMIT_CPU, &rl)) _exit(90);
        pid_t g = fork();
        if (g == 0) spin();
        int st = 0;
        waitpid(g, &st, 0);
        say("inherited limit: grandchild killed by signal %d\n", WIFSIGNALED(st) ? WTERMSIG(st) : 0);
        _exit(0);
    }
    int st = 0;
    waitpid(c, &st, 0);
    say("inherited limit: the shell-like child exited %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    return 0;
}

/* ------------------------------------------------------------------ record-lock owners */

static int lk_fd;
static char lk_stack[256 * 1024] __attribute__((aligned(16)));

static const char *lk_type(int t) {
    return t == F_RDLCK ? "F_RDLCK" : t == F_WRLCK ? "F_WRLCK" : t == F_UNLCK ? "F_UNLCK" : "?";
}

static struct flock lk_query(int fd, int type, off_t start, off_t len) {
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
    if (fcntl(fd, F_GETLK, &fl)) fl.l_type = -1;
    return fl;
}

static int lk_set(int fd, int type, off_t start, off_t len) {
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
    return fcntl(fd, F_SETLK, &fl) ? -errno : 0;
}

static int lk_files_child(void *arg) {
    (void)arg;
    struct flock q = lk_query(lk_fd, F_WRLCK, 0, 10);
    say("CLONE_FILES child: the parent's lock conflicts? %s\n", lk_type(q.l_type));
    say("CLONE_FILES child: lock 20-29: %d\n", lk_set(lk_fd, F_WRLCK, 20, 10));
    say("CLONE_FILES child: lock 5-7 (over the parent's): %d\n", lk_set(lk_fd, F_RDLCK, 5, 3));
    return 0;
}

/* a forked process (its own table): what it sees of the locks */
static void lk_probe(const char *when, pid_t parent, pid_t filesChild) {
    pid_t c = fork();
    if (c == 0) {
        struct flock a = lk_query(lk_fd, F_WRLCK, 0, 5), b = lk_query(lk_fd, F_WRLCK, 5, 3), d = lk_query(lk_fd, F_WRLCK, 20, 10);
        say("%s: 0-4 %s (by parent %d), 5-7 %s (by parent %d, by child %d), 20-29 %s (by parent %d, by child %d)\n", when,
            lk_type(a.l_type), a.l_pid == parent, lk_type(b.l_type), b.l_pid == parent, b.l_pid == filesChild,
            lk_type(d.l_type), d.l_pid == parent, d.l_pid == filesChild);
        int r = lk_set(lk_fd, F_WRLCK, 0, 5);
        say("%s: a fork's own lock on 0-4: %s\n", when, ename(-r));
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
}

static atomic_int lk_step;

static void *lk_thread(void *arg) {
    (void)arg;
    struct flock q = lk_query(lk_fd, F_WRLCK, 0, 30);
    say("thread: the process's locks conflict? %s\n", lk_type(q.l_type));
    say("thread: unlock 25-29: %d\n", lk_set(lk_fd, F_UNLCK, 25, 5));
    return NULL;
}

static int m_lock_owner(const char *file) {
    lk_fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0600);
    CHECK(lk_fd >= 0);
    CHECK(write(lk_fd, "0123456789012345678901234567890123456789", 40) == 40);
    pid_t me = getpid();
    say("parent: lock 0-9: %d\n", lk_set(lk_fd, F_WRLCK, 0, 10));
    pid_t c = clone(lk_files_child, lk_stack + sizeof lk_stack, CLONE_FILES | SIGCHLD, NULL);
    CHECK(c > 0);
    int st;
    waitpid(c, &st, 0);
    say("CLONE_FILES child exited %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    lk_probe("after the CLONE_FILES child exited", me, c);
    pthread_t t;
    pthread_create(&t, NULL, lk_thread, NULL);
    pthread_join(t, NULL);
    lk_probe("after the thread unlocked 25-29", me, c);
    /* closing any descriptor of the file drops every lock of the table's owner, the child's too */
    int dup = open(file, O_RDONLY);
    close(dup);
    lk_probe("after closing another descriptor", me, c);
    close(lk_fd);
    unlink(file);
    return 0;
}

/* ------------------------------------------------------------------ group and session from a thread */

static atomic_int pg_step;
static atomic_int pg_tid;

static void *pg_thread(void *arg) {
    (void)arg;
    atomic_store(&pg_tid, (int)gettid_());
    /* a thread acts for its process: setsid makes the process (its pid) a session and group leader */
    pid_t s = setsid();
    say("thread: setsid() == pid %d\n", s == getpid());
    say("thread: getpgrp == pid %d, getsid(0) == pid %d, getpgid(0) == pid %d\n", getpgrp() == getpid(), getsid(0) == getpid(),
        getpgid(0) == getpid());
    errno = 0;
    int r = setpgid(0, 0);
    say("thread: setpgid(0, 0) as a session leader: %d %s\n", r, ename(errno));
    atomic_store(&pg_step, 1);
    await(&pg_step, 2);
    return NULL;
}

static int m_thread_pgrp(void) {
    pid_t c = fork();
    if (c == 0) {
        pid_t parent = getppid();
        say("child: in the parent's group %d\n", getpgrp() == getpgid(parent));
        pthread_t t;
        pthread_create(&t, NULL, pg_thread, NULL);
        await(&pg_step, 1);
        say("main thread: getpgrp == pid %d, getsid(0) == pid %d\n", getpgrp() == getpid(), getsid(0) == getpid());
        int tid = atomic_load(&pg_tid);
        say("main thread: getpgid(thread's tid) == pid %d, getsid(thread's tid) == pid %d\n", getpgid(tid) == getpid(),
            getsid(tid) == getpid());
        errno = 0;
        int r = setpgid(tid, 0);
        say("main thread: setpgid(thread's tid, 0): %d %s\n", r, ename(errno));
        /* a fork from the thread joins the process's new group */
        atomic_store(&pg_step, 2);
        pthread_join(t, NULL);
        pid_t g = fork();
        if (g == 0) _exit(getpgrp() == getppid() && getsid(0) == getppid() ? 0 : 1);
        int st;
        waitpid(g, &st, 0);
        say("main thread: a forked child is in the new group and session %d\n", WIFEXITED(st) && WEXITSTATUS(st) == 0);
        _exit(0);
    }
    int st;
    waitpid(c, &st, 0);
    say("parent: child exited %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    return 0;
}

/* ------------------------------------------------------------------ process CPU-time timers */

static atomic_int it_stop;

static void *it_burn(void *arg) {
    (void)arg;
    volatile unsigned long x = 1;
    while (!atomic_load(&it_stop)) {
        for (int i = 0; i < 10000; i++) x = x * 6364136223846793005UL + 1;
    }
    return NULL;
}

/* ITIMER_PROF and ITIMER_VIRTUAL count the CPU time of every thread of the process: they expire
 * while the main thread sleeps in sigwait and a second thread burns CPU */
static int m_itimer_threads(void) {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGPROF);
    sigaddset(&s, SIGVTALRM);
    sigaddset(&s, SIGALRM);
    pthread_sigmask(SIG_BLOCK, &s, NULL); /* the worker inherits the mask: the signals wait for sigwait */
    pthread_t t;
    CHECK(pthread_create(&t, NULL, it_burn, NULL) == 0);
    const int which[2] = {ITIMER_PROF, ITIMER_VIRTUAL}, expect[2] = {SIGPROF, SIGVTALRM};
    const char *name[2] = {"ITIMER_PROF", "ITIMER_VIRTUAL"};
    for (int k = 0; k < 2; k++) {
        struct itimerval v = {{0, 0}, {0, 50000}};
        CHECK(setitimer(which[k], &v, NULL) == 0);
        alarm(20);
        int sig = 0;
        sigwait(&s, &sig);
        alarm(0);
        say("%s: %s\n", name[k], sig == expect[k] ? "expired while the main thread slept" : sig == SIGALRM ? "did not expire in 20 s" : "another signal");
    }
    atomic_store(&it_stop, 1);
    pthread_join(t, NULL);
    return 0;
}

/* ------------------------------------------------------------------ the table */

static const char *lock_file;

static int m_lock_owner_(void) { return m_lock_owner(lock_file); }

static const struct { const char *name; int (*fn)(void); } modes[] = {
    {"exec-thread", m_exec_thread},
    {"exec-thread-self", m_exec_thread_self},
    {"exec-thread-zombie-leader", m_exec_thread_zombie_leader},
    {"sighand", m_sighand},
    {"shared-pending", m_shared_pending},
    {"comm", m_comm},
    {"rlimit-cpu", m_rlimit_cpu},
    {"lock-owner", m_lock_owner_},
    {"thread-pgrp", m_thread_pgrp},
    {"itimer-threads", m_itimer_threads},
};

int main(int argc, char **argv) {
    if (argc < 2) {
        for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) say("%s\n", modes[i].name);
        return 2;
    }
    if (!strcmp(argv[1], "after-exec") && argc >= 4) return m_after_exec(argv);
    lock_file = argc > 2 ? argv[2] : "/tmp/tgroups.lock";
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
