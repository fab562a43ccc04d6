package dev.lstar.translator;

import static dev.lstar.translator.BlockCompiler.CPU;
import static dev.lstar.translator.BlockCompiler.RT;
import static dev.lstar.translator.OperandEmitter.L_CPU;
import static dev.lstar.translator.OperandEmitter.L_MMU;
import static org.objectweb.asm.Opcodes.*;

import dev.lstar.decoder.Instruction;
import org.objectweb.asm.MethodVisitor;

/**
 * Bytecode for single PUSH and POP instructions (as {@code Operands.push}/{@code pop}: the
 * stack address through {@code JitRt.stack}, the memory access first, RSP after it), and the
 * push that CALL shares. Runs of pushes or pops are {@link StackRunEmitter}'s.
 */
final class StackEmitter {
    private StackEmitter() {}

    private static final int RSP = 4;

    /** PUSH of a register, memory operand or immediate. */
    static void push(MethodEmitter e, Instruction i) {
        int value = e.temp();
        e.readOperand(i, 0, -1);
        e.mv.visitVarInsn(LSTORE, value);
        pushValue(e, value, i.opSize);
    }

    /** POP to a register. */
    static void pop(MethodEmitter e, Instruction i) {
        MethodVisitor mv = e.mv;
        int size = i.opSize;
        int sp = checkedStackPointer(e, 0), value = e.temp();
        mv.visitVarInsn(ALOAD, L_MMU);
        mv.visitVarInsn(LLOAD, sp);
        e.memRead(size);
        mv.visitVarInsn(LSTORE, value);
        setStackPointer(e, sp, size);
        mv.visitVarInsn(LLOAD, value);
        e.writeReg(i.reg[0], size);
    }

    /** Pushes the value in temp {@code value} ({@code size} bytes) like Operands.push: write first, then RSP. */
    static void pushValue(MethodEmitter e, int value, int size) {
        MethodVisitor mv = e.mv;
        int sp = checkedStackPointer(e, -size);
        mv.visitVarInsn(ALOAD, L_MMU);
        mv.visitVarInsn(LLOAD, sp);
        mv.visitVarInsn(LLOAD, value);
        e.memWrite(size);
        setStackPointer(e, sp, 0);
    }

    /** A temp holding RSP + {@code delta}, #SS(0) if not canonical ({@code JitRt.stack}, as Operands.push/peek). */
    static int checkedStackPointer(MethodEmitter e, long delta) {
        MethodVisitor mv = e.mv;
        int sp = e.temp();
        e.memKey = RSP; // the accesses at it use the stack's page cache entry
        mv.visitVarInsn(ALOAD, L_CPU);
        mv.visitVarInsn(LLOAD, e.slot(RSP));
        if (delta != 0) {
            e.lconst(delta);
            mv.visitInsn(LADD);
        }
        mv.visitMethodInsn(INVOKESTATIC, RT, "stack", "(L" + CPU + ";J)J", false);
        mv.visitVarInsn(LSTORE, sp);
        return sp;
    }

    /** RSP = temp {@code sp} + {@code delta} (after the access succeeded). */
    static void setStackPointer(MethodEmitter e, int sp, long delta) {
        MethodVisitor mv = e.mv;
        mv.visitVarInsn(LLOAD, sp);
        if (delta != 0) {
            e.lconst(delta);
            mv.visitInsn(LADD);
        }
        mv.visitVarInsn(LSTORE, e.slot(RSP));
        e.dirtyRegs |= 1 << RSP;
    }
}
