package dev.lstar.translator;

import static dev.lstar.translator.BlockCompiler.CPU;
import static dev.lstar.translator.BlockCompiler.MMU;
import static dev.lstar.translator.BlockCompiler.RT;
import static org.objectweb.asm.Opcodes.*;

import dev.lstar.decoder.Instruction;
import dev.lstar.runtime.interp.Operands;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;

/**
 * The lower half of a generated method's emission context ({@link MethodEmitter} is the upper
 * half): the layout of the JVM locals, the guest registers and XMM halves held in locals (which
 * ones, their slots, which ones differ from {@code cpu.r}/{@code cpu.xmm}, spill and reload), the
 * temps, constants, and the
 * operand accesses every instruction emitter uses — register reads and writes with the x86-64
 * partial-register rules, effective and linear addresses, memory reads and writes through the
 * {@code Mmu}, and reading or writing an instruction's operands.
 */
abstract class OperandEmitter {
    // ---------------------------------------------------------------- locals

    /** The {@link CompiledBlock} instance (a static batch method takes it as its first argument). */
    static final int L_THIS = 0;
    /** The {@code Cpu}. */
    static final int L_CPU = 1;
    /** The instruction limit (long): a region leaves before an iteration would pass it. */
    static final int L_LIMIT = 2;
    /** {@code cpu.mmu}. */
    static final int L_MMU = 4;
    /**
     * The index of the instruction that may fault next, or its one's complement while the
     * interpreter fallback (or a hook) runs it: the exception handler makes the state precise
     * from it and spills the register locals only for a non-negative index.
     */
    static final int L_FAULT_INDEX = 5;
    /** {@code cpu.r}. */
    static final int L_REGS = 6;
    /** Instructions retired by the completed iterations of a region (long). */
    static final int L_LOOP_RETIRED = 7;
    /** An int scratch: a condition through a branch, the answer of a before-hook. */
    static final int L_INT_SCRATCH = 9;
    /** A stack run's offset in its frame. */
    static final int L_FRAME_OFFSET = 10;
    /** A stack run's frame array. */
    static final int L_FRAME = 11;
    /** {@code cpu.xmm}. */
    static final int L_XMMS = 12;
    /** The retired count of a cold exit (int), for the shared exit code ({@code MethodEmitter.coldExit}). */
    static final int L_EXIT_RETIRED = 13;
    /** The RIP of a cold exit (long), for the shared exit code. */
    static final int L_EXIT_RIP = 14;
    /** The first register local; the cached registers' locals follow (GPRs, then XMM halves), then the temps. */
    static final int L_FIRST_REG = 16;

    MethodVisitor mv;
    /**
     * Several CPUs share the memory ({@code PhysicalMemory.smp}): every guest load is followed by
     * {@code VarHandle.loadLoadFence()} — no host instruction on x86, but the JVM's compiler may
     * then not reorder two guest loads of one method, which x86-TSO forbids (stores keep their
     * order already: they are all on the byte-array memory chain).
     */
    boolean ordered;

    // ---------------------------------------------------------------- registers in locals

    /** Local slot of each cached register (packed: fewer locals make verification cheaper), -1 if not cached. */
    final int[] regSlot = {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1};
    /** The registers held in locals (bit mask). */
    int cachedRegs;
    /** The registers whose local differs from {@code cpu.r} (bit mask). */
    int dirtyRegs;

    int slot(int reg) {
        int s = regSlot[reg];
        if (s < 0) throw new IllegalStateException("register " + reg + " is not held in a local");
        return s;
    }

    /**
     * Stores registers {@code regs} (a mask of cached ones) to {@code cpu.r}. The spills and
     * reloads read the array from {@code cpu} each time rather than from {@link #L_REGS}: they run
     * at exits and around calls, and a local would keep one more value alive across a region's
     * loop, where C2 already keeps guest registers in stack slots (the sieve's inner loop:
     * median 2.63 -> 2.35 s, xorshift the same; 2026-12-04).
     */
    void spill(int regs) {
        for (int r = 0; r < 16; r++) {
            if ((regs & (1 << r)) == 0) continue;
            mv.visitVarInsn(ALOAD, L_CPU);
            mv.visitFieldInsn(GETFIELD, CPU, "r", "[J");
            iconst(r);
            mv.visitVarInsn(LLOAD, slot(r));
            mv.visitInsn(LASTORE);
        }
    }

