package dev.lstar.kernel;

import static dev.lstar.kernel.Errno.*;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import dev.lstar.kernel.vfs.Vfs;
import dev.lstar.runtime.Vendor;
import dev.lstar.runtime.sys.Cpuid;

import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The system-wide /proc files are lstar's machine, not the host's: cpuinfo from lstar's CPUID,
 * meminfo from the modelled RAM (what sysinfo says), uptime, loadavg, stat, version (what uname
 * says) and the sysctls of /proc/sys/kernel and /proc/sys/vm. Formats are compared with the
 * host's own files where it has them (field names and their order).
 */
class SystemProcFsTest extends FileSyscallsTestBase {
    FileSystem fs;
    KernelConfig cfg = LinuxKernelBootTest.quiet();

    @Override KernelConfig config() { return cfg; }

    @AfterEach
    void tearDown() throws Exception {
        if (fs != null) fs.close();
    }

    void bootHost() throws Exception {
        boot(Vfs.host());
    }

    void bootJail() throws Exception {
        fs = Jimfs.newFileSystem(Configuration.unix().toBuilder().setAttributeViews("basic", "owner", "posix", "unix").build());
        Path jail = fs.getPath("/jail");
        Files.createDirectories(jail);
        boot(Vfs.confined(jail));
    }

