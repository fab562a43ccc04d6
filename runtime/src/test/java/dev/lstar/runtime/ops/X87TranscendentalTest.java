package dev.lstar.runtime.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lstar.runtime.engine.RunResult;
import dev.lstar.runtime.engine.StopReason;
import org.junit.jupiter.api.Test;

/**
 * FSCALE, FPREM, FPREM1, FXTRACT and the transcendentals on the interpreter, against values and
 * status words recorded on the Intel Xeon host (FNINIT, FLDCW, FLD ST1, FLD ST0, the instruction,
 * FNSAVE): the special-operand tables, the 66-bit pi reduction, the out-of-range C2 rule, the
 * tiny-argument shortcut, FPTAN's pushed 1.0, FSINCOS's order, the partial remainder, stack faults.
 * The conformance family x87 compares random cases of the same instructions with the host.
 */
class X87TranscendentalTest extends RingThreeMachine {
    /** Loads ST0 = v[0], ST1 = v[1]... ("se_significand" hex) with FCW {@code fcw}, FSW 0 and TOP = 8 - n. */
    void stack(int fcw, String... v) {
        c.fcw = fcw;
        c.fsw = (8 - v.length) << 11;
        c.ftw = 0;
        for (int k = v.length - 1; k >= 0; k--) {
            String[] p = v[k].split("_");
            X87.stWrite(c, k, Long.parseUnsignedLong(p[1], 16), Integer.parseInt(p[0], 16));
        }
    }

    String st(int i) {
        long[] r = X87.stRead(c, i);
        return String.format("%04x_%016x", r[1], r[0]);
    }

    int depth() {
        return Integer.bitCount(c.ftw & 0xFF);
    }

    /** Runs {@code hex} and checks FSW (without TOP), the stack depth and ST0.. against the host. */
    void expect(String hex, int fsw, int depth, String... sts) {
        RunResult r = run(hex);
        assertEquals(StopReason.UNTIL_REACHED, r.reason(), r.toString());
        assertEquals(Integer.toHexString(fsw), Integer.toHexString(c.fsw & 0xC7FF), "fsw");
        assertEquals(depth, depth(), "stack depth");
        for (int k = 0; k < sts.length; k++) assertEquals(sts[k], st(k), "st" + k);
    }

    static final String ONE = "3fff_8000000000000000", ZERO = "0000_0000000000000000", IND = "ffff_c000000000000000";
    static final String FSIN = "d9 fe", FCOS = "d9 ff", FSINCOS = "d9 fb", FPTAN = "d9 f2", FPATAN = "d9 f3",
            F2XM1 = "d9 f0", FYL2X = "d9 f1", FYL2XP1 = "d9 f9", FPREM = "d9 f8", FPREM1 = "d9 f5", FSCALE = "d9 fd",
            FXTRACT = "d9 f4";

    @Test
    void sineCosineTangentValues() {
        stack(0x37F, ONE);
        expect(FSIN, 0x220, 1, "3ffe_d76aa47848677021");
        stack(0x37F, ONE);
        expect(FPTAN, 0x20, 2, ONE, "3fff_c75922e5f71d2dc5");
        stack(0x37F, ONE);
        expect(FSINCOS, 0x220, 2, "3ffe_8a51407da8345c92", "3ffe_d76aa47848677021"); // ST0 = cos, ST1 = sin
        stack(0x37F, "403d_8000000000000000"); // 2^62
        expect(FSIN, 0x20, 1, "bffe_b506a9dd559cf157");
    }

    @Test
    void reductionUsesTheSixtySixBitPi() {
        stack(0x37F, "4001_c90fdaa22168c234"); // 2 pi rounded to 64 bits: 2 pi66 - x = 3 * 2^-63
        expect(FSIN, 0x220, 1, "bfc1_c000000000000000");
        stack(0x37F, "4000_c90fdaa22168c234");
        expect(FSIN, 0x220, 1, "3fc0_c000000000000000");
        stack(0x37F, "4000_c90fdaa22168c235");
        expect(FSIN, 0x220, 1, "bfbf_8000000000000000");
    }

    @Test
    void outOfRangeSetsC2AndChangesNothing() {
        stack(0x37F, "403f_8000000000000000", ONE);
        expect(FSIN, 0x400, 2, "403f_8000000000000000", ONE);
        stack(0x37F, "403e_8000000000000000", ONE);
        expect(FPTAN, 0x400, 2, "403e_8000000000000000", ONE);
        stack(0x37F, "403e_8000000000000000", ONE);
        expect(FSINCOS, 0x400, 2, "403e_8000000000000000", ONE);
        c.fsw |= 0x400;
        stack(0x37F, ONE);
        expect(FCOS, 0x220, 1, "3ffe_8a51407da8345c92"); // in range: C2 = 0
    }

