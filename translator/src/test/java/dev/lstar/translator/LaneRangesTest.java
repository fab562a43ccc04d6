package dev.lstar.translator;

import static org.junit.jupiter.api.Assertions.*;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.Vendor;
import dev.lstar.runtime.ops.SseFloat;
import dev.lstar.translator.LaneRanges.Op;
import dev.lstar.translator.LaneRanges.Plan;
import dev.lstar.translator.LaneRanges.Range;
import dev.lstar.translator.LaneRanges.Test;
import dev.lstar.runtime.setup.BareMachine;
import dev.lstar.runtime.setup.FlatImage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The lane ranges' rules ({@link LaneRanges}) against the exact arithmetic: wherever a rule
 * gives a result range, every pair of operands in the operand ranges — drawn up to their bounds —
 * raises no flag in compiled code's MXCSR state (the exact lanes, {@code SseFloat.addsdLane}...,
 * with PE already set: MXCSR must not change) and gives a result inside the range; and every
 * plan's checks make its operation such a one. Then the translated code (laneranges.S): every JIT
 * variant ends in the interpreter's state — XMM registers and MXCSR included — whether the data
 * keeps every value in range or takes chains out of it (a failed check, overflow, underflow,
 * zero divisors, NaNs).
 */
class LaneRangesTest {
    private static final int FAST = 0x1FA0;

    private static Range range(SplittableRandom r, int id) {
        int lo = r.nextInt(10) == 0 ? LaneRanges.NO_LO : r.nextInt(-1030, 1000);
        int hi = r.nextInt(10) == 0 ? LaneRanges.NO_HI : Math.max(lo, r.nextInt(-1000, 1030));
        if (lo == LaneRanges.NO_LO && hi != LaneRanges.NO_HI) hi = Math.max(hi, -1000);
        // sometimes an integer's double: zero, or a magnitude in [2^lo, 2^hi]
        return new Range(lo, hi, r.nextBoolean(), id, lo != LaneRanges.NO_LO && r.nextInt(6) == 0);
    }

    /** A double in {@code g} (|x| in [2^lo, 2^hi], non-negative if it says so); finite bounds only. */
    private static double value(SplittableRandom r, Range g) {
        if (g.zero() && r.nextInt(4) == 0) return r.nextBoolean() ? 0.0 : -0.0;
        int lo = Math.max(g.lo(), -1074), hi = Math.min(g.hi(), 1023);
        double m = switch (r.nextInt(6)) {
            case 0 -> Math.scalb(1.0, lo);
            case 1 -> Math.scalb(1.0, hi);
            case 2 -> Math.nextDown(Math.scalb(1.0, hi));
            default -> Math.scalb(1.0 + r.nextDouble(), r.nextInt(lo, Math.max(lo, hi - 1) + 1));
        };
        if (m > Math.scalb(1.0, hi)) m = Math.scalb(1.0, hi);
        if (m < Math.scalb(1.0, lo)) m = Math.scalb(1.0, lo);
        return g.nonNegative() || r.nextBoolean() ? m : -m;
    }

    private static long exact(Op op, Cpu c, long a, long b) {
        return switch (op) {
            case ADD -> SseFloat.addsdLane(c, a, b);
            case SUB -> SseFloat.subsdLane(c, a, b);
            case MUL -> SseFloat.mulsdLane(c, a, b);
            case DIV -> SseFloat.divsdLane(c, a, b);
            case SQRT -> SseFloat.sqrtsdLane(c, a, b);
        };
    }

    /** Runs op on values of a and b (the same value when their ids agree) and checks the claim. */
    private static void holds(SplittableRandom r, Op op, Range a, Range b, Range claim) {
        for (int k = 0; k < 40; k++) {
            double x = value(r, op == Op.SQRT ? b : a), y = a.id() == b.id() ? x : value(r, b);
            Cpu c = new Cpu(Vendor.INTEL);
            c.mxcsr = FAST;
            long bits = exact(op, c, Double.doubleToRawLongBits(x), Double.doubleToRawLongBits(y));
            String what = op + "(" + x + ", " + y + ") with " + a + ", " + b + " -> " + claim;
            assertEquals(FAST, c.mxcsr, "a flag: " + what);
            double v = Double.longBitsToDouble(bits), m = Math.abs(v);
            if (claim.lo() != LaneRanges.NO_LO) assertTrue(m >= Math.scalb(1.0, claim.lo()), "below: " + v + " " + what);
            assertTrue(m <= Math.scalb(1.0, Math.min(claim.hi(), 1023)), "above: " + v + " " + what);
            if (claim.nonNegative()) assertTrue(v >= 0 || bits == Long.MIN_VALUE, "negative: " + v + " " + what);
        }
    }

