package dev.lstar.api;

/**
 * Why {@link Emulator#start} returned, how many instructions ran, where RIP stands, and for a
 * {@link Reason#FAULT} the exception: vector, error code (-1 if none), faulting address (#PF's
 * linear address, else 0) and RIP of the faulting instruction.
 */
public record StopInfo(Reason reason, long instructions, long rip, int vector, int errorCode, long faultAddress,
                       String message) {
    public enum Reason {
        /** RIP reached the {@code until} address (the instruction there did not run). */
        UNTIL_REACHED,
        /** The instruction count given to start() ran. */
        COUNT_EXHAUSTED,
        /** The timeout given to start() expired. */
        TIMEOUT,
        /** {@link Emulator#stop()} was called (by a hook or another thread). */
        STOPPED,
        /** An exception the guest could not take: no IDT (or hooks declined it). See vector etc. */
        FAULT,
        /** HLT at CPL 0: no interrupt can wake the processor. */
        HALTED,
        /** The guest needs something lstar does not model (e.g. 32-bit compatibility-mode code); see the message. */
        UNSUPPORTED,
        /** A fault while delivering a double fault: the machine shut down. */
        TRIPLE_FAULT,
        /**
         * Guest memory could not be backed: the guest touched a frame never used before while
         * the frames of all emulators in this JVM already fill the host budget
         * ({@code PhysicalMemory.hostBudgetBytes()}: 4/5 of the max heap after a reserve), so
         * {@link Emulator.Builder#ramSize} was more than the heap holds. The touching instruction
         * did not complete. Not precise: the interpreter leaves RIP and registers at that
         * instruction, but translated code (the JIT) keeps registers in JVM locals, so RIP,
         * registers and the instruction count may be those of an earlier block boundary, while
         * memory holds every store made. The emulator stays usable (reads, unmap, restore); keep
         * {@code ramSize} within the heap (e.g. {@code -Xmx}) to never see this.
         */
        OUT_OF_MEMORY
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(reason.name()).append(" after ").append(instructions).append(" instructions, rip=0x")
                .append(Long.toHexString(rip));
        if (reason == Reason.FAULT) {
            sb.append(", vector ").append(vector);
            if (errorCode >= 0) sb.append(" error 0x").append(Integer.toHexString(errorCode));
            if (faultAddress != 0) sb.append(" address 0x").append(Long.toHexString(faultAddress));
        }
        if (message != null) sb.append(" (").append(message).append(')');
        return sb.toString();
    }
}
