package dev.lstar.runtime.ops;

import static dev.lstar.runtime.ops.Float80.*;

import dev.lstar.decoder.Instruction;
import dev.lstar.decoder.Mnemonic;
import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.CpuException;
import dev.lstar.runtime.Flags;
import dev.lstar.runtime.interp.Operands;

/**
 * The x87 FPU instructions (Intel SDM Vol. 1 ch. 8, Vol. 2 for each instruction; AMD APM Vol. 5):
 * the register stack in {@link Cpu#fpm}/{@link Cpu#fpe} with TOP in {@link Cpu#fsw} and the
 * abridged tag word {@link Cpu#ftw}; arithmetic in {@link Float80}.
 *
 * <p>Rules every instruction here follows:
 * <ul>
 *   <li>CR0.EM = 1 or CR0.TS = 1: #NM before anything else (FWAIT: only with CR0.MP and TS). A
 *       waiting instruction (all but FNINIT, FNCLEX, FNSTCW, FNSTSW, FNSTENV, FNSAVE and
 *       FXSAVE/FXRSTOR) raises #MF first when an unmasked exception is pending (FSW.ES = 1; lstar
 *       runs with CR0.NE = 1);</li>
 *   <li>reading an empty register is a stack underflow: IE and SF set, C1 = 0, and with IE masked
 *       the indefinite is the operand's value (the result is the indefinite); pushing onto a
 *       non-empty register is a stack overflow: IE, SF, C1 = 1, the indefinite is pushed;</li>
 *   <li>an exception whose mask bit is clear sets ES and B, and lstar raises #MF at the next
 *       waiting instruction. The unmasked responses, as the AMD Zen 5 and Intel Xeon hosts lstar was checked on give them and the
 *       conformance family checks: IE, DE or ZE leave the destination and the stack unchanged (an
 *       unmasked DE stops the operation before any other flag), except that FLD still loads a
 *       denormal; OE/UE deliver the result rounded with an unbounded exponent and then biased by
 *       -/+ 0x6000 to a register (UE even when exact), and store nothing to memory (no pop);
 *       compares write their condition codes or ZF PF CF anyway (no pop); FPREM clears C1 and C2;</li>
 *   <li>faults change nothing: memory operands are read, and memory destinations written, before
 *       the status word or the stack change.</li>
 * </ul>
 */
public final class X87 {
    private X87() {}

    public static final int FSW_ES = 0x80, FSW_C0 = 0x100, FSW_C1 = 0x200, FSW_C2 = 0x400, FSW_C3 = 0x4000, FSW_B = 0x8000;
    private static final int CC = FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3;

    // ------------------------------------------------------------------ state

    static int top(Cpu c) { return (c.fsw >>> 11) & 7; }

    static void setTop(Cpu c, int t) { c.fsw = (c.fsw & ~0x3800) | (t & 7) << 11; }

    static int ph(Cpu c, int st) { return (top(c) + st) & 7; }

    static boolean empty(Cpu c, int st) { return (c.ftw >>> ph(c, st) & 1) == 0; }

    static void setSt(Cpu c, int st, int se, long m) {
        int p = ph(c, st);
        c.fpe[p] = se & 0xFFFF;
        c.fpm[p] = m;
        c.ftw |= 1 << p;
    }

    static void pop(Cpu c) {
        c.ftw &= ~(1 << top(c));
        setTop(c, top(c) + 1);
    }

    /** The CPU's reusable context {@code k} (0..3), fresh for an operation under the FCW. */
    static Ctx ctx(Cpu c, int k) {
        return c.x87Ctx[k].reset(c.fcw);
    }

    /** As {@link #ctx(Cpu, int)} under control word {@code cw}. */
    static Ctx ctx(Cpu c, int k, int cw) {
        return c.x87Ctx[k].reset(cw);
    }

    /** The checks every x87 instruction makes first (see the class comment). */
    static void enter(Cpu c, boolean waiting) {
        if ((c.cr0 & (Cpu.CR0_EM | Cpu.CR0_TS)) != 0) {
            throw CpuException.of(CpuException.NM, 0, false, "x87 instruction with CR0.EM or CR0.TS set");
        }
        if (waiting && (c.fsw & FSW_ES) != 0) throw CpuException.of(CpuException.MF, 0, false, "pending x87 exception");
    }

    /** Records the last instruction (FOP, FIP, FDP) as a non-control x87 instruction does. */
    static void note(Cpu c, Instruction i) {
        int k = 0;
        while (k < i.length && ((i.bytes[k] & 0xF8) != 0xD8)) k++;
        c.fop = k + 1 < i.length ? ((i.bytes[k] & 7) << 8) | (i.bytes[k + 1] & 0xFF) : 0;
        c.fip = i.address;
        if (i.hasMemoryOperand()) c.fdp = Operands.effectiveAddress(c, i);
    }

    /**
     * Merges an operation's flags into FSW (sticky IE..SF, C1 replaced) and sets ES/B when one is
     * unmasked. Returns false when an unmasked IE, DE or ZE forbids writing the result.
     */
    static boolean commit(Cpu c, Ctx x) {
        return commit(c, x, false);
    }