    /** Loads every cached register from {@code cpu.r}; none is dirty after it. */
    void reloadAll() {
        for (int r = 0; r < 16; r++) {
            if ((cachedRegs & (1 << r)) == 0) continue;
            mv.visitVarInsn(ALOAD, L_CPU);
            mv.visitFieldInsn(GETFIELD, CPU, "r", "[J");
            iconst(r);
            mv.visitInsn(LALOAD);
            mv.visitVarInsn(LSTORE, slot(r));
        }
        dirtyRegs = 0;
    }

    // ---------------------------------------------------------------- XMM halves in locals

    /**
     * Local slot of each cached XMM half (index q = 2 * register + half, as {@code cpu.xmm}), -1
     * if not cached. The halves the method's inline SSE forms use ({@link SseEmitter#halvesUsed})
     * are loaded in the prologue and kept in long locals like the GPRs: stored back at exits, before
     * a fallback or a direct call that reads them, and by the exception handler.
     */
    final int[] xmmSlot = new int[32];
    /** The cached XMM halves (bit q). */
    int cachedXmm;
    /**
     * The cached XMM halves kept in double locals instead of long ones (bit q): halves the method
     * uses only as doubles and moves ({@code SseEmitter.doubleHalves}). The code around them still
     * sees longs (a raw bit conversion at each load and store, which C2 folds away between two
     * double operations); what changes is the loop's phi: a double accumulator stays in an XMM
     * register from one iteration to the next instead of crossing to a general register and back
     * (about 6 cycles of latency per iteration on spectral-norm's ADDSD chain).
     */
    int doubleXmm;
    /** The cached XMM halves whose local differs from {@code cpu.xmm} (bit q). */
    int dirtyXmm;

    {
        java.util.Arrays.fill(xmmSlot, -1);
    }

    /** Pushes {@code cpu.xmm} (read from {@code cpu}, as {@link #spill}). */
    void xmmArray() {
        mv.visitVarInsn(ALOAD, L_CPU);
        mv.visitFieldInsn(GETFIELD, CPU, "xmm", "[J");
    }

    /** Pushes XMM half {@code q} (its local if cached, else {@code cpu.xmm[q]}). */
    void xmmLoad(int q) {
        if (xmmSlot[q] >= 0) {
            loadXmmLocal(q);
            return;
        }
        xmmArray();
        iconst(q);
        mv.visitInsn(LALOAD);
    }

    /** XMM half {@code q} = the long {@code value} pushes (its local if cached, else {@code cpu.xmm[q]}). */
    void xmmPut(int q, Runnable value) {
        ranges.forget(q);
        if (xmmSlot[q] >= 0) {
            value.run();
            storeXmmLocal(q);
            dirtyXmm |= 1 << q;
            return;
        }
        xmmArray();
        iconst(q);
        value.run();
        mv.visitInsn(LASTORE);
    }

    /** Stores XMM halves {@code halves} (a mask of cached ones) to {@code cpu.xmm}. */
    void spillXmm(int halves) {
        for (int q = 0; q < 32; q++) {
            if ((halves & (1 << q)) == 0) continue;
            xmmArray();
            iconst(q);
            loadXmmLocal(q);
            mv.visitInsn(LASTORE);
        }
    }

    /** Pushes cached half {@code q}'s local as a long (a double local through its raw bits). */
    private void loadXmmLocal(int q) {
        if ((doubleXmm & (1 << q)) != 0) {
            mv.visitVarInsn(DLOAD, xmmSlot[q]);
            mv.visitMethodInsn(INVOKESTATIC, "java/lang/Double", "doubleToRawLongBits", "(D)J", false);
        } else {
            mv.visitVarInsn(LLOAD, xmmSlot[q]);
        }
    }

    /** Stores the long on the stack into cached half {@code q}'s local (a double local: as the double of those bits). */
    private void storeXmmLocal(int q) {
        if ((doubleXmm & (1 << q)) != 0) {
            mv.visitMethodInsn(INVOKESTATIC, "java/lang/Double", "longBitsToDouble", "(J)D", false);
            mv.visitVarInsn(DSTORE, xmmSlot[q]);
        } else {
            mv.visitVarInsn(LSTORE, xmmSlot[q]);
        }
    }

