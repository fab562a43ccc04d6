package dev.lstar.translator;

import static dev.lstar.translator.BlockCompiler.CPU;
import static dev.lstar.translator.BlockCompiler.MMU;
import static dev.lstar.translator.BlockCompiler.RT;
import static dev.lstar.translator.OperandEmitter.L_FRAME;
import static dev.lstar.translator.OperandEmitter.L_FRAME_OFFSET;
import static dev.lstar.translator.OperandEmitter.L_CPU;
import static dev.lstar.translator.OperandEmitter.L_MMU;
import static dev.lstar.translator.OperandEmitter.L_REGS;
import static org.objectweb.asm.Opcodes.*;

import dev.lstar.decoder.Access;
import dev.lstar.decoder.Instruction;
import dev.lstar.decoder.Mnemonic;
import dev.lstar.decoder.OpcodeTable;
import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.mem.FrameAccess;
import dev.lstar.runtime.ops.Sse;
import dev.lstar.runtime.ops.SseExt;
import dev.lstar.runtime.ops.SseFloat;
import dev.lstar.runtime.ops.SseInt;
import dev.lstar.translator.Helpers.Helper;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;

/**
 * Bytecode for the SSE instructions (the XMM forms of the {@link OpcodeTable#A_SSE} rows): every
 * one runs without the interpreter fallback, in one of two ways, both on the semantics the
 * interpreter runs.
 *
 * <ul>
 *   <li><b>Direct call</b> (any form): the {@code ops} method {@code Exec} calls for the mnemonic,
 *       {@code (Cpu, Instruction)}, called straight from the block — no {@code Exec} dispatch,
 *       no spill and reload of every register: only the GPRs the instruction reads or writes
 *       (its address registers, a GPR operand) go through {@code cpu.r}.</li>
 *   <li><b>Inline</b> (the hot forms of compiled C: 128-bit and scalar moves, MOVD/MOVQ, the
 *       logic, PMOVMSKB, the common packed-integer lanes, scalar ADD/SUB/MUL/DIV/SQRT/MIN/MAX):
 *       operands are read and written by the emitter — XMM halves in the method's long locals
 *       ({@link OperandEmitter#xmmLoad}; {@code cpu.xmm} in hooked code), memory
 *       through the same {@code Mmu} accesses as the rest of translated code — and the value work
 *       is a call to the same {@code ops} method on values ({@code SseFloat.addsdLane},
 *       {@code SseInt.pcmpeqbHalf}, {@code Sse.byteSignMask}...) that the instruction's own
 *       method uses; the pure moves and the bitwise logic need no method at all.</li>
 * </ul>
 *
 * Exceptions are the interpreter's, in its order: {@code Sse.available} first (CR0.EM/TS,
 * CR4.OSFXSR, exactly as {@code Exec}'s prologue), then the canonical check, the 16-byte alignment
 * rule of the row ({@code Sse.aligned16}), the memory access (a 128-bit store checks the second
 * page first, {@code Sse.store128At}), and last MXCSR's #XM inside the lane method, before the
 * destination is written.
 */
final class SseEmitter {
    private SseEmitter() {}

    private static final Class<?>[] FAMILIES = {Sse.class, SseInt.class, SseFloat.class, SseExt.class,
            dev.lstar.runtime.ops.Ssse3.class, dev.lstar.runtime.ops.Sse42.class};

    /**
     * Mnemonics whose {@code ops} method is not named after them (the rest: the lower-case
     * mnemonic, in exactly one of {@link #FAMILIES}); {@code SseEmitterTest} checks the whole
     * binding against {@code Exec}'s cases.
     */
    private static final Map<Mnemonic, String> RENAMED = new EnumMap<>(Mnemonic.class);

    private static void renamed(String method, Mnemonic... ms) {
        for (Mnemonic m : ms) RENAMED.put(m, method);
    }

    static {
        renamed("mov128", Mnemonic.MOVUPS, Mnemonic.MOVUPD, Mnemonic.MOVAPS, Mnemonic.MOVAPD, Mnemonic.MOVDQA,
                Mnemonic.MOVDQU, Mnemonic.MOVNTPS, Mnemonic.MOVNTPD, Mnemonic.MOVNTDQ, Mnemonic.LDDQU, Mnemonic.MOVNTDQA);
        renamed("movlp", Mnemonic.MOVLPS, Mnemonic.MOVLPD);
        renamed("movhp", Mnemonic.MOVHPS, Mnemonic.MOVHPD);
        renamed("and", Mnemonic.PAND, Mnemonic.ANDPS, Mnemonic.ANDPD);
        renamed("andn", Mnemonic.PANDN, Mnemonic.ANDNPS, Mnemonic.ANDNPD);
        renamed("or", Mnemonic.POR, Mnemonic.ORPS, Mnemonic.ORPD);
        renamed("xor", Mnemonic.PXOR, Mnemonic.XORPS, Mnemonic.XORPD);
        renamed("pextrd", Mnemonic.EXTRACTPS);
        // rows shared with MMX (their mm-register forms stay with the fallback, see forms)
        renamed("movq", Mnemonic.MOVNTQ, Mnemonic.MOVQ2DQ, Mnemonic.MOVDQ2Q);
        renamed("cvtdq2pd", Mnemonic.CVTPI2PD);
        renamed("cvtpd2dq", Mnemonic.CVTPD2PI);
        renamed("cvttpd2dq", Mnemonic.CVTTPD2PI);
    }

    /** The {@code (Cpu, Instruction)} method of every SSE mnemonic that has one. */
    private static final Map<Mnemonic, Helper> DIRECT = new EnumMap<>(Mnemonic.class);
    /** Scalar floating point on values: (Cpu, destination bits 63:0, source) -> new bits 63:0. */
    private static final Map<Mnemonic, Helper> LANE = new EnumMap<>(Mnemonic.class);
    /** Packed integer lanes on one 64-bit half: (destination half, source half) -> new half. */
    private static final Map<Mnemonic, Helper> HALF = new EnumMap<>(Mnemonic.class);
    /**
     * Packed floating point on one 64-bit half, valid while every MXCSR exception is masked:
     * (Cpu, destination half, source half) -> new half (a PD lane is the SD lane).
     */
    private static final Map<Mnemonic, Helper> PACKED = new EnumMap<>(Mnemonic.class);
    private static final Helper ALIGNMENT_CHECK16 = Helpers.of(Sse.class, "alignmentCheck16");
    private static final Helper CVTSI2SD_LANE = Helpers.of(SseFloat.class, "cvtsi2sdLane"),
            CVTSI2SS_LANE = Helpers.of(SseFloat.class, "cvtsi2ssLane"), COMISS_ON = Helpers.of(SseFloat.class, "comissOn"),
            TO_INT_LANE = Helpers.of(SseFloat.class, "toIntLane"), CVTSS2SD_LANE = Helpers.of(SseFloat.class, "cvtss2sdLane"),
            CVTSD2SS_LANE = Helpers.of(SseFloat.class, "cvtsd2ssLane");
    private static final Helper COMISD_ON = Helpers.of(SseFloat.class, "comisdOn"),
            PALIGNR_QUAD = Helpers.of(dev.lstar.runtime.ops.Ssse3.class, "palignrQuad");
    private static final Helper SHIFT_LANES = Helpers.of(SseInt.class, "shiftLanes"),
            ZIP8 = Helpers.of(SseInt.class, "zip8"), ZIP16 = Helpers.of(SseInt.class, "zip16"),
            ZIP32 = Helpers.of(SseInt.class, "zip32"), PACKSSWB_HALF = Helpers.of(SseInt.class, "packsswbHalf"),
            PACKUSWB_HALF = Helpers.of(SseInt.class, "packuswbHalf"), PACKSSDW_HALF = Helpers.of(SseInt.class, "packssdwHalf");
    /** The double operations with range rules ({@link LaneRanges}): the SD forms and the PD forms' halves. */
    private static final Map<Mnemonic, LaneRanges.Op> RANGED = new EnumMap<>(Mnemonic.class);
    /** The ranged lane of each ({@code SseFloat.addsdRanged}...). */
    private static final Map<LaneRanges.Op, Helper> RANGED_LANE = new EnumMap<>(LaneRanges.Op.class);
    /**
     * The range checks' excesses by {@link LaneRanges.Test} (NONE and NONZERO have none: see rangeCheck): each test is the
     * whole window (|x| in [2^-256, 2^256), positive for POSITIVE), at least what its name
     * promises; a value just above the window that a LOWER test would have let through taints.
     */
    private static final Map<LaneRanges.Test, Helper> RANGE_EXCESS = new EnumMap<>(LaneRanges.Test.class);
    private static final Helper RANGE_OK = Helpers.of(SseFloat.class, "rangeOk"), NON_ZERO = Helpers.of(SseFloat.class, "nonZero");

