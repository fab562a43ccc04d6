/*
 * opsgen: runs integer instructions on the host CPU and prints test vectors for
 * dev.lstar.runtime.ops (see gen-ops-vectors.sh). The real CPU is the oracle: every
 * expected result and RFLAGS value in the vector files comes from executing the
 * instruction here, never from a model.
 *
 * Output line format (all numbers hex, no prefix):
 *   op size fin a b c r1 r2 fout
 * fin/fout are RFLAGS masked to CF|PF|AF|ZF|SF|OF (0x8d5). The meaning of a/b/c/r1/r2 per
 * op family is documented at the emitters below and in OpsVectorTest.java. A quotient
 * overflow / divide by zero is written as r1 = "DE" (caught from the real #DE -> SIGFPE).
 *
 * Build: gcc -O1 -mno-red-zone (the asm pushes RFLAGS on the stack).
 */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t u64;
#define ARITH 0x8d5ULL

static u64 rs = 0x243F6A8885A308D3ULL;
static u64 rnd(void) {
    rs ^= rs << 13; rs ^= rs >> 7; rs ^= rs << 17;
    return rs;
}
static u64 mask(int size) { return size == 8 ? ~0ULL : ((1ULL << (size * 8)) - 1); }
/* Random arithmetic-flags input (bit 1 is forced on by the CPU). */
static u64 rflags_in(void) { return rnd() & ARITH; }

/* A random value with a bias towards interesting shapes. */
static u64 rval(int size) {
    u64 v = rnd();
    switch (rnd() % 6) {
    case 0: v &= 0xff; break;
    case 1: v = -(v & 0xff); break;
    case 2: v = (1ULL << (v % (size * 8))) + (rnd() % 3) - 1; break;
    default: break;
    }
    return v & mask(size);
}

static int edges(int size, u64 *e) {
    u64 m = mask(size), sign = 1ULL << (size * 8 - 1);
    u64 c[] = {0, 1, 2, 0xf, 0x10, 0x7f, 0x80, 0xff, 0x100, sign - 1, sign, sign + 1, m, m - 1,
               0x5555555555555555ULL, 0xaaaaaaaaaaaaaaaaULL, 0x0123456789abcdefULL};
    int n = 0;
    for (unsigned i = 0; i < sizeof c / sizeof c[0]; i++) {
        u64 v = c[i] & m;
        int dup = 0;
        for (int j = 0; j < n; j++) dup |= e[j] == v;
        if (!dup) e[n++] = v;
    }
    return n;
}

static void emit(const char *op, int size, u64 fin, u64 a, u64 b, u64 c, u64 r1, u64 r2, u64 fout) {
    printf("%s %d %llx %llx %llx %llx %llx %llx %llx\n", op, size, (unsigned long long)fin,
           (unsigned long long)a, (unsigned long long)b, (unsigned long long)c,
           (unsigned long long)r1, (unsigned long long)r2, (unsigned long long)(fout & ARITH));
}

#define PRE "pushq %[fin]\n\tpopfq\n\t"
#define POST "\n\tpushfq\n\tpopq %[f]"

/* ---------------- two-operand ALU: r = a OP b (AT&T: op b, r) ---------------- */
#define ALU2(N, I, M)                                                                          \
    static u64 N(u64 fin, u64 a, u64 b, u64 c, u64 *r2, u64 *fo) {                             \
        u64 r = a, f; (void)c; *r2 = 0;                                                        \
        __asm__ volatile(PRE I " %" M "[b], %" M "[r]" POST                                    \
                         : [r] "+r"(r), [f] "=&r"(f) : [fin] "r"(fin), [b] "r"(b) : "cc");     \
        *fo = f; return r;                                                                     \
    }