    /**
     * What is known of the doubles in the cached XMM halves ({@link LaneRanges}); {@code taintSlot}:
     * the int local that is 1 once a range check failed (-1: the method uses no ranges).
     */
    final LaneRanges ranges = new LaneRanges();
    int taintSlot = -1;
    /**
     * With {@code taintSlot}: an int local, 1 when MXCSR is not in the fast mode
     * ({@code SseFloat.slowMode}) — read in the prologue and again after anything that may load
     * MXCSR (LDMXCSR, a fallback); the taint starts as it at every point of no knowledge, so an
     * untainted ranged operation needs no test of MXCSR (arithmetic leaves the mode alone: in it,
     * PE is already set and every other flag is masked).
     */
    int mxSlowSlot = -1;

    /** Loads XMM halves {@code halves} (a mask of cached ones) from {@code cpu.xmm}; the dirty mask is the caller's. */
    void reloadXmm(int halves) {
        for (int q = 0; q < 32; q++) {
            if ((halves & (1 << q)) == 0) continue;
            ranges.forget(q);
            xmmArray();
            iconst(q);
            mv.visitInsn(LALOAD);
            storeXmmLocal(q);
        }
    }

    // ---------------------------------------------------------------- temps

    /**
     * Temps are long locals after the register locals, reused from one instruction to the next
     * (fewer locals: smaller frames, faster frame computation and verification). The temps of
     * the instruction that produced the flag operands {@link ConditionEmitter} keeps stay
     * reserved (below {@code pinnedTop}) until another producer replaces them.
     */
    int nextTemp, tempBase, pinnedTop, maxTemp;
    /** Scratch for partial register writes. */
    int partialWriteTemp;

    int temp() {
        int t = nextTemp;
        nextTemp += 2;
        maxTemp = Math.max(maxTemp, nextTemp);
        return t;
    }

    // ---------------------------------------------------------------- constants

    static void iconst(MethodVisitor m, int v) {
        if (v >= -1 && v <= 5) m.visitInsn(ICONST_0 + v);
        else if (v >= Byte.MIN_VALUE && v <= Byte.MAX_VALUE) m.visitIntInsn(BIPUSH, v);
        else if (v >= Short.MIN_VALUE && v <= Short.MAX_VALUE) m.visitIntInsn(SIPUSH, v);
        else m.visitLdcInsn(v);
    }

    void iconst(int v) {
        iconst(mv, v);
    }

    void lconst(long v) {
        if (v == 0) mv.visitInsn(LCONST_0);
        else if (v == 1) mv.visitInsn(LCONST_1);
        else mv.visitLdcInsn(v);
    }

    /** Truncates the long on the stack to {@code size} bytes (zero-extended). */
    void mask(int size) {
        switch (size) {
            case 8 -> { }
            case 4 -> { lconst(0xFFFF_FFFFL); mv.visitInsn(LAND); }
            case 2 -> { lconst(0xFFFFL); mv.visitInsn(LAND); }
            default -> { lconst(0xFFL); mv.visitInsn(LAND); }
        }
    }

    /**
     * Sign-extends the low {@code size} bytes of the long on the stack: through an int (L2I, I2S
     * or I2B, I2L — two to three bytes of bytecode, one MOVSX for C2) rather than a shift pair.
     */
    void sext(int size) {
        if (size == 8) return;
        mv.visitInsn(L2I);
        if (size == 2) mv.visitInsn(I2S);
        if (size == 1) mv.visitInsn(I2B);
        mv.visitInsn(I2L);
    }

    // ---------------------------------------------------------------- operands

    /** Pushes register {@code reg} (16-19: AH, CH, DH, BH) zero-extended from {@code size} bytes. */
    void readReg(int reg, int size) {
        if (reg >= 16) {
            mv.visitVarInsn(LLOAD, slot(reg - 16));
            iconst(8);
            mv.visitInsn(LUSHR);
            mask(1);
        } else {
            mv.visitVarInsn(LLOAD, slot(reg));
            mask(size);
        }
    }

