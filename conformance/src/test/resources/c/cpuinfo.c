/*
 * /proc/cpuinfo against the processor's own CPUID and the compiler's __builtin_cpu_supports:
 * the vendor, family/model/stepping, the processor count (sched_getaffinity, and sysconf's, which
 * glibc takes from /sys/devices/system/cpu), address sizes,
 * clflush size and each feature flag must say what CPUID says. Prints one "agrees" line per
 * check (host-independent: the same natively and under lstar when both are consistent) and
 * "failures N"; with the argument "flags" it prints the flags line instead.
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char text[1 << 20];
static int failures;

/* The value of the first "name\t...: value" line (the first processor's), or NULL. */
static const char *field(const char *name) {
    static char val[65536];
    size_t n = strlen(name);
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (strncmp(p, name, n) != 0 || (p[n] != '\t' && p[n] != ' ' && p[n] != ':')) continue;
        const char *c = strchr(p, ':');
        const char *e = strchr(p, '\n');
        if (!c || (e && c > e)) continue;
        c++;
        if (*c == ' ') c++;
        size_t len = e ? (size_t)(e - c) : strlen(c);
        if (len >= sizeof val) len = sizeof val - 1;
        memcpy(val, c, len);
        val[len] = 0;
        return val;
    }
    return NULL;
}

static int has_flag(const char *flags, const char *name) {
    size_t n = strlen(name);
    for (const char *p = flags; (p = strstr(p, name)) != NULL; p += n) {
        if ((p == flags || p[-1] == ' ') && (p[n] == 0 || p[n] == ' ')) return 1;
    }
    return 0;
}

static void check(const char *what, int ok, const char *detail) {
    if (ok) printf("%s agrees\n", what);
    else {
        printf("%s DISAGREES: %s\n", what, detail);
        failures++;
    }
}

static int bit(unsigned leaf, unsigned sub, int reg, int b) {
    unsigned r[4] = {0, 0, 0, 0}, max = __get_cpuid_max(leaf & 0x80000000u, NULL);
    if (leaf > max) return 0;
    __cpuid_count(leaf, sub, r[0], r[1], r[2], r[3]);
    return (r[reg] >> b) & 1;
}

