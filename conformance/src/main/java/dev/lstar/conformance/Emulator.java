package dev.lstar.conformance;

/**
 * Something that executes one x86-64 instruction from a given user-mode {@link State}: the host
 * CPU ({@link dev.lstar.conformance.host.HostCpu}), lstar's interpreter, later lstar's JIT.
 *
 * <p>Contract: {@code run} must not modify {@code in}; it returns the state after the instruction
 * (RSP is not an operand of any generated case and may be returned unchanged). An instruction that
 * raises a CPU exception must throw {@link GuestFault} with the vector, leaving nothing half-done.
 * The data buffer is mapped at {@code in.memBase} for the duration of the call.
 */
@FunctionalInterface
public interface Emulator {
    /** Executes {@code insn} (exactly one instruction) starting from {@code in}. */
    State run(byte[] insn, State in);
}