    /** Writes the long on the stack to a register with the x86-64 partial-register rules (SDM Vol. 1 §3.4.1.1). */
    void writeReg(int reg, int size) {
        int r = reg >= 16 ? reg - 16 : reg;
        switch (size) {
            case 8 -> mv.visitVarInsn(LSTORE, slot(r));
            case 4 -> { mask(4); mv.visitVarInsn(LSTORE, slot(r)); }
            default -> {
                long m = size == 2 ? 0xFFFFL : 0xFFL;
                int shift = reg >= 16 ? 8 : 0;
                mask(size);
                if (shift != 0) { iconst(shift); mv.visitInsn(LSHL); }
                mv.visitVarInsn(LSTORE, partialWriteTemp);
                mv.visitVarInsn(LLOAD, slot(r));
                lconst(~(m << shift));
                mv.visitInsn(LAND);
                mv.visitVarInsn(LLOAD, partialWriteTemp);
                mv.visitInsn(LOR);
                mv.visitVarInsn(LSTORE, slot(r));
            }
        }
        dirtyRegs |= 1 << r;
    }

    /** Pushes the effective address (no segment base, no canonical check), truncated to the address size. */
    void effectiveAddress(Instruction i) {
        boolean any = false;
        if (i.base >= 0 && i.base != Instruction.BASE_RIP) {
            mv.visitVarInsn(LLOAD, slot(i.base));
            any = true;
        }
        if (i.index >= 0) {
            mv.visitVarInsn(LLOAD, slot(i.index));
            if (i.scale != 0) { iconst(i.scale); mv.visitInsn(LSHL); }
            if (any) mv.visitInsn(LADD);
            any = true;
        }
        if (!any) {
            lconst(i.disp);
        } else if (i.disp != 0) {
            lconst(i.disp);
            mv.visitInsn(LADD);
        }
        if (i.addrSize == 4) mask(4);
    }

    /**
     * Whether the memory operand of the instruction being emitted is a stack reference (RSP or
     * RBP base: #SS rather than #GP for a non-canonical address), for the accesses
     * ({@link #memRead} ...) whose miss path makes the canonical check.
     */
    boolean accessStack;

    /** Pushes the canonical-checked linear address of the memory operand (as Operands.linear). */
    void linearAddress(Instruction i) {
        mv.visitVarInsn(ALOAD, L_CPU);
        uncheckedLinearAddress(i);
        iconst(accessStack ? 1 : 0);
        mv.visitMethodInsn(INVOKESTATIC, RT, "canon", "(L" + CPU + ";JZ)J", false);
    }

    /**
     * Pushes the linear address of the memory operand without the canonical check, for an
     * address used only by the accesses below ({@link #memRead}, {@link #memReadForWrite},
     * {@link #memWrite}): they check it on the TLB miss, the only way a non-canonical address can
     * go ({@code Mmu}'s "canonical check on the miss path"), before anything else can fault.
     */
    void uncheckedLinearAddress(Instruction i) {
        accessStack = Operands.isStackReference(i);
        memKey = cacheKey(i);
        effectiveAddress(i);
        if (i.segment == Instruction.SEG_FS || i.segment == Instruction.SEG_GS) {
            mv.visitVarInsn(ALOAD, L_CPU);
            mv.visitFieldInsn(GETFIELD, CPU, "segBase", "[J");
            iconst(i.segment);
            mv.visitInsn(LALOAD);
            mv.visitInsn(LADD);
        }
    }

    /**
     * Computes the linear address of {@code i}'s memory operand into a new temp, unchecked: only
     * for the operand accesses ({@link #readOperand}, {@link #readDestination},
     * {@link #writeOperand0}), which check it on the miss.
     */
    int linearAddressToTemp(Instruction i) {
        int t = temp();
        uncheckedLinearAddress(i);
        mv.visitVarInsn(LSTORE, t);
        return t;
    }

    /*
     * The accesses: the Mmu's accessors that make the canonical check on the TLB miss
     * ({@code read64(la, stack)} ...), with #SS for a stack reference ({@link #accessStack}, set
     * when the instruction's address was computed). An address already checked (a push or pop's
     * RSP, a checked linearAddress) cannot fail that check, so the flag does not matter for it.
     */

    // ---------------------------------------------------------------- the page cache in locals