    /** As {@link #commit(Cpu, Ctx)}; with {@code keepC1} C1 is left alone unless a stack fault sets or clears it. */
    static boolean commit(Cpu c, Ctx x, boolean keepC1) {
        if ((x.flags & DE & ~c.fcw) != 0) x.flags &= IE | DE | ZE | SF; // an unmasked DE: the operation is not performed
        c.fsw |= x.flags & 0x7F;
        if (!keepC1 || (x.flags & SF) != 0) c.fsw = (c.fsw & ~FSW_C1) | (x.flags & C1);
        int unmasked = x.flags & 0x3F & ~c.fcw;
        if (unmasked != 0) c.fsw |= FSW_ES | FSW_B;
        return (unmasked & (IE | DE | ZE)) == 0;
    }

    /** Loads ST(st) into x's result, or the indefinite with a stack underflow if it is empty. */
    static boolean load(Cpu c, Ctx x, int st) {
        if (empty(c, st)) {
            x.flags |= IE | SF;
            x.se = IND_SE;
            x.m = IND_M;
            return false;
        }
        int p = ph(c, st);
        x.se = c.fpe[p];
        x.m = c.fpm[p];
        return true;
    }

    /** Pushes (se, m), or the indefinite with a stack overflow. Returns false if nothing may be pushed. */
    static void push(Cpu c, Ctx x, int se, long m) {
        if (!empty(c, 7)) {
            // an underflow of the source wins (C1 = 0); a denormal source's DE is dropped (this host)
            x.flags = (x.flags & SF) != 0 ? x.flags | IE : (x.flags & ~DE) | IE | SF | C1;
            se = IND_SE;
            m = IND_M;
        }
        if (!commit(c, x) && (x.flags & (IE | ZE) & ~c.fcw) != 0) return; // FLD loads a denormal even with DE unmasked
        setTop(c, top(c) - 1);
        setSt(c, 0, se, m);
    }

    // ------------------------------------------------------------------ memory operands

    static long addr(Cpu c, Instruction i) { return Operands.linear(c, i); }

    /** Reads a floating-point (4, 8 or 10 bytes) or, for FI* forms, integer memory operand into x (without quieting SNaNs). */
    static void readOperand(Cpu c, Instruction i, int n, Ctx x, boolean integer, boolean quiet) {
        long la = addr(c, i);
        int size = i.size[n];
        if (integer) {
            fromInt(x, Operands.sext(Operands.readMem(c, la, size), size));
        } else if (size == 10) {
            long m = c.mmu.read64(la);
            int se = c.mmu.read16(la + 8) & 0xFFFF;
            x.se = se;
            x.m = m;
        } else {
            int flags = x.flags;
            fromFloat(x, Operands.readMem(c, la, size), size == 8);
            if (!quiet && (x.flags & DE) != 0) {
                x.flags &= ~DE;
                x.denormalSource = true;
            }
            if (!quiet && isNaN(x.se, x.m)) {
                // keep an SNaN signalling for the arithmetic's NaN rules
                long bits = Operands.readMem(c, la, size);
                boolean snan = size == 8 ? (bits & (1L << 51)) == 0 : (bits & (1L << 22)) == 0;
                if (snan) {
                    x.m &= ~0x4000_0000_0000_0000L;
                    x.flags = flags | (x.flags & DE);
                }
            }
        }
    }

    /** Checks that a 10-byte store cannot fault part-way. */
    static void write80(Cpu c, long la, int se, long m) {
        if ((la & 0xFFF) > 0xFF6) c.mmu.readForWrite(la + 8, 2);
        c.mmu.write64(la, m);
        c.mmu.write16(la + 8, se);
    }

    static boolean isInt(Instruction i) {
        return switch (i.mnemonic) {
            case FIADD, FISUB, FISUBR, FIMUL, FIDIV, FIDIVR, FICOM, FICOMP -> true;
            default -> false;
        };
    }

    // ------------------------------------------------------------------ loads and stores

    /** FLD m32fp/m64fp/m80fp/ST(i). */
    public static void fld(Cpu c, Instruction i) {
        enter(c, true);
        Ctx x = ctx(c, 0);
        if (i.kind[0] == Instruction.OP_MEM) readOperand(c, i, 0, x, false, true);
        else load(c, x, i.reg[0]);
        int se = x.se;
        long m = x.m;
        push(c, x, se, m);
        note(c, i);
    }

    /** FILD m16int/m32int/m64int. */
    public static void fild(Cpu c, Instruction i) {
        enter(c, true);
        Ctx x = ctx(c, 0);
        readOperand(c, i, 0, x, true, true);
        push(c, x, x.se, x.m);
        note(c, i);
    }

    /** FLD1, FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2, FLDZ. */
    public static void fldConst(Cpu c, Instruction i) {
        enter(c, true);
        Ctx x = ctx(c, 0);
        constant(x, (i.modrm & 7));
        push(c, x, x.se, x.m);
        note(c, i);
    }

