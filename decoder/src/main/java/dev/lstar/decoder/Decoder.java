package dev.lstar.decoder;

import static dev.lstar.decoder.Instruction.*;
import static dev.lstar.decoder.OpcodeTable.*;

/**
 * Table-driven x86-64 (64-bit mode) decoder. Reads prefixes, the opcode (one-byte, 0F, 0F 38, 0F 3A
 * maps), looks up the candidate rows of {@link OpcodeTable}, matches mandatory prefix / ModRM /
 * operand-size constraints, then decodes operands generically from the row's operand forms.
 * Allocation-free: all state lives in the caller's {@link Instruction} and in locals.
 *
 * <p>Prefix rules: Intel SDM Vol. 2 2.1.1 (legacy prefixes, any order), 2.2.1 (REX must immediately
 * precede the opcode or it is ignored; REX.W overrides 66), 2.2.1.2 (ModRM/SIB with REX.R/X/B;
 * mod=00 r/m=101 is RIP-relative; SIB base=101 with mod=00 has no base; SIB index=100 without REX.X
 * is "none"), 2.3.11 / 3.3.7 (15-byte limit raises #GP).
 */
public final class Decoder {
    private Decoder() {}

    /** Maximum instruction length (SDM Vol. 2 2.3.11). */
    public static final int MAX_LENGTH = 15;

    /** Thrown internally when a 16th byte would be needed; preallocated, no stack trace. */
    private static final class TooLong extends RuntimeException {
        TooLong() { super(null, null, false, false); }
    }

    private static final TooLong TOO_LONG = new TooLong();

    /**
     * Decodes the instruction at {@code address} into {@code out} (cleared first) and returns it.
     * Unknown encodings decode to {@link Mnemonic#INVALID} with the length consumed so far; an
     * instruction longer than 15 bytes decodes to INVALID with {@link OpcodeTable#A_TOO_LONG}.
     * Exceptions thrown by {@code src} propagate unchanged.
     */
    /**
     * Builds the opcode table now: its class initialisation parses every row (~20 ms in a cold
     * JVM), which a launcher can overlap with its other start-up work by calling this on another
     * thread (class initialisation is thread-safe: a decode meanwhile waits for it).
     */
    public static void preload() {
        OpcodeTable.size();
    }

    public static Instruction decode(ByteSource src, long address, Instruction out) {
        out.clear();
        out.address = address;
        try {
            decodeInto(src, out);
        } catch (TooLong e) {
            makeInvalid(out);
            out.length = MAX_LENGTH;
            out.attributes = A_TOO_LONG | A_BLOCK_END;
        }
        return out;
    }

    private static int next(ByteSource src, Instruction out) {
        int n = out.length;
        if (n >= MAX_LENGTH) throw TOO_LONG;
        int b = src.fetch(out.address + n) & 0xFF;
        out.bytes[n] = (byte) b;
        out.length = n + 1;
        return b;
    }

    private static long readLE(ByteSource src, Instruction out, int n) {
        long v = 0;
        for (int i = 0; i < n; i++) v |= (long) next(src, out) << (8 * i);
        return v;
    }

    private static void makeInvalid(Instruction out) {
        out.mnemonic = Mnemonic.INVALID;
        out.op = Mnemonic.INVALID.ordinal();
        out.row = -1;
        out.nOperands = 0;
        for (int i = 0; i < 3; i++) { out.kind[i] = OP_NONE; out.reg[i] = NO_REG; out.size[i] = 0; }
        out.cond = -1;
        out.flagsRead = 0; out.flagsWritten = 0; out.flagsUndefined = 0;
        out.attributes = A_BLOCK_END;
    }