    static {
        for (LaneRanges.Op op : LaneRanges.Op.values()) {
            RANGED.put(Mnemonic.valueOf(op.name() + "SD"), op);
            RANGED.put(Mnemonic.valueOf(op.name() + "PD"), op);
            RANGED_LANE.put(op, Helpers.of(SseFloat.class, op.name().toLowerCase() + "sdRanged"));
        }
        Helper window = Helpers.of(SseFloat.class, "rangeExcess");
        RANGE_EXCESS.put(LaneRanges.Test.LOWER, window);
        RANGE_EXCESS.put(LaneRanges.Test.UPPER, window);
        RANGE_EXCESS.put(LaneRanges.Test.BOTH, window);
        RANGE_EXCESS.put(LaneRanges.Test.POSITIVE, Helpers.of(SseFloat.class, "positiveExcess"));
    }

    /** PSLL/PSRL/PSRA by lanes: {lane width, kind (0 left, 1 logical right, 2 arithmetic right)}. */
    private static final Map<Mnemonic, int[]> LANE_SHIFT = new EnumMap<>(Mnemonic.class);
    /** PUNPCKLxx/PUNPCKHxx: {lane width, 1 for the high unpacks}. */
    private static final Map<Mnemonic, int[]> UNPACK = new EnumMap<>(Mnemonic.class);
    /** PACKSSWB/PACKUSWB/PACKSSDW: {source lane width, min, max}. */
    private static final Map<Mnemonic, long[]> PACK = new EnumMap<>(Mnemonic.class);

    static {
        LANE_SHIFT.put(Mnemonic.PSLLW, new int[] {16, 0});
        LANE_SHIFT.put(Mnemonic.PSLLD, new int[] {32, 0});
        LANE_SHIFT.put(Mnemonic.PSLLQ, new int[] {64, 0});
        LANE_SHIFT.put(Mnemonic.PSRLW, new int[] {16, 1});
        LANE_SHIFT.put(Mnemonic.PSRLD, new int[] {32, 1});
        LANE_SHIFT.put(Mnemonic.PSRLQ, new int[] {64, 1});
        LANE_SHIFT.put(Mnemonic.PSRAW, new int[] {16, 2});
        LANE_SHIFT.put(Mnemonic.PSRAD, new int[] {32, 2});
        UNPACK.put(Mnemonic.PUNPCKLBW, new int[] {8, 0});
        UNPACK.put(Mnemonic.PUNPCKLWD, new int[] {16, 0});
        UNPACK.put(Mnemonic.PUNPCKLDQ, new int[] {32, 0});
        UNPACK.put(Mnemonic.PUNPCKLQDQ, new int[] {64, 0});
        UNPACK.put(Mnemonic.PUNPCKHBW, new int[] {8, 1});
        UNPACK.put(Mnemonic.PUNPCKHWD, new int[] {16, 1});
        UNPACK.put(Mnemonic.PUNPCKHDQ, new int[] {32, 1});
        UNPACK.put(Mnemonic.PUNPCKHQDQ, new int[] {64, 1});
        PACK.put(Mnemonic.PACKSSWB, new long[] {16, -128, 127});
        PACK.put(Mnemonic.PACKUSWB, new long[] {16, 0, 255});
        PACK.put(Mnemonic.PACKSSDW, new long[] {32, -32768, 32767});
    }

    static final Helper AVAILABLE = Helpers.of(Sse.class, "available"), USABLE = Helpers.of(Sse.class, "usable"),
            SLOW_MODE = Helpers.of(SseFloat.class, "slowMode"), ALIGNED16 = Helpers.of(Sse.class, "aligned16"),
            STORE128 = Helpers.of(Sse.class, "store128At"), BYTE_SIGN_MASK = Helpers.of(Sse.class, "byteSignMask");

    /** The scalar compares translated inline ({@code SseFloat.comisdOn}/{@code comissOn}): flags from the low halves. */
    private static final Set<Mnemonic> COMPARES = EnumSet.of(Mnemonic.UCOMISD, Mnemonic.COMISD, Mnemonic.UCOMISS, Mnemonic.COMISS);

    /** The scalar conversions translated inline (their lanes in {@code SseFloat}): all read bits 63:0 at most of one XMM half. */
    private static final Set<Mnemonic> CONVERSIONS = EnumSet.of(Mnemonic.CVTSI2SD, Mnemonic.CVTSI2SS, Mnemonic.CVTTSD2SI,
            Mnemonic.CVTSD2SI, Mnemonic.CVTTSS2SI, Mnemonic.CVTSS2SI, Mnemonic.CVTSS2SD, Mnemonic.CVTSD2SS);

    private static final Set<Mnemonic> MOV128 = EnumSet.of(Mnemonic.MOVUPS, Mnemonic.MOVUPD, Mnemonic.MOVAPS,
            Mnemonic.MOVAPD, Mnemonic.MOVDQA, Mnemonic.MOVDQU, Mnemonic.MOVNTPS, Mnemonic.MOVNTPD, Mnemonic.MOVNTDQ,
            Mnemonic.LDDQU, Mnemonic.MOVNTDQA);

    static {
        Set<Mnemonic> sse = EnumSet.noneOf(Mnemonic.class);
        for (OpcodeTable.Row r : OpcodeTable.rows()) if ((r.attributes & OpcodeTable.A_SSE) != 0) sse.add(r.mnemonic);
        for (Mnemonic m : sse) {
            Helper h = direct(m);
            if (h != null) DIRECT.put(m, h);
        }
        for (Mnemonic m : EnumSet.of(Mnemonic.ADDSS, Mnemonic.ADDSD, Mnemonic.SUBSS, Mnemonic.SUBSD, Mnemonic.MULSS,
                Mnemonic.MULSD, Mnemonic.DIVSS, Mnemonic.DIVSD, Mnemonic.SQRTSS, Mnemonic.SQRTSD, Mnemonic.MINSS,
                Mnemonic.MINSD, Mnemonic.MAXSS, Mnemonic.MAXSD)) {
            LANE.put(m, Helpers.of(SseFloat.class, m.name().toLowerCase() + "Lane"));
        }
        for (String op : new String[] {"add", "sub", "mul", "div", "sqrt", "min", "max"}) {
            PACKED.put(Mnemonic.valueOf(op.toUpperCase() + "PD"), Helpers.of(SseFloat.class, op + "sdLane"));
            PACKED.put(Mnemonic.valueOf(op.toUpperCase() + "PS"), Helpers.of(SseFloat.class, op + "psHalf"));
        }
        for (Mnemonic m : EnumSet.of(Mnemonic.PADDB, Mnemonic.PADDW, Mnemonic.PADDD, Mnemonic.PADDQ, Mnemonic.PSUBB,
                Mnemonic.PSUBW, Mnemonic.PSUBD, Mnemonic.PSUBQ, Mnemonic.PCMPEQB, Mnemonic.PCMPEQW, Mnemonic.PCMPEQD,
                Mnemonic.PMINUB, Mnemonic.PMAXUB)) {
            HALF.put(m, Helpers.of(SseInt.class, m.name().toLowerCase() + "Half"));
        }
    }

