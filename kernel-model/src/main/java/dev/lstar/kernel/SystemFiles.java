package dev.lstar.kernel;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.Vendor;
import dev.lstar.runtime.sys.Cpuid;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The system-wide /proc files, generated from lstar's machine rather than the host's: cpuinfo
 * (from lstar's own CPUID, arch/x86/kernel/cpu/proc.c of Linux 6.6), meminfo (the modelled RAM,
 * fs/proc/meminfo.c), uptime, loadavg, stat, version, and the sysctls under /proc/sys/kernel and
 * /proc/sys/vm that the kernel model decides, and sysfs's CPU lists (/sys/devices/system/cpu/online,
 * possible, present: "0", the one CPU, which glibc's sysconf(_SC_NPROCESSORS_ONLN) reads before
 * anything else). Each is a snapshot made at open, as seq_file's first read makes one.
 */
final class SystemFiles implements dev.lstar.kernel.vfs.Vfs.SystemProc {
    /** utsname of the model (uname(2) returns the same strings). */
    static final String SYSNAME = "Linux", NODENAME = "lstar", RELEASE = "6.6.8-lstar",
            VERSION = "#1 SMP PREEMPT_DYNAMIC lstar", MACHINE = "x86_64", DOMAINNAME = "(none)";
    /** pid_max: alloc_pid wraps above 4194303 ({@link LinuxKernel#allocPid}). */
    static final int PID_MAX = 4_194_304;
    /**
     * The clock lstar claims for its one CPU: "cpu MHz" and bogomips (lpj of a TSC-calibrated
     * delay loop: 2 x cpu_khz / 1000). The TSC counts retired instructions and CPUID has no
     * 0x15/0x16 frequency leaves, so this is a fixed, documented nominal value, not a measurement.
     */
    static final int CPU_KHZ = 1_000_000;

    /** The names /proc serves from here (at its top level, and under /proc/sys). */
    static final List<String> TOP = List.of("cpuinfo", "meminfo", "uptime", "loadavg", "stat", "version");
    static final List<String> SYS_KERNEL = List.of("hostname", "osrelease", "ostype", "pid_max", "randomize_va_space");
    static final List<String> SYS_VM = List.of("mmap_min_addr", "mmap_rnd_bits", "overcommit_memory");

    private final LinuxKernel k;
    /** Wall-clock time at boot in seconds (btime). */
    private final long bootEpochSec;
    private String cpuinfo;

    SystemFiles(LinuxKernel k) {
        this.k = k;
        long sinceBoot = System.nanoTime() - k.bootNanos;
        this.bootEpochSec = (System.currentTimeMillis() - sinceBoot / 1_000_000) / 1000;
    }

    /** Whether {@code rel} (a path below /proc, "cpuinfo" or "sys/vm/mmap_min_addr") is one of these files. */
    /** The CPU lists of sysfs that glibc's get_nprocs/get_nprocs_conf read (sysconf(_SC_NPROCESSORS_*)). */
    static final List<String> SYS_CPU = List.of("online", "possible", "present");

    @Override public boolean serves(String guest) {
        if (guest.startsWith("/sys/devices/system/cpu/")) return SYS_CPU.contains(guest.substring(24));
        return guest.startsWith("/proc/") && isServed(guest.substring(6));
    }

    static boolean isServed(String rel) {
        if (TOP.contains(rel)) return true;
        if (rel.startsWith("sys/kernel/")) return SYS_KERNEL.contains(rel.substring(11));
        if (rel.startsWith("sys/vm/")) return SYS_VM.contains(rel.substring(7));
        return false;
    }