    /** "name: value" lines of a /proc file (the first block of cpuinfo) as an ordered map. */
    static Map<String, String> fields(String text) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty()) break;
            int c = line.indexOf(':');
            if (c < 0) continue;
            m.put(line.substring(0, c).strip(), line.substring(c + 1).strip());
        }
        return m;
    }

    /** Whether {@code sub}'s names appear in {@code all} in the same order. */
    static void assertSubsequence(List<String> sub, List<String> all, String what) {
        int i = 0;
        for (String n : all) if (i < sub.size() && sub.get(i).equals(n)) i++;
        assertEquals(sub.size(), i, what + ": lstar's fields " + sub + " are not in the host's order " + all);
    }

    static String host(String path) throws Exception {
        Path p = Path.of(path);
        return Files.isReadable(p) ? Files.readString(p) : null;
    }

    // ---------------------------------------------------------------- cpuinfo

    /** Where each flag name lives: leaf, register (0 EAX .. 3 EDX), bit — independent of SystemFiles' tables. */
    static final Map<String, int[]> FLAG_BITS = Map.ofEntries(
            Map.entry("fpu", new int[] {1, 3, 0}), Map.entry("de", new int[] {1, 3, 2}), Map.entry("pse", new int[] {1, 3, 3}),
            Map.entry("tsc", new int[] {1, 3, 4}), Map.entry("msr", new int[] {1, 3, 5}), Map.entry("pae", new int[] {1, 3, 6}),
            Map.entry("mce", new int[] {1, 3, 7}), Map.entry("cx8", new int[] {1, 3, 8}), Map.entry("pge", new int[] {1, 3, 13}),
            Map.entry("cmov", new int[] {1, 3, 15}), Map.entry("clflush", new int[] {1, 3, 19}), Map.entry("mmx", new int[] {1, 3, 23}),
            Map.entry("fxsr", new int[] {1, 3, 24}), Map.entry("sse", new int[] {1, 3, 25}), Map.entry("sse2", new int[] {1, 3, 26}),
            Map.entry("syscall", new int[] {0x8000_0001, 3, 11}), Map.entry("nx", new int[] {0x8000_0001, 3, 20}),
            Map.entry("pdpe1gb", new int[] {0x8000_0001, 3, 26}), Map.entry("rdtscp", new int[] {0x8000_0001, 3, 27}),
            Map.entry("lm", new int[] {0x8000_0001, 3, 29}), Map.entry("pni", new int[] {1, 2, 0}), Map.entry("ssse3", new int[] {1, 2, 9}),
            Map.entry("cx16", new int[] {1, 2, 13}), Map.entry("pcid", new int[] {1, 2, 17}), Map.entry("sse4_1", new int[] {1, 2, 19}),
            Map.entry("sse4_2", new int[] {1, 2, 20}), Map.entry("movbe", new int[] {1, 2, 22}), Map.entry("popcnt", new int[] {1, 2, 23}),
            Map.entry("lahf_lm", new int[] {0x8000_0001, 2, 0}), Map.entry("abm", new int[] {0x8000_0001, 2, 5}),
            Map.entry("fsgsbase", new int[] {7, 1, 0}), Map.entry("smep", new int[] {7, 1, 7}), Map.entry("invpcid", new int[] {7, 1, 10}),
            Map.entry("adx", new int[] {7, 1, 19}), Map.entry("smap", new int[] {7, 1, 20}), Map.entry("umip", new int[] {7, 2, 2}),
            Map.entry("la57", new int[] {7, 2, 16}), Map.entry("rdpid", new int[] {7, 2, 22}));

    @Test
    void everyFlagIsACpuidBitLstarSetsAndEverySetBitIsNamed() {
        for (Vendor v : Vendor.values()) {
            for (boolean five : new boolean[] {false, true}) {
                List<String> flags = SystemFiles.flags(v, five);
                for (String f : flags) {
                    int[] at = FLAG_BITS.get(f);
                    assertNotNull(at, v + ": flag " + f + " is not one this test knows the CPUID bit of");
                    int reg = SystemFiles.cpuid(v, at[0], 0)[at[1]];
                    assertTrue((reg & (1 << at[2])) != 0, v + ": flag " + f + " but CPUID leaf 0x" + Integer.toHexString(at[0]) + " clears its bit");
                }
                // the other way: every bit lstar's CPUID sets in these words is shown (AMD's copies of leaf-1 EDX bits excepted,
                // and LA57 only with 5-level paging, as Linux clears it otherwise)
                for (int[] w : new int[][] {{1, 3}, {1, 2}, {7, 1}, {7, 2}, {0x8000_0001, 3}, {0x8000_0001, 2}}) {
                    int reg = SystemFiles.cpuid(v, w[0], 0)[w[1]];
                    for (int bit = 0; bit < 32; bit++) {
                        if ((reg & (1 << bit)) == 0) continue;
                        if (w[0] == 0x8000_0001 && w[1] == 3 && (Cpuid.LEAF1_EDX & (1 << bit)) != 0 && v == Vendor.AMD) continue;
                        if (w[0] == 7 && w[1] == 2 && bit == 16 && !five) continue;
                        int leaf = w[0], r = w[1], b = bit;
                        assertTrue(FLAG_BITS.entrySet().stream().anyMatch(e -> e.getValue()[0] == leaf && e.getValue()[1] == r
                                        && e.getValue()[2] == b && flags.contains(e.getKey())),
                                v + ": CPUID leaf 0x" + Integer.toHexString(leaf) + " reg " + r + " bit " + bit + " is set but no flag shows it");
                    }
                }
                assertEquals(five, flags.contains("la57"));
                assertFalse(flags.contains("avx") || flags.contains("avx2") || flags.contains("avx512f"), "lstar has no AVX");
                assertTrue(flags.containsAll(List.of("sse", "sse2", "pni", "ssse3", "sse4_1", "sse4_2", "popcnt", "cx16", "lahf_lm")),
                        "x86-64-v2: " + flags);
            }
        }
    }

    @Test
    void cpuinfoIsLstarsProcessorIntel() throws Exception {
        bootHost();
        String text = cat("/proc/cpuinfo");
        Map<String, String> f = fields(text);
        assertEquals("0", f.get("processor"));
        assertEquals("GenuineIntel", f.get("vendor_id"));
        assertEquals("6", f.get("cpu family"));
        assertEquals("85", f.get("model"));
        assertEquals("4", f.get("stepping"));
        assertEquals("lstar virtual x86-64 processor", f.get("model name"));
        assertEquals("1000.000", f.get("cpu MHz"));
        assertEquals("1", f.get("siblings"));
        assertEquals("1", f.get("cpu cores"));
        assertEquals("7", f.get("cpuid level"));
        assertEquals("2000.00", f.get("bogomips"));
        assertEquals("64", f.get("clflush size"));
        assertEquals("64", f.get("cache_alignment"));
        assertEquals(dev.lstar.runtime.sys.Features.MAXPHYADDR + " bits physical, 57 bits virtual", f.get("address sizes"));
        assertEquals(String.join(" ", SystemFiles.flags(Vendor.INTEL, false)), f.get("flags"));
        assertTrue(text.endsWith("power management:\n\n"), text);
        assertEquals(1, text.split("processor\t:").length - 1, "one processor, as sched_getaffinity says");
        String h = host("/proc/cpuinfo");
        if (h != null) {
            Map<String, String> hf = fields(h);
            List<String> ours = new ArrayList<>(f.keySet());
            assertSubsequence(ours, new ArrayList<>(hf.keySet()), "cpuinfo");
            // the same tab layout as the host's lines
            for (String line : text.split("\n")) {
                if (line.isEmpty() || line.startsWith("flags") || line.startsWith("bugs")) continue;
                String name = line.substring(0, line.indexOf(':')).strip();
                String hostLine = Arrays.stream(h.split("\n")).filter(l -> l.startsWith(name) && l.indexOf(':') > 0
                        && l.substring(0, l.indexOf(':')).strip().equals(name)).findFirst().orElse(null);
                if (hostLine != null) assertEquals(hostLine.substring(0, hostLine.indexOf(':') + 1), line.substring(0, line.indexOf(':') + 1), name);
            }
        }
    }

    @Test
    void cpuinfoIsLstarsProcessorAmd() throws Exception {
        cfg = cfg.withVendor(Vendor.AMD).withFiveLevel(true);
        bootHost();
        Map<String, String> f = fields(cat("/proc/cpuinfo"));
        assertEquals("AuthenticAMD", f.get("vendor_id"));
        assertEquals("23", f.get("cpu family"));
        assertEquals("49", f.get("model"));
        assertEquals("0", f.get("stepping"));
        assertTrue(f.get("flags").contains(" la57"), "5-level paging on: la57 shown");
        assertTrue(f.get("bugs").contains("sysret_ss_attrs"));
        assertFalse(f.get("bugs").contains("cpu_meltdown"));
    }

    // ---------------------------------------------------------------- meminfo, sysinfo

    @Test
    void meminfoIsTheModelledRamAndAgreesWithSysinfo() throws Exception {
        bootHost();
        long info = buf(112);
        assertTrue(k.process.mm.copyToUser(info, new byte[112], 0, 112)); // populate the buffer's page first
        String text = cat("/proc/meminfo");
        assertEquals(0, call(99, info), "sysinfo");
        Map<String, String> f = fields(text);
        assertEquals((64L << 20) / 1024 - 16 * 1024 + " kB", f.get("MemTotal"));
        assertEquals(u64(info, 32) / 1024 + " kB", f.get("MemTotal"), "sysinfo totalram");
        assertEquals(u64(info, 40) / 1024 + " kB", f.get("MemFree"), "sysinfo freeram: the same frames in use");
        long free = Long.parseLong(f.get("MemFree").replace(" kB", ""));
        assertTrue(free > 0 && free < 48 * 1024, "the guest uses some RAM: " + free);
        assertEquals(f.get("MemFree"), f.get("MemAvailable"));
        assertEquals("0 kB", f.get("SwapTotal"));
        assertEquals("2048 kB", f.get("Hugepagesize"));
        assertEquals(1, u32(info, 80) & 0xFFFF, "one task");
        for (String line : text.split("\n")) {
            assertTrue(line.matches("[A-Za-z_()0-9]+: +\\d+( kB)?"), line);
            assertTrue(line.indexOf(':') >= 15 || line.charAt(16) == ' ' || line.length() >= 24, line);
        }
        String h = host("/proc/meminfo");
        if (h != null) {
            List<String> hostNames = new ArrayList<>(fields(h).keySet());
            List<String> ours = new ArrayList<>(f.keySet());
            ours.retainAll(hostNames); // a field of a kernel option the host lacks
            assertSubsequence(ours, hostNames, "meminfo");
            assertTrue(ours.size() >= 45, "most of 6.6's fields are the host's too: " + ours.size());
            // the same column layout: "Name:" padded to 16, the number right-aligned in 8
            String hostTotal = Arrays.stream(h.split("\n")).filter(l -> l.startsWith("HugePages_Total:")).findFirst().orElse(null);
            if (hostTotal != null) assertEquals(hostTotal.length(), text.lines().filter(l -> l.startsWith("HugePages_Total:")).findFirst().orElseThrow().length());
        }
    }

    // ---------------------------------------------------------------- uptime, loadavg, stat, version, sysctls

    @Test
    void uptimeLoadavgStatVersion() throws Exception {
        bootHost();
        String up = cat("/proc/uptime");
        assertTrue(up.matches("\\d+\\.\\d\\d \\d+\\.\\d\\d\n"), up);
        double upSec = Double.parseDouble(up.split(" ")[0]);
        assertTrue(upSec < 600, "the machine's uptime, not the host's: " + up);
        assertEquals("0.00 0.00 0.00 1/1 1\n", cat("/proc/loadavg"), "one runnable task, pid 1 the last");
        String stat = cat("/proc/stat");
        List<String> names = stat.lines().map(l -> l.split(" ")[0]).toList();
        assertEquals(List.of("cpu", "cpu0", "intr", "ctxt", "btime", "processes", "procs_running", "procs_blocked", "softirq"), names);
        assertTrue(stat.startsWith("cpu  "), stat);
        assertEquals(11, stat.lines().findFirst().orElseThrow().split(" +").length, "cpu and ten times");
        assertTrue(stat.contains("\nprocesses 1\nprocs_running 1\nprocs_blocked 0\n"), stat);
        long btime = Long.parseLong(stat.lines().filter(l -> l.startsWith("btime ")).findFirst().orElseThrow().substring(6));
        assertTrue(Math.abs(System.currentTimeMillis() / 1000 - btime) < 600, "booted just now: " + btime);
        String h = host("/proc/stat");
        if (h != null) {
            List<String> hostNames = h.lines().map(l -> l.split(" ")[0]).filter(n -> !n.matches("cpu[1-9]\\d*")).toList();
            assertSubsequence(names, hostNames, "stat");
        }
        assertEquals("Linux version 6.6.8-lstar (lstar@lstar) (lstar kernel model) #1 SMP PREEMPT_DYNAMIC lstar\n", cat("/proc/version"));
        long uts = buf(65 * 6);
        assertEquals(0, call(63, uts), "uname");
        assertEquals(peekString(uts + 65 * 2, 11) + "\n", cat("/proc/sys/kernel/osrelease"));
        assertEquals("Linux\n", cat("/proc/sys/kernel/ostype"));
        assertEquals("lstar\n", cat("/proc/sys/kernel/hostname"));
        assertEquals("4194304\n", cat("/proc/sys/kernel/pid_max"));
        assertEquals("2\n", cat("/proc/sys/kernel/randomize_va_space"));
        assertEquals("0\n", cat("/proc/sys/vm/overcommit_memory"));
        assertEquals("4096\n", cat("/proc/sys/vm/mmap_min_addr"));
        assertEquals("28\n", cat("/proc/sys/vm/mmap_rnd_bits"));
        assertEquals(-EACCES, open("/proc/sys/kernel/hostname", O_WRONLY, 0), "read-only");
        assertEquals(-EACCES, open("/proc/cpuinfo", O_RDWR, 0));
        assertEquals(0, stat("/proc/cpuinfo", true));
        assertEquals(0100444, stMode());
        assertEquals(0, stat("/proc/sys/vm/overcommit_memory", true));
        assertEquals(0100644, stMode());
    }

    @Test
    void sysfsCpuListsSayOneCpu() throws Exception {
        bootHost();
        assumeTrue(Files.isDirectory(Path.of("/sys/devices/system/cpu")), "no /sys/devices/system/cpu on this host");
        for (String n : List.of("online", "possible", "present")) assertEquals("0\n", cat("/sys/devices/system/cpu/" + n), n);
        assertEquals(0, stat("/sys/devices/system/cpu/online", true));
        assertEquals(0100444, stMode());
    }

    @Test
    void noAslrShowsRandomizeVaSpaceZero() throws Exception {
        cfg = cfg.withAslr(false);
        bootHost();
        assertEquals("0\n", cat("/proc/sys/kernel/randomize_va_space"));
    }

    @Test
    void lstarsOwnProcUnderARootListsThem() throws Exception {
        bootJail();
        List<String> top = list("/proc").stream().filter(s -> !s.startsWith(".")).sorted().toList();
        assertEquals(List.of("1:4", "cpuinfo:8", "loadavg:8", "meminfo:8", "self:10", "stat:8", "sys:4", "thread-self:10",
                "uptime:8", "version:8"), top);
        assertEquals(List.of("kernel:4", "vm:4"), list("/proc/sys").stream().filter(s -> !s.startsWith(".")).sorted().toList());
        assertEquals(List.of("hostname:8", "osrelease:8", "ostype:8", "pid_max:8", "randomize_va_space:8"),
                list("/proc/sys/kernel").stream().filter(s -> !s.startsWith(".")).sorted().toList());
        assertEquals(List.of("mmap_min_addr:8", "mmap_rnd_bits:8", "overcommit_memory:8"),
                list("/proc/sys/vm").stream().filter(s -> !s.startsWith(".")).sorted().toList());
        assertTrue(cat("/proc/cpuinfo").startsWith("processor\t: 0\nvendor_id\t: GenuineIntel\n"));
        assertEquals(-ENOENT, open("/proc/sys/kernel/nothing", O_RDONLY, 0));
        assertEquals(-ENOENT, open("/proc/sys/fs/file-max", O_RDONLY, 0));
    }
}