    /** The method Exec calls for {@code m}: by name in the families, or null if none has one. */
    private static Helper direct(Mnemonic m) {
        String name = RENAMED.getOrDefault(m, m.name().toLowerCase());
        List<Class<?>> owners = new ArrayList<>();
        for (Class<?> f : FAMILIES) {
            for (Method x : Helpers.publicStatic(f, name)) {
                if (x.getReturnType() == void.class && x.getParameterCount() == 2 && x.getParameterTypes()[0] == Cpu.class
                        && x.getParameterTypes()[1] == Instruction.class) {
                    owners.add(f);
                }
            }
        }
        if (owners.size() > 1) throw new IllegalStateException(m + ": " + name + " in " + owners);
        return owners.isEmpty() ? null : Helpers.of(owners.get(0), name);
    }

    /** The bound mnemonics: every SSE mnemonic with an {@code ops} method. */
    static Set<Mnemonic> mnemonics() {
        return Collections.unmodifiableSet(DIRECT.keySet());
    }

    /** The direct-call method of {@code m} (for tests), or null. */
    static Method directMethod(Mnemonic m) {
        Helper h = DIRECT.get(m);
        return h == null ? null : h.method();
    }

    /** The forms handled here: an SSE row whose operands are XMM registers, memory, GPRs and immediates. */
    static boolean forms(Instruction i) {
        if ((i.attributes & OpcodeTable.A_SSE) == 0 || !DIRECT.containsKey(i.mnemonic)) return false;
        // the MMX rules (CR0.EM/TS, pending x87 exception, TOP = 0 and the tag word) live in Exec:
        // rows that follow them run through the fallback
        if ((i.attributes & OpcodeTable.A_MMX) != 0) return false;
        boolean xmm = false;
        for (int n = 0; n < i.nOperands; n++) {
            switch (i.kind[n]) {
                case Instruction.OP_XMM -> xmm = true;
                case Instruction.OP_MEM, Instruction.OP_REG, Instruction.OP_IMM -> { }
                default -> { return false; }
            }
        }
        return xmm || i.mnemonic == Mnemonic.LDMXCSR || i.mnemonic == Mnemonic.STMXCSR;
    }

    /** Emits {@code i} (instruction {@code k}; {@link #forms} holds). */
    static void emit(MethodEmitter e, int k, Instruction i) {
        MethodVisitor mv = e.mv;
        if (!e.sseAvailable) { // as Exec's prologue for every A_SSE row (once while CR0/CR4 cannot change)
            // the flags' liveness counted on the rules being checked exactly here (MethodEmitter.computeLiveness)
            if (!e.sseCheckAt[k]) throw new IllegalStateException("SSE rules checked where the liveness did not expect: " + i);
            Label ok = new Label();
            if (e.sseOkSlot >= 0) { // the prologue's answer holds for the whole method
                mv.visitVarInsn(ILOAD, e.sseOkSlot);
                mv.visitJumpInsn(IFNE, ok);
            }
            mv.visitVarInsn(ALOAD, L_CPU);
            AVAILABLE.invoke(mv);
            if (e.sseOkSlot >= 0) mv.visitLabel(ok);
            e.sseAvailable = true;
        }
        boolean inlined = inline(e, k, i);
        if (inlined != inlineForm(i.mnemonic)) throw new IllegalStateException("inlineForm disagrees for " + i);
        if (!inlined) direct(e, k, i);
        if ((i.flagsWritten & OpcodeTable.OSZAPC) != 0) e.conditions.forget();
    }

    /** The ops method on {@code cpu} and the instruction, with the GPRs it touches exact in {@code cpu.r}. */
    private static void direct(MethodEmitter e, int k, Instruction i) {
        spillFor(e, i);
        call(e, k, i);
    }

    /** Makes {@code cpu.r} exact for the GPRs {@code i} reads or writes (what its ops method touches). */
    private static void spillFor(MethodEmitter e, Instruction i) {
        int read = Access.regsRead(i) & e.cachedRegs, written = Access.regsWritten(i) & e.cachedRegs;
        int spill = (read | written) & e.dirtyRegs; // a written register too: it may be written partly
        e.spill(spill);
        e.dirtyRegs &= ~spill;
        int halves = xmmTouched(i) & e.cachedXmm & e.dirtyXmm;
        e.spillXmm(halves);
        e.dirtyXmm &= ~halves;
    }

    /**
     * The XMM halves an instruction's own ops method may read or write: both halves of every XMM
     * operand, and XMM0 (PCMPxSTRM's implicit result, BLENDV's implicit mask).
     */
    static int xmmTouched(Instruction i) {
        int m = 3; // XMM0
        for (int n = 0; n < i.nOperands; n++) if (i.kind[n] == Instruction.OP_XMM) m |= 3 << (i.reg[n] << 1);
        return m;
    }

    /** The XMM halves an instruction's own ops method may write: its XMM destination, XMM0 for PCMPxSTRM. */
    static int xmmWritten(Instruction i) {
        int m = i.mnemonic == Mnemonic.PCMPESTRM || i.mnemonic == Mnemonic.PCMPISTRM ? 3 : 0;
        if (i.nOperands > 0 && i.kind[0] == Instruction.OP_XMM) m |= 3 << (i.reg[0] << 1);
        return m;
    }

    /** The ops method's call, after {@link #spillFor}, and the reload of the GPRs it wrote. */
    private static void call(MethodEmitter e, int k, Instruction i) {
        MethodVisitor mv = e.mv;
        int written = Access.regsWritten(i) & e.cachedRegs;
        mv.visitVarInsn(ALOAD, L_CPU);
        e.pushInsn(k);
        DIRECT.get(i.mnemonic).invoke(mv);
        for (int r = 0; r < 16; r++) {
            if ((written & (1 << r)) == 0) continue;
            mv.visitVarInsn(ALOAD, L_REGS);
            e.iconst(r);
            mv.visitInsn(LALOAD);
            mv.visitVarInsn(LSTORE, e.slot(r));
        }
        e.reloadXmm(xmmWritten(i) & e.cachedXmm);
    }

    // ---------------------------------------------------------------- inline forms

    /**
     * Whether {@code i}, with register operands, raises no exception once the SSE rules (CR0,
     * CR4) hold: an inline move, logic, shuffle, unpack, pack or integer-lane form, or CVTSI2SD of
     * a 32-bit integer (always exact). Not the floating-point forms (#XM when unmasked), nor a
     * direct call. (A memory operand's faults are the caller's to add.)
     */
    static boolean quiet(Instruction i) {
        Mnemonic m = i.mnemonic;
        if (!inlineForm(m) || LANE.containsKey(m) || PACKED.containsKey(m) || COMPARES.contains(m)) return false;
        return !CONVERSIONS.contains(m) || (m == Mnemonic.CVTSI2SD && i.size[1] == 4);
    }

    /** Whether {@link #inline} emits mnemonic {@code m} itself (else the direct call). */
    static boolean inlineForm(Mnemonic m) {
        if (MOV128.contains(m) || LANE_SHIFT.containsKey(m) || UNPACK.containsKey(m) || PACK.containsKey(m)
                || LANE.containsKey(m) || HALF.containsKey(m) || PACKED.containsKey(m)) {
            return true;
        }
        return switch (m) {
            case MOVSD, MOVSS, MOVQ, MOVD, PAND, ANDPS, ANDPD, PANDN, ANDNPS, ANDNPD, POR, ORPS, ORPD, PXOR, XORPS,
                    XORPD, PMOVMSKB, UNPCKLPD, UNPCKHPD, MOVLPS, MOVLPD, MOVHPS, MOVHPD, MOVHLPS, MOVLHPS, SHUFPD,
                    UCOMISD, COMISD, UCOMISS, COMISS, PALIGNR, CVTSI2SD, CVTSI2SS, CVTTSD2SI, CVTSD2SI, CVTTSS2SI,
                    CVTSS2SI, CVTSS2SD, CVTSD2SS -> true;
            default -> false;
        };
    }

