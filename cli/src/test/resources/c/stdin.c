/* The host's stdin under lstar: signals interrupting a blocked read (alarm with and without
 * SA_RESTART, default action), O_NONBLOCK, poll, byte-exact consumption, and what fstat/stat say
 * about fd 0 and /dev/tty. Usage: stdin MODE (see main). Output is compared with a native run. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile int ticks;

static void say(const char *s) { write(1, s, strlen(s)); }

static void on_alarm(int sig) {
    (void) sig;
    ticks++;
    say(ticks == 1 ? "tick 1\n" : "tick 2\n");
    if (ticks == 2) _exit(3); /* with SA_RESTART the read never returned */
    alarm(1);
}

static void handle(int flags) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sa.sa_flags = flags;
    sigaction(SIGALRM, &sa, 0);
}

static const char *type(mode_t m) {
    return S_ISCHR(m) ? "chr" : S_ISFIFO(m) ? "fifo" : S_ISREG(m) ? "reg" : S_ISSOCK(m) ? "sock" : "other";
}

/* what is stable between two runs on the same host file: the type and permissions always; a
 * terminal's or regular file's identity too (a pipe is a new one each run) */
static void show(const char *what, int r, struct stat *st) {
    if (r != 0) { printf("%s: %s\n", what, strerror(errno)); return; }
    printf("%s: %s %04o", what, type(st->st_mode), st->st_mode & 07777);
    if (!S_ISFIFO(st->st_mode))
        printf(" dev %u:%u ino %lu rdev %u:%u size %ld nlink %lu uid %u", major(st->st_dev), minor(st->st_dev),
               (unsigned long) st->st_ino, major(st->st_rdev), minor(st->st_rdev), (long) st->st_size,
               (unsigned long) st->st_nlink, st->st_uid);
    printf("\n");
}

int main(int argc, char **argv) {
    char buf[256];
    ssize_t n;
    const char *m = argc > 1 ? argv[1] : "";
    setvbuf(stdout, 0, _IONBF, 0);
    if (!strcmp(m, "eintr") || !strcmp(m, "restart") || !strcmp(m, "default")) {
        if (!strcmp(m, "eintr")) handle(0);
        if (!strcmp(m, "restart")) handle(SA_RESTART);
        alarm(1);
        n = read(0, buf, 64);
        printf("read %zd %s ticks %d\n", n, n < 0 ? strerror(errno) : "", ticks);
        return 0;
    }
    if (!strcmp(m, "nonblock")) {
        fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
        n = read(0, buf, 64);
        printf("read %zd %s\n", n, n < 0 ? strerror(errno) : "");
        struct pollfd p = {0, POLLIN, 0};
        int r = poll(&p, 1, 200);
        printf("poll %d revents %#x\n", r, p.revents);
        return 0;
    }
    if (!strcmp(m, "fork")) { /* a child blocked reading stdin must not keep the parent from running */
        pid_t c = fork();
        if (c == 0) {
            n = read(0, buf, 64);
            printf("child read %zd\n", n);
            _exit(0);
        }
        int spin = 0;
        for (int i = 0; i < 20000000; i++) spin += i & 1; /* runs while the child waits */
        printf("parent ran %d\n", spin > 0);
        kill(c, SIGTERM);
        int st;
        waitpid(c, &st, 0);
        printf("child %s %d\n", WIFSIGNALED(st) ? "killed by" : "exited", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
        return 0;
    }
    if (!strcmp(m, "line")) { /* one line, byte by byte, as a shell's read builtin does */
        char c;
        while (read(0, &c, 1) == 1) {
            write(1, &c, 1);
            if (c == '\n') break;
        }
        return 0;
    }
    if (!strcmp(m, "stat")) {
        struct stat st;
        show("fstat 0", fstat(0, &st), &st);
        show("stat /dev/stdin", stat("/dev/stdin", &st), &st);
        show("stat /proc/self/fd/0", stat("/proc/self/fd/0", &st), &st);
        show("fstat 1", fstat(1, &st), &st);
        printf("isatty 0 %d\n", isatty(0));
        char *name = ttyname(0);
        printf("ttyname 0 %s\n", name ? name : strerror(errno));
        n = readlink("/proc/self/fd/0", buf, sizeof buf - 1);
        if (n >= 0) buf[n] = 0;
        printf("readlink fd 0 %s\n", n < 0 ? strerror(errno) : !strncmp(buf, "pipe:", 5) ? "pipe:[...]" : buf);
        int fd = open("/dev/tty", O_RDWR);
        if (fd < 0) printf("open /dev/tty: %s\n", strerror(errno));
        else {
            show("fstat /dev/tty", fstat(fd, &st), &st);
            printf("isatty /dev/tty %d\n", isatty(fd));
            close(fd);
        }
        return 0;
    }
    fprintf(stderr, "usage: stdin eintr|restart|default|nonblock|fork|line|stat\n");
    return 2;
}
