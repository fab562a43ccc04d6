package dev.lstar.translator;

import static dev.lstar.translator.BlockCompiler.BASE;
import static dev.lstar.translator.BlockCompiler.BLOCK;
import static dev.lstar.translator.BlockCompiler.CPU;
import static dev.lstar.translator.BlockCompiler.INSN;
import static dev.lstar.translator.BlockCompiler.MMU;
import static dev.lstar.translator.BlockCompiler.RT;
import static org.objectweb.asm.Opcodes.*;

import dev.lstar.decoder.Access;
import dev.lstar.decoder.Instruction;
import dev.lstar.decoder.Mnemonic;
import dev.lstar.decoder.OpcodeTable;
import dev.lstar.runtime.Machine;
import dev.lstar.runtime.interp.Block;
import dev.lstar.runtime.interp.Exec;
import java.util.Arrays;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;

/**
 * One generated method: the instructions of a block (or of the segments of a superblock, or a
 * region's loop) as JVM bytecode. It owns the method's structure — prologue (register locals
 * loaded from {@code cpu.r}), one instruction after the other, the exception handler that makes
 * faults precise — and the per-instruction frame around each one: the fault index, the
 * superblock segment and code-validity checks, the exits (registers spilled, RIP and the retired
 * count stored), and the interpreter fallback ({@link JitRt#exec}) for instructions without an
 * inline translation. The inline ones are dispatched by family to {@link MoveEmitter},
 * {@link AluEmitter}, {@link ShiftEmitter}, {@link BitTestEmitter}, {@link StackEmitter},
 * {@link BranchEmitter} and {@link SysInline}; runs of pushes and pops to {@link StackRunEmitter};
 * conditions to {@link ConditionEmitter}; hook calls to {@link HookedCode}. Locals, registers,
 * temps and operand access are in {@link OperandEmitter}.
 *
 * <p>{@link BlockCompiler} creates one per method and puts the methods into classes.
 */
final class MethodEmitter extends OperandEmitter {
    /** The first block (of a superblock: the one the method starts at). */
    final Block block;
    final Block[] segments;
    /** Index in {@link #insns} of each segment's first instruction. */
    final int[] segmentStart;
    /** The instructions of the method: the segments' instructions, concatenated, possibly cut. */
    final Instruction[] insns;
    final boolean region;
    /** Whether each instruction is translated inline (else it runs through the fallback). */
    final boolean[] translatedInline;
    /** {@link Liveness}: the flags live after each instruction. */
    int[] liveAfter;
    int codeSize, inlinedCount, fallbackCount;

    /** The class being generated. */
    String className;
    FrameWriter frames;
    final ConditionEmitter conditions = new ConditionEmitter(this);
    /** The compiled hook calls, or null when no hook covers the block. */
    HookedCode hooks;
    /**
     * Whether the SSE availability rules (CR0.EM/TS, CR4.OSFXSR: {@code Sse.available}) were
     * already checked on every path to the instruction being emitted: nothing since could have
     * changed CR0 or CR4 (no interpreter fallback, no MOV to CR/CLTS, no embedder hook).
     */
    boolean sseAvailable;

    /**
     * A region with a loop nest: branches to the start of a segment other than the path's next
     * one stay inside the method ({@link #internalTarget}). {@code segmentHead[s]}: the label at
     * segment {@code s}'s start that such a branch jumps to (null: none does; segment 0's is the
     * loop head). False for a plain region, whose only way back is its last instruction's.
     */
    final boolean nested;
    private final Label[] segmentHead;
    /** Whether some internal branch to segment {@code s} comes from an instruction at or after its start (a loop). */
    private final boolean[] backwardTarget;

    /** The long local holding the entry's generation and CPL ({@link #pagesCheck}); -1: no segment crosses a page. */
    private int genSlot = -1;
    /** A region's machine and block (this's fields), read once for its back-edges and validity checks. */
    private int machineSlot = -1, blockSlot = -1;
    /**
     * A region's long local: the {@code L_LOOP_RETIRED} up to which back-edges go round without
     * looking at the stop flag and the block's validity ({@link #jumpToSegment}).
     */
    private int checkSlot = -1;

    /**
     * Guest instructions a region runs between two looks at the machine's stop flag and its
     * first block's validity (the budget is exact on every back-edge). Checked on every pass, they
     * made spectral-norm's unrolled loop 116 host instructions per pass instead of 108; a stop request
     * or another thread's invalidation is now noticed within this many instructions instead of one
     * pass (a CPU that modifies another's code has no promise of sooner: SDM cross-modifying code).
     * Stores that may write the region's own code are still checked right after the store.
     */
    static final int CHECK_INTERVAL = 4096;

    /**
     * {@code segs}: one block, or the blocks of a superblock; the method covers a prefix of their
     * instructions when {@link BlockCompiler#methodCut} cuts it (never a region's or the compact
     * form's). {@code allFallback}: the compact form, every instruction through the fallback.
     */
    MethodEmitter(Block[] segs, boolean region, boolean allFallback) {
        this.block = segs[0];
        // a loop nest's blocks are one method only as a region, whole, its branches inline (their
        // ways inside); else their path is a superblock
        if (region && segs.length > 1 && !fitsWhole(segs, allFallback)) region = false;
        if (region && BlockCompiler.loopNest(segs) && (allFallback || !branchesInline(segs))) region = false;
        if (!region && segs.length > 1) segs = Arrays.copyOf(segs, BlockCompiler.pathLength(segs));
        int[] start = new int[segs.length];
        int total = 0;
        for (int s = 0; s < segs.length; s++) {
            start[s] = total;
            total += segs[s].insns.length;
        }
        Instruction[] all = segs.length == 1 ? block.insns : new Instruction[total];
        if (segs.length > 1) {
            for (int s = 0; s < segs.length; s++) System.arraycopy(segs[s].insns, 0, all, start[s], segs[s].insns.length);
        }
        int cut = allFallback || (region && segs.length == 1) ? all.length : BlockCompiler.methodCut(all);
        if (cut < all.length) region = false; // a superblock loop is a region only if it fits one method whole
        if (cut < all.length) {
            all = Arrays.copyOf(all, cut);
            int used = 0;
            while (used < segs.length && start[used] < cut) used++;
            segs = Arrays.copyOf(segs, used);
            start = Arrays.copyOf(start, used);
        }
        this.segments = segs;
        this.segmentStart = start;
        this.insns = all;
        // a region's back-edge re-checks only the first block's valid flag, and no fetch mapping:
        // its loop must lie in one page (no segment in another, no instruction over a page end)
        boolean onePage = !anyCrossesPage();
        for (Block sb : segs) onePage &= sb.pa2 < 0;
        this.region = region && onePage;
        opaqueEmptyEntries = this.region;
        segmentHead = new Label[segs.length];
        backwardTarget = new boolean[segs.length];
        this.nested = this.region && findInternalEdges();
        int n = insns.length;
        translatedInline = new boolean[n];
        for (int k = 0; k < n; k++) translatedInline[k] = !allFallback && InsnTraits.inlinable(insns[k]);
        computeLiveness(false);
    }

