package dev.lstar.translator;

import dev.lstar.decoder.Access;
import dev.lstar.decoder.Instruction;
import dev.lstar.decoder.Mnemonic;
import dev.lstar.decoder.OpcodeTable;
import dev.lstar.runtime.interp.Block;

/**
 * What the translator needs to know about an instruction before emitting it: whether it has an
 * inline translation, may fault, may leave a superblock after it, and where a superblock may
 * continue after a block.
 *
 * <p>Which registers and memory an instruction touches comes from the opcode table's access
 * columns ({@link dev.lstar.decoder.Access}); whether it is translated inline from
 * {@link Intrinsics}; what is left here is the translator's own policy.
 */
final class InsnTraits {
    private InsnTraits() {}

    /** Whether {@code i} is translated to bytecode (else it runs through the interpreter fallback). */
    static boolean inlinable(Instruction i) {
        if ((i.prefixes & Instruction.P_LOCK) != 0 || (i.attributes & OpcodeTable.A_BAD_LOCK) != 0) return false;
        if ((i.attributes & OpcodeTable.A_TOO_LONG) != 0) return false;
        if (!SysInline.SYSTEM.contains(i.mnemonic)) {
            for (int n = 0; n < i.nOperands; n++) {
                int k = i.kind[n];
                if (k == Instruction.OP_SREG || k == Instruction.OP_CREG) return false;
            }
        }
        return Intrinsics.handles(i);
    }

    /**
     * Whether an inline-translated instruction may raise a guest exception: a memory access (the
     * table's access columns: LEA and hint NOPs only compute an address), a JMP/CALL target's
     * canonical check, a system instruction ({@link SysInline#opaque}), or any SSE or x87 instruction.
     */
    static boolean mayFault(Instruction i) {
        return SysInline.opaque(i) || Access.accessesMemory(i) || i.mnemonic == Mnemonic.JMP || i.mnemonic == Mnemonic.CALL
                || (i.attributes & OpcodeTable.A_SSE) != 0 // #UD/#NM (CR0, CR4), #XM
                || X87Emitter.handles(i); // #NM, #MF
    }

    /** Whether a superblock may leave right after {@code i} (a Jcc side exit, a CR3 fetch check). */
    static boolean mayLeaveAfter(Instruction i) {
        return i.mnemonic == Mnemonic.JCC || i.mnemonic == Mnemonic.MOV_TO_CR;
    }

    /** A CALL, JMP, RET or Jcc: inline, {@code BranchEmitter} decides where the code goes on. */
    static boolean isBranch(Instruction i) {
        return switch (i.mnemonic) {
            case CALL, JMP, RET, JCC -> true;
            default -> false;
        };
    }

    /**
     * An indirect CALL or JMP (a register or memory operand): not a continuation itself, but
     * {@code JitEngine.superblock} may go on to the one target it has been seen to take.
     */
    static boolean isIndirectBranch(Instruction i) {
        return (i.mnemonic == Mnemonic.CALL || i.mnemonic == Mnemonic.JMP) && i.nOperands == 1
                && (i.kind[0] == Instruction.OP_REG || i.kind[0] == Instruction.OP_MEM) && (i.attributes & OpcodeTable.A_TOO_LONG) == 0;
    }

    /**
     * Where a superblock may go on after block {@code b}, or -1 if it must end with it: the
     * fall-through of a conditional branch (the engine may pick the taken path instead; the
     * other one is a side exit), the target of a direct jump or a direct call (the call's push
     * done, the callee follows), the instruction after SWAPGS or MOV to CR3 (re-checked at run
     * time), or the next instruction of a block cut by its length. Never past returns, indirect
     * branches, CPL or mode changes, natives, or other control-register writes.
     */
    static long continuation(Block b) {
        if (b.insns.length == 0 || b.nativeFn != null) return -1;
        Instruction last = b.insns[b.insns.length - 1];
        if ((last.attributes & OpcodeTable.A_TOO_LONG) != 0) return -1;
        return switch (last.mnemonic) {
            case JCC -> last.kind[0] == Instruction.OP_REL ? last.next() : -1;
            case JMP, CALL -> last.kind[0] == Instruction.OP_REL ? last.target : -1;
            case SWAPGS -> last.next();
            case MOV_TO_CR -> last.reg[0] == 3 ? last.next() : -1;
            case INVALID -> -1;
            default -> (last.attributes & OpcodeTable.A_BLOCK_END) == 0 ? last.next() : -1;
        };
    }
}
