package dev.lstar.translator;

import static dev.lstar.translator.OperandEmitter.L_MMU;
import static org.objectweb.asm.Opcodes.*;

import dev.lstar.decoder.Instruction;
import org.objectweb.asm.MethodVisitor;

/**
 * Bytecode for the data moves: MOV, MOVZX, MOVSX, MOVSXD, LEA, CMOVcc, SETcc, register XCHG and
 * the sign extensions of the accumulator (CBW/CWDE/CDQE, CWD/CDQ/CQO) (none of them writes flags;
 * CMOVcc and SETcc read them through {@link ConditionEmitter}).
 */
final class MoveEmitter {
    private MoveEmitter() {}

    /** Emits move instruction {@code i}. */
    static void emit(MethodEmitter e, Instruction i) {
        MethodVisitor mv = e.mv;
        int size = i.opSize;
        switch (i.mnemonic) {
            case MOV, MOVZX -> {
                if (i.kind[0] == Instruction.OP_REG) {
                    e.readOperand(i, 1, -1);
                    e.writeReg(i.reg[0], i.size[0]);
                } else {
                    mv.visitVarInsn(ALOAD, L_MMU);
                    e.uncheckedLinearAddress(i); // the source is a register or an immediate: the store's miss path checks it first
                    e.readOperand(i, 1, -1);
                    e.memWrite(i.size[0]);
                }
            }
            case MOVSX, MOVSXD -> {
                e.readOperand(i, 1, -1);
                e.sext(i.size[1]);
                e.writeReg(i.reg[0], size);
            }
            case LEA -> {
                e.effectiveAddress(i);
                e.writeReg(i.reg[0], size);
            }
            case CBW, CWDE, CDQE -> { // AX/EAX/RAX = the half below it, sign-extended (as Ext.cbw...)
                e.readReg(dev.lstar.runtime.Cpu.RAX, size / 2);
                e.sext(size / 2);
                e.writeReg(dev.lstar.runtime.Cpu.RAX, size);
            }
            case CWD, CDQ, CQO -> { // DX/EDX/RDX = AX/EAX/RAX's sign, replicated (as Ext.cwd...)
                e.readReg(dev.lstar.runtime.Cpu.RAX, size);
                e.sext(size);
                e.iconst(63);
                mv.visitInsn(LSHR);
                e.writeReg(dev.lstar.runtime.Cpu.RDX, size);
            }
            case CMOVCC -> cmov(e, i);
            case SETCC -> {
                int value = e.temp();
                int address = i.kind[0] == Instruction.OP_MEM ? e.linearAddressToTemp(i) : -1;
                e.conditions.emit(i.cond);
                mv.visitInsn(I2L);
                mv.visitVarInsn(LSTORE, value);
                e.writeOperand0(i, value, address);
            }
            case XCHG -> { // register with register only (InsnTraits.inlinable)
                int first = e.temp(), second = e.temp();
                e.readReg(i.reg[0], size);
                mv.visitVarInsn(LSTORE, first);
                e.readReg(i.reg[1], size);
                mv.visitVarInsn(LSTORE, second);
                mv.visitVarInsn(LLOAD, second);
                e.writeReg(i.reg[0], size);
                mv.visitVarInsn(LLOAD, first);
                e.writeReg(i.reg[1], size);
            }
            default -> throw new IllegalStateException("not a move: " + i);
        }
    }

    /** CMOVcc: the source is read whatever the condition (SDM CMOVcc); the register rule is {@code Moves.cmovResult}. */
    private static void cmov(MethodEmitter e, Instruction i) {
        MethodVisitor mv = e.mv;
        int value = e.temp();
        e.readOperand(i, 1, -1);
        mv.visitVarInsn(LSTORE, value);
        e.conditions.emit(i.cond);
        e.readReg(i.reg[0], 8);
        mv.visitVarInsn(LLOAD, value);
        e.iconst(i.opSize);
        Helpers.CMOV_RESULT.invoke(mv);
        e.writeReg(i.reg[0], 8);
    }
}
