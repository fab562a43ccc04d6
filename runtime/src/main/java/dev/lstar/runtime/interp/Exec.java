package dev.lstar.runtime.interp;

import static dev.lstar.runtime.interp.Operands.*;

import dev.lstar.decoder.Instruction;
import dev.lstar.decoder.Mnemonic;
import dev.lstar.decoder.OpcodeTable;
import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.CpuException;
import dev.lstar.runtime.Flags;
import dev.lstar.runtime.ops.Alu;
import dev.lstar.runtime.ops.Bits;
import dev.lstar.runtime.ops.MulDiv;
import dev.lstar.runtime.ops.Shifts;
import dev.lstar.runtime.sys.ControlRegs;
import dev.lstar.runtime.sys.Cpuid;
import dev.lstar.runtime.sys.FastSyscall;
import dev.lstar.runtime.sys.Interrupts;
import dev.lstar.runtime.sys.Iret;
import dev.lstar.runtime.sys.Msrs;
import dev.lstar.runtime.sys.Segments;
import dev.lstar.runtime.sys.SystemInsns;

/**
 * Executes one decoded instruction on a {@link Cpu}: the interpreter's semantic core, and the
 * fallback the JIT calls for instructions it does not translate itself.
 *
 * <p>Contract: {@code cpu.rip} is not read; the caller knows the instruction's address. A branch
 * (or any instruction that transfers control) returns the new RIP; every other instruction returns
 * {@link #FALLTHROUGH}. Faults are thrown as {@link CpuException} before any architectural state
 * changes (register writes happen after the last memory access that can fault), except for the
 * lazy flags record, which the caller saves and restores around memory-destination instructions,
 * and REP string instructions, which make architecturally visible progress per iteration.
 */
public final class Exec {
    private Exec() {}

    /** Returned when execution continues with the next instruction. */
    public static final long FALLTHROUGH = 0x8000_0000_0000_0001L; // non-canonical: never a real target

