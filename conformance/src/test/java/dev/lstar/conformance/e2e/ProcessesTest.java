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

/**
 * Processes (issue #15): {@code src/test/resources/c/procs.c}, built static with gcc/glibc and
 * musl-gcc, one mode per case — fork/vfork/clone, execve (of itself through /proc/self/exe, and
 * failing), wait4/waitpid/waitid with WNOHANG/WNOWAIT, exit statuses and deaths by signal,
 * zombie reaping order, ECHILD, SIGCHLD's siginfo, SA_NOCLDWAIT and SIG_IGN auto-reaping, pipes
 * and a 3-stage pipeline, close-on-exec, system(), posix_spawn, process groups and sessions,
 * orphans re-parented, copy-on-write memory and MAP_SHARED, stop/continue (WUNTRACED,
 * WCONTINUED, CLD_STOPPED), execveat/fexecve, /proc/PID of a child (cmdline, S and Z states),
 * signals with siginfo between processes — natively and under lstar on the
 * interpreter and the JIT (lockstep for a few cheap modes): the same stdout and status. Then
 * busybox {@code sh} scripts (pipelines, {@code $(...)}, loops over external commands, xargs,
 * find -exec) and dynamic {@code /bin/bash -c} pipelines against their native runs.
 *
 * <p>Every program is first checked natively (its own checks must hold); {@code
 * -Dlstar.proc.tests=false} skips the lstar half ({@link ProcPrograms#assumeEnabled}).
 */
class ProcessesTest {
    @TempDir
    static Path dir;

    static final List<String> MODES = List.of("exit-codes", "killed", "wnohang", "reap-order", "echild", "sigchld", "nocldwait", "vfork",
            "exec-self", "exec-fail", "cloexec", "pipe", "pipeline", "system", "spawn", "pgrp", "orphan", "cow", "fork-loop", "exit-main",
            "ids", "stop-cont", "execveat", "proc-pid", "signal-child", "rlimit");

    /** Cheap modes that also run in lockstep (every block translated and compared with the interpreter). */
    static final List<String> LOCKSTEP = List.of("exit-codes", "wnohang", "exec-self", "cloexec", "ids");

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

    /**
     * Modes whose subject lstar does not model yet, with the reason (the native half still runs;
     * the lstar half is skipped with this message, never silently passed).
     */
    static final java.util.Map<String, String> NOT_MODELLED = java.util.Map.of();

    /** Modes whose native oracle must be pid 1 of a pid namespace, as lstar's first process is (orphans are re-parented to it). */
    static final List<String> AS_INIT = List.of("orphan");

    static int expectedStatus(String mode) {
        return mode.equals("exit-main") ? 77 : 0;
    }

    @ParameterizedTest(name = "{0} {1} [{2}]")
    @MethodSource("cases")
    void modePrintsWhatItPrintsNatively(String cc, String mode, EngineFactory engine) throws Exception {
        assumeTrue(NativeRun.available(), NativeRun.unavailableReason());
        if (mode.equals("system")) assumeTrue(Files.isExecutable(Path.of("/bin/sh")), "system() needs /bin/sh");
        Path exe = ProcPrograms.compile(dir, cc, "procs");
        List<String> argv = List.of(exe.toString(), mode);
        ProcPrograms.Native n = ProcPrograms.runNative(argv);
        assertEquals(expectedStatus(mode), n.status(), "the program's own checks fail natively:\n" + n.stdout());
        assertFalse(n.stdout().contains("FAILED") || n.stdout().contains("failures"), n.stdout());
        if (AS_INIT.contains(mode)) {
            assumeTrue(ProcPrograms.pidNamespaces(), "the native oracle of " + mode + " must run as pid 1 of a new pid namespace"
                    + " (lstar's first process is one), and `unshare -p -f --mount-proc` is not allowed here");
            n = ProcPrograms.runNative(argv, true);
        }

        ProcPrograms.assumeEnabled();
        assumeFalse(NOT_MODELLED.containsKey(mode), NOT_MODELLED.get(mode));
        ProcPrograms.assertSameUnderLstar(n, argv, engine, 120);
    }

    // ---------------------------------------------------------------- busybox sh and bash

    static final Path BUSYBOX = Path.of("/bin/busybox");

    /** A directory tree for find: X files at several depths, other files beside them. */
    static synchronized Path tree() throws Exception {
        Path t = dir.resolve("tree");
        if (Files.exists(t)) return t;
        Files.createDirectories(t.resolve("a/b/c"));
        Files.createDirectories(t.resolve("d"));
        Files.writeString(t.resolve("X"), "top\n");
        Files.writeString(t.resolve("a/X"), "in a\n");
        Files.writeString(t.resolve("a/b/c/X"), "deep\n");
        Files.writeString(t.resolve("a/b/Y"), "not me\n");
        Files.writeString(t.resolve("d/X"), "in d\n");
        return t;
    }

