package dev.lstar.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The JVM options the launcher ({@code ./lstar}) runs the emulator with — read from the script
 * itself, so they cannot drift from what users get: larger translated methods without C2's
 * inlining clip ({@code -XX:-ClipInlining}, {@code lstar.jit.memOpsPerMethod}), guest memory
 * through {@code Unsafe}, the forced inlining of a few helpers. A compiled float program (the
 * whole-process n-body, SSE2 doubles, its loop one region only with the larger budget) gives the
 * native program's output on the JIT and in lockstep with the interpreter, the JVM prints nothing
 * of its own on stdout (the CompileCommand lines), {@code --stats} shows the options in effect, and
 * this JDK knows every option and every method the launcher names.
 */
class CliLauncherJitOptionsTest {
    @TempDir
    static Path tmp;

    /** The launcher's {@code jvm_opts=( ... )} array, one option per element. */
    static List<String> launcherJvmOptions() throws Exception {
        Path script = Path.of("..", "lstar");
        assumeTrue(Files.isRegularFile(script), "the launcher script is not beside the cli module");
        Matcher m = Pattern.compile("(?m)^jvm_opts=\\(([^)]*)\\)").matcher(Files.readString(script));
        assertTrue(m.find(), "the launcher defines jvm_opts=( ... )");
        List<String> opts = new ArrayList<>(Arrays.asList(m.group(1).trim().split("\\s+")));
        assertTrue(opts.contains("-XX:-ClipInlining") && opts.stream().anyMatch(o -> o.startsWith("-Dlstar.jit.memOpsPerMethod=")), opts.toString());
        return opts;
    }

    static Path nbody() throws Exception {
        Path src = Path.of("..", "benchmarks", "whole-process", "nbody.c");
        assumeTrue(Files.isRegularFile(src), "benchmarks/whole-process/nbody.c is not beside the cli module");
        Path exe = tmp.resolve("nbody");
        if (Files.isExecutable(exe)) return exe;
        Process p;
        try {
            p = new ProcessBuilder("gcc", "-O2", "-static", "-o", exe.toString(), src.toString(), "-lm").redirectErrorStream(true).start();
        } catch (java.io.IOException notInstalled) {
            assumeTrue(false, "gcc is not installed");
            return null;
        }
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, "gcc -static failed:\n" + log);
        return exe;
    }

    record Run(int status, String stdout, String stderr) {}

    static Run run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        var err = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "timed out: " + cmd);
        return new Run(p.exitValue(), out, err.get());
    }

    static List<String> lstar(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(launcherJvmOptions());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    @ParameterizedTest
    @ValueSource(strings = {"jit", "lockstep"})
    void nbodyMatchesNativeWithTheLaunchersOptions(String engine) throws Exception {
        Path exe = nbody();
        String steps = engine.equals("jit") ? "200000" : "3000";
        Run nat = run(List.of(exe.toString(), steps));
        Run l = run(lstar("run", "--engine", engine, exe.toString(), steps));
        assertEquals(nat.stdout(), l.stdout(), "stdout (nothing but the guest's):\n" + l.stderr());
        assertEquals(nat.status(), l.status(), l.stderr());
    }

    /**
     * The launcher passes {@code -XX:+IgnoreUnrecognizedVMOptions} (a later JDK without one of the
     * tuning flags still starts), which would also hide a typo: this JDK must accept every option
     * without it, and each method a {@code CompileCommand=inline} names must exist (HotSpot takes a
     * pattern that matches nothing without a word).
     */
    @Test
    void everyOptionIsKnownAndEveryInlinedMethodExists() throws Exception {
        List<String> opts = new ArrayList<>(launcherJvmOptions());
        assertTrue(opts.remove("-XX:+IgnoreUnrecognizedVMOptions"), opts.toString());
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(opts);
        cmd.add("-version");
        Run r = run(cmd);
        assertEquals(0, r.status(), "this JDK refuses one of the launcher's options:\n" + r.stderr());
        assertTrue(!r.stderr().contains("Unrecognized"), r.stderr());
        int inlined = 0;
        for (String o : opts) {
            if (!o.startsWith("-XX:CompileCommand=inline,")) continue;
            String target = o.substring("-XX:CompileCommand=inline,".length());
            String cls = target.substring(0, target.indexOf("::")), method = target.substring(target.indexOf("::") + 2);
            boolean found = Arrays.stream(Class.forName(cls).getDeclaredMethods()).anyMatch(m -> m.getName().equals(method));
            assertTrue(found, "the launcher inlines " + target + ", which does not exist");
            inlined++;
        }
        assertTrue(inlined >= 4, opts.toString());
    }

    @Test
    void statsShowTheOptionsInEffect() throws Exception {
        Path exe = nbody();
        Run l = run(lstar("run", "--stats", exe.toString(), "100000"));
        assertEquals(0, l.status(), l.stderr());
        String budget = launcherJvmOptions().stream().filter(o -> o.startsWith("-Dlstar.jit.memOpsPerMethod="))
                .map(o -> o.substring(o.indexOf('=') + 1)).findFirst().orElseThrow();
        assertTrue(l.stderr().contains("method budget: " + budget + " memory accesses"), l.stderr());
        assertTrue(l.stderr().contains("frame access: Unsafe"), l.stderr());
        Matcher regions = Pattern.compile("(?m)^regions: (\\d+)").matcher(l.stderr());
        assertTrue(regions.find() && Integer.parseInt(regions.group(1)) >= 2, "the loops run as regions:\n" + l.stderr());
    }
}