    public static long execute(Cpu c, Instruction i) {
        int size = i.opSize;
        switch (i.mnemonic) {
            // ---------------- data movement ----------------
            case MOV -> write(c, i, 0, read(c, i, 1));
            case MOVZX -> write(c, i, 0, read(c, i, 1));
            case MOVSX, MOVSXD -> write(c, i, 0, mask(sext(read(c, i, 1), i.size[1]), size));
            case LEA -> writeReg(c, i.reg[0], size, effectiveAddress(c, i));
            case XCHG -> {
                long a = read(c, i, 0), b = read(c, i, 1);
                if (i.kind[0] == Instruction.OP_MEM) { write(c, i, 0, b); write(c, i, 1, a); }
                else { write(c, i, 1, a); write(c, i, 0, b); }
            }
            case BSWAP -> writeReg(c, i.reg[0], size, Bits.bswap(c.r[i.reg[0]], size));
            case CMPXCHG -> {
                long dst = read(c, i, 0);
                long acc = readReg(c, Cpu.RAX, size);
                Alu.cmp(c, acc, dst, size);
                if (acc == dst) {
                    write(c, i, 0, read(c, i, 1));
                } else {
                    // the destination is written back with its own value (SDM CMPXCHG: locked RMW)
                    if (i.kind[0] == Instruction.OP_MEM) write(c, i, 0, dst);
                    writeReg(c, Cpu.RAX, size, dst);
                }
            }
            case XADD -> {
                long dst = read(c, i, 0), src = read(c, i, 1);
                long sum = Alu.add(c, dst, src, size);
                if (i.kind[0] == Instruction.OP_MEM) { write(c, i, 0, sum); write(c, i, 1, dst); }
                else { write(c, i, 1, dst); write(c, i, 0, sum); }
            }
            case CMPXCHG16B -> cmpxchg16b(c, i);
            case CMPXCHG8B -> cmpxchg8b(c, i);
            case PUSH -> push(c, i.kind[0] == Instruction.OP_SREG ? c.segSel[i.reg[0]] : read(c, i, 0), size);
            case POP -> {
                long v = peek(c, size);
                long rsp = c.r[Cpu.RSP];
                if (i.kind[0] == Instruction.OP_SREG) {
                    Segments.loadSegment(c, i.reg[0], (int) v);
                    c.r[Cpu.RSP] = rsp + size;
                } else if (i.kind[0] == Instruction.OP_MEM) {
                    // the address is computed with RSP already incremented (SDM POP)
                    c.r[Cpu.RSP] = rsp + size;
                    try {
                        write(c, i, 0, v);
                    } catch (CpuException e) {
                        c.r[Cpu.RSP] = rsp;
                        throw e;
                    }
                } else {
                    c.r[Cpu.RSP] = rsp + size;
                    writeReg(c, i.reg[0], size, v);
                }
            }
            case PUSHFQ -> push(c, SystemInsns.pushfImage(c), size);
            case POPFQ -> {
                long v = peek(c, size);
                c.r[Cpu.RSP] += size;
                SystemInsns.popf(c, v, size);
            }
            case LEAVE -> {
                long rbp = c.r[Cpu.RBP];
                if (!c.canonical(rbp)) throw CpuException.ss(0, "leave: non-canonical rbp");
                long v = readMem(c, rbp, size);
                c.r[Cpu.RSP] = rbp + size;
                writeReg(c, Cpu.RBP, size, v);
            }
            case ENTER -> enter(c, i);
            case CBW -> writeReg(c, Cpu.RAX, 2, (byte) c.r[Cpu.RAX]);
            case CWDE -> writeReg(c, Cpu.RAX, 4, (short) c.r[Cpu.RAX]);
            case CDQE -> c.r[Cpu.RAX] = (int) c.r[Cpu.RAX];
            case CWD -> writeReg(c, Cpu.RDX, 2, ((short) c.r[Cpu.RAX]) >> 15);
            case CDQ -> writeReg(c, Cpu.RDX, 4, ((int) c.r[Cpu.RAX]) >> 31);
            case CQO -> c.r[Cpu.RDX] = c.r[Cpu.RAX] >> 63;

            // ---------------- arithmetic and logic ----------------
            case ADD -> write(c, i, 0, Alu.add(c, read(c, i, 0), read(c, i, 1), size));
            case OR -> write(c, i, 0, Alu.or(c, read(c, i, 0), read(c, i, 1), size));
            case ADC -> write(c, i, 0, Alu.adc(c, read(c, i, 0), read(c, i, 1), size));
            case SBB -> write(c, i, 0, Alu.sbb(c, read(c, i, 0), read(c, i, 1), size));
            case AND -> write(c, i, 0, Alu.and(c, read(c, i, 0), read(c, i, 1), size));
            case SUB -> write(c, i, 0, Alu.sub(c, read(c, i, 0), read(c, i, 1), size));
            case XOR -> write(c, i, 0, Alu.xor(c, read(c, i, 0), read(c, i, 1), size));
            case CMP -> Alu.cmp(c, read(c, i, 0), read(c, i, 1), size);
            case TEST -> Alu.test(c, read(c, i, 0), read(c, i, 1), size);
            case INC -> write(c, i, 0, Alu.inc(c, read(c, i, 0), size));
            case DEC -> write(c, i, 0, Alu.dec(c, read(c, i, 0), size));
            case NEG -> write(c, i, 0, Alu.neg(c, read(c, i, 0), size));
            case NOT -> write(c, i, 0, Alu.not(read(c, i, 0), size));
            case MUL -> {
                long src = read(c, i, 0);
                switch (size) { case 1 -> MulDiv.mul8(c, src); case 2 -> MulDiv.mul16(c, src); case 4 -> MulDiv.mul32(c, src); default -> MulDiv.mul64(c, src); }
            }
            case IMUL -> {
                if (i.nOperands == 1) {
                    long src = read(c, i, 0);
                    switch (size) { case 1 -> MulDiv.imul8(c, src); case 2 -> MulDiv.imul16(c, src); case 4 -> MulDiv.imul32(c, src); default -> MulDiv.imul64(c, src); }
                }
                else if (i.nOperands == 2) write(c, i, 0, MulDiv.imul(c, read(c, i, 0), read(c, i, 1), size));
                else write(c, i, 0, MulDiv.imul(c, read(c, i, 1), read(c, i, 2), size));
            }
            case ADCX, ADOX -> {
                // SDM ADCX/ADOX: dst = dst + src + carry, the carry in and out being CF (ADCX) or OF (ADOX)
                long flag = i.mnemonic == Mnemonic.ADCX ? Flags.CF : Flags.OF;
                long fl = c.getRflags();
                long a = read(c, i, 0), b = read(c, i, 1), cin = (fl & flag) != 0 ? 1 : 0;
                long sum = a + b + cin;
                boolean cout = size == 8 ? Long.compareUnsigned(sum, a) < 0 || (cin == 1 && sum == a) : (sum >>> 32) != 0;
                writeReg(c, i.reg[0], size, sum);
                c.setRflags(cout ? fl | flag : fl & ~flag);
            }
            case DIV -> {
                long src = read(c, i, 0);
                switch (size) { case 1 -> MulDiv.div8(c, src); case 2 -> MulDiv.div16(c, src); case 4 -> MulDiv.div32(c, src); default -> MulDiv.div64(c, src); }
            }
            case IDIV -> {
                long src = read(c, i, 0);
                switch (size) { case 1 -> MulDiv.idiv8(c, src); case 2 -> MulDiv.idiv16(c, src); case 4 -> MulDiv.idiv32(c, src); default -> MulDiv.idiv64(c, src); }
            }

            // ---------------- shifts and rotates ----------------
            case ROL -> write(c, i, 0, Shifts.rol(c, read(c, i, 0), (int) read(c, i, 1), size));
            case ROR -> write(c, i, 0, Shifts.ror(c, read(c, i, 0), (int) read(c, i, 1), size));
            case RCL -> write(c, i, 0, Shifts.rcl(c, read(c, i, 0), (int) read(c, i, 1), size));
            case RCR -> write(c, i, 0, Shifts.rcr(c, read(c, i, 0), (int) read(c, i, 1), size));
            case SHL -> write(c, i, 0, Shifts.shl(c, read(c, i, 0), (int) read(c, i, 1), size));
            case SHR -> write(c, i, 0, Shifts.shr(c, read(c, i, 0), (int) read(c, i, 1), size));
            case SAR -> write(c, i, 0, Shifts.sar(c, read(c, i, 0), (int) read(c, i, 1), size));
            case SHLD -> write(c, i, 0, Shifts.shld(c, read(c, i, 0), read(c, i, 1), (int) read(c, i, 2), size));
            case SHRD -> write(c, i, 0, Shifts.shrd(c, read(c, i, 0), read(c, i, 1), (int) read(c, i, 2), size));

            // ---------------- bits ----------------
            case BT, BTS, BTR, BTC -> bitTest(c, i);
            case BSF -> { long r = Bits.bsf(c, read(c, i, 1), size); if (r >= 0) writeReg(c, i.reg[0], size, r); }
            case BSR -> { long r = Bits.bsr(c, read(c, i, 1), size); if (r >= 0) writeReg(c, i.reg[0], size, r); }
            case LZCNT -> writeReg(c, i.reg[0], size, Bits.lzcnt(c, read(c, i, 1), size));
            case TZCNT -> writeReg(c, i.reg[0], size, Bits.tzcnt(c, read(c, i, 1), size));
            case POPCNT -> writeReg(c, i.reg[0], size, Bits.popcnt(c, read(c, i, 1), size));

            // ---------------- condition codes ----------------
            case SETCC -> write(c, i, 0, c.cond(i.cond) ? 1 : 0);
            case CMOVCC -> {
                long v = read(c, i, 1); // the source is read (and may fault) whatever the condition (SDM CMOVcc)
                if (c.cond(i.cond)) writeReg(c, i.reg[0], size, v);
                else if (size == 4) writeReg(c, i.reg[0], 4, readReg(c, i.reg[0], 4)); // 32-bit form zero-extends even when false
            }
            case JCC -> { return c.cond(i.cond) ? i.target : FALLTHROUGH; }
            case JRCXZ -> { return readReg(c, Cpu.RCX, i.addrSize) == 0 ? i.target : FALLTHROUGH; }
            case LOOP, LOOPE, LOOPNE -> {
                long cx = readReg(c, Cpu.RCX, i.addrSize) - 1;
                writeReg(c, Cpu.RCX, i.addrSize, cx);
                boolean go = mask(cx, i.addrSize) != 0;
                if (i.mnemonic == Mnemonic.LOOPE) go &= (c.getRflags() & Flags.ZF) != 0;
                if (i.mnemonic == Mnemonic.LOOPNE) go &= (c.getRflags() & Flags.ZF) == 0;
                return go ? i.target : FALLTHROUGH;
            }

            // ---------------- control flow ----------------
            case JMP -> {
                long t = i.kind[0] == Instruction.OP_REL ? i.target : read(c, i, 0);
                return branchTarget(c, t);
            }
            case CALL -> {
                long t = i.kind[0] == Instruction.OP_REL ? i.target : read(c, i, 0);
                t = branchTarget(c, t);
                push(c, i.next(), size);
                return t;
            }
            case RET -> {
                long t = peek(c, size);
                t = branchTarget(c, t);
                c.r[Cpu.RSP] += size + (i.nOperands > 0 ? (i.imm & 0xFFFF) : 0);
                return t;
            }
            case IRETQ -> { Iret.iret(c, 8); return c.rip; }
            case INT -> { Interrupts.intN(c, (int) (i.imm & 0xFF), i.address, i.next()); return c.rip; }
            case INT3 -> { Interrupts.int3(c, i.address, i.next()); return c.rip; }
            case INTO -> throw CpuException.ud("into is invalid in 64-bit mode");
            case UD2 -> throw CpuException.ud("ud2");
            case HLT -> { SystemInsns.hlt(c); return i.next(); }
            case SYSCALL -> { FastSyscall.syscall(c, i.next()); return c.rip; }
            case SYSRETQ -> { FastSyscall.sysret(c, true); return c.rip; }
            case SYSRET32 -> { FastSyscall.sysret(c, false); return c.rip; }

            // ---------------- flags ----------------
            case CLC -> c.setRflags(c.getRflags() & ~Flags.CF);
            case STC -> c.setRflags(c.getRflags() | Flags.CF);
            case CMC -> c.setRflags(c.getRflags() ^ Flags.CF);
            case CLD -> c.setRflags(c.getRflags() & ~Flags.DF);
            case STD -> c.setRflags(c.getRflags() | Flags.DF);
            case CLI -> SystemInsns.cli(c);
            case STI -> SystemInsns.sti(c);
            case LAHF -> writeReg(c, Instruction.REG_AH, 1, (c.getRflags() & 0xD5) | 2);
            case SAHF -> c.setRflags((c.getRflags() & ~0xD5L) | ((c.r[Cpu.RAX] >>> 8) & 0xD5));

            // ---------------- strings ----------------
            case MOVS, CMPS, STOS, LODS, SCAS -> { return StringOps.execute(c, i); }

            // ---------------- misc ----------------
            case NOP, ENDBR64, PAUSE, LFENCE, MFENCE, SFENCE, PREFETCH -> { }
            case CLFLUSH -> linear(c, i); // checks the address like a byte load would
            case IN, OUT -> {
                // lstar models no I/O devices: a permitted IN reads all ones (an unclaimed port on a
                // PC bus), a permitted OUT is discarded; the permission check is exact
                boolean in = i.mnemonic == Mnemonic.IN;
                int width = in ? i.size[0] : i.size[1];
                int port = (int) (in ? read(c, i, 1) : read(c, i, 0)) & 0xFFFF;
                SystemInsns.ioPermission(c, port, width);
                if (in) writeReg(c, Cpu.RAX, width, -1L);
            }
            case CPUID -> Cpuid.cpuid(c);
            case RDTSC -> SystemInsns.rdtsc(c);
            case RDTSCP -> SystemInsns.rdtscp(c);
            case RDPID -> writeReg(c, i.reg[0], 8, SystemInsns.rdpid(c));
            case XLAT -> {
                long la = mask(c.r[Cpu.RBX] + (c.r[Cpu.RAX] & 0xFF), i.addrSize);
                if (i.segment == Instruction.SEG_FS || i.segment == Instruction.SEG_GS) la += c.segBase[i.segment];
                if (!c.canonical(la)) throw CpuException.gp0("xlat: non-canonical address");
                writeReg(c, Cpu.RAX, 1, readMem(c, la, 1));
            }

            // ---------------- system ----------------
            case SWAPGS -> FastSyscall.swapgs(c);
            case RDMSR -> {
                long v = Msrs.rdmsr(c, (int) c.r[Cpu.RCX]);
                c.r[Cpu.RAX] = v & 0xFFFF_FFFFL;
                c.r[Cpu.RDX] = v >>> 32;
            }
            case WRMSR -> Msrs.wrmsr(c, (int) c.r[Cpu.RCX], (c.r[Cpu.RDX] << 32) | (c.r[Cpu.RAX] & 0xFFFF_FFFFL));
            case MOV_FROM_CR -> writeReg(c, i.reg[0], 8, ControlRegs.movFromCr(c, i.reg[1]));
            case MOV_TO_CR -> ControlRegs.movToCr(c, i.reg[0], c.r[i.reg[1]]);
            case INVLPG -> SystemInsns.invlpg(c, linearNoCheck(c, i));
            case INVPCID -> SystemInsns.invpcid(c, c.r[i.reg[0]], linear(c, i));
            case LGDT -> Segments.lgdt(c, linear(c, i));
            case LIDT -> Segments.lidt(c, linear(c, i));
            case SGDT -> Segments.sgdt(c, linear(c, i));
            case SIDT -> Segments.sidt(c, linear(c, i));
            case LTR -> Segments.ltr(c, (int) read(c, i, 0));
            case LLDT -> Segments.lldt(c, (int) read(c, i, 0));
            case STR -> write(c, i, 0, Segments.str(c));
            case SLDT -> write(c, i, 0, Segments.sldt(c));
            case MOV_TO_SREG -> Segments.loadSegment(c, i.reg[0], (int) read(c, i, 1));
            case MOV_FROM_SREG -> write(c, i, 0, c.segSel[i.reg[1]]);
            case CLTS -> ControlRegs.clts(c);
            case WBINVD, INVD -> requireCpl0(c, i);
            case RDFSBASE, RDGSBASE -> writeReg(c, i.reg[0], size, i.mnemonic == Mnemonic.RDFSBASE ? SystemInsns.rdfsbase(c) : SystemInsns.rdgsbase(c));
            case WRFSBASE -> SystemInsns.wrfsbase(c, read(c, i, 0));
            case WRGSBASE -> SystemInsns.wrgsbase(c, read(c, i, 0));
            case VERW -> verw(c, (int) read(c, i, 0));
            case INVALID, UD0, UD1 -> {
                if ((i.attributes & OpcodeTable.A_TOO_LONG) != 0) throw CpuException.gp0("instruction longer than 15 bytes");
                throw CpuException.ud("invalid or unsupported instruction");
            }
            default -> throw CpuException.ud("lstar does not implement " + i.mnemonic.name().toLowerCase());
        }
        return FALLTHROUGH;
    }

