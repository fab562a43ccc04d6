package dev.lstar.conformance.gen;

import dev.lstar.conformance.State;
import dev.lstar.conformance.gen.Form.Kind;
import dev.lstar.conformance.gen.Form.Operand;
import dev.lstar.conformance.gen.Form.Policy;
import dev.lstar.decoder.ByteSource;
import dev.lstar.decoder.Decoder;
import dev.lstar.decoder.Instruction;
import dev.lstar.decoder.OpcodeTable;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Generates deterministic cases for a {@link Form}: for a budget of N cases per form, about half
 * walk the cross product of edge values of the first two value operands (each pair with CF=0 and
 * CF=1 when the instruction reads flags), up to 128 sweep every combination of the input flags
 * CF PF AF ZF SF OF DF, and the rest are random. Registers not under test hold random 64-bit
 * values (so upper-half preservation and zero-extension are checked), the data buffer is random.
 *
 * <p>Host safety: memory operands stay inside the data buffer; BT* bit indexes with a memory
 * operand stay within 255 bytes; DIV/IDIV inputs that would raise #DE are returned as fault cases
 * ({@link Case#expectedFault()} = 0) which must never be run on the host.
 */
public final class CaseGenerator {
    private static final long[] FLAG_BITS = {FlagRules.CF, FlagRules.PF, FlagRules.AF, FlagRules.ZF,
            FlagRules.SF, FlagRules.OF, FlagRules.DF};
    private static final int[][] FULL_PAIRS = {{0, 3}, {3, 0}, {1, 2}, {2, 1}, {8, 15}, {15, 8}, {6, 7}, {7, 6},
            {5, 13}, {13, 5}, {12, 14}, {9, 10}, {11, 11}, {0, 0}, {10, 12}, {14, 9}};
    private static final int[][] BYTE_PAIRS = {{0, 3}, {16, 3}, {3, 19}, {17, 18}, {6, 13}, {8, 7}, {19, 16},
            {5, 0}, {15, 12}, {1, 1}, {18, 2}, {2, 17}, {7, 6}, {16, 16}};
    private static final int[] BASES = {3, 6, 7, 5, 12, 13, 14, 15, 9, 10, 11, 8};

    private final long memBase;
    private final long seed;
    private final int budget;

    /**
     * @param memBase address of the data buffer (e.g. {@code HostCpu.dataBase()})
     * @param seed    base seed; each form derives its own stream from it and its description
     * @param budget  cases per form (host-safe ones; fault cases come on top)
     */
    public CaseGenerator(long memBase, long seed, int budget) {
        this.memBase = memBase;
        this.seed = seed;
        this.budget = budget;
    }

    private record Placement(int reg, int rm, int disp, int baseOff) {}

    /** All cases of {@code f}: host-safe ones first, then expected-fault ones. */
    public List<Case> cases(Form f) {
        String key = f.family() + "|" + f.describe() + "|" + java.util.Arrays.toString(f.opcode()) + "|" + f.ext() + "|" + f.mem();
        SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + key.hashCode());
        if (f.family().equals("sse") || f.family().equals("mmx") || f.family().equals("sse42")) {
            return sseCases(f, rnd);
        }
        if (f.family().equals("x87")) {
            return x87Cases(f, rnd);
        }
        List<Placement> places = placements(f);
        List<Operand> slots = new ArrayList<>();
        for (Operand o : f.operands()) {
            if (o.kind() != Kind.ONE) {
                slots.add(o);
            }
        }
        boolean readsFlags = FlagRules.readsFlags(f.row());
        long[] e0 = slots.isEmpty() ? new long[] {0} : domain(f, slots.get(0));
        long[] e1 = slots.size() < 2 ? new long[] {0} : domain(f, slots.get(1));
        int pairs = e0.length * e1.length * (readsFlags ? 2 : 1);
        int nEdge = f.policy() == Policy.NONE ? 0 : budget / 2;
        int nFlag = Math.min(128, budget / 4);
        int[] order = shuffled(pairs, rnd);

        List<Case> ok = new ArrayList<>(), faults = new ArrayList<>();
        int attempts = 0;
        for (int i = 0; ok.size() < budget && attempts < budget * 6; i++, attempts++) {
            Placement p = places.get(i % places.size());
            long[] vals = new long[slots.size()];
            for (int s = 0; s < vals.length; s++) {
                vals[s] = pick(f, slots.get(s), rnd);
            }
            long flagCombo = rnd.nextInt(128);
            int phaseIndex = i; // attempts, not accepted cases: a rejected (faulting) pair must not repeat
            if (phaseIndex < nEdge && phaseIndex < pairs) {
                // edge pairs need two distinct registers, or the second value overwrites the first
                for (int k = 1; k < places.size() && aliased(f, p); k++) {
                    p = places.get((i + k) % places.size());
                }
                int pi = order[phaseIndex];
                int cf = readsFlags ? pi & 1 : -1;
                pi = readsFlags ? pi >> 1 : pi;
                if (!slots.isEmpty()) {
                    vals[0] = e0[pi % e0.length];
                }
                if (slots.size() > 1) {
                    vals[1] = e1[pi / e0.length];
                }
                if (cf >= 0) {
                    flagCombo = (flagCombo & ~1L) | cf;
                }
            } else if (phaseIndex < nEdge + nFlag || f.policy() == Policy.NONE && phaseIndex < 128) {
                flagCombo = (phaseIndex * 53L) & 127; // 53 is odd: the first 128 indexes hit every combination
            }
            Case c = build(f, p, slots, vals, flagCombo, rnd);
            if (c == null) {
                continue;
            }
            if (c.expectedFault() >= 0) {
                if (faults.size() < Math.max(4, budget / 4)) {
                    faults.add(c);
                }
            } else {
                ok.add(c);
            }
        }
        if (f.policy() == Policy.DIVIDE) {
            faults.addAll(divideByZero(f, places, slots, rnd));
        }
        ok.addAll(faults);
        return ok;
    }

    // ------------------------------------------------------------------ SSE

    /** Per-lane edge patterns of a quadword: zero, ones, sign bits of each lane width, their complements. */
    private static final long[] LANE_EDGES = {0, -1, 0x8080808080808080L, 0x7f7f7f7f7f7f7f7fL, 0x8000800080008000L,
            0x7fff7fff7fff7fffL, 0x8000000080000000L, 0x7fffffff7fffffffL, 0x8000000000000000L, 0x7fffffffffffffffL,
            0x0101010101010101L, 0x00ff00ff00ff00ffL, 0xff00ff00ff00ff00L, 0x5555555555555555L, 0xaaaaaaaaaaaaaaaaL, 1};
    /** Shift counts around every lane width (for the imm8 and the xmm count of PSLL/PSRL/PSRA, PSLLDQ/PSRLDQ). */
    private static final long[] SSE_COUNTS = {0, 1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 255};

    /** Explicit string lengths for PCMPESTRx: small, negative, at and past 8 and 16, 32-bit and 64-bit extremes. */
    private static final long[] LENGTHS = {0, 1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 100, -1, -3, -8, -9, -16, -17,
        0x7FFF_FFFFL, 0x8000_0000L, 0xFFFF_FFF0L, 0x1_0000_0004L, Long.MIN_VALUE, Long.MAX_VALUE, -0x1_0000_0000L};

    /** Eight bytes of a string over a small alphabet (so elements match), with zeros (terminators) now and then. */
    private static long stringValue(SplittableRandom rnd) {
        if (rnd.nextInt(5) == 0) {
            return sseValue(rnd);
        }
        byte[] alphabet = {0, 'a', 'b', 'c', 'z', 0x7F, (byte) 0x80, (byte) 0xFF};
        int zeros = rnd.nextInt(3);
        long v = 0;
        for (int k = 0; k < 8; k++) {
            int b = alphabet[1 + rnd.nextInt(alphabet.length - 1)] & 0xFF;
            if (zeros > 0 && rnd.nextInt(8) == 0) {
                b = 0;
            }
            v |= (long) b << (8 * k);
        }
        return v;
    }

    /** A quadword of an XMM value: lane edges, edges mixed per byte, or random. */
    private static long sseValue(SplittableRandom rnd) {
        return switch (rnd.nextInt(4)) {
            case 0 -> LANE_EDGES[rnd.nextInt(LANE_EDGES.length)];
            case 1 -> {
                long a = LANE_EDGES[rnd.nextInt(LANE_EDGES.length)], b = rnd.nextLong();
                long m = rnd.nextLong(); // a random mix of edge bytes and random bytes
                yield (a & m) | (b & ~m);
            }
            default -> rnd.nextLong();
        };
    }

    /** Single-precision edge values: zeros, denormals, infinities, NaNs with payloads, extremes, integer boundaries. */
    private static final int[] FLOAT_EDGES = {0, 0x80000000, 1, 0x80000001, 0x007FFFFF, 0x807FFFFF, 0x00800000, 0x80800000,
        0x7F7FFFFF, 0xFF7FFFFF, 0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00000, 0x7FC12345, 0xFFC00001, 0x7F800001,
        0xFFA00000, 0x7F812345, 0x3F800000, 0xBF800000, 0x3F000000, 0xBF000000, 0x3FC00000, 0x40200000, 0xBFC00000,
        0x4F000000, 0x4EFFFFFF, 0xCF000000, 0xCF000001, 0x5F000000, 0x5EFFFFFF, 0xDF000000, 0xDF000001, 0x7F000000,
        0x00400000, 0x0C000000, 0x33800000, 0x3DCCCCCD, 0x40490FDB};
    /** Double-precision edge values, the same kinds. */
    private static final long[] DOUBLE_EDGES = {0, 0x8000000000000000L, 1, 0x8000000000000001L, 0x000FFFFFFFFFFFFFL,
        0x800FFFFFFFFFFFFFL, 0x0010000000000000L, 0x8010000000000000L, 0x7FEFFFFFFFFFFFFFL, 0xFFEFFFFFFFFFFFFFL,
        0x7FF0000000000000L, 0xFFF0000000000000L, 0x7FF8000000000000L, 0xFFF8000000000000L, 0x7FF8123456789ABCL,
        0xFFF8000000000001L, 0x7FF0000000000001L, 0xFFF4000000000000L, 0x7FF0123456789ABCL, 0x3FF0000000000000L,
        0xBFF0000000000000L, 0x3FE0000000000000L, 0xBFE0000000000000L, 0x3FF8000000000000L, 0x4004000000000000L,
        0x41DFFFFFFFC00000L, 0x41DFFFFFFFE00000L, 0x41E0000000000000L, 0xC1E0000000000000L, 0xC1E0000000100000L,
        0xC1E0000000200000L, 0x43E0000000000000L, 0x43DFFFFFFFFFFFFFL, 0xC3E0000000000000L, 0xC3E0000000000001L,
        0x47EFFFFFE0000000L, 0x47EFFFFFF0000000L, 0x3810000000000000L, 0x380FFFFFE0000000L, 0x36A0000000000000L,
        0x3FB999999999999AL, 0x400921FB54442D18L, 0x7FE0000000000000L, 0x0008000000000000L};

    /** Magnitudes at the subnormal boundary and the top of the range (doubles; near 2^-126 and 2^128 for CVTSD2SS). */
    private static final long[] BOUNDARY_A_D = {0x000FFFFFFFFFFFFFL, 0x0010000000000000L, 0x0010000000000001L,
        0x001FFFFFFFFFFFFFL, 0x7FEFFFFFFFFFFFFFL, 0x000FFFFFFFFFFFFEL, 0x0008000000000001L, 0x380FFFFFF0000000L,
        0x380FFFFFFFFFFFFFL, 0x380FFFFFE8000000L, 0x47EFFFFFF0000000L, 0x36A0000000000001L};
    /** Factors near 1, 1/2 and 2 that move a boundary value across the boundary (doubles). */
    private static final long[] BOUNDARY_B_D = {0x3FF0000000000001L, 0x3FEFFFFFFFFFFFFFL, 0x3FF0000000000000L,
        0x3FE0000000000001L, 0x3FFFFFFFFFFFFFFFL, 0x4000000000000000L, 0x3FF0000000000003L, 0x3FEFFFFFFFFFFFFDL};
    private static final int[] BOUNDARY_A_S = {0x007FFFFF, 0x00800000, 0x00800001, 0x00FFFFFF, 0x7F7FFFFF, 0x007FFFFE,
        0x00400001, 0x00000003};
    private static final int[] BOUNDARY_B_S = {0x3F800001, 0x3F7FFFFF, 0x3F800000, 0x3F000001, 0x3FFFFFFF, 0x40000000,
        0x3F800003, 0x3F7FFFFD};

    /** A quadword of boundary values with random signs: one double or two singles. */
    private static long boundaryValue(SplittableRandom rnd, boolean dbl, long[] d, int[] f) {
        if (dbl) {
            return d[rnd.nextInt(d.length)] | (rnd.nextBoolean() ? 0x8000000000000000L : 0);
        }
        long lo = (f[rnd.nextInt(f.length)] | (rnd.nextBoolean() ? 0x80000000 : 0)) & 0xFFFFFFFFL;
        long hi = (f[rnd.nextInt(f.length)] | (rnd.nextBoolean() ? 0x80000000 : 0)) & 0xFFFFFFFFL;
        return lo | hi << 32;
    }

    /** A random finite value of a format: any exponent, or near 1, near the subnormal range, near overflow. */
    private static long randomFinite(SplittableRandom rnd, int mbits, int ebits) {
        int emax = (1 << ebits) - 2;
        int ex = switch (rnd.nextInt(5)) {
            case 0 -> rnd.nextInt(emax + 1);
            case 1 -> emax / 2 + rnd.nextInt(-40, 41);
            case 2 -> rnd.nextInt(Math.min(40, emax));
            case 3 -> emax - rnd.nextInt(40);
            default -> (emax / 2 + mbits / 2) + rnd.nextInt(-20, 20); // large integers, conversions
        };
        long mant = rnd.nextLong() & ((1L << mbits) - 1);
        if (rnd.nextInt(3) == 0) {
            mant &= -1L << (mbits - rnd.nextInt(mbits + 1)); // few significant bits: exact results
        }
        long sign = rnd.nextBoolean() ? 1L << (mbits + ebits) : 0;
        return sign | (long) Math.max(0, Math.min(emax, ex)) << mbits | mant;
    }

    private static long floatLane(SplittableRandom rnd) {
        return switch (rnd.nextInt(3)) {
            case 0 -> FLOAT_EDGES[rnd.nextInt(FLOAT_EDGES.length)] & 0xFFFFFFFFL;
            case 1 -> randomFinite(rnd, 23, 8);
            default -> rnd.nextInt(8) == 0 ? rnd.nextLong() & 0xFFFFFFFFL : randomFinite(rnd, 23, 8);
        };
    }

    /** A quadword of FP lanes: one double or two singles (mostly of the form's format), sometimes random bits. */
    private static long fpValue(SplittableRandom rnd, boolean dbl) {
        if (rnd.nextInt(10) == 0) {
            return rnd.nextLong();
        }
        if (dbl == (rnd.nextInt(5) != 0)) {
            return switch (rnd.nextInt(3)) {
                case 0 -> DOUBLE_EDGES[rnd.nextInt(DOUBLE_EDGES.length)];
                default -> randomFinite(rnd, 52, 11);
            };
        }
        return floatLane(rnd) | floatLane(rnd) << 32;
    }

    /** Integer sources of CVTSI2SS/SD: boundaries of 24/53-bit exactness and of the 32/64-bit ranges. */
    private static long intEdge(SplittableRandom rnd) {
        long[] e = {0, 1, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE, (1L << 24) + 1,
            (1L << 53) + 1, -(1L << 53) - 3, 0x00000000FFFFFFFFL, 0xFFFFFFFF80000001L, 3, 16777217L * 3};
        return switch (rnd.nextInt(3)) {
            case 0 -> e[rnd.nextInt(e.length)];
            case 1 -> rnd.nextLong() >> rnd.nextInt(64);
            default -> rnd.nextLong();
        };
    }

    /** Whether a floating-point form's lanes are mostly doubles (PD/SD sources, CVTPD2*, CVTSD2*). */
    private static boolean prefersDouble(Form f) {
        String m = f.mnemonic();
        return m.endsWith("pd") && !m.startsWith("cvt") || m.endsWith("sd") && !m.startsWith("cvt")
                || m.startsWith("cvtpd") || m.startsWith("cvttpd") || m.startsWith("cvtsd") || m.startsWith("cvttsd")
                || m.startsWith("comisd") || m.startsWith("ucomisd");
    }

    /**
     * MXCSR for a floating-point case: every rounding mode, FTZ and DAZ each a third of the time,
     * random sticky flags; every fifth case unmasks a random set of exceptions (UE stays masked,
     * see {@link Case#XM_IF_RAISED}); another fifth runs in compiled code's usual state, the
     * default MXCSR with PE already set (the translator's fast paths, see {@code SseFloat}).
     */
    private static int fpMxcsr(SplittableRandom rnd, int k) {
        if (k % 5 == 2) {
            return 0x1FA0 | rnd.nextInt(32);
        }
        int m = 0x1F80 | rnd.nextInt(4) << 13;
        if (rnd.nextInt(3) == 0) {
            m |= 0x8000;
        }
        if (rnd.nextInt(3) == 0) {
            m |= 0x40;
        }
        if (rnd.nextInt(4) == 0) {
            m |= rnd.nextInt(64);
        }
        if (k % 5 == 4) {
            m &= ~(rnd.nextInt(1, 64) << 7);
            m |= 0x800;
        }
        return m;
    }

    private static boolean isShift(Form f) {
        return f.mnemonic().matches("ps(ll|rl|ra)(w|d|q|dq)");
    }

    /**
     * Cases of an SSE form: every XMM register, the GPRs and the data buffer random with lane
     * edges; register numbers 0-15 for the XMM operands (REX.R/REX.B), never RSP for a GPR or
     * base; shift counts around the lane widths; MXCSR mostly 0x1F80, else a random valid value.
     * Forms whose 16-byte memory operand must be aligned get aligned addresses on the host, and
     * misaligned ones as #GP fault cases for the emulators; LDMXCSR gets reserved-bit fault cases.
     */
    private List<Case> sseCases(Form f, SplittableRandom rnd) {
        boolean mmx = f.family().equals("mmx");
        boolean strings = f.mnemonic().startsWith("pcmp") && f.mnemonic().contains("str");
        boolean align = (f.row().attributes & OpcodeTable.A_ALIGN16) != 0 && f.mem();
        boolean gprReg = f.find(Kind.REG) != null, gprRm = f.find(Kind.RM) != null && !f.mem();
        boolean ldmxcsr = f.row().mnemonic == dev.lstar.decoder.Mnemonic.LDMXCSR;
        List<Case> ok = new ArrayList<>(), faults = new ArrayList<>();
        int nFaults = (align || ldmxcsr) ? Math.max(4, budget / 8) : 0;
        for (int k = 0; ok.size() < budget || faults.size() < nFaults; k++) {
            if (k > budget * 6) {
                break;
            }
            boolean wantFault = ok.size() >= budget;
            int reg = k % 16, rm = (k * 7 + 3) % 16;
            if (gprReg && reg == 4) {
                reg = 5;
            }
            if ((gprRm || f.mem()) && rm == 4) {
                rm = 12;
            }
            if (f.mem() && gprReg && rm == reg) {
                rm = BASES[k % BASES.length] == reg ? BASES[(k + 1) % BASES.length] : BASES[k % BASES.length];
            }
            if (f.mem() && strings && (rm == 0 || rm == 2)) {
                rm = 8 + rm; // RAX and RDX hold the explicit lengths
            }
            if (f.find(Kind.MREG) != null) {
                reg &= 7; // MM0-MM7
            }
            if (f.find(Kind.MRM) != null && !f.mem()) {
                rm &= 7;
            }
            State in = new State(memBase);
            for (int r = 0; r < 16; r++) {
                in.gpr[r] = rnd.nextInt(4) == 0 ? rnd.nextLong(1 << 16) : rnd.nextLong();
            }
            in.gpr[State.RSP] = 0;
            rnd.nextBytes(in.memory);
            boolean fp = Forms.SSE_FP.contains(f.row().mnemonic) || Forms.MMX_FP.contains(f.row().mnemonic);
            boolean dbl = fp && prefersDouble(f);
            for (int q = 0; q < 32; q++) {
                in.xmm[q] = fp ? fpValue(rnd, dbl) : sseValue(rnd);
            }
            int corr = fp ? rnd.nextInt(4) : -1;
            if (corr == 0) { // the same magnitudes in both operands: exact zeros, equal compares
                int src = 2 * rm, dst = 2 * reg;
                long flip = rnd.nextBoolean() ? 0 : dbl ? 0x8000000000000000L : 0x8000000080000000L;
                in.xmm[dst] = in.xmm[src] ^ flip;
                in.xmm[dst + 1] = in.xmm[src + 1] ^ flip;
            } else if (corr == 1) { // results at the subnormal and overflow boundaries (tininess after rounding)
                for (int q = 0; q < 2; q++) {
                    in.xmm[2 * reg + q] = boundaryValue(rnd, dbl, BOUNDARY_A_D, BOUNDARY_A_S);
                    in.xmm[2 * rm + q] = boundaryValue(rnd, dbl, rnd.nextBoolean() ? BOUNDARY_A_D : BOUNDARY_B_D,
                            rnd.nextBoolean() ? BOUNDARY_A_S : BOUNDARY_B_S);
                }
            }
            in.mxcsr = rnd.nextInt(4) == 0 ? rnd.nextInt(0x10000) & 0xFFBF : 0x1F80; // DAZ (bit 6) left to the host's MXCSR_MASK
            int fpFault = -1;
            if (fp) {
                in.mxcsr = fpMxcsr(rnd, k);
                if ((~in.mxcsr >>> 7 & 0x3F) != 0) {
                    fpFault = Case.XM_IF_RAISED;
                }
                if (f.find(Kind.RM) != null) { // CVTSI2SS/SD: an integer source
                    long v = intEdge(rnd);
                    in.gpr[rm] = v;
                }
            }
            int top = 0;
            if (mmx) { // a random x87 state under the MMX registers: TOP, tags, exponents, masked sticky flags
                in.fcw = 0x37F & ~(rnd.nextInt(4) == 0 ? rnd.nextInt(0x40) : 0) | rnd.nextInt(4) << 10;
                top = rnd.nextInt(8);
                in.fsw = top << 11 | (rnd.nextInt(0x10000) & 0x4700) | (rnd.nextInt(0x80) & 0x7F & in.fcw & 0x3F);
                in.ftw = rnd.nextInt(256);
                for (int st = 0; st < 8; st++) {
                    in.stm[st] = sseValue(rnd);
                    in.ste[st] = rnd.nextInt(4) == 0 ? 0xFFFF : rnd.nextInt(0x10000);
                }
            }
            if (strings) { // strings over a small alphabet with terminators, lengths around and beyond the register
                for (int q = 0; q < 32; q++) {
                    in.xmm[q] = stringValue(rnd);
                }
                in.gpr[0] = LENGTHS[rnd.nextInt(LENGTHS.length)];
                in.gpr[2] = LENGTHS[rnd.nextInt(LENGTHS.length)];
            }
            in.rflags = rnd.nextInt(128) & 0xCD5;
            long imm = isShift(f) && rnd.nextBoolean() ? SSE_COUNTS[rnd.nextInt(SSE_COUNTS.length)] : rnd.nextInt(256);
            if (isShift(f) && f.find(Kind.IMM) == null && !f.mem() && rnd.nextBoolean()) {
                in.xmm[2 * rm] = SSE_COUNTS[rnd.nextInt(SSE_COUNTS.length)]; // an xmm count around the widths
                in.xmm[2 * rm + 1] = rnd.nextLong();
                if (mmx) {
                    in.stm[(rm - top) & 7] = SSE_COUNTS[rnd.nextInt(SSE_COUNTS.length)]; // MMn is R(n) = ST((n - TOP) mod 8)
                }
            }
            int disp = 0;
            int fault = -1;
            if (f.mem()) {
                int[] disps = {0, 8, -8, 0x70, -0x80, 3, -5, 0x40, 0x10, -0x10};
                disp = disps[k % disps.length];
                int baseOff = 0x180 + ((k * 0x3A8) % 0xD00);
                int addr = baseOff + disp;
                if (align) {
                    boolean misaligned = wantFault;
                    addr = (addr & ~15) + (misaligned ? 1 + rnd.nextInt(15) : 0);
                    baseOff = addr - disp;
                    fault = misaligned ? 13 : -1;
                } else if (wantFault && !ldmxcsr) {
                    continue;
                }
                in.gpr[rm] = memBase + baseOff;
                if (fp) { // the memory source holds FP values too (or an integer for CVTSI2SS/SD)
                    boolean bound = corr == 1;
                    for (int q = 0; q < 2; q++) {
                        long v = bound ? boundaryValue(rnd, dbl, BOUNDARY_B_D, BOUNDARY_B_S) : fpValue(rnd, dbl);
                        putMem(in, addr + 8 * q, 64, q == 0 && f.find(Kind.RM) != null ? intEdge(rnd) : v);
                    }
                }
                if (isShift(f) && rnd.nextBoolean()) {
                    putMem(in, addr, 64, SSE_COUNTS[rnd.nextInt(SSE_COUNTS.length)]);
                }
                if (strings) {
                    putMem(in, addr, 64, stringValue(rnd));
                    putMem(in, addr + 8, 64, stringValue(rnd));
                }
                if (ldmxcsr) {
                    long v = rnd.nextInt(0x10000) & 0xFFBF;
                    if (wantFault) {
                        v |= 1L << (16 + rnd.nextInt(16));
                        fault = 13;
                    }
                    putMem(in, addr, 32, v);
                }
            } else if (wantFault) {
                break;
            }
            Encoder.Encoded e;
            try {
                e = Encoder.encode(f, reg, rm, disp, imm);
            } catch (IllegalArgumentException unencodable) {
                continue;
            }
            if (!decodesToRow(e.bytes(), f)) {
                continue;
            }
            if (fault < 0) {
                fault = fpFault;
            }
            Case c = new Case(f, e.bytes(), e.text(), in, FlagRules.compared(f.row(), f.size(), 0), 0, fault);
            if (fault == Case.XM_IF_RAISED) {
                if (ok.size() < budget) {
                    ok.add(c); // decided against the host when it runs (Differential)
                }
            } else if (fault >= 0) {
                if (faults.size() < nFaults) {
                    faults.add(c);
                }
            } else if (ok.size() < budget) {
                ok.add(c);
            }
        }
        ok.addAll(faults);
        return ok;
    }

    // ------------------------------------------------------------------ x87


    /** 80-bit edge values as {sign/exponent, significand}. */
    private static final long[][] X87_EDGES = {
        {0x0000, 0}, {0x8000, 0}, // zeros
        {0x3FFF, 0x8000_0000_0000_0000L}, {0xBFFF, 0x8000_0000_0000_0000L}, {0x4000, 0xC000_0000_0000_0000L}, // 1, -1, 3
        {0x3FFD, 0xAAAA_AAAA_AAAA_AAABL}, {0x3FFF, 0x8000_0080_0000_0000L}, {0x3FFF, 0x8000_0000_0000_0400L}, // 1/3, ties at 24/53 bits
        {0x3FFF, 0x8000_0080_0000_0001L}, {0x3FFF, 0x8000_0000_0000_0C00L}, {0x3FFF, 0xFFFF_FF80_0000_0000L},
        {0x3FFF, 0xFFFF_FFFF_FFFF_F800L}, {0x3FFF, 0xFFFF_FFFF_FFFF_FFFFL},
        {0x0000, 1}, {0x8000, 0x7FFF_FFFF_FFFF_FFFFL}, {0x0000, 0x0000_0000_0012_3456L}, // denormals
        {0x0000, 0x8000_0000_0000_0000L}, {0x8000, 0x8000_0000_0000_1234L}, // pseudo-denormals
        {0x0001, 0x8000_0000_0000_0000L}, {0x8001, 0xFFFF_FFFF_FFFF_FFFFL}, // smallest normals
        {0x7FFE, 0xFFFF_FFFF_FFFF_FFFFL}, {0xFFFE, 0xFFFF_FFFF_FFFF_FFFFL}, {0x7FFE, 0x8000_0000_0000_0000L}, // largest
        {0x7FFF, 0x8000_0000_0000_0000L}, {0xFFFF, 0x8000_0000_0000_0000L}, // infinities
        {0x7FFF, 0xC000_0000_0000_0000L}, {0xFFFF, 0xC000_0000_0000_0000L}, {0x7FFF, 0xC123_4567_89AB_CDEFL}, // QNaNs
        {0x7FFF, 0x8000_0000_0000_0001L}, {0xFFFF, 0xA000_0000_0000_0000L}, // SNaNs
        {0x7FFF, 0x4000_0000_0000_0000L}, {0x7FFF, 0}, {0x4000, 0x4000_0000_0000_0000L}, {0x3FFF, 0}, // unsupported
        {0x401D, 0xFFFF_FFFE_0000_0000L}, {0x401E, 0x8000_0000_0000_0000L}, {0xC01E, 0x8000_0000_0000_0000L}, // around 2^31
        {0x403E, 0x8000_0000_0000_0000L}, {0xC03E, 0x8000_0000_0000_0000L}, {0x403D, 0xFFFF_FFFF_FFFF_FFFFL}, // around 2^63
        {0x400D, 0xFFFF_0000_0000_0000L}, {0x400E, 0x8000_8000_0000_0000L}, {0x3FFE, 0x8000_0000_0000_0000L}, // 2^15, 0.5
        {0x3FFF, 0xC000_0000_0000_0000L}, {0x4000, 0xA000_0000_0000_0000L}, {0xBFFE, 0xC000_0000_0000_0000L}, // 1.5, 2.5, -0.75
        {0x0001, 0x8000_0000_0000_0001L}, {0x3C00, 0x8000_0000_0000_0000L}, {0x43FF, 0xFFFF_FFFF_FFFF_F800L}, // double range edges
        {0x3F80, 0x8000_0000_0000_0000L}, {0x407E, 0xFFFF_FF00_0000_0000L}, {0x3F6A, 0x8000_0000_0000_0000L}, // float range edges
        {0x3BCD, 0x8000_0000_0000_0000L}, {0x3BCC, 0xC000_0000_0000_0000L},
    };

    /** An 80-bit value: an edge, an edge with a random significand tail, a value near 1, or random bits. */
    private static long[] x87Value(SplittableRandom rnd) {
        switch (rnd.nextInt(6)) {
            case 0, 1 -> { return X87_EDGES[rnd.nextInt(X87_EDGES.length)].clone(); }
            case 2 -> {
                long[] e = X87_EDGES[rnd.nextInt(X87_EDGES.length)].clone();
                e[1] ^= rnd.nextLong() >>> (24 + rnd.nextInt(40));
                return e;
            }
            case 3 -> {
                int ex = 0x3FFF + rnd.nextInt(-70, 70);
                return new long[] {(rnd.nextBoolean() ? 0x8000 : 0) | ex, rnd.nextLong() | Long.MIN_VALUE};
            }
            case 4 -> { // significands with few bits: exact results, ties
                int ex = 0x3FFF + rnd.nextInt(-20, 40);
                long m = Long.MIN_VALUE | (rnd.nextLong() & 0x7FFF_FF00_0000_0000L) | (rnd.nextBoolean() ? 0x400 : 0);
                return new long[] {(rnd.nextBoolean() ? 0x8000 : 0) | ex, m};
            }
            default -> {
                long m = rnd.nextLong();
                int se = rnd.nextInt(0x10000);
                if (rnd.nextInt(4) != 0) m |= Long.MIN_VALUE; // mostly supported encodings
                return new long[] {se, m};
            }
        }
    }

    /** A memory operand value of {@code bits} bits for a real (m32/m64/m80) or integer operand. */
    private static long x87MemValue(SplittableRandom rnd, int bits, boolean integer) {
        if (integer) {
            return switch (rnd.nextInt(4)) {
                case 0 -> Values.edges(bits)[rnd.nextInt(Values.edges(bits).length)];
                case 1 -> rnd.nextLong(-1000, 1000);
                default -> rnd.nextLong();
            };
        }
        long[] floats32 = {0, 0x80000000L, 0x3F800000L, 0xBF800000L, 1, 0x807FFFFFL, 0x00400000L, 0x7F7FFFFFL, 0xFF7FFFFFL,
            0x00800000L, 0x7F800000L, 0xFF800000L, 0x7FC00000L, 0xFFC00000L, 0x7F800001L, 0xFFA00000L, 0x3EAAAAABL};
        long[] floats64 = {0, Long.MIN_VALUE, 0x3FF0000000000000L, 0xBFF0000000000000L, 1, 0x800FFFFFFFFFFFFFL,
            0x0008000000000000L, 0x7FEFFFFFFFFFFFFFL, 0xFFEFFFFFFFFFFFFFL, 0x0010000000000000L, 0x7FF0000000000000L,
            0xFFF0000000000000L, 0x7FF8000000000000L, 0xFFF8000000000000L, 0x7FF0000000000001L, 0xFFF4000000000000L,
            0x3FD5555555555555L, 0x41E0000000000000L, 0xC3E0000000000000L};
        if (rnd.nextBoolean()) {
            long[] t = bits == 32 ? floats32 : floats64;
            return t[rnd.nextInt(t.length)];
        }
        return rnd.nextLong();
    }

    /**
     * Cases of an x87 form: a random x87 state (a quarter with some exceptions unmasked, none
     * pending: an unmasked exception the instruction raises only sets ES, and nothing waits after
     * it in the host's trampoline; precision and rounding control random, sticky flags, condition codes, TOP and tags random, the registers 80-bit
     * edge values), random GPRs, RFLAGS and data buffer, the memory operand an edge value of its
     * format; ST(i) operands cycle through 0-7. FXSAVE/FXRSTOR get 16-byte aligned areas on the
     * host and misaligned ones as #GP fault cases; FXRSTOR/FRSTOR/FLDENV areas hold a valid MXCSR
     * and an FCW/FSW without unmasked exceptions (the host would raise #MF later).
     */
    private List<Case> x87Cases(Form f, SplittableRandom rnd) {
        dev.lstar.decoder.Mnemonic mn = f.row().mnemonic;
        boolean fx = mn == dev.lstar.decoder.Mnemonic.FXSAVE || mn == dev.lstar.decoder.Mnemonic.FXRSTOR;
        Operand memOp = f.mem() ? f.find(Kind.RM) : null;
        int memBytes = memOp == null ? 0 : memOp.size() / 8;
        boolean integer = switch (mn) {
            case FILD, FIST, FISTP, FIADD, FISUB, FISUBR, FIMUL, FIDIV, FIDIVR, FICOM, FICOMP -> true;
            default -> false;
        };
        List<Case> ok = new ArrayList<>(), faults = new ArrayList<>();
        int nFaults = fx ? Math.max(4, budget / 8) : 0;
        for (int k = 0; ok.size() < budget || faults.size() < nFaults; k++) {
            if (k > budget * 6) {
                break;
            }
            boolean wantFault = ok.size() >= budget;
            if (wantFault && !fx) {
                break;
            }
            State in = new State(memBase);
            for (int r = 0; r < 16; r++) {
                in.gpr[r] = rnd.nextInt(4) == 0 ? rnd.nextLong(1 << 16) : rnd.nextLong();
            }
            in.gpr[State.RSP] = 0;
            rnd.nextBytes(in.memory);
            for (int q = 0; q < 32; q++) {
                in.xmm[q] = rnd.nextLong();
            }
            in.rflags = rnd.nextInt(128) & 0xCD5;
            in.fcw = 0x7F | rnd.nextInt(4) << 8 | rnd.nextInt(4) << 10 | (rnd.nextInt(8) == 0 ? 0x1000 : 0);
            if (rnd.nextInt(4) == 0) {
                in.fcw = (in.fcw & ~0xF00) | 0x300; // the Linux default precision, round to nearest
            }
            if (rnd.nextInt(4) == 0) {
                in.fcw &= ~(1 << rnd.nextInt(6)) & ~(rnd.nextBoolean() ? 0 : rnd.nextInt(0x40)); // some exceptions unmasked
            }
            in.fsw = rnd.nextInt(2) == 0 ? 0 : rnd.nextInt(0x80) & 0x7F & ~(~in.fcw & 0x3F); // none pending unmasked
            in.fsw |= rnd.nextInt(16) == 0 ? 0 : (rnd.nextInt(0x10000) & 0x4700);
            int top = rnd.nextInt(8);
            in.fsw |= top << 11;
            int depth = rnd.nextInt(9); // a stack of depth registers from TOP, or random tags
            in.ftw = rnd.nextInt(4) == 0 ? rnd.nextInt(256) : ((1 << depth) - 1) << top;
            in.ftw = (in.ftw | in.ftw >>> 8) & 0xFF;
            for (int st = 0; st < 8; st++) {
                long[] v = x87Value(rnd);
                in.ste[st] = (int) v[0] & 0xFFFF;
                in.stm[st] = v[1];
            }
            transcendentalDomain(mn, in, rnd);
            // ST(i), i = 0..7; "op st(i), st" with i = 0 only as the ST0,STi form (GNU as has no spelling for DC C0)
            boolean stDest = !f.operands().isEmpty() && f.operands().get(0).kind() == Kind.STI && f.find(Kind.ST0) != null;
            int rm = f.row().modrmRm >= 0 ? f.row().modrmRm : stDest ? 1 + k % 7 : k % 8;
            int disp = 0;
            int fault = -1;
            if (f.mem()) {
                int[] disps = {0, 8, -8, 0x70, -0x80, 3, -5, 0x40, 0x10, -0x10};
                disp = disps[k % disps.length];
                int span = Math.max(memBytes, 16);
                int addr = 0x180 + rnd.nextInt(State.MEMORY_SIZE - 0x300 - span); // the base stays 0x100 inside the buffer
                if (fx) {
                    addr = (addr & ~15) + (wantFault ? 1 + rnd.nextInt(15) : 0);
                    fault = wantFault ? 13 : -1;
                }
                int base = BASES[k % BASES.length];
                rm = base;
                in.gpr[base] = memBase + addr - disp;
                if (memBytes == 10) {
                    long[] v = x87Value(rnd);
                    putMem(in, addr, 64, v[1]);
                    putMem(in, addr + 8, 16, v[0]);
                } else if (memBytes == 2 || memBytes == 4 || memBytes == 8) {
                    putMem(in, addr, memBytes * 8, x87MemValue(rnd, memBytes * 8, integer || memBytes == 2));
                }
                switch (mn) {
                    case FLDCW -> putMem(in, addr, 16, (in.fcw & ~0xF00) | (rnd.nextInt(16) << 8) | (rnd.nextBoolean() ? 0x40 : 0));
                    case FLDENV, FRSTOR -> {
                        boolean small = f.size() == 16;
                        int w = small ? 2 : 4;
                        putMem(in, addr, 16, 0x7F | rnd.nextInt(16) << 8 | (rnd.nextBoolean() ? 0x1000 : 0));
                        putMem(in, addr + w, 16, rnd.nextInt(0x10000) & 0x7F7F);
                        if (mn == dev.lstar.decoder.Mnemonic.FRSTOR) {
                            for (int st = 0; st < 8; st++) {
                                long[] v = x87Value(rnd);
                                putMem(in, addr + (small ? 14 : 28) + 10 * st, 64, v[1]);
                                putMem(in, addr + (small ? 14 : 28) + 10 * st + 8, 16, v[0]);
                            }
                        }
                    }
                    case FXRSTOR -> {
                        putMem(in, addr, 16, 0x7F | rnd.nextInt(16) << 8 | (rnd.nextBoolean() ? 0x1000 : 0));
                        putMem(in, addr + 2, 16, rnd.nextInt(0x10000) & 0x7F7F);
                        putMem(in, addr + 24, 32, rnd.nextInt(0x10000) & 0xFFBF);
                        for (int st = 0; st < 8; st++) {
                            long[] v = x87Value(rnd);
                            putMem(in, addr + 32 + 16 * st, 64, v[1]);
                            putMem(in, addr + 40 + 16 * st, 16, v[0]);
                        }
                    }
                    default -> { }
                }
            } else if (f.find(Kind.STI) == null && f.row().modrmRm < 0) {
                rm = 0;
            }
            Encoder.Encoded e;
            try {
                e = Encoder.encode(f, 0, rm, disp, 0);
            } catch (IllegalArgumentException unencodable) {
                continue;
            }
            if (!decodesToRow(e.bytes(), f)) {
                continue;
            }
            Case c = new Case(f, e.bytes(), e.text(), in, FlagRules.compared(f.row(), f.size(), 0), 0, fault);
            if (fault >= 0) {
                if (faults.size() < nFaults) {
                    faults.add(c);
                }
            } else if (ok.size() < budget) {
                ok.add(c);
            }
        }
        ok.addAll(faults);
        return ok;
    }

    /**
     * The transcendentals' documented domains: FSIN/FCOS/FSINCOS/FPTAN mostly get |ST0| < 2^63
     * (the edges keep the out-of-range C2 cases), F2XM1 mostly |ST0| <= 1, FYL2XP1 always
     * |ST0| < 1 - sqrt(2)/2 (outside it the hardware's result is undefined) unless ST0 is a zero,
     * denormal, infinity, NaN or unsupported encoding; FYL2X mostly a positive ST0.
     */
    private static void transcendentalDomain(dev.lstar.decoder.Mnemonic mn, State in, SplittableRandom rnd) {
        int e0 = in.ste[0] & 0x7FFF;
        boolean special = e0 == 0 || e0 == 0x7FFF || in.stm[0] >= 0;
        int sign = rnd.nextBoolean() ? 0x8000 : 0;
        long m = rnd.nextLong() | Long.MIN_VALUE;
        switch (mn) {
            case FSIN, FCOS, FSINCOS, FPTAN -> {
                if (rnd.nextInt(4) != 0) {
                    in.ste[0] = sign | (0x3FFF + rnd.nextInt(-20, 63));
                    in.stm[0] = m;
                }
            }
            case F2XM1 -> {
                if (rnd.nextInt(4) != 0) {
                    in.ste[0] = sign | (0x3FFF - rnd.nextInt(1, 40));
                    in.stm[0] = m;
                }
            }
            case FYL2XP1 -> {
                if (!special && (e0 > 0x3FFD || rnd.nextInt(4) != 0)) {
                    in.ste[0] = sign | (0x3FFF - rnd.nextInt(3, 40)); // |x| < 0.25
                    in.stm[0] = m;
                }
            }
            case FYL2X -> {
                if (rnd.nextInt(4) != 0) {
                    in.ste[0] = 0x3FFF + rnd.nextInt(-60, 60);
                    in.stm[0] = m;
                }
            }
            default -> { }
        }
    }

    private static boolean aliased(Form f, Placement p) {
        return !f.mem() && f.find(Kind.REG) != null && f.find(Kind.RM) != null && p.reg == p.rm;
    }

    /** Generates cases for every form in {@code forms} whose CPU feature the host has. */
    public List<Case> cases(List<Form> forms, CpuFeatures features) {
        List<Case> all = new ArrayList<>();
        for (Form f : forms) {
            if (features.has(f.requires())) {
                all.addAll(cases(f));
            }
        }
        return all;
    }

    private static int[] shuffled(int n, SplittableRandom rnd) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }

    /** The edge domain of a value operand. */
    private long[] domain(Form f, Operand o) {
        if (isCount(f, o)) {
            return Values.counts(f.policy() == Policy.COUNT16);
        }
        if (f.policy() == Policy.BITINDEX && f.mem() && o.kind() == Kind.REG) {
            return Values.memBitIndexes();
        }
        return Values.edges(o.size());
    }

    private static boolean isCount(Form f, Operand o) {
        return (f.policy() == Policy.COUNT || f.policy() == Policy.COUNT16) && (o.kind() == Kind.CL || o.kind() == Kind.IMM);
    }

    private long pick(Form f, Operand o, SplittableRandom rnd) {
        if (isCount(f, o) || (f.policy() == Policy.BITINDEX && f.mem() && o.kind() == Kind.REG)) {
            if (rnd.nextBoolean()) {
                long[] d = domain(f, o);
                return d[rnd.nextInt(d.length)];
            }
            if (isCount(f, o)) {
                long c = rnd.nextInt(256);
                return f.policy() == Policy.COUNT16 ? c & ~16L & 0xEF : c; // bit 4 clear keeps (c & 31) <= 15
            }
            return rnd.nextLong(-2040, 2041);
        }
        if (rnd.nextInt(3) == 0) {
            long[] d = Values.edges(o.size());
            return d[rnd.nextInt(d.length)];
        }
        return Values.random(rnd, o.size());
    }

    private List<Placement> placements(Form f) {
        Operand reg = f.find(Kind.REG) != null ? f.find(Kind.REG) : f.find(Kind.OPREG);
        Operand rm = f.find(Kind.RM);
        boolean bytes = (reg != null && reg.size() == 8) || (rm != null && rm.size() == 8);
        int[][] pairs = bytes ? BYTE_PAIRS : FULL_PAIRS;
        int implicit = 0;
        for (Operand o : f.operands()) {
            implicit |= switch (o.kind()) {
                case IACC, ACC -> 1;
                case IDX -> 1 << 2;
                case CL -> 1 << 1;
                default -> 0;
            };
        }
        if (f.mnemonic().equals("div") || f.mnemonic().equals("idiv") || f.mnemonic().equals("mul")
                || (f.mnemonic().equals("imul") && f.find(Kind.IACC) != null)) {
            implicit |= 1 | 4;
        }
        List<Placement> out = new ArrayList<>();
        for (int i = 0; i < pairs.length; i++) {
            int r = fit(pairs[i][0], reg);
            int m = fit(pairs[i][1], rm);
            if ((reg != null && r < 0) || (rm != null && !f.mem() && m < 0)) {
                continue;
            }
            int disp = 0, baseOff = 0;
            if (f.mem()) {
                int used = implicit | (reg != null ? 1 << (r & 15) : 0) | (r >= 16 ? 1 << (r - 16) : 0);
                m = -1;
                for (int k = 0; k < BASES.length; k++) {
                    int cand = BASES[(i + k) % BASES.length];
                    if ((used & (1 << cand)) == 0) {
                        m = cand;
                        break;
                    }
                }
                int[] disps = {0, 8, -8, 0x7f, -0x80, 3, -5, 0x40};
                disp = disps[i % disps.length];
                baseOff = f.policy() == Policy.BITINDEX ? 0x800 : 0x180 + ((i * 0x3A8) % 0xD00);
            }
            try {
                Encoder.Encoded e = Encoder.encode(f, Math.max(r, 0), Math.max(m, 0), disp, 0);
                if (!decodesToRow(e.bytes(), f)) {
                    continue; // e.g. XCHG eAX, eAX is 90 = NOP, another row
                }
            } catch (IllegalArgumentException unencodable) {
                continue;
            }
            out.add(new Placement(Math.max(r, 0), Math.max(m, 0), disp, baseOff));
        }
        if (out.isEmpty()) {
            throw new IllegalStateException("no encodable register placement for " + f.describe());
        }
        return out;
    }

    /** Whether the lstar decoder maps {@code bytes} to the row {@code f} was derived from. */
    static boolean decodesToRow(byte[] bytes, Form f) {
        Instruction insn = Decoder.decode(ByteSource.of(0, bytes), 0, new Instruction());
        return insn.length == bytes.length && OpcodeTable.rowOf(insn) == f.row();
    }

    /** Adapts a register number from the pair tables to an operand; -1 if unusable. */
    private static int fit(int n, Operand o) {
        if (o == null) {
            return 0;
        }
        if (o.size() != 8 && n >= 16) {
            n -= 16; // AH.. -> AX..
        }
        return n == 4 ? -1 : n; // never RSP/SPL: the host keeps its real stack in RSP
    }

    private Case build(Form f, Placement p, List<Operand> slots, long[] vals, long flagCombo, SplittableRandom rnd) {
        State in = new State(memBase);
        for (int r = 0; r < 16; r++) {
            in.gpr[r] = rnd.nextInt(4) == 0 ? rnd.nextLong(1 << 16) : rnd.nextLong();
        }
        in.gpr[State.RSP] = 0;
        rnd.nextBytes(in.memory);
        long flags = 0;
        for (int b = 0; b < FLAG_BITS.length; b++) {
            if ((flagCombo & (1L << b)) != 0) {
                flags |= FLAG_BITS[b];
            }
        }
        in.rflags = flags;
        int addr = p.baseOff + p.disp;
        if (f.mem()) {
            in.gpr[p.rm] = memBase + p.baseOff;
        }
        long imm = 0;
        for (int s = 0; s < slots.size(); s++) {
            Operand o = slots.get(s);
            long v = vals[s];
            switch (o.kind()) {
                case REG, OPREG -> putReg(in, p.reg, o.size(), v);
                case RM -> {
                    if (f.mem()) {
                        putMem(in, addr, o.size(), v);
                    } else {
                        putReg(in, p.rm, o.size(), v);
                    }
                }
                case ACC, IACC -> putReg(in, 0, o.size(), v);
                case IDX -> putReg(in, 2, o.size(), v);
                case CL -> putReg(in, 1, 8, v);
                case IMM -> imm = v;
                default -> { }
            }
        }
        if (f.mem()) {
            in.gpr[p.rm] = memBase + p.baseOff; // the base wins over any value slot aliasing it
        }
        if (f.policy() == Policy.DIVIDE && rnd.nextInt(4) != 0) {
            fixDividend(f, in, p, addr, rnd);
        }
        Encoder.Encoded e = Encoder.encode(f, p.reg, p.rm, p.disp, imm);
        int size = f.size();
        long count = switch (f.operands().get(f.operands().size() - 1).kind()) {
            case CL -> in.gpr[1] & 0xFF;
            case IMM -> imm & 0xFF;
            case ONE -> 1;
            default -> 0;
        };
        long compared = FlagRules.compared(f.row(), size, count);
        int skip = 0;
        if (f.find(Kind.RM) != null && f.find(Kind.REG) != null) {
            long src = f.mem() ? getMem(in, addr, f.find(Kind.RM).size()) : getReg(in, p.rm, f.find(Kind.RM).size());
            if (FlagRules.destinationUndefined(f.row(), src, size)) {
                skip |= 1 << (p.reg & 15);
            }
        }
        int fault = f.policy() == Policy.DIVIDE && divideFaults(f, in, p, addr) ? 0 : -1;
        return new Case(f, e.bytes(), e.text(), in, compared, skip, fault);
    }

    private List<Case> divideByZero(Form f, List<Placement> places, List<Operand> slots, SplittableRandom rnd) {
        List<Case> out = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Placement p = places.get(i % places.size());
            long[] vals = new long[slots.size()];
            for (int s = 0; s < vals.length; s++) {
                vals[s] = slots.get(s).kind() == Kind.RM ? 0 : pick(f, slots.get(s), rnd);
            }
            Case c = build(f, p, slots, vals, rnd.nextInt(128), rnd);
            if (c.expectedFault() == 0) {
                out.add(c);
            }
        }
        return out;
    }

    /** Makes the dividend's high half small enough that the quotient fits (most of the time). */
    private static void fixDividend(Form f, State in, Placement p, int addr, SplittableRandom rnd) {
        int s = f.size();
        long divisor = f.mem() ? getMem(in, addr, s) : getReg(in, p.rm, s);
        boolean signed = f.mnemonic().equals("idiv");
        long low = s == 8 ? getReg(in, 0, 8) : getReg(in, 0, s);
        long high;
        if (signed) {
            high = (low << (64 - s) >> 63) & Values.mask(s); // sign extension of the low half
        } else {
            high = divisor == 0 ? 0 : Long.remainderUnsigned(rnd.nextLong() & Values.mask(s), divisor);
        }
        if (s == 8) {
            if (f.mem() || p.rm != 16) {
                putReg(in, 16, 8, high); // AH, unless AH is the divisor
            }
        } else if (f.mem() || p.rm != 2) {
            putReg(in, 2, s, high);
        }
    }

    private static boolean divideFaults(Form f, State in, Placement p, int addr) {
        int s = f.size();
        boolean signed = f.mnemonic().equals("idiv");
        BigInteger divisor = big(f.mem() ? getMem(in, addr, s) : getReg(in, p.rm, s), s, signed);
        if (divisor.signum() == 0) {
            return true;
        }
        BigInteger dividend = s == 8 ? big(getReg(in, 0, 16), 16, signed)
                : big(getReg(in, 2, s), s, signed).shiftLeft(s).or(big(getReg(in, 0, s), s, false));
        BigInteger q = dividend.divide(divisor); // truncates toward zero, as DIV/IDIV do
        BigInteger min = signed ? BigInteger.ONE.shiftLeft(s - 1).negate() : BigInteger.ZERO;
        BigInteger max = signed ? BigInteger.ONE.shiftLeft(s - 1).subtract(BigInteger.ONE)
                : BigInteger.ONE.shiftLeft(s).subtract(BigInteger.ONE);
        return q.compareTo(min) < 0 || q.compareTo(max) > 0; // SDM DIV/IDIV: #DE on quotient overflow
    }

    private static BigInteger big(long v, int bits, boolean signed) {
        long m = Values.mask(bits);
        v &= m;
        if (signed && bits < 64 && (v >>> (bits - 1)) != 0) {
            v |= ~m;
        }
        BigInteger b = BigInteger.valueOf(v);
        if (!signed && v < 0) {
            b = b.add(BigInteger.ONE.shiftLeft(64));
        }
        return b;
    }

    // ---- state access with byte-register numbering ----

    static void putReg(State s, int r, int size, long v) {
        if (size == 8 && r >= 16) {
            int g = r - 16;
            s.gpr[g] = (s.gpr[g] & ~0xFF00L) | ((v & 0xFF) << 8);
            return;
        }
        long m = Values.mask(size);
        s.gpr[r] = (s.gpr[r] & ~m) | (v & m);
    }

    static long getReg(State s, int r, int size) {
        if (size == 8 && r >= 16) {
            return (s.gpr[r - 16] >>> 8) & 0xFF;
        }
        return s.gpr[r] & Values.mask(size);
    }

    static void putMem(State s, int off, int size, long v) {
        for (int i = 0; i < size / 8; i++) {
            s.memory[off + i] = (byte) (v >>> (8 * i));
        }
    }

    static long getMem(State s, int off, int size) {
        long v = 0;
        for (int i = size / 8 - 1; i >= 0; i--) {
            v = v << 8 | (s.memory[off + i] & 0xFF);
        }
        return v;
    }
}