    /**
     * The share of HotSpot's inlining budget for one method ({@link BlockCompiler#methodCut})
     * that {@code i} takes, in quarters of one inline 64-bit memory access (the MMU fast path
     * with its frame access, ~200-300 bytecodes): 4 per quadword the form accesses, 8 for a
     * 16-byte store through {@code Sse.store128At}, 2 per floating-point value lane (its fast
     * path, ~190 bytecodes), 1 for the small integer lane and flag methods. A direct call is
     * one call whatever it does (its method is too large to inline): 1, plus 4 when it
     * accesses memory, as the other instructions count.
     */
    static int budgetQuarters(Instruction i) {
        Mnemonic m = i.mnemonic;
        if (!inlineForm(m)) return Access.accessesMemory(i) ? 5 : 1;
        int q = 0;
        for (int n = 0; n < i.nOperands; n++) {
            if (i.kind[n] != Instruction.OP_MEM) continue;
            int size = i.size[n];
            if (n == 0 && size == 16) q += 8; // store128At: two stores and the second page's check
            else q += size == 16 ? 8 : 4;
        }
        if (LANE.containsKey(m) || CONVERSIONS.contains(m)) q += 2;
        else if (PACKED.containsKey(m)) q += m.name().endsWith("PS") ? 8 : 4;
        else if (HALF.containsKey(m) || LANE_SHIFT.containsKey(m) || UNPACK.containsKey(m) || PACK.containsKey(m)
                || COMPARES.contains(m) || m == Mnemonic.PMOVMSKB || m == Mnemonic.PALIGNR) {
            q += 1;
        }
        return q;
    }

    /**
     * The XMM halves (bit 2 * register + half) {@code i}'s inline form reads or writes, which the
     * method keeps in locals; 0 for a direct call (its method works on {@code cpu.xmm}). Only the
     * low halves for the scalar forms that leave bits 127:64 alone; else both halves of every XMM
     * operand. (Any half outside the mask is still right: it is accessed in {@code cpu.xmm}.)
     */
    static int halvesUsed(Instruction i) {
        Mnemonic m = i.mnemonic;
        if (!inlineForm(m)) return 0;
        boolean lowOnly = LANE.containsKey(m) || COMPARES.contains(m) || CONVERSIONS.contains(m)
                || ((m == Mnemonic.MOVSD || m == Mnemonic.MOVSS) && i.kind[1] != Instruction.OP_MEM)
                || ((m == Mnemonic.MOVQ || m == Mnemonic.MOVD) && i.kind[0] != Instruction.OP_XMM);
        int mask = 0;
        for (int n = 0; n < i.nOperands; n++) {
            if (i.kind[n] != Instruction.OP_XMM) continue;
            boolean low = lowOnly || ((m == Mnemonic.MOVQ || m == Mnemonic.MOVD) && n == 1);
            mask |= (low ? 1 : 3) << (i.reg[n] << 1);
        }
        return mask;
    }

    /** The scalar double forms whose XMM operands' low halves are doubles to them ({@link #doubleHalves}). */
    private static final Set<Mnemonic> SCALAR_DOUBLE = EnumSet.of(Mnemonic.ADDSD, Mnemonic.SUBSD, Mnemonic.MULSD,
            Mnemonic.DIVSD, Mnemonic.SQRTSD, Mnemonic.MINSD, Mnemonic.MAXSD, Mnemonic.UCOMISD, Mnemonic.COMISD,
            Mnemonic.CVTSI2SD, Mnemonic.CVTTSD2SI, Mnemonic.CVTSD2SI, Mnemonic.CVTSD2SS);
    /** The packed double forms: both halves of their XMM operands are doubles. */
    private static final Set<Mnemonic> PACKED_DOUBLE = EnumSet.of(Mnemonic.ADDPD, Mnemonic.SUBPD, Mnemonic.MULPD,
            Mnemonic.DIVPD, Mnemonic.SQRTPD, Mnemonic.MINPD, Mnemonic.MAXPD);

    /**
     * The cached halves {@code i} (an inline SSE form) uses as doubles (bit q as {@link #halvesUsed}):
     * the scalar double forms' low halves, the packed double forms' both.
     */
    static int doubleHalves(Instruction i) {
        Mnemonic m = i.mnemonic;
        if (SCALAR_DOUBLE.contains(m)) return halvesUsed(i) & 0x5555_5555; // (low halves only: CVTSD2SS writes no high one)
        return PACKED_DOUBLE.contains(m) ? halvesUsed(i) : 0;
    }

    /**
     * The cached halves {@code i} uses as bits, neither as doubles ({@link #doubleHalves}) nor
     * only moved: 64- and 128-bit register moves and loads/stores, and a register XOR-ed with
     * itself (zeroing), leave a half's kind open. A half no form uses as bits may live in a
     * double local ({@code OperandEmitter.doubleXmm}).
     */
    static int bitHalves(Instruction i) {
        Mnemonic m = i.mnemonic;
        boolean neutral = MOV128.contains(m) || (m == Mnemonic.MOVSD && i.nOperands == 2)
                || ((m == Mnemonic.PXOR || m == Mnemonic.XORPS || m == Mnemonic.XORPD)
                        && i.kind[1] == Instruction.OP_XMM && i.reg[0] == i.reg[1]);
        return neutral ? 0 : halvesUsed(i) & ~doubleHalves(i);
    }