    private static void decodeInto(ByteSource src, Instruction out) {
        int pfx = 0, rex = 0, seg = SEG_NONE, lastRep = 0;
        int b;
        while (true) {
            b = next(src, out);
            if ((b & 0xF0) == 0x40) { rex = b; continue; }
            if (b == 0xF0) pfx |= P_LOCK;
            else if (b == 0xF2 || b == 0xF3) lastRep = b;
            else if (b == 0x66) pfx |= P_OPSIZE;
            else if (b == 0x67) pfx |= P_ADDRSIZE;
            else if (b == 0x2E) seg = SEG_CS;
            else if (b == 0x36) seg = SEG_SS;
            else if (b == 0x3E) seg = SEG_DS;
            else if (b == 0x26) seg = SEG_ES;
            else if (b == 0x64) seg = SEG_FS;
            else if (b == 0x65) seg = SEG_GS;
            else break;
            rex = 0; // a legacy prefix after REX makes the REX void (SDM Vol. 2 2.2.1)
        }
        // With both F2 and F3 the last one is the effective group-1 prefix.
        if (lastRep == 0xF3) pfx |= P_REP;
        else if (lastRep == 0xF2) pfx |= P_REPNE;
        if (rex != 0) {
            pfx |= P_REX;
            if ((rex & 8) != 0) pfx |= P_REXW;
        }
        out.rex = rex;
        out.segment = seg;
        out.addrSize = (pfx & P_ADDRSIZE) != 0 ? 4 : 8;

        int map = 0;
        if (b == 0x0F) {
            map = 1;
            b = next(src, out);
            if (b == 0x38 || b == 0x3A) {
                map = b == 0x38 ? 2 : 3;
                b = next(src, out);
            }
        }
        if (map == 0 && (b == 0xC4 || b == 0xC5 || b == 0x62)) {
            // VEX/EVEX (always, in 64-bit mode: SDM Vol. 2 2.3.5 / 2.7.1): not implemented.
            skipVex(src, out, b, rex);
            out.prefixes = pfx;
            makeInvalid(out);
            return;
        }
        final int opcode = b;
        final int key = map << 8 | opcode;
        int modrm = -1, mod = 0, reg = 0, rm = 0;
        if (HAS_MODRM[key]) {
            modrm = next(src, out);
            out.modrm = modrm;
            mod = modrm >>> 6;
            reg = (modrm >>> 3) & 7;
            rm = modrm & 7;
        }
        final boolean w = (rex & 8) != 0;
        Row row = null;
        for (int id : INDEX[key]) {
            Row r = ROW_ARRAY[id];
            int mp = r.mandatoryPrefix;
            if (mp != 0) {
                if (mp == 0x66 ? (pfx & P_OPSIZE) == 0 : lastRep != mp) continue;
            } else if (lastRep != 0 && r.map >= 2) {
                continue; // in the 0F 38 / 0F 3A maps F2 and F3 select other instructions (SDM Vol. 2 A.3), never a REP
            }
            if (r.noPrefix && ((pfx & P_OPSIZE) != 0 || lastRep != 0)) continue;
            if (r.modrmReg >= 0 && r.modrmReg != reg) continue;
            if (r.mod == MOD_MEM && mod == 3) continue;
            if (r.mod == MOD_REG && mod != 3) continue;
            if (r.modrmRm >= 0 && r.modrmRm != rm) continue;
            if (r.noRexB && (rex & 1) != 0) continue;
            if (r.operandSize != 0 && r.operandSize != vSize(r, pfx, w)) continue;
            row = r;
            break;
        }
        out.prefixes = pfx;
        if (row == null) {
            // Unknown encoding: consume the addressing bytes so the length is sensible.
            if (modrm >= 0 && mod != 3) decodeAddress(src, out, modrm, rex);
            if (HAS_IMM8[key]) next(src, out);
            if (key == 0xC6 && modrm == 0xF8) next(src, out); // XABORT imm8 (RTM, not implemented)
            if (key == 0xC7 && modrm == 0xF8) readLE(src, out, (pfx & P_OPSIZE) != 0 ? 2 : 4); // XBEGIN rel
            makeInvalid(out);
            return;
        }
        if (row.mandatoryPrefix == 0xF3) pfx &= ~P_REP;
        else if (row.mandatoryPrefix == 0xF2) pfx &= ~P_REPNE;
        else if (row.mandatoryPrefix == 0x66) pfx &= ~P_OPSIZE;
        out.prefixes = pfx;

        final int v = vSize(row, pfx, w);
        final int[] codes = row.operandCodes;
        boolean modIgnored = false;
        for (int c : codes) if (type(c) == T_C) modIgnored = true;
        boolean ripRelative = false;
        if (modrm >= 0 && mod != 3 && !modIgnored) {
            ripRelative = decodeAddress(src, out, modrm, rex);
        }

        int opSize = 0, n = 0, nImm = 0;
        boolean rel = false;
        for (int c : codes) {
            int ty = type(c), sc = sizeCode(c);
            switch (ty) {
                case T_SIZE -> opSize = resolve(sc, v, w, false);
                case T_E -> {
                    if (mod == 3) setReg(out, n++, rm | (rex & 1) << 3, resolve(sc, v, w, false), rex);
                    else setMem(out, n++, resolve(sc, v, w, true));
                }
                case T_M -> setMem(out, n++, resolve(sc, v, w, true));
                case T_G -> setReg(out, n++, reg | (rex & 4) << 1, resolve(sc, v, w, false), rex);
                case T_R -> setReg(out, n++, rm | (rex & 1) << 3, resolve(sc, v, w, false), rex);
                case T_V -> setXmm(out, n++, reg | (rex & 4) << 1, sc);
                case T_U -> setXmm(out, n++, rm | (rex & 1) << 3, sc);
                case T_W -> {
                    if (mod == 3) setXmm(out, n++, rm | (rex & 1) << 3, sc);
                    else setMem(out, n++, sc);
                }
                case T_P -> setMmx(out, n++, reg);
                case T_N -> setMmx(out, n++, rm);
                case T_Q -> {
                    if (mod == 3) setMmx(out, n++, rm);
                    else setMem(out, n++, sc);
                }
                case T_Z -> setReg(out, n++, (opcode & 7) | (rex & 1) << 3, resolve(sc, v, w, false), rex);
                case T_FIXREG -> {
                    out.kind[n] = OP_REG; out.reg[n] = extra(c); out.size[n] = resolve(sc, v, w, false); n++;
                }
                case T_ONE -> {
                    out.kind[n] = OP_IMM; out.size[n] = 1; n++;
                    if (nImm++ == 0) out.imm = 1; else out.imm2 = 1;
                }
                case T_S -> {
                    // REX.R is ignored for segment registers; 6 and 7 do not exist (SDM MOV, #UD).
                    if (reg > 5 || (row.mnemonic == Mnemonic.MOV_TO_SREG && reg == SEG_CS)) {
                        makeInvalid(out);
                        return;
                    }
                    out.kind[n] = OP_SREG; out.reg[n] = reg; out.size[n] = 2; n++;
                }
                case T_C -> {
                    int cr = reg | (rex & 4) << 1;
                    if (cr != 0 && cr != 2 && cr != 3 && cr != 4 && cr != 8) { // SDM MOV CR: others #UD
                        makeInvalid(out);
                        return;
                    }
                    out.kind[n] = OP_CREG; out.reg[n] = cr; out.size[n] = 8; n++;
                }
                case T_FIXSREG -> { out.kind[n] = OP_SREG; out.reg[n] = extra(c); out.size[n] = 2; n++; }
                case T_XMM0 -> setXmm(out, n++, 0, 16);
                case T_ST -> { out.kind[n] = OP_ST; out.reg[n] = extra(c) == 0 ? 0 : rm; out.size[n] = 10; n++; }
                case T_O -> {
                    int as = out.addrSize;
                    out.disp = readLE(src, out, as);
                    out.dispSize = as;
                    setMem(out, n++, resolve(sc, v, w, true));
                }
                case T_I -> {
                    int bytes = sc == S_Z ? (v == 2 ? 2 : 4) : resolve(sc, v, w, false);
                    long val = readLE(src, out, bytes);
                    if (extra(c) == X_SIGN && bytes < 8) {
                        int sh = 64 - 8 * bytes;
                        val = (val << sh) >> sh;
                    }
                    if (nImm++ == 0) out.imm = val; else out.imm2 = val;
                    out.kind[n] = OP_IMM; out.size[n] = bytes; n++;
                }
                case T_J -> {
                    int bytes = sc;
                    long val = readLE(src, out, bytes);
                    int sh = 64 - 8 * bytes;
                    out.target = (val << sh) >> sh;
                    rel = true;
                    out.kind[n] = OP_REL; out.size[n] = 8; n++;
                }
                default -> throw new IllegalStateException("operand code " + c + " in " + row.spec);
            }
        }
        out.nOperands = n;
        if (opSize == 0) opSize = (n > 0 && out.kind[0] != OP_IMM && out.kind[0] != OP_REL && out.kind[0] != OP_XMM && out.kind[0] != OP_ST
                && out.kind[0] != OP_MMX)
                ? out.size[0] : n > 1 && out.kind[1] == OP_REG ? out.size[1] : v; // MOVD xmm, r32/r64: the GPR's size
        if (opSize > 8 || opSize == 0) opSize = v; // memory blobs (LGDT, CMPXCHG16B, LEA) keep the v size
        out.opSize = opSize;
        out.row = row.id;
        out.mnemonic = row.mnemonic;
        out.op = row.mnemonic.ordinal();
        out.cond = row.cond;
        out.flagsRead = row.flagsRead;
        out.flagsWritten = row.flagsWritten;
        out.flagsUndefined = row.flagsUndefined;
        int attrs = row.attributes;
        if ((pfx & P_LOCK) != 0 && ((attrs & A_LOCKABLE) == 0 || out.kind[0] != OP_MEM)) {
            attrs |= A_BAD_LOCK; // SDM Vol. 2 LOCK: #UD if not a lockable instruction with memory destination
        }
        out.attributes = attrs;
        long next = out.address + out.length;
        if (rel) out.target += next;
        if (ripRelative) {
            out.disp += next;
            if (out.addrSize == 4) out.disp &= 0xFFFF_FFFFL;
        }
    }