    /**
     * The flags' liveness ({@link #liveAfter}): every instruction that may raise a guest
     * exception reads them all. An SSE instruction raises only what its form can: the CR0/CR4
     * rules where the method checks them ({@link #sseCheckAt}: the first SSE instruction after
     * the entry, a segment head, a fallback or a CR write — where {@link #emitInstruction} resets
     * {@link #sseAvailable}; with hooks, every one), its memory operand's faults, and #XM for the
     * floating-point forms; the rest ({@code SseEmitter.quiet}: moves, logic, shuffles, integer
     * lanes on registers) raise nothing, so the flags of an integer op before them need not be
     * computed for them (spectral-norm's IMUL, followed by a MOVAPD, no longer materializes RFLAGS).
     */
    private void computeLiveness(boolean hooked) {
        int n = insns.length;
        boolean[] opaque = new boolean[n];
        boolean[] exitAfter = new boolean[n];
        sseCheckAt = new boolean[n];
        boolean available = false;
        for (int k = 0; k < n; k++) {
            Instruction i = insns[k];
            int s = segmentAt(k);
            if (s > 0 && segmentHead[s] != null) available = false;
            if (hooked || !translatedInline[k] || i.mnemonic == Mnemonic.MOV_TO_CR || i.mnemonic == Mnemonic.CLTS) available = false;
            boolean sse = translatedInline[k] && SseEmitter.forms(i);
            if (sse) {
                sseCheckAt[k] = !available;
                available = true;
            }
            boolean quiet = sse && !sseCheckAt[k] && SseEmitter.quiet(i) && !Access.accessesMemory(i);
            opaque[k] = !translatedInline[k] || (InsnTraits.mayFault(i) && !quiet) || SysInline.opaque(i);
            exitAfter[k] = k < n - 1 && (!translatedInline[k] || Access.writesMemory(i) || InsnTraits.mayLeaveAfter(i));
        }
        for (int s = 1; s < segments.length; s++) exitAfter[segmentStart[s] - 1] = true; // the segment check
        // in a region the back-edge re-enters the block; everything live at the end stays correct
        liveAfter = Liveness.liveAfter(insns, opaque, exitAfter);
    }

    /** Where the method checks the SSE rules (CR0.EM/TS, CR4.OSFXSR): see {@link #computeLiveness}. */
    boolean[] sseCheckAt;

    /**
     * An int local holding {@code Sse.usable} as the prologue found it, or -1: where nothing in the
     * method can change CR0 or CR4 ({@link #rulesStable}), a rules check tests it and calls
     * {@code Sse.available} (which raises the exception) only when it is 0 — a loop then tests a
     * register instead of loading both control registers every iteration.
     */
    int sseOkSlot = -1;

    /**
     * Whether the SSE rules hold or fail for the whole method: no hooks, some SSE instruction, and
     * every instruction inline but for none that writes CR0 or CR4 (MOV to CR, CLTS). (A MOV to
     * CR0 or CR4 ends a method anyway — superblocks go on only past CR3 writes — and CLTS can only
     * make the rules pass, where the check calls {@code Sse.available} itself.)
     */
    private boolean rulesStable() {
        if (hooks != null) return false;
        boolean any = false;
        for (int k = 0; k < insns.length; k++) {
            Mnemonic m = insns[k].mnemonic;
            if (!translatedInline[k] || m == Mnemonic.MOV_TO_CR || m == Mnemonic.CLTS) return false;
            any |= sseCheckAt[k];
        }
        return any;
    }

    /** Whether every segment's last instruction is translated inline. */
    private static boolean branchesInline(Block[] segs) {
        for (Block b : segs) if (!InsnTraits.inlinable(b.insns[b.insns.length - 1])) return false;
        return true;
    }

    /** Whether a region over {@code segs} keeps them all: no method cut, all in one page (see the constructor). */
    static boolean fitsWhole(Block[] segs, boolean allFallback) {
        int total = 0;
        for (Block b : segs) total += b.insns.length;
        Instruction[] all = new Instruction[total];
        int n = 0;
        for (Block b : segs) {
            System.arraycopy(b.insns, 0, all, n, b.insns.length);
            n += b.insns.length;
        }
        if (!allFallback && BlockCompiler.methodCut(all) < all.length) return false;
        for (Block b : segs) {
            if (b.pa2 >= 0) return false;
            for (long p : BlockCompiler.codePages(b)) if (!BlockCompiler.covers(segs[0], p)) return false;
        }
        return true;
    }

    /** Compiles the embedder's hook calls into the method (see {@link HookedCode}). */
    void enableHooks(Machine.Hooks h) {
        computeLiveness(true); // every SSE instruction checks the rules itself (HookedCode then makes every flag live)
        hooks = new HookedCode(this, h);
    }

    /** Whether instruction {@code k} starts segment 1, 2, ... (returns its index, else 0). */
    int segmentAt(int k) {
        for (int s = 1; s < segmentStart.length; s++) if (segmentStart[s] == k) return s;
        return 0;
    }

    /** The segment instruction {@code k} belongs to. */
    int segmentOf(int k) {
        int s = 0;
        while (s + 1 < segmentStart.length && segmentStart[s + 1] <= k) s++;
        return s;
    }

    /**
     * The segment a branch to {@code address} stays in the method for (a region's), or -1: the
     * start of one of the segments. Only a region branches inside: its count and budget live in
     * {@code L_LOOP_RETIRED} and {@code L_LIMIT}.
     */
    int internalTarget(long address) {
        return region ? BlockCompiler.indexOf(segments, address) : -1;
    }

