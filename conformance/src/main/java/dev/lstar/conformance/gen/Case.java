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
    /**
     * {@link #expectedFault()} of an SSE floating-point case whose MXCSR unmasks exceptions: it is
     * never run as it is on the host (an unmasked exception would be SIGFPE in the JVM).
     * {@link Differential} runs it on the host with every exception masked and the flags cleared;
     * if that raises an exception the case unmasks, the candidate must raise #XM (19), else it
     * must produce the masked run's state with the case's flags ORed in. The generator keeps UE
     * masked in these cases: an unmasked UE is raised on tininess alone, which the masked run
     * does not show when the tiny result is exact.
     */
    public static final int XM_IF_RAISED = 256;

    /** Instruction bytes as space-separated hex. */
    public String hex() {
        StringBuilder s = new StringBuilder();
        for (byte x : insn) {
            s.append(s.isEmpty() ? "" : " ").append(String.format("%02x", x & 0xFF));
        }
        return s.toString();
    }
}