    /** A near branch target must be canonical: #GP(0) at the branch, not at the target (SDM Vol. 1 §6.3.7). */
    private static long branchTarget(Cpu c, long t) {
        if (!c.canonical(t)) throw CpuException.gp0("branch to non-canonical address 0x" + Long.toHexString(t));
        return t;
    }

    private static void requireCpl0(Cpu c, Instruction i) {
        if (c.cpl != 0) throw CpuException.gp0(i.mnemonic.name().toLowerCase() + " at CPL " + c.cpl);
    }

    /** INVLPG takes the linear address without a canonical check (a non-canonical address is a no-op per SDM). */
    private static long linearNoCheck(Cpu c, Instruction i) {
        long la = effectiveAddress(c, i);
        if (i.segment == Instruction.SEG_FS || i.segment == Instruction.SEG_GS) la += c.segBase[i.segment];
        return la;
    }

    /**
     * BT/BTS/BTR/BTC. With a register bit offset and a memory operand the offset addresses a bit
     * string: the operand address moves by (offset >> log2(bits)) * size, signed (SDM BT).
     */
    private static void bitTest(Cpu c, Instruction i) {
        int size = i.opSize;
        int bits = size * 8;
        long off = read(c, i, 1);
        long la = 0;
        long v;
        boolean bitString = i.kind[0] == Instruction.OP_MEM && i.kind[1] == Instruction.OP_REG;
        if (bitString) {
            long soff = sext(off, size);
            la = linear(c, i) + (soff >> Integer.numberOfTrailingZeros(bits)) * size;
            if (!c.canonical(la)) throw CpuException.gp0("bt: non-canonical bit-string address");
            v = readMem(c, la, size);
            off = soff & (bits - 1);
        } else {
            v = read(c, i, 0);
        }
        long nv;
        switch (i.mnemonic) {
            case BT -> { Bits.bt(c, v, off, size); return; }
            case BTS -> nv = Bits.bts(c, v, off, size);
            case BTR -> nv = Bits.btr(c, v, off, size);
            default -> nv = Bits.btc(c, v, off, size);
        }
        if (bitString) writeMem(c, la, size, nv);
        else write(c, i, 0, nv);
    }

