package dev.lstar.translator;

import static dev.lstar.translator.BlockCompiler.CPU;
import static dev.lstar.translator.OperandEmitter.L_CPU;
import static org.objectweb.asm.Opcodes.*;

import dev.lstar.decoder.Instruction;
import dev.lstar.decoder.Mnemonic;
import org.objectweb.asm.MethodVisitor;

/**
 * Bytecode for the system instructions of the kernel entry path (SWAPGS, MOV to and from control
 * registers, SYSCALL, SYSRETQ), so that these do not go through the interpreter fallback
 * ({@link JitRt#exec}, which spills and reloads every cached register around a call into
 * {@code Exec}'s big switch). Each one calls the same runtime helper the interpreter's
 * {@code Exec} calls ({@code FastSyscall}, {@code ControlRegs}), with its operands taken from the
 * block's register locals; the lockstep engine proves the two agree.
 *
 * <p>Rules kept from the fallback path: helpers that read or write {@code cpu.r} (SYSCALL,
 * SYSRET) get the dirty registers spilled first; every helper that can raise an exception does so
 * before changing state, so the block's exception handler (spill, RIP of the faulting
 * instruction) gives the precise state; MOV to CR0/CR4/CR8 always ends the block, MOV to CR3 ends
 * it or re-checks the code mapping ({@code fetchCheck}); SYSCALL and SYSRET end the block at the
 * new RIP.
 */
final class SysInline {
    private SysInline() {}

    private static final String FAST = "dev/lstar/runtime/sys/FastSyscall", CREGS = "dev/lstar/runtime/sys/ControlRegs";

    /** The instructions this class emits (bound in {@link Intrinsics}). */
    static final java.util.Set<Mnemonic> SYSTEM = java.util.Collections.unmodifiableSet(java.util.EnumSet.of(
            Mnemonic.SWAPGS, Mnemonic.MOV_FROM_CR, Mnemonic.MOV_TO_CR, Mnemonic.SYSCALL, Mnemonic.SYSRETQ));

    /**
     * Whether {@code i} may raise an exception or reads the whole RFLAGS (SYSCALL saves it in
     * R11): the flags before it must all be computed. That is every instruction this class
     * handles: the control register moves count too because the opcode table lists their flags
     * as undefined while the helpers leave them alone; treating them as readers keeps every
     * earlier flag exact.
     */
    static boolean opaque(Instruction i) {
        return SYSTEM.contains(i.mnemonic);
    }

    /** Emits instruction {@code k}; returns true when it ended the block (SYSCALL, SYSRETQ). */
    static boolean emit(MethodEmitter e, int k, Instruction i) {
        MethodVisitor mv = e.mv;
        String cpu = "L" + CPU + ";";
        switch (i.mnemonic) {
            case SWAPGS -> {
                // SDM Vol. 2B SWAPGS: #UD outside 64-bit mode, #GP(0) at CPL > 0; GS.base <-> KERNEL_GS_BASE
                mv.visitVarInsn(ALOAD, L_CPU);
                mv.visitMethodInsn(INVOKESTATIC, FAST, "swapgs", "(" + cpu + ")V", false);
            }
            case MOV_FROM_CR -> {
                mv.visitVarInsn(ALOAD, L_CPU);
                e.iconst(i.reg[1]);
                mv.visitMethodInsn(INVOKESTATIC, CREGS, "movFromCr", "(" + cpu + "I)J", false);
                e.writeReg(i.reg[0], 8); // always 64-bit in 64-bit mode (SDM MOV CR: operand size forced)
            }
            case MOV_TO_CR -> {
                if (k != e.insns.length - 1 && i.reg[0] != 3) {
                    throw new IllegalStateException("only a MOV to CR3 may continue a superblock");
                }
                mv.visitVarInsn(ALOAD, L_CPU);
                e.iconst(i.reg[0]);
                mv.visitVarInsn(LLOAD, e.slot(i.reg[1]));
                mv.visitMethodInsn(INVOKESTATIC, CREGS, "movToCr", "(" + cpu + "IJ)V", false);
            }
            case SYSCALL, SYSRETQ -> {
                // they read and write cpu.r (RCX, R11) and RFLAGS: spill first, leave at the new RIP
                e.spill(e.dirtyRegs & e.cachedRegs);
                e.dirtyRegs = 0;
                mv.visitVarInsn(ALOAD, L_CPU);
                if (i.mnemonic == Mnemonic.SYSCALL) {
                    e.lconst(i.next());
                    mv.visitMethodInsn(INVOKESTATIC, FAST, "syscall", "(" + cpu + "J)V", false);
                } else {
                    e.iconst(1);
                    mv.visitMethodInsn(INVOKESTATIC, FAST, "sysret", "(" + cpu + "Z)V", false);
                }
                e.exit(() -> {
                    mv.visitVarInsn(ALOAD, L_CPU);
                    mv.visitFieldInsn(GETFIELD, CPU, "rip", "J");
                }, k + 1);
                return true;
            }
            default -> throw new IllegalStateException("not handled: " + i);
        }
        return false;
    }
}
