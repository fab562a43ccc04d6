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
 * gcc/glibc and musl-gcc at test time): natively the host's file and the host's CPUID agree; under
 * lstar (Intel and AMD semantics, every engine) lstar's file and lstar's CPUID agree, on the vendor,
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
        assertEquals(0, b.status(), "the host's /proc/cpuinfo and CPUID disagree natively:\n" + b.stdout());
        assertTrue(b.stdout().contains("sse4_2 agrees") && b.stdout().endsWith("failures 0\n"), b.stdout());
        for (Vendor v : Vendor.values()) {
            StaticPrograms.assertSameUnderLstar(v + ": ", b, "cpuinfo", List.of(), engine, v);
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