#define ALU2_ALL(op) ALU2(op##_1, #op "b", "b") ALU2(op##_2, #op "w", "w") ALU2(op##_4, #op "l", "k") ALU2(op##_8, #op "q", "q")
ALU2_ALL(add) ALU2_ALL(adc) ALU2_ALL(sub) ALU2_ALL(sbb) ALU2_ALL(and) ALU2_ALL(or) ALU2_ALL(xor)
ALU2_ALL(cmp) ALU2_ALL(test)
ALU2(imul2_2, "imulw", "w") ALU2(imul2_4, "imull", "k") ALU2(imul2_8, "imulq", "q")
/* register-form BT*: b = bit offset register */
#define BT_ALL(op) ALU2(op##_2, #op "w", "w") ALU2(op##_4, #op "l", "k") ALU2(op##_8, #op "q", "q")
BT_ALL(bt) BT_ALL(bts) BT_ALL(btr) BT_ALL(btc)

/* ---------------- one-operand ALU ---------------- */
#define ALU1(N, I, M)                                                                          \
    static u64 N(u64 fin, u64 a, u64 b, u64 c, u64 *r2, u64 *fo) {                             \
        u64 r = a, f; (void)b; (void)c; *r2 = 0;                                               \
        __asm__ volatile(PRE I " %" M "[r]" POST : [r] "+r"(r), [f] "=&r"(f) : [fin] "r"(fin) : "cc"); \
        *fo = f; return r;                                                                     \
    }
#define ALU1_ALL(op) ALU1(op##_1, #op "b", "b") ALU1(op##_2, #op "w", "w") ALU1(op##_4, #op "l", "k") ALU1(op##_8, #op "q", "q")
ALU1_ALL(inc) ALU1_ALL(dec) ALU1_ALL(neg) ALU1_ALL(not)

/* ---------------- shifts/rotates by CL: r = a OP cl (b = count) ---------------- */
#define SH(N, I, M)                                                                            \
    static u64 N(u64 fin, u64 a, u64 b, u64 c, u64 *r2, u64 *fo) {                             \
        u64 r = a, f; (void)c; *r2 = 0;                                                        \
        __asm__ volatile(PRE I " %%cl, %" M "[r]" POST                                         \
                         : [r] "+r"(r), [f] "=&r"(f) : [fin] "r"(fin), "c"(b) : "cc");         \
        *fo = f; return r;                                                                     \
    }
#define SH_ALL(op) SH(op##_1, #op "b", "b") SH(op##_2, #op "w", "w") SH(op##_4, #op "l", "k") SH(op##_8, #op "q", "q")
SH_ALL(shl) SH_ALL(shr) SH_ALL(sar) SH_ALL(rol) SH_ALL(ror) SH_ALL(rcl) SH_ALL(rcr)

/* double shifts: r = a (dest), b = source, c = count in CL */
#define SHD(N, I, M)                                                                           \
    static u64 N(u64 fin, u64 a, u64 b, u64 c, u64 *r2, u64 *fo) {                             \
        u64 r = a, f; *r2 = 0;                                                                 \
        __asm__ volatile(PRE I " %%cl, %" M "[b], %" M "[r]" POST                              \
                         : [r] "+r"(r), [f] "=&r"(f) : [fin] "r"(fin), [b] "r"(b), "c"(c) : "cc"); \
        *fo = f; return r;                                                                     \
    }
SHD(shld_2, "shldw", "w") SHD(shld_4, "shldl", "k") SHD(shld_8, "shldq", "q")
SHD(shrd_2, "shrdw", "w") SHD(shrd_4, "shrdl", "k") SHD(shrd_8, "shrdq", "q")

/* ---------------- bit scans / counts: r = full 64-bit dest after "op b, dest(=a)" ---------------- */
#define BSCAN_ALL(op) ALU2(op##_2, #op "w", "w") ALU2(op##_4, #op "l", "k") ALU2(op##_8, #op "q", "q")
BSCAN_ALL(bsf) BSCAN_ALL(bsr) BSCAN_ALL(lzcnt) BSCAN_ALL(tzcnt) BSCAN_ALL(popcnt)

