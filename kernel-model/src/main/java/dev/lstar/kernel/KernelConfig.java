package dev.lstar.kernel;

import dev.lstar.runtime.Vendor;

import java.io.InputStream;
import java.io.PrintStream;

/**
 * How the modelled Linux machine is built and what it reports.
 *
 * @param vendor          CPU vendor semantics (SYSRET differences)
 * @param kpti            page-table isolation: two PGDs and the CR3 switch on every entry/exit
 * @param pcid            CR4.PCIDE with Linux's kernel/user PCIDs and the NOFLUSH bit
 * @param fiveLevel       5-level paging (CR4.LA57)
 * @param canonicalCheck  the entry code's SYSRET canonical-RCX check; turning it off is a debug
 *                        switch that re-creates the CVE-2012-0217 hazard on Intel semantics
 * @param strace          print one strace-style line per system call to {@code log}
 * @param stdin           the guest's fd 0
 * @param stdout          the guest's fd 1
 * @param stderr          the guest's fd 2
 * @param log             where lstar's own messages go (warnings, strace, signals, oops)
 * @param aslr            address-space layout randomisation as Linux's randomize_va_space=2 (true,
 *                        the default) or a fixed layout as under {@code setarch -R} / randomize_va_space=0
 * @param aslrSeed        null: every exec draws its layout (and AT_RANDOM's bytes) from a
 *                        host's /dev/urandom (HostEntropy); a value: from a generator seeded with it,
 *                        so that a run can be reproduced
 */
public record KernelConfig(Vendor vendor, boolean kpti, boolean pcid, boolean fiveLevel, boolean canonicalCheck,
                           boolean strace, InputStream stdin, PrintStream stdout, PrintStream stderr, PrintStream log,
                           boolean aslr, Long aslrSeed, int cpus) {

    public static KernelConfig defaults() {
        return new KernelConfig(Vendor.INTEL, true, true, false, true, false, System.in, System.out, System.err, System.err, true, null, 1);
    }

    public KernelConfig withVendor(Vendor v) { return new KernelConfig(v, kpti, pcid, fiveLevel, canonicalCheck, strace, stdin, stdout, stderr, log, aslr, aslrSeed, cpus); }
    public KernelConfig withKpti(boolean on) { return new KernelConfig(vendor, on, pcid, fiveLevel, canonicalCheck, strace, stdin, stdout, stderr, log, aslr, aslrSeed, cpus); }
    public KernelConfig withPcid(boolean on) { return new KernelConfig(vendor, kpti, on, fiveLevel, canonicalCheck, strace, stdin, stdout, stderr, log, aslr, aslrSeed, cpus); }
    public KernelConfig withFiveLevel(boolean on) { return new KernelConfig(vendor, kpti, pcid, on, canonicalCheck, strace, stdin, stdout, stderr, log, aslr, aslrSeed, cpus); }
    public KernelConfig withCanonicalCheck(boolean on) { return new KernelConfig(vendor, kpti, pcid, fiveLevel, on, strace, stdin, stdout, stderr, log, aslr, aslrSeed, cpus); }
    public KernelConfig withStrace(boolean on) { return new KernelConfig(vendor, kpti, pcid, fiveLevel, canonicalCheck, on, stdin, stdout, stderr, log, aslr, aslrSeed, cpus); }
    public KernelConfig withIo(InputStream in, PrintStream out, PrintStream err) { return new KernelConfig(vendor, kpti, pcid, fiveLevel, canonicalCheck, strace, in, out, err, log, aslr, aslrSeed, cpus); }
    /** Randomised layouts (true, Linux's default) or the fixed layout of {@code setarch -R} (false: {@code --no-aslr}). */
    public KernelConfig withAslr(boolean on) { return new KernelConfig(vendor, kpti, pcid, fiveLevel, canonicalCheck, strace, stdin, stdout, stderr, log, on, aslrSeed, cpus); }
    /** Layouts drawn from a generator seeded with {@code seed} (null: from the host's /dev/urandom, see HostEntropy). */
    public KernelConfig withAslrSeed(Long seed) { return new KernelConfig(vendor, kpti, pcid, fiveLevel, canonicalCheck, strace, stdin, stdout, stderr, log, aslr, seed, cpus); }
    /**
     * The number of modelled CPUs (1..{@link #MAX_CPUS}): with more than one, guest threads and
     * processes run at the same time on host threads (see LinuxKernel, SMP).
     */
    public KernelConfig withCpus(int n) {
        if (n < 1 || n > MAX_CPUS) throw new IllegalArgumentException("cpus must be 1.." + MAX_CPUS + ": " + n);
        return new KernelConfig(vendor, kpti, pcid, fiveLevel, canonicalCheck, strace, stdin, stdout, stderr, log, aslr, aslrSeed, n);
    }

    /** The most CPUs lstar models (the per-CPU areas and entry areas it lays out). */
    public static final int MAX_CPUS = 64;

    public KernelConfig withLog(PrintStream l) { return new KernelConfig(vendor, kpti, pcid, fiveLevel, canonicalCheck, strace, stdin, stdout, stderr, l, aslr, aslrSeed, cpus); }
}
