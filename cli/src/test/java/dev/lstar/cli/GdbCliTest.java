package dev.lstar.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The real gdb in batch mode against {@code lstar run --gdb PORT} of a static C program built
 * with {@code gcc -static -g -O0} at test time, on both engines: break at a function and at main,
 * {@code next}, {@code info registers}, {@code x/4i $pc}, {@code stepi}, {@code bt}, a watchpoint
 * firing, continue to the exit code; a SIGSEGV stop at the faulting instruction and the kill that
 * follows it; Ctrl-C of a looping guest. Skipped (with a message) when gdb or gcc is missing.
 */
class GdbCliTest {
    private static Path program;

    static synchronized Path program() throws Exception {
        if (program != null) return program;
        assumeTrue(onPath("gdb"), "gdb is not installed: the gdb end-to-end tests are skipped");
        assumeTrue(onPath("gcc"), "gcc is not installed: the gdb end-to-end tests are skipped");
        Path dir = Files.createTempDirectory("lstar-gdb");
        Path src = dir.resolve("gdbprog.c");
        try (InputStream in = GdbCliTest.class.getResourceAsStream("/gdb/gdbprog.c")) {
            Files.write(src, in.readAllBytes());
        }
        Path exe = dir.resolve("gdbprog");
        Process p = new ProcessBuilder("gcc", "-static", "-g", "-O0", "-o", exe.toString(), src.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, "gcc -static failed:\n" + log);
        program = exe;
        return exe;
    }

    private static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(d, tool))) return true;
        }
        return false;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    record Result(String gdb, int status, String out, String err) {}

    /** Runs {@code lstar run --engine E --gdb PORT prog args} in-process and gdb with {@code commands} against it. */
    static Result session(String engine, List<String> progArgs, String... commands) throws Exception {
        return session(engine, List.of(), progArgs, err -> List.of(commands));
    }

    static Result session(String engine, List<String> options, List<String> progArgs,
                          java.util.function.Function<String, List<String>> commands) throws Exception {
        Path exe = program();
        int port = freePort();
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        List<String> args = new ArrayList<>(List.of("run", "--engine", engine, "--gdb", Integer.toString(port)));
        args.addAll(options);
        args.add(exe.toString());
        args.addAll(progArgs);
        FutureTask<Integer> lstar = new FutureTask<>(() -> Main.execute(args.toArray(String[]::new), InputStream.nullInputStream(),
                new PrintStream(out, true), new PrintStream(err, true)));
        Thread t = new Thread(lstar, "lstar-run");
        t.setDaemon(true);
        t.start();
        for (int k = 0; k < 600 && !err.toString(StandardCharsets.UTF_8).contains("waiting for gdb"); k++) Thread.sleep(50);
        List<String> cmd = new ArrayList<>(List.of("gdb", "-batch", "-nx", "-ex", "set pagination off", "-ex", "target remote 127.0.0.1:" + port));
        for (String c : commands.apply(err.toString(StandardCharsets.UTF_8))) {
            cmd.add("-ex");
            cmd.add(c);
        }
        cmd.add(exe.toString());
        Process gdb = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        FutureTask<String> output = new FutureTask<>(() -> new String(gdb.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        Thread reader = new Thread(output, "gdb-output");
        reader.setDaemon(true);
        reader.start();
        if (!gdb.waitFor(120, TimeUnit.SECONDS)) gdb.destroyForcibly(); // a hung session fails below instead of hanging the build
        String text = output.get(10, TimeUnit.SECONDS);
        int status = lstar.get(60, TimeUnit.SECONDS);
        return new Result(text, status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static void contains(Result r, String... parts) {
        for (String p : parts) assertTrue(r.gdb().contains(p), "gdb output lacks '" + p + "':\n" + r.gdb() + "\nlstar stderr:\n" + r.err());
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void breakStepWatchAndExit(String engine) throws Exception {
        Result r = session(engine, List.of(),
                "break main", "continue", "next",
                "break compute", "continue", "info registers rip", "x/4i $pc", "stepi", "p $pc", "bt",
                "delete", "watch counter", "continue", "delete", "continue");
        contains(r, "Breakpoint 1, main (", "6\t  for (int i = 0;",
                "Breakpoint 2, compute (x=0) at", "rip            0x", "=> 0x", "<compute+",
                "#1  0x", "in main (", "Hardware watchpoint 3: counter", "Old value = 0", "New value = 1",
                "exited with code 043");
        assertEquals(35, r.status());
        assertEquals("sum 35\n", r.out());
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void segfaultStopsAtTheFaultingInstruction(String engine) throws Exception {
        Result r = session(engine, List.of("s"), "continue", "x/i $pc", "p argc", "continue");
        contains(r, "Program received signal SIGSEGV", "movl   $0x1,(%rax)", "$1 = 2", "Program terminated with signal SIGSEGV");
        assertEquals(139, r.status());
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void ctrlCStopsALoopingGuest(String engine) throws Exception {
        // the two seconds start at line 9, the loop's, not at the start: runs on a loaded machine
        // stopped at the loop's head with counter <= 1000 (start-up had taken the two seconds).
        // counter is a long: the JIT's region runs this loop at up to ~1.9 G iterations/s, and an
        // int counter passed 2^31 within the two seconds and read as negative (sessions 20-21)
        Result r = session(engine, List.of("l"), "tbreak 9", "continue", "shell (sleep 2; kill -INT $PPID) &", "continue",
                "p counter > 1000", "kill");
        contains(r, "Program received signal SIGINT", "$1 = 1", "[Inferior 1 (Remote target) killed]");
        assertEquals(137, r.status());
    }

    /** --gdb-kernel: the entry code's symbols from the ELF lstar writes, a breakpoint and steps in ring 0. */
    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void kernelModeBreaksInTheEntryCode(String engine) throws Exception {
        Result r = session(engine, List.of("--gdb-kernel"), List.of(), err -> {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("add-symbol-file (\\S+)").matcher(err);
            assertTrue(m.find(), err);
            return List.of("add-symbol-file " + m.group(1), "break entry_SYSCALL_64", "continue", "x/2i $pc", "stepi",
                    "p $cs", "info symbol $pc", "delete", "continue");
        });
        contains(r, "Breakpoint 1, 0xffffffff81000000 in entry_SYSCALL_64 ()", "swapgs", "$1 = 16",
                "entry_SYSCALL_64 + 4 in section .text", "exited with code 043");
        assertEquals(35, r.status());
    }

    /** QCatchSyscalls: gdb's catch syscall stops at the call and at its return. */
    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void catchSyscallStopsAtCallAndReturn(String engine) throws Exception {
        Result r = session(engine, List.of(), "catch syscall write", "continue", "p $orig_rax", "continue", "p $rax",
                "delete", "continue");
        contains(r, "Catchpoint 1 (call to syscall write)", "$1 = 1", "Catchpoint 1 (returned from syscall write)",
                "$2 = 7", "exited with code 043");
        assertEquals("sum 35\n", r.out());
    }

    /** A stepi over a store to a page not yet populated: the kernel's demand paging is part of the step, as under Linux. */
    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void stepiOverADemandPagedStore(String engine) throws Exception {
        Result r = session(engine, List.of(), "break 10", "continue", "p big[500000]", "stepi", "p big[500000]",
                "info line *$pc", "continue");
        contains(r, "Breakpoint 1, main (", "$1 = 0 '\\000'", "$2 = 1 '\\001'", "Line 11 of", "exited with code 043");
    }
}
