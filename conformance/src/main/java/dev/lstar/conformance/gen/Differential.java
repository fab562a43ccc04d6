package dev.lstar.conformance.gen;

import dev.lstar.conformance.Emulator;
import dev.lstar.conformance.GuestFault;
import dev.lstar.conformance.State;
import java.util.List;
import java.util.function.Function;

/**
 * Runs cases on a reference (the host CPU) and a candidate {@link Emulator} and compares every GPR
 * but RSP (minus registers the case marks undefined), every XMM register, MXCSR, the defined flags of the case
 * ({@link Case#comparedFlags()}, from {@link FlagRules}) and the whole data buffer. Cases that
 * must fault ({@link Case#expectedFault()} &gt;= 0) run on the candidate only, which must throw
 * {@link GuestFault} with that vector.
 */
public final class Differential {
    private final Emulator reference;
    private final Emulator candidate;
    private Function<byte[], String> disassembler;

    public Differential(Emulator reference, Emulator candidate) {
        this.reference = reference;
        this.candidate = candidate;
    }

    /** Adds a disassembler (e.g. objdump) whose text appears in mismatch details. */
    public Differential withDisassembler(Function<byte[], String> dis) {
        this.disassembler = dis;
        return this;
    }

    /** Runs {@code cases} and returns the report. */
    public Report run(List<Case> cases) {
        Report report = new Report();
        run(cases, report);
        return report;
    }

    /** Runs {@code cases}, adding to {@code report}. */
    public void run(List<Case> cases, Report report) {
        for (Case c : cases) {
            Report.Family fam = report.family(c.form().family());
            fam.forms.add(c.form().describe() + (c.form().mem() ? " (mem)" : "") + java.util.Arrays.toString(c.form().opcode()) + c.form().ext());
            fam.cases++;
            String problem;
            if (c.expectedFault() == Case.XM_IF_RAISED) {
                problem = checkUnmasked(c, fam);
            } else if (c.expectedFault() >= 0) {
                fam.faultCases++;
                problem = checkFault(c, c.expectedFault());
            } else {
                State expected = reference.run(c.insn(), c.in().copy());
                State actual;
                try {
                    actual = candidate.run(c.insn(), c.in().copy());
                    problem = compare(c, expected, actual);
                    if (problem != null && (X87Tolerance.accepts(c, expected, actual) || X87Tolerance.acceptsMxcsrMask(c, expected, actual))) {
                        fam.tolerated++;
                        problem = null;
                    }
                } catch (RuntimeException e) {
                    problem = "  candidate threw " + e + "\n";
                }
            }
            if (problem != null) {
                fam.mismatches++;
                if (fam.details.size() < Report.DETAILS_PER_FAMILY) {
                    fam.details.add(detail(c, problem));
                }
            }
        }
    }

    private String checkFault(Case c, int vector) {
        try {
            State s = candidate.run(c.insn(), c.in().copy());
            return "  expected fault vector " + vector + ", candidate completed: rax=" + Long.toHexString(s.gpr[0]) + "\n";
        } catch (GuestFault g) {
            return g.vector == vector ? null
                    : "  expected fault vector " + vector + ", got vector " + g.vector + "\n";
        } catch (RuntimeException e) {
            return "  expected fault vector " + vector + ", candidate threw " + e + "\n";
        }
    }

    /** A {@link Case#XM_IF_RAISED} case: the host runs it masked, which decides between #XM and its result. */
    private String checkUnmasked(Case c, Report.Family fam) {
        State masked = c.in().copy();
        masked.mxcsr = (masked.mxcsr | 0x1F80) & ~0x3F;
        State expected = reference.run(c.insn(), masked);
        int raised = expected.mxcsr & 0x3F;
        int unmasked = ~(c.in().mxcsr >>> 7) & 0x3F;
        if ((raised & unmasked) != 0) {
            fam.faultCases++;
            return checkFault(c, 19);
        }
        expected.mxcsr = c.in().mxcsr | raised;
        try {
            return compare(c, expected, candidate.run(c.insn(), c.in().copy()));
        } catch (RuntimeException e) {
            return "  candidate threw " + e + " (the masked host run raised 0x" + Integer.toHexString(raised) + ")\n";
        }
    }

    /** Null if equal on everything compared, otherwise a description of the differences. */
    public static String compare(Case c, State expected, State actual) {
        StringBuilder b = new StringBuilder();
        for (int r = 0; r < 16; r++) {
            if (r == State.RSP || (c.skipRegs() & (1 << r)) != 0) {
                continue;
            }
            if (expected.gpr[r] != actual.gpr[r]) {
                b.append(String.format("  %-3s expected %016x actual %016x%n", State.regName(r), expected.gpr[r], actual.gpr[r]));
            }
        }
        for (int x = 0; x < 16; x++) {
            if (expected.xmm[2 * x] != actual.xmm[2 * x] || expected.xmm[2 * x + 1] != actual.xmm[2 * x + 1]) {
                b.append(String.format("  xmm%-2d expected %016x_%016x actual %016x_%016x%n", x, expected.xmm[2 * x + 1],
                        expected.xmm[2 * x], actual.xmm[2 * x + 1], actual.xmm[2 * x]));
            }
        }
        if (expected.mxcsr != actual.mxcsr) {
            b.append(String.format("  mxcsr expected %08x actual %08x%n", expected.mxcsr, actual.mxcsr));
        }
        if (expected.fcw != actual.fcw || expected.fsw != actual.fsw || expected.ftw != actual.ftw) {
            b.append(String.format("  x87 fcw/fsw/ftw expected %04x/%04x/%02x actual %04x/%04x/%02x%n", expected.fcw, expected.fsw,
                    expected.ftw, actual.fcw, actual.fsw, actual.ftw));
        }
        for (int k = 0; k < 8; k++) {
            if (expected.stm[k] != actual.stm[k] || expected.ste[k] != actual.ste[k]) {
                b.append(String.format("  st%d expected %04x_%016x actual %04x_%016x%n", k, expected.ste[k], expected.stm[k],
                        actual.ste[k], actual.stm[k]));
            }
        }
        long m = c.comparedFlags();
        if ((expected.rflags & m) != (actual.rflags & m)) {
            b.append(String.format("  flags expected [%s] actual [%s] (compared: %s)%n", State.flagString(expected.rflags & m),
                    State.flagString(actual.rflags & m), State.flagString(m)));
        }
        for (int i = 0; i < State.MEMORY_SIZE; i++) {
            if (expected.memory[i] != actual.memory[i]) {
                int end = i;
                while (end < State.MEMORY_SIZE && end < i + 16 && expected.memory[end] != actual.memory[end]) {
                    end++;
                }
                b.append(String.format("  mem[+0x%x] expected %s actual %s%n", i, expected.memHex(i, end - i), actual.memHex(i, end - i)));
                break; // first differing run only
            }
        }
        return b.isEmpty() ? null : b.toString();
    }

    private String detail(Case c, String problem) {
        StringBuilder b = new StringBuilder();
        b.append(c.text()).append("  [").append(c.hex()).append(']');
        if (disassembler != null) {
            try {
                b.append("  objdump: ").append(disassembler.apply(c.insn()));
            } catch (RuntimeException e) {
                b.append("  (disassembler failed: ").append(e.getMessage()).append(')');
            }
        }
        b.append('\n').append("  input:\n");
        for (String line : c.in().toString().split("\n")) {
            b.append("    ").append(line).append('\n');
        }
        b.append(problem);
        return b.toString();
    }
}