    /**
     * The segment a branch after instruction {@code retired - 1} to {@code address} goes on at
     * inside the method ({@link #jumpToSegment}), or -1 (it leaves): in a loop nest any segment
     * start; in a plain region the last instruction's way back to the start.
     */
    int staysAt(long address, int retired) {
        int s = address == -1 ? -1 : internalTarget(address);
        return s >= 0 && (nested || (s == 0 && retired == insns.length)) ? s : -1;
    }

    /**
     * Finds the ways of a region's segments ({@link BlockCompiler#innerWays}) to segment starts
     * besides the next segment and the last segment's way back to the start (a loop nest: an
     * inner loop's back-edge, a way into code the method also holds), and gives each target a
     * label. Returns whether there is any.
     */
    private boolean findInternalEdges() {
        boolean[] any = {false};
        BlockCompiler.innerEdges(segments, (s, t) -> {
            any[0] = true;
            if (t > 0 && segmentHead[t] == null) segmentHead[t] = new Label();
            if (segmentStart[t] < segmentStart[s] + segments[s].insns.length) backwardTarget[t] = true; // (at or before the way)
        });
        return any[0];
    }

    /**
     * Whether segment {@code s} has code in a page the first segment's pages do not cover (a
     * superblock that crosses into another page, see {@code JitEngine.superblock}): the engine
     * checks that page's fetch mapping when it enters the translation, and the code checks at
     * the segment's entry that no mapping changed since ({@link #pagesCheck}).
     */
    boolean crossesPage(int s) {
        if (s == 0) return false;
        for (long p : BlockCompiler.codePages(segments[s])) if (!BlockCompiler.covers(segments[0], p)) return true;
        return false;
    }

    /** Whether any segment {@link #crossesPage}. */
    boolean anyCrossesPage() {
        for (int s = 1; s < segments.length; s++) if (crossesPage(s)) return true;
        return false;
    }

    /**
     * Emits the block's code as method {@code method} of class {@link #className}: an instance
     * method {@code (Cpu, long)}, or a static one taking the instance first (the locals are the
     * same: 0 the instance, 1 the CPU, 2 the limit).
     */
    void emitMethod(ClassWriter cw, int access, String method, String desc) {
        frames = new FrameWriter(cw.visitMethod(access, method, desc, null, null),
                (access & ACC_STATIC) != 0 ? BASE : className, new Object[] {CPU, LONG});
        frames.declare(L_MMU, MMU);
        frames.declare(L_REGS, "[J");
        frames.declare(L_XMMS, "[J");
        frames.declare(L_FRAME, "[B");
        mv = frames;
        mv.visitCode();
        body();
        Label end = new Label();
        mv.visitLabel(end);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
        codeSize = end.getOffset();
    }

    // ---------------------------------------------------------------- body

    /** The local the exception handler keeps the exception in. */
    private int excSlot;

