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
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Thread groups (issue #15): {@code src/test/resources/c/tgroups.c} — execve from a thread other
 * than the leader (in a forked child, and in the first process itself), clone with CLONE_SIGHAND
 * but not CLONE_THREAD, the process-wide pending set (process-directed signals taken by the
 * thread that unblocks them; sigpending and /proc SigPnd/ShdPnd per thread), writes to
 * /proc/PID/comm and /proc/PID/task/TID/comm, RLIMIT_CPU set by a forked child, and POSIX
 * record locks owned by the descriptor table (CLONE_FILES shares it) — built static with
 * gcc -pthread/glibc and musl-gcc, natively and under lstar on the interpreter and the JIT: the
 * same stdout and status.
 */
class ThreadGroupsTest {
    @TempDir
    static Path dir;

    static final List<String> MODES = List.of("exec-thread", "exec-thread-self", "exec-thread-zombie-leader", "sighand", "shared-pending", "comm", "rlimit-cpu",
            "lock-owner", "thread-pgrp", "itimer-threads");

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
        Path exe = ProcPrograms.compile(dir, cc, "tgroups");
        String file = dir.resolve(cc + "-" + mode + "-" + engine.name() + ".lock").toString();
        List<String> argv = List.of(exe.toString(), mode, file);
        ProcPrograms.Native n = ProcPrograms.runNative(argv);
        assertEquals(mode.equals("exec-thread-self") ? 7 : 0, n.status(), "the program's own checks fail natively:\n" + n.stdout());
        assertFalse(n.stdout().contains("FAILED"), n.stdout());

        ProcPrograms.assumeEnabled();
        ProcPrograms.assertSameUnderLstar(n, argv, engine, 120);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"gcc", "musl-gcc"})
    void everyModeOfTheProgram(String cc) throws Exception {
        assumeTrue(NativeRun.available(), NativeRun.unavailableReason());
        ProcPrograms.Native t = ProcPrograms.runNative(List.of(ProcPrograms.compile(dir, cc, "tgroups").toString()));
        assertEquals(MODES, t.stdout().lines().toList(), "tgroups.c's mode table and MODES differ");
    }
}
