/*
 * fcntl record locks (POSIX and OFD) and flock between processes, as a Linux program sees them.
 * One mode per argv[1], the lock file's path in argv[2]; the output is deterministic (pids are
 * printed as relations: "pid=parent", "pid=child"), so a native run and an lstar run can be
 * compared line by line. Ordering between processes is forced with pipes; a "blocked" waiter is
 * given 200 ms to reach its wait before the holder lets go. Built with gcc -static (glibc) and
 * musl-gcc -static by LocksTest.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef F_OFD_GETLK
#define F_OFD_GETLK 36
#define F_OFD_SETLK 37
#define F_OFD_SETLKW 38
#endif

static int failures;
static const char *path;
static pid_t parent_pid, child_pid;

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

static const char *ename(int e) {
    switch (e) {
    case 0: return "0";
    case EAGAIN: return "EAGAIN";
    case EACCES: return "EACCES";
    case EBADF: return "EBADF";
    case EINVAL: return "EINVAL";
    case EINTR: return "EINTR";
    case EDEADLK: return "EDEADLK";
    case ENOLCK: return "ENOLCK";
    default: return "E?";
    }
}

#define CHECK(cond) do { if (!(cond)) { say("  FAILED: %s (line %d, errno %s)\n", #cond, __LINE__, ename(errno)); failures++; } } while (0)

static const char *rc(long r) {
    static char b[4][32];
    static int i;
    int e = errno;
    char *s = b[i++ & 3];
    if (r == -1) snprintf(s, 32, "-1 %s", ename(e));
    else snprintf(s, 32, "%ld", r);
    return s;
}

static const char *who(pid_t p) {
    static char b[32];
    if (p == -1) return "-1";
    if (p == parent_pid) return "parent";
    if (p == child_pid && p != 0) return "child";
    if (p == getpid()) return "self";
    snprintf(b, sizeof b, "other");
    return b;
}

static const char *tname(int t) {
    return t == F_RDLCK ? "RDLCK" : t == F_WRLCK ? "WRLCK" : t == F_UNLCK ? "UNLCK" : "?";
}

static int lk(int fd, int cmd, int type, int whence, off_t start, off_t len) {
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = type;
    fl.l_whence = whence;
    fl.l_start = start;
    fl.l_len = len;
    return fcntl(fd, cmd, &fl);
}

/* F_GETLK (or F_OFD_GETLK) for [start, start+len) and what it says */
static void getlk(const char *what, int fd, int cmd, int type, off_t start, off_t len) {
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = type;
    fl.l_whence = SEEK_SET;
    fl.l_start = start;
    fl.l_len = len;
    fl.l_pid = cmd == F_OFD_GETLK ? 0 : 12345;
    int r = fcntl(fd, cmd, &fl);
    if (r != 0) { say("%s: getlk %s\n", what, rc(r)); return; }
    if (fl.l_type == F_UNLCK) say("%s: UNLCK\n", what);
    else say("%s: %s whence=%d start=%ld len=%ld pid=%s\n", what, tname(fl.l_type), fl.l_whence, (long)fl.l_start,
             (long)fl.l_len, who(fl.l_pid));
}

