package dev.lstar.conformance.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lstar.conformance.e2e.StaticPrograms.Built;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The system calls of issue #12 as real programs use them ({@code src/test/resources/c/sysmisc.c},
 * built static with gcc/glibc and musl-gcc at test time), natively and under lstar on every
 * engine: the same stdout and status. The program covers poll/ppoll/select/pselect6 on pipes
 * (readiness bits, timeouts and the time left written back, signals ending a wait, temporary
 * signal masks), eventfd (counter, semaphore mode, limits), memfd_create (I/O, fstat, a shared
 * mapping in both directions), getrusage/times/clock_getres (shape), process groups and
 * credentials, flock between two open file descriptions, fallocate, copy_file_range,
 * preadv/pwritev(2) and openat2's RESOLVE_* rules; it prints only facts that do not depend on
 * the host (no pids, times or ids).
 */
class StaticSysMiscTest {
    @TempDir
    static Path dir;

    @ParameterizedTest(name = "{0} [{1}]")
    @MethodSource("dev.lstar.conformance.e2e.StaticPrograms#compilersAndEngines")
    void everyCallPrintsWhatItPrintsNatively(String cc, EngineFactory engine) throws Exception {
        assumeTrue(NativeRun.available(), NativeRun.unavailableReason());
        Path nativeDir = Files.createDirectories(dir.resolve("native-" + cc));
        Built b = StaticPrograms.build(dir, cc, "sysmisc", List.of(nativeDir.toString()));
        assertEquals(0, b.status(), "the program's own checks fail natively:\n" + b.stdout());
        assertTrue(b.stdout().contains("failures 0") && b.stdout().contains("openat2"), b.stdout());
        Path work = Files.createDirectories(dir.resolve("lstar-" + cc + "-" + engine));
        StaticPrograms.assertSameUnderLstar("", b, "sysmisc", List.of(work.toString()), engine);
    }
}