    @org.junit.jupiter.api.Test
    void everyResultRangeHoldsForItsOperands() {
        SplittableRandom r = new SplittableRandom(20261205);
        int checked = 0;
        for (int n = 0; n < 40_000; n++) {
            Op op = Op.values()[r.nextInt(Op.values().length)];
            Range a = range(r, 1), b = r.nextInt(8) == 0 ? a : range(r, 2);
            Range res = LaneRanges.result(op, a, b);
            if (res == null) continue;
            checked++;
            holds(r, op, a, b, res);
        }
        assertTrue(checked > 5000, "rules applied " + checked + " times");
    }

    @org.junit.jupiter.api.Test
    void everyPlanMakesItsOperationFlagFree() {
        SplittableRandom r = new SplittableRandom(7);
        for (int n = 0; n < 20_000; n++) {
            Op op = Op.values()[r.nextInt(Op.values().length)];
            Range a = range(r, 1), b = r.nextInt(8) == 0 ? a : range(r, 2);
            Plan p = LaneRanges.plan(op, a, b);
            Range na = LaneRanges.checked(a, LaneRanges.testFor(a)), nb = LaneRanges.checked(b, LaneRanges.testFor(b));
            if (LaneRanges.possible(na) && LaneRanges.possible(nb) && (op != Op.SQRT || b.nonNegative())) {
                assertNotNull(p, op + " " + a + " " + b); // the checked range always works
            }
            if (p == null) continue;
            assertEquals(LaneRanges.checked(a, p.a()), p.narrowedA());
            // (one value, as both operands of a binary operation: checked once, for both)
            assertEquals(a.id() == b.id() && op != Op.SQRT ? p.narrowedA() : LaneRanges.checked(b, p.b()), p.narrowedB());
            assertEquals(LaneRanges.result(op, p.narrowedA(), p.narrowedB()), p.result(), op + " " + a + " " + b);
            holds(r, op, p.narrowedA(), p.narrowedB(), p.result());
        }
    }

    @org.junit.jupiter.api.Test
    void chainsOfCheckedValuesNeedNoMoreChecks() {
        LaneRanges lr = new LaneRanges();
        Range x = lr.unknown(), y = lr.unknown();
        Plan p = LaneRanges.plan(Op.MUL, x, y);
        assertEquals(Test.BOTH, p.a());
        assertEquals(Test.BOTH, p.b());
        Range xy = lr.fresh(p.result()), z = LaneRanges.checked(lr.unknown(), Test.BOTH);
        // x*y*z: three checked factors, no further check
        Plan q = LaneRanges.plan(Op.MUL, xy, z);
        assertEquals(new Plan(Test.NONE, Test.NONE, xy, z, LaneRanges.result(Op.MUL, xy, z)), q);
        // x*x: one value, one check, non-negative; its root needs none
        Plan sq = LaneRanges.plan(Op.MUL, x, x);
        assertEquals(Test.BOTH, sq.a());
        assertEquals(Test.NONE, sq.b());
        Range s = lr.fresh(sq.result());
        assertTrue(s.nonNegative());
        assertEquals(Test.NONE, LaneRanges.plan(Op.SQRT, s, s).b());
        // a difference may cancel to zero: its use as a factor checks its lower end only
        Range d = lr.fresh(LaneRanges.plan(Op.SUB, x, y).result());
        assertEquals(LaneRanges.NO_LO, d.lo());
        assertEquals(Test.LOWER, LaneRanges.plan(Op.MUL, d, d).a());
        // the sum of two squares keeps a lower end
        Range sum = LaneRanges.result(Op.ADD, s, s);
        assertEquals(s.lo(), sum.lo());
    }