    @Test
    void zerosInfinitiesNaNsAndTinyArguments() {
        stack(0x37F, ZERO);
        expect(FSIN, 0, 1, ZERO);
        stack(0x37F, ZERO);
        expect(FCOS, 0, 1, ONE);
        stack(0x37F, ZERO);
        expect(FPTAN, 0, 2, ONE, ZERO);
        stack(0x37F, "7fff_8000000000000000");
        expect(FSIN, 1, 1, IND);
        stack(0x37F, "7fff_8000000000000000");
        expect(FPTAN, 1, 2, IND, IND);
        stack(0x37F, "7fff_c000000000000001");
        expect(FPTAN, 0, 2, "7fff_c000000000000001", "7fff_c000000000000001"); // the NaN is pushed too
        stack(0x37F, "3fff_0000000000000000"); // unsupported
        expect(FSIN, 1, 1, IND);
        stack(0x37F, "0000_0000000000001234"); // denormal: DE UE PE, the operand
        expect(FSIN, 0x32, 1, "0000_0000000000001234");
        stack(0x37F, "0000_0000000000001234");
        expect(FCOS, 0x22, 1, ONE);
        stack(0x77F, "3fba_c000000000000001"); // below 2^-68: the operand whatever the rounding (here down)
        expect(FSIN, 0x20, 1, "3fba_c000000000000001");
        stack(0x77F, "3fbb_8000000000000000"); // 2^-68 is computed: rounded down
        expect(FSIN, 0x20, 1, "3fba_ffffffffffffffff");
    }

    @Test
    void stackFaults() {
        c.fcw = 0x37F;
        c.fsw = 0;
        c.ftw = 0;
        expect(FSIN, 0x41, 1, IND); // empty ST0: IE SF, C1 = 0, the indefinite written
        c.fsw = 0;
        stack(0x37F, ONE, ONE, ONE, ONE, ONE, ONE, ONE, ONE); // full: FPTAN overflows
        expect(FPTAN, 0x241, 8, IND, IND);
        stack(0x37F, ONE); // FPATAN with an empty ST1: IE SF, the indefinite in ST1, popped
        expect(FPATAN, 0x41, 1, IND);
    }

    @Test
    void logarithms() {
        stack(0x37F, "4000_8000000000000000", "3fff_c000000000000000"); // 1.5 * log2(2): exact, PE anyway
        expect(FYL2X, 0x20, 1, "3fff_c000000000000000");
        stack(0x37F, ONE, "3fff_c000000000000000"); // log2(1) = +0
        expect(FYL2X, 0, 1, ZERO);
        stack(0x37F, ZERO, "3fff_c000000000000000"); // log2(0): ZE, -inf
        expect(FYL2X, 4, 1, "ffff_8000000000000000");
        stack(0x37F, "bfff_8000000000000000", "3fff_c000000000000000"); // log2(-1): IE
        expect(FYL2X, 1, 1, IND);
        stack(0x37F, "c00a_ef5cadb7d2f46057", "0000_0000007e9475f9de"); // negative x: IE before DE
        expect(FYL2X, 1, 1, IND);
        stack(0x37F, "7fff_8000000000000000", ZERO); // inf * 0: IE
        expect(FYL2X, 1, 1, IND);
        stack(0x37F, ZERO, "3fff_c000000000000000");
        expect(FYL2XP1, 0, 1, ZERO);
        stack(0x37F, "8000_0000000000000000", "7fff_8000000000000000"); // -0 * inf: IE
        expect(FYL2XP1, 1, 1, IND);
        stack(0x37F, "bff0_8000000000000000", "8000_0000000000000000"); // log2(1 - 2^-15) * -0 = +0
        expect(FYL2XP1, 0, 1, ZERO);
        // outside the SDM's domain the host still computes log2(x + 1) * y: x = 1e10 and 1e4000
        // (the atanh series of x / (2 + x) does not converge there: this used to hang the run)
        stack(0x37F, "4020_9502f90000000000", ONE);
        expect(FYL2XP1, 0x20, 1, "4004_84e08b2f62abb7e4");
        stack(0x37F, "73e6_d1ba8323fe558c61", ONE);
        expect(FYL2XP1, 0x20, 1, "400c_cf9ed97a064ce5bc");
    }

