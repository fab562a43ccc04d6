package dev.lstar.translator;

import static dev.lstar.translator.BlockCompiler.BLOCK;
import static dev.lstar.translator.BlockCompiler.CPU;
import static dev.lstar.translator.BlockCompiler.MACHINE;
import static dev.lstar.translator.BlockCompiler.RT;
import static dev.lstar.translator.OperandEmitter.L_CPU;
import static dev.lstar.translator.OperandEmitter.L_LIMIT;
import static dev.lstar.translator.OperandEmitter.L_LOOP_RETIRED;
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
            case CALL -> call(e, k, i, loopHead);
            case JMP -> jmp(e, k, i, loopHead);
            case RET -> ret(e, k, i);
            case JCC -> jcc(e, k, i, loopHead);
            default -> throw new IllegalStateException("not a branch: " + i);
        };
    }

    private static boolean call(MethodEmitter e, int k, Instruction i, Label loopHead) {
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
        exitTo(e, target, -1, k + 1, loopHead); // (a call never closes a loop)
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

    private static boolean jmp(MethodEmitter e, int k, Instruction i, Label loopHead) {
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
        int inner = e.nested && i.kind[0] == Instruction.OP_REL ? e.internalTarget(i.target) : -1;
        if (inner >= 0) { // (decoded there, so canonical)
            e.jumpToSegment(inner, k + 1, i.target);
            return true;
        }
        int target = branchTarget(e, i);
        exitTo(e, target, i.kind[0] == Instruction.OP_REL ? i.target : -1, k + 1, loopHead);
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

    private static boolean jcc(MethodEmitter e, int k, Instruction i, Label loopHead) {
        MethodVisitor mv = e.mv;
        Instruction[] insns = e.insns;
        if (k != insns.length - 1 && insns[k + 1].address == i.target && i.target != i.next()) {
            // a superblock goes on with the taken path: the fall-through is the side exit
            Label taken = new Label();
            e.conditions.emit(i.cond);
            mv.visitJumpInsn(IFNE, taken);
            int inner = e.nested ? e.internalTarget(i.next()) : -1;
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
        exitTo(e, target, i.target, k + 1, loopHead);
        e.dirtyRegs = saveDirty;
        mv.visitLabel(no);
        if (k != insns.length - 1 && insns[k + 1].address == i.next()) return false; // a superblock goes on with the fall-through
        if (k != insns.length - 1 && !e.nested) throw new IllegalStateException("superblock continues elsewhere after a Jcc");
        int next = e.temp();
        e.lconst(i.next());
        mv.visitVarInsn(LSTORE, next);
        exitTo(e, next, i.next(), k + 1, loopHead);
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
     * statically, else -1); in a region, the last instruction's way back to the method's start
     * (a Jcc's taken or fall-through direction, a direct JMP) is the back-edge.
     */
    private static void exitTo(MethodEmitter e, int target, long address, int retired, Label loopHead) {
        MethodVisitor mv = e.mv;
        int inner = e.nested && address != -1 ? e.internalTarget(address) : -1;
        if (inner >= 0) { // a loop nest's branch to one of its segments (MethodEmitter.jumpToSegment)
            e.jumpToSegment(inner, retired, address);
            return;
        }
        if (e.region && address == e.block.la && retired == e.insns.length) {
            // back-edge: count the iteration; leave when another whole iteration would pass the
            // budget (the engine then interprets the rest exactly) or a stop is requested (in a
            // region L_LIMIT holds the limit less cpu.instructions at the method's entry)
            Label leave = new Label();
            mv.visitVarInsn(LLOAD, L_LOOP_RETIRED);
            e.lconst(retired);
            mv.visitInsn(LADD);
            mv.visitVarInsn(LSTORE, L_LOOP_RETIRED);
            mv.visitVarInsn(LLOAD, L_LOOP_RETIRED);
            e.lconst(retired);
            mv.visitInsn(LADD);
            mv.visitVarInsn(LLOAD, L_LIMIT);
            mv.visitInsn(LCMP);
            mv.visitJumpInsn(IFGT, leave);
            e.loadField("machine", "L" + MACHINE + ";");
            mv.visitMethodInsn(INVOKEVIRTUAL, MACHINE, "stopRequested", "()Z", false);
            mv.visitJumpInsn(IFNE, leave);
            e.loadField("block", "L" + BLOCK + ";");
            mv.visitFieldInsn(GETFIELD, BLOCK, "valid", "Z");
            mv.visitJumpInsn(IFEQ, leave);
            e.conditions.backEdge(e.carried);
            mv.visitJumpInsn(GOTO, loopHead);
            mv.visitLabel(leave);
            e.exit(() -> mv.visitVarInsn(LLOAD, target), 0);
            return;
        }
        e.exit(() -> mv.visitVarInsn(LLOAD, target), retired);
    }
}
