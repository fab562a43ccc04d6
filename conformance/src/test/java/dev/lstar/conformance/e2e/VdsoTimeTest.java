package dev.lstar.conformance.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lstar.conformance.e2e.StaticPrograms.Built;
import dev.lstar.kernel.vfs.Vfs;
import dev.lstar.runtime.Vendor;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The vDSO under real libcs ({@code src/test/resources/c/vdso_time.c}): glibc static, musl static
 * and glibc dynamic find __vdso_clock_gettime, __vdso_gettimeofday, __vdso_time and
 * __vdso_getcpu through AT_SYSINFO_EHDR and call them; the program's own checks (monotonic order
 * across the vDSO and the system call, a sleep seen in full, the fallback's EINVAL) pass as
 * natively. The system-call counter shows the vDSO loop makes no system call: runs with N and 2N
 * iterations differ by exactly N system calls — those of the program's second loop, which calls
 * {@code syscall(SYS_clock_gettime)} once per iteration — although the first loop makes 6N more
 * time calls. On the lockstep engine (static builds) every translated block of the vDSO and the
 * libc wrappers is also checked against the interpreter.
 */
class VdsoTimeTest {
    @TempDir
    static Path dir;

    static Stream<Arguments> cases() {
        // lockstep (every translated block checked against the interpreter) for the static builds, with
        // the vvar timer off so that both runs of a block read the same page (see Vdso)
        return Stream.of("gcc", "musl-gcc", "gcc-dynamic").flatMap(cc -> Stream.of("interp", "jit", "lockstep")
                .filter(e -> !(cc.equals("gcc-dynamic") && e.equals("lockstep")))
                .map(e -> Arguments.of(cc, EngineFactory.ALL.stream().filter(f -> f.name().equals(e)).findFirst().orElseThrow())));
    }

    private static Path dynamic;

    /** vdso_time.c built with plain gcc -O2 (dynamically linked), once. */
    static synchronized Path dynamicProgram() throws Exception {
        if (dynamic != null) return dynamic;
        Path exe = StaticPrograms.compile(dir, "gcc", "vdso_time", false);
        return dynamic = exe;
    }

    record Outcome(String stdout, long syscalls) {}

    static Outcome run(String cc, Path exe, int n, EngineFactory engine) throws Exception {
        List<String> args = List.of(Integer.toString(n));
        if (cc.equals("gcc-dynamic")) {
            DynamicExecutablesTest.Run r = DynamicExecutablesTest.lstar(Vfs.host(), exe, List.of(exe.toString(), args.get(0)), engine);
            assertEquals(0, r.exit().shellStatus(), r.stdout() + r.exit().message() + "\n" + r.log());
            assertFalse(r.exit().oops(), r.exit().message());
            return new Outcome(r.stdout(), syscallsOf(r));
        }
        boolean lockstep = engine.name().equals("lockstep");
        LstarRun.Result l = LstarRun.run("vdso_time", Files.readAllBytes(exe), args, LstarRun.config(Vendor.INTEL, true), engine,
                k -> k.vvarRefresh(!lockstep));
        assertEquals(0, l.status(), l.stdout() + l.exit().message() + "\n" + l.log());
        assertFalse(l.exit().oops(), l.exit().message());
        return new Outcome(l.stdout(), l.kernel().syscallCount());
    }

    private static long syscallsOf(DynamicExecutablesTest.Run r) {
        return r.syscalls();
    }

    @ParameterizedTest(name = "[{0}, {1}]")
    @MethodSource("cases")
    void timeCallsGoThroughTheVdsoWithoutASystemCall(String cc, EngineFactory engine) throws Exception {
        Path exe;
        String expected;
        if (cc.equals("gcc-dynamic")) {
            exe = dynamicProgram();
            DynamicExecutablesTest.Native nat = DynamicExecutablesTest.nativeRun(dir, List.of(exe.toString(), "200"));
            assertEquals(0, nat.status(), "the program's own checks fail natively:\n" + nat.stdout());
            expected = nat.stdout();
        } else {
            Built b = StaticPrograms.build(dir, cc, "vdso_time", List.of("200"));
            assertEquals(0, b.status(), "the program's own checks fail natively:\n" + b.stdout());
            exe = b.exe();
            expected = b.stdout();
        }
        Outcome small = run(cc, exe, 200, engine), large = run(cc, exe, 400, engine);
        assertEquals(expected, small.stdout());
        assertEquals(expected, large.stdout());
        // 200 more iterations: 1200 more vDSO calls and exactly 200 more system calls (the second loop's)
        assertEquals(200, large.syscalls() - small.syscalls(),
                "system calls with N=200: " + small.syscalls() + ", with N=400: " + large.syscalls());
    }
}
