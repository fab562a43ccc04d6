package dev.lstar.conformance.e2e;

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
 * A C program compiled at test time into a static binary ({@code src/test/resources/c/libc_strings.c}:
 * libc start-up, printf of integers and strings, the SSE2 string and memory functions the libc
 * picks for lstar's CPUID, qsort, malloc) with {@code gcc -O2 -static} (glibc) and
 * {@code musl-gcc -O2 -static} runs natively and under lstar on every engine: stdout and exit
 * status must be identical. Before SSE2, every static glibc binary died in {@code _dl_aux_init}
 * at {@code pxor %xmm0,%xmm0} and musl's at {@code pxor} in {@code vfprintf}. A toolchain that is
 * not installed (or has no static libc) is skipped.
 */
class StaticLibcTest {
    @TempDir
    static Path dir;

    /** A binary built by one toolchain, and its native stdout and status. */
    record Built(Path exe, String stdout, int status) {}

    private static final Map<String, Built> BUILT = new ConcurrentHashMap<>();

    static Stream<Arguments> matrix() {
        List<Arguments> out = new ArrayList<>();
        for (String cc : List.of("gcc", "musl-gcc")) {
            for (EngineFactory e : EngineFactory.ALL) out.add(Arguments.of(cc, e));
        }
        return out.stream();
    }

    private static synchronized Built build(String cc) throws IOException, InterruptedException {
        Built b = BUILT.get(cc);
        if (b != null) return b;
        Path src = dir.resolve("libc_strings.c");
        try (InputStream in = Objects.requireNonNull(StaticLibcTest.class.getResourceAsStream("/c/libc_strings.c"))) {
            Files.write(src, in.readAllBytes());
        }
        Path exe = dir.resolve("libc_strings-" + cc);
        Process p;
        try {
            p = new ProcessBuilder(cc, "-O2", "-static", "-o", exe.toString(), src.toString()).redirectErrorStream(true).start();
        } catch (IOException notInstalled) {
            assumeTrue(false, cc + " is not installed");
            return null;
        }
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, cc + " -static failed (no static libc?):\n" + log);
        Process run = new ProcessBuilder(exe.toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        run.getOutputStream().close();
        String out = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(run.waitFor(60, TimeUnit.SECONDS), "native run timed out");
        b = new Built(exe, out, run.exitValue());
        BUILT.put(cc, b);
        return b;
    }

    @ParameterizedTest(name = "{0} [{1}]")
    @MethodSource("matrix")
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
}