    /** FST/FSTP m32fp/m64fp/m80fp/ST(i). */
    public static void fst(Cpu c, Instruction i, boolean pop) {
        enter(c, true);
        Ctx x = ctx(c, 0);
        load(c, x, 0);
        int se = x.se;
        long m = x.m;
        if (i.kind[0] == Instruction.OP_MEM) {
            long la = addr(c, i);
            int size = i.size[0];
            if (size == 10) {
                if ((x.flags & IE & ~c.fcw) == 0) write80(c, la, se, m);
            } else {
                long bits = toFloat(x, se, m, size == 8);
                if ((x.flags & (IE | DE | OE | UE) & ~c.fcw) == 0) Operands.writeMem(c, la, size, bits);
            }
        } else if ((x.flags & IE & ~c.fcw) == 0) {
            setSt(c, i.reg[0], se, m);
        }
        boolean stored = (x.flags & (IE | DE | OE | UE) & ~c.fcw) == 0;
        if (commit(c, x) && stored && pop) pop(c);
        note(c, i);
    }

    /** FIST/FISTP m16int/m32int (FISTP m64int). */
    public static void fist(Cpu c, Instruction i, boolean pop) {
        fist(c, i, pop, false);
    }

    /**
     * FIST/FISTP, and with {@code truncate} FISTTP m16int/m32int/m64int (SSE3): the same store with
     * the rounding control taken as "toward zero" whatever FCW.RC says.
     */
    public static void fist(Cpu c, Instruction i, boolean pop, boolean truncate) {
        enter(c, true);
        Ctx x = ctx(c, 0, truncate ? c.fcw | 0xC00 : c.fcw);
        load(c, x, 0);
        int size = i.size[0];
        long v = (x.flags & IE) != 0 ? (size == 8 ? Long.MIN_VALUE : -(1L << (8 * size - 1))) : toInt(x, x.se, x.m, size);
        if ((x.flags & (IE | DE) & ~c.fcw) == 0) Operands.writeMem(c, addr(c, i), size, v);
        if (commit(c, x) && pop) pop(c);
        note(c, i);
    }

    // ------------------------------------------------------------------ arithmetic

    /**
     * FADD/FSUB/FSUBR/FMUL/FDIV/FDIVR and their P and FI forms: the destination is operand 0 when
     * it is an x87 register, else ST(0); the source is the memory operand or ST(i).
     */
    public static void arith(Cpu c, Instruction i, int op, boolean reverse, boolean pop) {
        enter(c, true);
        Ctx x = ctx(c, 0);
        int dst = 0;
        Ctx src = ctx(c, 1);
        if (i.kind[0] == Instruction.OP_MEM) {
            readOperand(c, i, 0, src, isInt(i), false);
        } else {
            dst = i.reg[0];
            load(c, src, i.reg[1]);
        }
        Ctx d = ctx(c, 2);
        load(c, d, dst);
        x.flags = src.flags | d.flags;
        x.denormalSource = src.denormalSource;
        if ((x.flags & SF) != 0) {
            x.se = IND_SE;
            x.m = IND_M;
        } else {
            int se1 = d.se, se2 = src.se;
            long m1 = d.m, m2 = src.m;
            if (reverse) { se1 = src.se; m1 = src.m; se2 = d.se; m2 = d.m; }
            switch (op) {
                case 0 -> add(x, se1, m1, se2, m2);
                case 1 -> sub(x, se1, m1, se2, m2);
                case 2 -> mul(x, se1, m1, se2, m2);
                default -> div(x, se1, m1, se2, m2);
            }
        }
        if (commit(c, x)) {
            setSt(c, dst, x.se, x.m);
            if (pop) pop(c);
        }
        note(c, i);
    }

    /** One-operand operations on ST(0): 0 FSQRT, 1 FRNDINT, 2 FCHS, 3 FABS. */
    public static void unary(Cpu c, Instruction i, int op) {
        enter(c, true);
        Ctx x = ctx(c, 0);
        if (load(c, x, 0)) {
            int se = x.se;
            long m = x.m;
            switch (op) {
                case 0 -> sqrt(x, se, m);
                case 1 -> rndint(x, se, m);
                case 2 -> x.se = se ^ 0x8000;
                default -> x.se = se & 0x7FFF;
            }
        }
        if (commit(c, x)) setSt(c, 0, x.se, x.m);
        note(c, i);
    }

    /** FSCALE. */
    public static void fscale(Cpu c, Instruction i) {
        enter(c, true);
        Ctx x = ctx(c, 0), b = ctx(c, 1);
        boolean ok = load(c, x, 0) & load(c, b, 1);
        x.flags |= b.flags;
        if (ok) scale(x, x.se, x.m, b.se, b.m);
        else { x.se = IND_SE; x.m = IND_M; }
        if (commit(c, x)) setSt(c, 0, x.se, x.m);
        note(c, i);
    }

