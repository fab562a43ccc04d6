package dev.lstar.conformance.fuzz;

import dev.lstar.decoder.ByteSource;
import dev.lstar.decoder.Decoder;
import dev.lstar.decoder.Instruction;
import dev.lstar.decoder.Mnemonic;
import dev.lstar.decoder.OpcodeTable;
import dev.lstar.decoder.OpcodeTable.Row;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Encodes a random instance of any {@link OpcodeTable} row: operation size (66 / REX.W from the
 * row's v/y/z operands, o16/o32/o64 and default-64 attributes), mandatory prefix, REX.R/X/B,
 * opcode (+r, +cc are in the row), ModRM with a register or a memory operand ([base+disp8],
 * [base+index*scale+disp8], [disp32] absolute, [rip+disp32]), immediates, relative branch
 * fields and moffs. Memory operands use the registers {@link StreamGen} points into the data
 * pages, or absolute/RIP-relative addresses inside them. Every result is decoded again and kept
 * only if the decoder finds the same row with the same length ({@link #encode} returns null
 * otherwise), so the generator cannot drift from the table.
 *
 * <p>Relative fields (Jb/Jz), RIP-relative displacements and code addresses loaded into
 * registers are {@link Reloc}s resolved when the stream is laid out.
 */
public final class RowEncoder {
    private RowEncoder() {}

    /** A field patched at layout: {@code kind} REL (target instruction, relative to the end), RIPDATA (absolute data address, relative to the end), ABS64 / ABS32 (target instruction's address). */
    public record Reloc(int kind, int offset, int size, long target) {
        public static final int REL = 0, RIPDATA = 1, ABS64 = 2, ABS32 = 3;
    }

    /** An encoded instruction: bytes, relocations, the row it came from. */
    public record Enc(byte[] bytes, List<Reloc> relocs, Row row) {}

    /** Registers that {@link StreamGen} usually points into the data pages (base registers). */
    static final int[] POINTERS = {3, 5, 6, 7, 12, 13, 14, 15};
    /** Index registers (small values most of the time). */
    static final int[] INDEXES = {1, 2, 9, 10};
    private static final int[] CREGS = {0, 2, 3, 4, 8};

    /**
     * A random instance of {@code r}; {@code branchTarget} gives the target instruction index of
     * Jb/Jz fields (or -1: the end of the stream). Null if the row could not be encoded so that
     * it decodes back to itself.
     */
    public static Enc encode(Row r, SplittableRandom rnd, int branchTarget) {
        for (int attempt = 0; attempt < 4; attempt++) {
            Enc e = tryEncode(r, rnd, branchTarget);
            if (e != null && decodesTo(e.bytes, r)) return e;
        }
        return null;
    }

    static boolean decodesTo(byte[] bytes, Row r) {
        try {
            Instruction insn = Decoder.decode(ByteSource.of(0, bytes), 0, new Instruction());
            return insn.length == bytes.length && insn.op != Mnemonic.INVALID.ordinal() && OpcodeTable.rowOf(insn) == r;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static boolean has(Row r, int attr) {
        return (r.attributes & attr) != 0;
    }

    private static Enc tryEncode(Row r, SplittableRandom rnd, int branchTarget) {
        List<String> ops = r.operandForms();
        boolean def64 = has(r, OpcodeTable.A_DEF64) || has(r, OpcodeTable.A_F64);
        boolean sized = false, ysized = false, hasMem = false;
        for (String o : ops) {
            if (o.equals("{v}") || o.equals("rAX") || o.equals("eAX") || (o.length() == 2 && (o.charAt(1) == 'v' || o.charAt(1) == 'z'))) sized = true;
            if (o.length() == 2 && o.charAt(1) == 'y') ysized = true;
        }
        int size;
        if (r.operandSize != 0) size = r.operandSize * 8;
        else if (has(r, OpcodeTable.A_F64)) size = 64;
        else if (def64 && sized) size = rnd.nextInt(8) == 0 ? 16 : 64;
        else if (ysized) size = rnd.nextBoolean() ? 32 : 64;
        else if (sized) size = new int[] {16, 32, 64, 64}[rnd.nextInt(4)];
        else size = 32;
        if (r.noPrefix && size == 16) size = 32;

        ByteArrayOutputStream b = new ByteArrayOutputStream(16);
        List<Reloc> relocs = new ArrayList<>();
        boolean string = has(r, OpcodeTable.A_STRING);
        if (string && rnd.nextInt(3) != 0) {
            boolean cmpOrScan = r.mnemonic == Mnemonic.CMPS || r.mnemonic == Mnemonic.SCAS;
            b.write(cmpOrScan && rnd.nextBoolean() ? 0xF2 : 0xF3);
        }
        // ModRM decisions first (LOCK needs to know whether the r/m operand is in memory)
        boolean mem = false;
        int mod = 3, regField = 0, rmField = 0, rexR = 0, rexX = 0, rexB = 0;
        int sib = -1;
        long disp = 0;
        int dispSize = 0;
        boolean ripRel = false;
        long ripTarget = 0;
        if (r.hasModrm) {
            if (r.modrmRm >= 0) {
                mod = 3;
                rmField = r.modrmRm;
            } else {
                mem = r.mod == OpcodeTable.MOD_MEM || (r.mod == OpcodeTable.MOD_ANY && rnd.nextInt(5) < 2);
                if (!mem) {
                    int rm = rnd.nextInt(16);
                    rmField = rm & 7;
                    rexB = rm >> 3;
                } else {
                    hasMem = true;
                    int shape = rnd.nextInt(10);
                    if (shape < 6) { // [base + disp8] / [base]
                        int base = POINTERS[rnd.nextInt(POINTERS.length)];
                        rexB = base >> 3;
                        disp = rnd.nextInt(10) < 7 ? rnd.nextInt(256) - 128 : 0;
                        if ((base & 7) == 5 && disp == 0) disp = 8; // [rbp]/[r13] need a displacement
                        mod = disp == 0 ? 0 : 1;
                        dispSize = mod == 1 ? 1 : 0;
                        if ((base & 7) == 4) { rmField = 4; sib = 0x24; } else rmField = base & 7;
                    } else if (shape < 8) { // [base + index*scale + disp8]
                        int base = POINTERS[rnd.nextInt(POINTERS.length)];
                        int index = INDEXES[rnd.nextInt(INDEXES.length)];
                        rexB = base >> 3;
                        rexX = index >> 3;
                        rmField = 4;
                        sib = rnd.nextInt(4) << 6 | (index & 7) << 3 | (base & 7);
                        mod = 1;
                        dispSize = 1;
                        disp = rnd.nextInt(256) - 128;
                    } else if (shape < 9) { // [disp32] absolute through SIB (no base, no index)
                        rmField = 4;
                        sib = 0x25;
                        mod = 0;
                        dispSize = 4;
                        disp = Layout.DATA + rnd.nextInt(Layout.DATA_SIZE + 64);
                    } else { // [rip + disp32] into the data pages
                        rmField = 5;
                        mod = 0;
                        dispSize = 4;
                        ripRel = true;
                        ripTarget = Layout.DATA + rnd.nextInt(Layout.DATA_SIZE);
                    }
                }
            }
            if (r.modrmReg >= 0) {
                regField = r.modrmReg;
            } else if (ops.contains("Cq")) {
                int c = CREGS[rnd.nextInt(CREGS.length)];
                regField = c & 7;
                rexR = c >> 3;
            } else if (ops.contains("Sw")) {
                regField = rnd.nextInt(6);
            } else {
                int g = rnd.nextInt(16);
                regField = g & 7;
                rexR = g >> 3;
            }
        }
        if (mem && has(r, OpcodeTable.A_LOCKABLE) && rnd.nextInt(4) == 0) b.write(0xF0);
        if (size == 16 && r.mandatoryPrefix != 0x66) b.write(0x66);
        if (r.mandatoryPrefix != 0) b.write(r.mandatoryPrefix);
        int opreg = 0;
        if (r.plusReg) {
            int g = r.noRexB ? rnd.nextInt(8) : rnd.nextInt(16);
            opreg = g & 7;
            rexB = g >> 3;
        }
        boolean w = size == 64 && !def64;
        boolean byteRegs = ops.stream().anyMatch(o -> o.endsWith("b") && (o.startsWith("E") || o.startsWith("G") || o.startsWith("Z")));
        boolean rex = w || rexR != 0 || rexX != 0 || rexB != 0 || (byteRegs && rnd.nextInt(4) == 0);
        if (rex) b.write(0x40 | (w ? 8 : 0) | rexR << 2 | rexX << 1 | rexB);
        switch (r.map) {
            case 1 -> b.write(0x0F);
            case 2 -> { b.write(0x0F); b.write(0x38); }
            case 3 -> { b.write(0x0F); b.write(0x3A); }
            default -> { }
        }
        b.write(r.opcode | opreg);
        if (r.hasModrm) {
            b.write(mod << 6 | regField << 3 | rmField);
            if (sib >= 0) b.write(sib);
            if (ripRel) relocs.add(new Reloc(Reloc.RIPDATA, b.size(), 4, ripTarget));
            for (int k = 0; k < dispSize; k++) b.write((int) (disp >>> (8 * k)));
        }
        for (String o : ops) {
            switch (o) {
                case "Ib" -> b.write(r.mnemonic == Mnemonic.INT ? intVector(rnd) : (int) Values.imm(rnd, 8));
                case "Ibs" -> b.write((int) Values.imm(rnd, 8));
                case "Iw" -> writeLe(b, r.mnemonic == Mnemonic.ENTER ? rnd.nextInt(64) : Values.imm(rnd, 16), 2);
                case "Iz" -> writeLe(b, Values.imm(rnd, size == 16 ? 16 : 32), size == 16 ? 2 : 4);
                case "Iv" -> writeLe(b, Values.imm(rnd, size), size / 8);
                case "Jb" -> { relocs.add(new Reloc(Reloc.REL, b.size(), 1, branchTarget)); b.write(0); }
                case "Jz" -> { relocs.add(new Reloc(Reloc.REL, b.size(), 4, branchTarget)); writeLe(b, 0, 4); }
                case "Ob", "Ov" -> writeLe(b, Layout.DATA + rnd.nextInt(Layout.DATA_SIZE), 8);
                default -> { }
            }
        }
        if (r.mnemonic == Mnemonic.ENTER) { // the Ib level follows the Iw: keep nesting small
            byte[] bytes = b.toByteArray();
            bytes[bytes.length - 1] = (byte) rnd.nextInt(3);
            return new Enc(bytes, relocs, r);
        }
        return new Enc(b.toByteArray(), relocs, r);
    }

    private static int intVector(SplittableRandom rnd) {
        return switch (rnd.nextInt(4)) {
            case 0 -> 3;
            case 1 -> 0x80;
            default -> rnd.nextInt(256);
        };
    }

    static void writeLe(ByteArrayOutputStream b, long v, int n) {
        for (int k = 0; k < n; k++) b.write((int) (v >>> (8 * k)));
    }

    /** {@code mov r64, imm64} (REX.W B8+r). */
    static byte[] movImm64(int reg, long imm) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(10);
        b.write(0x48 | (reg >> 3));
        b.write(0xB8 | (reg & 7));
        writeLe(b, imm, 8);
        return b.toByteArray();
    }
}
