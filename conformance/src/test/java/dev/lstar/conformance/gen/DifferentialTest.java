package dev.lstar.conformance.gen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lstar.conformance.Emulator;
import dev.lstar.conformance.GuestFault;
import dev.lstar.conformance.State;
import dev.lstar.conformance.host.HostCpu;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Tests the runner itself with fake candidates built on the host CPU. */
class DifferentialTest {
    static HostCpu host;
    static List<Case> cases;
    /** Expected-fault cases (DIV #DE, SSE alignment and LDMXCSR #GP) by key, with their vector. */
    static java.util.Map<String, Integer> faulting;

    @BeforeAll
    static void setUp() {
        assumeTrue(HostCpu.supported(), HostCpu.unsupportedReason());
        host = new HostCpu();
        // bounded sample by default; -Dlstar.conformance.budget=2000 for a full sweep (minutes)
        int budget = Integer.getInteger("lstar.conformance.budget", 16);
        cases = new CaseGenerator(host.dataBase(), 42, budget).cases(Forms.all(), CpuFeatures.host());
        faulting = new java.util.HashMap<>();
        for (Case c : cases) {
            if (c.expectedFault() >= 0) {
                faulting.put(key(c.insn(), c.in()), c.expectedFault());
            }
        }
    }

    @AfterAll
    static void tearDown() {
        if (host != null) {
            host.close();
        }
    }

    static String key(byte[] insn, State in) {
        return Arrays.toString(insn) + Arrays.toString(in.gpr);
    }

    /**
     * A candidate that is the host CPU, post-processed, raising the fault the generator said where it
     * said so; a case with unmasked SIMD FP exceptions runs masked (the host would die of SIGFPE) and
     * raises #XM where that run raised an unmasked exception.
     */
    static Emulator fake(UnaryOperator<State> corrupt) {
        return (insn, in) -> {
            Integer vector = faulting.get(key(insn, in));
            if (vector != null && vector == Case.XM_IF_RAISED) {
                State out = maskedRun(insn, in);
                if (xmRaised(in, out)) {
                    throw new GuestFault(19, "expected #XM");
                }
                out.mxcsr = in.mxcsr | (out.mxcsr & 0x3F);
                return corrupt.apply(out);
            }
            if (vector != null) {
                throw new GuestFault(vector, "expected fault");
            }
            return corrupt.apply(host.run(insn, in));
        };
    }

    static State maskedRun(byte[] insn, State in) {
        State m = in.copy();
        m.mxcsr = (m.mxcsr | 0x1F80) & ~0x3F;
        return host.run(insn, m);
    }

    static boolean xmRaised(State in, State maskedOut) {
        return (maskedOut.mxcsr & 0x3F & ~(in.mxcsr >>> 7)) != 0;
    }

    /** Whether a case completes (and so has its flags compared): not an expected fault, nor an #XM one. */
    static boolean completes(Case c) {
        if (c.expectedFault() == Case.XM_IF_RAISED) {
            return !xmRaised(c.in(), maskedRun(c.insn(), c.in()));
        }
        return c.expectedFault() < 0;
    }

    @Test
    void hostAgainstItselfHasNoMismatches() {
        Report r = new Differential(host, fake(s -> s)).run(cases);
        assertEquals(0, r.totalMismatches(), r.full());
        assertTrue(r.totalCases() > 700 * Integer.getInteger("lstar.conformance.budget", 16), "cases: " + r.totalCases());
        Report.Family md = r.families().stream().filter(f -> f.name.equals("muldiv")).findFirst().orElseThrow();
        assertTrue(md.faultCases > 0, "some #DE cases expected");
        System.out.println(r.table());
    }

    /**
     * The documented x87 transcendental tolerance: a candidate whose ST0 significand is one unit off
     * (C1 flipped) is tolerated and counted, two units off or on another instruction (FSQRT) is a
     * mismatch.
     */
    @Test
    void transcendentalToleranceIsOneUlpAndCounted() {
        List<Case> trans = cases.stream().filter(c -> X87Tolerance.ROWS.contains(c.form().row().mnemonic)
                && c.expectedFault() < 0).toList();
        List<Case> sqrt = cases.stream().filter(c -> c.form().row().mnemonic == dev.lstar.decoder.Mnemonic.FSQRT).toList();
        assertFalse(trans.isEmpty());
        java.util.function.IntFunction<UnaryOperator<State>> off = ulps -> s -> {
            if ((s.ste[0] & 0x7FFF) != 0x7FFF && s.stm[0] < 0 && s.stm[0] != -1L) {
                s.stm[0] += ulps;
                s.fsw ^= 0x200;
            }
            return s;
        };
        Report one = new Differential(host, fake(off.apply(1))).run(trans);
        int changed = (int) trans.stream().filter(c -> {
            State out = host.run(c.insn(), c.in().copy());
            return (out.ste[0] & 0x7FFF) != 0x7FFF && out.stm[0] < 0 && out.stm[0] != -1L;
        }).count();
        assertEquals(0, one.totalMismatches(), one.full());
        assertEquals(changed, one.families().get(0).tolerated);
        assertTrue(one.table().contains("tolerated: x87 transcendentals within 1 ulp"), one.table());
        assertEquals(changed, new Differential(host, fake(off.apply(2))).run(trans).totalMismatches());
        Report sq = new Differential(host, fake(off.apply(1))).run(sqrt);
        assertEquals(0, sq.families().get(0).tolerated);
    }

