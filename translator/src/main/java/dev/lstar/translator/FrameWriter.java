package dev.lstar.translator;

import static org.objectweb.asm.Opcodes.*;

import java.util.Arrays;
import java.util.IdentityHashMap;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;

/**
 * Writes the stack-map frames of a generated {@code run} method while the code is emitted, so
 * the class writer need not compute them (ASM's {@code COMPUTE_FRAMES} runs a data-flow analysis
 * over the whole method; it was about a seventh of the cost of a translation).
 *
 * <p>It works because the generator's code is simple: every jump (and every fall-through into
 * a jump target) has an empty operand stack, locals are typed by the slot they live in (a slot
 * holds one kind of value for the whole method), and the only backward jumps are a region's
 * back-edges to labels declared with {@link #loopHead}. The writer follows the local types
 * through the stores, merges them at each jump target (a loop head's forward jumps too, a loop
 * nest's inner heads have them), and emits one frame before the
 * first instruction at a jump target, a loop head or the exception handler. The handler's
 * frame is the meet of the local types over the whole protected range — or, when the handler is
 * visited before the range (as the generated methods do), the state there, which no store in the
 * range may then change. Code that raises nothing the handler is for can be left out of the
 * range ({@link #pauseRange}). Anything outside those
 * rules (code after an unconditional branch that nothing jumps to, a backward jump to a label
 * whose frame does not fit, a store of a reference to an undeclared slot) is a generator bug
 * and throws {@link IllegalStateException} at generation time instead of producing a class the
 * verifier would reject. Frames are written compressed ({@link #writeFrame}).
 */
final class FrameWriter extends MethodVisitor {
    /** Marks the second slot of a long or a double. */
    private static final Object WIDE_HI = new Object();

    /** Whether locals of type {@code t} take two slots (LONG, DOUBLE). */
    private static boolean wide(Object t) {
        return t == LONG || t == DOUBLE;
    }

    /** Local types by slot: null = unset (TOP), INTEGER, LONG or DOUBLE + WIDE_HI, or an internal class name. */
    private Object[] cur;
    private boolean reachable = true;
    /** The merged local types of the jumps to each forward target not reached yet. */
    private final IdentityHashMap<Label, Object[]> incoming = new IdentityHashMap<>();
    /** Backward-jump targets and the locals of the frame emitted there. */
    private final IdentityHashMap<Label, Object[]> loops = new IdentityHashMap<>();
    /** Reference type of each slot that holds a reference (by ASTORE). */
    private String[] refTypes = new String[16];
    /** The frame to emit before the next instruction, or null. */
    private Object[] pending;
    /** The locals of the frame written last (at first: the method's implicit frame, its parameters), in ASM's format. */
    private Object[] lastFrame;
    private boolean pendingHandler;
    private Label tryStart, tryEnd, handler;
    private String handlerType;
    private boolean inTry;
    /** Meet of the local types over the protected range so far (handler first: the handler's frame). */
    private Object[] handlerLocals;
    /**
     * The handler was visited before the protected range ({@link #visitLabel}): its frame is the
     * state there, and no store in the range may change the type of a slot it holds.
     */
    private boolean handlerFirst;

    /**
     * {@code thisType}: the generated class; {@code params}: the types of the parameters after
     * {@code this} (INTEGER, LONG or internal names).
     */
    FrameWriter(MethodVisitor mv, String thisType, Object[] params) {
        this(mv, prepend(thisType, params));
    }

    /** {@code locals}: the types of the method's parameters, in order (INTEGER, LONG or internal names). */
    FrameWriter(MethodVisitor mv, Object[] locals) {
        super(ASM9, mv);
        cur = new Object[64];
        int s = 0;
        for (Object p : locals) {
            cur[s] = p;
            if (wide(p)) cur[++s] = WIDE_HI;
            s++;
        }
        lastFrame = frameLocals(cur);
    }

