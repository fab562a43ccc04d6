// The native baseline of SseLoopsBench: the loops of runtime/src/test/asm/fpdot.S and sseloops.S
// (the same instructions; each function returns where the guest image halts) on the same data,
// timed with clock_gettime, reported as loop instructions per second like the JMH benchmark.
//   gcc -O2 -o /tmp/native-sse-loops tools/native-sse-loops.c && /tmp/native-sse-loops
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#define N 8192
#define BYTES 65536

double dot(const double *a, const double *b, long n);
double poly(long n, double a, double b);
long sse_strlen(const char *s);
void sse_copy(void *dst, const void *src, long n);
long sse_chr(const void *p, long n, int c);

__asm__(
    ".text\n"
    "dot:\n"            // rdi = a, rsi = b, rdx = n (the guest: rsi, rdi, rcx)
    "  mov %rdx, %rcx\n"
    "  pxor %xmm0, %xmm0\n"
    "1: movsd -8(%rdi,%rcx,8), %xmm1\n"
    "  mulsd -8(%rsi,%rcx,8), %xmm1\n"
    "  addsd %xmm1, %xmm0\n"
    "  dec %rcx\n"
    "  jnz 1b\n"
    "  ret\n"
    "poly:\n"           // rdi = n, xmm0 = a, xmm1 = b (the guest: rcx, xmm3, xmm4)
    "  mov %rdi, %rcx\n"
    "  movapd %xmm0, %xmm3\n"
    "  movapd %xmm1, %xmm4\n"
    "  pxor %xmm0, %xmm0\n"
    "1: cvtsi2sd %rcx, %xmm1\n"
    "  movapd %xmm1, %xmm2\n"
    "  mulsd %xmm3, %xmm2\n"
    "  addsd %xmm4, %xmm2\n"
    "  mulsd %xmm1, %xmm2\n"
    "  addsd %xmm2, %xmm0\n"
    "  dec %rcx\n"
    "  jnz 1b\n"
    "  ret\n"
    "sse_strlen:\n"
    "  pxor %xmm0, %xmm0\n"
    "  mov %rdi, %rax\n"
    "1: movdqa (%rax), %xmm1\n"
    "  pcmpeqb %xmm0, %xmm1\n"
    "  pmovmskb %xmm1, %edx\n"
    "  add $16, %rax\n"
    "  test %edx, %edx\n"
    "  jz 1b\n"
    "  bsf %edx, %edx\n"
    "  lea -16(%rax,%rdx), %rax\n"
    "  sub %rdi, %rax\n"
    "  ret\n"
    "sse_copy:\n"       // rdi = dst, rsi = src, rdx = n (the guest: rdi, rsi, rcx)
    "  mov %rdx, %rcx\n"
    "  xor %eax, %eax\n"
    "1: movdqu (%rsi,%rax), %xmm0\n"
    "  movdqu %xmm0, (%rdi,%rax)\n"
    "  add $16, %rax\n"
    "  cmp %rcx, %rax\n"
    "  jb 1b\n"
    "  ret\n"
    "sse_chr:\n"        // rdi = p, rsi = n, edx = c (the guest: rdi, rcx, edx)
    "  mov %rsi, %rcx\n"
    "  movd %edx, %xmm0\n"
    "  punpcklbw %xmm0, %xmm0\n"
    "  punpcklwd %xmm0, %xmm0\n"
    "  pshufd $0, %xmm0, %xmm0\n"
    "  mov %rdi, %rax\n"
    "  add %rdi, %rcx\n"
    "1: movdqu (%rax), %xmm1\n"
    "  pcmpeqb %xmm0, %xmm1\n"
    "  pmovmskb %xmm1, %edx\n"
    "  test %edx, %edx\n"
    "  jnz 2f\n"
    "  add $16, %rax\n"
    "  cmp %rcx, %rax\n"
    "  jb 1b\n"
    "  xor %eax, %eax\n"
    "  ret\n"
    "2: bsf %edx, %edx\n"
    "  add %rdx, %rax\n"
    "  ret\n");

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static double a[2 * N];
static char src[4 * BYTES] __attribute__((aligned(16)));
static volatile double sink;
static volatile long lsink;

#define TIME(name, insns, call)                                                              \
    do {                                                                                     \
        double best = 1e30;                                                                  \
        for (int rep = 0; rep < 5; rep++) {                                                  \
            long reps = 2000;                                                                \
            double t0 = now();                                                               \
            for (long r = 0; r < reps; r++) call;                                            \
            double t = (now() - t0) / reps;                                                  \
            if (t < best) best = t;                                                          \
        }                                                                                    \
        printf("%-7s %8.3f G loop insns/s (%.1f us per call)\n", name, (insns) / best / 1e9, best * 1e6); \
    } while (0)

int main(void) {
    for (int k = 0; k < 2 * N; k++) a[k] = 1.0 + k * 0x1p-7;
    for (int k = 0; k < BYTES; k++) src[k] = 'a' + k % 26;
    src[BYTES] = 0;
    if (sse_strlen(src) != BYTES || sse_chr(src, BYTES, '!') != 0) { puts("self-check failed"); return 1; }
    TIME("dot", (double) N * 5, sink = dot(a, a + N, N));
    TIME("poly", (double) N * 8, sink = poly(N, 0.75, -3.5));
    TIME("strlen", (double) BYTES / 16 * 6, lsink = sse_strlen(src));
    TIME("memcpy", (double) BYTES / 16 * 5, sse_copy(src + 2 * BYTES, src, BYTES));
    TIME("memchr", (double) BYTES / 16 * 8, lsink = sse_chr(src, BYTES, '!'));
    return 0;
}
