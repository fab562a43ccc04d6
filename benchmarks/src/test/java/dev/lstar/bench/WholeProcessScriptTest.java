package dev.lstar.bench;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * tools/whole-process.sh (the whole-process comparison; too long for the test suite) checks its
 * arguments before it builds or runs anything: --help exits 0 and lists the options, bad
 * arguments exit 2 with one line naming the problem.
 */
class WholeProcessScriptTest {
    static final Path SCRIPT = Path.of("..", "tools", "whole-process.sh").toAbsolutePath().normalize();

    record Result(int status, String out, String err) {}

    static Result run(String... args) throws Exception {
        return run(SCRIPT, args);
    }

    /** Runs {@code script} with bash and {@code args}, stdin empty; at most 30 seconds. */
    static Result run(Path script, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", script.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        byte[] out = p.getInputStream().readAllBytes(), err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "script did not finish");
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    @Test
    void helpListsTheOptions() throws Exception {
        assertTrue(Files.isRegularFile(SCRIPT), SCRIPT.toString());
        Result r = run("--help");
        assertEquals(0, r.status(), r.err());
        for (String opt : List.of("--runs", "--quick", "--only", "--engines", "--md", "--sieve-mib", "--qsort-n", "--nbody-steps")) {
            assertTrue(r.out().contains(opt), opt + " missing from --help: " + r.out());
        }
    }

    @Test
    void badArgumentsExitTwoWithOneReason() throws Exception {
        String[][] cases = {
            {"--bogus"}, {"--runs", "x"}, {"--runs", "0"}, {"--runs"}, {"--only", "hello,nope"},
            {"--engines", "jar"}, {"--engines", "native,vm"}, {"--sieve-mib", "-1"},
        };
        String[] reasons = {
            "unknown argument '--bogus'", "--runs needs a non-negative integer", "--runs must be at least 1",
            "--runs needs a value", "unknown program 'nope'", "--engines must include native",
            "unknown engine 'vm'", "--sieve-mib needs a non-negative integer",
        };
        for (int i = 0; i < cases.length; i++) {
            Result r = run(cases[i]);
            assertEquals(2, r.status(), String.join(" ", cases[i]) + ": " + r.err());
            assertTrue(r.err().contains(reasons[i]), String.join(" ", cases[i]) + ": " + r.err());
            assertEquals("", r.out(), "nothing on stdout for " + String.join(" ", cases[i]));
        }
    }
}