/* bswap: r = full 64-bit register after */
static u64 bswap_4(u64 fin, u64 a, u64 b, u64 c, u64 *r2, u64 *fo) {
    u64 r = a, f; (void)b; (void)c; *r2 = 0;
    __asm__ volatile(PRE "bswapl %k[r]" POST : [r] "+r"(r), [f] "=&r"(f) : [fin] "r"(fin) : "cc");
    *fo = f; return r;
}
static u64 bswap_8(u64 fin, u64 a, u64 b, u64 c, u64 *r2, u64 *fo) {
    u64 r = a, f; (void)b; (void)c; *r2 = 0;
    __asm__ volatile(PRE "bswapq %q[r]" POST : [r] "+r"(r), [f] "=&r"(f) : [fin] "r"(fin) : "cc");
    *fo = f; return r;
}
static u64 bswap_2(u64 fin, u64 a, u64 b, u64 c, u64 *r2, u64 *fo) {
    u64 r = a, f; (void)b; (void)c; *r2 = 0;
    /* 66 0F C8 = bswap ax (operand size 16: result undefined per SDM; we record the host) */
    __asm__ volatile(PRE ".byte 0x66, 0x0f, 0xc8" POST : "+a"(r), [f] "=&r"(f) : [fin] "r"(fin) : "cc");
    *fo = f; return r;
}

/* ---------------- implicit RDX:RAX forms: a = rax in, b = rdx in, c = source; r1/r2 = rax/rdx out ---------------- */
#define MD(N, I, M)                                                                            \
    static u64 N(u64 fin, u64 a, u64 b, u64 c, u64 *r2, u64 *fo) {                             \
        u64 ra = a, rd = b, f;                                                                 \
        __asm__ volatile(PRE I " %" M "[s]" POST                                               \
                         : "+a"(ra), "+d"(rd), [f] "=&r"(f) : [fin] "r"(fin), [s] "r"(c) : "cc"); \
        *fo = f; *r2 = rd; return ra;                                                          \
    }
#define MD_ALL(op) MD(op##_1, #op "b", "b") MD(op##_2, #op "w", "w") MD(op##_4, #op "l", "k") MD(op##_8, #op "q", "q")
MD_ALL(mul) MD_ALL(imul) MD_ALL(div) MD_ALL(idiv)

/* sign extensions of the accumulator: a = rax in, b = rdx in; r1/r2 = rax/rdx out */
#define EXT(N, I)                                                                              \
    static u64 N(u64 fin, u64 a, u64 b, u64 c, u64 *r2, u64 *fo) {                             \
        u64 ra = a, rd = b, f; (void)c;                                                        \
        __asm__ volatile(PRE I POST : "+a"(ra), "+d"(rd), [f] "=&r"(f) : [fin] "r"(fin) : "cc"); \
        *fo = f; *r2 = rd; return ra;                                                          \
    }
EXT(cbw_2, "cbtw") EXT(cwde_4, "cwtl") EXT(cdqe_8, "cltq") EXT(cwd_2, "cwtd") EXT(cdq_4, "cltd") EXT(cqo_8, "cqto")

typedef u64 (*opfn)(u64 fin, u64 a, u64 b, u64 c, u64 *r2, u64 *fo);

static sigjmp_buf jb;
static void onfpe(int sig) { (void)sig; siglongjmp(jb, 1); }

static void run(const char *op, int size, opfn fn, u64 fin, u64 a, u64 b, u64 c) {
    volatile int de = 0;
    volatile u64 r1 = 0;
    u64 r2 = 0, fo = 0;
    if (sigsetjmp(jb, 1)) {
        de = 1;
    } else {
        r1 = fn(fin | 2, a, b, c, &r2, &fo);
    }
    if (de) {
        printf("%s %d %llx %llx %llx %llx DE 0 0\n", op, size, (unsigned long long)fin,
               (unsigned long long)a, (unsigned long long)b, (unsigned long long)c);
    } else {
        emit(op, size, fin, a, b, c, r1, r2, fo);
    }
}