    private static boolean inline(MethodEmitter e, int k, Instruction i) {
        Mnemonic m = i.mnemonic;
        if (MOV128.contains(m)) {
            mov128(e, i);
            return true;
        }
        switch (m) {
            case MOVSD, MOVSS -> scalarMove(e, i, m == Mnemonic.MOVSD ? 8 : 4);
            case MOVQ, MOVD -> movdq(e, i);
            case PAND, ANDPS, ANDPD -> logic(e, i, LAND, false);
            case PANDN, ANDNPS, ANDNPD -> logic(e, i, LAND, true);
            case POR, ORPS, ORPD -> logic(e, i, LOR, false);
            case PXOR, XORPS, XORPD -> logic(e, i, LXOR, false);
            case PMOVMSKB -> {
                int s = i.reg[1] << 1;
                xmmLoad(e, s);
                xmmLoad(e, s + 1);
                BYTE_SIGN_MASK.invoke(e.mv);
                e.writeReg(i.reg[0], 8);
            }
            case UNPCKLPD -> { // d.hi = s.lo (an m128 is read whole: alignment)
                LaneRanges.Range r = i.kind[1] == Instruction.OP_XMM ? e.ranges.get(i.reg[1] << 1) : null;
                int[] v = read128(e, i, 1);
                xmmStore(e, (i.reg[0] << 1) + 1, v[0]);
                if (r != null) e.ranges.set((i.reg[0] << 1) + 1, r);
            }
            case UNPCKHPD -> { // d = d.hi s.hi (reads only the m128's high quadword, as Exec)
                LaneRanges.Range r = i.kind[1] == Instruction.OP_XMM ? e.ranges.get((i.reg[1] << 1) + 1) : null;
                int t = e.temp();
                high(e, i, 1);
                e.mv.visitVarInsn(LSTORE, t);
                int d = i.reg[0] << 1;
                copyHalf(e, d + 1, d);
                xmmStore(e, d + 1, t);
                if (r != null) e.ranges.set(d + 1, r);
            }
            case MOVLPS, MOVLPD, MOVHPS, MOVHPD -> { // m64 <-> one half
                int h = m == Mnemonic.MOVHPS || m == Mnemonic.MOVHPD ? 1 : 0;
                if (i.kind[0] == Instruction.OP_MEM) {
                    int la = address(e, i, 8);
                    e.mv.visitVarInsn(ALOAD, L_MMU);
                    e.mv.visitVarInsn(LLOAD, la);
                    xmmLoad(e, (i.reg[1] << 1) + h);
                    e.memWrite(8);
                } else {
                    int t = e.temp();
                    low(e, i, 1);
                    e.mv.visitVarInsn(LSTORE, t);
                    xmmStore(e, (i.reg[0] << 1) + h, t);
                }
            }
            case MOVHLPS -> copyHalf(e, (i.reg[1] << 1) + 1, i.reg[0] << 1);
            case MOVLHPS -> copyHalf(e, i.reg[1] << 1, (i.reg[0] << 1) + 1);
            case SHUFPD -> {
                int[] v = read128(e, i, 1);
                int d = i.reg[0] << 1;
                if ((i.imm & 1) != 0) copyHalf(e, d + 1, d);
                xmmStore(e, d + 1, v[(int) (i.imm >> 1 & 1)]);
            }
            case PALIGNR -> { // (the XMM form: forms() leaves the MMX one to the fallback)
                int[] v = read128(e, i, 1);
                int d = i.reg[0] << 1, sh = (int) (i.imm & 0xFF), r[] = {e.temp(), e.temp()};
                for (int h = 0; h < 2; h++) { // both result halves from the old destination
                    e.mv.visitVarInsn(LLOAD, v[0]);
                    e.mv.visitVarInsn(LLOAD, v[1]);
                    xmmLoad(e, d);
                    xmmLoad(e, d + 1);
                    e.iconst(sh + 8 * h);
                    PALIGNR_QUAD.invoke(e.mv);
                    e.mv.visitVarInsn(LSTORE, r[h]);
                }
                xmmStore(e, d, r[0]);
                xmmStore(e, d + 1, r[1]);
            }
            case CVTSI2SD -> { // (a 32-bit integer's double is zero or in [1, 2^31]; a 64-bit one's at most 2^63)
                convertInto(e, i, CVTSI2SD_LANE, false, true);
                e.ranges.set(i.reg[0] << 1, e.ranges.fresh(new LaneRanges.Range(0, i.size[1] == 4 ? 31 : 63, false, 0, true)));
            }
            case UCOMISD, COMISD, UCOMISS, COMISS -> { // (the single forms: the lane takes bits 31:0)
                int b = e.temp();
                low(e, i, 1);
                e.mv.visitVarInsn(LSTORE, b);
                e.mv.visitVarInsn(ALOAD, L_CPU);
                xmmLoad(e, i.reg[0] << 1);
                e.mv.visitVarInsn(LLOAD, b);
                e.iconst(m == Mnemonic.COMISD || m == Mnemonic.COMISS ? 1 : 0);
                (m == Mnemonic.COMISD || m == Mnemonic.UCOMISD ? COMISD_ON : COMISS_ON).invoke(e.mv);
            }
            case CVTTSD2SI, CVTSD2SI, CVTTSS2SI, CVTSS2SI -> { // a GPR from bits 63:0 (31:0) of an XMM or m64 (m32)
                boolean single = m == Mnemonic.CVTTSS2SI || m == Mnemonic.CVTSS2SI;
                int v = e.temp(), size = i.size[0];
                low(e, i, 1);
                e.mv.visitVarInsn(LSTORE, v);
                e.mv.visitVarInsn(ALOAD, L_CPU);
                e.mv.visitVarInsn(LLOAD, v);
                e.iconst(single ? 1 : 0);
                e.iconst(size);
                e.iconst(m == Mnemonic.CVTTSD2SI || m == Mnemonic.CVTTSS2SI ? 1 : 0);
                TO_INT_LANE.invoke(e.mv);
                e.writeReg(i.reg[0], size);
            }
            case CVTSS2SD -> convertInto(e, i, CVTSS2SD_LANE, false, false);
            case CVTSD2SS -> convertInto(e, i, CVTSD2SS_LANE, true, false);
            case CVTSI2SS -> convertInto(e, i, CVTSI2SS_LANE, true, true);
            default -> {
                if (LANE_SHIFT.containsKey(m)) {
                    laneShift(e, i, LANE_SHIFT.get(m));
                    return true;
                }
                if (UNPACK.containsKey(m)) {
                    unpack(e, i, UNPACK.get(m));
                    return true;
                }
                if (PACK.containsKey(m)) {
                    pack(e, i, PACK.get(m));
                    return true;
                }
                Helper lane = LANE.get(m), half = HALF.get(m), packed = PACKED.get(m);
                if (lane != null) scalarLane(e, i, lane);
                else if (half != null) halves(e, i, half);
                else if (packed != null) packedFloat(e, k, i, packed);
                else return false;
            }
        }
        return true;
    }

    /**
     * PSLLx/PSRLx/PSRAx on an XMM register ({@code SseInt.shift}): the count an imm8, or the low
     * quadword of xmm/m128 (an m128 is read whole); each half through {@code SseInt.shiftLanes}.
     */
    private static void laneShift(MethodEmitter e, Instruction i, int[] spec) {
        MethodVisitor mv = e.mv;
        if (i.kind[1] == Instruction.OP_IMM && spec[1] != 2) {
            logicalShiftByImmediate(e, i.reg[0] << 1, spec[0], spec[1] == 0, i.imm & 0xFF);
            return;
        }
        int n = e.temp();
        if (i.kind[1] == Instruction.OP_IMM) {
            e.lconst(i.imm & 0xFF);
            mv.visitVarInsn(LSTORE, n);
        } else {
            mv.visitVarInsn(LLOAD, read128(e, i, 1)[0]);
            mv.visitVarInsn(LSTORE, n);
        }
        int d = i.reg[0] << 1;
        for (int h = 0; h < 2; h++) {
            int q = d + h;
            e.xmmPut(q, () -> {
                xmmLoad(e, q);
                e.iconst(spec[0]);
                e.iconst(spec[1]);
                mv.visitVarInsn(LLOAD, n);
                SHIFT_LANES.invoke(mv);
            });
        }
    }

    /**
     * PSLLW/D/Q or PSRLW/D/Q by an immediate as plain bytecode: each half shifted whole, then the
     * bits that crossed into a neighbouring lane masked off (the mask known here); a count of the
     * lane width or more gives zero (as {@code SseInt.shiftLanes}).
     */
    private static void logicalShiftByImmediate(MethodEmitter e, int d, int bits, boolean left, long n) {
        MethodVisitor mv = e.mv;
        long mask = n >= bits ? 0 : SseInt.logicalShiftMask(bits, left, (int) n);
        for (int h = 0; h < 2; h++) {
            int q = d + h;
            e.xmmPut(q, () -> {
                if (n >= bits) {
                    e.lconst(0);
                    return;
                }
                xmmLoad(e, q);
                e.iconst((int) n);
                mv.visitInsn(left ? LSHL : LUSHR);
                if (mask != -1L) {
                    e.lconst(mask);
                    mv.visitInsn(LAND);
                }
            });
        }
    }

    /** PUNPCKLxx/PUNPCKHxx on XMM registers ({@code SseInt.unpack}): the source read whole, then {@code SseInt.interleave}. */
    private static void unpack(MethodEmitter e, Instruction i, int[] spec) {
        MethodVisitor mv = e.mv;
        int[] v = read128(e, i, 1);
        int d = i.reg[0] << 1, h = spec[1], a = e.temp(), r0 = e.temp();
        xmmLoad(e, d + h);
        mv.visitVarInsn(LSTORE, a);
        for (int u = 0; u < 2; u++) {
            if (spec[0] == 64) { // PUNPCKLQDQ/PUNPCKHQDQ: the destination's half, then the source's
                mv.visitVarInsn(LLOAD, u == 0 ? a : v[h]);
            } else { // the low (u = 0) or high 32 bits of both halves, zipped lane by lane
                for (int src : new int[] {a, v[h]}) {
                    mv.visitVarInsn(LLOAD, src);
                    if (u == 1) {
                        e.iconst(32);
                        mv.visitInsn(LUSHR);
                    }
                }
                (spec[0] == 8 ? ZIP8 : spec[0] == 16 ? ZIP16 : ZIP32).invoke(mv);
            }
            if (u == 0) {
                mv.visitVarInsn(LSTORE, r0);
            } else {
                int r1 = e.temp();
                mv.visitVarInsn(LSTORE, r1);
                xmmStore(e, d, r0);
                xmmStore(e, d + 1, r1);
            }
        }
    }

