package dev.lstar.translator;

import static dev.lstar.translator.BlockCompiler.CPU;
import static dev.lstar.translator.BlockCompiler.LAZY;
import static dev.lstar.translator.OperandEmitter.L_CPU;
import static dev.lstar.translator.OperandEmitter.L_FAULT_INDEX;
import static dev.lstar.translator.OperandEmitter.L_INT_SCRATCH;
import static dev.lstar.translator.OperandEmitter.L_LOOP_RETIRED;
import static org.objectweb.asm.Opcodes.*;

import dev.lstar.decoder.Instruction;
import dev.lstar.decoder.Mnemonic;
import dev.lstar.translator.Helpers.Helper;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;

/**
 * Conditions (Jcc, SETcc, CMOVcc) and flag fusion for one generated method. It remembers which
 * flag record the last inline ALU instruction produced — a subtraction (SUB, CMP, NEG), a logic
 * op (AND, OR, XOR, TEST), an ADD, or an INC/DEC — with its operands and result kept in temps
 * (which the method emitter keeps reserved), and evaluates a condition straight from them
 * ({@code LazyFlags.condSub}/{@code condLogic}, or ZF/SF from the result) instead of from the
 * lazy record in the {@code Cpu}. Anything that changes the flags in another way (a fallback,
 * a hook, a helper recording its own flags, a back-edge) calls {@link #forget}.
 *
 * <p>It also answers whether an instruction's flags are needed at all ({@link #live}, from
 * {@link Liveness}): only then do the ALU emitters record lazy flags.
 *
 * <p><b>Deferred records.</b> ADD, SUB, CMP, NEG, AND, OR, XOR, TEST, INC and DEC with live flags, and
 * SHL, SHR and SAR by a constant that does not mask to 0, do
 * not store their lazy record in the {@code Cpu} (five or six field stores); they leave it in two
 * long locals ({@link Form}: the operands, or the result and one operand, or for INC/DEC the result
 * and the CF they keep, {@link #pushCarry}, or a shift's operand and count) and the record is stored only
 * where somebody may look at it: at every exit, in the exception handler (for the fault indexes
 * where it is pending), and before any instruction that reads or writes the {@code Cpu}'s flag
 * state another way ({@link Effect#FLUSH}). A condition answers from the operands as before (one an
 * ADD or INC/DEC record cannot answer, {@link #answers}, stores it first). In
 * a region the record pending at the back-edge is carried into the next iteration: from the loop
 * head to the iteration's first flag writer it is pending only once the loop has gone round
 * ({@code L_LOOP_RETIRED != 0}; on the way in the {@code Cpu} holds the flags), and the stores
 * test that. Each slot holds a guest register's raw local where it can (the {@code Alu} helper
 * masks to the size when the record is stored), and in a region the carried record's slots start
 * as those registers: HotSpot then sees one value where it would otherwise keep two alive
 * across the loop. Off in hooked code (a hook may read the flags).
 */
final class ConditionEmitter {
    /** Which kind of flag record the operands in {@link #left}, {@link #right}, {@link #result} describe. */
    enum Known { NONE, SUB, LOGIC, ADD, INC_DEC }

    private final MethodEmitter e;

    Known known = Known.NONE;
    /** Operand size of the known record. */
    int size;
    /** Temps holding the known record's operands and (truncated) result. */
    int left, right, result;
    /** Counts the records produced (the method emitter pins the temps of the latest one). */
    int generation;

    ConditionEmitter(MethodEmitter e) {
        this.e = e;
    }

    // ---------------------------------------------------------------- deferred records