    @org.junit.jupiter.api.Test
    void anIntegersDoubleIsCheckedOnlyForZero() {
        LaneRanges lr = new LaneRanges();
        Range n = lr.fresh(new Range(0, 31, false, 0, true)), x = lr.unknown();
        assertFalse(n.normal(), "zero is possible");
        assertEquals(Test.NONZERO, LaneRanges.testFor(n));
        // x / n: the window for x, only "not zero" for n
        Plan p = LaneRanges.plan(Op.DIV, x, n);
        assertEquals(Test.BOTH, p.a());
        assertEquals(Test.NONZERO, p.b());
        assertFalse(p.narrowedB().zero());
        assertEquals(0, p.narrowedB().lo());
        // beyond the window's top it takes the window check, which rules out zero too
        Range big = lr.fresh(new Range(0, 900, false, 0, true));
        assertEquals(Test.BOTH, LaneRanges.testFor(big));
        assertFalse(LaneRanges.checked(big, Test.BOTH).zero());
        // an UPPER check leaves zero possible
        assertTrue(LaneRanges.checked(big, Test.UPPER).zero());
    }

    @org.junit.jupiter.api.Test
    void aCheckNarrowsEveryCopyOfTheValue() {
        LaneRanges lr = new LaneRanges();
        Range v = lr.unknown();
        lr.set(3, v);
        lr.set(7, v);
        lr.forget(9);
        lr.narrow(v.id(), LaneRanges.checked(v, Test.BOTH));
        assertEquals(-LaneRanges.CHECK, lr.get(3).lo());
        assertEquals(LaneRanges.CHECK, lr.get(7).hi());
        assertEquals(LaneRanges.NO_LO, lr.get(9).lo());
        lr.forgetAll();
        assertEquals(LaneRanges.NO_HI, lr.get(3).hi());
    }

    // ------------------------------------------------------------------ translated code

    static final long DATA = 0x600000, STACK_TOP = 0x612000;
    static final FlatImage IMG = FlatImage.load("laneranges");

    /** The compared state: the flat-image state, and XMM0-15 and MXCSR. */
    record SseState(Guests.State base, String sse) {}

    /**
     * The data page: "ordinary" doubles in [2^-20, 2^20] of either sign (squares of squares
     * still leave the checked range), "mixed" with one in eight special (zero, a denormal, an
     * infinity, a NaN, beyond 2^400 or below 2^-400), "sparse" with one in sixty, "bits" random
     * bytes.
     */
    static BareMachine machine(String data, int seed, int iterations) {
        BareMachine bm = Variants.flat(IMG, 0, DATA, seed, STACK_TOP); // read-only code
        if (!data.equals("bits")) {
            SplittableRandom r = new SplittableRandom(seed);
            ByteBuffer page = ByteBuffer.allocate(0x1000).order(ByteOrder.LITTLE_ENDIAN);
            double[] special = {0.0, -0.0, Double.MIN_VALUE, -0x1p-1030, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
                    Double.NaN, Double.longBitsToDouble(0x7FF0_0000_0000_0001L), 0x1.8p500, -0x1p-420, Double.MAX_VALUE};
            for (int k = 0; k < 0x200; k++) {
                double v = Math.scalb(1.0 + r.nextDouble(), r.nextInt(-20, 20)) * (r.nextBoolean() ? 1 : -1);
                if (r.nextInt(data.equals("mixed") ? 8 : data.equals("sparse") ? 60 : 1 << 30) == 0) v = special[r.nextInt(special.length)];
                page.putDouble(v);
            }
            bm.poke(DATA, page.array());
        }
        bm.machine.cpu.r[dev.lstar.runtime.Cpu.RCX] = iterations;
        return bm;
    }

    static SseState state(BareMachine bm) {
        return sseState(bm, IMG, DATA, STACK_TOP);
    }

