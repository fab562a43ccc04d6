/*
 * A second compiled floating-point workload of the whole-process comparison (tools/whole-process.sh):
 * the spectral norm of the infinite matrix A(i,j) = 1/((i+j)(i+j+1)/2 + i + 1) truncated to N x N,
 * by 10 power iterations of A^T A; prints the norm with %.9f. Its inner loop mixes integer
 * arithmetic (IMUL, SAR, LEA), CVTSI2SD, DIVSD, MULSD with a memory operand and an ADDSD
 * accumulator, so it measures integer flags next to SSE2 as much as the doubles themselves.
 * Usage: spectral [N]   (default 100)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static double a(int i, int j) { return 1.0 / ((i + j) * (i + j + 1) / 2 + i + 1); }

static void times(int n, const double *v, double *out) {
    for (int i = 0; i < n; i++) {
        double s = 0;
        for (int j = 0; j < n; j++) s += a(i, j) * v[j];
        out[i] = s;
    }
}

static void times_transposed(int n, const double *v, double *out) {
    for (int i = 0; i < n; i++) {
        double s = 0;
        for (int j = 0; j < n; j++) s += a(j, i) * v[j];
        out[i] = s;
    }
}

static void times_ata(int n, const double *v, double *out, double *tmp) {
    times(n, v, tmp);
    times_transposed(n, tmp, out);
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 100;
    if (n < 1) n = 1;
    double *u = malloc(n * sizeof *u), *v = malloc(n * sizeof *v), *tmp = malloc(n * sizeof *tmp);
    if (!u || !v || !tmp) return 1;
    for (int i = 0; i < n; i++) u[i] = 1;
    for (int k = 0; k < 10; k++) {
        times_ata(n, u, v, tmp);
        times_ata(n, v, u, tmp);
    }
    double uv = 0, vv = 0;
    for (int i = 0; i < n; i++) {
        uv += u[i] * v[i];
        vv += v[i] * v[i];
    }
    printf("%.9f\n", sqrt(uv / vv));
    return 0;
}
