package dev.lstar.translator;

import static dev.lstar.translator.BlockCompiler.CPU;
import static dev.lstar.translator.BlockCompiler.INSN;
import static dev.lstar.translator.BlockCompiler.RT;
import static dev.lstar.translator.OperandEmitter.L_CPU;
import static dev.lstar.translator.OperandEmitter.L_FAULT_INDEX;
import static dev.lstar.translator.OperandEmitter.L_INT_SCRATCH;
import static dev.lstar.translator.OperandEmitter.L_REGS;
import static org.objectweb.asm.Opcodes.*;

import dev.lstar.decoder.Access;
import dev.lstar.decoder.Instruction;
import dev.lstar.runtime.Machine;
import java.util.Arrays;
import java.util.BitSet;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;

/**
 * Compiled hooks: a block that embedder hooks cover ({@code Block.hooked}) is compiled with the
 * {@code Machine.Hooks} calls of the engine contract in its bytecode; the hook site and each
 * {@link Instruction} are class-data constants, so HotSpot inlines the dispatch. Between
 * instructions the registers live in {@code cpu.r} (a hook may read or write any of them through
 * the Emulator): each instruction reloads the few registers it uses after its before-hook and
 * stores the ones it wrote before its after-hook, every flag it writes is computed (a hook may
 * read RFLAGS), and {@code cpu.instructions} holds the count at block entry (a temp keeps it)
 * except during a hook call, when it is the exact retired count. Blocks no hook covers are
 * compiled without any of it ({@link MethodEmitter#hooks} is null).
 */
final class HookedCode {
    static final String SITE = RT + "$HookSite";

    private final MethodEmitter e;
    /** The hooks compiled into this block. */
    final Machine.Hooks embedderHooks;
    /** Instructions whose object the code reads from a static constant. */
    private final BitSet staticInsns = new BitSet();
    /** Each instruction's start (a SKIP goes on at the next one). */
    private final Label[] insnStart;
    /** Temp: {@code cpu.instructions} at block entry. */
    private int entryCountTemp;
    /** The instruction being emitted (its after-hook runs at the exits it emits). */
    private int current;

    HookedCode(MethodEmitter e, Machine.Hooks hooks) {
        this.e = e;
        this.embedderHooks = hooks;
        Arrays.fill(e.liveAfter, Liveness.ALL); // a hook may read RFLAGS after any instruction
        insnStart = new Label[e.insns.length];
        for (int k = 0; k < insnStart.length; k++) insnStart[k] = new Label();
    }

    /**
     * Hooked code calls the hook helpers with the hook site and the instruction as arguments
     * on every instruction; as static finals (set by {@code <clinit>} from the class data
     * {@code {site, insns}}) HotSpot treats them as constants and folds what the helpers read
     * from them (about 2 ns per hook call against instance fields). Only hooked classes pay
     * for the initialiser.
     */
    void emitConstants(ClassWriter cw) {
        emitFields(cw);
        MethodVisitor c = cw.visitMethod(ACC_STATIC, "<clinit>", "()V", null, null);
        c.visitCode();
        loadClassData(c);
        emitInit(c, 0);
        c.visitInsn(RETURN);
        c.visitMaxs(0, 0);
        c.visitEnd();
    }

    /**
     * Prefix of this block's static fields: empty in a class of its own, {@code "m<k>_"} for
     * member k of a batch class ({@link BlockCompiler#compileBatch}), whose class data holds
     * each hooked member's {site, insns} at {2k, 2k + 1}.
     */
    String prefix = "";

    /** This block's static fields: {@code site} and the instruction constants. */
    void emitFields(ClassWriter cw) {
        cw.visitField(ACC_PRIVATE | ACC_STATIC | ACC_FINAL, prefix + "site", "L" + SITE + ";", null, null).visitEnd();
        for (int k = staticInsns.nextSetBit(0); k >= 0; k = staticInsns.nextSetBit(k + 1)) {
            cw.visitField(ACC_PRIVATE | ACC_STATIC | ACC_FINAL, prefix + "i" + k, "L" + INSN + ";", null, null).visitEnd();
        }
    }

    /** In {@code <clinit>}: the class data (an {@code Object[]}) into local 0. */
    static void loadClassData(MethodVisitor c) {
        c.visitMethodInsn(INVOKESTATIC, "java/lang/invoke/MethodHandles", "lookup", "()Ljava/lang/invoke/MethodHandles$Lookup;", false);
        c.visitLdcInsn("_");
        c.visitLdcInsn(org.objectweb.asm.Type.getType("[Ljava/lang/Object;"));
        c.visitMethodInsn(INVOKESTATIC, "java/lang/invoke/MethodHandles", "classData",
                "(Ljava/lang/invoke/MethodHandles$Lookup;Ljava/lang/String;Ljava/lang/Class;)Ljava/lang/Object;", false);
        c.visitTypeInsn(CHECKCAST, "[Ljava/lang/Object;");
        c.visitVarInsn(ASTORE, 0);
    }

    /** In {@code <clinit>}: sets this block's fields from class data elements {@code at} (site) and {@code at + 1} (insns); local 1 is scratch. */
    void emitInit(MethodVisitor c, int at) {
        String name = e.className;
        c.visitVarInsn(ALOAD, 0);
        OperandEmitter.iconst(c, at);
        c.visitInsn(AALOAD);
        c.visitTypeInsn(CHECKCAST, SITE);
        c.visitFieldInsn(PUTSTATIC, name, prefix + "site", "L" + SITE + ";");
        c.visitVarInsn(ALOAD, 0);
        OperandEmitter.iconst(c, at + 1);
        c.visitInsn(AALOAD);
        c.visitTypeInsn(CHECKCAST, "[L" + INSN + ";");
        c.visitVarInsn(ASTORE, 1);
        for (int k = staticInsns.nextSetBit(0); k >= 0; k = staticInsns.nextSetBit(k + 1)) {
            c.visitVarInsn(ALOAD, 1);
            OperandEmitter.iconst(c, k);
            c.visitInsn(AALOAD);
            c.visitFieldInsn(PUTSTATIC, name, prefix + "i" + k, "L" + INSN + ";");
        }
    }