    /**
     * Runs the machines {@code machine} makes, one on JIT variant {@code v} and one on the
     * interpreter, to {@code img}'s "done" and compares their {@link #sseState}; then {@code check}
     * on the JIT's machine.
     */
    static void endsAsInTheInterpreter(String v, FlatImage img, long data, long stackTop,
            java.util.function.Supplier<BareMachine> machine, java.util.function.Consumer<BareMachine> check) {
        Variants.compare(v, machine, bm -> sseState(bm, img, data, stackTop), 1L << 40, img.sym("done"), bm -> {
            assertEquals(img.sym("done"), bm.machine.cpu.rip, "ran to the end");
            check.accept(bm);
        });
    }

    /**
     * The SSE loop tests' fixture: {@code Variants.flat} of {@code img} with {@code seed}, its data
     * page at {@code data} written by {@code fill} (a little-endian page and a random source from
     * {@code seed}; null keeps the page's random bytes), and RCX = {@code rcx} (the loop count).
     */
    static BareMachine seededMachine(FlatImage img, long data, long stackTop, int seed, long rcx,
            java.util.function.BiConsumer<java.nio.ByteBuffer, java.util.SplittableRandom> fill) {
        BareMachine bm = Variants.flat(img, 0, data, seed, stackTop);
        if (fill != null) {
            java.nio.ByteBuffer page = java.nio.ByteBuffer.allocate(0x1000).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            fill.accept(page, new java.util.SplittableRandom(seed));
            bm.poke(data, page.array());
        }
        bm.machine.cpu.r[Cpu.RCX] = rcx;
        return bm;
    }

    /** {@link SseState} of a flat image's machine (data page at {@code data}, stack below {@code stackTop}). */
    static SseState sseState(BareMachine bm, FlatImage img, long data, long stackTop) {
        Cpu c = bm.machine.cpu;
        StringBuilder sb = new StringBuilder("mxcsr=" + Integer.toHexString(c.mxcsr));
        for (int q = 0; q < 32; q++) sb.append(' ').append(Long.toHexString(c.xmm[q]));
        return new SseState(Variants.stackAndCode(bm, img, data, stackTop), sb.toString());
    }

    @ParameterizedTest
    @CsvSource({"default, ordinary, 1", "default, mixed, 2", "default, bits, 3", "hot1, ordinary, 4", "hot1, mixed, 5",
            "hot1, bits, 6", "nosuper, mixed, 7", "nolink, mixed, 8", "lockstep, mixed, 9", "lockstep, ordinary, 10",
            "hot1-nonest, mixed, 11", "default-nonest, ordinary, 12", "default, sparse, 14", "hot1, sparse, 15",
            "lockstep, sparse, 16", "default, sparse, 17", "hot1-nonest, sparse, 18"})
    void chainsEndAsInTheInterpreter(String v, String data, int seed) {
        Variants.compare(v, () -> machine(data, seed, 400), LaneRangesTest::state, 1L << 40, IMG.sym("done"),
                bm -> assertEquals(IMG.sym("done"), bm.machine.cpu.rip, "ran to the end"));
    }

    /**
     * MXCSR's flags are sticky within a round, so a flag raised late (a check left out) may not
     * show at the end: here the engines stop after every iteration's meeting point and compare there.
     */
    @ParameterizedTest
    @CsvSource({"default, sparse, 21", "hot1, sparse, 22", "default, sparse, 23", "hot1, mixed, 24", "lockstep, sparse, 25",
            "default, sparse, 26", "hot1, sparse, 27", "default, sparse, 28", "hot1, sparse, 29", "default, sparse, 30",
            "hot1, sparse, 31", "default, sparse, 32", "hot1, sparse, 33"})
    void theFlagsAgreeAfterEveryIteration(String v, String data, int seed) {
        Variants.stopAgainAndAgain(v, () -> machine(data, seed, 1500), LaneRangesTest::state, k -> IMG.sym("after"), 1400,
                IMG.sym("done"));
    }

    @ParameterizedTest
    @CsvSource({"default, ordinary, 9999", "hot1, mixed, 40001", "hot1, ordinary, 77777", "nolink, mixed, 5003"})
    void theBudgetEndsInsideAChain(String v, String data, long budget) {
        Variants.compare(v, () -> machine(data, 13, 400), LaneRangesTest::state, budget, -1);
    }
}