    private static void enter(Cpu c, Instruction i) {
        int alloc = (int) (i.imm & 0xFFFF);
        int level = (int) (i.imm2 & 0x1F);
        int size = i.opSize;
        long rsp = c.r[Cpu.RSP];
        long rbp = c.r[Cpu.RBP];
        long frame = rsp - size;
        // write everything first (faults leave registers untouched), then commit
        writeMem(c, frame, size, rbp);
        long sp = frame;
        for (int l = 1; l < level; l++) {
            long v = readMem(c, rbp - (long) l * size, size);
            sp -= size;
            writeMem(c, sp, size, v);
        }
        if (level > 0) {
            sp -= size;
            writeMem(c, sp, size, frame);
        }
        writeReg(c, Cpu.RBP, size, frame);
        c.r[Cpu.RSP] = sp - alloc;
    }

    /**
     * VERW: ZF = 1 when the selector names a writable data segment accessible at max(CPL, RPL),
     * else 0; never faults on the selector (SDM Vol. 2B VERR/VERW). (Linux executes it for its
     * side effect of clearing CPU buffers, which has nothing to model here.)
     */
    private static void verw(Cpu c, int sel) {
        boolean ok = false;
        if (!Segments.isNull(sel)) {
            try {
                int attr = Segments.attrOf(Segments.readDescriptor(c, sel));
                ok = Segments.isWritableData(attr) && Segments.dplOf(attr) >= Math.max(c.cpl, sel & 3);
            } catch (CpuException e) {
                ok = false; // outside the table: ZF = 0, no fault
            }
        }
        long f = c.getRflags();
        c.setRflags(ok ? f | Flags.ZF : f & ~Flags.ZF);
    }