    /** FXTRACT: ST(0) = exponent, then push the significand. */
    public static void fxtract(Cpu c, Instruction i) {
        enter(c, true);
        Ctx x = ctx(c, 0), sig = ctx(c, 1);
        if (!load(c, x, 0)) {
            sig.se = IND_SE; sig.m = IND_M;
        } else if (!empty(c, 7)) {
            x.flags |= IE | SF | C1;
            x.se = IND_SE; x.m = IND_M; sig.se = IND_SE; sig.m = IND_M;
        } else {
            xtract(x, sig, x.se, x.m);
        }
        if (commit(c, x)) {
            setSt(c, 0, x.se, x.m);
            setTop(c, top(c) - 1);
            setSt(c, 0, sig.se, sig.m);
        }
        note(c, i);
    }

    /** FPREM / FPREM1. */
    public static void fprem(Cpu c, Instruction i, boolean ieee) {
        enter(c, true);
        Ctx x = ctx(c, 0), b = ctx(c, 1);
        boolean ok = load(c, x, 0) & load(c, b, 1);
        x.flags |= b.flags;
        int cc = -1;
        if (ok) cc = prem(x, x.se, x.m, b.se, b.m, ieee);
        else { x.se = IND_SE; x.m = IND_M; }
        x.flags = (x.flags & ~C1);
        boolean done = commit(c, x);
        if (done) setSt(c, 0, x.se, x.m);
        if (done && cc >= 0) c.fsw = (c.fsw & ~CC) | cc; // a reduction: C2 (incomplete), C0 C3 C1 (quotient bits)
        // NaN, invalid, stack-fault and unmasked-exception results clear C1 and C2, keep C0 and C3
        else c.fsw &= ~(FSW_C1 | FSW_C2);
        note(c, i);
    }

    // ------------------------------------------------------------------ transcendentals

    /**
     * FSIN (0), FCOS (1), F2XM1 (2) on ST0. FSIN/FCOS: an operand with |x| >= 2^63 is left as it
     * is with C2 = 1 (nothing else changes); otherwise C2 = 0.
     */
    public static void trig(Cpu c, Instruction i, int op) {
        enter(c, true);
        Ctx x = ctx(c, 0);
        if (load(c, x, 0)) {
            int se = x.se;
            long m = x.m;
            if (op < 2 && trigOutOfRange(se, m)) {
                c.fsw = (c.fsw & ~FSW_C1) | FSW_C2;
                note(c, i);
                return;
            }
            if (op == 2) Transcendental.f2xm1Value(x, se, m);
            else Transcendental.trig(x, se, m, op);
        }
        if (commit(c, x)) setSt(c, 0, x.se, x.m);
        if (op < 2) c.fsw &= ~FSW_C2;
        note(c, i);
    }

    static boolean trigOutOfRange(int se, long m) {
        return !unsupported(se, m) && exp(se) != 0x7FFF && Transcendental.outOfRange(se);
    }

    /**
     * FPTAN (ST0 = tan, push 1.0) and FSINCOS (ST0 = sin, push cos): |x| >= 2^63 sets C2 and
     * changes nothing else; a NaN result is pushed as the second value too; a full stack is an
     * overflow (both values the indefinite).
     */
    public static void trig2(Cpu c, Instruction i, boolean sincos) {
        enter(c, true);
        Ctx x = ctx(c, 0), second = ctx(c, 1);
        if (!load(c, x, 0)) {
            second.se = IND_SE; second.m = IND_M;
        } else if (!empty(c, 7)) { // (before the range check)
            x.flags |= IE | SF | C1;
            x.se = IND_SE; x.m = IND_M; second.se = IND_SE; second.m = IND_M;
        } else if (trigOutOfRange(x.se, x.m)) {
            c.fsw = (c.fsw & ~FSW_C1) | FSW_C2;
            note(c, i);
            return;
        } else {
            int se = x.se;
            long m = x.m;
            if (sincos) {
                Transcendental.trig(x, se, m, 0);
                second.flags = x.flags & ~(PE | C1 | UE);
                Transcendental.trig(second, se, m, 1);
                x.flags |= second.flags & ~C1;
                // C1 reports the rounding of the value left in ST0: the cosine
                x.flags = (x.flags & ~C1) | (second.flags & C1);
            } else {
                Transcendental.trig(x, se, m, 2);
                if (isNaN(x.se, x.m) || (x.flags & IE) != 0) { second.se = x.se; second.m = x.m; }
                else { second.se = 0x3FFF; second.m = INT_BIT; }
            }
            if (sincos && isNaN(x.se, x.m)) { second.se = x.se; second.m = x.m; }
        }
        if (commit(c, x)) {
            setSt(c, 0, x.se, x.m);
            setTop(c, top(c) - 1);
            setSt(c, 0, second.se, second.m);
        }
        c.fsw &= ~FSW_C2;
        note(c, i);
    }

    /** FYL2X (0), FYL2XP1 (1), FPATAN (2): ST1 = f(ST1, ST0), then pop. */
    public static void binaryPop(Cpu c, Instruction i, int op) {
        enter(c, true);
        Ctx x = ctx(c, 0), y = ctx(c, 1);
        boolean ok = load(c, x, 0) & load(c, y, 1);
        x.flags |= y.flags;
        if (ok) {
            switch (op) {
                case 0 -> Transcendental.fyl2x(x, y.se, y.m, x.se, x.m);
                case 1 -> Transcendental.fyl2xp1(x, y.se, y.m, x.se, x.m);
                default -> Transcendental.fpatan(x, y.se, y.m, x.se, x.m);
            }
        } else {
            x.se = IND_SE; x.m = IND_M;
        }
        if (commit(c, x)) {
            setSt(c, 1, x.se, x.m);
            pop(c);
        }
        note(c, i);
    }