    /**
     * Consumes a VEX (C4/C5) or EVEX (62) instruction so that INVALID gets its real length: the
     * payload bytes, the opcode, ModRM addressing and an imm8 for the 0F 3A map.
     */
    private static void skipVex(ByteSource src, Instruction out, int escape, int rex) {
        int map;
        if (escape == 0xC5) {
            next(src, out);
            map = 1;
        } else if (escape == 0xC4) {
            map = next(src, out) & 0x1F;
            next(src, out);
        } else {
            map = next(src, out) & 0x7;
            next(src, out);
            next(src, out);
        }
        int opcode = next(src, out);
        int key = (map >= 1 && map <= 3 ? map : 2) << 8 | opcode;
        if (map != 1 || HAS_MODRM[key]) {
            int modrm = next(src, out);
            out.modrm = modrm;
            if (modrm >>> 6 != 3) decodeAddress(src, out, modrm, 0);
        }
        if (map == 3 || (map == 1 && HAS_IMM8[key])) next(src, out);
    }

    /** Effective operand size of a v-sized operand for this row (SDM Vol. 1 3.6.1, Table 3-4). */
    private static int vSize(Row r, int pfx, boolean w) {
        int a = r.attributes;
        if ((a & A_F64) != 0) return 8;
        if (w) return 8;
        if ((pfx & P_OPSIZE) != 0 && r.mandatoryPrefix != 0x66) return 2;
        return (a & A_DEF64) != 0 ? 8 : 4;
    }

