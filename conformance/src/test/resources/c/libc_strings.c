/*
 * A static C program (gcc -O2 -static with glibc, or musl-gcc) for lstar's end-to-end tests: libc start-up
 * (glibc: _dl_aux_init, TLS, IRELATIVE resolution of the SSE2 string functions), printf of integers
 * and strings, and the SSE2 string and memory functions on buffers of assorted sizes and
 * alignments. Integer and string work only: no floating point. It prints only its own
 * results, so its output is the same on every correct x86-64 machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned char buf[4096 + 64], dst[4096 + 64];

static unsigned long hash(const unsigned char *p, size_t n) {
    unsigned long s = 1469598103934665603UL;
    for (size_t i = 0; i < n; i++) s = (s ^ p[i]) * 1099511628211UL;
    return s;
}

static int cmp_int(const void *a, const void *b) {
    int x = *(const int *) a, y = *(const int *) b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    printf("hello, %s: %d %ld %u %x %o %c %5.3s|%-4d|%+d\n", "world", -42, 1234567890123L, 4000000000u, 0xbeefu,
           8u, 'z', "abcdef", 7, 9);
    static const size_t sizes[] = {0, 1, 2, 3, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 255, 256, 1000, 4095};
    int failures = 0;
    for (size_t a = 0; a < 16; a += 3) {
        unsigned long h = 0;
        for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
            size_t n = sizes[k];
            for (size_t i = 0; i < n; i++) buf[a + i] = (unsigned char) ('a' + (i * 7 + a) % 26);
            buf[a + n] = 0;
            size_t b = a ^ 5;
            if (strlen((char *) buf + a) != n || strnlen((char *) buf + a, n / 2) != n / 2) failures++;
            memset(dst, 0x5a, sizeof dst);
            memcpy(dst + b, buf + a, n + 1);
            if (strcmp((char *) dst + b, (char *) buf + a) != 0 || memcmp(dst + b, buf + a, n) != 0) failures++;
            char *q = strchr((char *) buf + a, 'q'), *r = strrchr((char *) buf + a, 'c');
            void *m = memchr(buf + a, 'e', n);
            h = h * 31 + (q ? (unsigned long) (q - (char *) buf - a) : 999) + (r ? (unsigned long) (r - (char *) buf) : 7)
                + (m ? (unsigned long) ((unsigned char *) m - buf) : 5);
            if (n) {
                dst[b + n / 2] ^= 1;
                if ((strncmp((char *) dst + b, (char *) buf + a, n) < 0) != ((dst[b + n / 2] < buf[a + n / 2])))
                    failures++;
                if (memcmp(dst + b, buf + a, n) == 0) failures++;
            }
            memmove(dst + b + 3, dst + b, n); /* overlapping, forwards */
            memmove(dst + b, dst + b + 5, n); /* overlapping, backwards */
            h = h * 131 + hash(dst + b, n + 8);
            strcpy((char *) dst + b, (char *) buf + a);
            strcat((char *) dst + b, "-tail");
            h ^= hash(dst + b, strlen((char *) dst + b));
        }
        printf("alignment %2zu: hash %016lx\n", a, h);
    }
    char line[96];
    int len = snprintf(line, sizeof line, "%s-%05d-%-6s|%08lx|%zu", "fmt", 42, "ab", 0xdeadbeefUL, sizeof line);
    printf("%s (%d, strstr %ld, strspn %zu)\n", line, len, strstr(line, "ab") - line, strspn(line, "fmt-"));
    int v[64];
    for (int i = 0; i < 64; i++) v[i] = (i * 7919) % 101 - 50;
    qsort(v, 64, sizeof v[0], cmp_int);
    printf("sorted: %d %d %d ... %d\n", v[0], v[1], v[2], v[63]);
    unsigned long mh = 0;
    for (int i = 1; i <= 200; i++) {
        char *p = malloc((size_t) i * 37);
        memset(p, i, (size_t) i * 37);
        mh = mh * 3 + hash((unsigned char *) p, (size_t) i * 37);
        p = realloc(p, (size_t) i * 53);
        mh ^= (unsigned char) p[i * 37 - 1];
        free(p);
    }
    char *s = strdup("a strdup'd string");
    puts(s);
    free(s);
    printf("malloc hash %016lx, failures %d\n", mh, failures);
    return failures == 0 ? 0 : 1;
}