    /** What emitting an instruction does to a deferred record ({@link #effect}). */
    enum Effect {
        /** Touches no flag state in the {@code Cpu}: a deferred record stays deferred. */
        KEEP,
        /** Reads or writes the {@code Cpu}'s flag state (a helper, the fallback, a system instruction): store it first. */
        FLUSH,
        /** Jcc, SETcc, CMOVcc: answered from a deferred record's operands; from the {@code Cpu} (stored first) otherwise. */
        COND,
        /** ADD, SUB, CMP, NEG, AND, OR, XOR, TEST, INC, DEC, a constant SHL/SHR/SAR with live flags: its own record is deferred. */
        DEFER
    }

    /**
     * How the two slots describe a deferred record, and the {@code Alu} call that stores it:
     * {@code SUB_AB} a, b: {@code cmp(a, b)}; {@code SUB_RB} result, b: {@code cmp(result + b, b)};
     * {@code NEG_R} result: {@code cmp(0, -result)}; {@code LOGIC_R} result: {@code test(result, result)};
     * {@code LOGIC_AB} a, b: {@code test(a, b)}; {@code INC_R}/{@code DEC_R} result, the CF the
     * instruction kept: {@code incRecord/decRecord(result, cf)}; {@code ADD_AB} a, b: {@code add(a, b)};
     * {@code ADD_RB} result, b: {@code add(result - b, b)}; {@code SHL_AC}/{@code SHR_AC}/{@code SAR_AC}
     * operand, count: {@code Shifts.shl/shr/sar(a, count)} (a count that masks to a non-zero value:
     * the record is then the shift's alone) — the record each instruction's own helper makes.
     */
    enum Form {
        SUB_AB, SUB_RB, NEG_R, LOGIC_R, LOGIC_AB, INC_R, DEC_R, ADD_AB, ADD_RB, SHL_AC, SHR_AC, SAR_AC;

        /** SHL, SHR, SAR by an immediate count that is not 0 after masking: operand (before the shift), count. */
        boolean shift() {
            return this == SHL_AC || this == SHR_AC || this == SAR_AC;
        }
    }

    /** A slot's source ({@link #source}): operand 1's immediate, a temp of the producer, or nothing. */
    static final int IMM = -2, TEMP = -1, UNUSED = -3;

    private static final Helper CMP = Helpers.withFlags(Mnemonic.CMP), TEST = Helpers.withFlags(Mnemonic.TEST),
            ADD = Helpers.withFlags(Mnemonic.ADD),
            INC_RECORD = Helpers.of(dev.lstar.runtime.ops.Alu.class, "incRecord"),
            DEC_RECORD = Helpers.of(dev.lstar.runtime.ops.Alu.class, "decRecord"),
            CARRY = Helpers.of(dev.lstar.runtime.LazyFlags.class, "carry"),
            SUB_CARRY = Helpers.of(dev.lstar.runtime.LazyFlags.class, "subCarry"),
            SHL_CARRY = Helpers.of(dev.lstar.runtime.ops.Shifts.class, "shlCarry"),
            SHR_CARRY = Helpers.of(dev.lstar.runtime.ops.Shifts.class, "shrCarry"),
            SAR_CARRY = Helpers.of(dev.lstar.runtime.ops.Shifts.class, "sarCarry");

    /** The two long locals of a deferred record; -1: records are not deferred in this method. */
    int rec0 = -1, rec1 = -1;
    /** The deferred record (null: none) and its operand size. */
    Form deferred;
    int deferredSize;
    /** The deferred record is the one carried over a region's back-edge: pending only when {@code L_LOOP_RETIRED != 0}. */
    boolean maybe;
    /** Per instruction index: the deferred state when it may fault (what the exception handler stores). */
    private Form[] faultForm;
    private int[] faultSize;
    private boolean[] faultMaybe;

    /** Turns deferral on (two long locals from {@code slot}); returns the next free local. */
    int enableDeferral(int slot, int n) {
        rec0 = slot;
        rec1 = slot + 2;
        faultForm = new Form[n];
        faultSize = new int[n];
        faultMaybe = new boolean[n];
        return slot + 4;
    }

