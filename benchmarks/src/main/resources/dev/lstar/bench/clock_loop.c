/*
 * The guest loop of ClockBench, and its own native timer.
 *
 *   clock_loop vdso|syscall            endless: blocks of BLOCK clock_gettime(CLOCK_MONOTONIC)
 *                                      calls (through the vDSO as libc makes them, or as the raw
 *                                      system call), each block followed by one getppid() as a
 *                                      marker the benchmark counts
 *   clock_loop vdso|syscall N          the same N times natively, then prints ns per call
 *                                      (the host baseline; the marker is included, as under lstar)
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define BLOCK 1000

static long long ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv) {
    int viaSyscall = argc > 1 && strcmp(argv[1], "syscall") == 0;
    long long blocks = argc > 2 ? atoll(argv[2]) / BLOCK : -1;
    struct timespec t;
    long long start = ns();
    for (long long b = 0; blocks < 0 || b < blocks; b++) {
        if (viaSyscall) {
            for (int i = 0; i < BLOCK; i++) syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &t);
        } else {
            for (int i = 0; i < BLOCK; i++) clock_gettime(CLOCK_MONOTONIC, &t);
        }
        syscall(SYS_getppid);
    }
    printf("%s: %.2f ns per call\n", viaSyscall ? "syscall" : "vdso", (double) (ns() - start) / (blocks * BLOCK));
    return 0;
}
