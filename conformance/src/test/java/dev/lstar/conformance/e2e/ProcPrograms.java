package dev.lstar.conformance.e2e;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lstar.kernel.ExitStatus;
import dev.lstar.kernel.KernelConfig;
import dev.lstar.kernel.LinuxKernel;
import dev.lstar.runtime.Vendor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What {@link ProcessesTest} and {@link ThreadsTest} share: building the multi-process and
 * multi-threaded C programs of {@code src/test/resources/c/} ({@code cc -O2 -static -pthread}),
 * running a host executable natively (the oracle) and under lstar <em>by its real host path</em>
 * — unlike {@link LstarRun}, which names the guest {@code /programs/NAME}: these programs
 * re-execute themselves through {@code /proc/self/exe}, and busybox and bash exec other host
 * programs, so the executable must be a file the guest's file system (the host's) can open again.
 *
 * <p>The lstar side runs under a watchdog: past its time limit the process gets SIGKILL from
 * outside ({@link LinuxKernel#postSignal}) and the result says it timed out, so a guest that
 * deadlocks fails its test instead of hanging the suite.
 *
 * <p>The lstar half of the tests runs by default; {@code -Dlstar.proc.tests=false} skips it
 * ({@link #assumeEnabled}); the native half (the programs' own checks) always runs.
 */
final class ProcPrograms {
    private ProcPrograms() {}

    static final String ENABLE = "lstar.proc.tests";

    /** Skips the lstar half of a test when {@code -Dlstar.proc.tests=false}. */
    static void assumeEnabled() {
        assumeTrue(!"false".equals(System.getProperty(ENABLE)), "the lstar half of the process and thread tests is off (-D" + ENABLE + "=false)");
    }

    /** The engines the process and thread tests use: interp and jit (lockstep is chosen per case). */
    static final List<EngineFactory> INTERP_AND_JIT = EngineFactory.ALL.stream().filter(e -> !e.name().equals("lockstep")).toList();

    static EngineFactory jit() {
        return EngineFactory.ALL.stream().filter(e -> e.name().equals("jit")).findFirst().orElseThrow();
    }

    static EngineFactory lockstep() {
        return EngineFactory.ALL.stream().filter(e -> e.name().equals("lockstep")).findFirst().orElseThrow();
    }

    static final List<String> ENV = List.of("PATH=/usr/bin:/bin");

    /**
     * Compiles {@code src/test/resources/c/PROGRAM.c} with {@code cc -O2 -static -pthread} into
     * {@code dir} once; a compiler that is missing or fails (no static libc) skips the test.
     */
    static synchronized Path compile(Path dir, String cc, String program) throws IOException, InterruptedException {
        Path exe = dir.resolve(program + "-" + cc);
        if (Files.exists(exe)) return exe;
        Path src = dir.resolve(program + ".c");
        try (InputStream in = Objects.requireNonNull(ProcPrograms.class.getResourceAsStream("/c/" + program + ".c"))) {
            Files.write(src, in.readAllBytes());
        }
        List<String> cmd = List.of(cc, "-O2", "-static", "-pthread", "-o", exe.toString(), src.toString(), "-lm");
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException notInstalled) {
            assumeTrue(false, cc + " is not installed");
            return null;
        }
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, String.join(" ", cmd) + " failed (no static libc?):\n" + log);
        return exe;
    }

    /** A native run: stdout and the shell's status (128 + N for a death by signal N). */
    record Native(String stdout, int status) {}

    private static final Map<List<String>, Native> NATIVE = new ConcurrentHashMap<>();

    /**
     * Runs {@code argv} natively (cached), with stdin from /dev/null, stderr discarded, the
     * environment reduced to {@link #ENV} and no core files; {@code argv[0]} is the program's
     * path. Waits until stdout is closed by every process holding it (orphans included).
     */
    static Native runNative(List<String> argv) throws IOException, InterruptedException {
        return runNative(argv, false);
    }

    /**
     * Whether the host lets this JVM run a program as pid 1 of a new pid namespace (with its own
     * /proc): {@code unshare -p -f --mount-proc}, which needs root (CAP_SYS_ADMIN) and a kernel and
     * container that allow it. lstar runs its first process as such an init.
     */
    static boolean pidNamespaces() {
        if (pidNs == null) {
            try {
                Process p = new ProcessBuilder("unshare", "-p", "-f", "--mount-proc", "/bin/sh", "-c", "echo $$")
                        .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                pidNs = p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0 && out.equals("1");
            } catch (IOException e) {
                pidNs = false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                pidNs = false;
            }
        }
        return pidNs;
    }

    private static Boolean pidNs;

    /**
     * Runs {@code argv} natively; with {@code asInit}, as pid 1 of a new pid namespace (the
     * caller checks {@link #pidNamespaces()}), which is what lstar's first process is.
     */
    static Native runNative(List<String> argv, boolean asInit) throws IOException, InterruptedException {
        List<String> key = asInit ? new ArrayList<>(argv) : argv;
        if (asInit) key.add(0, "[pid 1]");
        Native n = NATIVE.get(key);
        if (n != null) return n;
        List<String> cmd = new ArrayList<>();
        if (asInit) cmd.addAll(List.of("unshare", "-p", "-f", "--mount-proc"));
        cmd.addAll(List.of("/bin/sh", "-c", "ulimit -c 0; exec \"$@\"", "sh"));
        cmd.addAll(argv);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().clear();
        for (String e : ENV) pb.environment().put(e.substring(0, e.indexOf('=')), e.substring(e.indexOf('=') + 1));
        Process p = pb.start();
        ExecutorService reader = Executors.newSingleThreadExecutor();
        try {
            Future<byte[]> out = reader.submit(() -> p.getInputStream().readAllBytes());
            byte[] bytes;
            try {
                bytes = out.get(60, TimeUnit.SECONDS);
            } catch (TimeoutException | ExecutionException e) {
                p.destroyForcibly();
                throw new AssertionError("native " + argv + " did not finish (or close its stdout) within 60 s", e);
            }
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("native " + argv + " did not exit");
            }
            n = new Native(new String(bytes, StandardCharsets.UTF_8), p.exitValue());
        } finally {
            reader.shutdownNow();
        }
        NATIVE.put(key, n);
        return n;
    }

    /** One run under lstar. */
    record Lstar(String stdout, String stderr, String log, ExitStatus exit, boolean timedOut, List<dev.lstar.runtime.engine.Engine> engines) {
        int status() {
            return exit == null ? -1 : exit.shellStatus();
        }

        /** For assertion messages. */
        String describe() {
            return (timedOut ? "TIMED OUT (SIGKILL sent), " : "") + "exit: " + (exit == null ? "none" : exit.message())
                    + "\nguest stderr:\n" + stderr + "\nlstar log:\n" + log;
        }
    }

    /**
     * Runs the host executable {@code argv[0]} under lstar (Intel, KPTI, default RAM) on
     * {@code engine} with {@code argv} and {@link #ENV}, empty stdin; past {@code seconds} the
     * guest gets SIGKILL. The run mirrors {@link LstarRun#run(String, byte[], List, KernelConfig,
     * EngineFactory, java.util.function.Consumer)} except for the executable's path.
     */
    static Lstar runLstar(List<String> argv, EngineFactory engine, int seconds) throws Exception {
        return runLstar(argv, engine, seconds, 1);
    }

    /** {@link #runLstar(List, EngineFactory, int)} on {@code cpus} modelled CPUs (each with its own engine from {@code engine}). */
    static Lstar runLstar(List<String> argv, EngineFactory engine, int seconds, int cpus) throws Exception {
        Path exe = Path.of(argv.get(0));
        byte[] elf = Files.readAllBytes(exe);
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream(), log = new ByteArrayOutputStream();
        PrintStream po = new PrintStream(out, true, StandardCharsets.UTF_8), pe = new PrintStream(err, true, StandardCharsets.UTF_8),
                pl = new PrintStream(log, true, StandardCharsets.UTF_8);
        KernelConfig cfg = LstarRun.config(Vendor.INTEL, true).withIo(new ByteArrayInputStream(new byte[0]), po, pe).withLog(pl).withCpus(cpus);
        LinuxKernel kernel = LinuxKernel.boot(cfg);
        // several CPUs' JIT engines share one code cache, as `lstar run --cpus N` makes them
        dev.lstar.api.SharedCode code = cpus > 1 && engine.name().equals("jit") ? dev.lstar.api.SharedCode.create() : null;
        java.util.function.Function<dev.lstar.runtime.Machine, dev.lstar.runtime.engine.Engine> make =
                code != null ? m -> new dev.lstar.translator.JitEngine(m, code) : engine.create();
        kernel.setEngineFactory(make);
        kernel.exec(elf, exe.toString(), argv, ENV);
        ExecutorService runner = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "lstar-guest " + exe.getFileName());
            t.setDaemon(true);
            return t;
        });
        boolean timedOut = false;
        ExitStatus exit = null;
        try {
            Future<ExitStatus> f = runner.submit(() -> kernel.run(make.apply(kernel.machine)));
            try {
                exit = f.get(seconds, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                timedOut = true;
                kernel.postSignal(9);
                try {
                    exit = f.get(20, TimeUnit.SECONDS);
                } catch (TimeoutException stuck) {
                    f.cancel(true);
                }
            }
        } finally {
            runner.shutdownNow();
        }
        return new Lstar(out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), log.toString(StandardCharsets.UTF_8),
                exit, timedOut, kernel.engines());
    }

    /**
     * Runs {@code argv} under lstar on {@code engine} and asserts what every comparison with a
     * native run asserts: the same stdout and status, no timeout, no kernel oops.
     */
    static void assertSameUnderLstar(Native n, List<String> argv, EngineFactory engine, int seconds) throws Exception {
        assertSameUnderLstar(n, argv, engine, seconds, 1);
    }

    /** {@link #assertSameUnderLstar(Native, List, EngineFactory, int)} on {@code cpus} modelled CPUs. */
    static void assertSameUnderLstar(Native n, List<String> argv, EngineFactory engine, int seconds, int cpus) throws Exception {
        Lstar l = runLstar(argv, engine, seconds, cpus);
        org.junit.jupiter.api.Assertions.assertEquals(n.stdout(), l.stdout(), "stdout under lstar (" + l.describe() + ")");
        org.junit.jupiter.api.Assertions.assertEquals(n.status(), l.status(), "exit status under lstar: " + l.describe());
        org.junit.jupiter.api.Assertions.assertFalse(l.timedOut(), l.describe());
        org.junit.jupiter.api.Assertions.assertFalse(l.exit().oops(), l.exit().message());
    }
}
