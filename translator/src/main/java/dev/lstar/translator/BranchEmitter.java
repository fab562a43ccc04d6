package dev.lstar.translator;

import static dev.lstar.translator.BlockCompiler.CPU;
import static dev.lstar.translator.BlockCompiler.RT;
import static dev.lstar.translator.OperandEmitter.L_CPU;
import static dev.lstar.translator.OperandEmitter.L_MMU;
import static org.objectweb.asm.Opcodes.*;

import dev.lstar.decoder.Instruction;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;

/**
 * Bytecode for control flow: CALL, JMP, RET and Jcc. A branch leaves the method through
 * {@link MethodEmitter#exit} with its target, except where the method goes on: inside a
 * superblock (a direct JMP or CALL to the next segment — the call's push done —, an indirect one
 * whose target is compared with the next segment's address ({@link #guard}), a Jcc whose
 * taken or fall-through path is the next segment, the other path being a side exit), at a
 * region's back-edge, and in a loop nest at a branch to another of its segments
 * ({@link #exitTo}, {@link MethodEmitter#jumpToSegment}). Targets of JMP and CALL are canonical-checked as {@code Exec}'s are
 * ({@code JitRt.branch}).
 */
final class BranchEmitter {
    private BranchEmitter() {}

    /** Emits branch instruction {@code k}; returns true if it ended the method's code (emitted its own exits). */
    static boolean emit(MethodEmitter e, int k, Instruction i, Label loopHead) {
        return switch (i.mnemonic) {
            case CALL -> call(e, k, i);
            case JMP -> jmp(e, k, i);
            case RET -> ret(e, k, i);
            case JCC -> jcc(e, k, i);
            default -> throw new IllegalStateException("not a branch: " + i);
        };
    }

    private static boolean call(MethodEmitter e, int k, Instruction i) {
        boolean direct = i.kind[0] == Instruction.OP_REL;
        boolean goesOn = k != e.insns.length - 1;
        if (goesOn && direct && e.insns[k + 1].address != i.target) { // see InsnTraits.continuation
            if (!e.nested) throw new IllegalStateException("superblock continues past a call elsewhere");
            goesOn = false; // a loop nest's next segment is not the callee: the call leaves
        }
        // (a superblock's direct callee was decoded at its target: canonical, nothing to check)
        int target = goesOn && direct ? -1 : branchTarget(e, i);
        int returnAddress = e.temp();
        e.lconst(i.next());
        e.mv.visitVarInsn(LSTORE, returnAddress);
        StackEmitter.pushValue(e, returnAddress, i.opSize);
        // an indirect call inside a superblock (JitEngine.observedCallee): the path goes on into
        // the callee it has always seen; any other target is a side exit, the call done
        if (goesOn && !direct) guard(e, k, target);
        if (goesOn) return false; // the callee follows in this method
        exitTo(e, target, -1, k + 1); // (a call never closes a loop)
        return true;
    }

    /** Leaves to the target in temp {@code target} (instruction {@code k} done) unless it is the next instruction's address. */
    private static void guard(MethodEmitter e, int k, int target) {
        Label same = new Label();
        e.mv.visitVarInsn(LLOAD, target);
        e.lconst(e.insns[k + 1].address);
        e.mv.visitInsn(LCMP);
        e.mv.visitJumpInsn(IFEQ, same);
        e.coldExit(() -> e.mv.visitVarInsn(LLOAD, target), k + 1);
        e.mv.visitLabel(same);
    }

    private static boolean jmp(MethodEmitter e, int k, Instruction i) {
        if (k != e.insns.length - 1) {
            if (i.kind[0] != Instruction.OP_REL) {
                // an indirect jump inside a superblock (a PLT stub's jmp *GOT, JitEngine.observedCallee):
                // on to the target it has always had, behind a guard
                guard(e, k, branchTarget(e, i));
                return false;
            }
            // a superblock continues at the target (decoded there, so canonical): nothing to do
            if (e.insns[k + 1].address == i.target) return false;
            // see InsnTraits.continuation; a loop nest's next segment may be another one's
            if (!e.nested) throw new IllegalStateException("superblock continues past a jump elsewhere");
        }
        int inner = i.kind[0] == Instruction.OP_REL ? e.staysAt(i.target, k + 1) : -1;
        if (inner >= 0) { // (decoded there, so canonical)
            e.jumpToSegment(inner, k + 1, i.target);
            return true;
        }
        int target = branchTarget(e, i);
        exitTo(e, target, i.kind[0] == Instruction.OP_REL ? i.target : -1, k + 1);
        return true;
    }

