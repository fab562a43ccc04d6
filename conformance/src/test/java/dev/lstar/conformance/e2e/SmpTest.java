package dev.lstar.conformance.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lstar.translator.JitEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Guest threads on several modelled CPUs at once (issue #15, SMP: {@code KernelConfig.withCpus},
 * {@code lstar run --cpus N}): {@code smp.c} (locked counters, a mutex, a ticket spinlock released
 * by a plain store, a token handed through plain stores and spinning loads, the CPU count and
 * getcpu), the x86-TSO litmus tests of {@code litmus.c} — now with the threads really racing, so
 * no outcome x86 forbids may show and SB's allowed one may —, every mode of {@code threads.c}
 * (interpreter and JIT) and of {@code procs.c} (JIT: processes forked onto the other CPU, pipes,
 * copy-on-write, exec, signals between CPUs), built with gcc and musl-gcc, natively and under lstar
 * with two CPUs: the same stdout and status.
 */
class SmpTest {
    @TempDir
    static Path dir;

    static final int CPUS = 2;

    static final List<List<String>> SMP = List.of(List.of("work", "2", "20000"), List.of("work", "3", "5000"), List.of("spin", "2", "2000"),
            List.of("flag", "2000"), List.of("compute", "2", "20000"), List.of("affinity"), List.of("cpus"),
            List.of("wakeop", "3000"), List.of("robust"), List.of("splitplain", "5000"));