    /** The number of {@link #memKey} values: a base register 0-15, or 16 for none (RIP-relative, absolute). */
    static final int CACHE_KEYS = 17;
    /** At most this many keys get an entry (the others take the Mmu's accessors directly). */
    static final int MAX_CACHE_KEYS = 6;
    /**
     * First local of each key's {@link PageCache} entries, -1 for none: the read frame (a
     * reference), the write frame, the read tag (long), the write tag (long).
     */
    final int[] cacheSlot = new int[CACHE_KEYS];
    /** Two long scratch locals for the cached accesses (the address, the value), -1 when the method has no entries. */
    int cacheLa = -1, cacheValue = -1;
    /**
     * The entry the next access uses: the base register of the memory operand whose address was
     * computed last in the instruction being emitted ({@link #uncheckedLinearAddress}), RSP for the
     * stack accesses, -1 for none (the access goes to the Mmu). Any entry gives the same result
     * (each one is checked), the key only keeps accesses through one pointer on one entry.
     */
    int memKey = -1;

    {
        java.util.Arrays.fill(cacheSlot, -1);
    }

    /** How many {@link PageCache} entries the method has. */
    int cacheEntries() {
        int n = 0;
        for (int c : cacheSlot) if (c >= 0) n++;
        return n;
    }

    /** The cache key of {@code i}'s memory operand. */
    static int cacheKey(Instruction i) {
        return i.base >= 0 && i.base < 16 ? i.base : 16;
    }

    /**
     * Whether this method's empty entries come from {@link PageCache#emptyTag}/{@code emptyFrame}
     * rather than constants: a region's (see there); elsewhere the constants let C2 send an
     * entry's first access straight to its refill.
     */
    boolean opaqueEmptyEntries;

    /** Pushes an empty entry's tag. */
    private void pushEmptyTag() {
        if (opaqueEmptyEntries) mv.visitFieldInsn(GETSTATIC, PC, "emptyTag", "J");
        else lconst(-1L);
    }

    /** Pushes an empty entry's frame. */
    void pushEmptyFrame() {
        if (opaqueEmptyEntries) mv.visitFieldInsn(GETSTATIC, PC, "emptyFrame", "[B");
        else mv.visitInsn(ACONST_NULL);
    }

    /** Empties every entry: at the method's entry and wherever a translation may have changed. */
    void resetPageCache() {
        for (int s : cacheSlot) {
            if (s < 0) continue;
            pushEmptyTag();
            mv.visitVarInsn(LSTORE, s + 2);
            pushEmptyTag();
            mv.visitVarInsn(LSTORE, s + 4);
        }
    }

    static final String PC = "dev/lstar/translator/PageCache";
    private static final String PC_READ = "(L" + MMU + ";JZ[B)J", PC_WRITE = "(L" + MMU + ";JJZ[B)Z",
            PC_RMW = "(L" + MMU + ";JIZ[B)J", PC_FRAME = "(L" + MMU + ";J[BJ)[B";

    /** The entry slot of the current key, or -1 when the access goes to the Mmu directly. */
    int cacheEntry() {
        return memKey < 0 ? -1 : cacheSlot[memKey];
    }

    /**
     * Stack: mmu (stays). The entry (frame slot {@code frame}, tag slot {@code tag}) refilled for
     * an access at {@code cacheLa} ({@link PageCache#readFrame}/{@code writeFrame}, then
     * {@code tag}); then pushes {@code cacheLa} and, after {@code middle}, the frame.
     */
    private void cachedFrame(int frame, int tag, boolean write, Runnable middle) {
        // Where the stack holds only the mmu, the tag compare is this access's own branch (not one
        // inside the shared helper, whose profile mixes every access): where it always hits, C2
        // leaves the refill out of the compiled code, and its inlining budget with it. A branch
        // needs an empty stack: the mmu is pushed again after it.
        if (mv instanceof FrameWriter fw && fw.stackDepth() == 1) {
            mv.visitInsn(POP);
            refillOnMiss(cacheLa, frame, tag, write);
            mv.visitVarInsn(ALOAD, L_MMU);
        } else {
            mv.visitVarInsn(ALOAD, L_MMU);
            mv.visitVarInsn(LLOAD, cacheLa);
            mv.visitVarInsn(ALOAD, frame);
            mv.visitVarInsn(LLOAD, tag);
            mv.visitMethodInsn(INVOKESTATIC, PC, write ? "writeFrame" : "readFrame", PC_FRAME, false);
            storeEntry(cacheLa, frame, tag);
        }
        mv.visitVarInsn(LLOAD, cacheLa);
        middle.run();
        mv.visitVarInsn(ALOAD, frame);
    }

