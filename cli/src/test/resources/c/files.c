/* Files, directories, descriptors and pipes through libc: run natively and under lstar with a work
 * directory as argv[1]; stdout, the files left behind and the exit status must match. No floating point. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

static int checks, failures;
#define CHECK(c) do { checks++; if (!(c)) { failures++; printf("FAIL line %d: %s (errno %d)\n", __LINE__, #c, errno); } } while (0)
#define ERR(call, e) do { errno = 0; long r_ = (long)(call); checks++; printf("%-40s -> %ld errno %d\n", #call, r_, errno); if (r_ != -1 || errno != (e)) failures++; } while (0)

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void list(const char *path) {
    DIR *d = opendir(path);
    CHECK(d != NULL);
    if (!d) return;
    char *names[64];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 64) {
        char *s = malloc(strlen(e->d_name) + 4);
        sprintf(s, "%s:%d", e->d_name, e->d_type);
        names[n++] = s;
    }
    closedir(d);
    qsort(names, n, sizeof names[0], cmp);
    printf("%s:", path);
    for (int i = 0; i < n; i++) { printf(" %s", names[i]); free(names[i]); }
    printf("\n");
}

static void show(const char *path) {
    struct stat st;
    if (lstat(path, &st) != 0) { printf("%s: lstat errno %d\n", path, errno); return; }
    printf("%s: type %o perm %o size %ld nlink %ld blocks-nonzero %d\n", path, st.st_mode & S_IFMT, st.st_mode & 07777,
           (long)st.st_size, (long)st.st_nlink, st.st_blocks > 0);
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    umask(022);
    CHECK(chdir(argv[1]) == 0);
    char cwd[4096];
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    printf("cwd ends in /%s\n", strrchr(cwd, '/') + 1);

    /* create, write, read back, seek */
    int fd = open("a.txt", O_CREAT | O_WRONLY | O_TRUNC, 0666);
    CHECK(fd == 3);
    for (int i = 0; i < 100; i++) dprintf(fd, "line %d\n", i);
    CHECK(close(fd) == 0);
    show("a.txt");
    char buf[8192];
    fd = open("a.txt", O_RDONLY);
    ssize_t n = read(fd, buf, sizeof buf);
    printf("read %ld bytes, line 50 at %ld\n", (long)n, (long)(strstr(buf, "line 50\n") - buf));
    CHECK(lseek(fd, 7, SEEK_SET) == 7);
    n = read(fd, buf, 7);
    printf("at 7: %.*s", (int)n, buf);
    CHECK(lseek(fd, -8, SEEK_END) > 0);
    n = read(fd, buf, 100);
    printf("last: %.*s", (int)n, buf);
    CHECK(pread(fd, buf, 6, 0) == 6 && memcmp(buf, "line 0", 6) == 0);
    close(fd);

    /* stdio on files, append mode */
    FILE *f = fopen("a.txt", "a");
    fprintf(f, "appended %d\n", 42);
    fclose(f);
    f = fopen("a.txt", "r");
    int lines = 0;
    while (fgets(buf, sizeof buf, f)) lines++;
    fclose(f);
    printf("lines now %d, last: %s", lines, buf);

    /* pwrite, ftruncate, truncate */
    fd = open("b.bin", O_CREAT | O_RDWR, 0640);
    CHECK(pwrite(fd, "XYZ", 3, 1000) == 3);
    show("b.bin");
    CHECK(ftruncate(fd, 10) == 0);
    show("b.bin");
    CHECK(truncate("b.bin", 5000) == 0);
    show("b.bin");
    struct iovec iov[2] = {{"abc", 3}, {"defg", 4}};
    CHECK(lseek(fd, 0, SEEK_SET) == 0);
    CHECK(writev(fd, iov, 2) == 7);
    char r1[2], r2[5];
    struct iovec riov[2] = {{r1, 2}, {r2, 5}};
    CHECK(lseek(fd, 0, SEEK_SET) == 0);
    CHECK(readv(fd, riov, 2) == 7);
    printf("readv: %.2s|%.5s\n", r1, r2);
    CHECK(fsync(fd) == 0);
    close(fd);

    /* directories */
    CHECK(mkdir("sub", 0777) == 0);
    CHECK(mkdir("sub/deeper", 0700) == 0);
    ERR(mkdir("sub", 0777), EEXIST);
    ERR(mkdir("nope/x", 0777), ENOENT);
    ERR(mkdir("a.txt/x", 0777), ENOTDIR);
    ERR(rmdir("sub"), ENOTEMPTY);
    ERR(rmdir("a.txt"), ENOTDIR);
    ERR(unlink("sub"), EISDIR);
    ERR(open("missing", O_RDONLY), ENOENT);
    ERR(open("a.txt", O_CREAT | O_EXCL | O_WRONLY, 0600), EEXIST);
    ERR(open("sub", O_WRONLY), EISDIR);
    ERR(open("a.txt", O_RDONLY | O_DIRECTORY), ENOTDIR);
    ERR(read(99, buf, 1), EBADF);
    show("sub");
    show("sub/deeper");

    /* links */
    CHECK(link("a.txt", "sub/hard") == 0);
    show("a.txt");
    CHECK(symlink("../a.txt", "sub/soft") == 0);
    n = readlink("sub/soft", buf, sizeof buf);
    printf("readlink: %.*s\n", (int)n, buf);
    show("sub/soft");
    ERR(readlink("a.txt", buf, sizeof buf), EINVAL);
    CHECK(symlink("loop2", "loop1") == 0 && symlink("loop1", "loop2") == 0);
    ERR(open("loop1", O_RDONLY), ELOOP);
    ERR(open("sub/soft", O_RDONLY | O_NOFOLLOW), ELOOP);
    struct stat st;
    CHECK(stat("sub/soft", &st) == 0 && S_ISREG(st.st_mode));
    list(".");
    list("sub");

    /* rename */
    CHECK(rename("b.bin", "sub/c.bin") == 0);
    ERR(access("b.bin", F_OK), ENOENT);
    CHECK(access("sub/c.bin", R_OK | W_OK) == 0);
    ERR(rename("sub", "sub/deeper/x"), EINVAL);
    CHECK(open("d.txt", O_CREAT | O_WRONLY, 0600) >= 0);
    ERR(syscall(SYS_renameat2, AT_FDCWD, "d.txt", AT_FDCWD, "a.txt", 1 /* RENAME_NOREPLACE */), EEXIST);
    CHECK(rename("d.txt", "e.txt") == 0);
    int dfd = open("sub", O_RDONLY | O_DIRECTORY);
    CHECK(renameat(AT_FDCWD, "e.txt", dfd, "e-moved.txt") == 0);
    CHECK(fstatat(dfd, "e-moved.txt", &st, 0) == 0);
    printf("fstatat e-moved.txt perm %o\n", st.st_mode & 0777);
    CHECK(unlinkat(dfd, "deeper", AT_REMOVEDIR) == 0);
    close(dfd);
    list("sub");

    /* dup2 and pipes */
    int saved = dup(1);
    fd = open("redirected.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);
    fflush(stdout);
    CHECK(dup2(fd, 1) == 1);
    printf("this goes to the file\n");
    fflush(stdout);
    CHECK(dup2(saved, 1) == 1);
    close(saved);
    close(fd);
    fd = open("redirected.txt", O_RDONLY);
    n = read(fd, buf, sizeof buf);
    printf("redirected.txt: %.*s", (int)n, buf);
    close(fd);
    int p[2];
    CHECK(pipe(p) == 0);
    CHECK(write(p[1], "through the pipe\n", 17) == 17);
    n = read(p[0], buf, sizeof buf);
    printf("pipe: %.*s", (int)n, buf);
    CHECK(fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK) == 0);
    ERR(read(p[0], buf, 1), EAGAIN);
    close(p[1]);
    CHECK(read(p[0], buf, 1) == 0);
    close(p[0]);
    CHECK(pipe2(p, O_CLOEXEC) == 0);
    printf("pipe2 cloexec %d, F_GETFD %d\n", fcntl(p[0], F_GETFD) & FD_CLOEXEC, fcntl(p[1], F_GETFD));
    close(p[0]);
    close(p[1]);

    /* devices, sendfile, /proc/self/exe */
    fd = open("/dev/zero", O_RDONLY);
    memset(buf, 1, 16);
    CHECK(read(fd, buf, 16) == 16 && buf[0] == 0 && buf[15] == 0);
    close(fd);
    fd = open("/dev/null", O_WRONLY);
    CHECK(write(fd, buf, 100) == 100);
    close(fd);
    fflush(stdout);
    fd = open("redirected.txt", O_RDONLY);
    off_t off = 5;
    n = sendfile(1, fd, &off, 9);
    printf(" <- sendfile %ld, offset now %ld\n", (long)n, (long)off);
    close(fd);
    n = readlink("/proc/self/exe", buf, sizeof buf);
    CHECK(n > 0);
    printf("exe is absolute: %d\n", n > 0 && buf[0] == '/');

    /* clean part of it up */
    CHECK(unlink("loop1") == 0 && unlink("loop2") == 0);
    CHECK(unlink("sub/hard") == 0);
    show("a.txt");
    CHECK(chmod("a.txt", 0600) == 0);
    show("a.txt");
    printf("%d checks, %d failures\n", checks, failures);
    return failures ? 1 : 7;
}
