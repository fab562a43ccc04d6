package dev.lstar.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Static busybox applets (Debian's busybox-static, if installed) natively and under {@code lstar
 * run}, each in a fresh copy of a small directory: stdout, stderr, exit status and the files
 * left behind must match ("|" in a listed command stands for a space inside one argument).
 * {@code sh} runs builtins only (a trap run by a signal it sends itself included): an external
 * command would need fork, which lstar does not have yet.
 */
class CliBusyboxTest {
    static final Path BUSYBOX = Path.of("/usr/bin/busybox");

    @TempDir
    Path tmp;

    static boolean staticBusybox() {
        try {
            byte[] head = Files.readAllBytes(BUSYBOX);
            return head.length > 64 && head[0] == 0x7F && head[1] == 'E' && !new String(head, StandardCharsets.ISO_8859_1).contains("/lib64/ld-linux");
        } catch (Exception e) {
            return false;
        }
    }

    static void fixture(Path dir) throws Exception {
        Files.createDirectories(dir.resolve("d"));
        Files.writeString(dir.resolve("in.txt"), "banana 3\napple 10\ncherry 7\napple 2\n");
        Files.writeString(dir.resolve("d/y"), "x\n");
        try (var gz = new java.util.zip.GZIPOutputStream(Files.newOutputStream(dir.resolve("in.gz")))) {
            gz.write(Files.readAllBytes(dir.resolve("in.txt")));
        }
        Files.createSymbolicLink(dir.resolve("link"), Path.of("in.txt"));
        FileTime t = FileTime.from(java.time.Instant.parse("2026-01-01T00:00:00Z"));
        Files.setLastModifiedTime(dir.resolve("in.txt"), t);
        Files.setLastModifiedTime(dir.resolve("d/y"), t);
        Files.setLastModifiedTime(dir.resolve("in.gz"), t);
    }

    static final String STDIN = "banana 3\napple 10\ncherry 7\napple 2\n";

    @ParameterizedTest
    @ValueSource(strings = {"cat in.txt", "wc in.txt", "sort in.txt", "sort -u -r in.txt", "head -n 2 in.txt", "tail -n 2 in.txt",
        "cut -d\u0020 -f2 in.txt", "tr a-z A-Z", "ls", "ls -la d", "ls -l", "stat -c %n|%s|%a|%F|%h in.txt d link",
        "cp in.txt out.txt", "cp -r d d2", "mv in.txt moved.txt", "mv d d3", "rm in.txt", "rm -r d", "rm nope", "mkdir -p a/b/c",
        "mkdir d", "rmdir d", "uniq", "md5sum in.txt", "readlink link", "ln -s in.txt l2", "ln in.txt h", "touch newfile",
        "chmod 600 in.txt", "du -s .", "find .", "grep apple in.txt", "sed -i s/apple/pear/ in.txt", "tac in.txt", "od -c in.txt",
        "cat nonexistent", "dd if=in.txt of=o bs=4 count=2", "tee t.txt", "split -l 2 in.txt", "truncate -s 3 in.txt", "pwd",
        "awk {s+=$2}END{print|s,NR} in.txt", "sha256sum in.txt", "gzip -c in.txt", "gzip in.txt", "tar cf t.tar in.txt",
        "base64 in.txt", "seq 3", "seq 1 0.25 2", "sort -n -k2 in.txt", "expr 3 + 4", "expr 7 / 0", "sleep 0.1", "date -u -d @0 +%Y-%m-%d",
        "sh -c echo|hi;x=$((6*7));echo|$x", "sh -c trap|'echo|trapped'|USR1;kill|-USR1|$$;echo|after", "sh -c exit|3", "uniq -c in.txt",
        "gunzip -c in.gz", "gunzip in.gz", "gzip -d -c in.gz"})
    void appletMatchesNative(String command) throws Exception {
        assumeTrue(staticBusybox(), "no static /usr/bin/busybox (apt-get install busybox-static)");
        List<String> args = new ArrayList<>(List.of(command.split(" ")));
        args.replaceAll(a -> a.replace('|', ' ').replace("\\u0020", " "));
        if (command.startsWith("cut")) args.set(1, "-d ");
        if (command.startsWith("stat")) args.set(2, "%n %s %a %F %h");

        Path n = Files.createDirectories(tmp.resolve("native").resolve("w")), l = Files.createDirectories(tmp.resolve("lstar").resolve("w"));
        fixture(n);
        fixture(l);
        List<String> cmd = new ArrayList<>(List.of(BUSYBOX.toString()));
        cmd.addAll(args);
        Path stdin = Files.writeString(tmp.resolve("stdin"), STDIN);
        Process p = new ProcessBuilder(cmd).directory(n.toFile()).redirectInput(stdin.toFile()).start();
        String nOut = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String nErr = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(p.waitFor(30, TimeUnit.SECONDS));

        // the guest starts in the copy (as the native process did), not in the JVM's working directory
        List<String> lcmd = new ArrayList<>(List.of("run", "--engine", "jit", BUSYBOX.toString()));
        lcmd.addAll(args);
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int status = Main.execute(lcmd.toArray(String[]::new), new ByteArrayInputStream(STDIN.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true), new PrintStream(err, true), l);
        String lErr = err.toString(StandardCharsets.UTF_8).lines().filter(s -> !s.startsWith("lstar: warning")).map(s -> s + "\n")
                .reduce("", String::concat);
        assertEquals(nOut, out.toString(StandardCharsets.UTF_8).replace(l.toString(), n.toString()), "stdout");
        assertEquals(nErr, lErr, "stderr");
        assertEquals(p.exitValue(), status, "exit status");
        assertEquals(CliFilesTest.tree(n), CliFilesTest.tree(l), "files left behind");
    }
}