    /**
     * With an empty operand stack: when the page of the address in long local {@code la} is not
     * the entry's (frame slot {@code frame}, tag slot {@code tag}), refills the entry from the
     * Mmu's read or write fast tags ({@code Mmu.readFrame/writeFrame}, then {@link PageCache#tag}).
     * Also the 16-byte SSE accesses' path ({@code SseEmitter}).
     */
    void refillOnMiss(int la, int frame, int tag, boolean write) {
        Label hit = new Label();
        mv.visitVarInsn(LLOAD, la);
        lconst(~0xFFFL);
        mv.visitInsn(LAND);
        mv.visitVarInsn(LLOAD, tag);
        mv.visitInsn(LCMP);
        mv.visitJumpInsn(IFEQ, hit);
        mv.visitVarInsn(ALOAD, L_MMU);
        mv.visitVarInsn(LLOAD, la);
        mv.visitMethodInsn(INVOKEVIRTUAL, MMU, write ? "writeFrame" : "readFrame", "(J)[B", false);
        storeEntry(la, frame, tag);
        mv.visitLabel(hit);
    }

    /** Stack: frame found for the address in {@code la} (or null) -> ; the entry takes it and its tag. */
    private void storeEntry(int la, int frame, int tag) {
        mv.visitVarInsn(ASTORE, frame);
        mv.visitVarInsn(LLOAD, la);
        mv.visitVarInsn(ALOAD, frame);
        mv.visitMethodInsn(INVOKESTATIC, PC, "tag", "(J[B)J", false);
        mv.visitVarInsn(LSTORE, tag);
    }

    /** Stack: mmu, la -> value (zero-extended long). */
    void memRead(int size) {
        memRead(size, accessStack);
    }

    /** As {@link #memRead(int)}; {@code stack} false for the second quadword of a 16-byte operand (the interpreter's Mmu raises #GP there). */
    void memRead(int size, boolean stack) {
        int c = cacheEntry();
        if (c >= 0) {
            mv.visitVarInsn(LSTORE, cacheLa);
            cachedFrame(c, c + 2, false, () -> iconst(stack ? 1 : 0));
            mv.visitMethodInsn(INVOKESTATIC, PC, "read" + size * 8, PC_READ, false);
            loadOrder();
            return;
        }
        iconst(stack ? 1 : 0);
        switch (size) {
            case 8 -> mv.visitMethodInsn(INVOKEVIRTUAL, MMU, "read64", "(JZ)J", false);
            case 4 -> { mv.visitMethodInsn(INVOKEVIRTUAL, MMU, "read32", "(JZ)I", false); mv.visitInsn(I2L); mask(4); }
            case 2 -> { mv.visitMethodInsn(INVOKEVIRTUAL, MMU, "read16", "(JZ)I", false); mv.visitInsn(I2L); }
            default -> { mv.visitMethodInsn(INVOKEVIRTUAL, MMU, "read8", "(JZ)I", false); mv.visitInsn(I2L); }
        }
        loadOrder();
    }

    /** After a guest load: with several CPUs, the load-load order of x86-TSO ({@link #ordered}). */
    void loadOrder() {
        if (ordered) mv.visitMethodInsn(INVOKESTATIC, "java/lang/invoke/VarHandle", "loadLoadFence", "()V", false);
    }

    /** Stack: mmu, la -> value(long): the load of a read-modify-write instruction ({@link dev.lstar.runtime.mem.Mmu#readForWrite}). */
    void memReadForWrite(int size) {
        int c = cacheEntry();
        if (c >= 0) {
            mv.visitVarInsn(LSTORE, cacheLa);
            cachedFrame(c + 1, c + 4, true, () -> {
                iconst(size);
                iconst(accessStack ? 1 : 0);
            });
            mv.visitMethodInsn(INVOKESTATIC, PC, "readForWrite", PC_RMW, false);
            loadOrder();
            return;
        }
        iconst(size);
        iconst(accessStack ? 1 : 0);
        mv.visitMethodInsn(INVOKEVIRTUAL, MMU, "readForWrite", "(JIZ)J", false);
        loadOrder();
    }

