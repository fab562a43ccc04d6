/*
 * The compiled floating-point workload of the whole-process comparison (tools/whole-process.sh):
 * five bodies under gravity (the Sun and the four giant planets), advanced N steps of 0.01 years
 * with a simple symplectic Euler step; prints the system's energy before and after with %.9f.
 * gcc -O2 -static turns the pair loop into SSE2 scalar and packed double arithmetic (mulpd,
 * subpd, unpcklpd, sqrtsd, divsd...), so it measures what a JIT does with MXCSR-exact doubles.
 * Usage: nbody [STEPS]   (default 1000)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define PI 3.141592653589793
#define SOLAR_MASS (4 * PI * PI)
#define YEAR 365.24

struct body {
    double x, y, z, vx, vy, vz, mass;
};

static struct body sys[5] = {
    {0, 0, 0, 0, 0, 0, SOLAR_MASS},
    {4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01, 1.66007664274403694e-03 * YEAR,
     7.69901118419740425e-03 * YEAR, -6.90460016972063023e-05 * YEAR, 9.54791938424326609e-04 * SOLAR_MASS},
    {8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01, -2.76742510726862411e-03 * YEAR,
     4.99852801234917238e-03 * YEAR, 2.30417297573763929e-05 * YEAR, 2.85885980666130812e-04 * SOLAR_MASS},
    {1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01, 2.96460137564761618e-03 * YEAR,
     2.37847173959480950e-03 * YEAR, -2.96589568540237556e-05 * YEAR, 4.36624404335156298e-05 * SOLAR_MASS},
    {1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01, 2.68067772490389322e-03 * YEAR,
     1.62824170038242295e-03 * YEAR, -9.51592254519715870e-05 * YEAR, 5.15138902046611451e-05 * SOLAR_MASS},
};

static double energy(void) {
    double e = 0;
    for (int i = 0; i < 5; i++) {
        struct body *a = &sys[i];
        e += 0.5 * a->mass * (a->vx * a->vx + a->vy * a->vy + a->vz * a->vz);
        for (int j = i + 1; j < 5; j++) {
            struct body *b = &sys[j];
            double dx = a->x - b->x, dy = a->y - b->y, dz = a->z - b->z;
            e -= a->mass * b->mass / sqrt(dx * dx + dy * dy + dz * dz);
        }
    }
    return e;
}

static void step(double dt) {
    for (int i = 0; i < 5; i++) {
        struct body *a = &sys[i];
        for (int j = i + 1; j < 5; j++) {
            struct body *b = &sys[j];
            double dx = a->x - b->x, dy = a->y - b->y, dz = a->z - b->z;
            double d2 = dx * dx + dy * dy + dz * dz;
            double f = dt / (d2 * sqrt(d2));
            a->vx -= dx * b->mass * f;
            a->vy -= dy * b->mass * f;
            a->vz -= dz * b->mass * f;
            b->vx += dx * a->mass * f;
            b->vy += dy * a->mass * f;
            b->vz += dz * a->mass * f;
        }
    }
    for (int i = 0; i < 5; i++) {
        sys[i].x += dt * sys[i].vx;
        sys[i].y += dt * sys[i].vy;
        sys[i].z += dt * sys[i].vz;
    }
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 1000;
    double px = 0, py = 0, pz = 0;
    for (int i = 0; i < 5; i++) {
        px += sys[i].vx * sys[i].mass;
        py += sys[i].vy * sys[i].mass;
        pz += sys[i].vz * sys[i].mass;
    }
    sys[0].vx = -px / SOLAR_MASS;
    sys[0].vy = -py / SOLAR_MASS;
    sys[0].vz = -pz / SOLAR_MASS;
    printf("%.9f\n", energy());
    for (long k = 0; k < n; k++) step(0.01);
    printf("%.9f\n", energy());
    return 0;
}
