package dev.lstar.conformance.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Runs a test program natively on the host, the oracle for lstar's output. Only possible on an
 * x86-64 Linux host ({@link #available()}). The program runs under {@code sh -c 'ulimit -c 0;
 * exec ...'} so a fault leaves no core file; exec keeps the process, so the status is the
 * program's own. Java's {@link Process#exitValue()} reports a death by signal N as 128 + N on
 * Linux (checked by {@code NativeVsLstarTest.nativeSignalStatusIs128PlusN}).
 */
final class NativeRun {
    private NativeRun() {}

    record Result(String stdout, int status) {}

    private static final Map<List<String>, Result> CACHE = new ConcurrentHashMap<>();
    private static Path dir;

    /** Null when the host can run the programs, else why not. */
    static String unavailableReason() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        if (!os.contains("linux")) return "the host is not Linux (" + os + "): native runs need x86-64 Linux";
        if (!arch.equals("amd64") && !arch.equals("x86_64")) return "the host is not x86-64 (" + arch + ")";
        if (!Files.isExecutable(Path.of("/bin/sh"))) return "no /bin/sh";
        return null;
    }

    static boolean available() {
        return unavailableReason() == null;
    }

    /** Runs {@code program args} natively (results are cached: the host does not change). */
    static Result run(String program, List<String> args) {
        List<String> key = new ArrayList<>();
        key.add(program);
        key.addAll(args);
        return CACHE.computeIfAbsent(key, k -> exec(program, args));
    }

    private static synchronized Path extract(String program) throws IOException {
        if (dir == null) {
            dir = Files.createTempDirectory("lstar-e2e-");
            dir.toFile().deleteOnExit();
        }
        Path p = dir.resolve(program);
        if (!Files.exists(p)) {
            Files.write(p, Programs.bytes(program));
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
            p.toFile().deleteOnExit();
        }
        return p;
    }

    private static Result exec(String program, List<String> args) {
        try {
            Path exe = extract(program);
            List<String> cmd = new ArrayList<>(List.of("/bin/sh", "-c", "ulimit -c 0; exec \"$0\" \"$@\"", exe.toString()));
            cmd.addAll(args);
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(false).redirectError(ProcessBuilder.Redirect.DISCARD)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.environment().clear();
            pb.environment().put("PATH", "/usr/bin:/bin");
            Process p = pb.start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(program + " did not finish natively");
            }
            return new Result(new String(out, StandardCharsets.UTF_8), p.exitValue());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
