package dev.lstar.conformance.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lstar.kernel.ExitStatus;
import dev.lstar.kernel.KernelConfig;
import dev.lstar.kernel.LinuxKernel;
import dev.lstar.kernel.vfs.Vfs;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Dynamically linked executables: the host's ld.so loaded from the guest's file system, libc
 * mapped by ld.so with file mmap, start-up through the auxiliary vector. A C program built at test
 * time with plain {@code gcc -O2} ({@code dyn_mmap.c}: printf, private and shared file mappings,
 * write-back at exit, mremap, madvise, /proc/self/maps and auxv) and the host's own dynamic
 * /bin/true, /bin/echo, /bin/ls and /usr/bin/sort run natively and under lstar with the same
 * stdout and exit status; the C program's shared file must hold the same bytes afterwards. A host
 * without gcc, a dynamic libc or one of the binaries skips that case with a message.
 */
class DynamicExecutablesTest {
    static final List<String> ENV = List.of("PATH=/usr/bin:/bin", "LC_ALL=C");

    @TempDir
    static Path dir;

    static Stream<Arguments> engines() {
        return EngineFactory.ALL.stream().filter(e -> !e.name().equals("lockstep")).map(Arguments::of);
    }

    /** One run; {@code syscalls} is the kernel's system-call count at the end. */
    record Run(String stdout, String stderr, String log, ExitStatus exit, long syscalls) {}

