/* printf of integers, strings and doubles (%f %e %g), and long double arithmetic printed with %Lf:
 * on x86-64 musl's printf formats every floating-point argument as long double on the x87 FPU. */
#include <stdio.h>
#include <string.h>
#include <float.h>
#include <fenv.h>
#include <math.h>

static volatile double dv[] = {0.0, -0.0, 1.0, -1.5, 3.141592653589793, 2.718281828459045e10, 1e-300, 5e-324,
                               1.7976931348623157e308, 123456.789, 0.1, 1.0 / 3.0, 6.02214076e23, -9.999999e-5};
static volatile long double lv[] = {1.0L, 3.0L, 0.1L, 1e4000L, 1e-4000L, 2.5L, -7.25L};

int main(void) {
    int failures = 0;
    printf("ints %d %u %ld %x %o %+d|%5d|%-5d|\n", -42, 42u, 1234567890123L, 0xbeef, 8, 7, 3, 3);
    printf("strings [%s] [%10s] [%-6s] [%.3s] %c\n", "hello", "right", "left", "truncate", 'x');
    for (unsigned i = 0; i < sizeof dv / sizeof dv[0]; i++) {
        double d = dv[i];
        printf("d%u %f %e %g %.17g %a %.0f %10.3f\n", i, d, d, d, d, d, d, d);
    }
    /* long double arithmetic: sums, products, quotients, square roots by Newton, comparisons */
    long double s = 0, p = 1, q = 1;
    for (int k = 1; k <= 30; k++) {
        s += 1.0L / (long double)k;
        p *= (long double)k / 3.0L;
        q = q / 7.0L + lv[k % 7];
    }
    long double x = 2.0L, r = 1.0L;
    for (int k = 0; k < 8; k++) r = (r + x / r) / 2.0L;
    printf("harmonic30 %.20Lf\n", s);
    printf("prod %.10Le %Lg\n", p, p);
    printf("q %.25Lf\n", q);
    printf("sqrt2 %.21Lf %La\n", r, r);
    for (unsigned i = 0; i < sizeof lv / sizeof lv[0]; i++) printf("l%u %Lf %Le %Lg\n", i, lv[i], lv[i], lv[i]);
    long long ll = (long long)(s * 1e15L);
    int iv = (int)(p / 1e20L);
    printf("conv %lld %d %Lf\n", ll, iv, (long double)ll / 3);
    if (!(r * r > 1.9999L && r * r < 2.0001L)) failures++;
    if (s < 3.99L || s > 4.0L) failures++;
    if (LDBL_MANT_DIG != 64) failures++;
    /* rounding modes and exception flags through fenv (FLDCW/FNSTCW, FNSTSW, FNSTENV/FLDENV, FNCLEX) */
    static const int modes[] = {FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO};
    static const char *names[] = {"nearest", "down", "up", "zero"};
    for (int m = 0; m < 4; m++) {
        if (fesetround(modes[m]) != 0) failures++;
        volatile long double a = 2.0L, b = -7.0L;
        long double third = a / 3.0L, neg = b / 3.0L;
        printf("round %-7s %La %La %ld %ld %lld\n", names[m], third, neg, lrintl(2.5L), lrintl(-3.5L), llrintl(neg * 1e10L));
    }
    fesetround(FE_TONEAREST);
    feclearexcept(FE_ALL_EXCEPT);
    volatile long double z = 0.0L, one = 1.0L;
    volatile long double inf = one / z;
    printf("divbyzero %d inexact %d inf %Lf\n", !!fetestexcept(FE_DIVBYZERO), !!fetestexcept(FE_INEXACT), inf);
    feclearexcept(FE_ALL_EXCEPT);
    volatile long double q3 = one / 3.0L;
    printf("after 1/3: inexact %d divbyzero %d %.3Lf\n", !!fetestexcept(FE_INEXACT), !!fetestexcept(FE_DIVBYZERO), q3);
    char buf[64];
    snprintf(buf, sizeof buf, "%.3f", 2.0005);
    printf("snprintf %s\n", buf);
    printf("failures %d\n", failures);
    return failures;
}
