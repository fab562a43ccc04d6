package dev.lstar.translator;

/**
 * What a translated method knows, while it is being emitted, of the doubles in the XMM halves it
 * holds in locals: for each half a {@link Range} of magnitudes, which lets a chain of scalar
 * double arithmetic skip the per-operation exactness test of {@code SseFloat}'s lanes.
 *
 * <p>The fast path of a double operation (Java's arithmetic standing for the x86 result) is
 * exact when no flag but PE can arise: both operands normal, and the result neither tiny and
 * inexact nor beyond the largest double. {@code SseFloat.addsdLane} and its siblings test that on
 * every operation (operands and result: five host instructions or so each, about half of
 * n-body's time). Here the translator shows it instead, once per value: a value read from memory
 * or a register the method does not know is checked once against {@link #CHECK} (|x| in
 * [2^-256, 2^256): an unsigned compare of the bits, shared by both operands of an operation);
 * then a product, quotient, sum or root of checked values has a range known by
 * arithmetic on the exponents, and an operation whose operands' ranges make it flag-free
 * ({@link #plan}) calls the {@code SseFloat.*Known} lane, which tests only the MXCSR mode.
 *
 * <p>The facts hold where every check since the last point of no knowledge passed. A failing
 * check sets the method's <i>taint</i> local ({@code MethodEmitter}), and every ranged operation
 * tests it first: once tainted, the general lanes (exact for any values) until the next loop
 * head or segment start, where all ranges are forgotten and the taint cleared. HotSpot turns a
 * check that never failed into a trap, and the taint tests fold away with it.
 *
 * <p>Ranges are kept per value: each write of a half gives it a new value id, a copy (MOVAPD,
 * UNPCKxPD...) keeps the id, so a check of one copy narrows them all and {@code x * x} is seen to
 * be non-negative.
 */
final class LaneRanges {
    /** Exponent bounds meaning "none": the value may be zero or tiny, or infinite or a NaN. */
    static final int NO_LO = -1_000_000, NO_HI = 1_000_000;
    /**
     * A check's range: |x| in [2^-CHECK, 2^CHECK]; three factors of it still neither overflow nor
     * underflow. Every check tests the whole window (SseFloat.rangeExcess), so a LOWER or UPPER
     * check is at least what it says.
     */
    static final int CHECK = dev.lstar.runtime.ops.SseFloat.RANGE_EXP;
    /** How far above {@link #CHECK} a top may be and still count as checked ({@link #testFor}). */
    static final int SUM_SLACK = 4;
    /** Exponents of the smallest normal double and of the largest power of two below the overflow threshold. */
    static final int MIN_NORMAL_EXP = -1022, MAX_EXP = 1023;

    /**
     * |x| in [2^lo, 2^hi] (lo {@link #NO_LO}: may be zero or tiny; hi {@link #NO_HI}: may be
     * infinite or a NaN); {@code nonNegative}: x >= 0 (or -0); {@code id}: the value's identity;
     * {@code zero}: x may also be ±0 (an integer's double: zero or [1, 2^63]), which a
     * {@link Test#NONZERO} check rules out more cheaply than the window.
     */
    record Range(int lo, int hi, boolean nonNegative, int id, boolean zero) {
        Range(int lo, int hi, boolean nonNegative, int id) {
            this(lo, hi, nonNegative, id, false);
        }

        /** A normal double (or at least 2^-1022 in magnitude): no DE, no zero divisor. */
        boolean normal() {
            return lo >= MIN_NORMAL_EXP && !zero;
        }

        boolean finite() {
            return hi <= MAX_EXP;
        }

        Range withId(int newId) {
            return new Range(lo, hi, nonNegative, newId, zero);
        }
    }

    /** The operations with range rules. */
    enum Op { ADD, SUB, MUL, DIV, SQRT }

    /**
     * A check a plan makes of an operand: none, |x| >= 2^-CHECK, |x| <= 2^CHECK, both, x in
     * [2^-CHECK, 2^CHECK], or x not ±0 (of a {@link Range#zero} range otherwise within the window:
     * a test of its own, two host instructions, not OR-ed with the window checks).
     */
    enum Test { NONE, LOWER, UPPER, BOTH, POSITIVE, NONZERO }

    /** The checks a binary operation makes of its operands, and its result's range (id 0: the caller gives it one). */
    record Plan(Test a, Test b, Range narrowedA, Range narrowedB, Range result) {}

    private final Range[] lanes = new Range[32];
    private int nextId = 1;

    LaneRanges() {
        forgetAll();
    }

    /** A new value of unknown range. */
    Range unknown() {
        return new Range(NO_LO, NO_HI, false, nextId++);
    }

    /** A new id for a computed range. */
    Range fresh(Range r) {
        return r.withId(nextId++);
    }

    Range get(int q) {
        return lanes[q];
    }

    /** Half {@code q} now holds a value of range {@code r} (a copy keeps the source's id). */
    void set(int q, Range r) {
        lanes[q] = r;
    }

    /** Half {@code q} now holds a value nothing is known of. */
    void forget(int q) {
        lanes[q] = unknown();
    }

    /** The halves in {@code mask} (bit q) hold values nothing is known of. */
    void forget(long mask) {
        for (int q = 0; q < 32; q++) if ((mask & (1L << q)) != 0) forget(q);
    }

    void forgetAll() {
        for (int q = 0; q < 32; q++) forget(q);
    }

