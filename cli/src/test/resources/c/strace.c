/* System calls whose arguments --strace shows symbolically; CliStraceTest compares the lines
 * with what strace 6.1 printed for this program on Linux (pointers and struct contents aside). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/file.h>
#include <linux/futex.h>
#include <termios.h>
#include <time.h>
#include <sys/random.h>
#include <stdio.h>
#include <linux/close_range.h>
#include <sys/eventfd.h>
#include <sys/time.h>
int main(int argc, char **argv) {
    if (argc < 2 || chdir(argv[1]) != 0) return 2;
    struct stat st; struct timespec ts; struct rlimit rl; char name[16]; int fds[2]; int w = 0; int n;
    struct termios t; struct winsize ws;
    syscall(SYS_openat, AT_FDCWD, "f", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0640);
    syscall(SYS_openat, AT_FDCWD, "f", O_RDONLY|O_NONBLOCK|O_DIRECTORY);
    syscall(SYS_open, "f", O_RDWR|O_APPEND);
    syscall(SYS_access, "f", R_OK|W_OK);
    syscall(SYS_access, "f", F_OK);
    syscall(SYS_faccessat, AT_FDCWD, "f", X_OK);
    syscall(SYS_faccessat2, AT_FDCWD, "f", R_OK, AT_EACCESS|AT_SYMLINK_NOFOLLOW);
    syscall(SYS_newfstatat, AT_FDCWD, "f", &st, AT_SYMLINK_NOFOLLOW);
    syscall(SYS_fcntl, 3, F_GETFD);
    syscall(SYS_fcntl, 3, F_SETFD, FD_CLOEXEC);
    syscall(SYS_fcntl, 3, F_GETFL);
    syscall(SYS_fcntl, 3, F_SETFL, O_NONBLOCK|O_APPEND);
    syscall(SYS_fcntl, 3, F_DUPFD_CLOEXEC, 10);
    syscall(SYS_ioctl, 0, TCGETS, &t);
    syscall(SYS_ioctl, 0, TIOCGWINSZ, &ws);
    syscall(SYS_ioctl, 0, FIONREAD, &n);
    syscall(SYS_ioctl, 3, FIOCLEX);
    syscall(SYS_lseek, 3, 0L, SEEK_END);
    syscall(SYS_lseek, 3, 5L, SEEK_SET);
    syscall(SYS_futex, &w, FUTEX_WAKE_PRIVATE, 1);
    syscall(SYS_futex, &w, FUTEX_WAIT, 1, NULL);
    syscall(SYS_prctl, PR_SET_NAME, "abc", 0, 0, 0);
    syscall(SYS_prctl, PR_GET_DUMPABLE, 0, 0, 0, 0);
    syscall(SYS_pipe2, fds, O_CLOEXEC|O_NONBLOCK);
    syscall(SYS_eventfd2, 3, EFD_CLOEXEC|EFD_NONBLOCK);
    syscall(SYS_memfd_create, "mem", MFD_CLOEXEC|MFD_ALLOW_SEALING);
    syscall(SYS_madvise, 0x10000, 4096, MADV_DONTNEED);
    syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
    syscall(SYS_clock_getres, CLOCK_REALTIME_COARSE, &ts);
    syscall(SYS_getrlimit, RLIMIT_NOFILE, &rl);
    syscall(SYS_prlimit64, 0, RLIMIT_STACK, NULL, &rl);
    syscall(SYS_unlinkat, AT_FDCWD, "nodir", AT_REMOVEDIR);
    syscall(SYS_flock, 3, LOCK_EX|LOCK_NB);
    syscall(SYS_dup3, 3, 20, O_CLOEXEC);
    syscall(SYS_getrandom, name, 8, GRND_NONBLOCK);
    syscall(SYS_mkdirat, AT_FDCWD, "d", 0755);
    syscall(SYS_renameat2, AT_FDCWD, "d", AT_FDCWD, "e", RENAME_NOREPLACE);
    syscall(SYS_unlinkat, AT_FDCWD, "e", AT_REMOVEDIR);
    syscall(SYS_close_range, 30, 40, CLOSE_RANGE_CLOEXEC);
    syscall(SYS_setitimer, ITIMER_REAL, NULL, NULL);
        syscall(SYS_fadvise64, 3, 0, 0, POSIX_FADV_SEQUENTIAL);
    syscall(SYS_statx, AT_FDCWD, "f", AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, NULL);
    syscall(SYS_umask, 022);
    syscall(SYS_msync, 0x10000, 4096, MS_SYNC);
    syscall(SYS_mremap, 0x10000, 4096, 8192, MREMAP_MAYMOVE);
        syscall(SYS_fallocate, 3, FALLOC_FL_KEEP_SIZE, 0, 10);
    syscall(SYS_fchmodat, AT_FDCWD, "f", 0600);
    syscall(SYS_linkat, AT_FDCWD, "f", AT_FDCWD, "g", AT_SYMLINK_FOLLOW);
    syscall(SYS_unlinkat, AT_FDCWD, "g", 0);
    syscall(SYS_utimensat, AT_FDCWD, "f", NULL, AT_SYMLINK_NOFOLLOW);
    return 0;
}