    private void body() {
        // which registers the inline instructions touch
        for (int k = 0; k < insns.length; k++) if (translatedInline[k]) cachedRegs |= Access.regsUsed(insns[k]);
        int next = L_FIRST_REG;
        for (int r = 0; r < 16; r++) {
            regSlot[r] = (cachedRegs & (1 << r)) != 0 ? next : -1;
            if (regSlot[r] >= 0) next += 2;
        }
        // the XMM halves the inline SSE forms use (not in hooked code: a hook may read cpu.xmm)
        if (hooks == null) {
            for (int k = 0; k < insns.length; k++) {
                if (translatedInline[k] && SseEmitter.forms(insns[k])) cachedXmm |= SseEmitter.halvesUsed(insns[k]);
            }
        }
        for (int q = 0; q < 32; q++) {
            if ((cachedXmm & (1 << q)) == 0) continue;
            xmmSlot[q] = next;
            next += 2;
        }
        // halves used only as doubles (and moved) live in double locals: see doubleXmm
        int asDouble = 0, asBits = 0;
        for (int k = 0; k < insns.length; k++) {
            if (!translatedInline[k] || !SseEmitter.forms(insns[k])) continue;
            asDouble |= SseEmitter.doubleHalves(insns[k]);
            asBits |= SseEmitter.bitHalves(insns[k]);
        }
        doubleXmm = asDouble & ~asBits & cachedXmm;
        // (a loop nest's labels start with no deferred record: the record lives in the Cpu there)
        if (hooks == null && !nested && anyDeferral()) next = conditions.enableDeferral(next, insns.length);
        excSlot = next++; // the exception the handler caught (set only there)
        frames.declare(excSlot, "java/lang/RuntimeException");
        // the exception handler reads no local from here on (see FrameWriter.handlerReadsBelow)
        if (hooks == null) frames.handlerReadsBelow(next);
        if (hooks == null && cachedXmm != 0) { // (LaneRanges; the handler reads neither)
            taintSlot = next++;
            mxSlowSlot = next++;
        }
        if (rulesStable()) sseOkSlot = next++; // (the handler does not read it)
        if (region) { // the back-edge's stop flag and validity: read through locals, not this's fields
            machineSlot = next++;
            frames.declare(machineSlot, BlockCompiler.MACHINE);
            blockSlot = next++;
            frames.declare(blockSlot, BLOCK);
            checkSlot = next;
            next += 2;
        }
        if (anyCrossesPage()) { // the mapping generation and CPL the engine checked the pages under
            genSlot = next;
            next += 2;
        }
        next = allocatePageCache(next);
        if (cacheLa >= 0) slowWriteSlot = next++;
        nextTemp = maxTemp = next;
        partialWriteTemp = temp();
        tempBase = pinnedTop = nextTemp;
        // prologue
        mv.visitVarInsn(ALOAD, L_CPU);
        mv.visitFieldInsn(GETFIELD, CPU, "mmu", "L" + MMU + ";");
        mv.visitVarInsn(ASTORE, L_MMU);
        mv.visitVarInsn(ALOAD, L_CPU);
        mv.visitFieldInsn(GETFIELD, CPU, "r", "[J");
        mv.visitVarInsn(ASTORE, L_REGS);
        mv.visitVarInsn(ALOAD, L_CPU);
        mv.visitFieldInsn(GETFIELD, CPU, "xmm", "[J");
        mv.visitVarInsn(ASTORE, L_XMMS);
        iconst(0);
        mv.visitVarInsn(ISTORE, L_FAULT_INDEX);
        mv.visitInsn(LCONST_0);
        mv.visitVarInsn(LSTORE, L_LOOP_RETIRED);
        reloadAll();
        reloadXmm(cachedXmm);
        for (int c : cacheSlot) {
            if (c < 0) continue;
            pushEmptyFrame();
            mv.visitVarInsn(ASTORE, c);
            pushEmptyFrame();
            mv.visitVarInsn(ASTORE, c + 1);
        }
        resetPageCache();
        if (taintSlot >= 0) { // no range check failed yet: tainted only if MXCSR is not in the fast mode
            readMxcsrMode();
            mv.visitVarInsn(ILOAD, mxSlowSlot);
            mv.visitVarInsn(ISTORE, taintSlot);
        }
        if (sseOkSlot >= 0) { // the SSE rules as they are for the whole method
            mv.visitVarInsn(ALOAD, L_CPU);
            SseEmitter.USABLE.invoke(mv);
            mv.visitVarInsn(ISTORE, sseOkSlot);
        }
        if (slowWriteSlot >= 0) { // an int on every path the frames merge (each use follows its instruction's own write)
            iconst(1);
            mv.visitVarInsn(ISTORE, slowWriteSlot);
        }
        if (conditions.rec0 >= 0) {
            carried = region ? conditions.carriedProducer() : -1;
            conditions.enter(carried);
        }
        if (region) {
            // the limit as a count of loop instructions (cpu.instructions only changes at the exits),
            // less one pass over the method: a back-edge goes on while L_LOOP_RETIRED <= L_LIMIT
            mv.visitVarInsn(LLOAD, L_LIMIT);
            mv.visitVarInsn(ALOAD, L_CPU);
            mv.visitFieldInsn(GETFIELD, CPU, "instructions", "J");
            mv.visitInsn(LSUB);
            lconst(insns.length);
            mv.visitInsn(LSUB);
            mv.visitVarInsn(LSTORE, L_LIMIT);
            nextCheck(); // L_LOOP_RETIRED is 0
        }
        if (machineSlot >= 0) {
            loadField("machine", "L" + BlockCompiler.MACHINE + ";");
            mv.visitVarInsn(ASTORE, machineSlot);
            loadField("block", "L" + BLOCK + ";");
            mv.visitVarInsn(ASTORE, blockSlot);
        }
        if (genSlot >= 0) {
            pushGeneration();
            mv.visitVarInsn(LSTORE, genSlot);
        }
        if (hooks != null) hooks.saveEntryCount();
        if (region) { // the back-edge arrives with any of them written
            dirtyRegs = cachedRegs;
            dirtyXmm = cachedXmm;
        }
        // The handler's entry comes first, before the protected range: a stub that keeps the
        // exception and jumps to the handler's code after the body (FrameWriter.handlerFirst).
        Label tryStart = new Label(), tryEnd = new Label(), handler = new Label(), handlerCode = new Label();
        mv.visitTryCatchBlock(tryStart, tryEnd, handler, "java/lang/RuntimeException");
        mv.visitJumpInsn(GOTO, tryStart);
        mv.visitLabel(handler);
        mv.visitVarInsn(ASTORE, excSlot);
        mv.visitJumpInsn(GOTO, handlerCode);
        Label loopHead = new Label();
        if (region) frames.loopHead(loopHead);
        for (int s = 1; s < segments.length; s++) if (backwardTarget[s]) frames.loopHead(segmentHead[s]);
        this.loopHead = loopHead;
        mv.visitLabel(tryStart);
        mv.visitLabel(loopHead);
        frames.markEntry();
        if (region) forgetRanges(); // the back-edge brings what the loop's end knew
        int n = insns.length;
        for (int k = 0; k < n; k++) {
            int seg = segmentAt(k);
            if (seg > 0) enterSegment(seg, k);
            int run = hooks != null ? 0 : StackRunEmitter.stackRun(this, k);
            if (run > 1) {
                StackRunEmitter.emitStackRun(this, k, run, loopHead);
                k += run - 1;
                continue;
            }
            if (emitInstruction(k, loopHead) && k == n - 1) break; // (a loop nest's next segment is reached by its label)
        }
        nextTemp = maxTemp;
        mv.visitLabel(tryEnd);
        if (sharedExit != null) emitSharedExit();
        // handler: precise state, rethrow
        mv.visitLabel(handlerCode);
        int exc = excSlot;
        // only the guest's aborts (a CPU exception, a triple fault, a machine check, an unsupported
        // mode) make the state precise; anything else passes through untouched
        Label rethrow = new Label();
        mv.visitVarInsn(ALOAD, exc);
        mv.visitMethodInsn(INVOKESTATIC, RT, "guestAbort", "(Ljava/lang/RuntimeException;)Z", false);
        mv.visitJumpInsn(IFEQ, rethrow);
        Label fromFallback = new Label();
        mv.visitVarInsn(ILOAD, L_FAULT_INDEX);
        mv.visitJumpInsn(IFLT, fromFallback);
        conditions.emitHandlerStores(); // (a fallback stored any deferred record before it ran)
        if (hooks == null) spill(cachedRegs); // hooked: cpu.r is already exact (see HookedCode)
        spillXmm(cachedXmm); // none in hooked code
        mv.visitLabel(fromFallback);
        if (hooks != null) hooks.restoreEntryCount();
        if (region) {
            mv.visitVarInsn(ALOAD, L_CPU);
            mv.visitInsn(DUP);
            mv.visitFieldInsn(GETFIELD, CPU, "instructions", "J");
            mv.visitVarInsn(LLOAD, L_LOOP_RETIRED);
            mv.visitInsn(LADD);
            mv.visitFieldInsn(PUTFIELD, CPU, "instructions", "J");
        }
        mv.visitVarInsn(ALOAD, L_CPU);
        loadField("addrs", "[J");
        mv.visitVarInsn(ILOAD, L_FAULT_INDEX);
        mv.visitMethodInsn(INVOKESTATIC, RT, "fault", "(L" + CPU + ";[JI)V", false);
        mv.visitLabel(rethrow);
        mv.visitVarInsn(ALOAD, exc);
        mv.visitInsn(ATHROW);
    }