struct opdef { const char *name; opfn f[9]; };
#define D4(op) {#op, {0, op##_1, op##_2, 0, op##_4, 0, 0, 0, op##_8}}
#define D3(op) {#op, {0, 0, op##_2, 0, op##_4, 0, 0, 0, op##_8}}

static const struct opdef ALU2OPS[] = {D4(add), D4(adc), D4(sub), D4(sbb), D4(and), D4(or), D4(xor), D4(cmp), D4(test)};
static const struct opdef ALU1OPS[] = {D4(inc), D4(dec), D4(neg), D4(not)};
static const struct opdef SHOPS[] = {D4(shl), D4(shr), D4(sar), D4(rol), D4(ror), D4(rcl), D4(rcr)};
static const struct opdef SHDOPS[] = {D3(shld), D3(shrd)};
static const struct opdef BTOPS[] = {D3(bt), D3(bts), D3(btr), D3(btc)};
static const struct opdef SCANOPS[] = {D3(bsf), D3(bsr), D3(lzcnt), D3(tzcnt), D3(popcnt)};
static const struct opdef MDOPS[] = {D4(mul), D4(imul), D4(div), D4(idiv)};
#define N(a) (sizeof a / sizeof a[0])

static const int SIZES[] = {1, 2, 4, 8};

static void gen_alu(void) {
    u64 e[32];
    for (unsigned o = 0; o < N(ALU2OPS); o++) {
        const struct opdef *d = &ALU2OPS[o];
        int carry = !strcmp(d->name, "adc") || !strcmp(d->name, "sbb");
        for (int s = 0; s < 4; s++) {
            int size = SIZES[s];
            int n = edges(size, e);
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++) {
                    if (carry) {
                        run(d->name, size, d->f[size], rflags_in() & ~1ULL, e[i], e[j], 0);
                        run(d->name, size, d->f[size], rflags_in() | 1ULL, e[i], e[j], 0);
                    } else {
                        run(d->name, size, d->f[size], rflags_in(), e[i], e[j], 0);
                    }
                }
            for (int k = 0; k < 200; k++) run(d->name, size, d->f[size], rflags_in(), rval(size), rval(size), 0);
        }
    }
    for (unsigned o = 0; o < N(ALU1OPS); o++) {
        const struct opdef *d = &ALU1OPS[o];
        for (int s = 0; s < 4; s++) {
            int size = SIZES[s];
            int n = edges(size, e);
            for (int i = 0; i < n; i++) {
                run(d->name, size, d->f[size], rflags_in() & ~1ULL, e[i], 0, 0);
                run(d->name, size, d->f[size], rflags_in() | 1ULL, e[i], 0, 0);
            }
            for (int k = 0; k < 100; k++) run(d->name, size, d->f[size], rflags_in(), rval(size), 0, 0);
        }
    }
    /* two-operand imul r, r/m */
    for (int s = 1; s < 4; s++) {
        int size = SIZES[s];
        int n = edges(size, e);
        opfn f = size == 2 ? imul2_2 : size == 4 ? imul2_4 : imul2_8;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) run("imul2", size, f, rflags_in(), e[i], e[j], 0);
        for (int k = 0; k < 200; k++) run("imul2", size, f, rflags_in(), rval(size), rval(size), 0);
    }
}

