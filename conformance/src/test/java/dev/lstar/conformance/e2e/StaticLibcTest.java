package dev.lstar.conformance.e2e;

import dev.lstar.conformance.e2e.StaticPrograms.Built;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lstar.runtime.Vendor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * C programs compiled at test time into static binaries ({@code src/test/resources/c/libc_strings.c}:
 * libc start-up, printf of integers and strings, the SSE2 string and memory functions the libc
 * picks for lstar's CPUID, qsort, malloc) with {@code gcc -O2 -static} (glibc) and
 * {@code musl-gcc -O2 -static} runs natively and under lstar on every engine: stdout and exit
 * status must be identical. Before SSE2, every static glibc binary died in {@code _dl_aux_init}
 * at {@code pxor %xmm0,%xmm0} and musl's at {@code pxor} in {@code vfprintf}. A toolchain that is
 * not installed (or has no static libc) is skipped.
 *
 * <p>{@code libc_float.c} does the same for SSE/SSE2 floating point: scalar and packed arithmetic,
 * conversions, compares, MXCSR rounding modes, FTZ/DAZ and sticky flags, printed as bit patterns
 * by its own integer-only formatter. Run with {@code printf} it formats doubles and floats with
 * printf (%f %e %g %a) and round-trips strtod, which in both libcs also executes x87 instructions
 * (glibc's {@code __printf_fp_l} reads the rounding mode with {@code fnstcw}; musl formats through
 * long double): until lstar has x87, that variant is skipped when, and only when, lstar stops it
 * with SIGILL at an x87 opcode (D8-DF); any other difference fails.
 */
class StaticLibcTest {
    @TempDir
    static Path dir;

    private static Built build(String cc) throws IOException, InterruptedException {
        return build(cc, "libc_strings", List.of());
    }

    /** Builds {@code program}.c with {@code cc} (once) and runs it natively with {@code args}. */
    private static Built build(String cc, String program, List<String> args) throws IOException, InterruptedException {
        return StaticPrograms.build(dir, cc, program, args);
    }

    @ParameterizedTest(name = "{0} [{1}]")
    @MethodSource("dev.lstar.conformance.e2e.StaticPrograms#compilersAndEngines")
    void sameStdoutAndStatusAsNative(String cc, EngineFactory engine) throws Exception {
        assumeTrue(NativeRun.available(), NativeRun.unavailableReason());
        Built b = build(cc);
        assertEquals(0, b.status(), "the program's own checks fail natively:\n" + b.stdout());
        assertTrue(b.stdout().contains("failures 0"), b.stdout());

        LstarRun.Result l = LstarRun.run("libc_strings", Files.readAllBytes(b.exe()), List.of(),
                LstarRun.config(Vendor.INTEL, true), engine, k -> {});
        assertEquals(b.stdout(), l.stdout(), "stdout under lstar (exit: " + l.exit().message() + ", lstar log:\n" + l.log() + ")");
        assertEquals(b.status(), l.status(), "exit status under lstar: " + l.exit().message());
        assertFalse(l.exit().oops(), l.exit().message());
        assertEquals("", l.stderr(), "guest stderr");
    }

    @ParameterizedTest(name = "{0} [{1}]")
    @MethodSource("dev.lstar.conformance.e2e.StaticPrograms#compilersAndEngines")
    void floatingPointSameAsNative(String cc, EngineFactory engine) throws Exception {
        assumeTrue(NativeRun.available(), NativeRun.unavailableReason());
        Built b = build(cc, "libc_float", List.of());
        assertEquals(0, b.status(), b.stdout());
        assertTrue(b.stdout().contains("checksum ") && b.stdout().contains("rc 3:"), b.stdout());
        LstarRun.Result l = LstarRun.run("libc_float", Files.readAllBytes(b.exe()), List.of(),
                LstarRun.config(Vendor.INTEL, true), engine, k -> {});
        assertEquals(b.stdout(), l.stdout(), "stdout under lstar (exit: " + l.exit().message() + ")");
        assertEquals(b.status(), l.status(), "exit status under lstar: " + l.exit().message());
        assertFalse(l.exit().oops(), l.exit().message());
    }

    @ParameterizedTest(name = "{0} [{1}]")
    @MethodSource("dev.lstar.conformance.e2e.StaticPrograms#compilersAndEngines")
    void printfAndStrtodOfFloatingPointSameAsNative(String cc, EngineFactory engine) throws Exception {
        assumeTrue(NativeRun.available(), NativeRun.unavailableReason());
        Built b = build(cc, "libc_float", List.of("printf"));
        assertEquals(0, b.status(), b.stdout());
        assertTrue(b.stdout().contains("round trips 12"), b.stdout());
        LstarRun.Result l = LstarRun.run("libc_float", Files.readAllBytes(b.exe()), List.of("printf"),
                LstarRun.config(Vendor.INTEL, true), engine, k -> {});
        String x87 = x87Stop(b.exe(), l);
        assumeTrue(x87 == null, "stopped at an x87 instruction lstar does not implement yet: " + x87);
        assertEquals(b.stdout(), l.stdout(), "stdout under lstar (exit: " + l.exit().message() + ")");
        assertEquals(b.status(), l.status(), "exit status under lstar: " + l.exit().message());
    }

    @ParameterizedTest(name = "{0} [{1}]")
    @MethodSource("dev.lstar.conformance.e2e.StaticPrograms#compilersAndEngines")
    void anUnmaskedSimdExceptionIsSigfpeAsNatively(String cc, EngineFactory engine) throws Exception {
        assumeTrue(NativeRun.available(), NativeRun.unavailableReason());
        Built b = build(cc, "libc_float", List.of("sigfpe"));
        assertEquals(128 + 8, b.status(), "natively killed by SIGFPE: " + b.stdout());
        LstarRun.Result l = LstarRun.run("libc_float", Files.readAllBytes(b.exe()), List.of("sigfpe"),
                LstarRun.config(Vendor.INTEL, true), engine, k -> {});
        assertEquals(b.stdout(), l.stdout());
        assertEquals(b.status(), l.status(), l.exit().message());
        assertFalse(l.exit().oops(), l.exit().message());
    }

    /** The objdump line of the x87 instruction (first opcode byte D8-DF) lstar's SIGILL stop is at, else null. */
    private static String x87Stop(Path exe, LstarRun.Result l) throws IOException, InterruptedException {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("SIGILL.* at rip 0x([0-9a-f]+)").matcher(l.exit().message());
        if (l.status() != 128 + 4 || !m.find()) return null;
        long rip = Long.parseUnsignedLong(m.group(1), 16);
        Process p = new ProcessBuilder("objdump", "-d", "--start-address=0x" + Long.toHexString(rip),
                "--stop-address=0x" + Long.toHexString(rip + 15), exe.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        for (String line : out.split("\n")) {
            String t = line.trim();
            if (!t.startsWith(Long.toHexString(rip) + ":")) continue;
            String[] f = t.substring(t.indexOf(':') + 1).trim().split("\\s+");
            for (String byt : f) { // skip legacy prefixes and REX
                int v = Integer.parseInt(byt, 16);
                if (v == 0x66 || v == 0x67 || v == 0xF2 || v == 0xF3 || (v & 0xF0) == 0x40) continue;
                return v >= 0xD8 && v <= 0xDF ? t : null;
            }
        }
        return null;
    }
}
