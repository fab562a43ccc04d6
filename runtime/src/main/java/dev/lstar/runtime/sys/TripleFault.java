package dev.lstar.runtime.sys;

/**
 * The processor entered shutdown: an exception occurred while the double-fault handler was being
 * invoked (Intel SDM Vol. 3A §6.15, interrupt 8, "Double Fault Exception"; table 6-5). Engines
 * report this as a machine shutdown (on a PC the chipset would reset the machine); no guest state
 * is meaningful afterwards.
 */
public final class TripleFault extends RuntimeException {
    /** Vector of the exception that arrived while #DF was being delivered. */
    public final int vector;

    public TripleFault(int vector, String why) {
        super("triple fault: " + why, null, false, false);
        this.vector = vector;
    }
}