    @Test
    void arctangentAndPowerOfTwo() {
        stack(0x37F, ZERO, ONE); // atan2(1, +0) = pi/2
        expect(FPATAN, 0x220, 1, "3fff_c90fdaa22168c235");
        stack(0x37F, "8000_0000000000000000", ZERO); // atan2(+0, -0) = pi
        expect(FPATAN, 0x220, 1, "4000_c90fdaa22168c235");
        stack(0x37F, "ffff_8000000000000000", "7fff_8000000000000000"); // atan2(+inf, -inf) = 3 pi/4
        expect(FPATAN, 0x220, 1, "4000_96cbe3f9990e91a8");
        stack(0x37F, ONE, ZERO); // atan2(+0, 1) = +0 exactly
        expect(FPATAN, 0, 1, ZERO);
        stack(0x37F, "3ffe_8000000000000000");
        expect(F2XM1, 0x20, 1, "3ffd_d413cccfe7799211");
        stack(0x37F, ONE); // 2^1 - 1 = 1, PE anyway
        expect(F2XM1, 0x20, 1, ONE);
        stack(0x37F, "bfff_8000000000000000");
        expect(F2XM1, 0x20, 1, "bffe_8000000000000000");
        stack(0x37F, "4000_8000000000000000"); // outside -1..1: the operand, PE
        expect(F2XM1, 0x20, 1, "4000_8000000000000000");
        stack(0x37F, "ffff_8000000000000000");
        expect(F2XM1, 0, 1, "bfff_8000000000000000");
        stack(0x37F, "0000_0000000000001234");
        expect(F2XM1, 0x32, 1, "0000_0000000000000c9e");
    }

    @Test
    void remainderScaleAndExtract() {
        String three = "4000_c000000000000000";
        stack(0x37F, "4002_e000000000000000", three); // 14 rem 3 = 2, Q = 4: C0
        expect(FPREM, 0x100, 2, "4000_8000000000000000", three);
        stack(0x37F, "4002_e000000000000000", three); // IEEE: Q = 5, -1: C0 C1
        expect(FPREM1, 0x300, 2, "bfff_8000000000000000", three);
        for (String op : new String[] {FPREM, FPREM1}) { // exponent difference > 63: partial (C2), no quotient bits
            stack(0x37F, "4050_8000000000000001", "3fff_8000000000000003");
            expect(op, 0x400, 2, "401e_fff8000000000006", "3fff_8000000000000003");
        }
        stack(0x37F, "7fff_8000000000000000", ONE); // inf rem 1: IE
        expect(FPREM, 1, 2, IND, ONE);
        stack(0x37F, ONE, ZERO); // 1 rem 0: IE
        expect(FPREM, 1, 2, IND, ZERO);
        stack(0x37F, "3ffe_8000000000000000", "7fff_8000000000000000"); // 0.5 rem inf = 0.5
        expect(FPREM, 0, 2, "3ffe_8000000000000000");
        stack(0x37F, ONE, "4001_a000000000000000"); // 1 * 2^5
        expect(FSCALE, 0, 2, "4004_8000000000000000");
        stack(0x37F, ONE, "c001_a000000000000000");
        expect(FSCALE, 0, 2, "3ffa_8000000000000000");
        stack(0x37F, ONE, "400d_8000000000000000"); // 2^16384: OE PE C1, +inf
        expect(FSCALE, 0x228, 2, "7fff_8000000000000000");
        stack(0x37F, ONE, "c00d_8000000000000000"); // 2^-16384: an exact denormal, no UE
        expect(FSCALE, 0, 2, "0000_2000000000000000");
        stack(0x37F, ZERO, "7fff_8000000000000000"); // 0 * 2^inf: IE
        expect(FSCALE, 1, 2, IND);
        stack(0x37F, "4005_c800000000000000"); // 100 = 1.5625 * 2^6
        expect(FXTRACT, 0, 2, "3fff_c800000000000000", "4001_c000000000000000");
        stack(0x37F, "8000_0000000000000000"); // -0: ZE, exponent -inf
        expect(FXTRACT, 4, 2, "8000_0000000000000000", "ffff_8000000000000000");
        stack(0x37F, "0000_0000000000000001"); // the smallest denormal: DE, 1.0 * 2^-16445
        expect(FXTRACT, 2, 2, ONE, "c00d_807a000000000000");
    }
}
