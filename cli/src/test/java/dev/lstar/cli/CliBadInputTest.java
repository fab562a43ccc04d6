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

    @Test
    void dynamicExecutable() throws Exception {
        Path p = write("hello-dyn", Files.readAllBytes(ELF_FIXTURES.resolve("hello-dyn")));
        assertFileError(lstar("run", p.toString()), 126, p, "dynamic executables are not supported");
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
    }
}
