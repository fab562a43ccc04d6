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
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A C program compiled at test time with {@code gcc -O2 -static} against the host's glibc
 * ({@code src/test/resources/c/glibc_strings.c}: glibc start-up, printf of integers and strings,
 * the SSE2 string and memory functions glibc selects for lstar's CPUID, malloc) runs natively and
 * under lstar on every engine: stdout and exit status must be identical. Before SSE2, every such
 * binary died in {@code _dl_aux_init} at {@code pxor %xmm0,%xmm0}. Skipped only when gcc or the
 * static glibc is missing.
 */
class GlibcStaticTest {
    @TempDir
    static Path dir;

    private static Path exe;
    private static String nativeOut;
    private static int nativeStatus;

    static List<EngineFactory> engines() {
        return EngineFactory.ALL;
    }

    private static synchronized void buildAndRunNatively() throws IOException, InterruptedException {
        if (exe != null) return;
        Path src = dir.resolve("glibc_strings.c");
        try (InputStream in = Objects.requireNonNull(GlibcStaticTest.class.getResourceAsStream("/c/glibc_strings.c"))) {
            Files.write(src, in.readAllBytes());
        }
        Path out = dir.resolve("glibc_strings");
        Process gcc;
        try {
            gcc = new ProcessBuilder("gcc", "-O2", "-static", "-o", out.toString(), src.toString()).redirectErrorStream(true).start();
        } catch (IOException noGcc) {
            assumeTrue(false, "gcc is not installed");
            return;
        }
        String log = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(gcc.waitFor(120, TimeUnit.SECONDS) && gcc.exitValue() == 0, "gcc -static failed (no static glibc?):\n" + log);
        Process p = new ProcessBuilder(out.toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        p.getOutputStream().close();
        nativeOut = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "native run timed out");
        nativeStatus = p.exitValue();
        exe = out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("engines")
    void sameStdoutAndStatusAsNative(EngineFactory engine) throws Exception {
        assumeTrue(NativeRun.available(), NativeRun.unavailableReason());
        buildAndRunNatively();
        assertEquals(0, nativeStatus, "the program's own checks fail natively:\n" + nativeOut);
        assertTrue(nativeOut.contains("failures 0"), nativeOut);

        LstarRun.Result l = LstarRun.run("glibc_strings", Files.readAllBytes(exe), List.of(),
                LstarRun.config(Vendor.INTEL, true), engine, k -> {});
        assertEquals(nativeOut, l.stdout(), "stdout under lstar (exit: " + l.exit().message() + ", lstar log:\n" + l.log() + ")");
        assertEquals(nativeStatus, l.status(), "exit status under lstar: " + l.exit().message());
        assertFalse(l.exit().oops(), l.exit().message());
        assertEquals("", l.stderr(), "guest stderr");
    }
}
