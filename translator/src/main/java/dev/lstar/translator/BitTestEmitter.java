package dev.lstar.translator;

import static dev.lstar.translator.BlockCompiler.CPU;
import static dev.lstar.translator.BlockCompiler.RT;
import static dev.lstar.translator.OperandEmitter.L_CPU;
import static dev.lstar.translator.OperandEmitter.L_MMU;
import static org.objectweb.asm.Opcodes.*;

import dev.lstar.decoder.Instruction;
import dev.lstar.decoder.Mnemonic;
import org.objectweb.asm.MethodVisitor;

/**
 * Bytecode for BT, BTS, BTR and BTC with two operands (the kernel entry path uses them), as
 * {@code Exec.bitTest}, with CF recorded by the {@code ops.Bits} helper the interpreter uses when
 * it is live.
 */
final class BitTestEmitter {
    private BitTestEmitter() {}

    private static final String BITS = "dev/lstar/runtime/ops/Bits";

    /**
     * With a register offset and a memory operand the offset addresses a bit string, the operand
     * moving by (offset SAR log2(bits)) * size bytes (SDM Vol. 2A BT, "bit base / bit offset");
     * otherwise the offset is taken modulo the width. The store comes first and CF (the old bit)
     * after it, so a faulting store changes no flag.
     */
    static void bitTest(MethodEmitter e, int k, Instruction i) {
        MethodVisitor mv = e.mv;
        int size = i.opSize, bits = size * 8;
        boolean mem = i.kind[0] == Instruction.OP_MEM;
        boolean bitString = mem && i.kind[1] == Instruction.OP_REG;
        int offset = e.temp(), value = e.temp(), address = -1;
        e.readOperand(i, 1, -1);
        mv.visitVarInsn(LSTORE, offset);
        if (bitString) {
            address = e.temp();
            int signedOffset = e.temp();
            mv.visitVarInsn(LLOAD, offset);
            e.sext(size);
            mv.visitVarInsn(LSTORE, signedOffset);
            mv.visitVarInsn(ALOAD, L_CPU);
            e.linearAddress(i);
            mv.visitVarInsn(LLOAD, signedOffset);
            e.iconst(Integer.numberOfTrailingZeros(bits));
            mv.visitInsn(LSHR);
            e.iconst(Integer.numberOfTrailingZeros(size));
            mv.visitInsn(LSHL);
            mv.visitInsn(LADD);
            e.iconst(0);
            mv.visitMethodInsn(INVOKESTATIC, RT, "canon", "(L" + CPU + ";JZ)J", false);
            mv.visitVarInsn(LSTORE, address);
            mv.visitVarInsn(ALOAD, L_MMU);
            mv.visitVarInsn(LLOAD, address);
            e.memRead(size);
            mv.visitVarInsn(LSTORE, value);
            mv.visitVarInsn(LLOAD, signedOffset);
            e.lconst(bits - 1);
            mv.visitInsn(LAND);
            mv.visitVarInsn(LSTORE, offset);
        } else {
            if (mem) address = e.linearAddressToTemp(i);
            e.readOperand(i, 0, address);
            mv.visitVarInsn(LSTORE, value);
        }
        if (i.mnemonic != Mnemonic.BT) {
            int newValue = e.temp();
            mv.visitVarInsn(LLOAD, value);
            e.lconst(1);
            mv.visitVarInsn(LLOAD, offset);
            mv.visitInsn(L2I);
            e.iconst(bits - 1);
            mv.visitInsn(IAND);
            mv.visitInsn(LSHL);
            switch (i.mnemonic) {
                case BTS -> mv.visitInsn(LOR);
                case BTR -> { e.lconst(-1); mv.visitInsn(LXOR); mv.visitInsn(LAND); }
                default -> mv.visitInsn(LXOR);
            }
            e.mask(size);
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
        if (e.conditions.live(k, i)) {
            mv.visitVarInsn(ALOAD, L_CPU);
            mv.visitVarInsn(LLOAD, value);
            mv.visitVarInsn(LLOAD, offset);
            e.iconst(size);
            mv.visitMethodInsn(INVOKESTATIC, BITS, "bt", "(L" + CPU + ";JJI)V", false);
            e.conditions.forget();
        }
    }
}