    /** PACKSSWB/PACKUSWB/PACKSSDW on XMM registers ({@code SseInt.pack}): destination lanes narrowed, then the source's. */
    private static void pack(MethodEmitter e, Instruction i, long[] spec) {
        MethodVisitor mv = e.mv;
        int[] v = read128(e, i, 1);
        int d = i.reg[0] << 1, dlo = e.temp(), dhi = e.temp(), r0 = e.temp(), r1 = e.temp();
        xmmLoad(e, d);
        mv.visitVarInsn(LSTORE, dlo);
        xmmLoad(e, d + 1);
        mv.visitVarInsn(LSTORE, dhi);
        int[][] quads = {{dlo, dhi}, {v[0], v[1]}};
        for (int h = 0; h < 2; h++) {
            for (int q = 0; q < 2; q++) {
                mv.visitVarInsn(LLOAD, quads[h][q]);
                (spec[0] == 32 ? PACKSSDW_HALF : spec[1] == 0 ? PACKUSWB_HALF : PACKSSWB_HALF).invoke(mv);
                if (q == 1) {
                    e.iconst(32);
                    mv.visitInsn(LSHL);
                    mv.visitInsn(LOR);
                }
            }
            mv.visitVarInsn(LSTORE, h == 0 ? r0 : r1);
        }
        xmmStore(e, d, r0);
        xmmStore(e, d + 1, r1);
    }

    /** XMM half {@code to} = XMM half {@code from}. */
    private static void copyHalf(MethodEmitter e, int from, int to) {
        LaneRanges.Range r = e.ranges.get(from);
        e.xmmPut(to, () -> xmmLoad(e, from));
        e.ranges.set(to, r); // the same value
    }

    /** Pushes bits 127:64 of operand {@code n} (XMM, or the second quadword of an m128) as {@code Sse.hi}. */
    private static void high(MethodEmitter e, Instruction i, int n) {
        if (i.kind[n] == Instruction.OP_XMM) {
            xmmLoad(e, (i.reg[n] << 1) + 1);
            return;
        }
        int la = address(e, i, 16, true); // only bits 127:64 are read: the address is checked here
        e.mv.visitVarInsn(ALOAD, L_MMU);
        e.mv.visitVarInsn(LLOAD, la);
        e.lconst(8);
        e.mv.visitInsn(LADD);
        e.memRead(8, false);
    }

    /**
     * ADDPD...MAXPS: while MXCSR masks every exception (the state compiled code runs in) the two
     * halves are computed inline, lane by lane ({@code PACKED}); otherwise the instruction's own
     * method, which orders the lanes' exceptions before #XM. Only the slow path stores and
     * reloads what the method touches; after the merge a register or half is dirty if it is on
     * either path.
     */
    private static void packedFloat(MethodEmitter e, int k, Instruction i, Helper half) {
        MethodVisitor mv = e.mv;
        int regsBefore = e.dirtyRegs, xmmBefore = e.dirtyXmm;
        Label slow = new Label(), done = new Label();
        mv.visitVarInsn(ALOAD, L_CPU);
        mv.visitFieldInsn(GETFIELD, CPU, "mxcsr", "I");
        e.iconst(ALL_MASKED);
        mv.visitInsn(IAND);
        e.iconst(ALL_MASKED);
        mv.visitJumpInsn(IF_ICMPNE, slow);
        LaneRanges lr = e.ranges;
        LaneRanges.Op op = e.taintSlot >= 0 ? RANGED.get(i.mnemonic) : null;
        LaneRanges.Range[] rs = new LaneRanges.Range[2], out = new LaneRanges.Range[2];
        for (int h = 0; h < 2; h++) rs[h] = i.kind[1] == Instruction.OP_XMM ? lr.get((i.reg[1] << 1) + h) : lr.unknown();
        int[] v = read128(e, i, 1);
        int d = i.reg[0] << 1, r0 = e.temp(), r1 = e.temp();
        for (int h = 0; h < 2; h++) {
            if (op != null) {
                out[h] = rangedLane(e, op, d + h, v[h], rs[h], half, h == 0 ? r0 : r1);
                continue;
            }
            mv.visitVarInsn(ALOAD, L_CPU);
            xmmLoad(e, d + h);
            mv.visitVarInsn(LLOAD, v[h]);
            half.invoke(mv);
            mv.visitVarInsn(LSTORE, h == 0 ? r0 : r1);
        }
        xmmStore(e, d, r0);
        xmmStore(e, d + 1, r1);
        int regsFast = e.dirtyRegs, xmmFast = e.dirtyXmm;
        mv.visitJumpInsn(GOTO, done);
        mv.visitLabel(slow);
        e.dirtyRegs = regsBefore;
        e.dirtyXmm = xmmBefore;
        direct(e, k, i);
        if (op != null) { // the exact instruction: its results need not be in the ranges the fast path shows
            e.iconst(1);
            mv.visitVarInsn(ISTORE, e.taintSlot);
        }
        mv.visitLabel(done);
        e.dirtyRegs |= regsFast;
        e.dirtyXmm |= xmmFast;
        if (op != null) {
            lr.set(d, out[0]);
            lr.set(d + 1, out[1]);
        }
    }

    /** MXCSR's exception masks (bits 12:7), all set. */
    private static final int ALL_MASKED = 0x1F80;

    /** Pushes XMM half q (q = 2 * register + half): its local, or {@code cpu.xmm[q]}. */
    private static void xmmLoad(MethodEmitter e, int q) {
        e.xmmLoad(q);
    }

    /** XMM half q = temp. */
    private static void xmmStore(MethodEmitter e, int q, int temp) {
        e.xmmPut(q, () -> e.mv.visitVarInsn(LLOAD, temp));
    }

    /** XMM half q = 0. */
    private static void xmmZero(MethodEmitter e, int q) {
        e.xmmPut(q, () -> e.mv.visitInsn(LCONST_0));
    }

    /**
     * The linear address of the memory operand into a new temp, with the 16-byte alignment rule
     * when the operand is 16 bytes and the row has it (as {@code Sse.address}). Canonical-checked
     * first when the alignment rule applies (the interpreter's order: #SS/#GP for the address
     * before #GP for the alignment), or when {@code checked} (the address goes to a helper, or
     * its first access is not at the address itself); else unchecked, its first access
     * ({@code memRead}/{@code memWrite} at the address) checking it on the TLB miss.
     */
    private static int address(MethodEmitter e, Instruction i, int size, boolean checked) {
        int t = e.temp();
        boolean align = size == 16 && (i.attributes & OpcodeTable.A_ALIGN16) != 0;
        if (align || checked) e.linearAddress(i);
        else e.uncheckedLinearAddress(i);
        if (align) ALIGNED16.invoke(e.mv);
        e.mv.visitVarInsn(LSTORE, t);
        return t;
    }

    private static int address(MethodEmitter e, Instruction i, int size) {
        return address(e, i, size, false);
    }

    /**
     * On the slow path of an m128 operand that may lie anywhere: AMD's #AC for one not 16-byte
     * aligned while alignment checking is on ({@code Sse.alignmentCheck16}; with the check on, no
     * fast path hits, so the slow path is where it runs).
     */
    private static void alignmentCheck16(MethodEmitter e, int la) {
        e.mv.visitVarInsn(ALOAD, L_CPU);
        e.mv.visitVarInsn(LLOAD, la);
        e.iconst(e.accessStack ? 1 : 0);
        ALIGNMENT_CHECK16.invoke(e.mv);
    }

