package dev.lstar.api;

import static dev.lstar.decoder.OpcodeTable.IM_DST_R;
import static dev.lstar.decoder.OpcodeTable.IM_DST_W;
import static dev.lstar.decoder.OpcodeTable.IM_SRC_R;
import static dev.lstar.decoder.OpcodeTable.IM_STACK_R;
import static dev.lstar.decoder.OpcodeTable.IM_STACK_W;
import static dev.lstar.decoder.OpcodeTable.IM_TABLE_R;

import dev.lstar.decoder.Access;
import dev.lstar.decoder.Instruction;
import dev.lstar.decoder.Mnemonic;
import dev.lstar.decoder.OpcodeTable;
import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.CpuException;
import dev.lstar.runtime.Flags;
import dev.lstar.runtime.interp.Operands;

/**
 * Predicts the data memory an instruction is about to access, for memory hooks: which accesses
 * it makes comes from the opcode table ({@link Access}: the explicit memory operand's access and
 * the implicit stack / string / XLAT accesses); this class adds only where they are, computed from
 * the registers before the instruction runs, as the instruction will compute them.
 *
 * <p>Stack accesses: a push-like instruction writes {@code opSize} bytes below RSP (ENTER: every
 * slot it pushes, and reads the frame pointers it copies); a pop-like one reads {@code opSize} bytes
 * at RSP (LEAVE: at RBP; IRETQ: the five-slot frame). String instructions report one access per
 * operand covering all REP iterations (none when RCX is 0). Address-only operands (LEA, INVLPG,
 * CLFLUSH, PREFETCH) and NOP/UD forms access nothing. BT* with a register bit offset is reported at
 * the operand's address and size, not at the byte the offset selects.
 */
public final class AccessModel {
    private AccessModel() {}

    /** Receives the predicted accesses, reads first, in the order the instruction makes them. */
    public interface Sink {
        void read(long la, int size);

        void write(long la, int size);
    }

    /** Whether {@code i} reads or writes data memory. */
    static boolean accessesMemory(Instruction i) {
        return Access.accessesMemory(i);
    }

    /** Whether any of {@code insns} reads or writes data memory. */
    public static boolean anyMemoryAccess(Instruction[] insns) {
        for (Instruction i : insns) if (Access.accessesMemory(i)) return true;
        return false;
    }

    /** Reports the data accesses {@code i} is about to make, with the addresses it will use. */
    public static void predict(Cpu cpu, Instruction i, Sink sink) {
        if (!Access.accessesMemory(i)) return;
        int m = Access.memoryOperand(i);
        if (m >= 0 && i.size[m] > 0) {
            int acc = Access.operandAccess(i, m);
            if (acc == OpcodeTable.ACC_R || acc == OpcodeTable.ACC_W || acc == OpcodeTable.ACC_RW) {
                long la;
                try {
                    la = Operands.linear(cpu, i);
                } catch (CpuException e) {
                    la = 1L << 62; // non-canonical: the instruction faults, nothing to report
                }
                // POP m computes the address with RSP already incremented (SDM POP)
                if (i.mnemonic == Mnemonic.POP && i.base == Cpu.RSP) la += i.opSize;
                int size = i.size[m];
                if ((acc & OpcodeTable.ACC_R) != 0) sink.read(la, size);
                if ((acc & OpcodeTable.ACC_W) != 0) sink.write(la, size);
            }
        }
        int im = Access.implicitMemory(i);
        if (im == 0) return;
        if ((im & (IM_STACK_R | IM_STACK_W)) != 0) stack(cpu, i, im, sink);
        if ((im & IM_TABLE_R) != 0) sink.read(cpu.r[Cpu.RBX] + (cpu.r[Cpu.RAX] & 0xFF), 1);
        if (i.mnemonic == Mnemonic.MASKMOVQ) {
            maskmovq(cpu, i, sink);
            return;
        }
        if ((im & (IM_SRC_R | IM_DST_R | IM_DST_W)) != 0) strings(cpu, i, im, sink);
    }

    /** MASKMOVQ: the span from the first to the last byte its mask selects, at DS:[rDI] (FS/GS overrides apply). */
    private static void maskmovq(Cpu cpu, Instruction i, Sink sink) {
        long mask = cpu.fpm[i.reg[1]];
        int first = -1, last = -1;
        for (int k = 0; k < 8; k++) {
            if ((mask >>> (8 * k + 7) & 1) == 0) continue;
            if (first < 0) first = k;
            last = k;
        }
        if (first < 0) return;
        long dst = Operands.mask(cpu.r[Cpu.RDI], i.addrSize);
        if (i.segment == Instruction.SEG_FS || i.segment == Instruction.SEG_GS) dst += cpu.segBase[i.segment];
        sink.write(dst + first, last - first + 1);
    }

    private static void stack(Cpu cpu, Instruction i, int im, Sink sink) {
        long rsp = cpu.r[Cpu.RSP];
        int size = i.opSize;
        switch (i.mnemonic) {
            case ENTER -> { // SDM ENTER: push RBP, copy level-1 frame pointers from the old frame, push the new one
                int level = (int) (i.imm2 & 0x1F);
                if (level > 1) sink.read(cpu.r[Cpu.RBP] - (long) (level - 1) * size, (level - 1) * size);
                int slots = level == 0 ? 1 : level + 1;
                sink.write(rsp - (long) slots * size, slots * size);
            }
            case LEAVE -> sink.read(cpu.r[Cpu.RBP], size);
            case IRETQ -> sink.read(rsp, 5 * size); // RIP, CS, RFLAGS, RSP, SS
            default -> {
                if ((im & IM_STACK_R) != 0) sink.read(rsp, size);
                if ((im & IM_STACK_W) != 0) sink.write(rsp - size, size);
            }
        }
    }

    private static void strings(Cpu cpu, Instruction i, int im, Sink sink) {
        int e = i.opSize;
        long count = 1;
        if ((i.prefixes & (Instruction.P_REP | Instruction.P_REPNE)) != 0) {
            count = Operands.mask(cpu.r[Cpu.RCX], i.addrSize);
            if (count == 0) return;
        }
        long total = count * e;
        if (total > Integer.MAX_VALUE) total = Integer.MAX_VALUE;
        boolean down = (cpu.getRflags() & Flags.DF) != 0;
        long rsi = Operands.mask(cpu.r[Cpu.RSI], i.addrSize), rdi = Operands.mask(cpu.r[Cpu.RDI], i.addrSize);
        if (i.segment == Instruction.SEG_FS || i.segment == Instruction.SEG_GS) rsi += cpu.segBase[i.segment];
        long src = down ? rsi - (count - 1) * e : rsi, dst = down ? rdi - (count - 1) * e : rdi;
        int n = (int) total;
        if ((im & IM_SRC_R) != 0) sink.read(src, n);
        if ((im & IM_DST_R) != 0) sink.read(dst, n);
        if ((im & IM_DST_W) != 0) sink.write(dst, n);
    }
}
