package dev.lstar.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * busybox's view of the system-wide /proc files under {@code lstar run}: free shows the modelled
 * RAM (--memory less the 16 MiB lstar keeps), nproc and /proc/cpuinfo one processor with lstar's
 * flags, uptime the machine's, /proc/sys/kernel/osrelease what uname says; the layouts of free
 * and uptime are the native run's.
 */
class CliSystemProcTest {
    @TempDir
    Path tmp;

    record Run(String out, int status) {}

    Run lstar(String... args) {
        List<String> cmd = new ArrayList<>(List.of("run", "--engine", "jit"));
        cmd.addAll(List.of(args));
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int status = Main.execute(cmd.toArray(String[]::new), new ByteArrayInputStream(new byte[0]), new PrintStream(out, true),
                new PrintStream(err, true), tmp);
        return new Run(out.toString(StandardCharsets.ISO_8859_1), status);
    }

    Run lstarBusybox(String... args) {
        List<String> a = new ArrayList<>(List.of("--memory", "128M", CliBusyboxTest.BUSYBOX.toString()));
        a.addAll(List.of(args));
        return lstar(a.toArray(String[]::new));
    }

    String nativeBusybox(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(CliBusyboxTest.BUSYBOX.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(tmp.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        assumeTrue(p.waitFor(30, TimeUnit.SECONDS));
        return out;
    }

    @Test
    void freeNprocUptimeAndCpuinfo() throws Exception {
        assumeTrue(CliBusyboxTest.staticBusybox(), "no static /usr/bin/busybox (apt-get install busybox-static)");
        Run free = lstarBusybox("free");
        assertEquals(0, free.status());
        String[] lines = free.out().split("\n");
        assertEquals(nativeBusybox("free").split("\n")[0], lines[0], "the same header");
        String[] mem = lines[1].trim().split(" +");
        assertEquals("Mem:", mem[0]);
        assertEquals(Long.toString((128 - 16) * 1024), mem[1], "total: the modelled RAM, not the host's: " + free.out());
        long used = Long.parseLong(mem[2]), freeKb = Long.parseLong(mem[3]);
        assertTrue(used > 0 && freeKb > 100 * 1024 && freeKb < 112 * 1024, free.out());
        assertTrue(lines[2].trim().matches("Swap: +0 +0 +0"), lines[2]);

        assertEquals(new Run("1\n", 0), lstarBusybox("nproc"));

        Run up = lstarBusybox("uptime");
        assertTrue(up.out().matches(" \\d\\d:\\d\\d:\\d\\d up 0 min,  0 users,  load average: 0\\.00, 0\\.00, 0\\.00\n"), up.out());

        Run cpu = lstarBusybox("grep", "-c", "^processor", "/proc/cpuinfo");
        assertEquals("1\n", cpu.out());
        Run flags = lstarBusybox("grep", "^flags", "/proc/cpuinfo");
        assertTrue(flags.out().startsWith("flags\t\t: fpu ") && flags.out().contains(" sse4_2 ") && !flags.out().contains(" avx"), flags.out());
        Run amd = lstar("--cpu", "amd", "--memory", "128M", CliBusyboxTest.BUSYBOX.toString(), "grep", "^vendor_id", "/proc/cpuinfo");
        assertEquals("vendor_id\t: AuthenticAMD\n", amd.out());

        Run rel = lstarBusybox("sh", "-c", "uname -r; cat /proc/sys/kernel/osrelease /proc/sys/kernel/hostname; uname -n");
        String[] r = rel.out().split("\n");
        assertEquals(4, r.length, rel.out());
        assertEquals(r[0], r[1], "osrelease is uname's release");
        assertEquals(r[2], r[3], "hostname is uname's nodename");
        Run aslr = lstar("--no-aslr", "--memory", "128M", CliBusyboxTest.BUSYBOX.toString(), "cat", "/proc/sys/kernel/randomize_va_space");
        assertEquals("0\n", aslr.out());
        assertFalse(lstarBusybox("cat", "/proc/version").out().contains(System.getProperty("os.version")), "not the host's kernel");
    }
}
