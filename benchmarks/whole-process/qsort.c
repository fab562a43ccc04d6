/* qsort [N]: sorts N (default 10000000) xorshift-generated ints with the C library's qsort,
 * checks the order and prints a checksum. Branchy compare calls through a function pointer. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static int cmp(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    size_t n = argc > 1 ? strtoull(argv[1], 0, 10) : 10000000;
    int *v = malloc(n * sizeof *v);
    if (!v) { perror("malloc"); return 1; }
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < n; i++) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; v[i] = (int)x; }
    qsort(v, n, sizeof *v, cmp);
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        if (i && v[i - 1] > v[i]) { printf("not sorted at %zu\n", i); return 1; }
        sum = sum * 31 + (uint32_t)v[i];
    }
    printf("%016llx\n", (unsigned long long)sum);
    return 0;
}
