package dev.lstar.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Guest resources end to end, through the real entry point in a child JVM: {@code --memory}
 * (heuristic overcommit, the OOM kill), brk under RLIMIT_DATA, {@code --limit-cpu} and a guest's
 * own setrlimit(RLIMIT_CPU). The guests are assembled here with GNU as/ld. Each run is timed: an
 * OOM kill or a CPU limit must end the run within seconds.
 */
class CliGuestLimitsTest {
    @TempDir
    static Path dir;

    static Path mmap64g, touchForever, brkGrow, loop, setrlimitCpu;

    /** Exit with {@code $code} (clobbers rax, rdi). */
    static final String EXIT = "mov $60, %eax\n syscall\n";

    @BeforeAll
    static void assemble() throws Exception {
        assumeTrue(onPath("as") && onPath("ld"), "GNU as/ld not on the PATH");
        // mmap(64 GiB, RW, private anonymous) must be -ENOMEM; with MAP_NORESERVE it must succeed; exit 12 (ENOMEM)
        mmap64g = build("mmap64g", """
                mov $9, %eax
                xor %edi, %edi
                mov $1, %rsi
                shl $36, %rsi
                mov $3, %edx
                mov $0x22, %r10d
                mov $-1, %r8
                xor %r9d, %r9d
                syscall
                mov %rax, %rbx
                cmp $-12, %rax
                jne bad
                mov $9, %eax
                mov $0x4022, %r10d
                syscall
                cmp $-4096, %rax
                jae bad
                neg %rbx
                mov %ebx, %edi
                """ + EXIT + """
                bad: mov $1, %edi
                """ + EXIT);
        // mmap 16 MiB at a time and touch every page, forever (each request is below RAM)
        touchForever = build("touch", """
                again:
                mov $9, %eax
                xor %edi, %edi
                mov $0x1000000, %esi
                mov $3, %edx
                mov $0x22, %r10d
                mov $-1, %r8
                xor %r9d, %r9d
                syscall
                cmp $-4096, %rax
                jae failed
                lea 0x1000000(%rax), %rcx
                touch:
                movb $1, (%rax)
                add $4096, %rax
                cmp %rcx, %rax
                jb touch
                jmp again
                failed: mov $1, %edi
                """ + EXIT);
        // brk: an increment of 64 GiB is refused (the old break comes back); then, unless an argument
        // is given, setrlimit(RLIMIT_DATA, 8 MiB); grow 1 MiB at a time touching every page; when brk
        // refuses, exit with the number of MiB obtained
        brkGrow = build("brk", """
                mov $12, %eax
                xor %edi, %edi
                syscall
                mov %rax, %rbx
                mov $1, %rdi
                shl $36, %rdi
                add %rbx, %rdi
                mov $12, %eax
                syscall
                cmp %rbx, %rax
                jne bad
                cmpq $1, (%rsp)
                jne grow
                sub $16, %rsp
                movq $0x800000, (%rsp)
                movq $0x800000, 8(%rsp)
                mov $160, %eax
                mov $2, %edi
                mov %rsp, %rsi
                syscall
                test %rax, %rax
                jnz bad
                grow:
                xor %r12d, %r12d
                more:
                lea 0x100000(%rbx), %rdi
                mov $12, %eax
                syscall
                cmp %rdi, %rax
                jne refused
                mov %rbx, %rcx
                touch:
                movb $1, (%rcx)
                add $4096, %rcx
                cmp %rax, %rcx
                jb touch
                mov %rax, %rbx
                inc %r12
                jmp more
                refused:
                cmp %rbx, %rax
                jne bad
                mov %r12d, %edi
                """ + EXIT + """
                bad: mov $200, %edi
                """ + EXIT);
        loop = build("loop", """
                spin:
                inc %rax
                jmp spin
                """);
        // setrlimit(RLIMIT_CPU, {1, RLIM_INFINITY}), read it back with prlimit64, then spin
        setrlimitCpu = build("setrlimit-cpu", """
                sub $32, %rsp
                movq $1, (%rsp)
                movq $-1, 8(%rsp)
                mov $160, %eax
                xor %edi, %edi
                mov %rsp, %rsi
                syscall
                test %rax, %rax
                jnz bad
                mov $302, %eax
                xor %edi, %edi
                xor %esi, %esi
                xor %edx, %edx
                lea 16(%rsp), %r10
                syscall
                test %rax, %rax
                jnz bad
                cmpq $1, 16(%rsp)
                jne bad
                cmpq $-1, 24(%rsp)
                jne bad
                spin:
                inc %rax
                jmp spin
                bad: mov $200, %edi
                """ + EXIT);
    }

