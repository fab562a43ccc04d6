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
import dev.lstar.runtime.ops.Branches;
import dev.lstar.runtime.ops.Exchange;
import dev.lstar.runtime.ops.Ext;
import dev.lstar.runtime.ops.Mmx;
import dev.lstar.runtime.ops.Moves;
import dev.lstar.runtime.ops.MulDiv;
import dev.lstar.runtime.ops.Shifts;
import dev.lstar.runtime.ops.Sse;
import dev.lstar.runtime.ops.Sse42;
import dev.lstar.runtime.ops.SseExt;
import dev.lstar.runtime.ops.SseFloat;
import dev.lstar.runtime.ops.SseInt;
import dev.lstar.runtime.ops.Ssse3;
import dev.lstar.runtime.ops.Stack;
import dev.lstar.runtime.ops.StringOps;
import dev.lstar.runtime.ops.X87;
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
 * changes: register writes happen after the last memory access that can fault, and a
 * read-modify-write instruction reads its memory destination with write intent
 * ({@link Operands#readForWrite}), so its store cannot fault once its flags are recorded — no
 * caller saves or restores flags around an instruction. REP string instructions make
 * architecturally visible progress per iteration, as on hardware.
 */
public final class Exec {
    private Exec() {}

    /** Returned when execution continues with the next instruction. */
    public static final long FALLTHROUGH = 0x8000_0000_0000_0001L; // non-canonical: never a real target

    /**
     * Returned by a REP string instruction that stopped between iterations to let the engine check
     * for stop requests: it has not completed, so it is not retired (not counted); execution
     * resumes at the same instruction with RCX/RSI/RDI as the iterations done left them.
     */
    public static final long REPEAT = 0x8000_0000_0000_0002L; // non-canonical: never a real target

    /**
     * The classes {@link #execute} refers to (its constant pool's, outside java.*; ExecPreloadTest
     * keeps the list complete), loaded and initialised by {@link #preload}.
     */
    static final Class<?>[] REFERENCED = {
        Instruction.class, Mnemonic.class, OpcodeTable.class, Cpu.class, CpuException.class, Flags.class,
        Operands.class, Alu.class, dev.lstar.runtime.ops.Atomics.class, Bits.class, Branches.class, Exchange.class,
        Ext.class, Mmx.class, Moves.class, MulDiv.class, Shifts.class, Sse.class, Sse42.class, SseExt.class,
        SseFloat.class, SseInt.class, Ssse3.class, Stack.class, StringOps.class, X87.class, ControlRegs.class,
        Cpuid.class, FastSyscall.class, Interrupts.class, Iret.class, Msrs.class, Segments.class, SystemInsns.class,
    };

    /**
     * Loads and initialises every class {@link #execute} refers to, ahead of their first use (the
     * CLI calls it on its start-up thread). Why: HotSpot's C2 compiles {@code execute} (6,484
     * bytecodes, 70-280 ms of the one C2 thread on these 2-CPU machines) within the first half
     * second, and a call into a class not loaded yet becomes an "unloaded" trap; the first SSE
     * floating-point instruction the interpreter meets later deoptimises the compiled method and
     * C2 compiles it again, ~200 ms during which the compile of the program's hot loop waits in
     * the queue (spectral-norm: times_transposed's region reached C2 at 1.28 s instead of ~1.08 s).
     */
    public static void preload() {
        for (Class<?> k : REFERENCED) {
            try {
                Class.forName(k.getName(), true, k.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new AssertionError(e); // it is referenced above
            }
        }
    }

    public static long execute(Cpu c, Instruction i) {
        int size = i.opSize;
        if ((i.attributes & (OpcodeTable.A_SSE | OpcodeTable.A_MMX | OpcodeTable.A_BAD_LOCK)) != 0) {
            // LOCK on a form that is not lockable, or whose destination is not memory: #UD (SDM LOCK)
            if ((i.attributes & OpcodeTable.A_BAD_LOCK) != 0) throw CpuException.ud("lock prefix not allowed here");
            if ((i.attributes & OpcodeTable.A_SSE) != 0) Sse.available(c); // CR0.EM/TS, CR4.OSFXSR
            if ((i.attributes & OpcodeTable.A_MMX) != 0) Mmx.available(c); // CR0.EM/TS, a pending x87 exception
        }
        // several CPUs: a locked read-modify-write is a compare-and-set loop (ops.Atomics)
        if ((i.prefixes & Instruction.P_LOCK) != 0 && c.smp && !c.inAtomic) return dev.lstar.runtime.ops.Atomics.execute(c, i);
        switch (i.mnemonic) {
            // ---------------- data movement (ops.Moves, ops.Exchange, ops.Stack, ops.Ext)
            case MOV, MOVZX -> Moves.mov(c, i);
            case MOVSX, MOVSXD -> Moves.movsx(c, i);
            case MOVBE -> Moves.movbe(c, i);
            case LEA -> Moves.lea(c, i);
            case XCHG -> Exchange.xchg(c, i);
            case BSWAP -> Moves.bswap(c, i);
            case CMPXCHG -> Exchange.cmpxchg(c, i);
            case XADD -> Exchange.xadd(c, i);
            case CMPXCHG16B -> Exchange.cmpxchg16b(c, i);
            case CMPXCHG8B -> Exchange.cmpxchg8b(c, i);
            case PUSH -> Stack.push(c, i);
            case POP -> Stack.pop(c, i);
            case PUSHFQ -> Stack.pushf(c, i);
            case POPFQ -> Stack.popf(c, i);
            case LEAVE -> Stack.leave(c, i);
            case ENTER -> Stack.enter(c, i);
            case CBW -> Ext.cbw(c);
            case CWDE -> Ext.cwde(c);
            case CDQE -> Ext.cdqe(c);
            case CWD -> Ext.cwd(c);
            case CDQ -> Ext.cdq(c);
            case CQO -> Ext.cqo(c);
            case XLAT -> Moves.xlat(c, i);

            // ---------------- arithmetic and logic (ops.Alu, ops.MulDiv); read-modify-write
            // destinations are read with write intent, so the store cannot fault after the flags
            case ADD -> write(c, i, 0, Alu.add(c, readForWrite(c, i, 0), read(c, i, 1), size));
            case OR -> write(c, i, 0, Alu.or(c, readForWrite(c, i, 0), read(c, i, 1), size));
            case ADC -> write(c, i, 0, Alu.adc(c, readForWrite(c, i, 0), read(c, i, 1), size));
            case SBB -> write(c, i, 0, Alu.sbb(c, readForWrite(c, i, 0), read(c, i, 1), size));
            case AND -> write(c, i, 0, Alu.and(c, readForWrite(c, i, 0), read(c, i, 1), size));
            case SUB -> write(c, i, 0, Alu.sub(c, readForWrite(c, i, 0), read(c, i, 1), size));
            case XOR -> write(c, i, 0, Alu.xor(c, readForWrite(c, i, 0), read(c, i, 1), size));
            case CMP -> Alu.cmp(c, read(c, i, 0), read(c, i, 1), size);
            case TEST -> Alu.test(c, read(c, i, 0), read(c, i, 1), size);
            case INC -> write(c, i, 0, Alu.inc(c, readForWrite(c, i, 0), size));
            case DEC -> write(c, i, 0, Alu.dec(c, readForWrite(c, i, 0), size));
            case NEG -> write(c, i, 0, Alu.neg(c, readForWrite(c, i, 0), size));
            case NOT -> write(c, i, 0, Alu.not(readForWrite(c, i, 0), size));
            case MUL -> MulDiv.mul(c, read(c, i, 0), size);
            case IMUL -> {
                if (i.nOperands == 1) MulDiv.imulWide(c, read(c, i, 0), size);
                else if (i.nOperands == 2) write(c, i, 0, MulDiv.imul(c, read(c, i, 0), read(c, i, 1), size));
                else write(c, i, 0, MulDiv.imul(c, read(c, i, 1), read(c, i, 2), size));
            }
            case ADCX -> writeReg(c, i.reg[0], size, Alu.addWithFlagCarry(c, read(c, i, 0), read(c, i, 1), size, Flags.CF));
            case ADOX -> writeReg(c, i.reg[0], size, Alu.addWithFlagCarry(c, read(c, i, 0), read(c, i, 1), size, Flags.OF));
            case DIV -> MulDiv.div(c, read(c, i, 0), size);
            case IDIV -> MulDiv.idiv(c, read(c, i, 0), size);

            // ---------------- shifts and rotates (ops.Shifts)
            case ROL -> write(c, i, 0, Shifts.rol(c, readForWrite(c, i, 0), (int) read(c, i, 1), size));
            case ROR -> write(c, i, 0, Shifts.ror(c, readForWrite(c, i, 0), (int) read(c, i, 1), size));
            case RCL -> write(c, i, 0, Shifts.rcl(c, readForWrite(c, i, 0), (int) read(c, i, 1), size));
            case RCR -> write(c, i, 0, Shifts.rcr(c, readForWrite(c, i, 0), (int) read(c, i, 1), size));
            case SHL -> write(c, i, 0, Shifts.shl(c, readForWrite(c, i, 0), (int) read(c, i, 1), size));
            case SHR -> write(c, i, 0, Shifts.shr(c, readForWrite(c, i, 0), (int) read(c, i, 1), size));
            case SAR -> write(c, i, 0, Shifts.sar(c, readForWrite(c, i, 0), (int) read(c, i, 1), size));
            case SHLD -> write(c, i, 0, Shifts.shld(c, readForWrite(c, i, 0), read(c, i, 1), (int) read(c, i, 2), size));
            case SHRD -> write(c, i, 0, Shifts.shrd(c, readForWrite(c, i, 0), read(c, i, 1), (int) read(c, i, 2), size));

            // ---------------- bits (ops.Bits)
            case BT, BTS, BTR, BTC -> Bits.bitTest(c, i);
            case BSF -> { long r = Bits.bsf(c, read(c, i, 1), size); if (r >= 0) writeReg(c, i.reg[0], size, r); }
            case BSR -> { long r = Bits.bsr(c, read(c, i, 1), size); if (r >= 0) writeReg(c, i.reg[0], size, r); }
            case LZCNT -> writeReg(c, i.reg[0], size, Bits.lzcnt(c, read(c, i, 1), size));
            case TZCNT -> writeReg(c, i.reg[0], size, Bits.tzcnt(c, read(c, i, 1), size));
            case POPCNT -> writeReg(c, i.reg[0], size, Bits.popcnt(c, read(c, i, 1), size));

            // ---------------- condition codes
            case SETCC -> Moves.setcc(c, i);
            case CMOVCC -> Moves.cmov(c, i);
            case JCC -> { return Branches.jcc(c, i); }
            case JRCXZ -> { return Branches.jrcxz(c, i); }
            case LOOP, LOOPE, LOOPNE -> { return Branches.loop(c, i); }

            // ---------------- control flow (ops.Branches; sys for the privilege transitions)
            case JMP -> { return Branches.jmp(c, i); }
            case CALL -> { return Branches.call(c, i); }
            case RET -> { return Branches.ret(c, i); }
            case IRETQ -> { Iret.iret(c, 8); return c.rip; }
            case INT -> { Interrupts.intN(c, (int) (i.imm & 0xFF), i.address, i.next()); return c.rip; }
            case INT3 -> { Interrupts.int3(c, i.address, i.next()); return c.rip; }
            case INTO -> throw CpuException.ud("into is invalid in 64-bit mode");
            case UD2 -> throw CpuException.ud("ud2");
            case HLT -> { SystemInsns.hlt(c); return i.next(); }
            case SYSCALL -> { FastSyscall.syscall(c, i.next()); return c.rip; }
            case SYSRETQ -> { FastSyscall.sysret(c, true); return c.rip; }
            case SYSRET32 -> { FastSyscall.sysret(c, false); return c.rip; }

            // ---------------- flags
            case CLC -> c.setRflags(c.getRflags() & ~Flags.CF);
            case STC -> c.setRflags(c.getRflags() | Flags.CF);
            case CMC -> c.setRflags(c.getRflags() ^ Flags.CF);
            case CLD -> c.setRflags(c.getRflags() & ~Flags.DF);
            case STD -> c.setRflags(c.getRflags() | Flags.DF);
            case CLI -> SystemInsns.cli(c);
            case STI -> SystemInsns.sti(c);
            case LAHF -> writeReg(c, Instruction.REG_AH, 1, (c.getRflags() & 0xD5) | 2);
            case SAHF -> c.setRflags((c.getRflags() & ~0xD5L) | ((c.r[Cpu.RAX] >>> 8) & 0xD5));

            // ---------------- strings (ops.StringOps)
            case MOVS, CMPS, STOS, LODS, SCAS, INS, OUTS -> { return StringOps.execute(c, i); }

            // ---------------- misc
            case NOP, ENDBR64, PAUSE, LFENCE, SFENCE, PREFETCH -> { }
            case MFENCE -> java.lang.invoke.VarHandle.fullFence(); // other CPUs' view (x86-TSO's store-load order)
            case CLFLUSH -> linear(c, i); // checks the address like a byte load would
            case IN, OUT -> SystemInsns.portIo(c, i);
            case CPUID -> Cpuid.cpuid(c);
            case RDTSC -> SystemInsns.rdtsc(c);
            case RDTSCP -> SystemInsns.rdtscp(c);
            case RDPID -> writeReg(c, i.reg[0], 8, SystemInsns.rdpid(c));

            // ---------------- system (sys)
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
            case VERW -> Segments.verw(c, (int) read(c, i, 0));

            // ---------------- SSE/SSE2 (ops.Sse moves/logic/shuffles/MXCSR, ops.SseInt packed integers)
            case MOVUPS, MOVUPD, MOVAPS, MOVAPD, MOVDQA, MOVDQU, MOVNTPS, MOVNTPD, MOVNTDQ -> Sse.mov128(c, i);
            case MOVSS -> Sse.movss(c, i);
            case MOVSD -> Sse.movsd(c, i);
            case MOVLPS, MOVLPD -> Sse.movlp(c, i);
            case MOVHPS, MOVHPD -> Sse.movhp(c, i);
            case MOVHLPS -> Sse.movhlps(c, i);
            case MOVLHPS -> Sse.movlhps(c, i);
            case MOVD -> Sse.movd(c, i);
            case MOVQ -> Sse.movq(c, i);
            case MOVNTI -> Sse.movnti(c, i);
            case MOVMSKPS -> Sse.movmskps(c, i);
            case MOVMSKPD -> Sse.movmskpd(c, i);
            case PMOVMSKB -> Sse.pmovmskb(c, i);
            case PAND, ANDPS, ANDPD -> Sse.and(c, i);
            case PANDN, ANDNPS, ANDNPD -> Sse.andn(c, i);
            case POR, ORPS, ORPD -> Sse.or(c, i);
            case PXOR, XORPS, XORPD -> Sse.xor(c, i);
            case PSHUFD -> Sse.pshufd(c, i);
            case PSHUFLW -> Sse.pshuflw(c, i);
            case PSHUFHW -> Sse.pshufhw(c, i);
            case SHUFPS -> Sse.shufps(c, i);
            case SHUFPD -> Sse.shufpd(c, i);
            case PINSRW -> Sse.pinsrw(c, i);
            case PEXTRW -> Sse.pextrw(c, i);
            case LDMXCSR -> Sse.ldmxcsr(c, i);
            case STMXCSR -> Sse.stmxcsr(c, i);
            case PADDB -> SseInt.paddb(c, i);
            case PADDW -> SseInt.paddw(c, i);
            case PADDD -> SseInt.paddd(c, i);
            case PADDQ -> SseInt.paddq(c, i);
            case PSUBB -> SseInt.psubb(c, i);
            case PSUBW -> SseInt.psubw(c, i);
            case PSUBD -> SseInt.psubd(c, i);
            case PSUBQ -> SseInt.psubq(c, i);
            case PADDUSB -> SseInt.paddusb(c, i);
            case PADDUSW -> SseInt.paddusw(c, i);
            case PSUBUSB -> SseInt.psubusb(c, i);
            case PSUBUSW -> SseInt.psubusw(c, i);
            case PADDSB -> SseInt.paddsb(c, i);
            case PADDSW -> SseInt.paddsw(c, i);
            case PSUBSB -> SseInt.psubsb(c, i);
            case PSUBSW -> SseInt.psubsw(c, i);
            case PCMPEQB -> SseInt.pcmpeqb(c, i);
            case PCMPEQW -> SseInt.pcmpeqw(c, i);
            case PCMPEQD -> SseInt.pcmpeqd(c, i);
            case PCMPGTB -> SseInt.pcmpgtb(c, i);
            case PCMPGTW -> SseInt.pcmpgtw(c, i);
            case PCMPGTD -> SseInt.pcmpgtd(c, i);
            case PMINUB -> SseInt.pminub(c, i);
            case PMAXUB -> SseInt.pmaxub(c, i);
            case PMINSW -> SseInt.pminsw(c, i);
            case PMAXSW -> SseInt.pmaxsw(c, i);
            case PAVGB -> SseInt.pavgb(c, i);
            case PAVGW -> SseInt.pavgw(c, i);
            case PSADBW -> SseInt.psadbw(c, i);
            case PMULLW -> SseInt.pmullw(c, i);
            case PMULHW -> SseInt.pmulhw(c, i);
            case PMULHUW -> SseInt.pmulhuw(c, i);
            case PMULUDQ -> SseInt.pmuludq(c, i);
            case PMADDWD -> SseInt.pmaddwd(c, i);
            case PSLLW -> SseInt.psllw(c, i);
            case PSLLD -> SseInt.pslld(c, i);
            case PSLLQ -> SseInt.psllq(c, i);
            case PSRLW -> SseInt.psrlw(c, i);
            case PSRLD -> SseInt.psrld(c, i);
            case PSRLQ -> SseInt.psrlq(c, i);
            case PSRAW -> SseInt.psraw(c, i);
            case PSRAD -> SseInt.psrad(c, i);
            case PSLLDQ -> SseInt.pslldq(c, i);
            case PSRLDQ -> SseInt.psrldq(c, i);
            case PUNPCKLBW -> SseInt.punpcklbw(c, i);
            case PUNPCKLWD -> SseInt.punpcklwd(c, i);
            case PUNPCKLDQ -> SseInt.punpckldq(c, i);
            case PUNPCKLQDQ -> SseInt.punpcklqdq(c, i);
            case PUNPCKHBW -> SseInt.punpckhbw(c, i);
            case PUNPCKHWD -> SseInt.punpckhwd(c, i);
            case PUNPCKHDQ -> SseInt.punpckhdq(c, i);
            case PUNPCKHQDQ -> SseInt.punpckhqdq(c, i);
            case PACKSSWB -> SseInt.packsswb(c, i);
            case PACKUSWB -> SseInt.packuswb(c, i);
            case PACKSSDW -> SseInt.packssdw(c, i);
            // MMX-only and MMX<->XMM (ops.Mmx: the state rules; the forms on MM registers of the
            // mnemonics above run the same methods, which read and write MMX operands as 64-bit vectors)
            case EMMS -> Mmx.emms(c);
            case MOVNTQ, MOVQ2DQ, MOVDQ2Q -> Sse.movq(c, i);
            case PSHUFW -> Sse.pshufw(c, i);
            case MASKMOVQ -> Mmx.maskmovq(c, i);
            case CVTPI2PS -> SseFloat.cvtpi2ps(c, i);
            case CVTPI2PD -> SseFloat.cvtdq2pd(c, i);
            case CVTPS2PI -> SseFloat.cvtps2pi(c, i);
            case CVTTPS2PI -> SseFloat.cvttps2pi(c, i);
            case CVTPD2PI -> SseFloat.cvtpd2dq(c, i);
            case CVTTPD2PI -> SseFloat.cvttpd2dq(c, i);
            // SSSE3, MMX and XMM forms (ops.Ssse3, 64- or 128-bit by the destination)
            case PSHUFB -> Ssse3.pshufb(c, i);
            case PHADDW -> Ssse3.phaddw(c, i);
            case PHADDD -> Ssse3.phaddd(c, i);
            case PHADDSW -> Ssse3.phaddsw(c, i);
            case PMADDUBSW -> Ssse3.pmaddubsw(c, i);
            case PHSUBW -> Ssse3.phsubw(c, i);
            case PHSUBD -> Ssse3.phsubd(c, i);
            case PHSUBSW -> Ssse3.phsubsw(c, i);
            case PSIGNB -> Ssse3.psignb(c, i);
            case PSIGNW -> Ssse3.psignw(c, i);
            case PSIGND -> Ssse3.psignd(c, i);
            case PMULHRSW -> Ssse3.pmulhrsw(c, i);
            case PABSB -> Ssse3.pabsb(c, i);
            case PABSW -> Ssse3.pabsw(c, i);
            case PABSD -> Ssse3.pabsd(c, i);
            case PALIGNR -> Ssse3.palignr(c, i);
            // SSE4.2 (ops.Sse42; PCMPGTQ a lane operation)
            case PCMPESTRI -> Sse42.pcmpestri(c, i);
            case PCMPESTRM -> Sse42.pcmpestrm(c, i);
            case PCMPISTRI -> Sse42.pcmpistri(c, i);
            case PCMPISTRM -> Sse42.pcmpistrm(c, i);
            case CRC32 -> Sse42.crc32(c, i);
            case PCMPGTQ -> SseInt.pcmpgtq(c, i);

            // ---------------- SSE/SSE2 floating point (ops.SseFloat)
            case ADDPS -> SseFloat.addps(c, i);
            case ADDPD -> SseFloat.addpd(c, i);
            case ADDSS -> SseFloat.addss(c, i);
            case ADDSD -> SseFloat.addsd(c, i);
            case SUBPS -> SseFloat.subps(c, i);
            case SUBPD -> SseFloat.subpd(c, i);
            case SUBSS -> SseFloat.subss(c, i);
            case SUBSD -> SseFloat.subsd(c, i);
            case MULPS -> SseFloat.mulps(c, i);
            case MULPD -> SseFloat.mulpd(c, i);
            case MULSS -> SseFloat.mulss(c, i);
            case MULSD -> SseFloat.mulsd(c, i);
            case DIVPS -> SseFloat.divps(c, i);
            case DIVPD -> SseFloat.divpd(c, i);
            case DIVSS -> SseFloat.divss(c, i);
            case DIVSD -> SseFloat.divsd(c, i);
            case SQRTPS -> SseFloat.sqrtps(c, i);
            case SQRTPD -> SseFloat.sqrtpd(c, i);
            case SQRTSS -> SseFloat.sqrtss(c, i);
            case SQRTSD -> SseFloat.sqrtsd(c, i);
            case MINPS -> SseFloat.minps(c, i);
            case MINPD -> SseFloat.minpd(c, i);
            case MINSS -> SseFloat.minss(c, i);
            case MINSD -> SseFloat.minsd(c, i);
            case MAXPS -> SseFloat.maxps(c, i);
            case MAXPD -> SseFloat.maxpd(c, i);
            case MAXSS -> SseFloat.maxss(c, i);
            case MAXSD -> SseFloat.maxsd(c, i);
            case CMPPS -> SseFloat.cmpps(c, i);
            case CMPPD -> SseFloat.cmppd(c, i);
            case CMPSS -> SseFloat.cmpss(c, i);
            case CMPSD -> SseFloat.cmpsd(c, i);
            case COMISS -> SseFloat.comiss(c, i);
            case COMISD -> SseFloat.comisd(c, i);
            case UCOMISS -> SseFloat.ucomiss(c, i);
            case UCOMISD -> SseFloat.ucomisd(c, i);
            case CVTSI2SS -> SseFloat.cvtsi2ss(c, i);
            case CVTSI2SD -> SseFloat.cvtsi2sd(c, i);
            case CVTSS2SI -> SseFloat.cvtss2si(c, i);
            case CVTSD2SI -> SseFloat.cvtsd2si(c, i);
            case CVTTSS2SI -> SseFloat.cvttss2si(c, i);
            case CVTTSD2SI -> SseFloat.cvttsd2si(c, i);
            case CVTSS2SD -> SseFloat.cvtss2sd(c, i);
            case CVTSD2SS -> SseFloat.cvtsd2ss(c, i);
            case CVTPS2PD -> SseFloat.cvtps2pd(c, i);
            case CVTPD2PS -> SseFloat.cvtpd2ps(c, i);
            case CVTDQ2PS -> SseFloat.cvtdq2ps(c, i);
            case CVTPS2DQ -> SseFloat.cvtps2dq(c, i);
            case CVTTPS2DQ -> SseFloat.cvttps2dq(c, i);
            case CVTDQ2PD -> SseFloat.cvtdq2pd(c, i);
            case CVTPD2DQ -> SseFloat.cvtpd2dq(c, i);
            case CVTTPD2DQ -> SseFloat.cvttpd2dq(c, i);
            case UNPCKLPS -> SseFloat.unpcklps(c, i);
            case UNPCKHPS -> SseFloat.unpckhps(c, i);
            case UNPCKLPD -> SseFloat.unpcklpd(c, i);
            case UNPCKHPD -> SseFloat.unpckhpd(c, i);
            case RCPPS -> SseFloat.rcpps(c, i);
            case RCPSS -> SseFloat.rcpss(c, i);
            case RSQRTPS -> SseFloat.rsqrtps(c, i);
            case RSQRTSS -> SseFloat.rsqrtss(c, i);
            // ---------------- SSE3, SSE4.1 (ops.SseExt; floating point in ops.SseFloat; SSSE3 above in ops.Ssse3)
            case MOVSHDUP -> SseExt.movshdup(c, i);
            case MOVSLDUP -> SseExt.movsldup(c, i);
            case MOVDDUP -> SseExt.movddup(c, i);
            case LDDQU, MOVNTDQA -> Sse.mov128(c, i);
            case PBLENDVB -> SseExt.pblendvb(c, i);
            case BLENDVPS -> SseExt.blendvps(c, i);
            case BLENDVPD -> SseExt.blendvpd(c, i);
            case BLENDPS -> SseExt.blendps(c, i);
            case BLENDPD -> SseExt.blendpd(c, i);
            case PBLENDW -> SseExt.pblendw(c, i);
            case PTEST -> SseExt.ptest(c, i);
            case PMOVSXBW -> SseExt.pmovsxbw(c, i);
            case PMOVSXBD -> SseExt.pmovsxbd(c, i);
            case PMOVSXBQ -> SseExt.pmovsxbq(c, i);
            case PMOVSXWD -> SseExt.pmovsxwd(c, i);
            case PMOVSXWQ -> SseExt.pmovsxwq(c, i);
            case PMOVSXDQ -> SseExt.pmovsxdq(c, i);
            case PMOVZXBW -> SseExt.pmovzxbw(c, i);
            case PMOVZXBD -> SseExt.pmovzxbd(c, i);
            case PMOVZXBQ -> SseExt.pmovzxbq(c, i);
            case PMOVZXWD -> SseExt.pmovzxwd(c, i);
            case PMOVZXWQ -> SseExt.pmovzxwq(c, i);
            case PMOVZXDQ -> SseExt.pmovzxdq(c, i);
            case PMULDQ -> SseExt.pmuldq(c, i);
            case PCMPEQQ -> SseExt.pcmpeqq(c, i);
            case PACKUSDW -> SseExt.packusdw(c, i);
            case PMINSB -> SseExt.pminsb(c, i);
            case PMINSD -> SseExt.pminsd(c, i);
            case PMINUW -> SseExt.pminuw(c, i);
            case PMINUD -> SseExt.pminud(c, i);
            case PMAXSB -> SseExt.pmaxsb(c, i);
            case PMAXSD -> SseExt.pmaxsd(c, i);
            case PMAXUW -> SseExt.pmaxuw(c, i);
            case PMAXUD -> SseExt.pmaxud(c, i);
            case PMULLD -> SseExt.pmulld(c, i);
            case PHMINPOSUW -> SseExt.phminposuw(c, i);
            case MPSADBW -> SseExt.mpsadbw(c, i);
            case INSERTPS -> SseExt.insertps(c, i);
            case PINSRB -> SseExt.pinsrb(c, i);
            case PINSRD -> SseExt.pinsrd(c, i);
            case PINSRQ -> SseExt.pinsrq(c, i);
            case PEXTRB -> SseExt.pextrb(c, i);
            case PEXTRD, EXTRACTPS -> SseExt.pextrd(c, i);
            case PEXTRQ -> SseExt.pextrq(c, i);
            case ADDSUBPS -> SseFloat.addsubps(c, i);
            case ADDSUBPD -> SseFloat.addsubpd(c, i);
            case HADDPS -> SseFloat.haddps(c, i);
            case HADDPD -> SseFloat.haddpd(c, i);
            case HSUBPS -> SseFloat.hsubps(c, i);
            case HSUBPD -> SseFloat.hsubpd(c, i);
            case ROUNDPS -> SseFloat.roundps(c, i);
            case ROUNDPD -> SseFloat.roundpd(c, i);
            case ROUNDSS -> SseFloat.roundss(c, i);
            case ROUNDSD -> SseFloat.roundsd(c, i);
            case DPPS -> SseFloat.dpps(c, i);
            case DPPD -> SseFloat.dppd(c, i);
            // ---------------- x87 FPU (ops.X87, arithmetic in ops.Float80)
            case FLD -> X87.fld(c, i);
            case FILD -> X87.fild(c, i);
            case FLD1, FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2, FLDZ -> X87.fldConst(c, i);
            case FST -> X87.fst(c, i, false);
            case FSTP -> X87.fst(c, i, true);
            case FIST -> X87.fist(c, i, false);
            case FISTP -> X87.fist(c, i, true);
            case FISTTP -> X87.fist(c, i, true, true);
            case FXCH -> X87.fxch(c, i);
            case FADD, FIADD -> X87.arith(c, i, 0, false, false);
            case FADDP -> X87.arith(c, i, 0, false, true);
            case FSUB, FISUB -> X87.arith(c, i, 1, false, false);
            case FSUBP -> X87.arith(c, i, 1, false, true);
            case FSUBR, FISUBR -> X87.arith(c, i, 1, true, false);
            case FSUBRP -> X87.arith(c, i, 1, true, true);
            case FMUL, FIMUL -> X87.arith(c, i, 2, false, false);
            case FMULP -> X87.arith(c, i, 2, false, true);
            case FDIV, FIDIV -> X87.arith(c, i, 3, false, false);
            case FDIVP -> X87.arith(c, i, 3, false, true);
            case FDIVR, FIDIVR -> X87.arith(c, i, 3, true, false);
            case FDIVRP -> X87.arith(c, i, 3, true, true);
            case FSQRT -> X87.unary(c, i, 0);
            case FRNDINT -> X87.unary(c, i, 1);
            case FCHS -> X87.unary(c, i, 2);
            case FABS -> X87.unary(c, i, 3);
            case FSCALE -> X87.fscale(c, i);
            case FXTRACT -> X87.fxtract(c, i);
            case FPREM -> X87.fprem(c, i, false);
            case FPREM1 -> X87.fprem(c, i, true);
            case FSIN -> X87.trig(c, i, 0);
            case FCOS -> X87.trig(c, i, 1);
            case F2XM1 -> X87.trig(c, i, 2);
            case FPTAN -> X87.trig2(c, i, false);
            case FSINCOS -> X87.trig2(c, i, true);
            case FYL2X -> X87.binaryPop(c, i, 0);
            case FYL2XP1 -> X87.binaryPop(c, i, 1);
            case FPATAN -> X87.binaryPop(c, i, 2);
            case FCOM, FICOM, FTST -> X87.fcom(c, i, false, 0);
            case FCOMP, FICOMP -> X87.fcom(c, i, false, 1);
            case FCOMPP -> X87.fcom(c, i, false, 2);
            case FUCOM -> X87.fcom(c, i, true, 0);
            case FUCOMP -> X87.fcom(c, i, true, 1);
            case FUCOMPP -> X87.fcom(c, i, true, 2);
            case FCOMI -> X87.fcomi(c, i, false, false);
            case FCOMIP -> X87.fcomi(c, i, false, true);
            case FUCOMI -> X87.fcomi(c, i, true, false);
            case FUCOMIP -> X87.fcomi(c, i, true, true);
            case FXAM -> X87.fxam(c, i);
            case FCMOVB -> X87.fcmov(c, i, c.cond(2));
            case FCMOVE -> X87.fcmov(c, i, c.cond(4));
            case FCMOVBE -> X87.fcmov(c, i, c.cond(6));
            case FCMOVU -> X87.fcmov(c, i, c.cond(10));
            case FCMOVNB -> X87.fcmov(c, i, c.cond(3));
            case FCMOVNE -> X87.fcmov(c, i, c.cond(5));
            case FCMOVNBE -> X87.fcmov(c, i, c.cond(7));
            case FCMOVNU -> X87.fcmov(c, i, c.cond(11));
            case FLDCW -> X87.fldcw(c, i);
            case FNSTCW -> X87.fnstcw(c, i);
            case FNSTSW -> X87.fnstsw(c, i);
            case FNCLEX -> X87.fnclex(c);
            case FNINIT -> X87.fninit(c);
            case FWAIT -> X87.fwait(c);
            case FFREE -> X87.ffree(c, i, false);
            case FFREEP -> X87.ffree(c, i, true);
            case FINCSTP -> X87.fincstp(c, i, 1);
            case FDECSTP -> X87.fincstp(c, i, -1);
            case FNOP -> X87.fnop(c, i);
            case FNSTENV -> X87.fnstenv(c, i);
            case FLDENV -> X87.fldenv(c, i);
            case FNSAVE -> X87.fnsave(c, i);
            case FRSTOR -> X87.frstor(c, i);
            case FXSAVE -> X87.fxsave(c, i);
            case FXRSTOR -> X87.fxrstor(c, i);

            case INVALID, UD0, UD1 -> {
                if ((i.attributes & OpcodeTable.A_TOO_LONG) != 0) throw CpuException.gp0("instruction longer than 15 bytes");
                throw CpuException.ud("invalid or unsupported instruction");
            }
            default -> throw CpuException.ud("lstar does not implement " + i.mnemonic.name().toLowerCase());
        }
        // the x87-to-MMX transition once an MMX instruction (but EMMS) completes
        if ((i.attributes & OpcodeTable.A_MMX) != 0 && i.mnemonic != Mnemonic.EMMS) Mmx.transition(c);
        return FALLTHROUGH;
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
}
