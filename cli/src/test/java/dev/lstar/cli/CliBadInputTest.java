package dev.lstar.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code lstar run} on inputs a user gets wrong, through the real entry point (a child JVM running
 * {@link Main#main}, so System.exit and the top-level error handling are what is tested): files
 * that cannot be executed end with 126, missing files with 127, usage errors with 2, each with one
 * "lstar: ..." line on stderr (usage errors add the "try 'lstar --help'" hint) and never a Java
 * stack trace.
 */
class CliBadInputTest {
    static final Path ELF_FIXTURES = Path.of("../kernel-model/src/test/resources/dev/lstar/kernel/elf");

    @TempDir
    static Path dir;

    static byte[] hello;

    @BeforeAll
    static void load() throws IOException {
        hello = Files.readAllBytes(ELF_FIXTURES.resolve("hello"));
    }

    record Result(int status, String stdout, String stderr) {}

    static Result lstar(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(Arrays.asList(args));
        Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        byte[] err = p.getErrorStream().readAllBytes();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("lstar " + String.join(" ", args) + " did not finish");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    /** {@link #lstar} that fails instead of waiting when the child does not end within {@code seconds}. */
    static Result lstarWithin(int seconds, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Xmx256m", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(Arrays.asList(args));
        Path out = dir.resolve("child.out"), err = dir.resolve("child.err");
        Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("lstar " + String.join(" ", args) + " did not finish within " + seconds + " s");
        }
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** Exactly one line on stderr, starting "lstar: FILE: " and containing {@code what}; no trace. */
    static void assertFileError(Result r, int status, Path file, String what) {
        assertEquals(status, r.status(), r.stderr());
        assertNoStackTrace(r);
        List<String> lines = r.stderr().lines().toList();
        assertEquals(1, lines.size(), "one line: " + r.stderr());
        assertTrue(lines.get(0).startsWith("lstar: " + file + ": "), r.stderr());
        assertTrue(lines.get(0).contains(what), "'" + what + "' in: " + lines.get(0));
        assertEquals("", r.stdout());
    }

    /** A usage error: status 2, "lstar: MESSAGE" and the help hint. */
    static void assertUsageError(Result r, String what) {
        assertEquals(2, r.status(), r.stderr());
        assertNoStackTrace(r);
        List<String> lines = r.stderr().lines().toList();
        assertEquals(2, lines.size(), r.stderr());
        assertTrue(lines.get(0).startsWith("lstar: ") && lines.get(0).contains(what), "'" + what + "' in: " + r.stderr());
        assertEquals("try 'lstar --help'", lines.get(1));
    }

    static void assertNoStackTrace(Result r) {
        assertFalse(r.stderr().contains("\tat ") || r.stderr().contains("Exception") || r.stderr().contains("internal error"),
                "no Java stack trace or internal error: " + r.stderr());
    }

    static Path write(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    @Test
    void aValidProgramRuns() throws Exception {
        Path p = write("hello", hello);
        Result r = lstar("run", p.toString());
        assertEquals(0, r.status(), r.stderr());
        assertTrue(r.stdout().startsWith("hello"), r.stdout());
        assertEquals("", r.stderr());
    }

    @Test
    void notAnElf() throws Exception {
        Path p = write("script.sh", "#!/bin/sh\necho hi\n".getBytes(StandardCharsets.US_ASCII));
        assertFileError(lstar("run", p.toString()), 126, p, "not an ELF file");
    }

    @Test
    void emptyFile() throws Exception {
        Path p = write("empty", new byte[0]);
        assertFileError(lstar("run", p.toString()), 126, p, "truncated");
    }

    @Test
    void truncatedElf() throws Exception {
        Path header = write("hello-40", Arrays.copyOf(hello, 40));
        assertFileError(lstar("run", header.toString()), 126, header, "truncated");
        Path body = write("hello-200", Arrays.copyOf(hello, 200)); // the header is whole, the segments are not
        Result r = lstar("run", body.toString());
        assertEquals(126, r.status(), r.stderr());
        assertNoStackTrace(r);
        assertEquals(1, r.stderr().lines().count(), r.stderr());
    }

    @Test
    void aarch64Elf() throws Exception {
        byte[] b = hello.clone();
        b[18] = (byte) 183; // e_machine = EM_AARCH64
        b[19] = 0;
        Path p = write("hello-aarch64", b);
        assertFileError(lstar("run", p.toString()), 126, p, "wrong machine");
    }

    @Test
    void i386Elf() throws Exception {
        byte[] b = Arrays.copyOf(hello, 52); // an ELF32 header: class 1, e_machine EM_386
        b[4] = 1;
        b[18] = 3;
        b[19] = 0;
        Path p = write("hello-i386", b);
        assertFileError(lstar("run", p.toString()), 126, p, "ELF32");
    }

    /** A dynamic executable runs with the host's ld.so (it used to be refused with 126). */
    @Test
    void dynamicExecutable() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(Path.of("/lib64/ld-linux-x86-64.so.2")), "no x86-64 ld.so on this host");
        Path p = write("hello-dyn", Files.readAllBytes(ELF_FIXTURES.resolve("hello-dyn")));
        Result r = lstar("run", p.toString());
        assertEquals(0, r.status(), r.stderr());
        assertEquals("hello from lstar\n", r.stdout());
    }

    @Test
    void missingFile() throws Exception {
        Path p = dir.resolve("no-such-file");
        assertFileError(lstar("run", p.toString()), 127, p, "No such file or directory");
    }

    @Test
    void directory() throws Exception {
        Path p = Files.createDirectories(dir.resolve("a-directory"));
        assertFileError(lstar("run", p.toString()), 126, p, "");
    }

    @Test
    void unreadableFile() throws Exception {
        assumeFalse("root".equals(System.getProperty("user.name")), "running as root: permissions do not stop reads");
        Path p = write("unreadable", hello);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("---------"));
        assertFileError(lstar("run", p.toString()), 126, p, "Permission denied");
    }

    @Test
    void usageErrors() throws Exception {
        Path p = write("hello", hello);
        assertUsageError(lstar(), "no command");
        assertUsageError(lstar("frobnicate"), "unknown command 'frobnicate'");
        assertUsageError(lstar("run", "--bogus", p.toString()), "unknown option '--bogus'");
        assertUsageError(lstar("run"), "no FILE");
        assertUsageError(lstar("run", "--kpti"), "--kpti needs a value");
        assertUsageError(lstar("run", "--kpti", "maybe", p.toString()), "--kpti takes on or off");
        assertUsageError(lstar("run", "--cpu", "arm", p.toString()), "--cpu takes intel or amd");
        assertUsageError(lstar("run", "--gdb", "70000", p.toString()), "--gdb takes a TCP port");
        assertUsageError(lstar("run", "--gdb-listen", "1234", p.toString()), "--gdb-listen takes ADDR:PORT");
        assertUsageError(lstar("run", "--gdb", "1234", "--trace", p.toString()), "--gdb cannot be combined with --trace");
        assertUsageError(lstar("run", "--gdb-kernel", p.toString()), "--gdb-kernel needs --gdb");
        assertUsageError(lstar("run", "--aslr-seed", "x1", p.toString()), "--aslr-seed takes a number");
        assertUsageError(lstar("run", "--cpus", "0", p.toString()), "--cpus takes 1..64, not 0");
        assertUsageError(lstar("run", "--cpus", "two", p.toString()), "--cpus takes a number of CPUs");
        assertUsageError(lstar("run", "--cpus", "2", "--engine", "lockstep", p.toString()), "--engine lockstep compares one CPU's blocks");
        assertUsageError(lstar("run", "--cpus", "2", "--gdb", "1234", p.toString()), "--gdb debugs one CPU");
        assertUsageError(lstar("run", "--cpus", "2", "--trace", p.toString()), "--trace follows one CPU");
    }

    /** Regression (ce24444): /dev/zero was read until the heap ran out (status 70). Linux: EACCES, the shell's 126. */
    @Test
    void characterDeviceIsRefusedBeforeReading() throws Exception {
        Path zero = Path.of("/dev/zero");
        assumeFalse(!Files.exists(zero), "no /dev/zero");
        assertFileError(lstarWithin(30, "run", zero.toString()), 126, zero, "not a regular file: a character device");
        Path link = dir.resolve("zero-link");
        Files.deleteIfExists(link);
        Files.createSymbolicLink(link, zero);
        assertFileError(lstarWithin(30, "run", link.toString()), 126, link, "not a regular file: a character device");
    }

    /** Regression (ce24444): a FIFO blocked lstar forever in open. */
    @Test
    void fifoIsRefusedWithoutOpeningIt() throws Exception {
        Path fifo = dir.resolve("a-fifo");
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assumeFalse(mk.waitFor() != 0, "no mkfifo");
        assertFileError(lstarWithin(30, "run", fifo.toString()), 126, fifo, "not a regular file: a FIFO");
    }

    @Test
    void socketIsRefused() throws Exception {
        Path sock = dir.resolve("a-socket");
        try (var ch = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            ch.bind(java.net.UnixDomainSocketAddress.of(sock));
            assertFileError(lstarWithin(30, "run", sock.toString()), 126, sock, "not a regular file: a socket");
        }
    }

    /** Files over Main.MAX_EXECUTABLE_BYTES are refused from their size, before a byte is read (a sparse file here). */
    @Test
    void hugeFileIsRefusedUpFront() throws Exception {
        Path big = dir.resolve("huge");
        try (var f = new java.io.RandomAccessFile(big.toFile(), "rw")) {
            f.write(hello);
            f.setLength(Main.MAX_EXECUTABLE_BYTES + 1);
        }
        assertFileError(lstarWithin(30, "run", big.toString()), 126, big, "file too large");
        Files.delete(big);
    }

    @Test
    void danglingSymlinkIsMissingAndGoodSymlinkRuns() throws Exception {
        Path dangling = dir.resolve("dangling");
        Files.deleteIfExists(dangling);
        Files.createSymbolicLink(dangling, dir.resolve("nowhere"));
        assertFileError(lstar("run", dangling.toString()), 127, dangling, "No such file or directory");
        Path good = dir.resolve("good-link");
        Files.deleteIfExists(good);
        Files.createSymbolicLink(good, write("hello-target", hello));
        Result r = lstar("run", good.toString());
        assertEquals(0, r.status(), r.stderr());
        assertEquals("hello from lstar\n", r.stdout());
    }

    private static int phdr(byte[] elf, int index) {
        return (int) (elf[32] & 0xff | (elf[33] & 0xff) << 8) + 56 * index;
    }

    private static byte[] with(byte[] b, int off, int width, long v) {
        byte[] c = b.clone();
        for (int i = 0; i < width; i++) c[off + i] = (byte) (v >>> (8 * i));
        return c;
    }

    /** Linux's execve opens the interpreter and fails with ENOENT (the shell's 127); an empty or bad PT_INTERP is ENOEXEC (126). */
    @Test
    void interpreterProblems() throws Exception {
        String path = "/nonexistent/ld-lstar.so\0";
        byte[] b = Arrays.copyOf(hello, hello.length + path.length());
        System.arraycopy(path.getBytes(StandardCharsets.ISO_8859_1), 0, b, hello.length, path.length());
        int relro = phdr(hello, 6); // GNU_RELRO becomes PT_INTERP
        b = with(with(with(b, relro, 4, 3), relro + 8, 8, hello.length), relro + 32, 8, path.length());
        Path missing = write("interp-missing", b);
        assertFileError(lstar("run", missing.toString()), 127, missing, "interpreter /nonexistent/ld-lstar.so: No such file or directory");
        Path huge = write("interp-huge", with(b, relro + 8, 8, 0x80000000L));
        assertFileError(lstar("run", huge.toString()), 126, huge, "INTERP");
        Path empty = write("interp-empty", with(b, relro + 32, 8, 0));
        assertFileError(lstar("run", empty.toString()), 126, empty, "bad interpreter path size 0");
    }

    /** e_entry at or above TASK_SIZE (here -1, which also hung the engines): refused before anything runs. */
    @Test
    void entryOutsideUserSpace() throws Exception {
        for (long entry : new long[] {-1L, 0x800000000000L, 0xffffffff81000000L}) {
            Path p = write("entry-" + Long.toHexString(entry), with(hello, 24, 8, entry));
            // Linux's loader checks e_entry past exec's point of no return: the new process dies with SIGSEGV
            Result r = lstarWithin(60, "run", p.toString());
            assertEquals(139, r.status(), r.stderr());
            assertNoStackTrace(r);
            List<String> lines = r.stderr().lines().toList();
            assertEquals(1, lines.size(), r.stderr());
            assertTrue(lines.get(0).startsWith("lstar: killed by SIGSEGV") && lines.get(0).contains("is outside the user address space"), r.stderr());
        }
    }

    /** Regression (ce24444): a bss-only PT_LOAD whose p_offset is past the end of the file runs, as on Linux. */
    @Test
    void bssOnlySegmentWithOffsetPastTheEnd() throws Exception {
        int data = phdr(hello, 3); // the RW PT_LOAD: .tdata .data .bss; the program reads none of them
        Path p = write("bss-past-eof", with(with(hello, data + 32, 8, 0), data + 8, 8, 0xffffffffL));
        Result r = lstar("run", p.toString());
        assertEquals(0, r.status(), r.stderr());
        assertEquals("hello from lstar\n", r.stdout());
    }
}