    /** What emitting instruction {@code k} does to a deferred record. */
    Effect effect(int k, Instruction i) {
        if (!e.translatedInline[k] || SysInline.SYSTEM.contains(i.mnemonic)) return Effect.FLUSH;
        switch (i.mnemonic) {
            case JCC, SETCC, CMOVCC -> { return Effect.COND; }
            case ADD, SUB, CMP, NEG, AND, OR, XOR, TEST, INC, DEC -> { return live(k, i) ? Effect.DEFER : Effect.KEEP; }
            // a shift by a non-zero constant replaces every flag (a zero count, or CL's, may leave them)
            case SHL, SHR, SAR -> { return !live(k, i) ? Effect.KEEP : constantShift(i) ? Effect.DEFER : Effect.FLUSH; }
            // these emitters touch the Cpu only with live flags
            case IMUL, ROL, ROR, BT, BTS, BTR, BTC -> { return live(k, i) ? Effect.FLUSH : Effect.KEEP; }
            case NOT -> { return Effect.KEEP; }
            default -> { }
        }
        return ((i.flagsRead | i.flagsWritten) & Liveness.ALL) == 0 ? Effect.KEEP : Effect.FLUSH;
    }

    /** A shift whose count is an immediate that masks to a non-zero value (its record then depends on nothing before). */
    static boolean constantShift(Instruction i) {
        return i.kind[1] == Instruction.OP_IMM && dev.lstar.runtime.ops.Shifts.maskCount(i.imm, i.opSize) != 0;
    }

    /** Whether instruction {@code k} defers its record (its emitter then calls {@link #defer}). */
    boolean defers(int k, Instruction i) {
        return rec0 >= 0 && effect(k, i) == Effect.DEFER;
    }

    /** The form of the record {@code i} (a {@link Effect#DEFER} instruction) defers. */
    static Form form(Instruction i) {
        return switch (i.mnemonic) {
            case CMP -> Form.SUB_AB;
            case SUB -> i.kind[0] == Instruction.OP_REG ? Form.SUB_RB : Form.SUB_AB;
            case NEG -> Form.NEG_R;
            case AND, OR, XOR -> Form.LOGIC_R;
            case TEST -> Form.LOGIC_AB;
            case INC -> Form.INC_R;
            case DEC -> Form.DEC_R;
            case ADD -> i.kind[0] == Instruction.OP_REG ? Form.ADD_RB : Form.ADD_AB;
            case SHL -> Form.SHL_AC;
            case SHR -> Form.SHR_AC;
            case SAR -> Form.SAR_AC;
            default -> throw new IllegalStateException(i.mnemonic + " does not defer its flags");
        };
    }

    /**
     * Where slot {@code s} of {@code i}'s deferred record comes from: a guest register (0-15: its
     * local's raw 64 bits, right after the instruction), {@link #IMM}, {@link #TEMP} or {@link #UNUSED}.
     */
    static int source(Instruction i, int s) {
        Form f = form(i);
        if (f.shift()) return s == 0 ? TEMP : IMM; // the operand before the shift (its register now holds the result)
        boolean onlyResult = f == Form.NEG_R || f == Form.LOGIC_R;
        if (onlyResult && s == 1) return UNUSED;
        if ((f == Form.INC_R || f == Form.DEC_R) && s == 1) return TEMP; // the CF it kept, computed by its emitter
        boolean rb = f == Form.SUB_RB || f == Form.ADD_RB;
        boolean result = onlyResult || ((rb || f == Form.INC_R || f == Form.DEC_R) && s == 0);
        if (result) return i.kind[0] == Instruction.OP_REG && i.reg[0] < 16 ? i.reg[0] : TEMP; // the destination, written
        int n = rb ? 1 : s;
        if (i.kind[n] == Instruction.OP_IMM) return IMM;
        if (i.kind[n] != Instruction.OP_REG || i.reg[n] >= 16) return TEMP; // memory, AH..BH
        // read after the instruction: not the register it wrote (SUB rax, rax)
        if (rb && i.reg[n] == i.reg[0]) return TEMP;
        return i.reg[n];
    }

