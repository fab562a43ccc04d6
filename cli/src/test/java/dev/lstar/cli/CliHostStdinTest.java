package dev.lstar.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The JVM's own stdin as the guest's fd 0 under {@code lstar run} (a child JVM, as a user runs
 * it): {@code stdin.c}, built static with gcc and musl-gcc at test time, runs natively and under
 * lstar with the same stdin, and prints the same. A read of a pipe that stays open and silent is
 * interrupted by alarm() as on Linux (EINTR without SA_RESTART, restarted with it, killed by the
 * default action); O_NONBLOCK says EAGAIN; a child blocked in such a read leaves the CPU to its
 * parent; one line read byte by byte leaves the rest of the input to the next reader (lstar never
 * reads ahead); fstat/stat of fd 0, /dev/stdin and /dev/tty say what the host file is, and
 * readlink of /proc/self/fd/0 names it (ttyname works) — also on a real terminal made by
 * {@code script}.
 */
class CliHostStdinTest {
    @TempDir
    static Path tmp;

    private static final Map<String, Path> BUILT = new ConcurrentHashMap<>();

    static synchronized Path build(String cc) throws Exception {
        Path exe = BUILT.get(cc);
        if (exe != null) return exe;
        exe = StaticC.compile(tmp, cc, "stdin");
        BUILT.put(cc, exe);
        return exe;
    }

