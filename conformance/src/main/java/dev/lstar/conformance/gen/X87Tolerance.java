package dev.lstar.conformance.gen;

import dev.lstar.conformance.State;
import dev.lstar.decoder.Mnemonic;
import java.util.EnumSet;

/**
 * The documented tolerances of the differential comparison. First the x87 transcendentals (F2XM1,
 * FYL2X, FYL2XP1, FSIN, FCOS, FSINCOS, FPTAN, FPATAN). The host FPU's microcode is not correctly
 * rounded and lstar computes the exact value (FSIN/FCOS/FSINCOS/FPTAN with the host's 66-bit pi
 * reduction) rounded once, so a result may differ by {@link #ULPS} unit in the last place of the
 * 64-bit significand; when it does, the status word may differ only in C1 (rounded up) and PE.
 * Everything else (the other registers, the exponent, TOP, tags, every other FSW bit, memory,
 * GPRs) must be equal. Second, FXSAVE's MXCSR_MASK field on a host whose mask has bit 17 (MM,
 * AMD's misaligned-SSE mask: seen as 0x2FFFF on an AMD EPYC VM, 0xFFFF on others): lstar does not
 * implement MM and stores its own mask, 0xFFFF ({@code Sse.MXCSR_MASK}); only that one bit of
 * that one field may differ. Cases accepted either way are counted and shown as "tolerated" in
 * the report, never silently.
 */
public final class X87Tolerance {
    private X87Tolerance() {}

    /** The significand difference accepted, in units of the 64-bit significand's last place. */
    public static final long ULPS = 1;
    /** FSW bits that may differ with such a result: C1 (0x200) and PE (0x20). */
    public static final int FSW_BITS = 0x220;

    static final EnumSet<Mnemonic> ROWS = EnumSet.of(Mnemonic.F2XM1, Mnemonic.FYL2X, Mnemonic.FYL2XP1, Mnemonic.FSIN,
            Mnemonic.FCOS, Mnemonic.FSINCOS, Mnemonic.FPTAN, Mnemonic.FPATAN);

    /** A finite normal or denormal encoding (no infinity, NaN or unsupported encoding). */
    static boolean finite(int se, long m) {
        int e = se & 0x7FFF;
        return e != 0x7FFF && (m < 0 || e == 0);
    }

    /**
     * The magnitude's place among the extended values: consecutive representable values are
     * consecutive integers, across a change of exponent too (the last place of the smaller binade).
     */
    static java.math.BigInteger position(int se, long m) {
        int e = se & 0x7FFF;
        java.math.BigInteger sig = new java.math.BigInteger(Long.toUnsignedString(m));
        return e == 0 ? sig : java.math.BigInteger.valueOf(e - 1).shiftLeft(63).add(sig);
    }

    /** True if the case is a transcendental and the states differ only within the tolerance. */
    public static boolean accepts(Case c, State expected, State actual) {
        if (!ROWS.contains(c.form().row().mnemonic)) {
            return false;
        }
        if (((expected.fsw ^ actual.fsw) & ~FSW_BITS) != 0) {
            return false;
        }
        State a = actual.copy();
        for (int k = 0; k < 8; k++) {
            if (expected.ste[k] != a.ste[k] || expected.stm[k] != a.stm[k]) {
                if (!finite(expected.ste[k], expected.stm[k]) || !finite(a.ste[k], a.stm[k])
                        || ((expected.ste[k] ^ a.ste[k]) & 0x8000) != 0
                        || position(expected.ste[k], expected.stm[k]).subtract(position(a.ste[k], a.stm[k])).abs()
                                .compareTo(java.math.BigInteger.valueOf(ULPS)) > 0) {
                    return false;
                }
                a.ste[k] = expected.ste[k];
                a.stm[k] = expected.stm[k];
            }
        }
        a.fsw = expected.fsw;
        return Differential.compare(c, expected, a) == null;
    }

    /** MXCSR_MASK's MM bit (17) within the field's third byte (FXSAVE area + 30). */
    static final int MM_BYTE = 30, MM_BIT = 0x02;

    /** True if the case is an FXSAVE and the states differ only in the host's MM bit of MXCSR_MASK. */
    public static boolean acceptsMxcsrMask(Case c, State expected, State actual) {
        if (c.form().row().mnemonic != Mnemonic.FXSAVE) {
            return false;
        }
        State a = actual.copy();
        boolean any = false;
        for (int i = 0; i < a.memory.length; i++) {
            if (a.memory[i] == expected.memory[i]) {
                continue;
            }
            // the FXSAVE area is 16-byte aligned, so its byte 30 is at 14 mod 16
            if (((a.memBase + i) & 15) != (MM_BYTE & 15) || (a.memory[i] & MM_BIT) != 0
                    || expected.memory[i] != (byte) (a.memory[i] | MM_BIT)) {
                return false;
            }
            a.memory[i] = expected.memory[i];
            any = true;
        }
        return any && Differential.compare(c, expected, a) == null;
    }
}
