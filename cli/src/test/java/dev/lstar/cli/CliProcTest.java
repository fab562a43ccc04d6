package dev.lstar.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * /proc/self under {@code lstar run} against the same static busybox run natively: the guest's
 * own descriptors, command line, environment and status (never the JVM's). Natively the three
 * standard descriptors are the harness's pipes, under lstar the embedder's streams (also shown
 * as pipes); pids, pipe inode numbers and times differ and are masked.
 */
class CliProcTest {
    @TempDir
    Path tmp;

    record Run(String out, String err, int status) {}

    Run nativeRun(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(CliBusyboxTest.BUSYBOX.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).start();
        p.getOutputStream().close(); // stdin: an empty pipe
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        assumeTrue(p.waitFor(30, TimeUnit.SECONDS));
        return new Run(out, err, p.exitValue());
    }

    Run lstarRun(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("run", "--engine", "jit", CliBusyboxTest.BUSYBOX.toString()));
        cmd.addAll(List.of(args));
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int status = Main.execute(cmd.toArray(String[]::new), new ByteArrayInputStream(new byte[0]), new PrintStream(out, true),
                new PrintStream(err, true), dir);
        String e = err.toString(StandardCharsets.ISO_8859_1).lines().filter(s -> !s.startsWith("lstar: warning")).map(s -> s + "\n")
                .reduce("", String::concat);
        return new Run(out.toString(StandardCharsets.ISO_8859_1), e, status);
    }

    Path dir(String name) throws Exception {
        Path d = Files.createDirectories(tmp.resolve(name).resolve("w"));
        Files.writeString(d.resolve("in.txt"), "first line\nsecond\n");
        Files.createDirectories(d.resolve("d"));
        return d;
    }

    /** Masks what differs between two processes: pids, pipe inodes, times, the working directory's path. */
    static String mask(String s, Path dir) {
        return s.replace(dir.toString(), "DIR").replaceAll("pipe:\\[\\d+]", "pipe:[N]").replaceAll("/proc/\\d+/", "/proc/PID/").replaceAll("'/proc/self' -> '\\d+'", "'/proc/self' -> 'PID'")
                .replaceAll("[A-Z][a-z]{2} +\\d+ \\d\\d:\\d\\d", "DATE");
    }

    void sameAsNative(String... args) throws Exception {
        assumeTrue(CliBusyboxTest.staticBusybox(), "no static /usr/bin/busybox (apt-get install busybox-static)");
        Path n = dir("native"), l = dir("lstar");
        Run nr = nativeRun(n, args), lr = lstarRun(l, args);
        assertEquals(mask(nr.out(), n), mask(lr.out(), l), "stdout of " + String.join(" ", args));
        assertEquals(mask(nr.err(), n), mask(lr.err(), l), "stderr");
        assertEquals(nr.status(), lr.status(), "exit status");
    }

    @Test
    void lsOfTheFdDirectory() throws Exception {
        sameAsNative("ls", "-l", "/proc/self/fd"); // 0-2 pipes; 3, ls's own directory, is closed before its link is read
        assumeTrue(CliBusyboxTest.staticBusybox());
        Path n = dir("native"), l = dir("lstar");
        List<String> all = nativeRun(n, "ls", "-1", "/proc/self/").out().lines().toList();
        List<String> some = lstarRun(l, "ls", "-1", "/proc/self/").out().lines().toList();
        assertTrue(all.containsAll(some) && some.size() >= 14, "lstar's /proc/self names are Linux's: " + some);
    }

    @Test
    void descriptorsTheGuestOpened() throws Exception {
        // the shell opens 3, 4 and 5, lists them by a glob, reads and writes through the links
        sameAsNative("sh", "-c", "exec 3<in.txt 4>o.txt 5<d; echo /proc/self/fd/*; read l </proc/self/fd/3; echo $l; read l <&3; echo $l;"
                + " echo hi >/proc/self/fd/4; read l <o.txt; echo $l; cd /proc/self/fd/5; echo $PWD");
        sameAsNative("stat", "-c", "%N %F %s %a", "/proc/self/fd/0", "/proc/self/fd/1", "/proc/self", "/proc/self/", "/proc/self/fd");
        sameAsNative("stat", "-L", "-c", "%F", "/proc/self/fd/0", "/proc/self/cwd", "/proc/self/root", "/proc/self/exe");
        sameAsNative("readlink", "/proc/self/cwd", "/proc/self/root", "/proc/self/exe", "/proc/self/fd/2");
        sameAsNative("cat", "/proc/self/limits-not-there");
    }

    @Test
    void cmdlineAndComm() throws Exception {
        sameAsNative("cat", "/proc/self/cmdline");
        sameAsNative("cat", "/proc/self/comm");
        sameAsNative("cat", "/proc/self/comm", "/proc/thread-self/comm");
    }

    @Test
    void environIsTheGuestsEnvironment() throws Exception {
        assumeTrue(CliBusyboxTest.staticBusybox());
        Path n = dir("native"), l = dir("lstar");
        // the same variables (the JVM's own environment, which both inherit), in possibly another order
        List<String> nv = new ArrayList<>(Arrays.asList(nativeRun(n, "cat", "/proc/self/environ").out().split("\0")));
        List<String> lv = new ArrayList<>(Arrays.asList(lstarRun(l, "cat", "/proc/self/environ").out().split("\0")));
        nv.removeIf(s -> s.startsWith("PWD=") || s.startsWith("OLDPWD="));
        lv.removeIf(s -> s.startsWith("PWD=") || s.startsWith("OLDPWD="));
        nv.sort(null);
        lv.sort(null);
        assertEquals(nv, lv);
    }

    static Map<String, String> fields(String status) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : status.split("\n")) m.put(line.substring(0, line.indexOf(':')), line.substring(line.indexOf(':') + 1).trim());
        return m;
    }

    @Test
    void statusAndStat() throws Exception {
        assumeTrue(CliBusyboxTest.staticBusybox());
        Path n = dir("native"), l = dir("lstar");
        Map<String, String> nf = fields(nativeRun(n, "cat", "/proc/self/status").out());
        Map<String, String> lf = fields(lstarRun(l, "cat", "/proc/self/status").out());
        // every line lstar prints is one Linux prints, in Linux's order
        List<String> nk = new ArrayList<>(nf.keySet());
        nk.retainAll(lf.keySet());
        assertEquals(new ArrayList<>(lf.keySet()), nk, "lstar's lines in Linux's order");
        for (String k : new String[] {"Name", "Umask", "State", "Uid", "Gid", "Threads", "SigPnd", "ShdPnd", "SigBlk", "SigCgt",
            "NoNewPrivs", "Seccomp", "CapInh", "CapAmb", "VmLck", "VmPin", "VmSwap", "HugetlbPages", "CoreDumping"}) {
            assertEquals(nf.get(k), lf.get(k), k);
        }
        // SigIgn: the JVM starts its children with signals 32 and 33 ignored, lstar's guest starts clean
        assertEquals("0000000000000000", lf.get("SigIgn"));
        assertEquals("1", lf.get("Pid"));
        assertEquals("0", lf.get("PPid"));
        assertTrue(lf.get("VmRSS").matches("[1-9]\\d* kB"), lf.get("VmRSS"));
        // stat: 52 fields, the same state, flags-free shape
        String ns = nativeRun(n, "cat", "/proc/self/stat").out(), ls = lstarRun(l, "cat", "/proc/self/stat").out();
        String[] a = ns.substring(ns.indexOf(") ") + 2).trim().split(" "), b = ls.substring(ls.indexOf(") ") + 2).trim().split(" ");
        assertEquals(a.length, b.length, "fields after comm");
        assertEquals(ns.substring(ns.indexOf(" ("), ns.indexOf(") ") + 3), ls.substring(ls.indexOf(" ("), ls.indexOf(") ") + 3), "comm and state");
        for (int i : new int[] {4, 5, 8, 10, 13, 14, 15, 16, 17, 18, 22, 23, 24, 26, 27, 35, 37, 38, 39, 40, 41, 42, 43}) {
            assertEquals(a[i], b[i], "stat field " + (i + 3));
        }
    }
}