    /** Reads 128-bit operand {@code n} (XMM or m128) into two new temps {lo, hi} (as {@code Sse.lo/hi}). */
    private static int[] read128(MethodEmitter e, Instruction i, int n) {
        MethodVisitor mv = e.mv;
        int lo = e.temp(), hi = e.temp();
        if (i.kind[n] == Instruction.OP_XMM) {
            int s = i.reg[n] << 1;
            xmmLoad(e, s);
            mv.visitVarInsn(LSTORE, lo);
            xmmLoad(e, s + 1);
            mv.visitVarInsn(LSTORE, hi);
        } else {
            int la = address(e, i, 16);
            Label slow = new Label(), done = new Label();
            frameInPage(e, la, false, slow);
            for (int q = 0; q < 2; q++) {
                frameQuad(e, q);
                mv.visitMethodInsn(INVOKESTATIC, FrameAccess.NAME, "get64", "([BI)J", false);
                e.loadOrder();
                mv.visitVarInsn(LSTORE, q == 0 ? lo : hi);
            }
            mv.visitJumpInsn(GOTO, done);
            mv.visitLabel(slow); // another page, a TLB miss, or the operand crosses into the next page
            if ((i.attributes & OpcodeTable.A_ALIGN16) == 0) alignmentCheck16(e, la);
            mv.visitVarInsn(ALOAD, L_MMU);
            mv.visitVarInsn(LLOAD, la);
            e.memRead(8);
            mv.visitVarInsn(LSTORE, lo);
            mv.visitVarInsn(ALOAD, L_MMU);
            mv.visitVarInsn(LLOAD, la);
            e.lconst(8);
            mv.visitInsn(LADD);
            e.memRead(8, false); // la itself was checked by the first read
            mv.visitVarInsn(LSTORE, hi);
            mv.visitLabel(done);
        }
        return new int[] {lo, hi};
    }

    /** Stack: -> frame, offset of quadword {@code q} (0 or 1) of the 16 bytes {@link #frameInPage} found. */
    private static void frameQuad(MethodEmitter e, int q) {
        e.mv.visitVarInsn(ALOAD, L_FRAME);
        e.mv.visitVarInsn(ILOAD, L_FRAME_OFFSET);
        if (q == 1) {
            e.iconst(8);
            e.mv.visitInsn(IADD);
        }
    }

    /**
     * The one-look-up path of a 16-byte access: L_FRAME = the frame of {@code la}'s page — the
     * method's page cache entry of the operand's base register when it has one (the read entry
     * for a load, the write entry for a store ({@code write}), refilled from the Mmu when the
     * page differs), else the Mmu's {@code readFrame} or {@code writeFrame} (the TLB entry its
     * 8-byte fast paths would use) — and L_FRAME_OFFSET = la's offset in the page; jumps to
     * {@code slow} when there is none or the 16 bytes do not end in that page. A hit means exactly
     * what the two 8-byte fast paths would do (the page is mapped for this access at this
     * privilege, la is canonical, no write of it must be reported), so only the look-ups are
     * saved; every fault stays on the slow path.
     */
    private static void frameInPage(MethodEmitter e, int la, boolean write, Label slow) {
        MethodVisitor mv = e.mv;
        int c = e.cacheEntry();
        if (c >= 0) {
            // the method's page cache entry of the operand's base register (see PageCache): the
            // read entry for a load, the write entry for a store, refilled when the page differs
            int frame = write ? c + 1 : c, tag = write ? c + 4 : c + 2;
            e.refillOnMiss(la, frame, tag, write);
            mv.visitVarInsn(ALOAD, frame);
        } else {
            mv.visitVarInsn(ALOAD, L_MMU);
            mv.visitVarInsn(LLOAD, la);
            mv.visitMethodInsn(INVOKEVIRTUAL, MMU, write ? "writeFrame" : "readFrame", "(J)[B", false);
        }
        mv.visitVarInsn(ASTORE, L_FRAME);
        mv.visitVarInsn(ALOAD, L_FRAME);
        mv.visitJumpInsn(IFNULL, slow);
        mv.visitVarInsn(LLOAD, la);
        mv.visitInsn(L2I);
        e.iconst(0xFFF);
        mv.visitInsn(IAND);
        mv.visitVarInsn(ISTORE, L_FRAME_OFFSET);
        mv.visitVarInsn(ILOAD, L_FRAME_OFFSET);
        e.iconst(0x1000 - 16);
        mv.visitJumpInsn(IF_ICMPGT, slow);
    }

    /** Pushes bits 63:0 of operand {@code n} (XMM, memory zero-extended from its size, GPR) as {@code Sse.lo}. */
    private static void low(MethodEmitter e, Instruction i, int n) {
        switch (i.kind[n]) {
            case Instruction.OP_XMM -> xmmLoad(e, i.reg[n] << 1);
            case Instruction.OP_MEM -> {
                int size = i.size[n];
                int la = address(e, i, size);
                e.mv.visitVarInsn(ALOAD, L_MMU);
                e.mv.visitVarInsn(LLOAD, la);
                e.memRead(Math.min(size, 8));
            }
            default -> e.readOperand(i, n, -1);
        }
    }

    /**
     * A scalar conversion into the low half of the XMM destination: {@code lane(cpu, [the half,]
     * source[, the source's size])}, the source bits 63:0 of operand 1 (a GPR, memory, XMM); the
     * lane raises #XM before the write ({@code SseFloat.cvtsi2sdLane}, {@code cvtsd2ssLane}...).
     */
    private static void convertInto(MethodEmitter e, Instruction i, Helper lane, boolean withHalf, boolean withSize) {
        int v = e.temp(), out = e.temp(), d = i.reg[0] << 1;
        low(e, i, 1);
        e.mv.visitVarInsn(LSTORE, v);
        e.mv.visitVarInsn(ALOAD, L_CPU);
        if (withHalf) xmmLoad(e, d);
        e.mv.visitVarInsn(LLOAD, v);
        if (withSize) e.iconst(i.size[1]);
        lane.invoke(e.mv);
        e.mv.visitVarInsn(LSTORE, out);
        xmmStore(e, d, out);
    }

    /** MOVUPS ... MOVDQU, MOVNT*, LDDQU, MOVNTDQA: a 128-bit copy ({@code Sse.mov128}). */
    private static void mov128(MethodEmitter e, Instruction i) {
        LaneRanges.Range r0 = null, r1 = null;
        if (i.kind[1] == Instruction.OP_XMM) {
            r0 = e.ranges.get(i.reg[1] << 1);
            r1 = e.ranges.get((i.reg[1] << 1) + 1);
        }
        int[] v = read128(e, i, 1);
        if (i.kind[0] == Instruction.OP_XMM) {
            int d = i.reg[0] << 1;
            xmmStore(e, d, v[0]);
            xmmStore(e, d + 1, v[1]);
            if (r0 != null) { // the same values
                e.ranges.set(d, r0);
                e.ranges.set(d + 1, r1);
            }
            return;
        }
        int la = address(e, i, 16, true); // Sse.store128At's accesses do not check it
        MethodVisitor mv = e.mv;
        Label slow = new Label(), done = new Label();
        frameInPage(e, la, true, slow);
        for (int q = 0; q < 2; q++) {
            frameQuad(e, q);
            mv.visitVarInsn(LLOAD, v[q]);
            mv.visitMethodInsn(INVOKESTATIC, FrameAccess.NAME, "put64", "([BIJ)V", false);
        }
        mv.visitJumpInsn(GOTO, done);
        mv.visitLabel(slow);
        if ((i.attributes & OpcodeTable.A_ALIGN16) == 0) alignmentCheck16(e, la);
        mv.visitVarInsn(ALOAD, L_CPU);
        mv.visitVarInsn(LLOAD, la);
        mv.visitVarInsn(LLOAD, v[0]);
        mv.visitVarInsn(LLOAD, v[1]);
        STORE128.invoke(mv);
        mv.visitLabel(done);
    }

    /** MOVSD/MOVSS ({@code Sse.movsd/movss}): store the low lane, load it zeroing the rest, or merge it. */
    private static void scalarMove(MethodEmitter e, Instruction i, int size) {
        MethodVisitor mv = e.mv;
        if (i.kind[0] == Instruction.OP_MEM) {
            int la = address(e, i, size);
            mv.visitVarInsn(ALOAD, L_MMU);
            mv.visitVarInsn(LLOAD, la);
            xmmLoad(e, i.reg[1] << 1);
            e.memWrite(size);
            return;
        }
        int d = i.reg[0] << 1, t = e.temp();
        if (i.kind[1] == Instruction.OP_MEM) {
            low(e, i, 1);
            mv.visitVarInsn(LSTORE, t);
            xmmStore(e, d, t);
            xmmZero(e, d + 1);
            return;
        }
        LaneRanges.Range r = e.ranges.get(i.reg[1] << 1);
        xmmLoad(e, i.reg[1] << 1);
        if (size == 4) {
            e.mask(4);
            xmmLoad(e, d);
            e.lconst(0xFFFF_FFFF_0000_0000L);
            mv.visitInsn(LAND);
            mv.visitInsn(LOR);
        }
        mv.visitVarInsn(LSTORE, t);
        xmmStore(e, d, t);
        if (size == 8) e.ranges.set(d, r); // the same value
    }