static void gen_shifts(void) {
    static const u64 counts[] = {0, 1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 18, 24, 31, 32, 33, 48, 63, 64, 65, 127, 255};
    u64 e[32];
    for (unsigned o = 0; o < N(SHOPS); o++) {
        const struct opdef *d = &SHOPS[o];
        for (int s = 0; s < 4; s++) {
            int size = SIZES[s];
            int n = edges(size, e);
            for (int i = 0; i < n + 12; i++) {
                u64 v = i < n ? e[i] : rval(size);
                for (unsigned c = 0; c < N(counts); c++) {
                    run(d->name, size, d->f[size], rflags_in() & ~1ULL, v, counts[c], 0);
                    run(d->name, size, d->f[size], rflags_in() | 1ULL, v, counts[c], 0);
                }
                run(d->name, size, d->f[size], rflags_in(), v, rnd() & 0xff, 0);
            }
        }
    }
    for (unsigned o = 0; o < N(SHDOPS); o++) {
        const struct opdef *d = &SHDOPS[o];
        for (int s = 1; s < 4; s++) {
            int size = SIZES[s];
            int n = edges(size, e);
            for (int i = 0; i < n + 20; i++) {
                u64 v = i < n ? e[i] : rval(size);
                for (unsigned c = 0; c < N(counts); c++) {
                    run(d->name, size, d->f[size], rflags_in(), v, rval(size), counts[c]);
                    run(d->name, size, d->f[size], rflags_in(), v, e[rnd() % n], counts[c]);
                }
            }
        }
    }
}

static void gen_muldiv(void) {
    u64 e[32];
    for (unsigned o = 0; o < N(MDOPS); o++) {
        const struct opdef *d = &MDOPS[o];
        int isdiv = d->name[0] == 'd' || d->name[1] == 'd';
        for (int s = 0; s < 4; s++) {
            int size = SIZES[s];
            int n = edges(size, e);
            u64 m = mask(size);
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++) {
                    u64 rax = rnd(), rdx = rnd();
                    if (!isdiv) {
                        rax = (rax & ~m) | e[i];
                    } else if (size == 1) {
                        /* dividend AX = e[i] as the high byte-ish mix */
                        rax = (rax & ~0xffffULL) | ((e[i] << 8 | e[(i + j) % n]) & 0xffff);
                    } else {
                        rdx = (rdx & ~m) | (e[i] & m);
                        rax = (rax & ~m) | (e[(i * 7 + j) % n] & m);
                    }
                    run(d->name, size, d->f[size], rflags_in(), rax, rdx, e[j]);
                }
            for (int k = 0; k < 300; k++) {
                u64 src = rval(size), rax = rnd(), rdx = rnd();
                if (isdiv && (k & 1) && src != 0) {
                    /* make the quotient fit: high half below the divisor (unsigned) */
                    u64 hi = rval(size) % src;
                    if (size == 1) rax = (rax & ~0xff00ULL) | (hi << 8);
                    else rdx = (rdx & ~m) | hi;
                }
                if (isdiv && (k & 2)) {
                    /* sign-extended dividends for idiv's common case */
                    u64 lo = rval(size);
                    u64 sx = (lo >> (size * 8 - 1)) & 1 ? m : 0;
                    if (size == 1) rax = (rax & ~0xffffULL) | (sx & 0xff) << 8 | lo;
                    else { rax = (rax & ~m) | lo; rdx = (rdx & ~m) | sx; }
                }
                run(d->name, size, d->f[size], rflags_in(), rax, rdx, src);
            }
        }
    }
    /* divide edge cases: most-negative / -1, divisor 0, quotient exactly at the limits */
    for (unsigned o = 0; o < N(MDOPS); o++) {
        const struct opdef *d = &MDOPS[o];
        for (int s = 0; s < 4; s++) {
            int size = SIZES[s];
            u64 m = mask(size), sign = 1ULL << (size * 8 - 1);
            u64 cases[][3] = { /* low half of dividend, high half, divisor */
                {sign, m, m}, {sign, m, 1}, {sign, m, 2}, {0, sign, m}, {0, 0, 0}, {1, 0, 0}, {m, m, m},
                {sign - 1, 0, 1}, {sign - 1, 0, m}, {m, sign - 1, m}, {0, 1, 1}, {m, 0, 1}, {0, 1, 2},
                {m, m - 1, m}, {sign, 0, m}, {m, sign >> 1, sign}, {0, sign >> 1, sign}, {1, m, m}};
            for (unsigned k = 0; k < N(cases); k++) {
                u64 rax = rnd(), rdx = rnd();
                if (size == 1) rax = (rax & ~0xffffULL) | (cases[k][1] & 0xff) << 8 | (cases[k][0] & 0xff);
                else { rax = (rax & ~m) | cases[k][0]; rdx = (rdx & ~m) | cases[k][1]; }
                run(d->name, size, d->f[size], rflags_in(), rax, rdx, cases[k][2] | (rnd() & ~m));
            }
        }
    }
    static const struct { const char *n; int size; opfn f; } X[] = {
        {"cbw", 2, cbw_2}, {"cwde", 4, cwde_4}, {"cdqe", 8, cdqe_8}, {"cwd", 2, cwd_2}, {"cdq", 4, cdq_4}, {"cqo", 8, cqo_8}};
    for (unsigned x = 0; x < N(X); x++)
        for (int k = 0; k < 64; k++) {
            u64 v = rnd();
            if (k < 16) v = (v & ~0xffffffffULL) | (e[k % 8] & 0xffffffff) | (k & 8 ? 0x80ULL << (8 * (k & 3)) : 0);
            run(X[x].n, X[x].size, X[x].f, rflags_in(), v, rnd(), 0);
        }
}

