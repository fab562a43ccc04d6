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
 */
public record KernelConfig(Vendor vendor, boolean kpti, boolean pcid, boolean fiveLevel, boolean canonicalCheck,
                           boolean strace, InputStream stdin, PrintStream stdout, PrintStream stderr, PrintStream log) {

    public static KernelConfig defaults() {
        return new KernelConfig(Vendor.INTEL, true, true, false, true, false, System.in, System.out, System.err, System.err);
    }

    public KernelConfig withVendor(Vendor v) { return new KernelConfig(v, kpti, pcid, fiveLevel, canonicalCheck, strace, stdin, stdout, stderr, log); }
    public KernelConfig withKpti(boolean on) { return new KernelConfig(vendor, on, pcid, fiveLevel, canonicalCheck, strace, stdin, stdout, stderr, log); }
    public KernelConfig withPcid(boolean on) { return new KernelConfig(vendor, kpti, on, fiveLevel, canonicalCheck, strace, stdin, stdout, stderr, log); }
    public KernelConfig withFiveLevel(boolean on) { return new KernelConfig(vendor, kpti, pcid, on, canonicalCheck, strace, stdin, stdout, stderr, log); }
    public KernelConfig withCanonicalCheck(boolean on) { return new KernelConfig(vendor, kpti, pcid, fiveLevel, on, strace, stdin, stdout, stderr, log); }
    public KernelConfig withStrace(boolean on) { return new KernelConfig(vendor, kpti, pcid, fiveLevel, canonicalCheck, on, stdin, stdout, stderr, log); }
    public KernelConfig withIo(InputStream in, PrintStream out, PrintStream err) { return new KernelConfig(vendor, kpti, pcid, fiveLevel, canonicalCheck, strace, in, out, err, log); }
    public KernelConfig withLog(PrintStream l) { return new KernelConfig(vendor, kpti, pcid, fiveLevel, canonicalCheck, strace, stdin, stdout, stderr, l); }
}
