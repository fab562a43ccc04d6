package dev.lstar.conformance.gen;

import dev.lstar.conformance.gen.Form.Kind;
import dev.lstar.conformance.gen.Form.Operand;
import dev.lstar.conformance.gen.Form.Policy;
import dev.lstar.decoder.Mnemonic;
import dev.lstar.decoder.OpcodeTable;
import dev.lstar.decoder.OpcodeTable.Row;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The integer instruction forms the differential suite covers, derived from the decoder's
 * {@link OpcodeTable#rows()}: opcode bytes, mandatory prefix, ModRM.reg extension, operand shapes,
 * operand sizes (v/y/z/b and the o16/o32/o64 constraint) and the reg/mem variants (E: both, M: memory
 * only, R: register only) all come from the row. What this class adds is classification:
 * <ul>
 *   <li>{@link #FAMILY}: which report family a mnemonic belongs to (rows of other mnemonics are not
 *       generated; {@link #exclusion} says why for every row);</li>
 *   <li>implicit register operands the table does not list (the accumulator and rDX of MUL/DIV,
 *       CBW/CWD, CMPXCHG), input-value policies and the CPUID feature a mnemonic needs.</li>
 * </ul>
 */
public final class Forms {
    private Forms() {}

    /** Condition code suffixes by the low opcode nibble (SDM Vol. 1 Appendix B). */
    public static final String[] CC = {"o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"};

    /** The report families in report order. */
    public static final List<String> FAMILIES = List.of("alu", "unary", "test", "muldiv", "shift", "shiftd", "bit",
            "move", "cmov", "setcc", "xadd", "convert", "flags", "adx", "sse", "x87", "mmx", "sse42");

    /** Mnemonic -> family: the only per-instruction knowledge besides implicit operands and policies. */
    private static final Map<Mnemonic, String> FAMILY = new EnumMap<>(Mnemonic.class);

    /** The SSE/SSE2 mnemonics (moves, logic, packed integers, MXCSR): family "sse", host flag "sse2". */
    static final java.util.EnumSet<Mnemonic> SSE = java.util.EnumSet.range(Mnemonic.MOVUPS, Mnemonic.STMXCSR);
    /** The SSE/SSE2 floating-point mnemonics: also family "sse", host flag "sse2"; their cases get FP edge values. */
    static final java.util.EnumSet<Mnemonic> SSE_FP = java.util.EnumSet.range(Mnemonic.ADDPS, Mnemonic.RSQRTSS);
    /** SSE3 on XMM registers (host flag "pni"; FISTTP is x87 and needs it too). */
    static final java.util.EnumSet<Mnemonic> SSE3 = java.util.EnumSet.of(Mnemonic.MOVSHDUP, Mnemonic.MOVSLDUP,
            Mnemonic.MOVDDUP, Mnemonic.LDDQU, Mnemonic.ADDSUBPS, Mnemonic.ADDSUBPD, Mnemonic.HADDPS, Mnemonic.HADDPD,
            Mnemonic.HSUBPS, Mnemonic.HSUBPD);
    /** SSSE3 on XMM registers (host flag "ssse3"). */
    static final java.util.EnumSet<Mnemonic> SSSE3 = java.util.EnumSet.range(Mnemonic.PSHUFB, Mnemonic.PALIGNR);

    static {
        SSE_FP.addAll(java.util.EnumSet.range(Mnemonic.ADDSUBPS, Mnemonic.DPPD)); // SSE3/SSE4.1 floating point
        SSE.addAll(SSE_FP);
        SSE.addAll(java.util.EnumSet.range(Mnemonic.MOVSHDUP, Mnemonic.MPSADBW)); // SSE3/SSSE3/SSE4.1 integer, moves
    }

    /** The x87 FPU mnemonics: family "x87", host flag "fpu" (FXSAVE/FXRSTOR: "fxsr"; FISTTP: "pni"). */
    static final java.util.EnumSet<Mnemonic> X87 = java.util.EnumSet.range(Mnemonic.FLD, Mnemonic.FXRSTOR);
    /**
     * Family "mmx": every row with an MMX register operand (the packed-integer and SSSE3 mnemonics
     * shared with "sse" too, see {@link #mmxRow}) and the MMX-only mnemonics EMMS .. MOVDQ2Q.
     */
    static final java.util.EnumSet<Mnemonic> MMX_ONLY = java.util.EnumSet.range(Mnemonic.EMMS, Mnemonic.MOVDQ2Q);
    /** Family "sse42", host flag "sse4_2". */
    static final java.util.EnumSet<Mnemonic> SSE42 = java.util.EnumSet.range(Mnemonic.PCMPESTRI, Mnemonic.PCMPGTQ);
    /** The MMX conversions to and from SSE floating point: their cases get FP values and MXCSR modes. */
    static final java.util.EnumSet<Mnemonic> MMX_FP = java.util.EnumSet.range(Mnemonic.CVTPI2PS, Mnemonic.CVTTPD2PI);

    static {
        X87.add(Mnemonic.FISTTP);
    }

    private static void family(String name, Mnemonic... ms) {
        for (Mnemonic m : ms) {
            FAMILY.put(m, name);
        }
    }

    static {
        family("alu", Mnemonic.ADD, Mnemonic.OR, Mnemonic.ADC, Mnemonic.SBB, Mnemonic.AND, Mnemonic.SUB, Mnemonic.XOR,
                Mnemonic.CMP);
        family("unary", Mnemonic.INC, Mnemonic.DEC, Mnemonic.NOT, Mnemonic.NEG);
        family("test", Mnemonic.TEST);
        family("muldiv", Mnemonic.MUL, Mnemonic.IMUL, Mnemonic.DIV, Mnemonic.IDIV);
        family("shift", Mnemonic.ROL, Mnemonic.ROR, Mnemonic.RCL, Mnemonic.RCR, Mnemonic.SHL, Mnemonic.SHR, Mnemonic.SAR);
        family("shiftd", Mnemonic.SHLD, Mnemonic.SHRD);
        family("bit", Mnemonic.BT, Mnemonic.BTS, Mnemonic.BTR, Mnemonic.BTC, Mnemonic.BSF, Mnemonic.BSR,
                Mnemonic.POPCNT, Mnemonic.LZCNT, Mnemonic.TZCNT);
        family("move", Mnemonic.MOV, Mnemonic.XCHG, Mnemonic.MOVZX, Mnemonic.MOVSX, Mnemonic.MOVSXD, Mnemonic.LEA,
                Mnemonic.BSWAP, Mnemonic.MOVBE);
        family("cmov", Mnemonic.CMOVCC);
        family("setcc", Mnemonic.SETCC);
        family("xadd", Mnemonic.XADD, Mnemonic.CMPXCHG);
        family("convert", Mnemonic.CBW, Mnemonic.CWDE, Mnemonic.CDQE, Mnemonic.CWD, Mnemonic.CDQ, Mnemonic.CQO);
        family("flags", Mnemonic.CLC, Mnemonic.STC, Mnemonic.CMC, Mnemonic.CLD, Mnemonic.STD, Mnemonic.SAHF,
                Mnemonic.LAHF);
        family("adx", Mnemonic.ADCX, Mnemonic.ADOX);
        for (Mnemonic m : SSE) {
            family("sse", m);
        }
        for (Mnemonic m : X87) {
            family("x87", m);
        }
        for (Mnemonic m : MMX_ONLY) {
            family("mmx", m);
        }
        for (Mnemonic m : SSE42) {
            family("sse42", m);
        }
    }

    /** Whether row {@code r} has an MMX register operand (P, Q, N) or is EMMS: family "mmx". */
    static boolean mmxRow(Row r) {
        if (r.mnemonic == Mnemonic.EMMS) {
            return true;
        }
        for (String o : r.operandForms()) {
            if (o.length() == 2 && "PQN".indexOf(o.charAt(0)) >= 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * The /proc/cpuinfo flag an MMX-register row needs: "ssse3" for the SSSE3 forms, "sse2" for
     * those SSE2 added (PADDQ, PSUBQ, PMULUDQ on MMX registers, the double conversions, MOVQ2DQ,
     * MOVDQ2Q), "sse" for those SSE added (the integer extensions, the single conversions), else "mmx".
     */
    static String mmxRequirement(Row r) {
        return switch (r.mnemonic) {
            case PSHUFB, PHADDW, PHADDD, PHADDSW, PMADDUBSW, PHSUBW, PHSUBD, PHSUBSW, PSIGNB, PSIGNW, PSIGND, PMULHRSW,
                 PABSB, PABSW, PABSD, PALIGNR -> "ssse3";
            case PADDQ, PSUBQ, PMULUDQ, CVTPI2PD, CVTPD2PI, CVTTPD2PI, MOVQ2DQ, MOVDQ2Q -> "sse2";
            case PAVGB, PAVGW, PMINUB, PMAXUB, PMINSW, PMAXSW, PSADBW, PMULHUW, PSHUFW, PINSRW, PEXTRW, PMOVMSKB,
                 MOVNTQ, MASKMOVQ, CVTPI2PS, CVTPS2PI, CVTTPS2PI -> "sse";
            default -> "mmx";
        };
    }


    /** /proc/cpuinfo flag a mnemonic needs on the host (not in the table: CPUID is not an encoding property). */
    private static final Map<Mnemonic, String> REQUIRES = new EnumMap<>(Map.of(
            Mnemonic.POPCNT, "popcnt", Mnemonic.LZCNT, "abm", Mnemonic.TZCNT, "bmi1",
            Mnemonic.ADCX, "adx", Mnemonic.ADOX, "adx", Mnemonic.MOVBE, "movbe",
            // LAHF/SAHF in 64-bit mode need CPUID.80000001H:ECX.LAHF-SAHF[bit 0] ("lahf_lm").
            Mnemonic.LAHF, "lahf_lm", Mnemonic.SAHF, "lahf_lm"));

    static {
        for (Mnemonic m : SSE) { // SSE/SSE2, or the extension that brought it (every other new one: SSE4.1)
            boolean old = m.compareTo(Mnemonic.STMXCSR) <= 0 || m.compareTo(Mnemonic.ADDPS) >= 0 && m.compareTo(Mnemonic.RSQRTSS) <= 0;
            REQUIRES.put(m, old ? "sse2" : SSE3.contains(m) ? "pni" : SSSE3.contains(m) ? "ssse3" : "sse4_1");
        }
        for (Mnemonic m : List.of(Mnemonic.RCPPS, Mnemonic.RCPSS, Mnemonic.RSQRTPS, Mnemonic.RSQRTSS)) {
            REQUIRES.put(m, CpuFeatures.LSTAR_RCP_TABLES); // implementation-specific values
        }
        for (Mnemonic m : X87) {
            REQUIRES.put(m, m == Mnemonic.FXSAVE || m == Mnemonic.FXRSTOR ? "fxsr" : m == Mnemonic.FISTTP ? "pni" : "fpu");
        }
        for (Mnemonic m : SSE42) {
            REQUIRES.put(m, "sse4_2");
        }
    }

    /** Attributes of rows the host harness cannot run: it executes one instruction and returns. */
    private static final int UNSAFE_ATTRIBUTES = OpcodeTable.A_PRIV | OpcodeTable.A_IOPL | OpcodeTable.A_BRANCH
            | OpcodeTable.A_COND_BRANCH | OpcodeTable.A_BLOCK_END | OpcodeTable.A_IMPLICIT_MEM | OpcodeTable.A_STRING;

    private static final List<Form> ALL;
    private static final Map<String, String> EXCLUDED = new LinkedHashMap<>();

    static {
        List<Form> out = new ArrayList<>();
        for (Row r : OpcodeTable.rows()) {
            String why = exclusion(r);
            if (why != null) {
                EXCLUDED.put(r.toString(), why);
            } else {
                derive(r, out);
            }
        }
        out.sort(Comparator.comparingInt(f -> FAMILIES.indexOf(f.family())));
        ALL = List.copyOf(out);
    }

    /**
     * Why row {@code r} produces no form, or null if it does. The rules, in order:
     * <ol>
     *   <li>privileged / IOPL-sensitive rows fault at CPL 3 on the host; control transfers, block
     *       enders (serialising, UD) and rows with implicit memory (stack, strings, XLAT) cannot run as
     *       one instruction against the data buffer with the host's real RSP;</li>
     *   <li>mnemonics outside the integer families (I/O, hints, fences, system, RDTSC ...);</li>
     *   <li>absolute moffs operands (A0-A3): the 64-bit address would have to be the host's buffer
     *       address baked into the encoding, which the encoder does not do;</li>
     *   <li>CMPXCHG8B/16B are not in a family (register pairs EDX:EAX/ECX:EBX are not modelled).</li>
     * </ol>
     */
    public static String exclusion(Row r) {
        if ((r.attributes & UNSAFE_ATTRIBUTES) != 0) {
            return "privileged, control flow, block end or implicit memory";
        }
        if (!FAMILY.containsKey(r.mnemonic)) {
            return "not in an integer family the generator covers";
        }
        for (String op : r.operandForms()) {
            if (op.startsWith("O")) {
                return "absolute moffs operand";
            }
        }
        if (r.mnemonic == Mnemonic.FWAIT) {
            return "FWAIT: objdump folds it into the next instruction's line; a no-op without a pending x87 exception";
        }
        return null;
    }

    /**
     * Why operation size {@code size} (bits) of an otherwise covered row produces no form, or null:
     * BSWAP with a 16-bit register ("the result is undefined", SDM BSWAP).
     */
    public static String exclusion(Row r, int size) {
        return r.mnemonic == Mnemonic.BSWAP && size == 16 ? "BSWAP r16: result undefined" : null;
    }

    /** Every table row (or row and size, e.g. {@code "... o16"}) that produces no form, with the reason. */
    public static Map<String, String> excluded() {
        return EXCLUDED;
    }

    /** Every form. */
    public static List<Form> all() {
        return ALL;
    }

    /** The forms of one family. */
    public static List<Form> family(String family) {
        return ALL.stream().filter(f -> f.family().equals(family)).toList();
    }

    /** Operation sizes (bits) of a row: from its v/y/z operands, or its fixed operand size, and o16/o32/o64. */
    static int[] sizes(Row r) {
        List<String> ops = r.operandForms();
        if (X87.contains(r.mnemonic)) { // 32 unless the row asks for 66 (16-bit environment) or REX.W (FXSAVE64)
            return new int[] {r.operandSize != 0 ? r.operandSize * 8 : 32};
        }
        if (r.mnemonic == Mnemonic.CRC32) { // the source sizes the form: 8 (by 32/64-bit destinations), 16/32/64
            return ops.contains("Eb") ? new int[] {32, 64} : new int[] {16, 32, 64};
        }
        if (SSE.contains(r.mnemonic) || mmxRow(r) || SSE42.contains(r.mnemonic)) { // no operand-size prefix: 32, or 32/64 by REX.W for a y operand or o64 row
            if (r.operandSize != 0) return new int[] {r.operandSize * 8};
            return ops.stream().anyMatch(o -> o.length() == 2 && o.charAt(1) == 'y') ? new int[] {32, 64} : new int[] {32};
        }
        int[] sizes = null;
        for (String o : ops) {
            if (o.equals("{v}") || o.equals("rAX") || (o.length() == 2 && (o.charAt(1) == 'v' || o.charAt(1) == 'z'))) {
                sizes = new int[] {16, 32, 64};
                break;
            }
            if (o.length() == 2 && o.charAt(1) == 'y') {
                sizes = new int[] {32, 64};
                break;
            }
        }
        if (sizes == null) {
            int fixed = 32; // no sized operand (CLC, SAHF ...): the default operand size
            for (String o : ops) {
                int s = fixedSize(o);
                if (s > 0) {
                    fixed = s;
                    break;
                }
            }
            sizes = new int[] {fixed};
        }
        if (r.operandSize != 0) {
            int want = r.operandSize * 8;
            return java.util.Arrays.stream(sizes).filter(s -> s == want).toArray();
        }
        return sizes;
    }

    /** Size in bits of an operand form with a fixed size letter, else 0. */
    private static int fixedSize(String o) {
        if (o.equals("AL") || o.equals("CL") || o.equals("{b}")) {
            return 8;
        }
        if (o.length() != 2 || "EGMRZ".indexOf(o.charAt(0)) < 0) {
            return 0;
        }
        return switch (o.charAt(1)) {
            case 'b' -> 8;
            case 'w' -> 16;
            case 'd' -> 32;
            case 'q' -> 64;
            default -> 0;
        };
    }

    private static int operandSize(String o, int size) {
        if (o.length() == 2 && o.charAt(1) == 'y' && size == 16) {
            return 32; // CRC32 r32, r/m16: 66 sizes the source only
        }
        int s = fixedSize(o);
        return s > 0 ? s : size; // v, y, and the size-less M of LEA take the operation size
    }

    private static void derive(Row r, List<Form> out) {
        String family = mmxRow(r) ? "mmx" : FAMILY.get(r.mnemonic);
        for (int size : sizes(r)) {
            String why = exclusion(r, size);
            if (why != null) {
                EXCLUDED.put(r + " o" + size, why);
                continue;
            }
            List<Operand> ops = new ArrayList<>();
            boolean reg = true, mem = true, hasRm = false, hasG = false;
            for (String o : r.operandForms()) {
                switch (o) {
                    case "{v}", "{b}", "{w}" -> { } // size markers only
                    case "AL", "rAX" -> ops.add(new Operand(Kind.ACC, operandSize(o, size)));
                    case "CL" -> ops.add(new Operand(Kind.CL, 8));
                    case "1" -> ops.add(new Operand(Kind.ONE, 8));
                    case "Ib" -> ops.add(new Operand(Kind.IMM, 8, false)); // zero-extended: printed unsigned
                    case "Ibs" -> ops.add(new Operand(Kind.IMM, 8, true));
                    case "Iw" -> ops.add(new Operand(Kind.IMM, 16, true));
                    case "Iz" -> ops.add(new Operand(Kind.IMM, Math.min(size, 32), true));
                    case "Iv" -> ops.add(new Operand(Kind.IMM, size, true));
                    case "ST0" -> ops.add(new Operand(Kind.ST0, 80));
                    case "STi" -> { ops.add(new Operand(Kind.STI, 80)); hasRm = true; mem = false; }
                    case "AX" -> ops.add(new Operand(Kind.ACC, 16));
                    case "XMM0" -> ops.add(new Operand(Kind.XMM0, 128));
                    case "Mt" -> { ops.add(new Operand(Kind.RM, 80)); hasRm = true; reg = false; }
                    case "Me", "Ms", "Mf" -> { // x87 environment / FNSAVE state / FXSAVE area, in bits
                        int bytes = o.equals("Mf") ? 512 : o.equals("Me") ? (size == 16 ? 14 : 28) : (size == 16 ? 94 : 108);
                        ops.add(new Operand(Kind.RM, bytes * 8));
                        hasRm = true;
                        reg = false;
                    }
                    default -> {
                        Kind k = switch (o.charAt(0)) {
                            case 'E' -> Kind.RM;
                            case 'M' -> Kind.RM;
                            case 'R' -> Kind.RM;
                            case 'G' -> Kind.REG;
                            case 'Z' -> Kind.OPREG;
                            case 'V' -> Kind.XREG;
                            case 'W', 'U' -> Kind.XRM;
                            case 'P' -> Kind.MREG;
                            case 'Q', 'N' -> Kind.MRM;
                            default -> throw new IllegalStateException("operand form " + o + " of " + r);
                        };
                        hasRm |= k == Kind.RM || k == Kind.XRM || k == Kind.MRM;
                        hasG |= k == Kind.REG || k == Kind.XREG || k == Kind.MREG;
                        mem &= o.charAt(0) != 'R' && o.charAt(0) != 'U' && o.charAt(0) != 'N';
                        reg &= o.charAt(0) != 'M';
                        int bits = o.length() > 1 && o.charAt(1) == 'x' ? 128 : operandSize(o, size);
                        if (k == Kind.XREG || k == Kind.XRM || k == Kind.MREG || k == Kind.MRM) {
                            bits = switch (o.charAt(1)) { case 'q' -> 64; case 'd' -> 32; case 'w' -> 16; default -> 128; };
                        }
                        ops.add(new Operand(k, bits));
                    }
                }
            }
            mem &= r.mod != OpcodeTable.MOD_REG;
            reg &= r.mod != OpcodeTable.MOD_MEM;
            addImplicit(r, size, ops);
            String mn = r.mnemonic == Mnemonic.MOVD && size == 64 ? "movq" : mnemonic(r);
            if (X87.contains(r.mnemonic) && size != 32) mn = size == 16 ? "data16 " + mn : mn + "64"; // fnstenv with 66, fxsave64
            int ext = !r.hasModrm ? -2 : r.modrmReg >= 0 ? r.modrmReg : hasG ? -1 : 0; // SETcc: reg ignored, 0
            int[] prefixes = r.mandatoryPrefix == 0 ? new int[0] : new int[] {r.mandatoryPrefix};
            int[] opcode = switch (r.map) {
                case 0 -> new int[] {r.opcode};
                case 1 -> new int[] {0x0F, r.opcode};
                case 2 -> new int[] {0x0F, 0x38, r.opcode};
                default -> new int[] {0x0F, 0x3A, r.opcode};
            };
            Policy policy = policy(r, family, size);
            String req = mmxRow(r) ? mmxRequirement(r) : REQUIRES.get(r.mnemonic);
            List<Operand> operands = List.copyOf(ops);
            if (!hasRm || reg) {
                out.add(new Form(family, mn, size, prefixes, opcode, ext, operands, false, policy, req, r));
            }
            if (hasRm && mem) {
                out.add(new Form(family, mn, size, prefixes, opcode, ext, operands, true, policy, req, r));
            }
        }
    }

    /** GNU Intel-syntax mnemonic of a row. */
    static String mnemonic(Row r) {
        return switch (r.mnemonic) {
            case CMOVCC -> "cmov" + CC[r.cond];
            case SETCC -> "set" + CC[r.cond];
            default -> r.mnemonic.name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    /**
     * Implicit register operands the table does not list (SDM Vol. 2 of each instruction): the
     * accumulator (AL/AX for byte MUL/DIV, rAX otherwise) and rDX of one-operand MUL/IMUL/DIV/IDIV
     * and CWD/CDQ/CQO, rAX of CBW/CWDE/CDQE and of CMPXCHG, AX (AH) for the flags family (SAHF/LAHF).
     */
    private static void addImplicit(Row r, int size, List<Operand> ops) {
        switch (r.mnemonic) {
            case MUL, IMUL, DIV, IDIV -> {
                if (r.operandForms().size() == 1) {
                    boolean div = r.mnemonic == Mnemonic.DIV || r.mnemonic == Mnemonic.IDIV;
                    if (size == 8) {
                        ops.add(0, new Operand(Kind.IACC, div ? 16 : 8));
                    } else {
                        ops.add(0, new Operand(Kind.IDX, size));
                        ops.add(0, new Operand(Kind.IACC, size));
                    }
                }
            }
            case CBW, CWDE, CDQE -> ops.add(new Operand(Kind.IACC, size));
            case CWD, CDQ, CQO -> {
                ops.add(new Operand(Kind.IACC, size));
                ops.add(new Operand(Kind.IDX, size));
            }
            case CMPXCHG -> ops.add(new Operand(Kind.IACC, size));
            default -> {
                if (FAMILY.get(r.mnemonic).equals("flags")) {
                    ops.add(new Operand(Kind.IACC, 16));
                }
            }
        }
    }

    /** Input-value policy: shift counts (from the family), bit indexes, divides, or no value operands. */
    private static Policy policy(Row r, String family, int size) {
        return switch (family) {
            case "shift" -> Policy.COUNT;
            case "shiftd" -> size == 16 ? Policy.COUNT16 : Policy.COUNT;
            case "convert", "flags" -> Policy.NONE;
            case "x87" -> Policy.NORMAL;
            case "muldiv" -> r.mnemonic == Mnemonic.DIV || r.mnemonic == Mnemonic.IDIV ? Policy.DIVIDE : Policy.NORMAL;
            case "bit" -> switch (r.mnemonic) {
                case BT, BTS, BTR, BTC -> Policy.BITINDEX;
                default -> Policy.NORMAL;
            };
            default -> Policy.NORMAL;
        };
    }
}