    /**
     * The {@link PageCache} entries (see there): one per address base register the inline
     * instructions' memory operands use (RSP for the stack ones), the most used first, at most
     * {@link #MAX_CACHE_KEYS}, and outside a region only for a register used twice or more; none
     * with several CPUs or hooks, nor in the kernel half outside a region. Returns the next free local.
     */
    private int allocatePageCache(int next) {
        // none in the kernel half's straight-line code either: the entry path's methods run once
        // per system call, their accesses go to different pages, and KPTI's CR3 writes empty the
        // entries in the middle, so an entry's refill is rarely paid back (SyscallBench with KPTI:
        // 206-212 ns with entries, 182-186 ns without; the same without KPTI)
        if (ordered || hooks != null || (block.la < 0 && !region)) return next;
        int[] uses = new int[CACHE_KEYS];
        for (int k = 0; k < insns.length; k++) {
            Instruction i = insns[k];
            if (!translatedInline[k] || !Access.accessesMemory(i)) continue;
            int m = Access.memoryOperand(i);
            if (m >= 0 && Access.operandAccess(i, m) != OpcodeTable.ACC_ADDR) uses[cacheKey(i)]++;
            if (Access.implicitMemory(i) != 0) uses[4]++; // the stack (string instructions take the fallback)
        }
        // an entry used once in a method that does not loop can only miss (it starts empty)
        int minUses = region ? 1 : 2;
        for (int n = 0; n < MAX_CACHE_KEYS; n++) {
            int best = -1;
            for (int key = 0; key < CACHE_KEYS; key++) {
                if (uses[key] >= minUses && cacheSlot[key] < 0 && (best < 0 || uses[key] > uses[best])) best = key;
            }
            if (best < 0) break;
            cacheSlot[best] = next;
            frames.declare(next, "[B");
            frames.declare(next + 1, "[B");
            next += 6;
            if (cacheLa < 0) {
                cacheLa = next;
                cacheValue = next + 2;
                next += 4;
            }
        }
        return next;
    }

    /** The instruction whose deferred flag record a region's back-edge carries, or -1 ({@link ConditionEmitter#carriedProducer}). */
    int carried = -1;

    /** Whether any instruction defers its flag record ({@link ConditionEmitter.Effect#DEFER}). */
    private boolean anyDeferral() {
        for (int k = 0; k < insns.length; k++) {
            if (conditions.effect(k, insns[k]) == ConditionEmitter.Effect.DEFER) return true;
        }
        return false;
    }

    /** Emits instruction {@code k} (its checks, hooks, inline code or fallback); true if it left the method. */
    boolean emitInstruction(int k, Label loopHead) {
        int n = insns.length;
        Instruction i = insns[k];
        memKey = -1;
        cachedWrites = directWrites = 0;
        boolean producer = translatedInline[k] && conditions.producesKnown(k, i);
        nextTemp = producer || conditions.known == ConditionEmitter.Known.NONE ? tempBase : pinnedTop;
        int generation = conditions.generation;
        if (hooks != null) hooks.before(k, i);
        if (hooks != null || !translatedInline[k] || i.mnemonic == Mnemonic.MOV_TO_CR || i.mnemonic == Mnemonic.CLTS) {
            sseAvailable = false;
        }
        conditions.before(k, i);
        if (translatedInline[k]) {
            inlinedCount++;
            if (InsnTraits.mayFault(i)) { iconst(k); mv.visitVarInsn(ISTORE, L_FAULT_INDEX); }
            boolean exited = emitInline(k, i, loopHead);
            if (exited) {
                if (k != n - 1 && (!nested || segmentAt(k + 1) == 0)) throw new IllegalStateException("block continues after a branch");
                return true;
            }
            if (k == n - 1) {
                exit(() -> lconst(i.next()), n);
            } else if (Access.writesMemory(i)) {
                // (after a superblock's CALL: the callee; after any other instruction its next one,
                // which a loop nest's next segment need not start at)
                validCheck(InsnTraits.isBranch(i) ? insns[k + 1].address : i.next(), k + 1, segmentOf(k), onlyCachedWrites(i));
            }
            if (k != n - 1 && i.mnemonic == Mnemonic.MOV_TO_CR) {
                fetchCheck(k + 1);
                resetPageCache(); // a CR3 write: other translations
            }
        } else {
            fallbackCount++;
            emitFallback(k, i);
        }
        if (nested && k < n - 1 && segmentAt(k + 1) > 0 && insns[k + 1].address != i.next()
                && !(translatedInline[k] && InsnTraits.isBranch(i))) {
            // a loop nest's segment whose next one is elsewhere: on to its own next instruction
            int t = staysAt(i.next(), k + 1);
            if (t >= 0) jumpToSegment(t, k + 1, i.next());
            else coldExit(() -> lconst(i.next()), k + 1);
            return true;
        }
        if (hooks != null && k < n - 1) hooks.after(k);
        if (taintSlot >= 0 && k < n - 1 && mayLoadMxcsr(k)) refreshMxcsrMode();
        if (conditions.generation != generation) pinnedTop = nextTemp; // keep the new record's temps
        return false;
    }

    /** Emits instruction k with its intrinsic ({@link Intrinsics}); returns true if it ended the block (emitted its own exits). */
    private boolean emitInline(int k, Instruction i, Label loopHead) {
        return Intrinsics.emit(this, k, i, loopHead);
    }

    /** The region's loop head (segment 0's start), set while the body is emitted. */
    private Label loopHead;

    /**
     * The start of segment {@code s} (instruction {@code k}): in a loop nest, the label the
     * internal branches to it jump to, where nothing is known that only the path falling in knows
     * (every cached register may differ from {@code cpu.r}, no flag operands in locals, the SSE
     * rules not checked); then the segment's checks, which a branch back to it passes again.
     */
    private void enterSegment(int s, int k) {
        if (segmentHead[s] != null) {
            conditions.forget();
            dirtyRegs = cachedRegs;
            dirtyXmm = cachedXmm;
            sseAvailable = false;
            pinnedTop = tempBase;
            frames.entryOnly(segmentHead[s]);
            mv.visitLabel(segmentHead[s]);
            forgetRanges();
        }
        // an unrolled self-loop's second copy (JitEngine.unrolled): its block's validity is the
        // first copy's, checked at the back-edge and after every store that may write code
        if (segments[s] != segments[0]) segmentCheck(s, k);
        if (crossesPage(s)) pagesCheck(k);
    }