    /**
     * The end of a {@link Effect#DEFER} instruction (after its last possible fault): its record
     * goes to the slots ({@code lhs}, {@code rhs}, {@code result}: its operand and result temps),
     * and the known record for fused conditions is set as by {@link #record}.
     */
    void defer(Instruction i, Known kind, int lhs, int rhs, int result) {
        MethodVisitor mv = e.mv;
        Form f = form(i);
        for (int s = 0; s < 2; s++) {
            int src = source(i, s);
            if (src == UNUSED) continue;
            boolean ab = f == Form.SUB_AB || f == Form.LOGIC_AB || f == Form.ADD_AB || f.shift();
            int t = ab ? (s == 0 ? lhs : rhs) : s == 0 ? result : rhs;
            pushSource(i, src, t);
            mv.visitVarInsn(LSTORE, s == 0 ? rec0 : rec1);
        }
        deferred = f;
        deferredSize = i.opSize;
        maybe = false;
        record(kind, i.opSize, lhs, rhs, result);
    }

    /**
     * Pushes the current CF as a long 0 or 1 (what INC and DEC keep): from the deferred record's
     * slots, or the {@code Cpu}'s record ({@code LazyFlags.carry}); for a carried record, the one
     * or the other by the loop count.
     */
    void pushCarry() {
        MethodVisitor mv = e.mv;
        if (deferred == null) {
            mv.visitVarInsn(ALOAD, L_CPU);
            CARRY.invoke(mv);
            return;
        }
        if (!maybe) {
            pushSlotCarry(deferred, deferredSize);
            return;
        }
        // through a long temp: jumps carry no operand stack (see FrameWriter)
        int t = e.temp();
        Label fromCpu = new Label(), done = new Label();
        mv.visitVarInsn(LLOAD, L_LOOP_RETIRED);
        mv.visitInsn(LCONST_0);
        mv.visitInsn(LCMP);
        mv.visitJumpInsn(IFEQ, fromCpu);
        pushSlotCarry(deferred, deferredSize);
        mv.visitVarInsn(LSTORE, t);
        mv.visitJumpInsn(GOTO, done);
        mv.visitLabel(fromCpu);
        mv.visitVarInsn(ALOAD, L_CPU);
        CARRY.invoke(mv);
        mv.visitVarInsn(LSTORE, t);
        mv.visitLabel(done);
        mv.visitVarInsn(LLOAD, t);
    }

    /** The CF of deferred record {@code f} in the slots, as {@code LazyFlags.carry} gives it for the record stored. */
    private void pushSlotCarry(Form f, int size) {
        MethodVisitor mv = e.mv;
        switch (f) {
            case SUB_AB -> { mv.visitVarInsn(LLOAD, rec0); e.mask(size); mv.visitVarInsn(LLOAD, rec1); e.mask(size); SUB_CARRY.invoke(mv); }
            case SUB_RB -> {
                mv.visitVarInsn(LLOAD, rec0); mv.visitVarInsn(LLOAD, rec1); mv.visitInsn(LADD); e.mask(size);
                mv.visitVarInsn(LLOAD, rec1); e.mask(size);
                SUB_CARRY.invoke(mv);
            }
            case NEG_R -> { e.lconst(0); e.lconst(0); mv.visitVarInsn(LLOAD, rec0); mv.visitInsn(LSUB); e.mask(size); SUB_CARRY.invoke(mv); }
            case LOGIC_R, LOGIC_AB -> e.lconst(0);
            case INC_R, DEC_R -> mv.visitVarInsn(LLOAD, rec1);
            // a carry out of an addition: the truncated sum below an operand
            case ADD_AB -> {
                mv.visitVarInsn(LLOAD, rec0); mv.visitVarInsn(LLOAD, rec1); mv.visitInsn(LADD); e.mask(size);
                mv.visitVarInsn(LLOAD, rec0); e.mask(size);
                SUB_CARRY.invoke(mv);
            }
            case ADD_RB -> { mv.visitVarInsn(LLOAD, rec0); e.mask(size); mv.visitVarInsn(LLOAD, rec1); e.mask(size); SUB_CARRY.invoke(mv); }
            case SHL_AC, SHR_AC, SAR_AC -> {
                mv.visitVarInsn(LLOAD, rec0);
                mv.visitVarInsn(LLOAD, rec1);
                e.iconst(size);
                (f == Form.SHL_AC ? SHL_CARRY : f == Form.SHR_AC ? SHR_CARRY : SAR_CARRY).invoke(mv);
            }
        }
    }