    private static Object[] prepend(Object first, Object[] rest) {
        Object[] all = new Object[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }

    /** Slot {@code slot} will hold references of type {@code internalName}. */
    void declare(int slot, String internalName) {
        if (slot >= refTypes.length) refTypes = Arrays.copyOf(refTypes, slot + 16);
        refTypes[slot] = internalName;
    }

    /** The first local the exception handler does not read (its frame leaves it and all after it unset). */
    private int handlerLimit = Integer.MAX_VALUE;

    /**
     * The exception handler reads no local at or after {@code slot}: its frame declares them unset,
     * which makes it shorter. The JVM's verifier compares the frame of every instruction in the
     * protected range with the handler's, local by local: the largest single part of verifying a
     * translated block, and verifying is more than half of translating one.
     */
    void handlerReadsBelow(int slot) {
        handlerLimit = slot;
    }

    /** {@code l} is the target of a later backward jump: its frame is the state when it is visited. */
    void loopHead(Label l) {
        loops.put(l, null);
    }

    /** The local types where the method's body starts ({@link #markEntry}), or null. */
    private Object[] entry;

    /** Notes the local types now as those every path through the body keeps ({@link #keepEntryOnly}). */
    void markEntry() {
        entry = cur.clone();
    }

    /** Labels whose frame holds only the locals of {@link #markEntry} ({@link #entryOnly}). */
    private final java.util.Set<Label> entryOnly = java.util.Collections.newSetFromMap(new IdentityHashMap<>());

    /**
     * At {@code l} the locals set since {@link #markEntry} (temps, values of one path) are
     * forgotten: a label that ways from anywhere in the method jump to (a loop nest's segment
     * start), whose frame must hold only what every path into it has.
     */
    void entryOnly(Label l) {
        entryOnly.add(l);
    }

    // ------------------------------------------------------------------ state

    private static Object at(Object[] a, int i) {
        return i < a.length ? a[i] : null;
    }

    private static boolean same(Object a, Object b) {
        return a == b || (a != null && a.equals(b));
    }

    /** The meet of {@code a} (may be null: none yet; updated in place) and {@code b}. */
    private static Object[] merge(Object[] a, Object[] b) {
        if (a == null) return b.clone();
        for (int i = 0; i < a.length; i++) if (a[i] != null && !same(a[i], at(b, i))) a[i] = null;
        // a long (double) whose halves no longer agree is none
        for (int i = 0; i < a.length; i++) {
            if (wide(a[i]) && at(a, i + 1) != WIDE_HI) a[i] = null;
            if (a[i] == WIDE_HI && (i == 0 || !wide(a[i - 1]))) a[i] = null;
        }
        return a;
    }

    private void set(int slot, Object type) {
        if (slot + 3 > cur.length) cur = Arrays.copyOf(cur, Math.max(slot + 3, cur.length * 2));
        if (cur[slot] == WIDE_HI) cur[slot - 1] = null; // overwrote the high half of a long or double
        if (wide(cur[slot])) cur[slot + 1] = null;
        cur[slot] = type;
        if (wide(type)) {
            if (wide(cur[slot + 1])) cur[slot + 2] = null;
            cur[slot + 1] = WIDE_HI;
        }
        if (inTry) meetHandler(slot - 1, slot + 2);
    }

    private void meetHandler(int from, int to) {
        Object[] h = handlerLocals;
        for (int i = Math.max(0, from); i < Math.min(to + 1, h.length); i++) {
            if (h[i] != null && !same(h[i], at(cur, i))) {
                if (handlerFirst) throw new IllegalStateException("slot " + i + " changes type in the protected range after the handler's frame was written");
                h[i] = null;
            }
        }
    }

    /** The operand stack's size in words (a long two) before the next instruction; -1 when unknown. */
    private int depth;

    /** The operand stack's size in words where the next instruction goes (jump targets start empty). */
    int stackDepth() {
        return depth;
    }

    private static final int[] INSN_DELTA = new int[256];

    static {
        java.util.Arrays.fill(INSN_DELTA, Integer.MIN_VALUE);
        INSN_DELTA[NOP] = 0;
        INSN_DELTA[ACONST_NULL] = 1;
        for (int o = ICONST_M1; o <= ICONST_5; o++) INSN_DELTA[o] = 1;
        INSN_DELTA[LCONST_0] = INSN_DELTA[LCONST_1] = 2;
        INSN_DELTA[IALOAD] = INSN_DELTA[BALOAD] = INSN_DELTA[AALOAD] = INSN_DELTA[CALOAD] = INSN_DELTA[SALOAD] = -1;
        INSN_DELTA[LALOAD] = 0;
        INSN_DELTA[IASTORE] = INSN_DELTA[BASTORE] = INSN_DELTA[AASTORE] = INSN_DELTA[CASTORE] = INSN_DELTA[SASTORE] = -3;
        INSN_DELTA[LASTORE] = -4;
        INSN_DELTA[POP] = -1;
        INSN_DELTA[POP2] = -2;
        INSN_DELTA[DUP] = INSN_DELTA[DUP_X1] = INSN_DELTA[DUP_X2] = 1;
        INSN_DELTA[DUP2] = INSN_DELTA[DUP2_X1] = INSN_DELTA[DUP2_X2] = 2;
        INSN_DELTA[SWAP] = 0;
        for (int o : new int[] {IADD, ISUB, IMUL, IDIV, IREM, ISHL, ISHR, IUSHR, IAND, IOR, IXOR}) INSN_DELTA[o] = -1;
        for (int o : new int[] {LADD, LSUB, LMUL, LDIV, LREM, LAND, LOR, LXOR}) INSN_DELTA[o] = -2;
        INSN_DELTA[LSHL] = INSN_DELTA[LSHR] = INSN_DELTA[LUSHR] = -1;
        INSN_DELTA[INEG] = INSN_DELTA[LNEG] = 0;
        INSN_DELTA[I2L] = 1;
        INSN_DELTA[L2I] = -1;
        INSN_DELTA[I2B] = INSN_DELTA[I2C] = INSN_DELTA[I2S] = 0;
        INSN_DELTA[LCMP] = -3;
        INSN_DELTA[IRETURN] = INSN_DELTA[ARETURN] = INSN_DELTA[ATHROW] = -1;
        INSN_DELTA[LRETURN] = -2;
        INSN_DELTA[RETURN] = 0;
        INSN_DELTA[ARRAYLENGTH] = 0;
        INSN_DELTA[MONITORENTER] = INSN_DELTA[MONITOREXIT] = -1;
    }

    private void grow(int delta) {
        if (depth >= 0) depth += delta;
    }

    private static int words(String descriptor) {
        char c = descriptor.charAt(0);
        return c == 'V' ? 0 : c == 'J' || c == 'D' ? 2 : 1;
    }

    /** Called before every instruction: emits the pending frame, refuses unreachable code. */
    private void before() {
        insnCount++;
        if (pending != null) {
            writeFrame(frameLocals(pending), pendingHandler ? handlerType : null);
            pending = null;
            pendingHandler = false;
        } else if (!reachable) {
            throw new IllegalStateException("generated code after an unconditional branch is unreachable");
        }
    }

    /**
     * Writes a frame in the class file's compressed forms, relative to the one written last:
     * {@code F_SAME} (or {@code F_SAME1} for the handler's one stack item) when the locals did not
     * change, {@code F_APPEND}/{@code F_CHOP} when up to three were added or removed at the end,
     * else {@code F_FULL}. Expanded frames ({@code F_NEW}) made ASM convert and compare every
     * local of every frame itself (a fifth of the translator's own, Java-side time in {@code KernelTranslateBench}).
     */
    private void writeFrame(Object[] locals, String stackItem) {
        Object[] prev = lastFrame;
        lastFrame = locals;
        int d = locals.length - prev.length;
        if (stackItem != null) {
            if (d == 0 && Arrays.equals(locals, prev)) super.visitFrame(F_SAME1, 0, null, 1, new Object[] {stackItem});
            else super.visitFrame(F_FULL, locals.length, locals, 1, new Object[] {stackItem});
        } else if (d == 0 && Arrays.equals(locals, prev)) {
            super.visitFrame(F_SAME, 0, null, 0, null);
        } else if (d > 0 && d <= 3 && Arrays.equals(locals, 0, prev.length, prev, 0, prev.length)) {
            super.visitFrame(F_APPEND, d, Arrays.copyOfRange(locals, prev.length, locals.length), 0, null);
        } else if (d < 0 && d >= -3 && Arrays.equals(prev, 0, locals.length, locals, 0, locals.length)) {
            super.visitFrame(F_CHOP, -d, null, 0, null);
        } else {
            super.visitFrame(F_FULL, locals.length, locals, 0, null);
        }
    }

    private static Object[] frameLocals(Object[] slots) {
        int end = slots.length;
        while (end > 0 && slots[end - 1] == null) end--;
        Object[] out = new Object[end];
        int n = 0;
        for (int i = 0; i < end; i++) {
            Object t = slots[i];
            if (t == null || t == WIDE_HI) out[n++] = TOP;
            else {
                out[n++] = t;
                if (wide(t)) i++;
            }
        }
        return n == out.length ? out : Arrays.copyOf(out, n);
    }

    private void jumpTo(Label target) {
        if (loops.get(target) != null) {
            Object[] f = loops.get(target);
            for (int i = 0; i < f.length; i++) {
                if (f[i] != null && !same(f[i], at(cur, i))) {
                    throw new IllegalStateException("back-edge state does not fit the loop head's frame at slot " + i + " (head " + f[i] + ", here " + at(cur, i) + ")");
                }
            }
            return;
        }
        incoming.put(target, merge(incoming.get(target), cur));
    }

    // ------------------------------------------------------------------ visitor

    @Override
    public void visitTryCatchBlock(Label start, Label end, Label h, String type) {
        if (handler != null) throw new IllegalStateException("one exception handler per method");
        tryStart = start;
        tryEnd = end;
        handler = h;
        handlerType = type;
        rangeStart = start;
    }

    /** The start of the current part of the protected range, and the parts closed so far (start, end). */
    private Label rangeStart;
    private final java.util.ArrayList<Label> ranges = new java.util.ArrayList<>();
    /** Instructions visited so far (a part of the range with none is left out of the table). */
    private int insnCount, rangeStartCount;

    /**
     * Leaves code that raises nothing the handler is for (an exit: stores and a return) out of the
     * protected range: the range ends here and goes on at {@link #resumeRange}. The verifier
     * checks every instruction in the range against the handler's frame; with the exits outside,
     * a block's many exit stores are not checked. Only inside the range; the exception table gets
     * one entry per part (in {@link #visitMaxs}).
     */
    void pauseRange() {
        if (!inTry) throw new IllegalStateException("pauseRange outside the protected range");
        Label end = new Label();
        super.visitLabel(end);
        closePart(end);
        inTry = false;
    }

    /** Goes on with the protected range after {@link #pauseRange}. */
    void resumeRange() {
        if (inTry || rangeStart != null || handler == null) throw new IllegalStateException("resumeRange without pauseRange");
        rangeStart = new Label();
        super.visitLabel(rangeStart);
        rangeStartCount = insnCount;
        inTry = true;
    }

    private void closePart(Label end) {
        if (insnCount > rangeStartCount) {
            ranges.add(rangeStart);
            ranges.add(end);
        }
        rangeStart = null;
    }

    @Override
    public void visitMaxs(int maxStack, int maxLocals) {
        if (inTry || rangeStart != null) throw new IllegalStateException("the protected range is not closed");
        // (the class writer computes neither frames nor handler blocks: it takes these any time before visitMaxs)
        for (int i = 0; i < ranges.size(); i += 2) super.visitTryCatchBlock(ranges.get(i), ranges.get(i + 1), handler, handlerType);
        super.visitMaxs(maxStack, maxLocals);
    }

    @Override
    public void visitLabel(Label label) {
        super.visitLabel(label);
        if (label == handler) {
            if (pending != null || incoming.containsKey(label)) throw new IllegalStateException("the handler is also a jump target");
            if (handlerLocals == null) { // before the protected range: its locals are the state now, for the whole range
                if (reachable) throw new IllegalStateException("code falls into the handler");
                handlerFirst = true;
                handlerLocals = cur.clone();
            }
            cur = handlerLocals.clone();
            int from = handlerLimit < cur.length && cur[handlerLimit] == WIDE_HI ? handlerLimit + 1 : handlerLimit;
            for (int i = from; i < cur.length; i++) cur[i] = null;
            if (handlerFirst) handlerLocals = cur.clone();
            depth = 1; // the exception
            pending = cur.clone();
            pendingHandler = true;
            reachable = true;
            return;
        }
        Object[] in = incoming.remove(label);
        if (in != null) {
            boolean reachableBefore = reachable;
            Object[] merged = reachable ? merge(in, cur) : in;
            if (pending != null) merged = merge(merged, pending);
            if (pendingHandler) throw new IllegalStateException("a jump target at the handler");
            cur = merged.length >= cur.length ? merged : Arrays.copyOf(merged, cur.length);
            pending = merged.clone();
            if (reachableBefore && depth != 0) depth = -1; // falls in with operands: not the generator's code
            else depth = 0;
            reachable = true;
            if (inTry) meetHandler(0, cur.length);
        }
        if (entryOnly.contains(label)) {
            if (entry == null) throw new IllegalStateException("an entry-only label before markEntry");
            cur = merge(cur, entry);
            pending = merge(pending == null ? cur.clone() : pending, entry);
            if (inTry) meetHandler(0, cur.length);
        }
        if (loops.containsKey(label)) {
            if (!reachable) throw new IllegalStateException("loop head after an unconditional branch");
            if (pending == null) pending = cur.clone();
            loops.put(label, pending.clone());
        }
        if (label == tryStart) {
            inTry = true;
            rangeStartCount = insnCount;
            if (!handlerFirst) handlerLocals = cur.clone();
            else meetHandler(0, cur.length);
        } else if (label == tryEnd) {
            if (inTry) closePart(label);
            inTry = false;
        }
    }

    @Override
    public void visitInsn(int opcode) {
        before();
        super.visitInsn(opcode);
        int d = INSN_DELTA[opcode];
        if (d == Integer.MIN_VALUE) depth = -1; // not an opcode the generator uses: unknown from here
        else grow(d);
        if ((opcode >= IRETURN && opcode <= RETURN) || opcode == ATHROW) reachable = false;
    }

    @Override
    public void visitIntInsn(int opcode, int operand) {
        before();
        super.visitIntInsn(opcode, operand);
        if (opcode != NEWARRAY) grow(1); // BIPUSH, SIPUSH
    }

    @Override
    public void visitVarInsn(int opcode, int var) {
        before();
        super.visitVarInsn(opcode, var);
        grow(switch (opcode) {
            case ILOAD, FLOAD, ALOAD -> 1;
            case LLOAD, DLOAD -> 2;
            case ISTORE, FSTORE, ASTORE -> -1;
            case LSTORE, DSTORE -> -2;
            default -> 0;
        });
        switch (opcode) {
            case ISTORE -> set(var, INTEGER);
            case LSTORE -> set(var, LONG);
            case DSTORE -> set(var, DOUBLE);
            case ASTORE -> {
                String t = var < refTypes.length ? refTypes[var] : null;
                if (t == null) throw new IllegalStateException("reference stored to undeclared local " + var);
                set(var, t);
            }
            case FSTORE -> throw new IllegalStateException("float locals are not used");
            default -> { }
        }
    }

    @Override
    public void visitTypeInsn(int opcode, String type) {
        before();
        super.visitTypeInsn(opcode, type);
        if (opcode == NEW) grow(1); // ANEWARRAY, CHECKCAST, INSTANCEOF: one for one
    }

    @Override
    public void visitFieldInsn(int opcode, String owner, String name, String descriptor) {
        before();
        super.visitFieldInsn(opcode, owner, name, descriptor);
        int w = words(descriptor);
        grow(switch (opcode) {
            case GETSTATIC -> w;
            case PUTSTATIC -> -w;
            case GETFIELD -> w - 1;
            default -> -w - 1; // PUTFIELD
        });
    }

    @Override
    public void visitMethodInsn(int opcode, String owner, String name, String descriptor, boolean isInterface) {
        before();
        super.visitMethodInsn(opcode, owner, name, descriptor, isInterface);
        int sizes = org.objectweb.asm.Type.getArgumentsAndReturnSizes(descriptor); // (arguments + 1) << 2 | return
        grow((sizes & 3) - (sizes >> 2) + (opcode == INVOKESTATIC ? 1 : 0));
    }

    @Override
    public void visitInvokeDynamicInsn(String name, String descriptor, org.objectweb.asm.Handle bsm, Object... args) {
        throw new IllegalStateException("invokedynamic is not used");
    }

    @Override
    public void visitJumpInsn(int opcode, Label label) {
        before();
        super.visitJumpInsn(opcode, label);
        grow(switch (opcode) {
            case IFEQ, IFNE, IFLT, IFGE, IFGT, IFLE, IFNULL, IFNONNULL -> -1;
            case GOTO -> 0;
            default -> -2; // IF_ICMPxx, IF_ACMPxx
        });
        if (opcode == JSR) throw new IllegalStateException("jsr is not used");
        jumpTo(label);
        if (opcode == GOTO) reachable = false;
    }

    @Override
    public void visitLdcInsn(Object value) {
        before();
        super.visitLdcInsn(value);
        grow(value instanceof Long || value instanceof Double ? 2 : 1);
    }

    @Override
    public void visitIincInsn(int var, int increment) {
        before();
        super.visitIincInsn(var, increment);
    }

    @Override
    public void visitTableSwitchInsn(int min, int max, Label dflt, Label... labels) {
        before();
        super.visitTableSwitchInsn(min, max, dflt, labels);
        grow(-1);
        jumpTo(dflt);
        for (Label l : labels) jumpTo(l);
        reachable = false;
    }

    @Override
    public void visitLookupSwitchInsn(Label dflt, int[] keys, Label[] labels) {
        before();
        super.visitLookupSwitchInsn(dflt, keys, labels);
        grow(-1);
        jumpTo(dflt);
        for (Label l : labels) jumpTo(l);
        reachable = false;
    }

    @Override
    public void visitMultiANewArrayInsn(String descriptor, int numDimensions) {
        before();
        super.visitMultiANewArrayInsn(descriptor, numDimensions);
        grow(1 - numDimensions);
    }

    @Override
    public void visitFrame(int type, int numLocal, Object[] local, int numStack, Object[] stack) {
        throw new IllegalStateException("frames are written by FrameWriter");
    }
}
