package dev.lstar.runtime.ops;

import static dev.lstar.runtime.interp.Operands.*;

import dev.lstar.decoder.Instruction;
import dev.lstar.decoder.Mnemonic;
import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.CpuException;
import dev.lstar.runtime.Flags;
import dev.lstar.runtime.LazyFlags;

/**
 * Bit instructions: BT/BTS/BTR/BTC, BSF/BSR, LZCNT/TZCNT, POPCNT, BSWAP, SETcc (Intel SDM Vol. 2).
 * Conventions as in {@link Alu}. Flags the SDM leaves undefined are those of this host (AMD Zen 5),
 * verified by {@code OpsVectorTest}.
 */
public final class Bits {
    private Bits() {}

    private static final long ARITH = Flags.ARITH;

    /** Overwrites all six arithmetic flags (no need to materialise a pending record). */
    private static void setArith(Cpu cpu, long f) {
        cpu.rflags = (cpu.rflags & ~ARITH) | f;
        cpu.lzOp = LazyFlags.NONE;
    }

    /** Writes CF only: BT* leave OF/SF/AF/PF (undefined in the SDM) and ZF unchanged on this host. */
    private static void setCf(Cpu cpu, long cf) {
        cpu.rflags = (cpu.getRflags() & ~(long) Flags.CF) | cf;
    }

    // ------------------------------------------------------------------ BT family

    /**
     * BT/BTS/BTR/BTC as an instruction. BTS/BTR/BTC read a memory operand with write intent
     * (read-modify-write); CF = the selected bit (recorded before the store, which cannot fault
     * after the write-intent read).
     */
    public static void bitTest(Cpu c, Instruction i) {
        int size = i.opSize;
        long offset = read(c, i, 1);
        boolean modifies = i.mnemonic != Mnemonic.BT;
        long la = 0, v;
        if (i.kind[0] == Instruction.OP_MEM) {
            la = i.kind[1] == Instruction.OP_REG ? bitStringAddress(c, linear(c, i), offset, size) : linear(c, i);
            v = modifies ? c.mmu.readForWrite(la, size) : readMem(c, la, size);
        } else {
            v = read(c, i, 0);
        }
        long nv;
        switch (i.mnemonic) {
            case BT -> { bt(c, v, offset, size); return; }
            case BTS -> nv = bts(c, v, offset, size);
            case BTR -> nv = btr(c, v, offset, size);
            default -> nv = btc(c, v, offset, size);
        }
        if (i.kind[0] == Instruction.OP_MEM) writeMem(c, la, size, nv);
        else writeReg(c, i.reg[0], size, nv);
    }

    /**
     * The address of the operand that holds bit {@code offset} of the bit string at {@code la}
     * (BT* with a memory operand and a register offset): the offset, signed at the operand size,
     * moves the operand by (offset SAR log2(8*size)) * size bytes (SDM Vol. 2A BT, "bit base, bit
     * offset"); the bit within it is {@code offset mod 8*size}. #GP(0) if not canonical.
     */
    public static long bitStringAddress(Cpu c, long la, long offset, int size) {
        long a = la + (sext(offset, size) >> Integer.numberOfTrailingZeros(size << 3)) * size;
        if (!c.canonical(a)) throw CpuException.gp0("bt: non-canonical bit-string address 0x" + Long.toHexString(a));
        return a;
    }

    /** The bit {@code offset mod 8*size} of {@code value}. */
    private static int bit(long offset, int size) {
        return (int) offset & ((size << 3) - 1);
    }

    /** {@code value} with bit {@code offset mod 8*size} set (BTS's result, no flags). */
    public static long setBit(long value, long offset, int size) {
        return (value | (1L << bit(offset, size))) & Alu.mask(size);
    }

    /** {@code value} with bit {@code offset mod 8*size} cleared (BTR's result, no flags). */
    public static long clearBit(long value, long offset, int size) {
        return (value & ~(1L << bit(offset, size))) & Alu.mask(size);
    }

    /** {@code value} with bit {@code offset mod 8*size} complemented (BTC's result, no flags). */
    public static long complementBit(long value, long offset, int size) {
        return (value ^ (1L << bit(offset, size))) & Alu.mask(size);
    }

    /**
     * BT with a register (or immediate) bit offset on a value of {@code size} bytes (2, 4, 8): the
     * offset is taken modulo the operand width (SDM BT). CF = the selected bit.
     */
    public static void bt(Cpu cpu, long value, long offset, int size) {
        setCf(cpu, (value >>> bit(offset, size)) & 1);
    }

