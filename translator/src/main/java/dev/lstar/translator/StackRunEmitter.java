package dev.lstar.translator;

import static dev.lstar.translator.BlockCompiler.MMU;
import static dev.lstar.translator.BlockCompiler.RT;
import static dev.lstar.translator.OperandEmitter.L_FRAME;
import static dev.lstar.translator.OperandEmitter.L_FRAME_OFFSET;
import static dev.lstar.translator.OperandEmitter.L_MMU;
import static org.objectweb.asm.Opcodes.*;

import dev.lstar.decoder.Instruction;
import dev.lstar.decoder.Mnemonic;
import dev.lstar.runtime.mem.FrameAccess;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;

/**
 * Runs of pushes and pops: consecutive 64-bit PUSHes (or POPs) stored to (or loaded from) the
 * stack frame's array directly after one MMU look-up when the whole run lies in one page the
 * TLB fast path holds, with the instructions emitted one by one as the fallback path.
 */
final class StackRunEmitter {
    private StackRunEmitter() {}

    /** {@link #stackKind}: not part of a run, a PUSH a run can hold, such a POP. */
    static final int NONE = 0, PUSH = 1, POP = 2;

    private static final int RSP = 4;

    /**
     * How many instructions from {@code k} form a stack run (0 if none): consecutive 64-bit
     * PUSHes of a register other than RSP or an immediate, or consecutive 64-bit POPs to a
     * register other than RSP, inline-translated, inside one superblock segment and before
     * the method's last instruction.
     */
    static int stackRun(MethodEmitter e, int k) {
        int kind = stackKind(e, k);
        if (kind == NONE) return 0;
        int m = 1;
        while (k + m < e.insns.length - 1 && stackKind(e, k + m) == kind && e.segmentAt(k + m) == 0) m++;
        return k + m <= e.insns.length - 1 ? m : m - 1;
    }

    private static int stackKind(MethodEmitter e, int k) {
        if (!e.translatedInline[k]) return NONE;
        return stackKind(e.insns[k]);
    }

    /** {@link #PUSH}: a PUSH a run can hold, {@link #POP}: such a POP, {@link #NONE}: neither. */
    static int stackKind(Instruction i) {
        if (i.opSize != 8 || (i.prefixes & ~(Instruction.P_REX | Instruction.P_REXW)) != 0) return NONE;
        if (i.mnemonic == Mnemonic.PUSH) {
            if (i.kind[0] == Instruction.OP_IMM) return PUSH;
            return i.kind[0] == Instruction.OP_REG && i.reg[0] != RSP ? PUSH : NONE;
        }
        if (i.mnemonic == Mnemonic.POP) return i.kind[0] == Instruction.OP_REG && i.reg[0] != RSP ? POP : NONE;
        return NONE;
    }

    /**
     * A run of {@code m} pushes or pops from instruction {@code k}: when the whole run lies in
     * one page that the MMU's fast path holds for this access (for writes that also means the
     * frame holds no code and no snapshot or watch needs to see the stores), the values go
     * straight to the frame's array with one look-up and no per-instruction checks (no fault
     * is possible, and no write can hit translated code); otherwise the instructions run one
     * by one as usual (precise faults, self-modifying-code checks). HotSpot turns the
     * never-taken slow path into a trap, so the run costs one memory access of the method's
     * inlining budget ({@link BlockCompiler#methodCut}).
     */
    static void emitStackRun(MethodEmitter e, int k, int m, Label loopHead) {
        MethodVisitor mv = e.mv;
        boolean push = e.insns[k].mnemonic == Mnemonic.PUSH;
        int saveDirty = e.dirtyRegs;
        e.nextTemp = e.conditions.known == ConditionEmitter.Known.NONE ? e.tempBase : e.pinnedTop;
        int base = e.temp();
        Label slow = new Label(), done = new Label();
        // base: the lowest address of the run
        mv.visitVarInsn(LLOAD, e.slot(RSP));
        if (push) {
            e.lconst(8L * m);
            mv.visitInsn(LSUB);
        }
        mv.visitVarInsn(LSTORE, base);
        mv.visitVarInsn(ALOAD, L_MMU);
        mv.visitVarInsn(LLOAD, base);
        mv.visitMethodInsn(INVOKEVIRTUAL, MMU, push ? "writeFrame" : "readFrame", "(J)[B", false);
        mv.visitVarInsn(ASTORE, L_FRAME);
        mv.visitVarInsn(ALOAD, L_FRAME);
        mv.visitJumpInsn(IFNULL, slow);
        // the run's last byte in the same page (also rules out wrapping)
        mv.visitVarInsn(LLOAD, base);
        e.lconst(8L * m - 1);
        mv.visitInsn(LADD);
        mv.visitVarInsn(LLOAD, base);
        mv.visitInsn(LXOR);
        e.lconst(~0xFFFL);
        mv.visitInsn(LAND);
        e.lconst(0);
        mv.visitInsn(LCMP);
        mv.visitJumpInsn(IFNE, slow);
        mv.visitVarInsn(LLOAD, base);
        mv.visitInsn(L2I);
        e.iconst(0xFFF);
        mv.visitInsn(IAND);
        mv.visitVarInsn(ISTORE, L_FRAME_OFFSET);
        for (int j = 0; j < m; j++) {
            Instruction i = e.insns[k + j];
            e.inlinedCount++;
            mv.visitVarInsn(ALOAD, L_FRAME);
            mv.visitVarInsn(ILOAD, L_FRAME_OFFSET);
            e.iconst(push ? 8 * (m - 1 - j) : 8 * j);
            mv.visitInsn(IADD);
            if (push) {
                e.readOperand(i, 0, -1);
                mv.visitMethodInsn(INVOKESTATIC, FrameAccess.NAME, "put64", "([BIJ)V", false);
            } else {
                mv.visitMethodInsn(INVOKESTATIC, FrameAccess.NAME, "get64", "([BI)J", false);
                e.loadOrder(); // several CPUs: the pops' loads stay in order (OperandEmitter.ordered)
                e.writeReg(i.reg[0], 8);
            }
        }
        mv.visitVarInsn(LLOAD, base);
        if (!push) {
            e.lconst(8L * m);
            mv.visitInsn(LADD);
        }
        mv.visitVarInsn(LSTORE, e.slot(RSP));
        e.dirtyRegs |= 1 << RSP;
        int fastDirty = e.dirtyRegs;
        mv.visitJumpInsn(GOTO, done);
        mv.visitLabel(slow);
        e.dirtyRegs = saveDirty;
        e.inlinedCount -= m; // counted again by the one-by-one path
        for (int j = 0; j < m; j++) {
            if (e.emitInstruction(k + j, loopHead)) throw new IllegalStateException("a push or pop left the method");
        }
        e.dirtyRegs |= fastDirty;
        mv.visitLabel(done);
    }
}