    static Stream<Arguments> smpCases() {
        List<Arguments> out = new ArrayList<>();
        for (String cc : List.of("gcc", "musl-gcc")) {
            for (List<String> args : SMP) {
                for (EngineFactory e : ProcPrograms.INTERP_AND_JIT) out.add(Arguments.of(cc, args, e));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} smp {1} [{2}]")
    @MethodSource("smpCases")
    void smpProgramPrintsWhatItPrintsNatively(String cc, List<String> args, EngineFactory engine) throws Exception {
        assumeTrue(NativeRun.available(), NativeRun.unavailableReason());
        if (args.get(0).equals("splitplain")) {
            assumeFalse(Files.readString(Path.of("/proc/cpuinfo")).contains("split_lock_detect"), "the host detects split locks");
        }
        List<String> argv = new ArrayList<>();
        argv.add(ProcPrograms.compile(dir, cc, "smp").toString());
        argv.addAll(args);
        ProcPrograms.Native n = ProcPrograms.runNative(argv);
        assertEquals(0, n.status(), "natively:\n" + n.stdout());
        ProcPrograms.assumeEnabled();
        ProcPrograms.assertSameUnderLstar(n, argv, engine, 180, CPUS);
    }

    static Stream<Arguments> litmusCases() {
        List<Arguments> out = new ArrayList<>();
        for (String cc : List.of("gcc", "musl-gcc")) {
            for (String mode : ThreadsTest.LITMUS) {
                for (EngineFactory e : ProcPrograms.INTERP_AND_JIT) out.add(Arguments.of(cc, mode, e));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} litmus {1} [{2}]")
    @MethodSource("litmusCases")
    void litmusOnTwoCpusNeverShowsAForbiddenOutcome(String cc, String mode, EngineFactory engine) throws Exception {
        assumeTrue(NativeRun.available(), NativeRun.unavailableReason());
        if (mode.equals("splitlock")) {
            assumeFalse(Files.readString(Path.of("/proc/cpuinfo")).contains("split_lock_detect"), "the host detects split locks");
        }
        Path exe = ProcPrograms.compile(dir, cc, "litmus");
        String iterations = System.getProperty("lstar.smp.litmus.iterations", mode.equals("splitlock") ? "200" : "1000");
        List<String> argv = List.of(exe.toString(), mode, iterations);
        ProcPrograms.Native n = ProcPrograms.runNative(argv);
        assertEquals(0, n.status(), "natively:\n" + n.stdout());
        assertTrue(n.stdout().contains("forbidden: 0") || n.stdout().contains("exact"), n.stdout());
        ProcPrograms.assumeEnabled();
        ProcPrograms.Lstar l = ProcPrograms.runLstar(argv, engine, 240, CPUS);
        // SB's allowed TSO outcome (r1=r2=0), if it showed: the program reports it on stderr
        if (mode.equals("sb") && !l.stderr().isBlank()) System.out.println(cc + " [" + engine + ", " + CPUS + " CPUs]: " + l.stderr().strip());
        assertEquals(n.stdout(), l.stdout(), "stdout under lstar (" + l.describe() + ")");
        assertEquals(0, l.status(), "exit status under lstar: " + l.describe());
        assertFalse(l.timedOut(), l.describe());
    }

    static Stream<Arguments> threadsCases() {
        List<Arguments> out = new ArrayList<>();
        for (String cc : List.of("gcc", "musl-gcc")) {
            for (String mode : ThreadsTest.MODES) {
                for (EngineFactory e : ProcPrograms.INTERP_AND_JIT) out.add(Arguments.of(cc, mode, e));
            }
        }
        return out.stream();
    }

    static Stream<Arguments> procsCases() {
        List<Arguments> out = new ArrayList<>();
        EngineFactory jit = ProcPrograms.jit();
        for (String cc : List.of("gcc", "musl-gcc")) {
            for (String mode : ProcessesTest.MODES) out.add(Arguments.of(cc, mode, jit));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} procs {1} [{2}]")
    @MethodSource("procsCases")
    void procsModeOnTwoCpus(String cc, String mode, EngineFactory engine) throws Exception {
        assumeTrue(NativeRun.available(), NativeRun.unavailableReason());
        if (mode.equals("system")) assumeTrue(Files.isExecutable(Path.of("/bin/sh")), "system() needs /bin/sh");
        List<String> argv = List.of(ProcPrograms.compile(dir, cc, "procs").toString(), mode);
        ProcPrograms.Native n = ProcPrograms.runNative(argv);
        if (ProcessesTest.AS_INIT.contains(mode)) {
            assumeTrue(ProcPrograms.pidNamespaces(), "the native oracle of " + mode + " must run as pid 1 of a new pid namespace");
            n = ProcPrograms.runNative(argv, true);
        }
        ProcPrograms.assumeEnabled();
        assumeFalse(ProcessesTest.NOT_MODELLED.containsKey(mode), ProcessesTest.NOT_MODELLED.get(mode));
        ProcPrograms.assertSameUnderLstar(n, argv, engine, 120, CPUS);
    }

    static Stream<Arguments> tgroupsCases() {
        List<Arguments> out = new ArrayList<>();
        EngineFactory jit = ProcPrograms.jit();
        for (String cc : List.of("gcc", "musl-gcc")) {
            for (String mode : ThreadGroupsTest.MODES) {
                if (!mode.equals("rlimit-cpu")) out.add(Arguments.of(cc, mode, jit)); // (seconds of CPU each; ThreadGroupsTest has it)
            }
        }
        return out.stream();
    }

    /** tgroups.c on two CPUs: execve from a thread kills threads running on the other CPU, a process-directed signal reaches a thread there. */
    @ParameterizedTest(name = "{0} tgroups {1} [{2}]")
    @MethodSource("tgroupsCases")
    void tgroupsModeOnTwoCpus(String cc, String mode, EngineFactory engine) throws Exception {
        assumeTrue(NativeRun.available(), NativeRun.unavailableReason());
        Path exe = ProcPrograms.compile(dir, cc, "tgroups");
        List<String> argv = List.of(exe.toString(), mode, dir.resolve(cc + "-" + mode + "-smp.lock").toString());
        ProcPrograms.Native n = ProcPrograms.runNative(argv);
        ProcPrograms.assumeEnabled();
        ProcPrograms.assertSameUnderLstar(n, argv, engine, 120, CPUS);
    }

    static Stream<Arguments> balanceCases() {
        List<Arguments> out = new ArrayList<>();
        for (String cc : List.of("gcc", "musl-gcc")) {
            for (EngineFactory e : ProcPrograms.INTERP_AND_JIT) out.add(Arguments.of(cc, e));
        }
        return out.stream();
    }

    /**
     * Load balancing: two long workers placed on one CPU while the other goes idle (the short
     * worker there ends) run on different CPUs at the same time, as natively ({@code balance.c}).
     */
    @ParameterizedTest(name = "{0} balance [{1}]")
    @MethodSource("balanceCases")
    void anIdleCpuTakesAWaitingTask(String cc, EngineFactory engine) throws Exception {
        assumeTrue(NativeRun.available(), NativeRun.unavailableReason());
        List<String> argv = List.of(ProcPrograms.compile(dir, cc, "balance").toString(), "20000");
        ProcPrograms.Native n = ProcPrograms.runNative(argv);
        assumeTrue(n.stdout().contains(": yes"), "the host did not spread the workers (busy or one CPU):\n" + n.stdout());
        ProcPrograms.assumeEnabled();
        ProcPrograms.assertSameUnderLstar(n, argv, engine, 180, CPUS);
    }

    /**
     * One code cache for all CPUs: two threads run the same worker on the two CPUs; whichever
     * translates a block first, the other CPU's engine makes an instance of that class instead of
     * translating it again (and the program still prints what it prints natively).
     */
    @Test
    void theCpusShareOneCodeCache() throws Exception {
        assumeTrue(NativeRun.available(), NativeRun.unavailableReason());
        List<String> argv = List.of(ProcPrograms.compile(dir, "gcc", "smp").toString(), "compute", "2", "20000");
        ProcPrograms.Native n = ProcPrograms.runNative(argv);
        ProcPrograms.assumeEnabled();
        ProcPrograms.Lstar l = ProcPrograms.runLstar(argv, ProcPrograms.jit(), 180, CPUS);
        assertFalse(l.timedOut());
        assertEquals(n.stdout(), l.stdout());
        assertEquals(n.status(), l.exit().shellStatus());
        JitEngine j0 = (JitEngine) l.engines().get(0), j1 = (JitEngine) l.engines().get(1);
        assertTrue(j0.blocksExecuted > 0 && j1.blocksExecuted > 0, "both CPUs ran guest code");
        // the two workers reach the same loop at about the same time: how many of its blocks one finds
        // already translated by the other depends on the scheduling (usually more than 10, 4 in one CI
        // run on a loaded VM); without the shared cache it is none
        assertTrue(j0.sharedReuses + j1.sharedReuses > 0, "blocks one CPU translated were reused by the other:\n"
                + j0.stats() + "\n" + j1.stats());
    }

    @ParameterizedTest(name = "{0} threads {1} [{2}]")
    @MethodSource("threadsCases")
    void threadsModeOnTwoCpus(String cc, String mode, EngineFactory engine) throws Exception {
        assumeTrue(NativeRun.available(), NativeRun.unavailableReason());
        List<String> argv = List.of(ProcPrograms.compile(dir, cc, "threads").toString(), mode);
        ProcPrograms.Native n = ProcPrograms.runNative(argv);
        ProcPrograms.assumeEnabled();
        ProcPrograms.assertSameUnderLstar(n, argv, engine, 180, CPUS);
    }
}