    @Test
    void flippedCarryIsDetectedOnlyWhereCarryIsDefined() {
        Report r = new Differential(host, fake(s -> {
            s.rflags ^= FlagRules.CF;
            return s;
        })).run(cases);
        for (Report.Family f : r.families()) {
            int defined = 0;
            for (Case c : cases) {
                if (c.form().family().equals(f.name) && (c.comparedFlags() & FlagRules.CF) != 0 && completes(c)) {
                    defined++;
                }
            }
            assertEquals(defined, f.mismatches, f.name);
        }
        // CF is defined after every ALU instruction and undefined after BSF/BSR/MUL-less DIV
        assertEquals(r.families().stream().filter(f -> f.name.equals("alu")).findFirst().orElseThrow().cases,
                r.families().stream().filter(f -> f.name.equals("alu")).findFirst().orElseThrow().mismatches);
        List<Case> bsf = cases.stream().filter(c -> c.form().mnemonic().equals("bsf")).toList();
        assertEquals(0, new Differential(host, fake(s -> {
            s.rflags ^= FlagRules.CF;
            return s;
        })).run(bsf).totalMismatches());
        String details = r.full();
        assertTrue(details.contains("flags expected"), details);
    }

    @Test
    void unmaskedSimdExceptionsMustRaiseXmExactlyWhereTheMaskedHostRunRaisesThem() {
        List<Case> unmasked = cases.stream().filter(c -> c.expectedFault() == Case.XM_IF_RAISED).toList();
        long raising = unmasked.stream().filter(c -> !completes(c)).count();
        assertTrue(raising > 0 && raising < unmasked.size(), raising + " of " + unmasked.size());
        // a candidate that ignores the masks (completes with the masked result) misses every #XM
        Emulator ignoresMasks = (insn, in) -> {
            State out = maskedRun(insn, in);
            out.mxcsr = in.mxcsr | (out.mxcsr & 0x3F);
            return out;
        };
        assertEquals(raising, new Differential(host, ignoresMasks).run(unmasked).totalMismatches());
        // one that raises #XM for every unmasked case fails on the others
        Emulator alwaysXm = (insn, in) -> {
            throw new GuestFault(19, "#XM");
        };
        assertEquals(unmasked.size() - raising, new Differential(host, alwaysXm).run(unmasked).totalMismatches());
    }

    @Test
    void registerMemoryAndFaultDifferencesAreDetected() {
        List<Case> adds = cases.stream().filter(c -> c.form().mnemonic().equals("add") && c.form().mem()).toList();
        Report reg = new Differential(host, fake(s -> {
            s.gpr[State.R15] ^= 1L << 40;
            return s;
        })).run(adds);
        assertEquals(adds.size(), reg.totalMismatches());
        assertTrue(reg.full().contains("r15 expected"), reg.full());

        Report mem = new Differential(host, fake(s -> {
            s.memory[4000] ^= 0x10;
            return s;
        })).run(adds);
        assertEquals(adds.size(), mem.totalMismatches());
        assertTrue(mem.full().contains("mem[+0xfa0]"), mem.full());

        List<Case> faults = cases.stream().filter(c -> c.expectedFault() == 0).toList();
        assertTrue(faults.size() >= 8, "fault cases: " + faults.size());
        Emulator noFault = (insn, in) -> in.copy(); // never faults, never runs anything natively
        Report f = new Differential(host, noFault).run(faults);
        assertEquals(faults.size(), f.totalMismatches());
        assertTrue(f.full().contains("expected fault vector 0"), f.full());
        Emulator wrongVector = (insn, in) -> {
            throw new GuestFault(6, "#UD");
        };
        assertEquals(faults.size(), new Differential(host, wrongVector).run(faults).totalMismatches());
    }

    @Test
    void undefinedDestinationOfBsfIsNotCompared() {
        List<Case> zeroSource = cases.stream().filter(c -> c.skipRegs() != 0).toList();
        assertTrue(!zeroSource.isEmpty(), "edge values include a zero source for bsf/bsr");
        for (Case c : zeroSource) {
            assertTrue(c.form().mnemonic().startsWith("bs"), c.text());
        }
    }

    @Test
    void mismatchDetailsNameTheInstruction() {
        List<Case> one = cases.stream().filter(c -> c.text().startsWith("sub ")).limit(5).toList();
        Report r = new Differential(host, fake(s -> {
            s.gpr[State.RAX]++;
            return s;
        })).withDisassembler(b -> "DIS").run(one);
        String d = r.full();
        assertTrue(d.contains(one.get(0).text()) && d.contains(one.get(0).hex()) && d.contains("DIS")
                && d.contains("rax expected"), d);
    }
}