    /** BTS: sets the bit, returns the new value; CF = old bit. */
    public static long bts(Cpu cpu, long value, long offset, int size) {
        bt(cpu, value, offset, size);
        return setBit(value, offset, size);
    }

    /** BTR: clears the bit, returns the new value; CF = old bit. */
    public static long btr(Cpu cpu, long value, long offset, int size) {
        bt(cpu, value, offset, size);
        return clearBit(value, offset, size);
    }

    /** BTC: complements the bit, returns the new value; CF = old bit. */
    public static long btc(Cpu cpu, long value, long offset, int size) {
        bt(cpu, value, offset, size);
        return complementBit(value, offset, size);
    }

    // ------------------------------------------------------------------ scans and counts

    /**
     * BSF: index of the lowest set bit of {@code src}, or {@code -1} when {@code src} is zero.
     * On -1 the caller must NOT write the destination at all: the host leaves the whole 64-bit
     * register unchanged even for a 32-bit operand (AMD documents this; the SDM says undefined).
     * Flags (host): ZF = (src == 0), PF = parity of the index (set when src == 0), CF = OF = SF =
     * AF = 0.
     */
    public static long bsf(Cpu cpu, long src, int size) {
        src &= Alu.mask(size);
        if (src == 0) {
            setArith(cpu, Flags.ZF | Flags.PF);
            return -1;
        }
        long idx = Long.numberOfTrailingZeros(src);
        setArith(cpu, LazyFlags.parity(idx));
        return idx;
    }

    /** BSR: index of the highest set bit, or -1 when {@code src} is zero; flags and -1 as {@link #bsf}. */
    public static long bsr(Cpu cpu, long src, int size) {
        src &= Alu.mask(size);
        if (src == 0) {
            setArith(cpu, Flags.ZF | Flags.PF);
            return -1;
        }
        long idx = 63 - Long.numberOfLeadingZeros(src);
        setArith(cpu, LazyFlags.parity(idx));
        return idx;
    }

    /** LZCNT/TZCNT flags: CF = (src == 0), ZF = (result == 0) (SDM); host: SF = AF = PF = 0, OF unchanged. */
    private static void cntFlags(Cpu cpu, long src, long n) {
        long f = cpu.getRflags() & ~(ARITH & ~Flags.OF);
        if (src == 0) f |= Flags.CF;
        if (n == 0) f |= Flags.ZF;
        cpu.rflags = f;
    }

    /** LZCNT: leading zero bits of {@code src} at {@code size} (the width when src is 0). */
    public static long lzcnt(Cpu cpu, long src, int size) {
        src &= Alu.mask(size);
        long n = Long.numberOfLeadingZeros(src) - (64 - (size << 3));
        cntFlags(cpu, src, n);
        return n;
    }

    /** TZCNT: trailing zero bits of {@code src} at {@code size} (the width when src is 0). */
    public static long tzcnt(Cpu cpu, long src, int size) {
        src &= Alu.mask(size);
        long n = src == 0 ? size << 3 : Long.numberOfTrailingZeros(src);
        cntFlags(cpu, src, n);
        return n;
    }

    /** POPCNT: ZF = (src == 0), the other five cleared (SDM POPCNT). */
    public static long popcnt(Cpu cpu, long src, int size) {
        src &= Alu.mask(size);
        setArith(cpu, src == 0 ? Flags.ZF : 0);
        return Long.bitCount(src);
    }

    // ------------------------------------------------------------------ misc

    /**
     * BSWAP: byte-reverses a 4- or 8-byte value. For a 16-bit operand (66 prefix) the SDM says the
     * result is undefined; this host writes 0 to the low 16 bits, and so does this. No flags.
     */
    public static long bswap(long value, int size) {
        return switch (size) {
            case 8 -> Long.reverseBytes(value);
            case 4 -> Integer.reverseBytes((int) value) & 0xffffffffL;
            case 2 -> 0;
            default -> throw new IllegalArgumentException("bswap size " + size);
        };
    }

    /** SETcc: 1 if condition {@code cc} holds, else 0 (the caller writes the byte). */
    public static long setcc(Cpu cpu, int cc) {
        return cpu.cond(cc) ? 1 : 0;
    }
}
