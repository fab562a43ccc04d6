package dev.lstar.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Files end to end: {@code src/test/resources/c/files.c} (create, write, read back, seek, stat,
 * opendir/readdir, rename, link, symlink, unlink, truncate, readv/writev, dup2, pipes, /dev/zero,
 * sendfile, /proc/self/exe) built at test time with {@code gcc -O2 -static} and
 * {@code musl-gcc -O2 -static}, run natively and under {@code lstar run} on interp and jit, each in
 * its own work directory: stdout, the exit status and the files left behind (names, types,
 * permissions, sizes, contents) must be the same. Then again confined with {@code --root}.
 */
class CliFilesTest {
    @TempDir
    static Path tmp;

    record Built(Path exe, String stdout, int status, String tree) {}

    private static final Map<String, Built> BUILT = new ConcurrentHashMap<>();

    static Stream<Arguments> matrix() {
        List<Arguments> out = new ArrayList<>();
        for (String cc : List.of("gcc", "musl-gcc")) for (String e : List.of("interp", "jit")) out.add(Arguments.of(cc, e));
        return out.stream();
    }

    static synchronized Built build(String cc) throws Exception {
        Built b = BUILT.get(cc);
        if (b != null) return b;
        Path exe = StaticC.compile(tmp, cc, "files");
        Path work = Files.createDirectories(tmp.resolve("native-" + cc).resolve("work"));
        Process run = new ProcessBuilder(exe.toString(), work.toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        run.getOutputStream().close();
        String out = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(run.waitFor(60, TimeUnit.SECONDS));
        b = new Built(exe, out, run.exitValue(), tree(work));
        BUILT.put(cc, b);
        return b;
    }

    /** Every file under {@code dir}: path, type, permissions, size, and a regular file's contents or a link's target. */
    static String tree(Path dir) throws IOException {
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted().toList()) {
                int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
                sb.append(dir.relativize(p)).append(' ').append(Integer.toOctalString(mode));
                if (Files.isSymbolicLink(p)) sb.append(" -> ").append(Files.readSymbolicLink(p));
                else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    sb.append(' ').append(Files.size(p)).append(' ').append(java.util.Arrays.hashCode(Files.readAllBytes(p)));
                }
                sb.append('\n');
            }
        }
        return sb.toString();
    }

    record Run(int status, String stdout, String stderr) {}

    static Run lstar(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int status = Main.execute(args, InputStream.nullInputStream(), new PrintStream(out, true), new PrintStream(err, true));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @ParameterizedTest(name = "{0} [{1}]")
    @MethodSource("matrix")
    void sameOutputFilesAndStatusAsNative(String cc, String engine) throws Exception {
        Built b = build(cc);
        assertEquals(7, b.status(), "the program's own checks fail natively:\n" + b.stdout());
        assertTrue(b.stdout().contains("0 failures"), b.stdout());
        Path work = Files.createDirectories(tmp.resolve(engine + "-" + cc).resolve("work"));
        Run r = lstar("run", "--engine", engine, b.exe().toString(), work.toString());
        assertEquals(b.stdout(), r.stdout(), "stdout under lstar; stderr:\n" + r.stderr());
        assertEquals(b.status(), r.status(), r.stderr());
        assertEquals(b.tree(), tree(work), "the files left behind");
    }

    @Test
    void confinedWithRoot() throws Exception {
        Built b = build("musl-gcc");
        Path root = Files.createDirectories(tmp.resolve("jail"));
        Path work = Files.createDirectories(root.resolve("work"));
        Files.writeString(tmp.resolve("outside"), "not for the guest");
        Run r = lstar("run", "--root", root.toString(), b.exe().toString(), "/work");
        assertEquals(b.stdout(), r.stdout(), "stdout under lstar --root; stderr:\n" + r.stderr());
        assertEquals(b.status(), r.status());
        assertEquals(b.tree(), tree(work));
        // the guest's absolute paths are inside the root: "/work" was the jail's, not the host's
        assertTrue(Files.notExists(Path.of("/work/a.txt")) || !Files.exists(Path.of("/work/sub/c.bin")), "nothing written to the host's /work");
    }

    @Test
    void straceShowsPathsFlagsAndErrnoNames() throws Exception {
        Built b = build("gcc");
        Path work = Files.createDirectories(tmp.resolve("strace").resolve("work"));
        Run r = lstar("run", "--strace", b.exe().toString(), work.toString());
        assertEquals(7, r.status(), r.stderr());
        String s = r.stderr();
        assertTrue(s.contains("openat(AT_FDCWD, \"a.txt\", O_WRONLY|O_CREAT|O_TRUNC, 0666) = 3"), s);
        assertTrue(s.contains("mkdir(\"sub\", 0777) = -1 EEXIST (File exists)"), s);
        assertTrue(s.contains("openat(AT_FDCWD, \"missing\", O_RDONLY) = -1 ENOENT (No such file or directory)"), s);
        assertTrue(s.contains("rename(\"b.bin\", \"sub/c.bin\") = 0"), s);
        assertTrue(s.contains("lseek(3, 7, SEEK_SET) = 7"), s);
        assertTrue(s.contains("readlink(\"/proc/self/exe\", "), s);
    }

    @Test
    void rootMustBeADirectory() {
        Run r = lstar("run", "--root", tmp.resolve("no-such-dir").toString(), "/bin/true");
        assertEquals(2, r.status());
        assertTrue(r.stderr().contains("--root"), r.stderr());
    }
}
