/*
 * /proc/PID/task/TID and /proc/thread-self of a threaded process: main names itself, starts two
 * threads that name themselves (pthread_setname_np on pthread_self: prctl PR_SET_NAME) and
 * wait; then the task directory is listed and each thread's comm, stat and status read, from
 * main and from a thread. Output is deterministic (tids printed as relations), so a native and
 * an lstar run compare line by line. Built with gcc -static and musl-gcc -static by ProcTaskTest.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static int failures;
static pid_t tids[3];
static char names[3][16];
static pthread_barrier_t ready, done;

static void say(const char *fmt, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (write(1, buf, n) != n) _exit(99);
}

#define CHECK(cond) do { if (!(cond)) { say("  FAILED: %s (line %d)\n", #cond, __LINE__); failures++; } } while (0)

static pid_t gettid_(void) { return (pid_t)syscall(SYS_gettid); }

static const char *who(long id) {
    static char b[32];
    for (int i = 0; i < 3; i++) if (id == tids[i]) { snprintf(b, sizeof b, "T%d", i); return b; }
    if (id == getpid()) return "pid";
    return "other";
}

static int readfile(const char *path, char *buf, size_t cap) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    int n = 0, r;
    while (n < (int)cap - 1 && (r = read(fd, buf + n, cap - 1 - n)) > 0) n += r;
    close(fd);
    buf[n] = 0;
    return n;
}

/* the interesting lines of status: Name, State (letter), Tgid, Pid, Threads */
static void show_status(const char *dir, const char *label) {
    char path[128], buf[4096];
    snprintf(path, sizeof path, "%s/status", dir);
    if (readfile(path, buf, sizeof buf) < 0) { say("%s status: %s\n", label, strerror(errno)); failures++; return; }
    char name[64] = "?", state = '?';
    long tgid = -2, pid = -2, threads = -2;
    for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n")) {
        if (!strncmp(l, "Name:\t", 6)) snprintf(name, sizeof name, "%s", l + 6);
        else if (!strncmp(l, "State:\t", 7)) state = l[7];
        else if (!strncmp(l, "Tgid:\t", 6)) tgid = atol(l + 6);
        else if (!strncmp(l, "Pid:\t", 5)) pid = atol(l + 5);
        else if (!strncmp(l, "Threads:\t", 9)) threads = atol(l + 9);
    }
    say("%s status: Name=%s State=%s Tgid=%s", label, name, state == 'S' || state == 'R' ? "S/R" : "other", who(tgid));
    say(" Pid=%s Threads=%ld\n", who(pid), threads);
}

static void show_task(const char *dir, const char *label) {
    char path[128], buf[1024];
    snprintf(path, sizeof path, "%s/comm", dir);
    if (readfile(path, buf, sizeof buf) < 0) { say("%s comm: %s\n", label, strerror(errno)); failures++; return; }
    say("%s comm: %s", label, buf);
    snprintf(path, sizeof path, "%s/stat", dir);
    if (readfile(path, buf, sizeof buf) < 0) { say("%s stat: %s\n", label, strerror(errno)); failures++; return; }
    long id = atol(buf);
    char *open_ = strchr(buf, '('), *close_ = strrchr(buf, ')');
    CHECK(open_ && close_);
    if (!open_ || !close_) return;
    *close_ = 0;
    /* field 20 is num_threads: after ") S " come ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime priority nice num_threads */
    char *rest = close_ + 2;
    char st = rest[0];
    long f[20];
    int k = 0;
    for (char *t = strtok(rest + 2, " "); t && k < 20; t = strtok(NULL, " ")) f[k++] = atol(t);
    say("%s stat: id=%s comm=%s state=%s num_threads=%ld\n", label, who(id), open_ + 1, st == 'S' || st == 'R' ? "S/R" : "other",
        k > 16 ? f[16] : -1);
    show_status(dir, label);
}

static void *worker(void *arg) {
    long i = (long)arg;
    tids[i] = gettid_();
    char name[16];
    snprintf(name, sizeof name, "worker-%ld", i);
    CHECK(pthread_setname_np(pthread_self(), name) == 0);
    CHECK(prctl(PR_GET_NAME, names[i]) == 0);
    pthread_barrier_wait(&ready);
    pthread_barrier_wait(&done);
    if (i == 1) {
        /* from a thread: /proc/thread-self is its own task entry */
        char link[64], want[64];
        ssize_t n = readlink("/proc/thread-self", link, sizeof link - 1);
        CHECK(n > 0);
        link[n > 0 ? n : 0] = 0;
        snprintf(want, sizeof want, "%d/task/%d", getpid(), gettid_());
        say("T1 thread-self is PID/task/T1: %d\n", strcmp(link, want) == 0);
        show_task("/proc/thread-self", "T1 thread-self");
        char dir[64];
        snprintf(dir, sizeof dir, "/proc/self/task/%d", tids[0]);
        show_task(dir, "T1 sees T0");
    }
    pthread_barrier_wait(&ready);
    return NULL;
}

static int cmp(const void *a, const void *b) { return *(const long *)a < *(const long *)b ? -1 : *(const long *)a > *(const long *)b; }

int main(void) {
    tids[0] = gettid_();
    CHECK(prctl(PR_SET_NAME, "main-thread") == 0);
    pthread_barrier_init(&ready, NULL, 3);
    pthread_barrier_init(&done, NULL, 3);
    pthread_t th[2];
    for (long i = 1; i <= 2; i++) CHECK(pthread_create(&th[i - 1], NULL, worker, (void *)i) == 0);
    pthread_barrier_wait(&ready);
    for (int i = 1; i <= 2; i++) say("T%d PR_GET_NAME: %s\n", i, names[i]);

    /* the task directory: every thread, by tid */
    DIR *d = opendir("/proc/self/task");
    CHECK(d != NULL);
    long ids[16];
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        if (n < 16) ids[n++] = atol(e->d_name);
    }
    if (d) closedir(d);
    qsort(ids, n, sizeof ids[0], cmp);
    say("task entries:");
    for (int i = 0; i < n; i++) say(" %s", who(ids[i]));
    say("\n");
    for (int i = 0; i < 3; i++) {
        char dir[64], label[32];
        snprintf(dir, sizeof dir, "/proc/%d/task/%d", getpid(), tids[i]);
        snprintf(label, sizeof label, "task T%d", i);
        show_task(dir, label);
    }
    show_task("/proc/self", "process");
    char link[64], want[64];
    ssize_t ln = readlink("/proc/thread-self", link, sizeof link - 1);
    link[ln > 0 ? ln : 0] = 0;
    snprintf(want, sizeof want, "%d/task/%d", getpid(), getpid());
    say("main thread-self is PID/task/PID: %d\n", strcmp(link, want) == 0);
    char bad[64];
    snprintf(bad, sizeof bad, "/proc/self/task/%d/comm", tids[2] + 1000);
    say("a tid that is not a thread: %s\n", open(bad, O_RDONLY) < 0 && errno == ENOENT ? "ENOENT" : "opened");

    pthread_barrier_wait(&done);
    pthread_barrier_wait(&ready);
    for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
    if (failures) say("%d failures\n", failures);
    return failures != 0;
}