/* a child that opens the file and asks F_GETLK: the locks of the caller are another process's there */
static void probe(const char *what, int type, off_t start, off_t len) {
    pid_t p = fork();
    if (p == 0) {
        int fd = open(path, O_RDWR);
        getlk(what, fd, F_GETLK, type, start, len);
        _exit(failures);
    }
    int st;
    CHECK(waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static int makefile(void) {
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    CHECK(fd >= 0);
    char buf[100];
    memset(buf, 'x', sizeof buf);
    CHECK(write(fd, buf, sizeof buf) == 100);
    return fd;
}

static void msleep(int ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {}
}

static void readc(int fd) {
    char c;
    CHECK(read(fd, &c, 1) == 1);
}

static void writec(int fd) {
    CHECK(write(fd, "x", 1) == 1);
}

/* ranges: split, merge, negative l_len, SEEK_CUR/SEEK_END, read locks sharing, F_SETLK EAGAIN */
static int m_ranges(void) {
    int fd = makefile();
    say("wrlock [0,50): %s\n", rc(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 50)));
    say("unlock [10,20): %s\n", rc(lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 10, 10)));
    probe("probe [0,100) wr", F_WRLCK, 0, 100);
    probe("probe [10,20) wr", F_WRLCK, 10, 10);
    probe("probe [15,100) wr", F_WRLCK, 15, 100);
    say("wrlock start 60 len -10: %s\n", rc(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 60, -10)));
    probe("probe [55,56) rd", F_RDLCK, 55, 1);
    say("rdlock [30,40) inside the write lock: %s\n", rc(lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 30, 10)));
    probe("probe [30,31) rd", F_RDLCK, 30, 1);
    probe("probe [30,31) wr", F_WRLCK, 30, 1);
    probe("probe [40,100) wr", F_WRLCK, 40, 60);
    CHECK(lseek(fd, 70, SEEK_SET) == 70);
    say("rdlock SEEK_CUR 0 len 5: %s\n", rc(lk(fd, F_SETLK, F_RDLCK, SEEK_CUR, 0, 5)));
    say("rdlock SEEK_END -5 len 0: %s\n", rc(lk(fd, F_SETLK, F_RDLCK, SEEK_END, -5, 0)));
    probe("probe [70,100) wr", F_WRLCK, 70, 30);
    probe("probe [96,1000) wr", F_WRLCK, 96, 1000);
    probe("probe [70,1000) rd", F_RDLCK, 70, 1000);
    say("own getlk [0,100): ");
    getlk("", fd, F_GETLK, F_WRLCK, 0, 100);
    say("bad: whence 7 %s, before 0 %s, len past 0 %s, type 9 %s\n", rc(lk(fd, F_SETLK, F_RDLCK, 7, 0, 1)),
        rc(lk(fd, F_SETLK, F_RDLCK, SEEK_SET, -1, 1)), rc(lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 5, -6)),
        rc(lk(fd, F_SETLK, 9, SEEK_SET, 0, 1)));
    say("getlk of UNLCK: %s\n", rc(lk(fd, F_GETLK, F_UNLCK, SEEK_SET, 0, 1)));
    /* a child: conflicts with the parent's locks, and its own read lock shares */
    child_pid = 0;
    pid_t p = fork();
    if (p == 0) {
        int f2 = open(path, O_RDWR);
        say("child: wrlock [25,26) %s\n", rc(lk(f2, F_SETLK, F_WRLCK, SEEK_SET, 25, 1)));
        say("child: rdlock [30,40) %s\n", rc(lk(f2, F_SETLK, F_RDLCK, SEEK_SET, 30, 10)));
        say("child: rdlock [70,80) %s\n", rc(lk(f2, F_SETLK, F_RDLCK, SEEK_SET, 70, 10)));
        say("child: wrlock [10,20) %s\n", rc(lk(f2, F_SETLK, F_WRLCK, SEEK_SET, 10, 10)));
        say("child: wrlock inherited fd [0,1) %s\n", rc(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 1)));
        _exit(failures);
    }
    int st;
    CHECK(waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    say("unlock all: %s\n", rc(lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0)));
    probe("probe [0,0) wr after unlock", F_WRLCK, 0, 0);
    return failures;
}

/* a lock of the child: the parent sees it with the child's pid; the child's exit releases it */
static int m_exit(void) {
    int fd = makefile();
    int go[2], back[2];
    CHECK(pipe(go) == 0 && pipe(back) == 0);
    pid_t p = fork();
    if (p == 0) {
        say("child: wrlock [0,10) %s\n", rc(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10)));
        writec(back[1]);
        readc(go[0]);
        _exit(0);
    }
    child_pid = p;
    readc(back[0]);
    getlk("parent sees", fd, F_GETLK, F_RDLCK, 0, 100);
    say("parent: rdlock [5,6) %s\n", rc(lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 5, 1)));
    writec(go[1]);
    int st;
    CHECK(waitpid(p, &st, 0) == p);
    getlk("after the child's exit", fd, F_GETLK, F_WRLCK, 0, 100);
    say("parent: wrlock [0,100) %s\n", rc(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 100)));
    return failures;
}

/* closing ANY descriptor of the file drops the process's locks on it (a dup, a second open) */
static int m_close(void) {
    int fd = makefile();
    say("wrlock [0,10): %s\n", rc(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10)));
    int d = dup(fd);
    say("close a dup: %s\n", rc(close(d)));
    probe("after closing a dup", F_WRLCK, 0, 100);
    say("wrlock [0,10) again: %s\n", rc(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10)));
    probe("locked again", F_WRLCK, 0, 100);
    int other = open(path, O_RDONLY);
    say("close another open of the file: %s\n", rc(close(other)));
    probe("after closing another open", F_WRLCK, 0, 100);
    say("rdlock [20,30): %s\n", rc(lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 20, 10)));
    int t = open(path, O_RDONLY);
    say("dup2 over another open of it: %s\n", rc(dup2(0, t)));
    probe("after dup2 replaced it", F_WRLCK, 0, 100);
    /* a child closing its inherited copy drops nothing of the parent's */
    say("wrlock [0,10): %s\n", rc(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10)));
    pid_t p = fork();
    if (p == 0) { close(fd); _exit(0); }
    int st;
    CHECK(waitpid(p, &st, 0) == p);
    probe("after a child closed its copy", F_WRLCK, 0, 100);
    return failures;
}