    // ------------------------------------------------------------------ compares

    /**
     * FCOM/FCOMP/FCOMPP/FUCOM/FUCOMP/FUCOMPP/FICOM/FICOMP/FTST: C3 C2 C0 = 000 greater, 001 less,
     * 100 equal, 111 unordered; C1 = 0. {@code pops} 0..2.
     */
    public static void fcom(Cpu c, Instruction i, boolean unordered, int pops) {
        enter(c, true);
        Ctx a = ctx(c, 0), b = ctx(c, 1);
        boolean ok = load(c, a, 0);
        if (i.mnemonic == Mnemonic.FTST) {
            b.se = 0; b.m = 0;
        } else if (i.nOperands > 0 && i.kind[0] == Instruction.OP_MEM) {
            readOperand(c, i, 0, b, isInt(i), false);
        } else {
            ok &= load(c, b, i.nOperands > 0 ? i.reg[0] : 1);
        }
        Ctx x = ctx(c, 2);
        x.flags = a.flags | b.flags;
        x.denormalSource = b.denormalSource;
        int r = ok ? compare(x, a.se, a.m, b.se, b.m, !unordered) : 3;
        x.flags &= ~C1;
        boolean done = commit(c, x);
        int cc = switch (r) { case 0 -> 0; case 1 -> FSW_C0; case 2 -> FSW_C3; default -> FSW_C0 | FSW_C2 | FSW_C3; };
        c.fsw = (c.fsw & ~CC) | cc; // written even when an unmasked exception stops the instruction (this host)
        if (done) for (int k = 0; k < pops; k++) pop(c);
        note(c, i);
    }

    /** FCOMI/FCOMIP/FUCOMI/FUCOMIP: ZF PF CF = 000 greater, 001 less, 100 equal, 111 unordered; OF SF AF = 0. */
    public static void fcomi(Cpu c, Instruction i, boolean unordered, boolean pop) {
        enter(c, true);
        Ctx a = ctx(c, 0), b = ctx(c, 1);
        boolean ok = load(c, a, 0) & load(c, b, i.reg[1]);
        Ctx x = ctx(c, 2);
        x.flags = a.flags | b.flags;
        int r = ok ? compare(x, a.se, a.m, b.se, b.m, !unordered) : 3;
        x.flags &= ~C1;
        boolean done = commit(c, x, true);
        // the flags are written even when an unmasked exception stops the instruction (no pop then)
        long f = switch (r) { case 0 -> 0; case 1 -> Flags.CF; case 2 -> Flags.ZF; default -> Flags.ZF | Flags.PF | Flags.CF; };
        c.setArithmeticFlags(f);
        if (done && pop) pop(c);
        note(c, i);
    }

    /** FXAM: C3 C2 C0 class of ST(0), C1 its sign (SDM FXAM table). */
    public static void fxam(Cpu c, Instruction i) {
        enter(c, true);
        int p = ph(c, 0);
        int se = c.fpe[p];
        long m = c.fpm[p];
        int cls;
        if (empty(c, 0)) cls = FSW_C3 | FSW_C0;
        else if (unsupported(se, m)) cls = 0;
        else if (isNaN(se, m)) cls = FSW_C0;
        else if (isInf(se, m)) cls = FSW_C2 | FSW_C0;
        else if (isZero(se, m)) cls = FSW_C3;
        else if (isDenormal(se, m)) cls = FSW_C3 | FSW_C2;
        else cls = FSW_C2;
        c.fsw = (c.fsw & ~CC) | cls | (neg(se) ? FSW_C1 : 0);
        note(c, i);
    }

    // ------------------------------------------------------------------ stack and moves

    /** FXCH ST(i): empty registers become the indefinite (stack underflow) before the exchange. */
    public static void fxch(Cpu c, Instruction i) {
        enter(c, true);
        int j = i.reg[0];
        Ctx a = ctx(c, 0), b = ctx(c, 1);
        load(c, a, 0);
        load(c, b, j);
        Ctx x = ctx(c, 2);
        x.flags = a.flags | b.flags;
        if (commit(c, x)) {
            setSt(c, 0, b.se, b.m);
            setSt(c, j, a.se, a.m);
        }
        note(c, i);
    }

    /** FCMOVcc ST(0), ST(i). */
    public static void fcmov(Cpu c, Instruction i, boolean cond) {
        enter(c, true);
        Ctx a = ctx(c, 0), b = ctx(c, 1);
        load(c, a, 0);
        load(c, b, i.reg[1]);
        Ctx x = ctx(c, 2);
        x.flags = a.flags | b.flags;
        if (commit(c, x, true)) {
            if ((x.flags & SF) != 0) setSt(c, 0, IND_SE, IND_M);
            else if (cond) setSt(c, 0, b.se, b.m);
        }
        note(c, i);
    }

