package dev.lstar.translator;

import static dev.lstar.translator.OperandEmitter.L_CPU;
import static org.objectweb.asm.Opcodes.*;

import dev.lstar.decoder.Instruction;
import dev.lstar.decoder.Mnemonic;
import org.objectweb.asm.MethodVisitor;

/**
 * Bytecode for the integer ALU instructions: ADD, SUB, AND, OR, XOR, CMP, TEST ({@link #binary}),
 * INC, DEC, NEG, NOT ({@link #unary}) and the two- and three-operand IMUL ({@link #imul}). When
 * {@link ConditionEmitter#live} says no flag they write is read, only the plain arithmetic is
 * emitted; otherwise the same {@code ops.Alu}/{@code ops.MulDiv} helper the interpreter uses
 * records the lazy flags, and the operands and result are handed to the {@link ConditionEmitter}
 * for fused conditions. A memory destination is stored before the flags are recorded, so a
 * faulting store leaves the flags alone.
 */
final class AluEmitter {
    private AluEmitter() {}

    /** Pushes temps {@code lhs} OP {@code rhs} as plain arithmetic (no flags): ADD, SUB, AND, OR, XOR. */
    private static void plainOp(MethodEmitter e, Mnemonic op, int lhs, int rhs) {
        MethodVisitor mv = e.mv;
        mv.visitVarInsn(LLOAD, lhs);
        mv.visitVarInsn(LLOAD, rhs);
        mv.visitInsn(switch (op) {
            case ADD -> LADD;
            case SUB -> LSUB;
            case AND -> LAND;
            case OR -> LOR;
            default -> LXOR;
        });
        if (op == Mnemonic.ADD && BlockCompiler.injectAddBugForTest) { e.lconst(1); mv.visitInsn(LADD); }
    }

    /** Calls the {@code Alu} helper that records the flags, {@code helper(cpu, lhs, rhs, size)} (its result, if any, left pushed). */
    private static void pushHelper(MethodEmitter e, Helpers.Helper helper, int lhs, int rhs, int size) {
        e.mv.visitVarInsn(ALOAD, L_CPU);
        e.mv.visitVarInsn(LLOAD, lhs);
        e.mv.visitVarInsn(LLOAD, rhs);
        e.iconst(size);
        helper.invoke(e.mv);
    }

    /** ADD, SUB, AND, OR, XOR, CMP, TEST. */
    static void binary(MethodEmitter e, int k, Instruction i) {
        MethodVisitor mv = e.mv;
        int size = i.opSize;
        Mnemonic op = i.mnemonic;
        boolean flagsLive = e.conditions.live(k, i);
        boolean writes = op != Mnemonic.CMP && op != Mnemonic.TEST;
        boolean mem = i.kind[0] == Instruction.OP_MEM;
        int address = mem ? e.linearAddressToTemp(i) : -1;
        int lhs = e.temp(), rhs = e.temp(), result = e.temp();
        if (writes) e.readDestination(i, address);
        else e.readOperand(i, 0, address);
        mv.visitVarInsn(LSTORE, lhs);
        e.readOperand(i, 1, -1);
        mv.visitVarInsn(LSTORE, rhs);
        if (!flagsLive) {
            if (!writes) return; // only the memory read (and its faults) remains
            plainOp(e, op, lhs, rhs);
            mv.visitVarInsn(LSTORE, result);
            e.writeOperand0(i, result, address);
            return;
        }
        ConditionEmitter.Known kind = switch (op) {
            case SUB, CMP -> ConditionEmitter.Known.SUB;
            case ADD -> ConditionEmitter.Known.ADD;
            default -> ConditionEmitter.Known.LOGIC;
        };
        // a deferred record stays in locals until somebody may look at it (ConditionEmitter)
        boolean defer = e.conditions.defers(k, i);
        Helpers.Helper helper = Helpers.withFlags(op);
        if (writes && (mem || defer)) {
            // store first (it may fault), then record the flags: a faulting store leaves flags alone
            plainOp(e, op, lhs, rhs);
            e.mask(size);
            mv.visitVarInsn(LSTORE, result);
            e.writeOperand0(i, result, address);
            if (!defer) {
                pushHelper(e, helper, lhs, rhs, size);
                mv.visitInsn(POP2);
            }
        } else if (writes) {
            pushHelper(e, helper, lhs, rhs, size);
            if (op == Mnemonic.ADD && BlockCompiler.injectAddBugForTest) { e.lconst(1); mv.visitInsn(LADD); }
            mv.visitVarInsn(LSTORE, result);
            e.writeOperand0(i, result, address);
        } else {
            if (!defer) pushHelper(e, helper, lhs, rhs, size);
            // the result for fused conditions
            mv.visitVarInsn(LLOAD, lhs);
            mv.visitVarInsn(LLOAD, rhs);
            mv.visitInsn(op == Mnemonic.CMP ? LSUB : LAND);
            e.mask(size);
            mv.visitVarInsn(LSTORE, result);
        }
        if (defer) {
            e.conditions.defer(i, kind, lhs, rhs, result);
            return;
        }
        e.conditions.record(kind, size, lhs, rhs, result);
    }

