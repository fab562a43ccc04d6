/*
 * aslr: where the kernel laid the process out. Prints one "name 0x..." line per address: main (the
 * executable), the end of its image (_end), a stack local, the initial stack pointer's strings
 * (argv[0]), a small malloc, an anonymous mmap, sbrk(0) (the program break before and after
 * malloc), the vDSO (AT_SYSINFO_EHDR), AT_RANDOM, AT_BASE (the interpreter), the personality.
 * Then, for the addresses that must lie in a known mapping, the /proc/self/maps line that holds
 * each ("in main <name>"), so a test can check the maps file agrees with the layout.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <unistd.h>

extern char _end[];

static const char *region(uintptr_t a, char *buf, size_t n) {
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f) return "no-maps";
    char line[512];
    const char *found = "none";
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx", &lo, &hi) != 2) continue;
        if (a >= lo && a < hi) {
            char *name = line;
            for (int field = 0; field < 5 && name; field++) {
                name = strchr(name, ' ');
                if (name) while (*name == ' ') name++;
            }
            if (!name || !*name || *name == '\n') found = "anon";
            else {
                name[strcspn(name, "\n")] = 0;
                const char *slash = strrchr(name, '/');
                snprintf(buf, n, "%s", slash && name[0] == '/' ? slash + 1 : name);
                found = buf;
            }
            break;
        }
    }
    fclose(f);
    return found;
}

int main(int argc, char **argv) {
    volatile int local = argc;
    uintptr_t brk0 = (uintptr_t) sbrk(0);
    void *m = malloc(64);
    void *map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    uintptr_t vdso = getauxval(AT_SYSINFO_EHDR);
    printf("main 0x%lx\n", (unsigned long) (uintptr_t) &main);
    printf("end 0x%lx\n", (unsigned long) (uintptr_t) _end);
    printf("stack 0x%lx\n", (unsigned long) (uintptr_t) &local);
    printf("argv0 0x%lx\n", (unsigned long) (uintptr_t) argv[0]);
    printf("malloc 0x%lx\n", (unsigned long) (uintptr_t) m);
    printf("mmap 0x%lx\n", (unsigned long) (uintptr_t) map);
    printf("brk0 0x%lx\n", (unsigned long) brk0);
    printf("brk 0x%lx\n", (unsigned long) (uintptr_t) sbrk(0));
    printf("vdso 0x%lx\n", (unsigned long) vdso);
    printf("random 0x%lx\n", (unsigned long) getauxval(AT_RANDOM));
    printf("base 0x%lx\n", (unsigned long) getauxval(AT_BASE));
    printf("personality 0x%x\n", personality(0xffffffff));
    char b1[256], b2[256], b3[256], b4[256];
    printf("in main %s\n", region((uintptr_t) &main, b1, sizeof b1));
    printf("in stack %s\n", region((uintptr_t) &local, b2, sizeof b2));
    printf("in vdso %s\n", vdso ? region(vdso, b3, sizeof b3) : "none");
    printf("in mmap %s\n", region((uintptr_t) map, b4, sizeof b4));
    return 0;
}
