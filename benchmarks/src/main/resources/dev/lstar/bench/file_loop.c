/*
 * The guest loop of FileIoBench, and its own native timer.
 *
 *   file_loop OP PATH          endless: blocks of BLOCK 4 KiB operations on the file PATH (created
 *                              and filled with 4 KiB first), each block followed by one getppid()
 *                              as a marker the benchmark counts. OP is one of
 *                                pread   pread(fd, buf, 4096, 0)
 *                                pwrite  pwrite(fd, buf, 4096, 0)
 *                                read    lseek(fd, 0, SEEK_SET) then read(fd, buf, 4096)
 *                                write   lseek(fd, 0, SEEK_SET) then write(fd, buf, 4096)
 *   file_loop OP PATH N        the same N times natively, then prints ns per operation
 *                              (the host baseline; the marker is included, as under lstar)
 *
 * Every call's result is checked: a short or failed transfer ends the program with exit status 2,
 * which the benchmark reports as an error.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define BLOCK 100
#define SIZE 4096

static char buf[SIZE] __attribute__((aligned(4096)));

static long long ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void fail(const char *what, long r) {
    fprintf(stderr, "file_loop: %s returned %ld\n", what, r);
    exit(2);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: file_loop pread|pwrite|read|write PATH [N]\n");
        return 1;
    }
    const char *op = argv[1];
    int kind = strcmp(op, "pread") == 0 ? 0 : strcmp(op, "pwrite") == 0 ? 1
             : strcmp(op, "read") == 0 ? 2 : strcmp(op, "write") == 0 ? 3 : -1;
    if (kind < 0) {
        fprintf(stderr, "file_loop: unknown operation %s\n", op);
        return 1;
    }
    long long blocks = argc > 3 ? atoll(argv[3]) / BLOCK : -1;
    int fd = open(argv[2], O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) fail("open", fd);
    for (int i = 0; i < SIZE; i++) buf[i] = (char) (i * 7 + 1);
    long r = pwrite(fd, buf, SIZE, 0);
    if (r != SIZE) fail("pwrite (fill)", r);

    long long start = ns();
    for (long long b = 0; blocks < 0 || b < blocks; b++) {
        switch (kind) {
        case 0:
            for (int i = 0; i < BLOCK; i++) if ((r = pread(fd, buf, SIZE, 0)) != SIZE) fail("pread", r);
            break;
        case 1:
            for (int i = 0; i < BLOCK; i++) if ((r = pwrite(fd, buf, SIZE, 0)) != SIZE) fail("pwrite", r);
            break;
        case 2:
            for (int i = 0; i < BLOCK; i++) {
                if ((r = lseek(fd, 0, SEEK_SET)) != 0) fail("lseek", r);
                if ((r = read(fd, buf, SIZE)) != SIZE) fail("read", r);
            }
            break;
        default:
            for (int i = 0; i < BLOCK; i++) {
                if ((r = lseek(fd, 0, SEEK_SET)) != 0) fail("lseek", r);
                if ((r = write(fd, buf, SIZE)) != SIZE) fail("write", r);
            }
            break;
        }
        syscall(SYS_getppid);
    }
    printf("%s: %.2f ns per operation\n", op, (double) (ns() - start) / (blocks * BLOCK));
    close(fd);
    return 0;
}