    private void pushSource(Instruction i, int src, int temp) {
        if (src >= 0) e.mv.visitVarInsn(LLOAD, e.slot(src));
        else if (src == IMM) e.readOperand(i, 1, -1);
        else if (src == TEMP && temp >= 0) e.mv.visitVarInsn(LLOAD, temp);
        else e.lconst(0);
    }

    /**
     * The record a region's back-edge carries: the state at the end of the loop body, from the
     * instructions' {@link #effect}s (the emission must end in it: checked at the back-edge).
     * Returns its producer's index, or -1.
     */
    int carriedProducer() {
        int p = -1;
        for (int k = 0; k < e.insns.length; k++) {
            Instruction i = e.insns[k];
            switch (effect(k, i)) {
                case FLUSH -> p = -1;
                case DEFER -> p = k;
                case COND -> { if (p >= 0 && !answers(form(e.insns[p]), i.cond)) p = -1; }
                default -> { }
            }
        }
        return p;
    }

    /**
     * Prologue: the slots start as the carried record's sources (a region's instruction {@code p},
     * or -1: zeros) would fill them — the same registers, the same immediate — so that HotSpot's loop
     * phi of each slot is that register's own; then the loop head starts with it carried.
     */
    void enter(int p) {
        MethodVisitor mv = e.mv;
        for (int s = 0; s < 2; s++) {
            int src = p < 0 ? UNUSED : source(e.insns[p], s);
            if (src >= 0 || src == IMM) pushSource(e.insns[p], src, -1);
            else e.lconst(0);
            mv.visitVarInsn(LSTORE, s == 0 ? rec0 : rec1);
        }
        if (p >= 0) {
            deferred = form(e.insns[p]);
            deferredSize = e.insns[p].opSize;
            maybe = true;
        }
    }

    /** A region's back-edge: the emission must be in the state {@link #carriedProducer} computed. */
    void backEdge(int p) {
        boolean ok = p < 0 ? deferred == null
                : deferred == form(e.insns[p]) && deferredSize == e.insns[p].opSize && !maybe;
        if (rec0 >= 0 && !ok) throw new IllegalStateException("deferred flags at the back-edge differ from the carried record");
        known = Known.NONE;
    }

    /** Whether a condition {@code cc} is answered from deferred record {@code f}'s operands ({@link #emit}), not from the {@code Cpu}. */
    static boolean answers(Form f, int cc) {
        if (f != null && f.shift()) return false; // (the record in the Cpu answers)
        boolean resultOnly = f == Form.INC_R || f == Form.DEC_R || f == Form.ADD_AB || f == Form.ADD_RB;
        return !resultOnly || (cc >> 1) == 2 || (cc >> 1) == 4; // ADD, INC/DEC: ZF, SF (emit's Known.ADD/INC_DEC)
    }

    /** Before instruction {@code k}'s code: stores a deferred record it would see in the {@code Cpu}; notes the state for the handler. */
    void before(int k, Instruction i) {
        if (rec0 < 0) return;
        Effect eff = effect(k, i);
        if (eff == Effect.FLUSH || (eff == Effect.COND && (maybe || known == Known.NONE || !answers(deferred, i.cond)))) flush();
        faultForm[k] = deferred;
        faultSize[k] = deferredSize;
        faultMaybe[k] = maybe;
    }

