package dev.lstar.conformance.gen;

import dev.lstar.conformance.State;

/**
 * One generated test case: an encoded instruction and the state to start it from.
 *
 * @param form          the form it instantiates
 * @param insn          instruction bytes
 * @param text          GNU Intel-syntax text (what {@code as -msyntax=intel} accepts)
 * @param in            input state (never modified by the runner)
 * @param comparedFlags RFLAGS bits that are architecturally defined afterwards ({@link FlagRules})
 * @param skipRegs      bit i set: GPR i is architecturally undefined afterwards and not compared
 * @param expectedFault -1 for a normal case; otherwise the vector the instruction must raise
 *                      (such cases are never run on the host)
 */
public record Case(Form form, byte[] insn, String text, State in, long comparedFlags, int skipRegs, int expectedFault) {
    /** Instruction bytes as space-separated hex. */
    public String hex() {
        StringBuilder s = new StringBuilder();
        for (byte x : insn) {
            s.append(s.isEmpty() ? "" : " ").append(String.format("%02x", x & 0xFF));
        }
        return s.toString();
    }
}