    /** FFREE ST(i) (FFREEP also pops). */
    public static void ffree(Cpu c, Instruction i, boolean pop) {
        enter(c, true);
        c.ftw &= ~(1 << ph(c, i.reg[0]));
        c.fsw &= ~FSW_C1;
        if (pop) pop(c);
        note(c, i);
    }

    /** FINCSTP (+1) / FDECSTP (-1): TOP changes, tags do not; C1 = 0. */
    public static void fincstp(Cpu c, Instruction i, int delta) {
        enter(c, true);
        setTop(c, top(c) + delta);
        c.fsw &= ~FSW_C1;
        note(c, i);
    }

    /** FNOP and FWAIT: only the checks (FWAIT: #NM only with CR0.MP and CR0.TS, then #MF). */
    public static void fnop(Cpu c, Instruction i) {
        enter(c, true);
        note(c, i);
    }

    public static void fwait(Cpu c) {
        if ((c.cr0 & (Cpu.CR0_MP | Cpu.CR0_TS)) == (Cpu.CR0_MP | Cpu.CR0_TS)) {
            throw CpuException.of(CpuException.NM, 0, false, "fwait with CR0.MP and CR0.TS set");
        }
        if ((c.fsw & FSW_ES) != 0) throw CpuException.of(CpuException.MF, 0, false, "pending x87 exception");
    }

    // ------------------------------------------------------------------ control

    static int fsw(Cpu c) { return c.fsw & 0xFFFF; }

    /** FLDCW m16: ES and B follow the new masks. */
    public static void fldcw(Cpu c, Instruction i) {
        enter(c, true);
        int v = (int) Operands.readMem(c, addr(c, i), 2);
        loadControlWord(c, v);
    }

    static void updateEs(Cpu c) {
        if ((c.fsw & 0x3F & ~c.fcw) != 0) c.fsw |= FSW_ES | FSW_B;
        else c.fsw &= ~(FSW_ES | FSW_B);
    }

    public static void fnstcw(Cpu c, Instruction i) {
        enter(c, false);
        Operands.writeMem(c, addr(c, i), 2, c.fcw);
    }

    /** FNSTSW m16 or AX. */
    public static void fnstsw(Cpu c, Instruction i) {
        enter(c, false);
        if (i.kind[0] == Instruction.OP_MEM) Operands.writeMem(c, addr(c, i), 2, fsw(c));
        else c.r[Cpu.RAX] = (c.r[Cpu.RAX] & ~0xFFFFL) | fsw(c);
    }

    public static void fnclex(Cpu c) {
        enter(c, false);
        c.fsw &= ~(0x7F | FSW_ES | FSW_B);
    }

    public static void fninit(Cpu c) {
        enter(c, false);
        c.fcw = Cpu.FCW_INIT;
        c.fsw = 0;
        c.ftw = 0;
        c.fop = 0;
        c.fip = 0;
        c.fdp = 0;
    }

    /** The full 2-bit tag of physical register p (00 valid, 01 zero, 10 special, 11 empty). */
    static int tag(Cpu c, int p) {
        if ((c.ftw >>> p & 1) == 0) return 3;
        int se = c.fpe[p];
        long m = c.fpm[p];
        if (isZero(se, m)) return 1;
        if (exp(se) == 0x7FFF || exp(se) == 0 || m >= 0) return 2;
        return 0;
    }

    // ------------------------------------------------------------------ embedding API

    /** The full tag word (FNSTENV's form). */
    public static int tagWord(Cpu c) {
        return fullTags(c);
    }

    /** Loads a full tag word as FLDENV does (11 = empty, anything else valid). */
    public static void setTagWord(Cpu c, int tags) {
        c.ftw = 0;
        for (int p = 0; p < 8; p++) if ((tags >>> (2 * p) & 3) != 3) c.ftw |= 1 << p;
    }

    /** Loads a control word as FLDCW does. */
    public static void loadControlWord(Cpu c, int v) {
        c.fcw = (v & 0x1F3F) | 0x40;
        updateEs(c);
    }

    /** ST(i) as {significand, sign/exponent}. */
    public static long[] stRead(Cpu c, int st) {
        int p = ph(c, st);
        return new long[] {c.fpm[p], c.fpe[p] & 0xFFFF};
    }

    /** Writes ST(i) and marks it valid. */
    public static void stWrite(Cpu c, int st, long significand, int signExponent) {
        setSt(c, st, signExponent, significand);
    }

    static int fullTags(Cpu c) {
        int t = 0;
        for (int p = 0; p < 8; p++) t |= tag(c, p) << (2 * p);
        return t;
    }

    /** FNSTENV: the 28-byte (14 with 66) protected-mode environment, then all exceptions masked. */
    public static void fnstenv(Cpu c, Instruction i) {
        enter(c, false);
        long la = envAddress(c, i);
        storeEnv(c, la, i.opSize == 2);
        c.fcw |= 0x3F;
        updateEs(c);
    }