    /** Emits the stores of the deferred record, if any (on a way out: the state stays). */
    void storePending() {
        if (deferred == null) return;
        emitStore(deferred, deferredSize, maybe);
    }

    /** Stores the deferred record, if any; nothing is deferred after it. */
    void flush() {
        storePending();
        deferred = null;
        maybe = false;
    }

    private void emitStore(Form f, int size, boolean onlyLooped) {
        MethodVisitor mv = e.mv;
        Label skip = new Label();
        if (onlyLooped) {
            mv.visitVarInsn(LLOAD, L_LOOP_RETIRED);
            mv.visitInsn(LCONST_0);
            mv.visitInsn(LCMP);
            mv.visitJumpInsn(IFEQ, skip);
        }
        mv.visitVarInsn(ALOAD, L_CPU);
        switch (f) {
            case SUB_AB, LOGIC_AB, ADD_AB, SHL_AC, SHR_AC, SAR_AC -> { mv.visitVarInsn(LLOAD, rec0); mv.visitVarInsn(LLOAD, rec1); }
            case SUB_RB -> { mv.visitVarInsn(LLOAD, rec0); mv.visitVarInsn(LLOAD, rec1); mv.visitInsn(LADD); mv.visitVarInsn(LLOAD, rec1); }
            case ADD_RB -> { mv.visitVarInsn(LLOAD, rec0); mv.visitVarInsn(LLOAD, rec1); mv.visitInsn(LSUB); mv.visitVarInsn(LLOAD, rec1); }
            case NEG_R -> { e.lconst(0); e.lconst(0); mv.visitVarInsn(LLOAD, rec0); mv.visitInsn(LSUB); }
            case LOGIC_R -> { mv.visitVarInsn(LLOAD, rec0); mv.visitVarInsn(LLOAD, rec0); }
            case INC_R, DEC_R -> { mv.visitVarInsn(LLOAD, rec0); mv.visitVarInsn(LLOAD, rec1); }
        }
        e.iconst(size);
        (switch (f) {
            case LOGIC_R, LOGIC_AB -> TEST;
            case INC_R -> INC_RECORD;
            case DEC_R -> DEC_RECORD;
            case ADD_AB, ADD_RB -> ADD;
            case SHL_AC -> Helpers.withFlags(Mnemonic.SHL);
            case SHR_AC -> Helpers.withFlags(Mnemonic.SHR);
            case SAR_AC -> Helpers.withFlags(Mnemonic.SAR);
            default -> CMP;
        }).invoke(mv);
        if (f == Form.ADD_AB || f == Form.ADD_RB || f.shift()) mv.visitInsn(POP2); // add's (the shift's) result
        if (onlyLooped) mv.visitLabel(skip);
    }

    /**
     * In the exception handler (a fault at a non-negative index): stores the record that was
     * deferred at the faulting instruction — one range test per run of instructions with the same state.
     */
    void emitHandlerStores() {
        if (rec0 < 0) return;
        MethodVisitor mv = e.mv;
        int n = faultForm.length;
        for (int lo = 0; lo < n; ) {
            int hi = lo;
            while (hi + 1 < n && faultForm[hi + 1] == faultForm[lo] && faultSize[hi + 1] == faultSize[lo]
                    && faultMaybe[hi + 1] == faultMaybe[lo]) hi++;
            if (faultForm[lo] != null) {
                Label skip = new Label();
                mv.visitVarInsn(ILOAD, L_FAULT_INDEX);
                e.iconst(lo);
                mv.visitJumpInsn(IF_ICMPLT, skip);
                mv.visitVarInsn(ILOAD, L_FAULT_INDEX);
                e.iconst(hi);
                mv.visitJumpInsn(IF_ICMPGT, skip);
                emitStore(faultForm[lo], faultSize[lo], faultMaybe[lo]);
                mv.visitLabel(skip);
            }
            lo = hi + 1;
        }
    }

