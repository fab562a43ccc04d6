/* A dynamically linked program (gcc -O2, no -static) for lstar's dynamic-executable tests:
 * ld.so and libc start-up, printf, file mappings (private copy-on-write, shared with write-back),
 * mremap, madvise, mincore, /proc/self/maps and /proc/self/auxv. Its output holds no addresses,
 * so the native run (with ASLR) and lstar's print the same. argv[1] is an empty scratch directory;
 * the last store through a shared mapping is left for exit to write back (the test reads the file). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

static int failures;

static void check(int ok, const char *what) {
    printf("%s: %s\n", what, ok ? "ok" : "FAILED");
    if (!ok) failures++;
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    char path[4096], shared[4096];
    printf("hello from a dynamic executable: %d %s %.3f\n", 42, "str", 2.5);
    snprintf(path, sizeof path, "%s/data.txt", argv[1]);
    snprintf(shared, sizeof shared, "%s/shared.bin", argv[1]);

    /* a private mapping reads the file; stores stay private */
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    const char text[] = "0123456789 file contents for mmap\n";
    check(write(fd, text, sizeof text - 1) == sizeof text - 1, "write data");
    char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    check(p != MAP_FAILED, "mmap private");
    check(memcmp(p, text, sizeof text - 1) == 0, "private mapping shows the file");
    check(p[sizeof text - 1] == 0 && p[4095] == 0, "bytes past EOF in the last page are zero");
    p[0] = 'X';
    char b[16] = {0};
    check(pread(fd, b, 4, 0) == 4 && memcmp(b, "0123", 4) == 0, "private store does not reach the file");
    check(munmap(p, 8192) == 0, "munmap private");

    /* errors */
    int ro = open(path, O_RDONLY), wo = open(path, O_WRONLY);
    errno = 0; check(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0) == MAP_FAILED && errno == EACCES, "shared writable of O_RDONLY: EACCES");
    errno = 0; check(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, wo, 0) == MAP_FAILED && errno == EACCES, "O_WRONLY: EACCES");
    errno = 0; check(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 999, 0) == MAP_FAILED && errno == EBADF, "bad fd: EBADF");
    errno = 0; check(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, ro, 100) == MAP_FAILED && errno == EINVAL, "unaligned offset: EINVAL");
    errno = 0; check(mmap(NULL, 0, PROT_READ, MAP_PRIVATE, ro, 0) == MAP_FAILED && errno == EINVAL, "length 0: EINVAL");
    char *q = mmap(NULL, 4096, PROT_READ, MAP_SHARED, ro, 0);
    check(q != MAP_FAILED, "shared read-only mapping");
    errno = 0; check(mprotect(q, 4096, PROT_READ | PROT_WRITE) == -1 && errno == EACCES, "mprotect write on it: EACCES");
    munmap(q, 4096);
    int pfd[2];
    pipe(pfd);
    errno = 0; check(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, pfd[0], 0) == MAP_FAILED && errno == ENODEV, "pipe: ENODEV");
    close(ro); close(wo); close(fd);

    /* a shared mapping: stores reach the file (read() sees them at once), msync, and exit */
    int sfd = open(shared, O_RDWR | O_CREAT | O_TRUNC, 0644);
    check(ftruncate(sfd, 8192) == 0, "ftruncate shared");
    char *s = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, sfd, 0);
    check(s != MAP_FAILED, "mmap shared");
    memcpy(s + 4100, "shared-store", 12);
    memset(b, 0, sizeof b);
    check(pread(sfd, b, 12, 4100) == 12 && memcmp(b, "shared-store", 12) == 0, "read() sees a store through the mapping");
    check(pwrite(sfd, "WRITTEN", 7, 10) == 7 && memcmp(s + 10, "WRITTEN", 7) == 0, "the mapping sees a write()");
    check(msync(s, 8192, MS_SYNC) == 0, "msync");
    errno = 0; check(msync(s, 8192, MS_SYNC | MS_ASYNC) == -1 && errno == EINVAL, "msync SYNC|ASYNC: EINVAL");
    unsigned char vec[2];
    check(mincore(s, 8192, vec) == 0 && (vec[1] & 1), "mincore: a touched page is resident");

    /* /proc/self/maps shows the file mapping */
    FILE *m = fopen("/proc/self/maps", "r");
    char line[512];
    int seen = 0;
    while (m && fgets(line, sizeof line, m)) {
        char *name = strrchr(line, '/');
        if (name && strcmp(name, "/shared.bin\n") == 0) {
            char perms[5] = {0};
            unsigned long off;
            sscanf(strchr(line, ' ') + 1, "%4s %lx", perms, &off);
            printf("maps: %s %lx shared.bin\n", perms, off);
            seen = 1;
        }
    }
    if (m) fclose(m);
    check(seen, "/proc/self/maps names the shared file");

    /* /proc/self/auxv agrees with getauxval */
    FILE *a = fopen("/proc/self/auxv", "r");
    unsigned long pair[2], base = 1, pagesz = 0, entry = 0;
    while (a && fread(pair, sizeof pair, 1, a) == 1 && pair[0] != AT_NULL) {
        if (pair[0] == AT_BASE) base = pair[1];
        if (pair[0] == AT_PAGESZ) pagesz = pair[1];
        if (pair[0] == AT_ENTRY) entry = pair[1];
    }
    if (a) fclose(a);
    check(base == getauxval(AT_BASE) && base != 0, "auxv AT_BASE (the interpreter)");
    check(pagesz == 4096 && entry == getauxval(AT_ENTRY) && entry != 0, "auxv AT_PAGESZ and AT_ENTRY");
    check(strcmp((char *) getauxval(AT_PLATFORM), "x86_64") == 0, "AT_PLATFORM");

    /* mremap and madvise on anonymous memory */
    char *r = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    strcpy(r, "moved with its pages");
    char *r2 = mremap(r, 4096, 1 << 20, MREMAP_MAYMOVE);
    check(r2 != MAP_FAILED && strcmp(r2, "moved with its pages") == 0, "mremap grow keeps the contents");
    r2[(1 << 20) - 1] = 1;
    check(madvise(r2, 1 << 20, MADV_DONTNEED) == 0 && r2[0] == 0 && r2[(1 << 20) - 1] == 0, "MADV_DONTNEED zeroes private anonymous pages");
    errno = 0; check(mremap(r2, 4096, 8192, 0x100) == MAP_FAILED && errno == EINVAL, "mremap bad flags: EINVAL");

    /* left for exit to write back */
    memcpy(s + 8000, "at-exit", 7);
    printf("failures %d\n", failures);
    return failures == 0 ? 3 : 1;
}
