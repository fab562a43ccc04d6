package dev.lstar.translator;

import static dev.lstar.translator.BlockCompiler.CPU;
import static dev.lstar.translator.BlockCompiler.LAZY;
import static dev.lstar.translator.OperandEmitter.L_CPU;
import static dev.lstar.translator.OperandEmitter.L_INT_SCRATCH;
import static org.objectweb.asm.Opcodes.*;

import dev.lstar.decoder.Instruction;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;

/**
 * Conditions (Jcc, SETcc, CMOVcc) and flag fusion for one generated method. It remembers which
 * flag record the last inline ALU instruction produced — a subtraction (SUB, CMP, NEG), a logic
 * op (AND, OR, XOR, TEST), an ADD, or an INC/DEC — with its operands and result kept in temps
 * (which the method emitter keeps reserved), and evaluates a condition straight from them
 * ({@code LazyFlags.condSub}/{@code condLogic}, or ZF/SF from the result) instead of from the
 * lazy record in the {@code Cpu}. Anything that changes the flags in another way (a fallback,
 * a hook, a helper recording its own flags, a back-edge) calls {@link #forget}.
 *
 * <p>It also answers whether an instruction's flags are needed at all ({@link #live}, from
 * {@link Liveness}): only then do the ALU emitters record lazy flags.
 */
final class ConditionEmitter {
    /** Which kind of flag record the operands in {@link #left}, {@link #right}, {@link #result} describe. */
    enum Known { NONE, SUB, LOGIC, ADD, INC_DEC }

    private final MethodEmitter e;

    Known known = Known.NONE;
    /** Operand size of the known record. */
    int size;
    /** Temps holding the known record's operands and (truncated) result. */
    int left, right, result;
    /** Counts the records produced (the method emitter pins the temps of the latest one). */
    int generation;

    ConditionEmitter(MethodEmitter e) {
        this.e = e;
    }

    /** Records that the flags now come from {@code kind} applied to the temps given ({@code left}/{@code right} unused for INC/DEC). */
    void record(Known kind, int size, int left, int right, int result) {
        generation++;
        known = kind;
        this.size = size;
        this.left = left;
        this.right = right;
        this.result = result;
    }

    /** The flags no longer come from a known inline record. */
    void forget() {
        known = Known.NONE;
    }

    /** Whether instruction k will record its flag operands (see {@link AluEmitter}). */
    boolean producesKnown(int k, Instruction i) {
        return switch (i.mnemonic) {
            case ADD, SUB, AND, OR, XOR, CMP, TEST, INC, DEC, NEG -> live(k, i);
            default -> false;
        };
    }

    /** Whether a flag instruction {@code k} writes is read later (it must then record its flags). */
    boolean live(int k, Instruction i) {
        return (e.liveAfter[k] & i.flagsWritten & Liveness.ALL) != 0;
    }

    /** Pushes an int 0/1: condition {@code cc} on the current flags. */
    void emit(int cc) {
        MethodVisitor mv = e.mv;
        int sz = size;
        switch (known) {
            case SUB -> {
                mv.visitVarInsn(LLOAD, left); e.mask(sz);
                mv.visitVarInsn(LLOAD, right); e.mask(sz);
                mv.visitVarInsn(LLOAD, result);
                e.iconst(sz);
                e.iconst(cc);
                mv.visitMethodInsn(INVOKESTATIC, LAZY, "condSub", "(JJJII)Z", false);
                return;
            }
            case LOGIC -> {
                mv.visitVarInsn(LLOAD, result);
                e.iconst(sz);
                e.iconst(cc);
                mv.visitMethodInsn(INVOKESTATIC, LAZY, "condLogic", "(JII)Z", false);
                return;
            }
            case ADD, INC_DEC -> {
                if ((cc >> 1) == 2 || (cc >> 1) == 4) {
                    // ZF / SF come straight from the (truncated) result
                    Label t = new Label(), done = new Label();
                    mv.visitVarInsn(LLOAD, result);
                    if ((cc >> 1) == 2) {
                        e.lconst(0);
                        mv.visitInsn(LCMP);
                        mv.visitJumpInsn((cc & 1) == 0 ? IFEQ : IFNE, t);
                    } else {
                        e.iconst(64 - sz * 8);
                        mv.visitInsn(LSHL);
                        e.lconst(0);
                        mv.visitInsn(LCMP);
                        mv.visitJumpInsn((cc & 1) == 0 ? IFLT : IFGE, t);
                    }
                    // through an int local: jumps carry no operand stack (see FrameWriter)
                    e.iconst(0);
                    mv.visitVarInsn(ISTORE, L_INT_SCRATCH);
                    mv.visitJumpInsn(GOTO, done);
                    mv.visitLabel(t);
                    e.iconst(1);
                    mv.visitVarInsn(ISTORE, L_INT_SCRATCH);
                    mv.visitLabel(done);
                    mv.visitVarInsn(ILOAD, L_INT_SCRATCH);
                    return;
                }
            }
            default -> { }
        }
        mv.visitVarInsn(ALOAD, L_CPU);
        e.iconst(cc);
        mv.visitMethodInsn(INVOKESTATIC, LAZY, "cond", "(L" + CPU + ";I)Z", false);
    }
}
