package dev.lstar.translator;

import static org.objectweb.asm.Opcodes.*;

import dev.lstar.decoder.Instruction;
import dev.lstar.decoder.Mnemonic;

/**
 * Bytecode for the system and bit-test instructions of the kernel entry path (SWAPGS, MOV to and
 * from control registers, BT/BTS/BTR/BTC, register XCHG, SYSCALL, SYSRETQ), so that these do not
 * go through the interpreter fallback ({@link JitRt#exec}, which spills and reloads every cached
 * register around a call into {@code Exec}'s big switch). Each one calls the same runtime helper
 * the interpreter's {@code Exec} calls ({@code FastSyscall}, {@code ControlRegs}, {@code Bits}),
 * with its operands taken from the block's register locals; the lockstep engine proves the two
 * agree.
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

    private static final String FAST = "dev/lstar/runtime/sys/FastSyscall", CREGS = "dev/lstar/runtime/sys/ControlRegs",
            BITS = "dev/lstar/runtime/ops/Bits";

    /** Whether this class emits {@code i} (the caller has already excluded LOCK and over-long forms). */
    static boolean handles(Instruction i) {
        return switch (i.mnemonic) {
            case SWAPGS, MOV_FROM_CR, MOV_TO_CR, SYSCALL, SYSRETQ -> true;
            case BT, BTS, BTR, BTC -> i.nOperands == 2;
            case XCHG -> i.kind[0] == Instruction.OP_REG && i.kind[1] == Instruction.OP_REG;
            default -> false;
        };
    }

    /**
     * Whether {@code i} (one this class handles) may raise an exception or reads the whole
     * RFLAGS (SYSCALL saves it in R11): the flags before it must all be computed. The control
     * register moves also count here because the opcode table lists their flags as undefined
     * while the helpers leave them alone; treating them as readers keeps every earlier flag exact.
     */
    static boolean opaque(Instruction i) {
        return switch (i.mnemonic) {
            case SWAPGS, MOV_FROM_CR, MOV_TO_CR, SYSCALL, SYSRETQ -> true;
            default -> false;
        };
    }

    /** Emits instruction {@code k}; returns true when it ended the block (SYSCALL, SYSRETQ). */
    static boolean emit(BlockCompiler.Gen g, int k, Instruction i) {
        var mv = g.mv;
        String cpu = "L" + BlockCompiler.CPU + ";";
        switch (i.mnemonic) {
            case SWAPGS -> {
                // SDM Vol. 2B SWAPGS: #UD outside 64-bit mode, #GP(0) at CPL > 0; GS.base <-> KERNEL_GS_BASE
                mv.visitVarInsn(ALOAD, Gen.L_CPU);
                mv.visitMethodInsn(INVOKESTATIC, FAST, "swapgs", "(" + cpu + ")V", false);
            }
            case MOV_FROM_CR -> {
                mv.visitVarInsn(ALOAD, Gen.L_CPU);
                g.iconst(i.reg[1]);
                mv.visitMethodInsn(INVOKESTATIC, CREGS, "movFromCr", "(" + cpu + "I)J", false);
                g.writeReg(i.reg[0], 8); // always 64-bit in 64-bit mode (SDM MOV CR: operand size forced)
            }
            case MOV_TO_CR -> {
                if (k != g.insns.length - 1 && i.reg[0] != 3) {
                    throw new IllegalStateException("only a MOV to CR3 may continue a superblock");
                }
                mv.visitVarInsn(ALOAD, Gen.L_CPU);
                g.iconst(i.reg[0]);
                mv.visitVarInsn(LLOAD, g.slot(i.reg[1]));
                mv.visitMethodInsn(INVOKESTATIC, CREGS, "movToCr", "(" + cpu + "IJ)V", false);
            }
            case BT, BTS, BTR, BTC -> bitTest(g, k, i);
            case XCHG -> {
                int size = i.opSize, a = g.temp(), b = g.temp();
                g.readReg(i.reg[0], size);
                mv.visitVarInsn(LSTORE, a);
                g.readReg(i.reg[1], size);
                mv.visitVarInsn(LSTORE, b);
                mv.visitVarInsn(LLOAD, b);
                g.writeReg(i.reg[0], size);
                mv.visitVarInsn(LLOAD, a);
                g.writeReg(i.reg[1], size);
            }
            case SYSCALL, SYSRETQ -> {
                // they read and write cpu.r (RCX, R11) and RFLAGS: spill first, leave at the new RIP
                g.spill(g.dirty & g.cached);
                g.dirty = 0;
                mv.visitVarInsn(ALOAD, Gen.L_CPU);
                if (i.mnemonic == Mnemonic.SYSCALL) {
                    g.lconst(i.next());
                    mv.visitMethodInsn(INVOKESTATIC, FAST, "syscall", "(" + cpu + "J)V", false);
                } else {
                    g.iconst(1);
                    mv.visitMethodInsn(INVOKESTATIC, FAST, "sysret", "(" + cpu + "Z)V", false);
                }
                g.exit(() -> {
                    mv.visitVarInsn(ALOAD, Gen.L_CPU);
                    mv.visitFieldInsn(GETFIELD, BlockCompiler.CPU, "rip", "J");
                }, k + 1);
                return true;
            }
            default -> throw new IllegalStateException("not handled: " + i);
        }
        return false;
    }

    /**
     * BT/BTS/BTR/BTC as {@code Exec.bitTest}: with a register offset and a memory operand the
     * offset addresses a bit string, the operand moving by (offset SAR log2(bits)) * size bytes
     * (SDM Vol. 2A BT, "bit base / bit offset"); otherwise the offset is taken modulo the width.
     * The store comes first and CF (the old bit) after it, so a faulting store changes no flag.
     */
    private static void bitTest(BlockCompiler.Gen g, int k, Instruction i) {
        var mv = g.mv;
        int size = i.opSize, bits = size * 8;
        boolean mem = i.kind[0] == Instruction.OP_MEM;
        boolean bitString = mem && i.kind[1] == Instruction.OP_REG;
        int off = g.temp(), v = g.temp(), la = -1;
        g.read(i, 1, -1);
        mv.visitVarInsn(LSTORE, off);
        if (bitString) {
            la = g.temp();
            int soff = g.temp();
            mv.visitVarInsn(LLOAD, off);
            g.sext(size);
            mv.visitVarInsn(LSTORE, soff);
            mv.visitVarInsn(ALOAD, Gen.L_CPU);
            g.linear(i);
            mv.visitVarInsn(LLOAD, soff);
            g.iconst(Integer.numberOfTrailingZeros(bits));
            mv.visitInsn(LSHR);
            g.iconst(Integer.numberOfTrailingZeros(size));
            mv.visitInsn(LSHL);
            mv.visitInsn(LADD);
            g.iconst(0);
            mv.visitMethodInsn(INVOKESTATIC, BlockCompiler.RT, "canon", "(L" + BlockCompiler.CPU + ";JZ)J", false);
            mv.visitVarInsn(LSTORE, la);
            mv.visitVarInsn(ALOAD, Gen.L_MMU);
            mv.visitVarInsn(LLOAD, la);
            g.memRead(size);
            mv.visitVarInsn(LSTORE, v);
            mv.visitVarInsn(LLOAD, soff);
            g.lconst(bits - 1);
            mv.visitInsn(LAND);
            mv.visitVarInsn(LSTORE, off);
        } else {
            if (mem) la = g.linearToTemp(i);
            g.read(i, 0, la);
            mv.visitVarInsn(LSTORE, v);
        }
        if (i.mnemonic != Mnemonic.BT) {
            int nv = g.temp();
            mv.visitVarInsn(LLOAD, v);
            g.lconst(1);
            mv.visitVarInsn(LLOAD, off);
            mv.visitInsn(L2I);
            g.iconst(bits - 1);
            mv.visitInsn(IAND);
            mv.visitInsn(LSHL);
            switch (i.mnemonic) {
                case BTS -> mv.visitInsn(LOR);
                case BTR -> { g.lconst(-1); mv.visitInsn(LXOR); mv.visitInsn(LAND); }
                default -> mv.visitInsn(LXOR);
            }
            g.mask(size);
            mv.visitVarInsn(LSTORE, nv);
            if (mem) {
                mv.visitVarInsn(ALOAD, Gen.L_MMU);
                mv.visitVarInsn(LLOAD, la);
                mv.visitVarInsn(LLOAD, nv);
                g.memWrite(size);
            } else {
                mv.visitVarInsn(LLOAD, nv);
                g.writeReg(i.reg[0], size);
            }
        }
        if (g.live(k, i)) {
            mv.visitVarInsn(ALOAD, Gen.L_CPU);
            mv.visitVarInsn(LLOAD, v);
            mv.visitVarInsn(LLOAD, off);
            g.iconst(size);
            mv.visitMethodInsn(INVOKESTATIC, BITS, "bt", "(L" + BlockCompiler.CPU + ";JJI)V", false);
            g.knownKind = Gen.K_NONE;
        }
    }

    /** Short name for the generator's constants. */
    private static final class Gen {
        static final int L_CPU = BlockCompiler.Gen.L_CPU, L_MMU = BlockCompiler.Gen.L_MMU,
                K_NONE = BlockCompiler.Gen.K_NONE;
    }
}