    private static boolean ret(MethodEmitter e, int k, Instruction i) {
        MethodVisitor mv = e.mv;
        int size = i.opSize;
        int sp = StackEmitter.checkedStackPointer(e, 0), target = e.temp();
        mv.visitVarInsn(ALOAD, L_CPU);
        mv.visitVarInsn(ALOAD, L_MMU);
        mv.visitVarInsn(LLOAD, sp);
        e.memRead(size);
        mv.visitMethodInsn(INVOKESTATIC, RT, "branch", "(L" + CPU + ";J)J", false);
        mv.visitVarInsn(LSTORE, target);
        StackEmitter.setStackPointer(e, sp, size + (i.nOperands > 0 ? (i.imm & 0xFFFF) : 0));
        e.exit(() -> mv.visitVarInsn(LLOAD, target), k + 1);
        return true;
    }

    private static boolean jcc(MethodEmitter e, int k, Instruction i) {
        MethodVisitor mv = e.mv;
        Instruction[] insns = e.insns;
        if (k != insns.length - 1 && insns[k + 1].address == i.target && i.target != i.next()) {
            // a superblock goes on with the taken path: the fall-through is the side exit
            Label taken = new Label();
            e.conditions.emit(i.cond);
            mv.visitJumpInsn(IFNE, taken);
            int inner = e.nested ? e.staysAt(i.next(), k + 1) : -1;
            if (inner >= 0) e.jumpToSegment(inner, k + 1, i.next()); // a loop nest: the way to another of its segments
            else e.coldExit(() -> e.lconst(i.next()), k + 1); // the direction not observed
            mv.visitLabel(taken);
            return false;
        }
        Label no = new Label();
        e.conditions.emit(i.cond);
        mv.visitJumpInsn(IFEQ, no);
        int saveDirty = e.dirtyRegs;
        int target = e.temp();
        e.lconst(i.target); // Exec does not check a Jcc target; the fetch at the target faults
        mv.visitVarInsn(LSTORE, target);
        exitTo(e, target, i.target, k + 1);
        e.dirtyRegs = saveDirty;
        mv.visitLabel(no);
        if (k != insns.length - 1 && insns[k + 1].address == i.next()) return false; // a superblock goes on with the fall-through
        if (k != insns.length - 1 && !e.nested) throw new IllegalStateException("superblock continues elsewhere after a Jcc");
        int next = e.temp();
        e.lconst(i.next());
        mv.visitVarInsn(LSTORE, next);
        exitTo(e, next, i.next(), k + 1);
        return true;
    }

    /** Computes a JMP/CALL target (canonical-checked, as Exec's branchTarget) into a temp. */
    private static int branchTarget(MethodEmitter e, Instruction i) {
        MethodVisitor mv = e.mv;
        int t = e.temp();
        mv.visitVarInsn(ALOAD, L_CPU);
        if (i.kind[0] == Instruction.OP_REL) e.lconst(i.target);
        else e.readOperand(i, 0, -1);
        mv.visitMethodInsn(INVOKESTATIC, RT, "branch", "(L" + CPU + ";J)J", false);
        mv.visitVarInsn(LSTORE, t);
        return t;
    }

    /**
     * Exit to the target in temp {@code target} ({@code address}: the target when it is known
     * statically, else -1) — or, where the method goes on ({@link MethodEmitter#staysAt}: a
     * region's back-edge, a loop nest's way to one of its segments), the jump inside it.
     */
    private static void exitTo(MethodEmitter e, int target, long address, int retired) {
        int inner = e.staysAt(address, retired);
        if (inner >= 0) { // a region's back-edge, a loop nest's branch to one of its segments
            e.jumpToSegment(inner, retired, address);
            return;
        }
        e.exit(() -> e.mv.visitVarInsn(LLOAD, target), retired);
    }
}
