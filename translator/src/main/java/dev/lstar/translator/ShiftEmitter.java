package dev.lstar.translator;

import static dev.lstar.translator.OperandEmitter.L_CPU;
import static org.objectweb.asm.Opcodes.*;

import dev.lstar.decoder.Instruction;
import dev.lstar.decoder.Mnemonic;
import org.objectweb.asm.MethodVisitor;

/**
 * Bytecode for SHL, SHR, SAR, ROL and ROR: the result with the count masked to 5 or 6 bits (SDM
 * SAL/SAR/SHL/SHR, RCL/RCR/ROL/ROR) as plain JVM shifts, a rotate as {@code Shifts.rolValue/rorValue}
 * (the interpreter's own result); when a flag they write is live, the {@code ops.Shifts} helper
 * the interpreter uses records the flags after the store (a count of zero leaves them alone,
 * which the helper knows) — or, for a constant count, the record is deferred ({@link ConditionEmitter}).
 */
final class ShiftEmitter {
    private ShiftEmitter() {}

    static void shift(MethodEmitter e, int k, Instruction i) {
        MethodVisitor mv = e.mv;
        int size = i.opSize;
        Mnemonic op = i.mnemonic;
        boolean flagsLive = e.conditions.live(k, i);
        boolean mem = i.kind[0] == Instruction.OP_MEM;
        int address = mem ? e.linearAddressToTemp(i) : -1;
        int operand = e.temp(), count = e.temp(), result = e.temp();
        e.readDestination(i, address);
        mv.visitVarInsn(LSTORE, operand);
        e.readOperand(i, 1, -1);
        mv.visitVarInsn(LSTORE, count);
        if (op == Mnemonic.ROL || op == Mnemonic.ROR) {
            mv.visitVarInsn(LLOAD, operand);
            mv.visitVarInsn(LLOAD, count);
            e.iconst(size);
            (op == Mnemonic.ROL ? Helpers.ROL_VALUE : Helpers.ROR_VALUE).invoke(mv);
            mv.visitVarInsn(LSTORE, result);
            store(e, k, i, op, size, operand, count, result, address, flagsLive);
            return;
        }
        // plain result with the masked count (SDM SAL/SAR/SHL/SHR: count masked to 5 or 6 bits)
        mv.visitVarInsn(LLOAD, operand);
        boolean asInt = size == 4; // an int shift: one 32-bit shift for C2 (the count mask is 31 either way)
        if (asInt) mv.visitInsn(L2I);
        else if (op == Mnemonic.SHR) e.mask(size);
        else if (op == Mnemonic.SAR) e.sext(size);
        mv.visitVarInsn(LLOAD, count);
        e.iconst(size);
        Helpers.SHIFT_COUNT.invoke(mv); // Shifts.maskCount: the one definition of the count mask
        if (asInt) {
            mv.visitInsn(op == Mnemonic.SHL ? ISHL : op == Mnemonic.SHR ? IUSHR : ISHR);
            mv.visitInsn(I2L);
        } else {
            mv.visitInsn(op == Mnemonic.SHL ? LSHL : op == Mnemonic.SHR ? LUSHR : LSHR);
        }
        e.mask(size);
        mv.visitVarInsn(LSTORE, result);
        store(e, k, i, op, size, operand, count, result, address, flagsLive);
    }

    /** Writes the result; with live flags, the interpreter's helper records them. */
    private static void store(MethodEmitter e, int k, Instruction i, Mnemonic op, int size, int operand, int count,
            int result, int address, boolean flagsLive) {
        MethodVisitor mv = e.mv;
        e.writeOperand0(i, result, address);
        if (flagsLive && e.conditions.defers(k, i)) { // the record stays in locals (ConditionEmitter)
            e.conditions.defer(i, ConditionEmitter.Known.NONE, operand, count, result);
        } else if (flagsLive) {
            mv.visitVarInsn(ALOAD, L_CPU);
            mv.visitVarInsn(LLOAD, operand);
            mv.visitVarInsn(LLOAD, count);
            e.iconst(size);
            Helpers.withFlags(op).invoke(mv);
            mv.visitInsn(POP2);
            e.conditions.forget();
        }
    }
}
