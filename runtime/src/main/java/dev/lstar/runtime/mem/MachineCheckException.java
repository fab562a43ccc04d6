package dev.lstar.runtime.mem;

/**
 * A guest access to a physical address outside installed memory (a page-table entry or CR3 that
 * points past the end of RAM, a loader writing past it). Real hardware would raise a machine check
 * or read all-ones from an open bus; lstar stops loudly instead. This is a host-side error, not a
 * guest exception: engines should not try to deliver it through the IDT.
 */
public final class MachineCheckException extends RuntimeException {
    /** The offending physical address. */
    public final long physAddr;

    public MachineCheckException(long physAddr, String why) {
        super(why + " (physical address 0x" + Long.toHexString(physAddr) + ")");
        this.physAddr = physAddr;
    }
}
