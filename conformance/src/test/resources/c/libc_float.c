/*
 * A static C program (gcc -O2 -static with glibc, or musl-gcc) for lstar's end-to-end tests of SSE/SSE2
 * floating point. Without arguments it computes (scalar and packed arithmetic, square roots, min/max,
 * compares, every conversion, MXCSR rounding modes, FTZ/DAZ and the sticky exception flags) and
 * prints the results as bit patterns and with its own integer-only decimal formatter, so no libc
 * floating-point code runs. With the argument "printf" it prints doubles and floats with printf's
 * %f %e %g %a at several precisions and round-trips strings through strtod: that is libc code,
 * which (glibc reading the x87 rounding mode with fnstcw, musl formatting through long double)
 * also needs x87 instructions. With "sigfpe" it unmasks ZE and divides by zero: #XM, SIGFPE. It prints only its own results, so its output is the same on
 * every correct x86-64 machine with the same libc (RCPPS/RSQRTPS, whose values are the
 * implementation's, are not used).
 */
#include <emmintrin.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long bits(double x) {
    unsigned long u;
    memcpy(&u, &x, 8);
    return u;
}

static unsigned fbits(float x) {
    unsigned u;
    memcpy(&u, &x, 4);
    return u;
}

static double from_bits(unsigned long u) {
    double x;
    memcpy(&x, &u, 8);
    return x;
}

static unsigned long checksum = 1469598103934665603UL;

static void mix(unsigned long v) {
    checksum = (checksum ^ v) * 1099511628211UL;
}

/* A decimal rendering without libc floating point: integer part and nine digits, or a class. */
static void dec(double x) {
    if (x != x) { printf("nan"); return; }
    if (x < 0 || (x == 0 && (bits(x) >> 63))) { putchar('-'); x = -x; }
    if (x == 1.0 / 0.0) { printf("inf"); return; }
    int e = 0;
    while (x >= 1e18) { x /= 10; e++; }
    if (e) { printf("%lue+%d", (unsigned long) x, e); return; }
    unsigned long ip = (unsigned long) x;
    unsigned long frac = (unsigned long) ((x - (double) ip) * 1e9 + 0.5);
    if (frac >= 1000000000UL) { ip++; frac -= 1000000000UL; }
    printf("%lu.%09lu", ip, frac);
}

static void pd(const char *name, double x) {
    printf("%-24s %016lx ", name, bits(x));
    dec(x);
    putchar('\n');
    mix(bits(x));
}

static void pf(const char *name, float x) {
    printf("%-24s %08x ", name, fbits(x));
    dec(x);
    putchar('\n');
    mix(fbits(x));
}

static void px(const char *name, __m128i v) {
    unsigned long q[2];
    memcpy(q, &v, 16);
    printf("%-24s %016lx_%016lx\n", name, q[1], q[0]);
    mix(q[0]);
    mix(q[1]);
}

static volatile double vd[] = {0.0, -0.0, 1.0, -1.0, 0.1, 1.0 / 3, 2.5, -2.5, 3.5, 1e300, -1e300, 4.9e-324, 2.2250738585072014e-308,
                               1.7976931348623157e308, 2147483647.5, 2147483648.0, -2147483649.0, 9.2233720368547758e18, 123456.789,
                               1.0 / 0.0, -1.0 / 0.0, 0.0 / 0.0};
#define ND (sizeof vd / sizeof vd[0])
static volatile float vf[] = {0.0f, -0.0f, 1.0f, -1.5f, 0.1f, 3.4028235e38f, 1.4e-45f, 1.1754944e-38f, 16777217.0f, 2147483648.0f, 1e10f};
#define NF (sizeof vf / sizeof vf[0])

