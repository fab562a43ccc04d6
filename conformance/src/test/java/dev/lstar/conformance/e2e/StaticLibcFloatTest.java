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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Floating point through the libc on the x87 FPU, compiled at test time into static binaries and
 * run natively and under lstar on every engine (stdout and exit status identical):
 * {@code libc_printf_fp.c} with {@code musl-gcc -O2 -static} (printf of integers, strings and doubles
 * with %f %e %g %a, and long double arithmetic with %Lf: musl formats every floating-point
 * argument as a long double on the x87, {@code fldl}/{@code fstpt} in {@code pop_arg}/{@code fmt_fp});
 * {@code libc_ldouble.c} with {@code gcc -O2 -static} (long double arithmetic printed by glibc's
 * {@code __printf_fp}, which formats doubles with SSE floating point, so this program prints long
 * doubles only). A toolchain that is not installed (or has no static libc) is skipped.
 */
class StaticLibcFloatTest {
    @TempDir
    static Path dir;

    static Stream<Arguments> matrix() {
        List<Arguments> out = new ArrayList<>();
        for (String[] p : new String[][] {{"musl-gcc", "libc_printf_fp"}, {"gcc", "libc_ldouble"}}) {
            for (EngineFactory e : EngineFactory.ALL) out.add(Arguments.of(p[0], p[1], e));
        }
        return out.stream();
    }

    private static Built build(String cc, String program) throws IOException, InterruptedException {
        return StaticPrograms.build(dir, cc, program, List.of());
    }

    @ParameterizedTest(name = "{0} {1} [{2}]")
    @MethodSource("matrix")
    void sameStdoutAndStatusAsNative(String cc, String program, EngineFactory engine) throws Exception {
        assumeTrue(NativeRun.available(), NativeRun.unavailableReason());
        Built b = build(cc, program);
        assertEquals(0, b.status(), "the program's own checks fail natively:\n" + b.stdout());
        assertTrue(b.stdout().contains("failures 0"), b.stdout());

        LstarRun.Result l = LstarRun.run(program, Files.readAllBytes(b.exe()), List.of(),
                LstarRun.config(Vendor.INTEL, true), engine, k -> {});
        assertEquals(b.stdout(), l.stdout(), "stdout under lstar (exit: " + l.exit().message() + ", lstar log:\n" + l.log() + ")");
        assertEquals(b.status(), l.status(), "exit status under lstar: " + l.exit().message());
        assertFalse(l.exit().oops(), l.exit().message());
        assertEquals("", l.stderr(), "guest stderr");
    }
}