    /** Pushes instruction {@code k}'s {@link Instruction} object from its static constant. */
    void pushInsnConstant(int k) {
        staticInsns.set(k);
        e.mv.visitFieldInsn(GETSTATIC, e.className, prefix + "i" + k, "L" + INSN + ";");
    }

    private void pushSite() {
        e.mv.visitFieldInsn(GETSTATIC, e.className, prefix + "site", "L" + SITE + ";");
    }

    /** At block entry: keep {@code cpu.instructions} in a temp. */
    void saveEntryCount() {
        MethodVisitor mv = e.mv;
        entryCountTemp = e.temp();
        e.tempBase = e.pinnedTop = e.nextTemp; // reserved for the whole method: instructions reuse temps above it
        mv.visitVarInsn(ALOAD, L_CPU);
        mv.visitFieldInsn(GETFIELD, CPU, "instructions", "J");
        mv.visitVarInsn(LSTORE, entryCountTemp);
    }

    /** In the exception handler: {@code cpu.instructions} back to the count at block entry. */
    void restoreEntryCount() {
        MethodVisitor mv = e.mv;
        mv.visitVarInsn(ALOAD, L_CPU);
        mv.visitVarInsn(LLOAD, entryCountTemp);
        mv.visitFieldInsn(PUTFIELD, CPU, "instructions", "J");
    }

    /** Returns cpu.rip (the engine continues with a fresh look-up there). */
    void returnRip() {
        MethodVisitor mv = e.mv;
        mv.visitVarInsn(ALOAD, L_CPU);
        mv.visitFieldInsn(GETFIELD, CPU, "rip", "J");
        mv.visitInsn(LRETURN);
    }

    /**
     * Before instruction k, as BlockRunner.runHooked: enterBlock (k = 0), then
     * {@link JitRt#hookBefore} (stop/rewrite check, beforeInstruction with RIP and the count
     * exact, EXECUTE / SKIP / LEAVE), then the registers the instruction uses from cpu.r.
     */
    void before(int k, Instruction i) {
        MethodVisitor mv = e.mv;
        current = k;
        e.conditions.forget(); // a hook may change the flags: no fused conditions across instructions
        mv.visitLabel(insnStart[k]);
        if (k == 0) {
            Label go = new Label();
            pushSite();
            mv.visitMethodInsn(INVOKESTATIC, RT, "hookEnter", "(L" + SITE + ";)I", false);
            mv.visitJumpInsn(IFEQ, go);
            returnRip();
            mv.visitLabel(go);
        }
        e.iconst(~k); // a hook that throws (INT n with interrupt hooks) faults at this instruction
        mv.visitVarInsn(ISTORE, L_FAULT_INDEX);
        pushSite();
        mv.visitVarInsn(ALOAD, L_CPU);
        e.pushInsn(k);
        e.iconst(k);
        mv.visitMethodInsn(INVOKESTATIC, RT, "hookBefore", "(L" + SITE + ";L" + CPU + ";L" + INSN + ";I)I", false);
        Label execute = new Label();
        mv.visitVarInsn(ISTORE, L_INT_SCRATCH); // jumps carry no operand stack (see FrameWriter)
        mv.visitVarInsn(ILOAD, L_INT_SCRATCH);
        mv.visitJumpInsn(IFEQ, execute);
        if (k < e.insns.length - 1) { // never HOOK_NEXT for the last instruction
            mv.visitVarInsn(ILOAD, L_INT_SCRATCH);
            e.iconst(JitRt.HOOK_NEXT);
            mv.visitJumpInsn(IF_ICMPEQ, insnStart[k + 1]);
        }
        returnRip();
        mv.visitLabel(execute);
        // the hook may have written registers: load the ones this instruction uses
        if (e.translatedInline[k]) {
            int regs = Access.regsUsed(i) & e.cachedRegs;
            for (int r = 0; r < 16; r++) {
                if ((regs & (1 << r)) == 0) continue;
                mv.visitVarInsn(ALOAD, L_REGS);
                e.iconst(r);
                mv.visitInsn(LALOAD);
                mv.visitVarInsn(LSTORE, e.slot(r));
            }
        }
    }

    /** After instruction k (not the last) completed: registers to cpu.r, then {@link JitRt#hookAfter}. */
    void after(int k) {
        MethodVisitor mv = e.mv;
        e.spill(e.dirtyRegs & e.cachedRegs);
        e.dirtyRegs = 0;
        pushSite();
        mv.visitVarInsn(ALOAD, L_CPU);
        e.pushInsn(k);
        e.iconst(k + 1);
        mv.visitMethodInsn(INVOKESTATIC, RT, "hookAfter", "(L" + SITE + ";L" + CPU + ";L" + INSN + ";I)V", false);
    }

    /**
     * The tail of {@link MethodEmitter#exit} in a hooked block: the instruction that ended the
     * block completed ({@link JitRt#hookExit}); return cpu.rip.
     */
    void exitAfterLast() {
        pushSite();
        e.pushInsn(current);
        e.mv.visitMethodInsn(INVOKESTATIC, RT, "hookExit", "(L" + SITE + ";L" + INSN + ";)V", false);
        returnRip();
    }
}
