/*
 * The long double workload of the whole-process comparison (tools/whole-process.sh): everything
 * here is x87 code under gcc -O2 -static (long double is the 80-bit x87 format on x86-64).
 * Per step: a Horner evaluation of a degree-8 polynomial, a partial sum of a series with a
 * division and a square root, conversions between integers and long double (FILD, FISTP via
 * a cast), and compares (FCOMI/FUCOMI) that pick a branch. Prints the results with %Lf/%La, so
 * glibc's long double printf runs too. Usage: ldouble [STEPS]   (default 1000)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static const long double coef[9] = {
    1.0L, -0.5L, 0.041666666666666666667L, -0.0013888888888888888889L, 2.4801587301587301587e-05L,
    -2.7557319223985890653e-07L, 2.0876756987868098979e-09L, -1.1470745597729724714e-11L,
    4.7794773323873852974e-14L};

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 1000;
    long double series = 0, horner = 0, root = 0;
    long counts[3] = {0, 0, 0};
    long long isum = 0;
    for (long k = 1; k <= n; k++) {
        long double x = (long double)(k % 1000) / 1000.0L; /* FILD, FDIV */
        long double p = coef[8];
        for (int j = 7; j >= 0; j--) p = p * (x * x) + coef[j]; /* FMUL, FADD */
        horner += p;
        long double t = 1.0L / ((long double)k * (long double)k); /* FILD, FMUL, FDIVR */
        series += (k & 1) ? t : -t;
        root += sqrtl(x + 1.0L); /* FSQRT */
        isum += (long long)(p * 1000000.0L); /* FISTP (FLDCW truncation around it) */
        if (p > 0.75L) counts[0]++; /* FCOMI */
        else if (p < 0.6L) counts[1]++;
        else counts[2]++;
    }
    printf("horner %.15Lf\nseries %.18Lf (pi^2/12 %.18Lf)\nroot %.12Lf\n", horner, series, 3.14159265358979323846L * 3.14159265358979323846L / 12, root);
    printf("isum %lld counts %ld %ld %ld\nseries %La\n", isum, counts[0], counts[1], counts[2], series);
    return 0;
}
