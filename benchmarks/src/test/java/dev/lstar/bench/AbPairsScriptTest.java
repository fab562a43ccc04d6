package dev.lstar.bench;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * tools/ab-pairs.sh (paired A/B timings; minutes per run, not part of the suite) checks its
 * arguments before it looks for a JDK or runs anything: --help exits 0 and explains the
 * configurations, bad arguments exit 2 with one line naming the problem.
 */
class AbPairsScriptTest {
    static final Path SCRIPT = Path.of("..", "tools", "ab-pairs.sh").toAbsolutePath().normalize();

    static WholeProcessScriptTest.Result run(String... args) throws Exception {
        return WholeProcessScriptTest.run(SCRIPT, args);
    }

    @Test
    void helpExplainsTheConfigurations() throws Exception {
        assertTrue(Files.isRegularFile(SCRIPT), SCRIPT.toString());
        WholeProcessScriptTest.Result r = run("--help");
        assertEquals(0, r.status(), r.err());
        for (String s : List.of("--runs", "LABEL=JAR", "alternately", "faster")) {
            assertTrue(r.out().contains(s), s + " missing from --help: " + r.out());
        }
    }

    @Test
    void badArgumentsExitTwoWithOneReason() throws Exception {
        String jar = Files.createTempFile("ab-pairs", ".jar").toString();
        String[][] cases = {
            {"a=" + jar}, {"a=" + jar, "b=" + jar}, {"--runs", "x"}, {"--runs", "0", "a=" + jar}, {"bogus"},
            {"a=" + jar, "b=/nonexistent/lstar.jar", "--", "/bin/true"},
        };
        String[] reasons = {
            "give at least two configurations", "no program after --", "--runs needs a positive number",
            "--runs needs a positive number", "expected LABEL=JAR[=OPTS] or --, got 'bogus'", "b: no jar /nonexistent/lstar.jar",
        };
        for (int i = 0; i < cases.length; i++) {
            WholeProcessScriptTest.Result r = run(cases[i]);
            assertEquals(2, r.status(), String.join(" ", cases[i]) + ": " + r.err());
            assertTrue(r.err().contains(reasons[i]), String.join(" ", cases[i]) + ": " + r.err());
            assertEquals("", r.out(), "nothing on stdout for " + String.join(" ", cases[i]));
        }
    }
}