    private static void cmpxchg8b(Cpu c, Instruction i) {
        long la = linear(c, i);
        long m = c.mmu.read64(la);
        long cmp = (c.r[Cpu.RDX] << 32) | (c.r[Cpu.RAX] & 0xFFFF_FFFFL);
        long fl = c.getRflags();
        if (m == cmp) {
            c.mmu.write64(la, (c.r[Cpu.RCX] << 32) | (c.r[Cpu.RBX] & 0xFFFF_FFFFL));
            c.setRflags(fl | Flags.ZF);
        } else {
            c.mmu.write64(la, m);
            c.setRflags(fl & ~Flags.ZF);
            c.r[Cpu.RAX] = m & 0xFFFF_FFFFL;
            c.r[Cpu.RDX] = m >>> 32;
        }
    }

    private static void cmpxchg16b(Cpu c, Instruction i) {
        long la = linear(c, i);
        if ((la & 15) != 0) throw CpuException.gp0("cmpxchg16b: unaligned operand");
        long lo = c.mmu.read64(la), hi = c.mmu.read64(la + 8);
        long fl = c.getRflags();
        if (lo == c.r[Cpu.RAX] && hi == c.r[Cpu.RDX]) {
            c.mmu.write64(la, c.r[Cpu.RBX]);
            c.mmu.write64(la + 8, c.r[Cpu.RCX]);
            c.setRflags(fl | Flags.ZF);
        } else {
            c.mmu.write64(la, lo);
            c.mmu.write64(la + 8, hi);
            c.setRflags(fl & ~Flags.ZF);
            c.r[Cpu.RAX] = lo;
            c.r[Cpu.RDX] = hi;
        }
    }
}
