package dev.lstar.conformance.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lstar.conformance.e2e.StaticPrograms.Built;
import dev.lstar.runtime.Vendor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * /proc/cpuinfo agrees with CPUID ({@code src/test/resources/c/cpuinfo.c}, built static with
 * gcc/glibc and musl-gcc at test time): natively the host's file and the host's CPUID agree (but
 * for a flag or two a host kernel may leave out); under lstar (Intel and AMD semantics, every engine) lstar's file and lstar's CPUID agree, on the vendor,
 * signature, processor count (sched_getaffinity), address sizes and each flag checked against
 * {@code __builtin_cpu_supports} or the raw bit. The program prints only "agrees" lines, so the
 * two outputs are equal; and lstar's flags are x86-64-v2 (sse4_2, popcnt) without AVX.
 */
class StaticCpuinfoTest {
    @TempDir
    static Path dir;

    @ParameterizedTest(name = "{0} [{1}]")
    @MethodSource("dev.lstar.conformance.e2e.StaticPrograms#compilersAndEngines")
    void cpuinfoSaysWhatCpuidSays(String cc, EngineFactory engine) throws Exception {
        assumeTrue(NativeRun.available(), NativeRun.unavailableReason());
        Built b = StaticPrograms.build(dir, cc, "cpuinfo", List.of());
        // The native run checks the program on a real kernel. A host kernel may leave a flag its
        // CPUID has out of the file (seen: "abm" on an AMD EPYC VM): what lstar must print is the
        // native output with every line "agrees" — no host's quirk excuses lstar from any of them.
        String want = b.stdout().replaceAll("(?m)^(\\S+) DISAGREES.*$", "$1 agrees").replaceAll("(?m)^failures \\d+$", "failures 0");
        int disagree = b.stdout().split("DISAGREES", -1).length - 1;
        assertEquals(disagree == 0, b.status() == 0, "the program fails exactly when a line disagrees:\n" + b.stdout());
        assertTrue(disagree <= 2, "the host's /proc/cpuinfo and CPUID disagree natively on more than a flag or two:\n" + b.stdout());
        assertTrue(want.contains("sse4_2 agrees") && want.endsWith("failures 0\n"), want);
        Built expected = new Built(b.exe(), want, 0);
        for (Vendor v : Vendor.values()) {
            StaticPrograms.assertSameUnderLstar(v + ": ", expected, "cpuinfo", List.of(), engine, v);
        }
        LstarRun.Result f = LstarRun.run("cpuinfo", Files.readAllBytes(b.exe()), List.of("flags"), LstarRun.config(Vendor.INTEL, true), engine, k -> {});
        String flags = " " + f.stdout().strip() + " ";
        for (String on : List.of("sse", "sse2", "pni", "ssse3", "sse4_1", "sse4_2", "popcnt", "cx16", "lahf_lm")) {
            assertTrue(flags.contains(" " + on + " "), on + " in " + flags);
        }
        for (String off : List.of("avx", "avx2", "avx512f", "fma", "bmi1", "la57", "monitor")) {
            assertFalse(flags.contains(" " + off + " "), off + " in " + flags);
        }
    }
}
