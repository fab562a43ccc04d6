package dev.lstar.translator;

import static dev.lstar.translator.OperandEmitter.L_CPU;
import static dev.lstar.translator.OperandEmitter.L_MMU;
import static org.objectweb.asm.Opcodes.*;

import dev.lstar.decoder.Instruction;
import dev.lstar.decoder.Mnemonic;
import org.objectweb.asm.MethodVisitor;

/**
 * Bytecode for BT, BTS, BTR and BTC with two operands (the kernel entry path uses them): the
 * operands come from the block's locals and memory, the semantics from {@code ops.Bits} — the
 * methods {@code Bits.bitTest} (the interpreter) is made of: {@code bitStringAddress} for a
 * memory operand with a register offset, {@code bt/bts/btr/btc} when CF is live, else the
 * flag-free {@code setBit/clearBit/complementBit}. BTS/BTR/BTC read memory with write intent.
 */
final class BitTestEmitter {
    private BitTestEmitter() {}

    static void bitTest(MethodEmitter e, int k, Instruction i) {
        MethodVisitor mv = e.mv;
        int size = i.opSize;
        boolean modifies = i.mnemonic != Mnemonic.BT, flagsLive = e.conditions.live(k, i);
        boolean mem = i.kind[0] == Instruction.OP_MEM;
        int offset = e.temp(), value = e.temp(), address = -1;
        e.readOperand(i, 1, -1);
        mv.visitVarInsn(LSTORE, offset);
        if (mem) {
            address = e.temp();
            if (i.kind[1] == Instruction.OP_REG) {
                mv.visitVarInsn(ALOAD, L_CPU);
                e.linearAddress(i);
                mv.visitVarInsn(LLOAD, offset);
                e.iconst(size);
                Helpers.BIT_STRING_ADDRESS.invoke(mv);
            } else {
                e.linearAddress(i);
            }
            mv.visitVarInsn(LSTORE, address);
            mv.visitVarInsn(ALOAD, L_MMU);
            mv.visitVarInsn(LLOAD, address);
            if (modifies) e.memReadForWrite(size);
            else e.memRead(size);
        } else {
            e.readReg(i.reg[0], size);
        }
        mv.visitVarInsn(LSTORE, value);
        if (!modifies && !flagsLive) return; // BT with CF dead: only the read (and its faults) remains
        if (flagsLive) mv.visitVarInsn(ALOAD, L_CPU);
        mv.visitVarInsn(LLOAD, value);
        mv.visitVarInsn(LLOAD, offset);
        e.iconst(size);
        if (flagsLive) {
            Helpers.withFlags(i.mnemonic).invoke(mv);
            e.conditions.forget();
            if (!modifies) return; // bt() returns nothing
        } else {
            (switch (i.mnemonic) {
                case BTS -> Helpers.SET_BIT;
                case BTR -> Helpers.CLEAR_BIT;
                default -> Helpers.COMPLEMENT_BIT;
            }).invoke(mv);
        }
        int newValue = e.temp();
        mv.visitVarInsn(LSTORE, newValue);
        if (mem) {
            mv.visitVarInsn(ALOAD, L_MMU);
            mv.visitVarInsn(LLOAD, address);
            mv.visitVarInsn(LLOAD, newValue);
            e.memWrite(size);
        } else {
            mv.visitVarInsn(LLOAD, newValue);
            e.writeReg(i.reg[0], size);
        }
    }
}