    /**
     * The address of an FNSTENV/FLDENV/FNSAVE/FRSTOR operand, with its alignment check: with
     * alignment checking on (CR0.AM, RFLAGS.AC, CPL 3), #AC(0) unless it is a multiple of 4 (2 for
     * the 16-bit formats), SDM Vol. 3A §6.15 (checked on the Intel host: FNSTENV at 2 mod 4 and
     * FNSAVE at 2 mod 4 fault, FNSAVE at 4 mod 8 does not).
     */
    private static long envAddress(Cpu c, Instruction i) {
        long la = addr(c, i);
        c.mmu.checkAlignment(la, i.opSize == 2 ? 2 : 4);
        return la;
    }

    private static void storeEnv(Cpu c, long la, boolean small) {
        int n = small ? 14 : 28;
        byte[] b = envBytes(c, small);
        c.mmu.readForWrite(la + n - 1, 1);
        c.mmu.readForWrite(la, 1);
        c.mmu.write(la, b, 0, n);
    }

    /**
     * The protected-mode environment as the hosts lstar was checked on (AMD Zen 5, Intel Xeon) store it: reserved halves of the
     * 32-bit format all ones, FCS/FDS zero, FIP the low bits of the last instruction's offset, and
     * FOP/FDP only while an exception is pending (ES = 1), zero otherwise.
     */
    static byte[] envBytes(Cpu c, boolean small) {
        byte[] b = new byte[28];
        boolean pending = (c.fsw & FSW_ES) != 0;
        int fop = pending ? c.fop & 0x7FF : 0;
        long fdp = pending ? c.fdp : 0;
        if (small) {
            put(b, 0, c.fcw, 2); put(b, 2, fsw(c), 2); put(b, 4, fullTags(c), 2);
            put(b, 6, c.fip, 2); put(b, 8, fop, 2); put(b, 10, fdp, 2); put(b, 12, 0, 2);
        } else {
            put(b, 0, 0xFFFF0000L | c.fcw, 4);
            put(b, 4, 0xFFFF0000L | fsw(c), 4);
            put(b, 8, 0xFFFF0000L | fullTags(c), 4);
            put(b, 12, c.fip, 4);
            put(b, 16, (long) fop << 16, 4);
            put(b, 20, fdp, 4);
            put(b, 24, 0xFFFF0000L, 4);
        }
        return b;
    }

    private static void put(byte[] b, int off, long v, int n) {
        for (int k = 0; k < n; k++) b[off + k] = (byte) (v >>> (8 * k));
    }

    private static long get(byte[] b, int off, int n) {
        long v = 0;
        for (int k = 0; k < n; k++) v |= (long) (b[off + k] & 0xFF) << (8 * k);
        return v;
    }

    /** FLDENV. */
    public static void fldenv(Cpu c, Instruction i) {
        enter(c, false);
        boolean small = i.opSize == 2;
        byte[] b = new byte[28];
        c.mmu.read(envAddress(c, i), b, 0, small ? 14 : 28);
        loadEnv(c, b, small);
    }

    private static void loadEnv(Cpu c, byte[] b, boolean small) {
        int w = small ? 2 : 4;
        c.fcw = ((int) get(b, 0, 2) & 0x1F3F) | 0x40;
        c.fsw = (int) get(b, w, 2);
        setTagWord(c, (int) get(b, 2 * w, 2));
        if (small) {
            c.fip = get(b, 6, 2); c.fop = (int) get(b, 8, 2) & 0x7FF; c.fdp = get(b, 10, 2);
        } else {
            c.fip = get(b, 12, 4); c.fop = (int) (get(b, 16, 4) >>> 16) & 0x7FF; c.fdp = get(b, 20, 4);
        }
        updateEs(c);
    }

    /** FNSAVE: environment and ST(0)..ST(7), then FNINIT. */
    public static void fnsave(Cpu c, Instruction i) {
        enter(c, false);
        boolean small = i.opSize == 2;
        int envLen = small ? 14 : 28;
        byte[] b = new byte[envLen + 80];
        System.arraycopy(envBytes(c, small), 0, b, 0, envLen);
        for (int st = 0; st < 8; st++) {
            int p = ph(c, st);
            put(b, envLen + 10 * st, c.fpm[p], 8);
            put(b, envLen + 10 * st + 8, c.fpe[p], 2);
        }
        long la = envAddress(c, i);
        c.mmu.readForWrite(la + b.length - 1, 1);
        c.mmu.readForWrite(la, 1);
        c.mmu.write(la, b, 0, b.length);
        fninit(c);
    }

    /** FRSTOR. */
    public static void frstor(Cpu c, Instruction i) {
        enter(c, false);
        boolean small = i.opSize == 2;
        int envLen = small ? 14 : 28;
        byte[] b = new byte[envLen + 80];
        c.mmu.read(envAddress(c, i), b, 0, b.length);
        loadEnv(c, b, small);
        for (int st = 0; st < 8; st++) {
            int p = ph(c, st);
            c.fpm[p] = get(b, envLen + 10 * st, 8);
            c.fpe[p] = (int) get(b, envLen + 10 * st + 8, 2);
        }
        updateEs(c);
    }

