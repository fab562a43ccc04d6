package dev.lstar.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Signals from the host reach the guest under {@code lstar run}: a SIGTERM sent to the lstar
 * process runs the guest's handler (which exits 42), or, with no handler, ends the guest by the
 * default action (143 = 128 + SIGTERM). The guest sleeps in pause() when the signal comes, so
 * this also checks that a signal from another thread wakes a sleeping system call.
 */
class CliHostSignalsTest {
    @TempDir
    static Path dir;
    static Path handles, sleeps;

    static final String EXIT = "mov $231, %eax\nsyscall\n";
    static final String READY_AND_PAUSE = """
            mov $1, %eax
            mov $1, %edi
            lea ready(%rip), %rsi
            mov $6, %edx
            syscall
            again:
            mov $34, %eax
            syscall
            jmp again
            .data
            ready: .ascii "ready\\n"
            .text
            """;

    @BeforeAll
    static void build() throws Exception {
        assumeTrue(CliGuestLimitsTest.onPath("as") && CliGuestLimitsTest.onPath("ld"), "GNU as/ld are not installed");
        // rt_sigaction(SIGTERM, {handler, SA_RESTORER, restorer, 0}, NULL, 8), then wait
        handles = build("handles", """
                sub $32, %rsp
                lea handler(%rip), %rax
                mov %rax, (%rsp)
                movq $0x04000000, 8(%rsp)
                lea restorer(%rip), %rax
                mov %rax, 16(%rsp)
                movq $0, 24(%rsp)
                mov $13, %eax
                mov $15, %edi
                mov %rsp, %rsi
                xor %edx, %edx
                mov $8, %r10d
                syscall
                """ + READY_AND_PAUSE + """
                handler:
                mov $42, %edi
                """ + EXIT + """
                restorer:
                mov $15, %eax
                syscall
                """);
        sleeps = build("sleeps", READY_AND_PAUSE);
    }

    static Path build(String name, String body) throws Exception {
        Path s = dir.resolve(name + ".s"), o = dir.resolve(name + ".o"), exe = dir.resolve(name);
        Files.writeString(s, ".globl _start\n.text\n_start:\n" + body);
        CliGuestLimitsTest.exec("as", "--64", "-o", o.toString(), s.toString());
        CliGuestLimitsTest.exec("ld", "-static", "-nostdlib", "-o", exe.toString(), o.toString());
        return exe;
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void sigtermRunsTheGuestsHandlerOrItsDefaultAction(String engine) throws Exception {
        assertEquals(42, runAndTerminate(engine, handles));
        assertEquals(143, runAndTerminate(engine, sleeps));
    }

    /** Starts lstar in a child JVM, waits for the guest's "ready", sends SIGTERM, returns the status. */
    private static int runAndTerminate(String engine, Path guest) throws Exception {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "run", "--engine", engine, guest.toString());
        Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            assertEquals("ready", r.readLine());
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "lstar did not end after SIGTERM");
            return p.exitValue();
        } finally {
            p.destroyForcibly();
        }
    }
}