    /**
     * A branch (after instruction {@code retired - 1}) to the start of segment {@code s}, at
     * {@code address}, inside the method ({@link #staysAt}): a loop nest's, or a plain region's
     * back-edge. Going back (a loop), it counts the instructions since the
     * segment's start in {@code L_LOOP_RETIRED} and leaves instead when another pass over the
     * whole method could exceed the budget (the engine then interprets the rest exactly) or a stop
     * is requested — as the plain region's back-edge; segment 0's validity is checked here, a
     * later segment's at its start ({@link #enterSegment}).
     */
    void jumpToSegment(int s, int retired, long address) {
        int j = segmentStart[s];
        Label head = s == 0 ? loopHead : segmentHead[s];
        mv.visitVarInsn(LLOAD, L_LOOP_RETIRED);
        lconst(retired - j);
        mv.visitInsn(LADD);
        mv.visitVarInsn(LSTORE, L_LOOP_RETIRED);
        if (j < retired) {
            Label leave = new Label(), round = new Label();
            // up to the next check point only the count (L_CHECK <= L_LIMIT); there, the budget,
            // the stop flag and the validity, and the next point (CHECK_INTERVAL)
            mv.visitVarInsn(LLOAD, L_LOOP_RETIRED);
            mv.visitVarInsn(LLOAD, checkSlot);
            mv.visitInsn(LCMP);
            mv.visitJumpInsn(IFLE, round);
            mv.visitVarInsn(LLOAD, L_LOOP_RETIRED);
            mv.visitVarInsn(LLOAD, L_LIMIT);
            mv.visitInsn(LCMP);
            mv.visitJumpInsn(IFGT, leave);
            mv.visitVarInsn(ALOAD, machineSlot);
            mv.visitMethodInsn(INVOKEVIRTUAL, BlockCompiler.MACHINE, "stopRequested", "()Z", false);
            mv.visitJumpInsn(IFNE, leave);
            if (s == 0) {
                pushSegmentBlock(0);
                mv.visitFieldInsn(GETFIELD, BLOCK, "valid", "Z");
                mv.visitJumpInsn(IFEQ, leave);
            }
            if (!nested) recheckSlowMxcsr();
            nextCheck();
            mv.visitLabel(round);
            if (!nested) conditions.backEdge(carried); // a plain region carries its deferred record round
            mv.visitJumpInsn(GOTO, head);
            mv.visitLabel(leave);
            exit(() -> lconst(address), j);
            return;
        }
        mv.visitJumpInsn(GOTO, head);
    }

    /** {@code L_CHECK = min(L_LIMIT, L_LOOP_RETIRED + CHECK_INTERVAL)} (see {@link #CHECK_INTERVAL}). */
    private void nextCheck() {
        mv.visitVarInsn(LLOAD, L_LOOP_RETIRED);
        lconst(CHECK_INTERVAL);
        mv.visitInsn(LADD);
        mv.visitVarInsn(LLOAD, L_LIMIT);
        mv.visitMethodInsn(INVOKESTATIC, "java/lang/Math", "min", "(JJ)J", false);
        mv.visitVarInsn(LSTORE, checkSlot);
    }

    // ---------------------------------------------------------------- exits, checks, fallback

    /** Leaves the block: stores dirty registers, RIP and the retired count, returns RIP. */
    void exit(Runnable pushRip, int retired) {
        exit(pushRip, retired, true);
    }

    /**
     * Where paths with different knowledge meet (a loop head, a loop nest's segment start): nothing
     * is known of the XMM halves' values, so no earlier check is relied on and the taint is cleared.
     */
    private void forgetRanges() {
        ranges.forgetAll();
        if (taintSlot >= 0) {
            if (nested) recheckSlowMxcsr(); // a loop nest's heads keep asking (see there)
            mv.visitVarInsn(ILOAD, mxSlowSlot);
            mv.visitVarInsn(ISTORE, taintSlot);
        }
    }

    /**
     * A slow MXCSR mode may have become the fast one (the first inexact result sets PE), so it is
     * asked again while it is slow — a loop entered before that point does not stay slow. A plain
     * region asks at its check points ({@link #CHECK_INTERVAL}; asked at every loop head, the test
     * stayed in each pass of C2's code: spectral-norm's pass 108 -> 102 host instructions, paired rounds
     * -0.07 s, 11 of 12); a loop nest at each head as before (n-body was 0.17 s slower, 9 of 12
     * rounds, when its nests asked only at check points — C2's code for them not examined). The
     * slow mode is the exact one: asking later only delays the fast paths.
     */
    private void recheckSlowMxcsr() {
        if (taintSlot < 0) return;
        Label known = new Label();
        mv.visitVarInsn(ILOAD, mxSlowSlot);
        mv.visitJumpInsn(IFEQ, known);
        readMxcsrMode();
        mv.visitLabel(known);
    }

    /**
     * Whether instruction {@code k} may change MXCSR other than by raising flags (which leaves the
     * fast mode as it is): LDMXCSR, anything through the fallback (FXRSTOR...), a system instruction.
     */
    private boolean mayLoadMxcsr(int k) {
        Mnemonic m = insns[k].mnemonic;
        return !translatedInline[k] || m == Mnemonic.LDMXCSR || SysInline.SYSTEM.contains(m);
    }

    /** {@code mxSlowSlot = SseFloat.slowMode(cpu)}. */
    private void readMxcsrMode() {
        mv.visitVarInsn(ALOAD, L_CPU);
        SseEmitter.SLOW_MODE.invoke(mv);
        mv.visitVarInsn(ISTORE, mxSlowSlot);
    }

    /** After an instruction that {@link #mayLoadMxcsr}: the mode again, and the taint with it. */
    private void refreshMxcsrMode() {
        readMxcsrMode();
        mv.visitVarInsn(ILOAD, taintSlot);
        mv.visitVarInsn(ILOAD, mxSlowSlot);
        mv.visitInsn(IOR);
        mv.visitVarInsn(ISTORE, taintSlot);
    }

    /**
     * As {@link #exit(Runnable, int)}; {@code completed} false: the instruction being emitted did
     * not complete (a REP string instruction between iterations), so no after-instruction hook.
     */
    void exit(Runnable pushRip, int retired, boolean completed) {
        if (hooks == null) frames.pauseRange(); // stores and a return: nothing for the handler (hooked: the hook's exit calls may raise)
        conditions.storePending();
        spill(dirtyRegs & cachedRegs);
        spillXmm(dirtyXmm & cachedXmm);
        mv.visitVarInsn(ALOAD, L_CPU);
        pushRip.run();
        mv.visitFieldInsn(PUTFIELD, CPU, "rip", "J");
        mv.visitVarInsn(ALOAD, L_CPU);
        mv.visitInsn(DUP);
        mv.visitFieldInsn(GETFIELD, CPU, "instructions", "J");
        lconst(retired);
        mv.visitInsn(LADD);
        if (region) {
            mv.visitVarInsn(LLOAD, L_LOOP_RETIRED);
            mv.visitInsn(LADD);
        }
        mv.visitFieldInsn(PUTFIELD, CPU, "instructions", "J");
        if (hooks != null) {
            if (completed) hooks.exitAfterLast();
            else hooks.returnRip();
            return;
        }
        pushRip.run();
        mv.visitInsn(LRETURN);
        frames.resumeRange();
    }