    private static int resolve(int sc, int v, boolean w, boolean memory) {
        return switch (sc) {
            case S_V -> v;
            case S_Y -> w ? 8 : 4;
            case S_Z -> v == 2 ? 2 : 4;
            case S_VW -> memory ? 2 : v;
            case S_ENV -> v == 2 ? 14 : 28;
            case S_FSAVE -> v == 2 ? 94 : 108;
            case S_FX -> 512;
            default -> sc;
        };
    }

    private static void setReg(Instruction out, int i, int num, int size, int rex) {
        // Without REX, byte registers 4..7 are AH CH DH BH; with any REX they are SPL BPL SIL DIL
        // (SDM Vol. 1 3.4.1.1, Vol. 2 Table 3-1).
        if (size == 1 && rex == 0 && num >= 4 && num < 8) num = REG_AH + (num - 4);
        out.kind[i] = OP_REG;
        out.reg[i] = num;
        out.size[i] = size;
    }

    /** An XMM register operand (REX.R / REX.B extend the number to 0..15); size = the form's width. */
    private static void setXmm(Instruction out, int i, int num, int size) {
        out.kind[i] = OP_XMM;
        out.reg[i] = num;
        out.size[i] = size;
    }

    /** An MMX register operand MM0-MM7 (REX.R / REX.B do not extend it). */
    private static void setMmx(Instruction out, int i, int num) {
        out.kind[i] = OP_MMX;
        out.reg[i] = num;
        out.size[i] = 8;
    }

    private static void setMem(Instruction out, int i, int size) {
        out.kind[i] = OP_MEM;
        out.size[i] = size;
    }

    /**
     * Decodes SIB and displacement for a memory ModRM (mod != 3) into base/index/scale/disp.
     * Returns true for RIP-relative addressing (disp still relative; the caller adds next RIP).
     * SDM Vol. 2 Tables 2-2, 2-3 and 2-5.
     */
    private static boolean decodeAddress(ByteSource src, Instruction out, int modrm, int rex) {
        int mod = modrm >>> 6, rm = modrm & 7;
        boolean rip = false, disp32 = mod == 2;
        if (rm == 4) {
            int sib = next(src, out);
            out.sib = sib;
            out.scale = sib >>> 6;
            int idx = ((sib >>> 3) & 7) | (rex & 2) << 2;
            out.index = idx == 4 ? NO_REG : idx;
            int base = sib & 7;
            if (base == 5 && mod == 0) {
                out.base = NO_REG; // no base, disp32 (REX.B does not matter here)
                disp32 = true;
            } else {
                out.base = base | (rex & 1) << 3;
            }
        } else if (rm == 5 && mod == 0) {
            out.base = BASE_RIP;
            rip = true;
            disp32 = true;
        } else {
            out.base = rm | (rex & 1) << 3;
        }
        if (mod == 1) {
            out.disp = (byte) next(src, out);
            out.dispSize = 1;
        } else if (disp32) {
            out.disp = (int) readLE(src, out, 4);
            out.dispSize = 4;
        }
        return rip;
    }
}