    /** {@code exe args} under lstar with the guest's files {@code vfs} and stdin {@code stdin}. */
    static Run lstar(Vfs vfs, Path exe, List<String> argv, EngineFactory engine) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream(), log = new ByteArrayOutputStream();
        KernelConfig cfg = KernelConfig.defaults().withIo(new ByteArrayInputStream(new byte[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)).withLog(new PrintStream(log, true, StandardCharsets.UTF_8));
        LinuxKernel k = LinuxKernel.boot(cfg);
        k.setFileSystem(vfs);
        k.exec(Files.readAllBytes(exe), exe.toString(), argv, ENV);
        ExitStatus exit = k.run(engine.create().apply(k.machine));
        return new Run(out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), log.toString(StandardCharsets.UTF_8), exit, k.syscallCount());
    }

    record Native(String stdout, int status) {}

    static Native nativeRun(Path cwd, List<String> cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().clear();
        for (String e : ENV) pb.environment().put(e.substring(0, e.indexOf('=')), e.substring(e.indexOf('=') + 1));
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "native run timed out");
        return new Native(out, p.exitValue());
    }

    private static Path program;

    /** dyn_mmap.c built with plain gcc -O2 (dynamically linked), once. */
    static synchronized Path program() throws Exception {
        assumeTrue(NativeRun.available(), NativeRun.unavailableReason());
        if (program != null) return program;
        Path exe = StaticPrograms.compile(dir, "gcc", "dyn_mmap", false);
        return program = exe;
    }

    @ParameterizedTest(name = "[{0}]")
    @MethodSource("engines")
    void compiledProgramMatchesNative(EngineFactory engine) throws Exception {
        Path exe = program();
        Path n = Files.createDirectories(dir.resolve("native-" + engine.name())), l = Files.createDirectories(dir.resolve("lstar-" + engine.name()));
        Native nat = nativeRun(dir, List.of(exe.toString(), n.toString()));
        assertEquals(3, nat.status(), "the program's own checks fail natively:\n" + nat.stdout());
        Run r = lstar(Vfs.host(), exe, List.of(exe.toString(), l.toString()), engine);
        assertEquals(nat.stdout(), r.stdout(), "stdout (exit: " + r.exit().message() + ", lstar log:\n" + r.log() + ")");
        assertEquals(nat.status(), r.exit().shellStatus(), r.exit().message());
        assertFalse(r.exit().oops(), r.exit().message());
        byte[] shared = Files.readAllBytes(l.resolve("shared.bin"));
        assertEquals("at-exit", new String(shared, 8000, 7, StandardCharsets.US_ASCII), "exit wrote the shared page back");
        assertTrue(java.util.Arrays.equals(Files.readAllBytes(n.resolve("shared.bin")), shared), "the same file as natively");
    }

    static Stream<Arguments> hostBinaries() {
        List<Arguments> out = new ArrayList<>();
        for (EngineFactory e : EngineFactory.ALL) {
            if (e.name().equals("lockstep")) continue;
            out.add(Arguments.of("/bin/true", e));
            out.add(Arguments.of("/bin/false", e));
            out.add(Arguments.of("/bin/echo hi", e));
            out.add(Arguments.of("/bin/ls -l --time-style=+%Y dir", e));
            out.add(Arguments.of("/usr/bin/sort in.txt", e));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} [{1}]")
    @MethodSource("hostBinaries")
    void hostBinaryMatchesNative(String command, EngineFactory engine) throws Exception {
        assumeTrue(NativeRun.available(), NativeRun.unavailableReason());
        List<String> cmd = new ArrayList<>(List.of(command.split(" ")));
        Path exe = Path.of(cmd.get(0));
        assumeTrue(Files.isExecutable(exe), "no " + exe + " on this host");
        assumeTrue(new String(Files.readAllBytes(exe), StandardCharsets.ISO_8859_1).contains("ld-linux-x86-64.so.2"), exe + " is not dynamic here");
        Path w = Files.createDirectories(dir.resolve("host-" + engine.name() + "-" + exe.getFileName()));
        Files.writeString(w.resolve("in.txt"), "pear\napple\nfig\napple\n");
        Files.createDirectories(w.resolve("dir"));
        Files.writeString(w.resolve("dir/a"), "x\n");
        Files.writeString(w.resolve("dir/b"), "yz\n");
        Native nat = nativeRun(w, cmd);
        Run r = lstar(new Vfs(Path.of("/"), w.toString()), exe, cmd, engine);
        assertEquals(nat.stdout(), r.stdout(), "stdout (exit: " + r.exit().message() + ", stderr " + r.stderr() + ", log:\n" + r.log() + ")");
        assertEquals(nat.status(), r.exit().shellStatus(), r.exit().message());
    }

    static Stream<Arguments> interpreters() {
        List<Arguments> out = new ArrayList<>();
        // bash: builtins, a loop, a trap run by a signal it sends itself (rt_sigaction, kill, rt_sigreturn)
        List<String> bash = List.of("/bin/bash", "--norc", "--noprofile", "-c", "echo hi; for i in 1 2 3; do echo $i; done; trap 'echo trapped' USR1; kill -USR1 $$; echo after");
        List<String> python = List.of("/usr/bin/python3", "-c", "import signal, os\nsignal.signal(signal.SIGUSR1, lambda s, f: print('handled', s))\nos.kill(os.getpid(), signal.SIGUSR1)\nprint(sum(range(10)))");
        for (EngineFactory e : EngineFactory.ALL) {
            if (e.name().equals("lockstep")) continue;
            out.add(Arguments.of(bash, e));
        }
        // python3 starts with ~50 M instructions: the interpreter only (the JIT's run adds translation time, not coverage)
        out.add(Arguments.of(python, EngineFactory.ALL.get(0)));
        return out.stream();
    }

    /** The dynamic interpreters: bash -c and python3 -c, each with a signal handled, match native. */
    @ParameterizedTest(name = "{0} [{1}]")
    @MethodSource("interpreters")
    void dynamicInterpretersMatchNative(List<String> cmd, EngineFactory engine) throws Exception {
        assumeTrue(NativeRun.available(), NativeRun.unavailableReason());
        Path exe = Path.of(cmd.get(0));
        assumeTrue(Files.isExecutable(exe), "no " + exe + " on this host");
        Path w = Files.createDirectories(dir.resolve("interp-" + engine.name() + "-" + exe.getFileName()));
        Native nat = nativeRun(w, cmd);
        Run r = lstar(new Vfs(Path.of("/"), w.toString()), exe, cmd, engine);
        assertEquals(nat.stdout(), r.stdout(), "stdout (exit: " + r.exit().message() + ", stderr " + r.stderr() + ", log:\n" + r.log() + ")");
        assertEquals(nat.status(), r.exit().shellStatus(), r.exit().message());
    }

    /** The guest confined to a root that holds the program, ld.so and libc: the interpreter comes from the root. */
    @Test
    void interpreterInsideTheRoot() throws Exception {
        Path exe = program();
        Path ld = Path.of("/lib64/ld-linux-x86-64.so.2").toRealPath(), libc = Path.of("/lib/x86_64-linux-gnu/libc.so.6");
        assumeTrue(Files.exists(libc), "no " + libc);
        Path root = Files.createDirectories(dir.resolve("root"));
        Files.createDirectories(root.resolve("lib64"));
        Files.createDirectories(root.resolve("lib/x86_64-linux-gnu"));
        Files.createDirectories(root.resolve("w"));
        Files.copy(ld, root.resolve("lib64/ld-linux-x86-64.so.2"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(libc.toRealPath(), root.resolve("lib/x86_64-linux-gnu/libc.so.6"), StandardCopyOption.REPLACE_EXISTING);
        Run r = lstar(Vfs.confined(root), exe, List.of("dyn_mmap", "/w"), EngineFactory.ALL.get(1));
        assertEquals(3, r.exit().shellStatus(), r.exit().message() + "\n" + r.stdout() + r.log());
        assertTrue(r.stdout().contains("failures 0"), r.stdout());
        assertTrue(Files.exists(root.resolve("w/shared.bin")), "the guest's files are inside the root");
        // without the interpreter in the root, exec fails as execve does (ENOENT), whatever the host has
        Files.delete(root.resolve("lib64/ld-linux-x86-64.so.2"));
        dev.lstar.kernel.elf.ElfException e = org.junit.jupiter.api.Assertions.assertThrows(dev.lstar.kernel.elf.ElfException.class,
                () -> lstar(Vfs.confined(root), exe, List.of("dyn_mmap", "/w"), EngineFactory.ALL.get(0)));
        assertTrue(e.interpreterMissing(), e.getMessage());
    }
}