    /** Records that the flags now come from {@code kind} applied to the temps given ({@code left}/{@code right} unused for INC/DEC). */
    void record(Known kind, int size, int left, int right, int result) {
        generation++;
        known = kind;
        this.size = size;
        this.left = left;
        this.right = right;
        this.result = result;
    }

    /** The flags no longer come from a known inline record. */
    void forget() {
        known = Known.NONE;
    }

    /** Whether instruction k will record its flag operands (see {@link AluEmitter}). */
    boolean producesKnown(int k, Instruction i) {
        return switch (i.mnemonic) {
            case ADD, SUB, AND, OR, XOR, CMP, TEST, INC, DEC, NEG -> live(k, i);
            default -> false;
        };
    }

    /** Whether a flag instruction {@code k} writes is read later (it must then record its flags). */
    boolean live(int k, Instruction i) {
        return (e.liveAfter[k] & i.flagsWritten & Liveness.ALL) != 0;
    }

    /** Pushes an int 0/1: condition {@code cc} on the current flags. */
    void emit(int cc) {
        MethodVisitor mv = e.mv;
        int sz = size;
        switch (known) {
            case SUB -> {
                mv.visitVarInsn(LLOAD, left); e.mask(sz);
                mv.visitVarInsn(LLOAD, right); e.mask(sz);
                if ((cc >> 1) == 2) { // ZF: the truncated operands compared (C2 drops the subtraction)
                    e.iconst(cc);
                    mv.visitMethodInsn(INVOKESTATIC, LAZY, "condSubEqual", "(JJI)Z", false);
                    return;
                }
                mv.visitVarInsn(LLOAD, result);
                e.iconst(sz);
                e.iconst(cc);
                mv.visitMethodInsn(INVOKESTATIC, LAZY, "condSub", "(JJJII)Z", false);
                return;
            }
            case LOGIC -> {
                mv.visitVarInsn(LLOAD, result);
                e.iconst(sz);
                e.iconst(cc);
                mv.visitMethodInsn(INVOKESTATIC, LAZY, "condLogic", "(JII)Z", false);
                return;
            }
            case ADD, INC_DEC -> {
                if ((cc >> 1) == 2 || (cc >> 1) == 4) {
                    // ZF / SF come straight from the (truncated) result
                    Label t = new Label(), done = new Label();
                    mv.visitVarInsn(LLOAD, result);
                    if ((cc >> 1) == 2) {
                        e.lconst(0);
                        mv.visitInsn(LCMP);
                        mv.visitJumpInsn((cc & 1) == 0 ? IFEQ : IFNE, t);
                    } else {
                        e.iconst(64 - sz * 8);
                        mv.visitInsn(LSHL);
                        e.lconst(0);
                        mv.visitInsn(LCMP);
                        mv.visitJumpInsn((cc & 1) == 0 ? IFLT : IFGE, t);
                    }
                    // through an int local: jumps carry no operand stack (see FrameWriter)
                    e.iconst(0);
                    mv.visitVarInsn(ISTORE, L_INT_SCRATCH);
                    mv.visitJumpInsn(GOTO, done);
                    mv.visitLabel(t);
                    e.iconst(1);
                    mv.visitVarInsn(ISTORE, L_INT_SCRATCH);
                    mv.visitLabel(done);
                    mv.visitVarInsn(ILOAD, L_INT_SCRATCH);
                    return;
                }
            }
            default -> { }
        }
        mv.visitVarInsn(ALOAD, L_CPU);
        e.iconst(cc);
        mv.visitMethodInsn(INVOKESTATIC, LAZY, "cond", "(L" + CPU + ";I)Z", false);
    }
}