    /** The command line of lstar in a child JVM. */
    static List<String> lstar(String engine, Path exe, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "run", "--engine", engine, exe.toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    record Run(int status, String stdout) {}

    /**
     * Runs {@code cmd} with its stdin a pipe this test holds open and never writes to (closed only
     * after the process ended), stdout captured.
     */
    static Run withSilentPipe(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        OutputStream stdin = p.getOutputStream();
        try {
            CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> {
                try {
                    return p.getInputStream().readAllBytes();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", cmd) + " did not end");
            return new Run(p.exitValue(), new String(out.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8));
        } finally {
            stdin.close();
            p.destroyForcibly();
        }
    }

    static Stream<Arguments> signalCases() {
        List<Arguments> out = new ArrayList<>();
        for (String mode : List.of("eintr", "restart", "default", "nonblock", "fork")) {
            out.add(Arguments.of(mode, "gcc", "jit"));
            out.add(Arguments.of(mode, "musl-gcc", "interp"));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} [{2}]")
    @MethodSource("signalCases")
    void aSignalInterruptsABlockedReadOfTheHostsStdinAsOnLinux(String mode, String cc, String engine) throws Exception {
        Path exe = build(cc);
        Run nat = withSilentPipe(List.of(exe.toString(), mode));
        String expected = switch (mode) {
            case "eintr" -> "tick 1\nread -1 Interrupted system call ticks 1\n";
            case "restart" -> "tick 1\ntick 2\n";
            case "default" -> "";
            case "fork" -> "parent ran 1\nchild killed by 15\n";
            default -> "read -1 Resource temporarily unavailable\npoll 0 revents 0\n";
        };
        assertEquals(expected, nat.stdout(), "natively");
        Run run = withSilentPipe(lstar(engine, exe, mode));
        assertEquals(nat.stdout(), run.stdout(), "under lstar");
        assertEquals(nat.status(), run.status(), "status (native " + nat.status() + ")"); // default: 128 + SIGALRM
    }

    /**
     * {@code lstar run yes | head -2}: once the reader of the JVM's own stdout is gone, the
     * guest's write is EPIPE with SIGPIPE, as natively (status 141 from sh's pipeline status, no
     * report on stderr), not a write swallowed by Java's PrintStream with the guest writing on forever.
     */
    @Test
    void aClosedStdoutPipeIsSigpipe() throws Exception {
        assumeTrue(CliBusyboxTest.staticBusybox(), "no static /usr/bin/busybox");
        String line = String.join(" ", lstar("jit", CliBusyboxTest.BUSYBOX, "yes").stream().map(CliHostStdinTest::quote).toList());
        Process p = new ProcessBuilder("bash", "-c", line + " | head -2; echo status ${PIPESTATUS[0]}")
                .redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        boolean ended = p.waitFor(60, TimeUnit.SECONDS);
        if (!ended) p.destroyForcibly();
        assertTrue(ended, "lstar run yes | head -2 did not end");
        assertEquals("y\ny\nstatus 141\n", out);
    }

    /** {@code (lstar run stdin line; cat)}: the guest takes exactly its line, cat gets the rest. */
    @Test
    void bytesTheGuestDidNotReadStayForTheNextReader() throws Exception {
        Path exe = build("musl-gcc");
        String input = "first line\nsecond\nthird\n".repeat(1) + "x".repeat(20000) + "\n";
        String line = String.join(" ", lstar("jit", exe, "line").stream().map(CliHostStdinTest::quote).toList());
        // from a pipe
        Process p = new ProcessBuilder("sh", "-c", line + "; cat").redirectError(ProcessBuilder.Redirect.DISCARD).start();
        CompletableFuture.runAsync(() -> {
            try (OutputStream o = p.getOutputStream()) {
                o.write(input.getBytes(StandardCharsets.UTF_8));
            } catch (IOException ignored) {
                // the test's assertion reports what arrived
            }
        });
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(input, out, "from a pipe");
        // from a regular file
        Path f = Files.writeString(tmp.resolve("input.txt"), input);
        Process q = new ProcessBuilder("sh", "-c", line + "; cat").redirectInput(f.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        out = new String(q.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(q.waitFor(60, TimeUnit.SECONDS));
        assertEquals(input, out, "from a file");
    }

    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /** fstat/stat of fd 0, /dev/stdin, /proc/self/fd/0 and open of /dev/tty for a file, a pipe and /dev/null as stdin. */
    @Test
    void fstatOfStdinIsTheHostFile() throws Exception {
        Path exe = build("gcc");
        Path f = Files.writeString(tmp.resolve("some-input.txt"), "hello\n");
        for (File in : List.of(f.toFile(), new File("/dev/null"))) {
            String nat = output(new ProcessBuilder(exe.toString(), "stat").redirectInput(in));
            String run = output(new ProcessBuilder(lstar("jit", exe, "stat")).redirectInput(in));
            assertTrue(nat.startsWith("fstat 0: " + (in.getPath().equals("/dev/null") ? "chr" : "reg")), nat);
            assertEquals(nat, run, "stdin " + in);
        }
        Run nat = withSilentPipe(List.of(exe.toString(), "stat"));
        assertTrue(nat.stdout().startsWith("fstat 0: fifo"), nat.stdout());
        assertEquals(nat.stdout(), withSilentPipe(lstar("jit", exe, "stat")).stdout(), "stdin a pipe");
    }

    /** On a terminal (a pty made by util-linux's script): the same terminal's attributes natively and under lstar. */
    @Test
    void onATerminal() throws Exception {
        assumeTrue(CliGuestLimitsTest.onPath("script"), "util-linux script is not installed: no terminal to test with");
        Path exe = build("gcc");
        String both = quote(exe.toString()) + " stat; echo ===; "
                + String.join(" ", lstar("interp", exe, "stat").stream().map(CliHostStdinTest::quote).toList());
        String out = output(new ProcessBuilder("script", "-qec", both, "/dev/null").redirectInput(new File("/dev/null")))
                .replace("\r\n", "\n");
        assumeTrue(out.contains("===\n"), "script gave no terminal: " + out);
        String[] halves = out.split("===\n", 2);
        assumeTrue(halves[0].contains("isatty 0 1"), "no terminal under script: " + halves[0]);
        assertTrue(halves[0].startsWith("fstat 0: chr"), halves[0]);
        assertTrue(halves[0].contains("ttyname 0 /dev/"), halves[0]); // readlink of /proc/self/fd/0 names the terminal
        assertEquals(halves[0], halves[1]);
    }

    static String output(ProcessBuilder pb) throws Exception {
        Process p = pb.redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return out;
    }
}
