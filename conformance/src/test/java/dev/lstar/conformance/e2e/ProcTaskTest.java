package dev.lstar.conformance.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * /proc/PID/task/TID for every thread and /proc/thread-self: {@code src/test/resources/c/taskdir.c}
 * (static glibc and musl) lists its task directory and reads each thread's comm (set with
 * pthread_setname_np), stat and status from the main thread and from another thread — natively
 * and under lstar on the interpreter and the JIT: the same stdout and status.
 */
class ProcTaskTest {
    @TempDir
    static Path dir;

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String cc : List.of("gcc", "musl-gcc")) {
            for (EngineFactory e : ProcPrograms.INTERP_AND_JIT) out.add(Arguments.of(cc, e));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} [{1}]")
    @MethodSource("cases")
    void taskDirectoryMatchesNative(String cc, EngineFactory engine) throws Exception {
        assumeTrue(NativeRun.available(), NativeRun.unavailableReason());
        Path exe = ProcPrograms.compile(dir, cc, "taskdir");
        List<String> argv = List.of(exe.toString());
        ProcPrograms.Native n = ProcPrograms.runNative(argv);
        assertEquals(0, n.status(), "the program's own checks fail natively:\n" + n.stdout());
        assertFalse(n.stdout().contains("FAILED"), n.stdout());

        ProcPrograms.assumeEnabled();
        ProcPrograms.assertSameUnderLstar(n, argv, engine, 120);
    }
}