static void gen_bits(void) {
    static const u64 offs[] = {0, 1, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 0x7fff, 0x8000,
                               0xffff, 0xffffffff, 0x80000000, 0xffffffffffffffffULL, 0x8000000000000000ULL};
    u64 e[32];
    for (unsigned o = 0; o < N(BTOPS); o++) {
        const struct opdef *d = &BTOPS[o];
        for (int s = 1; s < 4; s++) {
            int size = SIZES[s];
            int n = edges(size, e);
            for (int i = 0; i < n + 8; i++) {
                u64 v = i < n ? e[i] : rval(size);
                for (unsigned c = 0; c < N(offs); c++) run(d->name, size, d->f[size], rflags_in(), v, offs[c] & mask(size), 0);
                run(d->name, size, d->f[size], rflags_in(), v, rnd() & mask(size), 0);
            }
        }
    }
    for (unsigned o = 0; o < N(SCANOPS); o++) {
        const struct opdef *d = &SCANOPS[o];
        for (int s = 1; s < 4; s++) {
            int size = SIZES[s];
            int n = edges(size, e);
            for (int i = 0; i < n; i++) {
                run(d->name, size, d->f[size], rflags_in(), rnd(), e[i], 0);
                run(d->name, size, d->f[size], rflags_in(), rnd(), e[i], 0);
            }
            for (int b = 0; b < size * 8; b++) run(d->name, size, d->f[size], rflags_in(), rnd(), 1ULL << b, 0);
            for (int k = 0; k < 150; k++) run(d->name, size, d->f[size], rflags_in(), rnd(), rval(size), 0);
        }
    }
    for (int k = 0; k < 64; k++) {
        u64 v = rnd();
        run("bswap", 2, bswap_2, rflags_in(), v, 0, 0);
        run("bswap", 4, bswap_4, rflags_in(), v, 0, 0);
        run("bswap", 8, bswap_8, rflags_in(), v, 0, 0);
    }
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: opsgen alu|shifts|muldiv|bits\n");
        return 2;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = onfpe;
    sigaction(SIGFPE, &sa, 0);
    printf("# generated by runtime/src/test/native/opsgen.c on the host CPU; do not edit\n");
    printf("# op size fin a b c r1 r2 fout (hex; flags masked to 0x8d5)\n");
    if (!strcmp(argv[1], "alu")) gen_alu();
    else if (!strcmp(argv[1], "shifts")) gen_shifts();
    else if (!strcmp(argv[1], "muldiv")) gen_muldiv();
    else if (!strcmp(argv[1], "bits")) gen_bits();
    else { fprintf(stderr, "unknown family %s\n", argv[1]); return 2; }
    return 0;
}