    /** FXSAVE/FXSAVE64: 512 bytes, 16-byte aligned (#GP(0)); REX.W stores 64-bit FIP/FDP. */
    public static void fxsave(Cpu c, Instruction i) {
        enter(c, false);
        long la = fxAddress(c, i);
        byte[] b = new byte[512];
        c.mmu.read(la, b, 0, 512); // keeps the bytes FXSAVE does not write; and checks readability
        fxImage(c, b, (i.rex & 8) != 0);
        c.mmu.readForWrite(la + 511, 1);
        c.mmu.readForWrite(la, 1);
        c.mmu.write(la, b, 0, 416);
    }

    /**
     * Writes the x87/SSE state into bytes 0-415 of {@code b} in FXSAVE's layout ({@code rex64}: the
     * FXSAVE64 form with 64-bit FIP/FDP); bytes 416-511 are left as they are. FXSAVE and the
     * kernel model's signal frames share it.
     */
    public static void fxImage(Cpu c, byte[] b, boolean rex64) {
        put(b, 0, c.fcw, 2);
        put(b, 2, fsw(c), 2);
        put(b, 4, c.ftw & 0xFF, 1);
        b[5] = 0;
        boolean ptrs = (c.fsw & FSW_ES) != 0; // this host saves FOP and FDP only with an exception pending, FIP always
        put(b, 6, ptrs ? c.fop : 0, 2);
        if (rex64) {
            put(b, 8, c.fip, 8);
            put(b, 16, ptrs ? c.fdp : 0, 8);
        } else {
            put(b, 8, c.fip, 4);
            put(b, 12, 0, 4);
            put(b, 16, ptrs ? c.fdp : 0, 4);
            put(b, 20, 0, 4);
        }
        put(b, 24, c.mxcsr & 0xFFFF_FFFFL, 4);
        put(b, 28, Sse.MXCSR_MASK, 4);
        for (int st = 0; st < 8; st++) {
            int p = ph(c, st);
            put(b, 32 + 16 * st, c.fpm[p], 8);
            put(b, 40 + 16 * st, c.fpe[p], 2);
            put(b, 42 + 16 * st, 0, 6);
        }
        for (int x = 0; x < 16; x++) {
            put(b, 160 + 16 * x, c.xmm[2 * x], 8);
            put(b, 168 + 16 * x, c.xmm[2 * x + 1], 8);
        }
    }

    /** FXRSTOR/FXRSTOR64; a reserved MXCSR bit is #GP(0). */
    public static void fxrstor(Cpu c, Instruction i) {
        enter(c, false);
        long la = fxAddress(c, i);
        byte[] b = new byte[512];
        c.mmu.read(la, b, 0, 512);
        if (!loadFxImage(c, b, (i.rex & 8) != 0)) {
            throw CpuException.gp0("fxrstor: reserved MXCSR bits 0x" + Integer.toHexString((int) get(b, 24, 4)));
        }
    }

    /**
     * Loads the x87/SSE state from a 512-byte FXSAVE image, as FXRSTOR does; false (and nothing
     * loaded) when the image's MXCSR sets a reserved bit, which FXRSTOR answers with #GP(0).
     */
    public static boolean loadFxImage(Cpu c, byte[] b, boolean rex64) {
        int mx = (int) get(b, 24, 4);
        if ((mx & ~Sse.MXCSR_MASK) != 0) return false;
        c.fcw = ((int) get(b, 0, 2) & 0x1F3F) | 0x40;
        c.fsw = (int) get(b, 2, 2);
        c.ftw = b[4] & 0xFF;
        c.fop = (int) get(b, 6, 2) & 0x7FF;
        c.fip = rex64 ? get(b, 8, 8) : get(b, 8, 4);
        c.fdp = rex64 ? get(b, 16, 8) : get(b, 16, 4);
        c.mxcsr = mx;
        for (int st = 0; st < 8; st++) {
            int p = ph(c, st);
            c.fpm[p] = get(b, 32 + 16 * st, 8);
            c.fpe[p] = (int) get(b, 40 + 16 * st, 2);
        }
        for (int x = 0; x < 16; x++) {
            c.xmm[2 * x] = get(b, 160 + 16 * x, 8);
            c.xmm[2 * x + 1] = get(b, 168 + 16 * x, 8);
        }
        return true;
    }

    /**
     * The x87/SSE initial state that an FXRSTOR of Linux's init_fpstate gives (FCW 0x37F, MXCSR
     * 0x1F80, everything else zero, all registers empty): what a signal handler starts with.
     */
    public static void resetFxState(Cpu c) {
        c.fcw = Cpu.FCW_INIT;
        c.fsw = 0;
        c.ftw = 0;
        c.fop = 0;
        c.fip = 0;
        c.fdp = 0;
        c.mxcsr = Cpu.MXCSR_RESET;
        java.util.Arrays.fill(c.fpm, 0);
        java.util.Arrays.fill(c.fpe, 0);
        java.util.Arrays.fill(c.xmm, 0, 32, 0);
    }

    private static long fxAddress(Cpu c, Instruction i) {
        long la = addr(c, i);
        if ((la & 15) != 0) throw CpuException.gp0("fxsave/fxrstor area not 16-byte aligned: 0x" + Long.toHexString(la));
        return la;
    }
}