int main(int argc, char **argv) {
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) { perror("/proc/cpuinfo"); return 2; }
    size_t len = fread(text, 1, sizeof text - 1, f);
    text[len] = 0;
    fclose(f);
    const char *fl = field("flags");
    if (!fl) { printf("no flags line\n"); return 2; }
    char flags[65536];
    snprintf(flags, sizeof flags, "%s", fl);
    if (argc > 1 && strcmp(argv[1], "flags") == 0) {
        printf("%s\n", flags);
        return 0;
    }
    char detail[256];

    unsigned a, b, c, d;
    __cpuid(0, a, b, c, d);
    char vendor[13];
    memcpy(vendor, &b, 4); memcpy(vendor + 4, &d, 4); memcpy(vendor + 8, &c, 4); vendor[12] = 0;
    const char *v = field("vendor_id");
    snprintf(detail, sizeof detail, "cpuinfo %s, cpuid %s", v ? v : "-", vendor);
    check("vendor_id", v && strcmp(v, vendor) == 0, detail);
    unsigned level = a;
    const char *lv = field("cpuid level");
    snprintf(detail, sizeof detail, "cpuinfo %s, cpuid %u", lv ? lv : "-", level);
    check("cpuid level", lv && (unsigned) atoi(lv) == level, detail);

    __cpuid(1, a, b, c, d);
    unsigned family = (a >> 8) & 0xF, model = (a >> 4) & 0xF, stepping = a & 0xF;
    if (family == 0xF) family += (a >> 20) & 0xFF;
    if (family >= 6) model |= ((a >> 16) & 0xF) << 4;
    const char *cf, *cm, *cs; /* field() returns one static buffer: read each just before its check */
    snprintf(detail, sizeof detail, "cpuid %u/%u/%u", family, model, stepping);
    cf = field("cpu family");
    check("cpu family", cf && (unsigned) atoi(cf) == family, detail);
    cm = field("model");
    check("model", cm && (unsigned) atoi(cm) == model, detail);
    cs = field("stepping");
    check("stepping", cs && (unsigned) atoi(cs) == stepping, detail);
    const char *cl = field("clflush size");
    check("clflush size", cl && (unsigned) atoi(cl) == ((b >> 8) & 0xFF) * 8, "leaf 1 EBX[15:8] x 8");

    int procs = 0;
    for (const char *p = text; (p = strstr(p, "processor\t:")) != NULL; p++) procs++;
    cpu_set_t set;
    CPU_ZERO(&set);
    int cpus = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : -1;
    snprintf(detail, sizeof detail, "cpuinfo %d, sched_getaffinity %d", procs, cpus);
    check("processors", procs == cpus, detail);
    long onln = sysconf(_SC_NPROCESSORS_ONLN), conf = sysconf(_SC_NPROCESSORS_CONF);
    snprintf(detail, sizeof detail, "cpuinfo %d, sysconf online %ld, configured %ld", procs, onln, conf);
    check("sysconf processors", onln == procs && conf == procs, detail);

    unsigned ea = 0;
    if (__get_cpuid(0x80000008, &ea, &b, &c, &d)) {
        char want[64];
        snprintf(want, sizeof want, "%u bits physical, %u bits virtual", ea & 0xFF, (ea >> 8) & 0xFF);
        const char *as = field("address sizes");
        snprintf(detail, sizeof detail, "cpuinfo %s, cpuid %s", as ? as : "-", want);
        check("address sizes", as && strcmp(as, want) == 0, detail);
    }

    /* flags against __builtin_cpu_supports (which also checks the OS enabled AVX state) */
    __builtin_cpu_init();
    struct { const char *flag; int on; } builtin[] = {
        {"sse", __builtin_cpu_supports("sse")}, {"sse2", __builtin_cpu_supports("sse2")},
        {"pni", __builtin_cpu_supports("sse3")}, {"ssse3", __builtin_cpu_supports("ssse3")},
        {"sse4_1", __builtin_cpu_supports("sse4.1")}, {"sse4_2", __builtin_cpu_supports("sse4.2")},
        {"popcnt", __builtin_cpu_supports("popcnt")}, {"avx", __builtin_cpu_supports("avx")},
        {"avx2", __builtin_cpu_supports("avx2")}, {"fma", __builtin_cpu_supports("fma")},
        {"bmi1", __builtin_cpu_supports("bmi")}, {"bmi2", __builtin_cpu_supports("bmi2")},
        {"aes", __builtin_cpu_supports("aes")}, {"pclmulqdq", __builtin_cpu_supports("pclmul")},
        {"mmx", __builtin_cpu_supports("mmx")}, {"cmov", __builtin_cpu_supports("cmov")},
    };
    for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++) {
        snprintf(detail, sizeof detail, "flags %d, __builtin_cpu_supports %d", has_flag(flags, builtin[i].flag), builtin[i].on != 0);
        check(builtin[i].flag, has_flag(flags, builtin[i].flag) == (builtin[i].on != 0), detail);
    }
    /* flags against the raw CPUID bits (0 EAX, 1 EBX, 2 ECX, 3 EDX) */
    struct { const char *flag; unsigned leaf; int reg, bit; } raw[] = {
        {"fpu", 1, 3, 0}, {"tsc", 1, 3, 4}, {"cx8", 1, 3, 8}, {"clflush", 1, 3, 19}, {"fxsr", 1, 3, 24},
        {"cx16", 1, 2, 13}, {"movbe", 1, 2, 22}, {"syscall", 0x80000001, 3, 11}, {"nx", 0x80000001, 3, 20},
        {"rdtscp", 0x80000001, 3, 27}, {"lm", 0x80000001, 3, 29}, {"lahf_lm", 0x80000001, 2, 0},
        {"abm", 0x80000001, 2, 5}, {"adx", 7, 1, 19}, {"rdpid", 7, 2, 22},
    };
    for (size_t i = 0; i < sizeof raw / sizeof raw[0]; i++) {
        int want = bit(raw[i].leaf, 0, raw[i].reg, raw[i].bit);
        snprintf(detail, sizeof detail, "flags %d, cpuid %d", has_flag(flags, raw[i].flag), want);
        check(raw[i].flag, has_flag(flags, raw[i].flag) == want, detail);
    }
    /* the cache leaves: /proc/cpuinfo's cache size is Linux's x86_cache_size (Intel: the largest
       level of leaf 4; AMD: the L2 of 0x80000006), and glibc's sysconf reads the same leaves */
    unsigned r[4], vendor_intel = strstr(field("vendor_id"), "GenuineIntel") != NULL;
    long biggest = 0, l1d = 0, l3 = 0;
    if (vendor_intel) {
        for (unsigned sub = 0; sub < 16; sub++) {
            __cpuid_count(4, sub, r[0], r[1], r[2], r[3]);
            if ((r[0] & 0x1f) == 0) break;
            long bytes = (long) ((r[1] >> 22) + 1) * (((r[1] >> 12) & 0x3ff) + 1) * ((r[1] & 0xfff) + 1) * (r[2] + 1L);
            if (bytes > biggest) biggest = bytes;
            if (((r[0] >> 5) & 7) == 1 && (r[0] & 0x1f) == 1) l1d = bytes;
            if (((r[0] >> 5) & 7) == 3) l3 = bytes;
        }
    } else {
        __cpuid(0x80000006, r[0], r[1], r[2], r[3]);
        biggest = (long) (r[2] >> 16) << 10;
        l3 = (long) (r[3] >> 18) << 19;
        __cpuid(0x80000005, r[0], r[1], r[2], r[3]);
        l1d = (long) (r[2] >> 24) << 10;
    }
    const char *csz = field("cache size");
    snprintf(detail, sizeof detail, "cpuinfo %s, cpuid %ld KB", csz ? csz : "(none)", biggest >> 10);
    check("cache size", biggest > 0 && csz != NULL && atol(csz) == biggest >> 10, detail);
#ifdef __GLIBC__
    snprintf(detail, sizeof detail, "sysconf %ld, cpuid %ld", sysconf(_SC_LEVEL1_DCACHE_SIZE), l1d);
    check("L1d size", l1d > 0 && sysconf(_SC_LEVEL1_DCACHE_SIZE) == l1d, detail);
    snprintf(detail, sizeof detail, "sysconf %ld, cpuid %ld", sysconf(_SC_LEVEL3_CACHE_SIZE), l3);
    check("L3 size", sysconf(_SC_LEVEL3_CACHE_SIZE) == l3, detail);
    snprintf(detail, sizeof detail, "sysconf %ld", sysconf(_SC_LEVEL1_DCACHE_LINESIZE));
    check("L1d line", sysconf(_SC_LEVEL1_DCACHE_LINESIZE) == 64, detail);
#endif
    printf("failures %d\n", failures);
    return failures != 0;
}