    /** The bytes of file {@code guest} (a guest path this {@link #serves}) now. */
    @Override public byte[] content(String guest) {
        if (guest.startsWith("/sys/devices/system/cpu/")) { // CPUs 0..n-1
            int n = k.cpus.length;
            return (n == 1 ? "0\n" : "0-" + (n - 1) + "\n").getBytes(StandardCharsets.ISO_8859_1);
        }
        String rel = guest.substring("/proc/".length());
        String s = switch (rel) {
            case "cpuinfo" -> cpuinfo();
            case "meminfo" -> meminfo();
            case "uptime" -> uptime();
            case "loadavg" -> loadavg();
            case "stat" -> stat();
            case "version" -> "Linux version " + RELEASE + " (lstar@lstar) (lstar kernel model) " + VERSION + "\n";
            case "sys/kernel/hostname" -> NODENAME + "\n";
            case "sys/kernel/osrelease" -> RELEASE + "\n";
            case "sys/kernel/ostype" -> SYSNAME + "\n";
            case "sys/kernel/pid_max" -> PID_MAX + "\n";
            case "sys/kernel/randomize_va_space" -> (k.config.aslr() ? 2 : 0) + "\n";
            case "sys/vm/mmap_min_addr" -> dev.lstar.kernel.elf.ElfFile.MMAP_MIN_ADDR + "\n";
            case "sys/vm/mmap_rnd_bits" -> UserProcess.MMAP_RND_BITS + "\n";
            case "sys/vm/overcommit_memory" -> "0\n"; // OVERCOMMIT_GUESS, the heuristic AddressSpace applies
            default -> "";
        };
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    // ---------------------------------------------------------------- cpuinfo

    /** Linux's flag names (x86_cap_flags) of the CPUID feature words it shows, by bit; null: no name. */
    static final String[] WORD0_1_EDX = names(0, "fpu", 1, "vme", 2, "de", 3, "pse", 4, "tsc", 5, "msr", 6, "pae", 7, "mce",
            8, "cx8", 9, "apic", 11, "sep", 12, "mtrr", 13, "pge", 14, "mca", 15, "cmov", 16, "pat", 17, "pse36", 18, "pn",
            19, "clflush", 21, "dts", 22, "acpi", 23, "mmx", 24, "fxsr", 25, "sse", 26, "sse2", 27, "ss", 28, "ht", 29, "tm",
            30, "ia64", 31, "pbe");
    /** Word 1, 0x80000001 EDX: only the bits that do not duplicate leaf 1 EDX have names. */
    static final String[] WORD1_EXT1_EDX = names(11, "syscall", 19, "mp", 20, "nx", 22, "mmxext", 25, "fxsr_opt",
            26, "pdpe1gb", 27, "rdtscp", 29, "lm", 30, "3dnowext", 31, "3dnow");
    /** Word 4, leaf 1 ECX (OSXSAVE, bit 27, has no name: it mirrors CR4). */
    static final String[] WORD4_1_ECX = names(0, "pni", 1, "pclmulqdq", 2, "dtes64", 3, "monitor", 4, "ds_cpl", 5, "vmx",
            6, "smx", 7, "est", 8, "tm2", 9, "ssse3", 10, "cid", 11, "sdbg", 12, "fma", 13, "cx16", 14, "xtpr", 15, "pdcm",
            17, "pcid", 18, "dca", 19, "sse4_1", 20, "sse4_2", 21, "x2apic", 22, "movbe", 23, "popcnt",
            24, "tsc_deadline_timer", 25, "aes", 26, "xsave", 28, "avx", 29, "f16c", 30, "rdrand", 31, "hypervisor");
    /** Word 6, 0x80000001 ECX. */
    static final String[] WORD6_EXT1_ECX = names(0, "lahf_lm", 1, "cmp_legacy", 2, "svm", 3, "extapic", 4, "cr8_legacy",
            5, "abm", 6, "sse4a", 7, "misalignsse", 8, "3dnowprefetch", 9, "osvw", 10, "ibs", 11, "xop", 12, "skinit",
            13, "wdt", 15, "lwp", 16, "fma4", 17, "tce", 19, "nodeid_msr", 21, "tbm", 22, "topoext", 23, "perfctr_core",
            24, "perfctr_nb", 26, "bpext", 27, "ptsc", 28, "perfctr_llc", 29, "mwaitx");
    /** Word 9, leaf 7.0 EBX (FDP_EXCPTN_ONLY, bit 6, and ZERO_FCS_FDS, bit 13, have no names). */
    static final String[] WORD9_7_EBX = names(0, "fsgsbase", 1, "tsc_adjust", 2, "sgx", 3, "bmi1", 4, "hle", 5, "avx2",
            7, "smep", 8, "bmi2", 9, "erms", 10, "invpcid", 11, "rtm", 12, "cqm", 14, "mpx", 15, "rdt_a", 16, "avx512f",
            17, "avx512dq", 18, "rdseed", 19, "adx", 20, "smap", 21, "avx512ifma", 23, "clflushopt", 24, "clwb",
            25, "intel_pt", 26, "avx512pf", 27, "avx512er", 28, "avx512cd", 29, "sha_ni", 30, "avx512bw", 31, "avx512vl");
    /** Word 16, leaf 7.0 ECX. */
    static final String[] WORD16_7_ECX = names(1, "avx512vbmi", 2, "umip", 3, "pku", 4, "ospke", 5, "waitpkg",
            6, "avx512_vbmi2", 8, "gfni", 9, "vaes", 10, "vpclmulqdq", 11, "avx512_vnni", 12, "avx512_bitalg", 13, "tme",
            14, "avx512_vpopcntdq", 16, "la57", 22, "rdpid", 24, "bus_lock_detect", 25, "cldemote", 27, "movdiri",
            28, "movdir64b", 29, "enqcmd", 30, "sgx_lc");

    private static String[] names(Object... bitName) {
        String[] n = new String[32];
        for (int i = 0; i < bitName.length; i += 2) n[(Integer) bitName[i]] = (String) bitName[i + 1];
        return n;
    }

    /** CPUID leaf/subleaf as lstar's processor answers it: {EAX, EBX, ECX, EDX}. */
    static int[] cpuid(Vendor vendor, int leaf, int sub) {
        Cpu c = new Cpu(vendor);
        c.r[Cpu.RAX] = leaf & 0xFFFF_FFFFL;
        c.r[Cpu.RCX] = sub & 0xFFFF_FFFFL;
        Cpuid.cpuid(c);
        return new int[] {(int) c.r[Cpu.RAX], (int) c.r[Cpu.RBX], (int) c.r[Cpu.RCX], (int) c.r[Cpu.RDX]};
    }

    /**
     * The flags line's names, in Linux's order (by capability word, then bit): the named bits of
     * leaf 1 EDX, 0x80000001 EDX, leaf 1 ECX, 0x80000001 ECX, leaf 7.0 EBX and ECX that lstar's
     * CPUID sets. LA57 is left out unless 5-level paging is on, as Linux clears it when
     * pgtable_l5_enabled() is false. Linux's synthetic flags (constant_tsc, cpuid, pti...) are
     * not CPUID bits and are not shown.
     */
    static List<String> flags(Vendor vendor, boolean fiveLevel) {
        int[] l1 = cpuid(vendor, 1, 0), l7 = cpuid(vendor, 7, 0), e1 = cpuid(vendor, 0x8000_0001, 0);
        int maxBasic = cpuid(vendor, 0, 0)[0];
        List<String> out = new ArrayList<>();
        add(out, WORD0_1_EDX, l1[3]);
        add(out, WORD1_EXT1_EDX, e1[3]);
        add(out, WORD4_1_ECX, l1[2]);
        add(out, WORD6_EXT1_ECX, e1[2]);
        if (maxBasic >= 7) {
            add(out, WORD9_7_EBX, l7[1]);
            add(out, WORD16_7_ECX, fiveLevel ? l7[2] : l7[2] & ~(1 << 16));
        }
        return out;
    }

    private static void add(List<String> out, String[] names, int bits) {
        for (int i = 0; i < 32; i++) if ((bits & (1 << i)) != 0 && names[i] != null) out.add(names[i]);
    }

    /**
     * The bugs line: what Linux 6.6's cpu_set_bug_bits (and init_amd) decide for the signature
     * lstar reports, with no IA32_ARCH_CAPABILITIES MSR (CPUID.7:EDX[29] is clear) and neither
     * RTM nor RDRAND: Intel family 6 model 0x55 (Skylake-X) is on none of the whitelists and on
     * the MMIO, RETBLEED and GDS lists; AMD family 0x17 has no Meltdown, L1TF or MDS and is on the
     * RETBLEED, SMT_RSB and SRSO lists, and every AMD CPU has the SYSRET SS attributes quirk (which
     * lstar models). lstar's processor does not speculate, so none of these can be exploited; the
     * line is the kernel's verdict for the advertised model, as a guest would see it.
     */
    static String bugs(Vendor vendor) {
        return vendor == Vendor.INTEL
                ? "cpu_meltdown spectre_v1 spectre_v2 spec_store_bypass l1tf mds swapgs itlb_multihit mmio_stale_data retbleed gds"
                : "sysret_ss_attrs spectre_v1 spectre_v2 spec_store_bypass retbleed smt_rsb srso";
    }

    /**
     * Linux's x86_cache_size in KiB: on Intel the largest level leaf 4 describes (ways x partitions
     * x line x sets), on AMD the L2 size of 0x80000006; 0 when the leaves are empty.
     */
    static int cacheSizeKib(Vendor v) {
        if (v == Vendor.INTEL) {
            long best = 0;
            for (int sub = 0; ; sub++) {
                int[] r = cpuid(v, 4, sub);
                if ((r[0] & 0x1F) == 0) break;
                long bytes = (long) ((r[1] >>> 22) + 1) * (((r[1] >>> 12) & 0x3FF) + 1) * ((r[1] & 0xFFF) + 1) * (r[2] + 1L);
                best = Math.max(best, bytes);
            }
            return (int) (best >> 10);
        }
        return cpuid(v, 0x8000_0006, 0)[2] >>> 16;
    }

    /** /proc/cpuinfo: show_cpuinfo for each modelled CPU (one package, one core per CPU, no SMT). */
    String cpuinfo() {
        if (cpuinfo != null) return cpuinfo;
        Vendor v = k.config.vendor();
        int[] l0 = cpuid(v, 0, 0), l1 = cpuid(v, 1, 0), x0 = cpuid(v, 0x8000_0000, 0), x8 = cpuid(v, 0x8000_0008, 0);
        String vendorId = str4(l0[1]) + str4(l0[3]) + str4(l0[2]);
        int sig = l1[0];
        int family = (sig >> 8) & 0xF, model = (sig >> 4) & 0xF, stepping = sig & 0xF;
        if (family == 0xF) family += (sig >> 20) & 0xFF;
        if (family >= 6) model |= ((sig >> 16) & 0xF) << 4;
        StringBuilder brand = new StringBuilder();
        if (Integer.compareUnsigned(x0[0], 0x8000_0004) >= 0) {
            for (int leaf = 0x8000_0002; leaf <= 0x8000_0004; leaf++) for (int r : cpuid(v, leaf, 0)) brand.append(str4(r));
        }
        String modelName = brand.toString().replace("\0", "").strip();
        int clflush = ((l1[1] >> 8) & 0xFF) * 8;
        int apic = (l1[1] >>> 24) & 0xFF;
        StringBuilder s = new StringBuilder();
        int ncpu = k.cpus.length;
        for (int cpu = 0; cpu < ncpu; cpu++) {
        s.append("processor\t: ").append(cpu).append('\n');
        s.append("vendor_id\t: ").append(vendorId).append('\n');
        s.append("cpu family\t: ").append(family).append('\n');
        s.append("model\t\t: ").append(model).append('\n');
        s.append("model name\t: ").append(modelName.isEmpty() ? "unknown" : modelName).append('\n');
        s.append("stepping\t: ").append(stepping).append('\n');
        // microcode: IA32_BIOS_SIGN_ID is not modelled (revision 0), and Linux omits a zero revision
        if ((l1[3] & (1 << 4)) != 0) s.append(String.format(Locale.ROOT, "cpu MHz\t\t: %d.%03d\n", CPU_KHZ / 1000, CPU_KHZ % 1000));
        // cache size: x86_cache_size, from the cache leaves as Linux reads them: Intel's last level
        // from leaf 4 (L3), AMD's L2 from 0x80000006 ECX[31:16]
        int cacheKib = cacheSizeKib(v);
        if (cacheKib > 0) s.append("cache size\t: ").append(cacheKib).append(" KB\n");
        s.append("physical id\t: 0\nsiblings\t: ").append(ncpu).append("\ncore id\t\t: ").append(cpu).append("\ncpu cores\t: ").append(ncpu).append('\n');
        s.append("apicid\t\t: ").append(apic + cpu).append("\ninitial apicid\t: ").append(apic + cpu).append('\n');
        s.append("fpu\t\t: yes\nfpu_exception\t: yes\ncpuid level\t: ").append(l0[0]).append("\nwp\t\t: yes\n");
        s.append("flags\t\t:");
        for (String f : flags(v, k.config.fiveLevel())) s.append(' ').append(f);
        s.append("\nbugs\t\t: ").append(bugs(v)).append('\n');
        long lpj = CPU_KHZ * 1000L / 250; // loops_per_jiffy of a TSC delay loop at HZ=250
        s.append(String.format(Locale.ROOT, "bogomips\t: %d.%02d\n", lpj / (500000 / 250), (lpj / (5000 / 250)) % 100));
        s.append("clflush size\t: ").append(clflush).append('\n');
        s.append("cache_alignment\t: ").append(clflush).append('\n');
        s.append("address sizes\t: ").append(x8[0] & 0xFF).append(" bits physical, ").append((x8[0] >> 8) & 0xFF).append(" bits virtual\n");
        s.append("power management:\n\n"); // 0x80000007 EDX is zero: no power-management features
        }
        return cpuinfo = s.toString();
    }

    private static String str4(int r) {
        return new String(new byte[] {(byte) r, (byte) (r >> 8), (byte) (r >> 16), (byte) (r >> 24)}, StandardCharsets.ISO_8859_1);
    }

    // ---------------------------------------------------------------- meminfo, uptime, loadavg, stat

    /**
     * /proc/meminfo in 6.6's field order (x86-64 with zswap, no CMA, no memory-failure or unaccepted
     * memory). Modelled: MemTotal (totalram: RAM less the 16 MiB lstar keeps), MemFree (frames not in
     * use), MemAvailable (= MemFree: the page cache never gives frames back), Cached (the page cache
     * of mapped files), CommitLimit (overcommit_ratio 50 of RAM, no swap), VmallocTotal and
     * Hugepagesize. The counters the model does not keep are 0.
     */
    String meminfo() {
        long total = k.totalRamBytes() >> 10, free = k.freeRamBytes() >> 10, cached = k.pageCache.pages() * 4L;
        long vmalloc = k.config.fiveLevel() ? 13_743_895_347_199L : 34_359_738_367L;
        Object[][] f = {
            {"MemTotal", total}, {"MemFree", free}, {"MemAvailable", free}, {"Buffers", 0L}, {"Cached", cached},
            {"SwapCached", 0L}, {"Active", 0L}, {"Inactive", 0L}, {"Active(anon)", 0L}, {"Inactive(anon)", 0L},
            {"Active(file)", 0L}, {"Inactive(file)", 0L}, {"Unevictable", 0L}, {"Mlocked", 0L}, {"SwapTotal", 0L},
            {"SwapFree", 0L}, {"Zswap", 0L}, {"Zswapped", 0L}, {"Dirty", 0L}, {"Writeback", 0L}, {"AnonPages", 0L},
            {"Mapped", 0L}, {"Shmem", 0L}, {"KReclaimable", 0L}, {"Slab", 0L}, {"SReclaimable", 0L}, {"SUnreclaim", 0L},
            {"KernelStack", 0L}, {"PageTables", 0L}, {"SecPageTables", 0L}, {"NFS_Unstable", 0L}, {"Bounce", 0L},
            {"WritebackTmp", 0L}, {"CommitLimit", total / 2}, {"Committed_AS", 0L}, {"VmallocTotal", vmalloc},
            {"VmallocUsed", 0L}, {"VmallocChunk", 0L}, {"Percpu", 0L}, {"AnonHugePages", 0L}, {"ShmemHugePages", 0L},
            {"ShmemPmdMapped", 0L}, {"FileHugePages", 0L}, {"FilePmdMapped", 0L}, {"HugePages_Total", 0L},
            {"HugePages_Free", 0L}, {"HugePages_Rsvd", 0L}, {"HugePages_Surp", 0L}, {"Hugepagesize", 2048L},
            {"Hugetlb", 0L}, {"DirectMap4k", 0L}, {"DirectMap2M", 0L}, {"DirectMap1G", 0L},
        };
        StringBuilder s = new StringBuilder();
        for (Object[] e : f) {
            String name = (String) e[0];
            String label = name + ":";
            s.append(label).append(" ".repeat(Math.max(0, 16 - label.length())));
            s.append(String.format(Locale.ROOT, "%8d", (Long) e[1]));
            s.append(name.startsWith("HugePages_") ? "\n" : " kB\n");
        }
        return s.toString();
    }

    /** Time since boot in nanoseconds. */
    private long uptimeNanos() {
        return Math.max(0, System.nanoTime() - k.bootNanos);
    }

    /** The CPU time the guest's live tasks have used (their host threads' CPU time), in nanoseconds. */
    private long busyNanos() {
        long sum = 0;
        for (Task t : k.liveTasks()) sum += k.taskCpuNanos(t);
        return sum;
    }

    /** /proc/uptime: seconds since boot and the idle CPU's seconds (uptime less the guest's CPU time), two decimals each. */
    String uptime() {
        long up = uptimeNanos(), idle = Math.max(0, up - busyNanos());
        return String.format(Locale.ROOT, "%d.%02d %d.%02d\n", up / 1_000_000_000L, up % 1_000_000_000L / 10_000_000L,
                idle / 1_000_000_000L, idle % 1_000_000_000L / 10_000_000L);
    }

    /** Runnable tasks (nr_running: running or ready, not sleeping or stopped) and all live ones (nr_threads). */
    private int[] taskCounts() {
        int running = 0, all = 0;
        for (Task t : k.liveTasks()) {
            all++;
            if (t.state == Task.State.RUNNING && !t.leader.stopped) running++;
        }
        return new int[] {running, all};
    }

    /**
     * /proc/loadavg: the load averages (0.00: lstar keeps no calc_load, and sysinfo's loads are 0
     * too), runnable/total tasks and the last pid allocated.
     */
    String loadavg() {
        int[] n = taskCounts();
        return "0.00 0.00 0.00 " + n[0] + "/" + n[1] + " " + k.lastPid() + "\n";
    }

    /**
     * /proc/stat: the cpu line and cpu0 (user = the guest's CPU time, lstar counts it all as user
     * time; idle = the rest of the uptime; in USER_HZ ticks), no interrupts or softirqs counted,
     * context switches, btime, the forks since boot and the runnable tasks.
     */
    String stat() {
        long up = uptimeNanos(), busy = busyNanos(), idle = Math.max(0, up - busy);
        long user = busy / (1_000_000_000L / ProcFiles.USER_HZ), idleTicks = idle / (1_000_000_000L / ProcFiles.USER_HZ);
        String times = " " + user + " 0 0 " + idleTicks + " 0 0 0 0 0 0\n";
        int[] n = taskCounts();
        return "cpu " + times + "cpu0" + times + "intr 0\nctxt " + k.sched.contextSwitches + "\nbtime " + bootEpochSec
                + "\nprocesses " + k.forks() + "\nprocs_running " + n[0] + "\nprocs_blocked 0\nsoftirq 0 0 0 0 0 0 0 0 0 0 0\n";
    }
}