/* F_SETLKW waits until the holder unlocks */
static int m_setlkw(void) {
    int fd = makefile();
    int back[2], go[2];
    CHECK(pipe(back) == 0 && pipe(go) == 0);
    say("parent: wrlock [0,10) %s\n", rc(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10)));
    pid_t p = fork();
    if (p == 0) {
        int f2 = open(path, O_RDWR);
        writec(back[1]);
        int r = lk(f2, F_SETLKW, F_WRLCK, SEEK_SET, 5, 1);
        say("child: F_SETLKW returned %s\n", rc(r));
        writec(back[1]);
        readc(go[0]); /* holds the lock until the parent has looked */
        _exit(0);
    }
    child_pid = p;
    readc(back[0]);
    msleep(200);
    say("parent: unlocking\n");
    CHECK(lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0) == 0);
    readc(back[0]);
    getlk("parent sees", fd, F_GETLK, F_WRLCK, 0, 100);
    writec(go[1]);
    int st;
    CHECK(waitpid(p, &st, 0) == p && WIFEXITED(st));
    getlk("after the child's exit", fd, F_GETLK, F_WRLCK, 0, 100);
    return failures;
}

/* two processes waiting for each other: the second waiter gets EDEADLK */
static int m_deadlock(void) {
    int fd = makefile();
    int back[2];
    CHECK(pipe(back) == 0);
    say("parent: wrlock [0,1) %s\n", rc(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 1)));
    pid_t p = fork();
    if (p == 0) {
        int f2 = open(path, O_RDWR);
        say("child: wrlock [1,2) %s\n", rc(lk(f2, F_SETLK, F_WRLCK, SEEK_SET, 1, 1)));
        writec(back[1]);
        int r = lk(f2, F_SETLKW, F_WRLCK, SEEK_SET, 0, 1);
        say("child: F_SETLKW [0,1) returned %s\n", rc(r));
        _exit(0);
    }
    child_pid = p;
    readc(back[0]);
    msleep(200);
    say("parent: F_SETLKW [1,2) %s\n", rc(lk(fd, F_SETLKW, F_WRLCK, SEEK_SET, 1, 1)));
    say("parent: F_SETLK [1,2) %s\n", rc(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 1, 1)));
    say("parent: unlocking [0,1)\n"); /* before the call: the child may print as soon as it is granted */
    CHECK(lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 1) == 0);
    int st;
    CHECK(waitpid(p, &st, 0) == p && WIFEXITED(st));
    say("parent: F_SETLKW [0,2) after the child %s\n", rc(lk(fd, F_SETLKW, F_WRLCK, SEEK_SET, 0, 2)));
    return failures;
}

static void on_alarm(int s) { (void)s; }

/* a signal ends the wait: EINTR without SA_RESTART */
static int m_eintr(void) {
    int fd = makefile();
    int back[2], go[2];
    CHECK(pipe(back) == 0 && pipe(go) == 0);
    pid_t p = fork();
    if (p == 0) {
        say("child: wrlock [0,0) %s\n", rc(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 0)));
        writec(back[1]);
        readc(go[0]);
        _exit(0);
    }
    child_pid = p;
    readc(back[0]);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    CHECK(sigaction(SIGALRM, &sa, NULL) == 0);
    struct itimerval it = {{0, 0}, {0, 100000}};
    CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
    say("parent: F_SETLKW %s\n", rc(lk(fd, F_SETLKW, F_RDLCK, SEEK_SET, 50, 1)));
    writec(go[1]);
    int st;
    CHECK(waitpid(p, &st, 0) == p);
    say("parent: F_SETLKW after the child %s\n", rc(lk(fd, F_SETLKW, F_RDLCK, SEEK_SET, 50, 1)));
    return failures;
}

