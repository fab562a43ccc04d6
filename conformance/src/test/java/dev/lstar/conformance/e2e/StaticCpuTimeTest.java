package dev.lstar.conformance.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lstar.conformance.e2e.StaticPrograms.Built;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * CPU-time accounting ({@code src/test/resources/c/cputime.c}, built static with gcc/glibc and
 * musl-gcc at test time), natively and under lstar on every engine: the process and thread
 * CPU clocks and the ids of clock_getcpuclockid/pthread_getcpuclockid (EINVAL for a clock of no
 * process or of kind 3), an ended thread counting for its process, RUSAGE_SELF/THREAD/CHILDREN,
 * times()'s children fields after a wait. The program prints relations, never times.
 */
class StaticCpuTimeTest {
    @TempDir
    static Path dir;

    @ParameterizedTest(name = "{0} [{1}]")
    @MethodSource("dev.lstar.conformance.e2e.StaticPrograms#compilersAndEngines")
    void cpuClocksAndUsageAsNatively(String cc, EngineFactory engine) throws Exception {
        assumeTrue(NativeRun.available(), NativeRun.unavailableReason());
        Built b = StaticPrograms.build(dir, cc, "cputime", List.of());
        assertEquals(0, b.status(), "the program's own checks fail natively:\n" + b.stdout());
        assertTrue(b.stdout().contains("failures 0"), b.stdout());
        StaticPrograms.assertSameUnderLstar("", b, "cputime", List.of(), engine);
    }
}
