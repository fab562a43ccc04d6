package dev.lstar.conformance.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Threads (issue #15): {@code src/test/resources/c/threads.c} (pthreads: create/join/detach,
 * a mutex counter, condvar ping-pong, barriers, atomics, TLS, cancellation, pthread_exit from
 * main, thread-directed signals and per-thread masks, gettid, exit_group from a thread) and
 * {@code litmus.c} (x86-TSO litmus tests — no outcome x86 forbids may appear — and exact locked
 * counters incl. CMPXCHG16B and a split lock), built static with gcc -pthread/glibc and
 * musl-gcc, natively and under lstar on the interpreter and the JIT (lockstep for a few cheap
 * modes): the same stdout and status.
 *
 * <p>Every program is first checked natively; {@code -Dlstar.proc.tests=false} skips the lstar
 * half ({@link ProcPrograms#assumeEnabled}).
 */
class ThreadsTest {
    @TempDir
    static Path dir;

    static final List<String> MODES = List.of("create-join", "mutex", "condvar", "barrier", "atomic", "tls", "detach", "cancel",
            "exit-main", "kill-thread", "sigmask", "ids", "exit-group", "thread-exit");

    static final List<String> LOCKSTEP = List.of("create-join", "ids", "thread-exit");

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String cc : List.of("gcc", "musl-gcc")) {
            for (String mode : MODES) {
                for (EngineFactory e : ProcPrograms.INTERP_AND_JIT) out.add(Arguments.of(cc, mode, e));
                if (LOCKSTEP.contains(mode)) out.add(Arguments.of(cc, mode, ProcPrograms.lockstep()));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} [{2}]")
    @MethodSource("cases")
    void modePrintsWhatItPrintsNatively(String cc, String mode, EngineFactory engine) throws Exception {
        assumeTrue(NativeRun.available(), NativeRun.unavailableReason());
        Path exe = ProcPrograms.compile(dir, cc, "threads");
        List<String> argv = List.of(exe.toString(), mode);
        ProcPrograms.Native n = ProcPrograms.runNative(argv);
        assertEquals(mode.equals("exit-group") ? 3 : 0, n.status(), "the program's own checks fail natively:\n" + n.stdout());
        assertFalse(n.stdout().contains("FAILED") || n.stdout().contains("UNEXPECTED"), n.stdout());

        ProcPrograms.assumeEnabled();
        ProcPrograms.assertSameUnderLstar(n, argv, engine, 180);
    }

    static final List<String> LITMUS = List.of("mp", "sb", "sb-mfence", "sb-xchg", "lb", "2+2w", "iriw", "corr", "wrc", "xadd", "cmpxchg",
            "cmpxchg16b", "splitlock");

    /** Iterations per litmus test: enough for the threads to race, few enough for the interpreter. */
    /**
     * Iterations per litmus test: 3000 natively and, with {@code -Dlstar.litmus.iterations=N},
     * under lstar; by default 150 under lstar, whose threads take turns on one modelled CPU (so
     * every outcome it can show is sequentially consistent, and a spinning thread waits out a
     * time slice: many iterations would only cost time until lstar runs threads in parallel).
     */
    static String iterations(String mode) {
        return mode.equals("splitlock") ? "200" : "3000";
    }

    static Stream<Arguments> litmusCases() {
        List<Arguments> out = new ArrayList<>();
        for (String cc : List.of("gcc", "musl-gcc")) {
            for (String mode : LITMUS) {
                for (EngineFactory e : ProcPrograms.INTERP_AND_JIT) out.add(Arguments.of(cc, mode, e));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} [{2}]")
    @MethodSource("litmusCases")
    void litmusNeverShowsAForbiddenOutcome(String cc, String mode, EngineFactory engine) throws Exception {
        assumeTrue(NativeRun.available(), NativeRun.unavailableReason());
        if (mode.equals("splitlock")) {
            // with split-lock detection the host kernel may slow (or kill) a task per split lock
            assumeFalse(Files.readString(Path.of("/proc/cpuinfo")).contains("split_lock_detect"), "the host detects split locks");
        }
        Path exe = ProcPrograms.compile(dir, cc, "litmus");
        List<String> argv = List.of(exe.toString(), mode, iterations(mode));
        ProcPrograms.Native n = ProcPrograms.runNative(argv);
        assertEquals(0, n.status(), "natively:\n" + n.stdout());
        assertTrue(n.stdout().contains("forbidden: 0") || n.stdout().contains("exact"), n.stdout());

        ProcPrograms.assumeEnabled();
        String lstarIterations = System.getProperty("lstar.litmus.iterations", mode.equals("splitlock") ? "100" : "150");
        n = ProcPrograms.runNative(List.of(exe.toString(), mode, lstarIterations));
        argv = List.of(exe.toString(), mode, lstarIterations);
        ProcPrograms.Lstar l = ProcPrograms.runLstar(argv, engine, 240);
        // SB's allowed TSO outcome (r1=r2=0), if it showed: the program reports it on stderr
        if (mode.equals("sb") && !l.stderr().isBlank()) System.out.println(cc + " [" + engine + "]: " + l.stderr().strip());
        assertEquals(n.stdout(), l.stdout(), "stdout under lstar (" + l.describe() + ")");
        assertEquals(0, l.status(), "exit status under lstar: " + l.describe());
        assertFalse(l.timedOut(), l.describe());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"gcc", "musl-gcc"})
    void everyModeOfThePrograms(String cc) throws Exception {
        assumeTrue(NativeRun.available(), NativeRun.unavailableReason());
        ProcPrograms.Native t = ProcPrograms.runNative(List.of(ProcPrograms.compile(dir, cc, "threads").toString()));
        assertEquals(MODES, t.stdout().lines().toList(), "threads.c's mode table and MODES differ");
        ProcPrograms.Native l = ProcPrograms.runNative(List.of(ProcPrograms.compile(dir, cc, "litmus").toString()));
        assertEquals(LITMUS, l.stdout().lines().toList(), "litmus.c's modes and LITMUS differ");
    }
}