    /**
     * The current instruction's writes through the page cache and straight to the Mmu; an int
     * local that is 1 when one of the former went to the Mmu's accessor (see {@code PageCache}'s
     * writes). {@code MethodEmitter} resets the counts per instruction.
     */
    int cachedWrites, directWrites, slowWriteSlot = -1;

    /** Stack: mmu, la, value(long) -> . */
    void memWrite(int size) {
        int c = cacheEntry();
        if (c >= 0) {
            mv.visitVarInsn(LSTORE, cacheValue);
            mv.visitVarInsn(LSTORE, cacheLa);
            cachedFrame(c + 1, c + 4, true, () -> {
                mv.visitVarInsn(LLOAD, cacheValue);
                iconst(accessStack ? 1 : 0);
            });
            mv.visitMethodInsn(INVOKESTATIC, PC, "write" + size * 8, PC_WRITE, false);
            // whether it went to the Mmu's accessor, or-ed over the instruction's writes
            if (cachedWrites > 0) {
                mv.visitVarInsn(ILOAD, slowWriteSlot);
                mv.visitInsn(IOR);
            }
            mv.visitVarInsn(ISTORE, slowWriteSlot);
            cachedWrites++;
            return;
        }
        directWrites++;
        if (size != 8) mv.visitInsn(L2I);
        iconst(accessStack ? 1 : 0);
        switch (size) {
            case 8 -> mv.visitMethodInsn(INVOKEVIRTUAL, MMU, "write64", "(JJZ)V", false);
            case 4 -> mv.visitMethodInsn(INVOKEVIRTUAL, MMU, "write32", "(JIZ)V", false);
            case 2 -> mv.visitMethodInsn(INVOKEVIRTUAL, MMU, "write16", "(JIZ)V", false);
            default -> mv.visitMethodInsn(INVOKEVIRTUAL, MMU, "write8", "(JIZ)V", false);
        }
    }

    /**
     * Pushes operand {@code n} zero-extended from its size (as Operands.read). For a memory
     * operand, {@code addressTemp} >= 0 holds the linear address already computed.
     */
    void readOperand(Instruction i, int n, int addressTemp) {
        switch (i.kind[n]) {
            case Instruction.OP_REG -> readReg(i.reg[n], i.size[n]);
            case Instruction.OP_MEM -> {
                mv.visitVarInsn(ALOAD, L_MMU);
                if (addressTemp >= 0) mv.visitVarInsn(LLOAD, addressTemp);
                else uncheckedLinearAddress(i);
                memRead(i.size[n]);
            }
            case Instruction.OP_IMM -> {
                long v = n > 0 && i.kind[n - 1] == Instruction.OP_IMM ? i.imm2 : i.imm;
                lconst(Operands.mask(v, i.opSize));
            }
            default -> throw new IllegalStateException("operand " + n + " of " + i + " is not readable");
        }
    }

    /**
     * Pushes operand 0 of a read-modify-write instruction: a register as {@link #readOperand}, a
     * memory operand (its linear address in {@code addressTemp}) read with write intent, so that
     * a fault comes here, with the W bit, and the store later cannot fault (as Operands.readForWrite).
     */
    void readDestination(Instruction i, int addressTemp) {
        if (i.kind[0] != Instruction.OP_MEM) {
            readOperand(i, 0, addressTemp);
            return;
        }
        mv.visitVarInsn(ALOAD, L_MMU);
        mv.visitVarInsn(LLOAD, addressTemp);
        memReadForWrite(i.size[0]);
    }

    /** Writes the long in {@code valueTemp} to operand 0 (a register, or memory at {@code addressTemp}). */
    void writeOperand0(Instruction i, int valueTemp, int addressTemp) {
        if (i.kind[0] == Instruction.OP_REG) {
            mv.visitVarInsn(LLOAD, valueTemp);
            writeReg(i.reg[0], i.size[0]);
        } else {
            mv.visitVarInsn(ALOAD, L_MMU);
            mv.visitVarInsn(LLOAD, addressTemp);
            mv.visitVarInsn(LLOAD, valueTemp);
            memWrite(i.size[0]);
        }
    }
}