static void compute(void) {
    /* loops: harmonic sums, products, a Newton iteration, a Mandelbrot grid */
    double h = 0;
    float hf = 0;
    for (int i = 1; i <= 100000; i++) {
        h += 1.0 / i;
        hf += 1.0f / (float) i;
    }
    pd("harmonic double", h);
    pf("harmonic float", hf);
    double p = 1;
    for (int i = 1; i <= 170; i++) p *= i;
    pd("170!", p);
    pd("171!", p * 171);
    double r = 1;
    for (int i = 0; i < 8; i++) r = 0.5 * (r + 2 / r);
    pd("newton sqrt2", r);
    pd("sqrt(2)", sqrt(vd[2] * 2));
    pd("sqrt(-1)", sqrt(vd[3]));
    pf("sqrtf(3)", sqrtf(vf[2] * 3));
    long iters = 0;
    for (int y = -20; y <= 20; y++) {
        for (int x = -40; x <= 20; x++) {
            double cr = x / 20.0, ci = y / 20.0, zr = 0, zi = 0;
            int k = 0;
            while (k < 200 && zr * zr + zi * zi <= 4) {
                double t = zr * zr - zi * zi + cr;
                zi = 2 * zr * zi + ci;
                zr = t;
                k++;
            }
            iters += k;
        }
    }
    printf("mandelbrot iterations    %ld\n", iters);

    /* conversions and compares over the edge values */
    for (unsigned i = 0; i < ND; i++) {
        double x = vd[i];
        int lt = 0, eq = 0, un = 0;
        for (unsigned j = 0; j < ND; j++) {
            lt += x < vd[j];
            eq += x == vd[j];
            un += __builtin_isunordered(x, vd[j]);
        }
        double mn = x < vd[3] ? x : vd[3], mx = x > vd[2] ? x : vd[2];
        printf("d[%2u] %016lx i32 %08x i64 %016lx f %08x lt %d eq %d un %d min %016lx max %016lx\n", i, bits(x),
               (unsigned) _mm_cvttsd_si32(_mm_set_sd(x)), (unsigned long) _mm_cvttsd_si64(_mm_set_sd(x)),
               fbits((float) x), lt, eq, un, bits(mn), bits(mx));
    }
    for (unsigned i = 0; i < NF; i++) {
        float x = vf[i];
        printf("f[%2u] %08x d %016lx i32 %08x i64 %016lx r32 %08x\n", i, fbits(x), bits(x),
               (unsigned) _mm_cvttss_si32(_mm_set_ss(x)), (unsigned long) _mm_cvttss_si64(_mm_set_ss(x)),
               (unsigned) _mm_cvtss_si32(_mm_set_ss(x)));
    }
    static volatile long ints[] = {0, 1, -1, 16777217, 9007199254740993L, -9007199254740995L, 0x7fffffffffffffffL, (long) 1 << 63};
    for (unsigned i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        printf("i[%u] d %016lx f %08x fi %08x\n", i, bits((double) ints[i]), fbits((float) ints[i]), fbits((float) (int) ints[i]));
    }

    /* packed arithmetic and conversions */
    __m128d a = _mm_set_pd(vd[5], vd[4]), b = _mm_set_pd(vd[6], vd[12]);
    __m128 fa = _mm_set_ps(vf[4], vf[3], vf[2], vf[8]), fb = _mm_set_ps(vf[7], vf[6], vf[5], vf[4]);
    px("addpd", _mm_castpd_si128(_mm_add_pd(a, b)));
    px("subpd", _mm_castpd_si128(_mm_sub_pd(a, b)));
    px("mulpd", _mm_castpd_si128(_mm_mul_pd(a, b)));
    px("divpd", _mm_castpd_si128(_mm_div_pd(a, b)));
    px("sqrtpd", _mm_castpd_si128(_mm_sqrt_pd(b)));
    px("minpd", _mm_castpd_si128(_mm_min_pd(a, b)));
    px("maxpd", _mm_castpd_si128(_mm_max_pd(a, _mm_set_pd(vd[21], vd[1]))));
    px("cmpltpd", _mm_castpd_si128(_mm_cmplt_pd(a, b)));
    px("cmpunordpd", _mm_castpd_si128(_mm_cmpunord_pd(a, _mm_set_pd(vd[21], vd[0]))));
    px("addps", _mm_castps_si128(_mm_add_ps(fa, fb)));
    px("mulps", _mm_castps_si128(_mm_mul_ps(fa, fb)));
    px("divps", _mm_castps_si128(_mm_div_ps(fa, fb)));
    px("sqrtps", _mm_castps_si128(_mm_sqrt_ps(fa)));
    px("minps", _mm_castps_si128(_mm_min_ps(fa, fb)));
    px("maxps", _mm_castps_si128(_mm_max_ps(fa, fb)));
    px("cmpleps", _mm_castps_si128(_mm_cmple_ps(fa, fb)));
    px("cmpneqps", _mm_castps_si128(_mm_cmpneq_ps(fa, fb)));
    px("unpcklps", _mm_castps_si128(_mm_unpacklo_ps(fa, fb)));
    px("unpckhps", _mm_castps_si128(_mm_unpackhi_ps(fa, fb)));
    px("unpcklpd", _mm_castpd_si128(_mm_unpacklo_pd(a, b)));
    px("unpckhpd", _mm_castpd_si128(_mm_unpackhi_pd(a, b)));
    px("cvtps2pd", _mm_castpd_si128(_mm_cvtps_pd(fa)));
    px("cvtpd2ps", _mm_castps_si128(_mm_cvtpd_ps(b)));
    __m128i iv = _mm_set_epi32(-7, 16777217, 2147483647, -2147483647 - 1);
    px("cvtdq2ps", _mm_castps_si128(_mm_cvtepi32_ps(iv)));
    px("cvtdq2pd", _mm_castpd_si128(_mm_cvtepi32_pd(iv)));
    px("cvtps2dq", _mm_cvtps_epi32(_mm_set_ps(2.5f, -2.5f, 3e9f, 0.5f)));
    px("cvttps2dq", _mm_cvttps_epi32(_mm_set_ps(2.5f, -2.5f, 3e9f, 0.5f)));
    px("cvtpd2dq", _mm_cvtpd_epi32(_mm_set_pd(-1.5, 1.5)));
    px("cvttpd2dq", _mm_cvttpd_epi32(_mm_set_pd(-1.5, 1e10)));
    printf("comisd %d %d ucomisd %d\n", _mm_comilt_sd(a, b), _mm_comieq_sd(a, a), _mm_ucomigt_sd(a, b));

    /* MXCSR: the four rounding modes, the sticky flags, FTZ and DAZ */
    unsigned saved = _mm_getcsr();
    for (unsigned rc = 0; rc < 4; rc++) {
        _mm_setcsr((saved & ~0x603Fu) | rc << 13);
        volatile double third = vd[2] / 3, mthird = vd[3] / 3;
        volatile float f = (float) vd[4];
        volatile double big = (double) ints[4];
        int si = _mm_cvtsd_si32(_mm_set_sd(vd[6])), si2 = _mm_cvtsd_si32(_mm_set_sd(vd[7]));
        unsigned flags = _mm_getcsr() & 0x3F;
        printf("rc %u: %016lx %016lx %08x %016lx %d %d flags %02x\n", rc, bits(third), bits(mthird), fbits(f), bits(big), si, si2, flags);
    }
    _mm_setcsr(saved & ~0x3Fu);
    volatile double z = vd[2] / vd[0];
    printf("1/0 flags %02x\n", _mm_getcsr() & 0x3F);
    _mm_setcsr(saved & ~0x3Fu);
    z = vd[0] / vd[0];
    printf("0/0 flags %02x\n", _mm_getcsr() & 0x3F);
    _mm_setcsr(saved & ~0x3Fu);
    z = vd[9] * vd[9];
    printf("overflow flags %02x %016lx\n", _mm_getcsr() & 0x3F, bits(z));
    _mm_setcsr(saved & ~0x3Fu);
    z = vd[12] * vd[4];
    printf("underflow flags %02x %016lx\n", _mm_getcsr() & 0x3F, bits(z));
    _mm_setcsr((saved & ~0x3Fu) | 0x8040);
    z = vd[12] * vd[4];
    volatile double z2 = vd[11] + vd[0];
    printf("ftz/daz flags %02x %016lx %016lx\n", _mm_getcsr() & 0x3F, bits(z), bits(z2));
    _mm_setcsr(saved);
    printf("checksum %016lx\n", checksum);
}

