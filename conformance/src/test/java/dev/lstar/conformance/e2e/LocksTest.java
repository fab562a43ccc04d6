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
 * Record locks between processes: {@code src/test/resources/c/locks.c}, built static with
 * gcc/glibc and musl-gcc, one mode per case — POSIX lock ranges (split, merge, negative l_len,
 * SEEK_CUR/SEEK_END) seen by other processes through F_GETLK with the holder's pid, F_SETLK
 * EAGAIN, F_SETLKW waiting for the holder's unlock, EDEADLK between two waiting processes, EINTR
 * from a signal, close-of-any-descriptor and exit releasing, locks kept across execve and not
 * inherited by fork, OFD locks, flock across processes — natively and under lstar on the
 * interpreter and the JIT: the same stdout and status.
 */
class LocksTest {
    @TempDir
    static Path dir;

    static final List<String> MODES = List.of("ranges", "exit", "close", "setlkw", "deadlock", "eintr", "exec", "ofd", "flock");

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String cc : List.of("gcc", "musl-gcc")) {
            for (String mode : MODES) {
                for (EngineFactory e : ProcPrograms.INTERP_AND_JIT) out.add(Arguments.of(cc, mode, e));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} [{2}]")
    @MethodSource("cases")
    void modePrintsWhatItPrintsNatively(String cc, String mode, EngineFactory engine) throws Exception {
        assumeTrue(NativeRun.available(), NativeRun.unavailableReason());
        Path exe = ProcPrograms.compile(dir, cc, "locks");
        // a lock file of its own per case: the native run and the lstar run use it in turn
        String file = dir.resolve(cc + "-" + mode + "-" + engine.name() + ".lock").toString();
        List<String> argv = List.of(exe.toString(), mode, file);
        ProcPrograms.Native n = ProcPrograms.runNative(argv);
        assertEquals(0, n.status(), "the program's own checks fail natively:\n" + n.stdout());
        assertFalse(n.stdout().contains("FAILED") || n.stdout().contains("failures"), n.stdout());

        ProcPrograms.assumeEnabled();
        ProcPrograms.assertSameUnderLstar(n, argv, engine, 120);
    }
}
