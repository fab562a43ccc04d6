package dev.lstar.conformance.gen;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lstar.conformance.State;
import dev.lstar.conformance.gen.Form.Kind;
import dev.lstar.conformance.host.HostSafety;
import java.math.BigInteger;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CaseGeneratorTest {
    static final long BASE = 0x10_0000_0000L;

    static Form form(String describe, boolean mem) {
        return Forms.all().stream().filter(f -> f.describe().equals(describe) && f.mem() == mem).findFirst()
                .orElseThrow(() -> new AssertionError("no form " + describe));
    }

    @Test
    void deterministicPerSeed() {
        Form f = form("add r64, r64", false);
        List<Case> a = new CaseGenerator(BASE, 5, 40).cases(f), b = new CaseGenerator(BASE, 5, 40).cases(f);
        List<Case> c = new CaseGenerator(BASE, 6, 40).cases(f);
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.get(i).insn(), b.get(i).insn());
            assertEquals(a.get(i).in(), b.get(i).in());
        }
        assertNotEquals(a.get(a.size() - 1).in(), c.get(c.size() - 1).in());
    }

    @Test
    void everyCaseIsHostSafeAndAddressesStayInTheBuffer() {
        CaseGenerator g = new CaseGenerator(BASE, 3, 24);
        int mem = 0;
        for (Form f : Forms.all()) {
            for (Case c : g.cases(f)) {
                assertNull(HostSafety.check(c.insn()), c.text());
                assertEquals(0, c.in().gpr[State.RSP]);
                if (f.mem() && !f.mnemonic().equals("lea")) {
                    mem++;
                    long lo = c.in().memBase, hi = lo + State.MEMORY_SIZE;
                    boolean someBaseInside = false;
                    for (int r = 0; r < 16; r++) {
                        long a = c.in().gpr[r];
                        someBaseInside |= a >= lo + 0x100 && a < hi - 0x100;
                    }
                    assertTrue(someBaseInside, c.text());
                }
            }
        }
        assertTrue(mem > 1000);
    }

    @Test
    void edgePairsMeetBothCarriesAndAllFlagCombinationsAppear() {
        Form adc = form("adc r64, r64", false);
        List<Case> cases = new CaseGenerator(BASE, 1, 2400).cases(adc);
        long[] e = Values.edges(64);
        Set<String> seen = new HashSet<>();
        Set<Long> flagSets = new HashSet<>();
        for (Case c : cases) {
            // operand order: r/m (rm) then r (reg); registers come from the placement in the encoding
            int modrm = c.insn()[c.insn().length - 1] & 0xFF;
            int rex = c.insn()[0] & 0xFF;
            int rm = (modrm & 7) | ((rex & 1) << 3), reg = ((modrm >> 3) & 7) | ((rex & 4) << 1);
            seen.add(c.in().gpr[rm] + "," + c.in().gpr[reg] + "," + (c.in().rflags & 1));
            flagSets.add(c.in().rflags);
        }
        for (long x : e) {
            for (long y : e) {
                for (int cf = 0; cf < 2; cf++) {
                    assertTrue(seen.contains(x + "," + y + "," + cf),
                            "missing pair " + Long.toHexString(x) + "," + Long.toHexString(y) + " cf=" + cf);
                }
            }
        }
        assertEquals(128, flagSets.size());
    }

    @Test
    void shiftCountsCoverZeroOneWidthAndBeyond() {
        List<Case> cases = new CaseGenerator(BASE, 1, 100).cases(form("shl r32, cl", false));
        Set<Long> counts = new HashSet<>();
        for (Case c : cases) {
            counts.add(c.in().gpr[State.RCX] & 0xFF);
        }
        assertTrue(counts.containsAll(List.of(0L, 1L, 31L, 32L, 33L, 255L)), counts.toString());
        for (Case c : new CaseGenerator(BASE, 1, 100).cases(form("shld r16, r16, cl", false))) {
            assertTrue((c.in().gpr[State.RCX] & 31) <= 16, c.text());
        }
    }

    @Test
    void divideCasesSplitIntoSafeAndExpectedFaults() {
        for (Form f : Forms.family("muldiv")) {
            if (!f.mnemonic().endsWith("div")) {
                continue;
            }
            List<Case> cases = new CaseGenerator(BASE, 2, 32).cases(f);
            long safe = cases.stream().filter(c -> c.expectedFault() < 0).count();
            long faults = cases.stream().filter(c -> c.expectedFault() == 0).count();
            assertEquals(32, safe, f.describe());
            assertTrue(faults >= 2, f.describe());
            for (Case c : cases) {
                // recompute independently of the generator with BigInteger on the encoded operands
                assertEquals(c.expectedFault() == 0, faults(c), c.text() + " " + c.in());
            }
        }
    }

    /** DIV/IDIV #DE rule (SDM Vol. 2A DIV/IDIV): divisor 0 or quotient outside the destination. */
    static boolean faults(Case c) {
        Form f = c.form();
        int s = f.size();
        boolean signed = f.mnemonic().equals("idiv");
        long divisor;
        if (f.mem()) {
            byte[] b = c.insn();
            int i = 0, rex = 0;
            while ((b[i] & 0xFF) == 0x66) {
                i++;
            }
            if ((b[i] & 0xF0) == 0x40) {
                rex = b[i++];
            }
            int modrm = b[i + 1] & 0xFF; // b[i] is F6/F7
            int base = (modrm & 7) | ((rex & 1) << 3);
            int dispAt = i + 2 + ((modrm & 7) == 4 ? 1 : 0); // SIB for an R12 base
            int disp = (modrm >> 6) == 1 ? b[dispAt] : 0;
            int off = (int) (c.in().gpr[base] - c.in().memBase) + disp;
            divisor = CaseGenerator.getMem(c.in(), off, s);
        } else {
            String reg = c.text().substring(c.text().indexOf(' ') + 1);
            int r = -1;
            for (int k = 0; k < (s == 8 ? 20 : 16); k++) {
                if (Encoder.regName(k, s).equals(reg)) {
                    r = k;
                }
            }
            divisor = CaseGenerator.getReg(c.in(), r, s);
        }
        BigInteger d = toBig(divisor, s, signed);
        if (d.signum() == 0) {
            return true;
        }
        BigInteger n = s == 8 ? toBig(c.in().gpr[0], 16, signed)
                : toBig(c.in().gpr[2], s, signed).shiftLeft(s).add(toBig(c.in().gpr[0], s, false));
        BigInteger q = n.divide(d);
        return signed ? q.bitLength() > s - 1 : q.bitLength() > s;
    }

    static BigInteger toBig(long v, int bits, boolean signed) {
        BigInteger b = new BigInteger(Long.toUnsignedString(v)).mod(BigInteger.ONE.shiftLeft(bits));
        return signed && b.testBit(bits - 1) ? b.subtract(BigInteger.ONE.shiftLeft(bits)) : b;
    }

    @Test
    void highByteRegistersAndExtendedRegistersAreUsed() {
        Set<String> texts = new HashSet<>();
        for (Case c : new CaseGenerator(BASE, 1, 16).cases(form("add r8, r8", false))) {
            texts.add(c.text());
        }
        assertTrue(texts.stream().anyMatch(t -> t.contains("ah")), texts.toString());
        assertTrue(texts.stream().anyMatch(t -> t.contains("r13b")), texts.toString());
        assertTrue(texts.stream().anyMatch(t -> t.contains("sil")), texts.toString());
        for (Form f : Forms.all()) {
            assertTrue(f.find(Kind.RM) == null || f.operands().stream().filter(o -> o.kind() == Kind.RM).count() == 1);
        }
    }
}