    /** The shared code of the cold exits ({@link #coldExit}), or null while none jumps to it. */
    private Label sharedExit;

    /**
     * A rarely taken exit in the middle of the method (a code-validity, segment or fetch check, a
     * superblock's side exit, a fallback that branched): RIP and the retired count go to locals
     * and one jump goes to code shared by all of them, which stores every cached register and XMM
     * half (those not dirty hold what {@code cpu.r}/{@code cpu.xmm} hold, as the exception handler
     * relies on too). One copy of the spills instead of one per exit keeps the method small,
     * which leaves HotSpot more of its inlining budget for the hot path. Hooked code exits as
     * {@link #exit(Runnable, int)}.
     */
    void coldExit(Runnable pushRip, int retired) {
        if (hooks != null) {
            int saveDirty = dirtyRegs, saveXmm = dirtyXmm; // the hook's exit code may spill: not on the path that goes on
            exit(pushRip, retired);
            dirtyRegs = saveDirty;
            dirtyXmm = saveXmm;
            return;
        }
        conditions.storePending();
        pushRip.run();
        mv.visitVarInsn(LSTORE, L_EXIT_RIP);
        iconst(retired);
        mv.visitVarInsn(ISTORE, L_EXIT_RETIRED);
        if (sharedExit == null) sharedExit = new Label();
        mv.visitJumpInsn(GOTO, sharedExit);
    }

    private void emitSharedExit() {
        mv.visitLabel(sharedExit);
        spill(cachedRegs);
        spillXmm(cachedXmm);
        mv.visitVarInsn(ALOAD, L_CPU);
        mv.visitVarInsn(LLOAD, L_EXIT_RIP);
        mv.visitFieldInsn(PUTFIELD, CPU, "rip", "J");
        mv.visitVarInsn(ALOAD, L_CPU);
        mv.visitInsn(DUP);
        mv.visitFieldInsn(GETFIELD, CPU, "instructions", "J");
        mv.visitVarInsn(ILOAD, L_EXIT_RETIRED);
        mv.visitInsn(I2L);
        mv.visitInsn(LADD);
        if (region) {
            mv.visitVarInsn(LLOAD, L_LOOP_RETIRED);
            mv.visitInsn(LADD);
        }
        mv.visitFieldInsn(PUTFIELD, CPU, "instructions", "J");
        mv.visitVarInsn(LLOAD, L_EXIT_RIP);
        mv.visitInsn(LRETURN);
    }

    /**
     * Whether every memory write of inline instruction {@code i} just emitted went through the
     * page cache's writes ({@link #memWrite}) — so {@link #slowWriteSlot} says whether any could
     * have hit code. Not for SSE, x87 and system instructions, whose emitters also write otherwise.
     */
    private boolean onlyCachedWrites(Instruction i) {
        return cachedWrites > 0 && directWrites == 0 && (i.attributes & OpcodeTable.A_SSE) == 0
                && !X87Emitter.handles(i) && !SysInline.SYSTEM.contains(i.mnemonic);
    }

    /**
     * After a memory write in segment {@code seg}: if that segment's code was overwritten, leave
     * at the next instruction (a later segment is checked when the code reaches it; a superblock
     * does not run an earlier one again, and a region lies in one page). {@code cachedOnly}: the
     * instruction wrote through the page cache only, and the check runs only when a write went
     * to the Mmu's accessor (a frame the cache writes to holds no code: see {@link PageCache}).
     */
    private void validCheck(long next, int retired, int seg, boolean cachedOnly) {
        if (hooks != null) return; // JitRt.hookBefore checks before the next instruction (the last one exits anyway)
        Label ok = new Label();
        if (cachedOnly) {
            mv.visitVarInsn(ILOAD, slowWriteSlot);
            mv.visitJumpInsn(IFEQ, ok);
        }
        pushSegmentBlock(seg);
        mv.visitFieldInsn(GETFIELD, BLOCK, "valid", "Z");
        mv.visitJumpInsn(IFNE, ok);
        coldExit(() -> lconst(next), retired);
        mv.visitLabel(ok);
    }