static void with_printf(void) {
    static const double d[] = {0.0, -0.0, 0.1, 1.0 / 3, 2.5, 0.5, 1.5, 123456789.125, 1e300, 1e-300, 5e-324, 1.7976931348623157e308,
                               1.0 / 0.0, -1.0 / 0.0};
    for (unsigned i = 0; i < sizeof d / sizeof d[0]; i++) {
        double x = d[i];
        printf("%f|%.0f|%.3f|%.17g|%e|%.10e|%g|%.3g|%a|%.3a|%A\n", x, x, x, x, x, x, x, x, x, x, x);
    }
    static const float f[] = {0.1f, 1.0f / 3, 16777217.0f, 3.4028235e38f, 1.4e-45f};
    for (unsigned i = 0; i < sizeof f / sizeof f[0]; i++) printf("%f %g %a %.9g\n", f[i], f[i], f[i], f[i]);
    printf("%f %g\n", sqrt(-1.0), -sqrt(-1.0) * 0);
    static const char *s[] = {"0.1", "1e23", "2.2250738585072011e-308", "4.9406564584124654e-324", "1.7976931348623157e308",
                              "123456789012345678901234567890", "0x1.fffffffffffffp1023", "-0.0", "3.14159265358979323846", "1e-400",
                              "nan", "-inf"};
    int ok = 0;
    for (unsigned i = 0; i < sizeof s / sizeof s[0]; i++) {
        double x = strtod(s[i], NULL);
        char buf[64];
        snprintf(buf, sizeof buf, "%.17g", x);
        double y = strtod(buf, NULL);
        printf("strtod %-32s %016lx %s %s\n", s[i], bits(x), buf, bits(x) == bits(y) || x != x ? "round-trips" : "DIFFERS");
        ok += bits(x) == bits(y) || x != x;
        float fx = strtof(s[i], NULL);
        printf("strtof %-32s %08x\n", s[i], fbits(fx));
    }
    printf("round trips %d\n", ok);
}

/* An unmasked exception: ZE unmasked, then 1/0 raises #XM, which Linux delivers as SIGFPE. */
static void unmasked(void) {
    printf("before\n");
    fflush(stdout);
    _mm_setcsr(_mm_getcsr() & ~(1u << 9));
    volatile double z = vd[2] / vd[0];
    printf("not reached %016lx\n", bits(z));
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "printf") == 0) with_printf();
    else if (argc > 1 && strcmp(argv[1], "sigfpe") == 0) unmasked();
    else compute();
    return 0;
}