/* execve keeps the process's locks */
static int m_exec(void) {
    int fd = makefile();
    say("wrlock [0,10): %s\n", rc(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10)));
    char fdarg[16];
    snprintf(fdarg, sizeof fdarg, "%d", fd);
    char *argv[] = {"locks", "exec2", (char *)path, fdarg, NULL};
    execv("/proc/self/exe", argv);
    say("execv: %s\n", rc(-1));
    return 1;
}

static int m_exec2(char *fdarg) {
    int fd = atoi(fdarg);
    probe("after execve", F_WRLCK, 0, 100);
    say("own F_SETLK still works: %s\n", rc(lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0)));
    probe("after unlock", F_WRLCK, 0, 100);
    return failures;
}

/* open file description locks: owned by the description (two opens conflict; fork shares one) */
static int m_ofd(void) {
    int fd = makefile();
    int f2 = open(path, O_RDWR);
    struct flock fl;
    memset(&fl, 0, sizeof fl);
    fl.l_type = F_WRLCK;
    fl.l_len = 10;
    fl.l_pid = 1;
    say("OFD setlk with l_pid 1: %s\n", rc(fcntl(fd, F_OFD_SETLK, &fl)));
    say("OFD wrlock [0,10) fd1: %s\n", rc(lk(fd, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 10)));
    say("OFD wrlock [5,6) fd2: %s\n", rc(lk(f2, F_OFD_SETLK, F_WRLCK, SEEK_SET, 5, 1)));
    getlk("OFD getlk fd2", f2, F_OFD_GETLK, F_RDLCK, 0, 100);
    getlk("OFD getlk fd1", fd, F_OFD_GETLK, F_RDLCK, 0, 100);
    say("POSIX wrlock [5,6) of the same process: %s\n", rc(lk(f2, F_SETLK, F_WRLCK, SEEK_SET, 5, 1)));
    probe("POSIX probe", F_RDLCK, 0, 100);
    pid_t p = fork();
    if (p == 0) {
        say("child: OFD wrlock [0,20) on the shared description %s\n", rc(lk(fd, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 20)));
        _exit(0);
    }
    int st;
    CHECK(waitpid(p, &st, 0) == p);
    getlk("OFD getlk fd2 after the child", f2, F_OFD_GETLK, F_RDLCK, 0, 100);
    say("close fd1: %s\n", rc(close(fd)));
    getlk("OFD getlk fd2 after closing fd1", f2, F_OFD_GETLK, F_WRLCK, 0, 100);
    return failures;
}

/* flock: per open file description, shared by fork, blocking across processes */
static int m_flock(void) {
    int fd = makefile();
    int back[2];
    CHECK(pipe(back) == 0);
    say("parent: LOCK_EX %s\n", rc(flock(fd, LOCK_EX)));
    pid_t p = fork();
    if (p == 0) {
        say("child: LOCK_EX|LOCK_NB on the shared description %s\n", rc(flock(fd, LOCK_EX | LOCK_NB)));
        int f2 = open(path, O_RDONLY);
        say("child: LOCK_SH|LOCK_NB on its own open %s\n", rc(flock(f2, LOCK_SH | LOCK_NB)));
        writec(back[1]);
        say("child: LOCK_SH returned %s\n", rc(flock(f2, LOCK_SH)));
        _exit(0);
    }
    readc(back[0]);
    msleep(200);
    say("parent: unlocking\n");
    CHECK(flock(fd, LOCK_UN) == 0);
    int st;
    CHECK(waitpid(p, &st, 0) == p);
    return failures;
}

int main(int argc, char **argv) {
    if (argc < 3) { say("usage: locks MODE FILE\n"); return 2; }
    path = argv[2];
    parent_pid = getpid();
    const char *m = argv[1];
    int r;
    if (!strcmp(m, "ranges")) r = m_ranges();
    else if (!strcmp(m, "exit")) r = m_exit();
    else if (!strcmp(m, "close")) r = m_close();
    else if (!strcmp(m, "setlkw")) r = m_setlkw();
    else if (!strcmp(m, "deadlock")) r = m_deadlock();
    else if (!strcmp(m, "eintr")) r = m_eintr();
    else if (!strcmp(m, "exec")) r = m_exec();
    else if (!strcmp(m, "exec2")) r = m_exec2(argv[3]);
    else if (!strcmp(m, "ofd")) r = m_ofd();
    else if (!strcmp(m, "flock")) r = m_flock();
    else { say("unknown mode %s\n", m); return 2; }
    if (failures) say("%d failures\n", failures);
    return r != 0;
}
