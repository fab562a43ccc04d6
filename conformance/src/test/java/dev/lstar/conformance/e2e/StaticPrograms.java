package dev.lstar.conformance.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The C programs of {@code src/test/resources/c/}, compiled at test time into static binaries
 * ({@code cc -O2 -static ... -lm}) and run natively once per argument list: what the end-to-end
 * tests compare lstar with. A toolchain that is not installed, or has no static libc, skips the
 * test (assumption), not fails it.
 */
final class StaticPrograms {
    private StaticPrograms() {}

    /** Every static toolchain (gcc with glibc, musl-gcc) on every engine: the tests' usual matrix. */
    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> compilersAndEngines() {
        List<org.junit.jupiter.params.provider.Arguments> out = new ArrayList<>();
        for (String cc : List.of("gcc", "musl-gcc")) {
            for (EngineFactory e : EngineFactory.ALL) out.add(org.junit.jupiter.params.provider.Arguments.of(cc, e));
        }
        return out.stream();
    }

    /**
     * Compiles {@code src/test/resources/c/PROGRAM.c} with {@code cc -O2} ({@code -static} if
     * asked; {@code -lm} always) into {@code dir} once; a compiler that is missing or fails (no
     * static libc) skips the calling test.
     */
    static synchronized Path compile(Path dir, String cc, String program, boolean isStatic) throws IOException, InterruptedException {
        Path exe = dir.resolve(program + "-" + cc + (isStatic ? "" : "-dynamic"));
        if (Files.exists(exe)) return exe;
        Path src = dir.resolve(program + ".c");
        try (InputStream in = Objects.requireNonNull(StaticPrograms.class.getResourceAsStream("/c/" + program + ".c"))) {
            Files.write(src, in.readAllBytes());
        }
        List<String> cmd = new ArrayList<>(List.of(cc, "-O2"));
        if (isStatic) cmd.add("-static");
        cmd.addAll(List.of("-o", exe.toString(), src.toString(), "-lm"));
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

    /** A binary built by one toolchain, and its native stdout and status. */
    record Built(Path exe, String stdout, int status) {}

    private static final Map<String, Built> BUILT = new ConcurrentHashMap<>();

    /** Builds {@code program}.c with {@code cc} into {@code dir} (once) and runs it natively with {@code args}. */
    static synchronized Built build(Path dir, String cc, String program, List<String> args) throws IOException, InterruptedException {
        String key = dir + " " + cc + " " + program + " " + args;
        Built b = BUILT.get(key);
        if (b != null) return b;
        Path exe = compile(dir, cc, program, true);
        List<String> cmd = new ArrayList<>();
        cmd.add(exe.toString());
        cmd.addAll(args);
        Process run = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        run.getOutputStream().close();
        String out = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(run.waitFor(60, TimeUnit.SECONDS), "native run timed out");
        b = new Built(exe, out, run.exitValue());
        BUILT.put(key, b);
        return b;
    }

    /**
     * Runs {@code b}'s binary under lstar on {@code engine} (Intel, KPTI on) with {@code args} and
     * asserts what every end-to-end comparison asserts: the native stdout and status, and no
     * kernel oops. {@code what} prefixes the messages.
     */
    static void assertSameUnderLstar(String what, Built b, String program, List<String> args, EngineFactory engine) throws Exception {
        assertSameUnderLstar(what, b, program, args, engine, dev.lstar.runtime.Vendor.INTEL);
    }

    /**
     * A line a host kernel may print natively (a regular expression) where Linux, and so lstar,
     * prints {@code lstarLine}, and what was seen: the host is excused, lstar is held to Linux.
     * Every other line must be the native one. Used for the C programs and the assembly ones
     * ({@code NativeVsLstarTest}).
     */
    record HostDifference(String program, String nativeLine, String lstarLine, String why) {}

    static final List<HostDifference> HOST_DIFFERENCES = List.of(
            new HostDifference("signals", java.util.regex.Pattern.quote(" NT kept across syscall 0"), " NT kept across syscall 1",
                    "this host's kernel (an AMD EPYC Firecracker VM, 6.18) returns from a system call with NT clear;"
                            + " Linux restores RFLAGS from R11"),
            new HostDifference("regs", java.util.regex.Pattern.quote("  rflags restored") + ": FAIL \\(got [^)]*\\)", "  rflags restored: ok",
                    "the same kernel returned from getpid with RFLAGS 0x203 after 0xcd5 was set (Linux's SYSRET path"
                            + " restores R11, which the check before it shows was right)"));

    /**
     * The host CPU's vendor (/proc/cpuinfo's vendor_id), for the programs whose output depends on
     * it (alignment.c: an AMD CPU raises #AC for a misaligned MOVUPS with AC set, an Intel one does
     * not, as the SDM leaves to the implementation): lstar runs them with the same vendor.
     */
    static dev.lstar.runtime.Vendor hostVendor() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("vendor_id")) {
                    return line.contains("AuthenticAMD") ? dev.lstar.runtime.Vendor.AMD : dev.lstar.runtime.Vendor.INTEL;
                }
            }
        } catch (IOException e) {
            // no /proc/cpuinfo: Intel, lstar's default
        }
        return dev.lstar.runtime.Vendor.INTEL;
    }

    /** What lstar must print for a native run's stdout: the host's differences replaced (reported on stdout). */
    static String expectedUnderLstar(String program, String nativeStdout) {
        return expectedUnderLstar(program, nativeStdout, new ArrayList<>());
    }

    /** As above; what was excused goes to {@code excused}. */
    static String expectedUnderLstar(String program, String nativeStdout, List<String> excused) {
        StringBuilder out = new StringBuilder();
        for (String line : nativeStdout.split("\n", -1)) {
            String want = line;
            for (HostDifference d : HOST_DIFFERENCES) {
                if (d.program().equals(program) && line.matches(d.nativeLine())) {
                    want = d.lstarLine();
                    excused.add(d.why());
                    System.out.println("host quirk excused " + program + ": " + d.why());
                }
            }
            out.append(want).append('\n');
        }
        return out.substring(0, out.length() - 1);
    }

    /** As above, with the CPU of {@code vendor}. */
    static void assertSameUnderLstar(String what, Built b, String program, List<String> args, EngineFactory engine,
            dev.lstar.runtime.Vendor vendor) throws Exception {
        LstarRun.Result l = LstarRun.run(program, Files.readAllBytes(b.exe()), args, LstarRun.config(vendor, true), engine, k -> {});
        assertEquals(expectedUnderLstar(program, b.stdout()), l.stdout(),
                what + "stdout under lstar (exit: " + l.exit().message() + ", lstar log:\n" + l.log() + ")");
        assertEquals(b.status(), l.status(), what + "exit status under lstar: " + l.exit().message());
        assertFalse(l.exit().oops(), l.exit().message());
    }
}