    /** Value {@code id} passed a check: every half holding it has range {@code r}. */
    void narrow(int id, Range r) {
        for (int q = 0; q < 32; q++) if (lanes[q].id() == id) lanes[q] = r.withId(id);
    }

    // ------------------------------------------------------------------ the rules

    /** What a passed check {@code t} makes of {@code r}. */
    static Range checked(Range r, Test t) {
        return switch (t) {
            case NONE -> r;
            case LOWER -> new Range(Math.max(r.lo, -CHECK), r.hi, r.nonNegative, r.id);
            case UPPER -> new Range(r.lo, Math.min(r.hi, CHECK), r.nonNegative, r.id, r.zero);
            case BOTH -> new Range(Math.max(r.lo, -CHECK), Math.min(r.hi, CHECK), r.nonNegative, r.id);
            case POSITIVE -> new Range(Math.max(r.lo, -CHECK), Math.min(r.hi, CHECK), true, r.id);
            case NONZERO -> new Range(r.lo, r.hi, r.nonNegative, r.id);
        };
    }

    /** Whether some value has range {@code r} (a check of a value known to lie outside its range leaves none). */
    static boolean possible(Range r) {
        return r.lo <= r.hi;
    }

    /**
     * The magnitude check that brings {@code r} within {@link #CHECK} (NONE when it is). A top a
     * few additions above the checked range counts as within it (a difference of checked values,
     * 2^341 at most, needs only its lower end checked before it is squared).
     */
    static Test testFor(Range r) {
        boolean low = r.lo < -CHECK, high = r.hi > CHECK + SUM_SLACK;
        if (r.zero && !low) return high ? Test.BOTH : Test.NONZERO; // (the window rules out zero as well)
        return low && high ? Test.BOTH : low ? Test.LOWER : high ? Test.UPPER : Test.NONE;
    }

    /**
     * The range of {@code op(a, b)} when it can raise no flag but PE (operands normal, the result
     * of a product or quotient in [2^-1021, 2^1023], a sum's magnitude at most 2^1023), else null.
     * SQRT takes its operand in {@code b}.
     */
    static Range result(Op op, Range a, Range b) {
        boolean same = a.id == b.id;
        switch (op) {
            case SQRT -> {
                if (!b.normal() || !b.finite() || !b.nonNegative) return null;
                return new Range(Math.floorDiv(b.lo, 2), -Math.floorDiv(-b.hi, 2), true, 0);
            }
            case MUL -> {
                if (!a.normal() || !b.normal() || a.lo + b.lo < MIN_NORMAL_EXP + 1 || a.hi + b.hi > MAX_EXP) return null;
                return new Range(a.lo + b.lo, a.hi + b.hi, same || (a.nonNegative && b.nonNegative), 0);
            }
            case DIV -> {
                if (!a.normal() || !b.normal() || a.lo - b.hi < MIN_NORMAL_EXP + 1 || a.hi - b.lo > MAX_EXP) return null;
                return new Range(a.lo - b.hi, a.hi - b.lo, a.nonNegative && b.nonNegative, 0);
            }
            default -> { // ADD, SUB: a tiny or zero result is exact, so only the top can overflow
                if (!a.normal() || !b.normal() || Math.max(a.hi, b.hi) + 1 > MAX_EXP) return null;
                // two non-negative numbers add without cancellation: at least the larger one
                boolean both = op == Op.ADD && a.nonNegative && b.nonNegative;
                return new Range(both ? Math.max(a.lo, b.lo) : NO_LO, Math.max(a.hi, b.hi) + 1, both, 0);
            }
        }
    }

    /**
     * The checks that make {@code op(a, b)} flag-free with the fewest tests (none; one operand's;
     * both), or null when none does (the general lane). For SQRT only {@code b} is checked, to a
     * positive range when its sign is not known.
     */
    static Plan plan(Op op, Range a, Range b) {
        boolean same = a.id == b.id;
        Range r = result(op, a, b);
        if (r != null) return new Plan(Test.NONE, Test.NONE, a, b, r);
        if (op == Op.SQRT) {
            Test t = b.nonNegative ? testFor(b) : Test.POSITIVE;
            Range nb = checked(b, t);
            r = possible(nb) ? result(op, a, nb) : null;
            return r == null ? null : new Plan(Test.NONE, t, a, nb, r);
        }
        Test ta = testFor(a), tb = testFor(b);
        if (same) { // one value: one check
            Range n = checked(a, ta);
            r = possible(n) ? result(op, n, n) : null;
            return r == null ? null : new Plan(ta, Test.NONE, n, n, r);
        }
        Range na = checked(a, ta), nb = checked(b, tb);
        if (!possible(na) || !possible(nb)) return null; // a check no value of it passes: the general lane
        Plan best = null;
        if (ta != Test.NONE && (r = result(op, na, b)) != null) best = new Plan(ta, Test.NONE, na, b, r);
        Range rb;
        if (tb != Test.NONE && (rb = result(op, a, nb)) != null && (best == null || cost(tb) < cost(ta))) {
            best = new Plan(Test.NONE, tb, a, nb, rb);
        }
        if (best != null) return best;
        r = result(op, na, nb);
        return r == null ? null : new Plan(ta, tb, na, nb, r);
    }

    private static int cost(Test t) {
        return switch (t) {
            case NONE -> 0;
            case NONZERO, LOWER, UPPER -> 1;
            case BOTH, POSITIVE -> 2;
        };
    }
}