    /** Instruction {@code k} through the interpreter ({@link JitRt#exec}) on {@code cpu.r}: spill before, reload after. */
    private void emitFallback(int k, Instruction i) {
        int n = insns.length;
        spill(dirtyRegs & cachedRegs);
        dirtyRegs = 0;
        spillXmm(dirtyXmm & cachedXmm);
        dirtyXmm = 0;
        iconst(~k);
        mv.visitVarInsn(ISTORE, L_FAULT_INDEX);
        mv.visitVarInsn(ALOAD, L_CPU);
        pushInsn(k);
        if (readsCount(i)) {
            lconst(k); // the count exact for it (a region adds the iterations it ran)
            if (region) {
                mv.visitVarInsn(LLOAD, L_LOOP_RETIRED);
                mv.visitInsn(LADD);
            }
            mv.visitMethodInsn(INVOKESTATIC, RT, "execCounted", "(L" + CPU + ";L" + INSN + ";J)J", false);
        } else {
            mv.visitMethodInsn(INVOKESTATIC, RT, "exec", "(L" + CPU + ";L" + INSN + ";)J", false);
        }
        int t = temp();
        mv.visitVarInsn(LSTORE, t);
        reloadAll();
        reloadXmm(cachedXmm);
        conditions.forget();
        resetPageCache(); // it may have changed translations (INVLPG, CR3, RFLAGS.AC...)
        if ((i.attributes & OpcodeTable.A_STRING) != 0) {
            // a REP string instruction that stopped between iterations: not retired, runs again
            Label branch = new Label();
            mv.visitVarInsn(LLOAD, t);
            lconst(Exec.REPEAT);
            mv.visitInsn(LCMP);
            mv.visitJumpInsn(IFNE, branch);
            int saved = dirtyRegs;
            exit(() -> lconst(i.address), k, false);
            dirtyRegs = saved;
            mv.visitLabel(branch);
        }
        if (k < n - 1 && segmentAt(k + 1) > 0) {
            // the end of a superblock's segment (an unrolled loop's first copy: JitEngine.unrolled):
            // the path goes on where the instruction went, when that is the next segment's start
            Label went = new Label(), on = new Label();
            mv.visitVarInsn(LLOAD, t);
            lconst(Exec.FALLTHROUGH);
            mv.visitInsn(LCMP);
            mv.visitJumpInsn(IFNE, went);
            lconst(i.next());
            mv.visitVarInsn(LSTORE, t);
            mv.visitLabel(went);
            mv.visitVarInsn(LLOAD, t);
            lconst(insns[k + 1].address);
            mv.visitInsn(LCMP);
            mv.visitJumpInsn(IFEQ, on);
            coldExit(() -> mv.visitVarInsn(LLOAD, t), k + 1);
            mv.visitLabel(on);
            validCheck(insns[k + 1].address, k + 1, segmentOf(k), false);
            if (i.mnemonic == Mnemonic.MOV_TO_CR) fetchCheck(k + 1);
            return;
        }
        Label fall = new Label();
        mv.visitVarInsn(LLOAD, t);
        lconst(Exec.FALLTHROUGH);
        mv.visitInsn(LCMP);
        mv.visitJumpInsn(IFEQ, fall);
        if (k < n - 1) coldExit(() -> mv.visitVarInsn(LLOAD, t), k + 1);
        else exit(() -> mv.visitVarInsn(LLOAD, t), k + 1);
        mv.visitLabel(fall);
        if (k == n - 1) {
            exit(() -> lconst(i.next()), n);
        } else {
            validCheck(i.next(), k + 1, segmentOf(k), false);
            if (i.mnemonic == Mnemonic.MOV_TO_CR) fetchCheck(k + 1);
        }
    }

    /** Whether {@code i}'s semantics read the retired-instruction count (the TSC is derived from it). */
    private static boolean readsCount(Instruction i) {
        return switch (i.mnemonic) {
            case RDTSC, RDTSCP, RDMSR, WRMSR -> true; // WRMSR of the TSC sets its offset from the count
            default -> false;
        };
    }

    /**
     * Entry of superblock segment {@code s} (instruction {@code k}): if its block was dropped
     * (hooks changed, code written) leave to its first instruction for a fresh look-up.
     */
    private void segmentCheck(int s, int k) {
        Label ok = new Label();
        pushSegmentBlock(s);
        mv.visitFieldInsn(GETFIELD, BLOCK, "valid", "Z");
        mv.visitJumpInsn(IFNE, ok);
        long at = insns[k].address;
        coldExit(() -> lconst(at), k);
        mv.visitLabel(ok);
    }

    /**
     * Entry of a segment in another page ({@link #crossesPage}, instruction {@code k}): the engine
     * checked that page's fetch mapping under the generation and CPL of the method's entry; if
     * either changed since (a MOV to CR3, INVLPG... on the way), leave to the segment's first
     * instruction for a fresh look-up.
     */
    private void pagesCheck(int k) {
        Label ok = new Label();
        pushGeneration();
        mv.visitVarInsn(LLOAD, genSlot);
        mv.visitInsn(LCMP);
        mv.visitJumpInsn(IFEQ, ok);
        long at = insns[k].address;
        coldExit(() -> lconst(at), k);
        mv.visitLabel(ok);
    }

    /**
     * Pushes the {@link Block} of segment {@code seg} (the instance's {@code block} — a region's
     * local copy of it — or {@code segs[seg]}).
     */
    private void pushSegmentBlock(int seg) {
        if (seg == 0) {
            if (blockSlot >= 0) mv.visitVarInsn(ALOAD, blockSlot);
            else loadField("block", "L" + BLOCK + ";");
            return;
        }
        loadField("segs", "[L" + BLOCK + ";");
        iconst(seg);
        mv.visitInsn(AALOAD);
    }

    /** Pushes {@code mmu.generation() << 2 | cpu.cpl}, as the engine's {@code Translation.checkedGen}. */
    private void pushGeneration() {
        mv.visitVarInsn(ALOAD, L_MMU);
        mv.visitMethodInsn(INVOKEVIRTUAL, MMU, "generation", "()J", false);
        iconst(2);
        mv.visitInsn(LSHL);
        mv.visitVarInsn(ALOAD, L_CPU);
        mv.visitFieldInsn(GETFIELD, CPU, "cpl", "I");
        mv.visitInsn(I2L);
        mv.visitInsn(LOR);
    }

    /**
     * After a MOV to CR3 inside a superblock: the rest of the segment lies in the same linear
     * page; go on only if that page still maps to the same frame for execution, else leave to
     * instruction {@code k} (the engine's look-up then fetches it properly).
     */
    private void fetchCheck(int k) {
        Label ok = new Label();
        long at = insns[k].address;
        int seg = segmentOf(k);
        Block sb = segments[seg];
        mv.visitVarInsn(ALOAD, L_MMU);
        lconst(at);
        // the frame from the instance's block, not a constant: the code depends only on the instructions (SharedTranslations)
        pushSegmentBlock(seg);
        mv.visitFieldInsn(GETFIELD, BLOCK, "pa", "J");
        lconst(at - sb.la);
        mv.visitInsn(LADD);
        mv.visitMethodInsn(INVOKESTATIC, RT, "sameCode", "(L" + MMU + ";JJ)Z", false);
        mv.visitJumpInsn(IFNE, ok);
        coldExit(() -> lconst(at), k);
        mv.visitLabel(ok);
    }

    // ---------------------------------------------------------------- the instance's fields

    /** Pushes one of the {@link CompiledBlock} fields the code refers to. */
    void loadField(String f, String desc) {
        mv.visitVarInsn(ALOAD, L_THIS);
        mv.visitFieldInsn(GETFIELD, BASE, f, desc);
    }

    /** Pushes instruction {@code k}'s {@link Instruction} object. */
    void pushInsn(int k) {
        if (hooks != null) {
            hooks.pushInsnConstant(k);
            return;
        }
        loadField("insns", "[L" + INSN + ";");
        iconst(k);
        mv.visitInsn(AALOAD);
    }
}