    /** INC, DEC, NEG, NOT. */
    static void unary(MethodEmitter e, int k, Instruction i) {
        MethodVisitor mv = e.mv;
        int size = i.opSize;
        Mnemonic op = i.mnemonic;
        boolean flagsLive = op != Mnemonic.NOT && e.conditions.live(k, i);
        boolean mem = i.kind[0] == Instruction.OP_MEM;
        int address = mem ? e.linearAddressToTemp(i) : -1;
        int operand = e.temp(), result = e.temp();
        e.readDestination(i, address);
        mv.visitVarInsn(LSTORE, operand);
        // plain result
        mv.visitVarInsn(LLOAD, operand);
        switch (op) {
            case INC -> { e.lconst(1); mv.visitInsn(LADD); }
            case DEC -> { e.lconst(1); mv.visitInsn(LSUB); }
            case NEG -> mv.visitInsn(LNEG);
            default -> { e.lconst(-1); mv.visitInsn(LXOR); }
        }
        e.mask(size);
        mv.visitVarInsn(LSTORE, result);
        e.writeOperand0(i, result, address); // a faulting store leaves the flags alone: record them after it
        if (flagsLive && e.conditions.defers(k, i)) { // the record stays in locals (ConditionEmitter)
            if (op == Mnemonic.NEG) {
                int zero = e.temp();
                e.lconst(0);
                mv.visitVarInsn(LSTORE, zero);
                e.conditions.defer(i, ConditionEmitter.Known.SUB, zero, operand, result);
            } else { // INC, DEC: with the CF they keep
                int cf = e.temp();
                e.conditions.pushCarry();
                mv.visitVarInsn(LSTORE, cf);
                e.conditions.defer(i, ConditionEmitter.Known.INC_DEC, operand, cf, result);
            }
        } else if (flagsLive) {
            mv.visitVarInsn(ALOAD, L_CPU);
            mv.visitVarInsn(LLOAD, operand);
            e.iconst(size);
            Helpers.withFlags(op).invoke(mv);
            mv.visitInsn(POP2);
            if (op == Mnemonic.NEG) {
                int zero = e.temp();
                e.lconst(0);
                mv.visitVarInsn(LSTORE, zero);
                e.conditions.record(ConditionEmitter.Known.SUB, size, zero, operand, result); // NEG is 0 - operand
            } else {
                e.conditions.record(ConditionEmitter.Known.INC_DEC, size, -1, -1, result);
            }
        }
    }

    /** IMUL with two or three operands (the one-operand form goes through the fallback). */
    static void imul(MethodEmitter e, int k, Instruction i) {
        MethodVisitor mv = e.mv;
        int size = i.opSize;
        int first = i.nOperands == 2 ? 0 : 1;
        boolean flagsLive = e.conditions.live(k, i);
        if (flagsLive) mv.visitVarInsn(ALOAD, L_CPU);
        e.readOperand(i, first, -1);
        e.readOperand(i, first + 1, -1);
        if (flagsLive) {
            e.iconst(size);
            Helpers.withFlags(Mnemonic.IMUL).invoke(mv);
            e.conditions.forget();
        } else {
            mv.visitInsn(LMUL);
        }
        e.writeReg(i.reg[0], size);
    }
}
