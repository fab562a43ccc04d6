/* long double arithmetic (x87) printed with %Lf/%Le/%Lg: for the glibc build, which formats doubles with SSE. */
#include <stdio.h>
#include <float.h>

static volatile long double lv[] = {1.0L, 3.0L, 0.1L, 1e400L, 1e-400L, 2.5L, -7.25L};

int main(void) {
    int failures = 0;
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
    printf("q %.10Le\n", q);
    printf("sqrt2 %.21Lf\n", r);
    for (unsigned i = 0; i < sizeof lv / sizeof lv[0]; i++) printf("l%u %.6Le %Lg\n", i, lv[i], lv[i]);
    long long ll = (long long)(s * 1e15L);
    printf("conv %lld %Lf\n", ll, (long double)ll / 3);
    if (!(r * r > 1.9999L && r * r < 2.0001L)) failures++;
    if (s < 3.99L || s > 4.0L) failures++;
    if (LDBL_MANT_DIG != 64) failures++;
    printf("failures %d\n", failures);
    return failures;
}
