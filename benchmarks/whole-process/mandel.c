/*
 * A third compiled floating-point workload of the whole-process comparison (tools/whole-process.sh):
 * counts the points of an N x N grid over [-1.5, 0.5] x [-1, 1] whose Mandelbrot orbit stays
 * within radius 2 for 50 steps. Every orbit starts at zero, so the scalar double loop (MULSD,
 * ADDSD, SUBSD, COMISD) works on zeros as often as on ordinary numbers.
 * Usage: mandel [N]   (default 200)
 */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 200;
    long inside = 0;
    for (int y = 0; y < n; y++) {
        for (int x = 0; x < n; x++) {
            double cr = 2.0 * x / n - 1.5, ci = 2.0 * y / n - 1.0, zr = 0, zi = 0;
            int k = 0;
            while (k < 50 && zr * zr + zi * zi <= 4.0) {
                double t = zr * zr - zi * zi + cr;
                zi = 2 * zr * zi + ci;
                zr = t;
                k++;
            }
            if (k == 50) inside++;
        }
    }
    printf("%ld\n", inside);
    return 0;
}