    static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, tool))) return true;
        }
        return false;
    }

    static Path build(String name, String body) throws Exception {
        Path s = dir.resolve(name + ".s"), o = dir.resolve(name + ".o"), exe = dir.resolve(name);
        Files.writeString(s, ".globl _start\n.text\n_start:\n" + body);
        exec("as", "--64", "-o", o.toString(), s.toString());
        exec("ld", "-static", "-nostdlib", "-o", exe.toString(), o.toString());
        return exe;
    }

    static void exec(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
    }

    record Result(int status, String stdout, String stderr, double seconds) {}

    /** Runs lstar in a child JVM with {@code jvmArgs} (e.g. -Xmx) and {@code args}; times the whole run. */
    static Result lstar(List<String> jvmArgs, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED"));
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(Arrays.asList(args));
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        byte[] err = p.getErrorStream().readAllBytes();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("lstar " + String.join(" ", args) + " did not finish");
        }
        double s = (System.nanoTime() - t0) / 1e9;
        Result r = new Result(p.exitValue(), "", new String(err, StandardCharsets.UTF_8), s);
        System.out.printf("lstar %s -> %d in %.2f s: %s%n", String.join(" ", args), r.status(), s, r.stderr().strip());
        return r;
    }

    static Result lstar(String... args) throws IOException, InterruptedException {
        return lstar(List.of(), args);
    }

    /** Exactly one stderr line, "lstar: " + something containing {@code what}. */
    static void assertOneLine(Result r, String what) {
        List<String> lines = r.stderr().lines().toList();
        assertEquals(1, lines.size(), r.stderr());
        assertTrue(lines.get(0).startsWith("lstar: ") && lines.get(0).contains(what), "'" + what + "' in: " + r.stderr());
        CliBadInputTest.assertNoStackTrace(new CliBadInputTest.Result(r.status(), "", r.stderr()));
    }

    @Test
    void mmapOf64GiBIsEnomem() throws Exception {
        Result r = lstar("run", "--memory", "256M", mmap64g.toString());
        assertEquals(12, r.status(), r.stderr());
        assertEquals("", r.stderr());
        r = lstar("run", mmap64g.toString()); // the default RAM (at most 4 GiB) is still far below 64 GiB
        assertEquals(12, r.status(), r.stderr());
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void touchingMoreThanMemoryIsAnOomKill(String engine) throws Exception {
        Result r = lstar("run", "--engine", engine, "--memory", "64M", touchForever.toString());
        assertEquals(137, r.status(), r.stderr());
        assertOneLine(r, "Out of memory: Killed process 1 (touch) total-vm:");
        assertTrue(r.seconds() < 20, "prompt: " + r.seconds() + " s");
    }

    /**
     * No --memory, a small JVM heap: the default RAM is sized to the heap, so lstar's OOM killer
     * ends the guest (137) before the JVM's heap fills up — seconds, not a minute of full GCs and
     * an internal error.
     */
    @Test
    void defaultMemoryFitsTheHeap() throws Exception {
        Result r = lstar(List.of("-Xmx512m", "-XX:+UseParallelGC"), "run", touchForever.toString());
        assertEquals(137, r.status(), r.stderr());
        assertOneLine(r, "Out of memory: Killed process 1 (touch)");
        assertTrue(r.seconds() < 30, "prompt: " + r.seconds() + " s");
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void brkGrowthUnderRlimitDataThenUnderRam(String engine) throws Exception {
        // 8 MiB of RLIMIT_DATA: check_data_rlimit counts the heap plus end_data - start_data (here the
        // text segment's file size, a few bytes), so the 8th MiB is refused: 7 MiB obtained
        Result r = lstar("run", "--engine", engine, "--memory", "64M", brkGrow.toString());
        assertEquals(7, r.status(), r.stderr());
        assertEquals("", r.stderr());
        // no limit: brk grows until the touched pages exhaust RAM
        r = lstar("run", "--engine", engine, "--memory", "64M", brkGrow.toString(), "unlimited");
        assertEquals(137, r.status(), r.stderr());
        assertOneLine(r, "Out of memory: Killed process 1 (brk)");
        assertTrue(r.seconds() < 20, "prompt: " + r.seconds() + " s");
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void limitCpu(String engine) throws Exception {
        // soft = hard (ulimit -t 1): Linux checks the hard limit first, so SIGKILL (a 6.x kernel does the same)
        Result r = lstar("run", "--engine", engine, "--limit-cpu", "1", loop.toString());
        assertEquals(137, r.status(), r.stderr());
        assertOneLine(r, "killed by SIGKILL (CPU time limit exceeded");
        assertTrue(r.seconds() < 20, "within seconds: " + r.seconds());
        // soft below hard: SIGXCPU at the soft limit; this guest has no handler, so its default action ends it
        r = lstar("run", "--engine", engine, "--limit-cpu", "1:5", loop.toString());
        assertEquals(152, r.status(), r.stderr());
        assertOneLine(r, "killed by SIGXCPU (CPU time limit exceeded: ");
        assertTrue(r.seconds() < 20, "within seconds: " + r.seconds());
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void guestSetrlimitCpu(String engine) throws Exception {
        Result r = lstar("run", "--engine", engine, setrlimitCpu.toString());
        assertEquals(152, r.status(), r.stderr());
        assertOneLine(r, "killed by SIGXCPU");
        assertTrue(r.seconds() < 20, "within seconds: " + r.seconds());
    }

    @Test
    void usageErrors() throws Exception {
        CliBadInputTest.Result r = CliBadInputTest.lstar("run", "--memory", "lots", loop.toString());
        CliBadInputTest.assertUsageError(r, "--memory takes a size like 512M or 2G, not 'lots'");
        r = CliBadInputTest.lstar("run", "--memory", "1M", loop.toString());
        CliBadInputTest.assertUsageError(r, "too small");
        r = CliBadInputTest.lstar("run", "--memory", "64T", loop.toString());
        CliBadInputTest.assertUsageError(r, "does not fit the JVM heap");
        r = CliBadInputTest.lstar("run", "--limit-cpu", "2:1", loop.toString());
        CliBadInputTest.assertUsageError(r, "the soft limit is above the hard limit");
        r = CliBadInputTest.lstar("run", "--limit-cpu", "-1", loop.toString());
        CliBadInputTest.assertUsageError(r, "--limit-cpu takes SECONDS or SOFT:HARD");
    }
}