    /** Scripts for {@code busybox sh -c}; {@code TREE} stands for {@link #tree()}. */
    static final List<String> SH_SCRIPTS = List.of(
            "echo a b c | tr ' ' '\\n' | sort -r",
            "x=$(echo hello | tr a-z A-Z); echo \"got $x\"; echo $(seq 3) $(echo nested $(echo deeper))",
            "for i in 1 2 3; do /bin/echo \"item $i\"; expr $i \\* 10; done",
            "printf '1\\n2\\n3\\n' | xargs -n 1 expr 100 +",
            "find TREE -name X -exec cat {} \\; | sort",
            "find TREE -type f | sort | xargs wc -l | tail -n 1",
            "(exit 7); echo \"subshell status $?\"; false | true; echo \"pipeline status $?\"; sh -c 'exit 5'; echo \"sh status $?\"",
            "sleep 0.01 & wait $!; echo \"waited $?\"; seq 5 | while read n; do echo $((n * n)); done",
            "trap 'echo child exited' CHLD; /bin/true; echo done",
            "echo one > TREE/../out.txt; cat TREE/../out.txt | wc -c; ls TREE | sort | head -n 2");

    static Stream<Arguments> shCases() {
        List<Arguments> out = new ArrayList<>();
        for (int i = 0; i < SH_SCRIPTS.size(); i++) {
            for (EngineFactory e : ProcPrograms.INTERP_AND_JIT) out.add(Arguments.of(i, e));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "sh script {0} [{1}]")
    @MethodSource("shCases")
    void busyboxShScriptMatchesNative(int script, EngineFactory engine) throws Exception {
        assumeTrue(NativeRun.available(), NativeRun.unavailableReason());
        assumeTrue(Files.isExecutable(BUSYBOX), "no " + BUSYBOX);
        String s = SH_SCRIPTS.get(script).replace("TREE", tree().toString());
        List<String> argv = List.of(BUSYBOX.toString(), "sh", "-c", s);
        ProcPrograms.Native n = ProcPrograms.runNative(argv);
        assertFalse(n.stdout().isEmpty(), "no output natively from: " + s);

        ProcPrograms.assumeEnabled();
        ProcPrograms.Lstar l = ProcPrograms.runLstar(argv, engine, 120);
        assertEquals(n.stdout(), l.stdout(), s + "\nstdout under lstar (" + l.describe() + ")");
        assertEquals(n.status(), l.status(), s + "\nexit status under lstar: " + l.describe());
        assertFalse(l.timedOut(), l.describe());
    }

    static final Path BASH = Path.of("/bin/bash");

    /** Scripts for the host's dynamic {@code /bin/bash -c}. */
    static final List<String> BASH_SCRIPTS = List.of(
            "ls / | wc -l",
            "ls /usr | sort -r | head -n 3 | tr a-z A-Z",
            "for w in $(echo x y z); do echo $w | grep -c '[xz]'; done",
            "seq 1 100 | grep 7 | wc -l; echo ${PIPESTATUS[@]}",
            "read -r line < <(echo from process substitution); echo \"$line\"; cat <<< here | tr e E",
            "f() { echo in function; return 4; }; f | cat; f; echo $?; (exit 9) || echo \"or $?\"");

    static Stream<Arguments> bashCases() {
        List<Arguments> out = new ArrayList<>();
        for (int i = 0; i < BASH_SCRIPTS.size(); i++) {
            for (EngineFactory e : ProcPrograms.INTERP_AND_JIT) out.add(Arguments.of(i, e));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "bash script {0} [{1}]")
    @MethodSource("bashCases")
    void dynamicBashMatchesNative(int script, EngineFactory engine) throws Exception {
        assumeTrue(NativeRun.available(), NativeRun.unavailableReason());
        assumeTrue(Files.isExecutable(BASH), "no " + BASH);
        String s = BASH_SCRIPTS.get(script);
        List<String> argv = List.of(BASH.toString(), "-c", s);
        ProcPrograms.Native n = ProcPrograms.runNative(argv);
        assertFalse(n.stdout().isEmpty(), "no output natively from: " + s);

        ProcPrograms.assumeEnabled();
        ProcPrograms.Lstar l = ProcPrograms.runLstar(argv, engine, 120);
        assertEquals(n.stdout(), l.stdout(), s + "\nstdout under lstar (" + l.describe() + ")");
        assertEquals(n.status(), l.status(), s + "\nexit status under lstar: " + l.describe());
        assertFalse(l.timedOut(), l.describe());
    }

    /** The harness itself: a guest that never ends is killed by the watchdog and reported as timed out. */
    @org.junit.jupiter.api.Test
    void theWatchdogEndsAGuestThatNeverExits() throws Exception {
        assumeTrue(Files.isExecutable(BUSYBOX), "no " + BUSYBOX);
        long t0 = System.nanoTime();
        ProcPrograms.Lstar l = ProcPrograms.runLstar(List.of(BUSYBOX.toString(), "sh", "-c", "echo before; while :; do :; done"),
                ProcPrograms.INTERP_AND_JIT.get(0), 10);
        assertTrue(l.timedOut(), l.describe());
        assertEquals(137, l.status(), l.describe());
        assertEquals("before\n", l.stdout());
        assertTrue(System.nanoTime() - t0 < 40_000_000_000L, "the kill took too long");
    }

    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"gcc", "musl-gcc"})
    void everyModeOfTheProgramIsATestCase(String cc) throws Exception {
        assumeTrue(NativeRun.available(), NativeRun.unavailableReason());
        Path exe = ProcPrograms.compile(dir, cc, "procs");
        ProcPrograms.Native n = ProcPrograms.runNative(List.of(exe.toString()));
        assertEquals(2, n.status());
        assertEquals(MODES, n.stdout().lines().toList(), "procs.c's mode table and MODES differ");
        assertTrue(MODES.containsAll(LOCKSTEP));
    }
}