    /** MOVD/MOVQ ({@code Sse.movd/movq}): to XMM zero-extended to 128 bits; from XMM the low bits to a GPR or memory. */
    private static void movdq(MethodEmitter e, Instruction i) {
        MethodVisitor mv = e.mv;
        if (i.kind[0] == Instruction.OP_XMM) {
            int d = i.reg[0] << 1, t = e.temp();
            low(e, i, 1);
            mv.visitVarInsn(LSTORE, t);
            xmmStore(e, d, t);
            xmmZero(e, d + 1);
        } else if (i.kind[0] == Instruction.OP_MEM) {
            int size = i.size[0];
            int la = address(e, i, size);
            mv.visitVarInsn(ALOAD, L_MMU);
            mv.visitVarInsn(LLOAD, la);
            xmmLoad(e, i.reg[1] << 1);
            e.memWrite(size);
        } else {
            xmmLoad(e, i.reg[1] << 1);
            e.writeReg(i.reg[0], i.size[0]);
        }
    }

    /** PAND/POR/PXOR/PANDN and their PS/PD forms ({@code Sse.and/or/xor/andn}). */
    private static void logic(MethodEmitter e, Instruction i, int op, boolean notDestination) {
        MethodVisitor mv = e.mv;
        int[] v = read128(e, i, 1);
        int d = i.reg[0] << 1;
        for (int h = 0; h < 2; h++) {
            int q = d + h, src = v[h];
            e.xmmPut(q, () -> {
                xmmLoad(e, q);
                if (notDestination) {
                    e.lconst(-1L);
                    mv.visitInsn(LXOR);
                }
                mv.visitVarInsn(LLOAD, src);
                mv.visitInsn(op);
            });
        }
    }

    /** A packed-integer lane operation on both halves ({@code SseInt.xxxHalf}, the lanes of {@code SseInt.xxx}). */
    private static void halves(MethodEmitter e, Instruction i, Helper half) {
        MethodVisitor mv = e.mv;
        int[] v = read128(e, i, 1);
        int d = i.reg[0] << 1;
        for (int h = 0; h < 2; h++) {
            int q = d + h, src = v[h];
            e.xmmPut(q, () -> {
                xmmLoad(e, q);
                mv.visitVarInsn(LLOAD, src);
                half.invoke(mv);
            });
        }
    }

    /** A scalar floating-point operation ({@code SseFloat.xxxLane}): MXCSR committed, #XM before the write. */
    private static void scalarLane(MethodEmitter e, Instruction i, Helper lane) {
        MethodVisitor mv = e.mv;
        int b = e.temp();
        low(e, i, 1);
        mv.visitVarInsn(LSTORE, b);
        int d = i.reg[0] << 1;
        LaneRanges.Op op = RANGED.get(i.mnemonic);
        if (op != null && e.taintSlot >= 0) {
            LaneRanges.Range rb = i.kind[1] == Instruction.OP_XMM ? e.ranges.get(i.reg[1] << 1) : e.ranges.unknown();
            int out = e.temp();
            LaneRanges.Range r = rangedLane(e, op, d, b, rb, lane, out);
            xmmStore(e, d, out); // (#XM left before)
            e.ranges.set(d, r);
            return;
        }
        e.xmmPut(d, () -> { // #XM leaves before the store
            mv.visitVarInsn(ALOAD, L_CPU);
            xmmLoad(e, d);
            mv.visitVarInsn(LLOAD, b);
            lane.invoke(mv);
        });
    }

    /**
     * op(half {@code d}'s value, the long in temp {@code b}, of range {@code rb}) into temp
     * {@code out} with the lane ranges ({@link LaneRanges}): first the checks the plan needs (one
     * that fails sets the method's taint local), then the ranged lane ({@code SseFloat.addsdRanged}...:
     * untainted, only the MXCSR mode tested; tainted, the general lane {@code general}). Records what
     * the checks showed and returns the result's range (a new value).
     */
    private static LaneRanges.Range rangedLane(MethodEmitter e, LaneRanges.Op op, int d, int b, LaneRanges.Range rb,
            Helper general, int out) {
        MethodVisitor mv = e.mv;
        LaneRanges lr = e.ranges;
        LaneRanges.Range ra = lr.get(d);
        LaneRanges.Plan p = LaneRanges.plan(op, ra, rb);
        if (p != null) rangeCheck(e, p.a(), () -> xmmLoad(e, d), p.b(), () -> mv.visitVarInsn(LLOAD, b));
        mv.visitVarInsn(ALOAD, L_CPU);
        xmmLoad(e, d);
        mv.visitVarInsn(LLOAD, b);
        if (p == null) {
            general.invoke(mv);
            mv.visitVarInsn(LSTORE, out);
            return lr.unknown();
        }
        mv.visitVarInsn(ILOAD, e.taintSlot);
        RANGED_LANE.get(op).invoke(mv);
        mv.visitVarInsn(LSTORE, out);
        if (p.a() != LaneRanges.Test.NONE) lr.narrow(ra.id(), p.narrowedA());
        if (p.b() != LaneRanges.Test.NONE) lr.narrow(rb.id(), p.narrowedB());
        return lr.fresh(p.result());
    }

    /**
     * Checks {@code ta} of the long {@code a} pushes and {@code tb} of {@code b}'s (either may be
     * NONE); where one fails, the method's taint local becomes 1. The window checks are one test:
     * their excesses ({@code SseFloat.rangeExcess}) OR-ed, one compare, one branch. A NONZERO
     * check is a branch of its own ({@code SseFloat.nonZero}: two host instructions, and it leaves
     * the other operand's check alone, which HotSpot hoists out of a loop when that operand does
     * not change in it — a constant divisor's numerator, say). Each branch has its own profile:
     * where it never fails, C2 leaves the store out, and with it every taint test after. With an
     * empty operand stack.
     */
    private static void rangeCheck(MethodEmitter e, LaneRanges.Test ta, Runnable a, LaneRanges.Test tb, Runnable b) {
        if (ta == LaneRanges.Test.NONZERO) {
            nonZeroCheck(e, a);
            ta = LaneRanges.Test.NONE;
        }
        if (tb == LaneRanges.Test.NONZERO) {
            nonZeroCheck(e, b);
            tb = LaneRanges.Test.NONE;
        }
        boolean checkA = ta != LaneRanges.Test.NONE, checkB = tb != LaneRanges.Test.NONE;
        if (!checkA && !checkB) return;
        MethodVisitor mv = e.mv;
        if (checkA) {
            a.run();
            RANGE_EXCESS.get(ta).invoke(mv);
        }
        if (checkB) {
            b.run();
            RANGE_EXCESS.get(tb).invoke(mv);
            if (checkA) mv.visitInsn(LOR);
        }
        RANGE_OK.invoke(mv);
        taintUnless(e);
    }

    /** The taint local becomes 1 unless the int on the stack is non-zero. */
    private static void taintUnless(MethodEmitter e) {
        Label ok = new Label();
        e.mv.visitJumpInsn(IFNE, ok);
        e.iconst(1);
        e.mv.visitVarInsn(ISTORE, e.taintSlot);
        e.mv.visitLabel(ok);
    }

    /** A {@link LaneRanges.Test#NONZERO} check of the long {@code x} pushes. */
    private static void nonZeroCheck(MethodEmitter e, Runnable x) {
        x.run();
        NON_ZERO.invoke(e.mv);
        taintUnless(e);
    }
}
