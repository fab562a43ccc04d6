package dev.lstar.runtime.ops;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.LazyFlags;

/**
 * Two- and one-operand integer ALU instructions (Intel SDM Vol. 2: ADD, ADC, SUB, SBB, AND, OR,
 * XOR, CMP, TEST, INC, DEC, NEG, NOT).
 *
 * <p>Conventions shared by every helper in this package:
 * <ul>
 *   <li>{@code size} is the operand size in bytes: 1, 2, 4 or 8.</li>
 *   <li>Operands may carry garbage above {@code size}; helpers truncate them.</li>
 *   <li>The returned value is the result truncated to {@code size}, zero-extended. Writing it
 *       back is the caller's job, with the x86-64 register rules: a 32-bit destination
 *       zero-extends into bits 63:32, an 8/16-bit destination merges into the old register
 *       value (and AH/CH/DH/BH address bits 15:8). SDM Vol. 1 §3.4.1.1.</li>
 *   <li>Flags go to the lazy record in {@link Cpu} (see {@link LazyFlags}); nothing here
 *       allocates.</li>
 * </ul>
 */
public final class Alu {
    private Alu() {}

    static long mask(int size) {
        return -1L >>> (64 - (size << 3));
    }

    private static void record(Cpu cpu, int op, int size, long a, long b, long res) {
        cpu.lzOp = op;
        cpu.lzSize = size;
        cpu.lzA = a;
        cpu.lzB = b;
        cpu.lzRes = res;
    }

    public static long add(Cpu cpu, long a, long b, int size) {
        long m = mask(size);
        a &= m;
        b &= m;
        long r = (a + b) & m;
        record(cpu, LazyFlags.ADD, size, a, b, r);
        return r;
    }

    /** ADC: a + b + CF. */
    public static long adc(Cpu cpu, long a, long b, int size) {
        long m = mask(size);
        a &= m;
        b &= m;
        long cin = LazyFlags.carry(cpu);
        long r = (a + b + cin) & m;
        record(cpu, cin != 0 ? LazyFlags.ADC : LazyFlags.ADD, size, a, b, r);
        return r;
    }

    public static long sub(Cpu cpu, long a, long b, int size) {
        long m = mask(size);
        a &= m;
        b &= m;
        long r = (a - b) & m;
        record(cpu, LazyFlags.SUB, size, a, b, r);
        return r;
    }

    /** SBB: a - (b + CF). */
    public static long sbb(Cpu cpu, long a, long b, int size) {
        long m = mask(size);
        a &= m;
        b &= m;
        long cin = LazyFlags.carry(cpu);
        long r = (a - b - cin) & m;
        record(cpu, cin != 0 ? LazyFlags.SBB : LazyFlags.SUB, size, a, b, r);
        return r;
    }

    /** CMP: flags of a - b, no result. */
    public static void cmp(Cpu cpu, long a, long b, int size) {
        long m = mask(size);
        a &= m;
        b &= m;
        record(cpu, LazyFlags.SUB, size, a, b, (a - b) & m);
    }

    private static long logic(Cpu cpu, long r, int size) {
        r &= mask(size);
        cpu.lzOp = LazyFlags.LOGIC;
        cpu.lzSize = size;
        cpu.lzRes = r;
        return r;
    }

    /** AND/OR/XOR/TEST: CF=OF=0, SF/ZF/PF from the result; AF undefined in the SDM, 0 on this host (AMD Zen 5). */
    public static long and(Cpu cpu, long a, long b, int size) {
        return logic(cpu, a & b, size);
    }

    public static long or(Cpu cpu, long a, long b, int size) {
        return logic(cpu, a | b, size);
    }

    public static long xor(Cpu cpu, long a, long b, int size) {
        return logic(cpu, a ^ b, size);
    }

    /** TEST: flags of a AND b, no result. */
    public static void test(Cpu cpu, long a, long b, int size) {
        logic(cpu, a & b, size);
    }

    /** INC: like ADD 1 but CF is preserved (SDM INC). The old CF is kept in the record. */
    public static long inc(Cpu cpu, long a, int size) {
        long r = (a + 1) & mask(size);
        incRecord(cpu, r, LazyFlags.carry(cpu), size);
        return r;
    }

    /** DEC: like SUB 1 but CF is preserved (SDM DEC). */
    public static long dec(Cpu cpu, long a, int size) {
        long r = (a - 1) & mask(size);
        decRecord(cpu, r, LazyFlags.carry(cpu), size);
        return r;
    }

    /** The record INC leaves for result {@code r} (any bits above the size ignored) and the CF ({@code cf}, 0 or 1) it kept. */
    public static void incRecord(Cpu cpu, long r, long cf, int size) {
        long m = mask(size);
        r &= m;
        cpu.lzAux = cf;
        record(cpu, LazyFlags.INC, size, (r - 1) & m, 1, r);
    }

    /** The record DEC leaves for result {@code r} and the CF it kept, as {@link #incRecord}. */
    public static void decRecord(Cpu cpu, long r, long cf, int size) {
        long m = mask(size);
        r &= m;
        cpu.lzAux = cf;
        record(cpu, LazyFlags.DEC, size, (r + 1) & m, 1, r);
    }

    /** NEG: flags of 0 - a (CF = a != 0, SDM NEG), recorded as SUB. */
    public static long neg(Cpu cpu, long a, int size) {
        long m = mask(size);
        a &= m;
        long r = (-a) & m;
        record(cpu, LazyFlags.SUB, size, 0, a, r);
        return r;
    }

    /**
     * ADCX (carry = CF) and ADOX (carry = OF): dst + src + carry, the carry out into the same flag;
     * no other flag changes (SDM ADCX/ADOX). Returns the sum truncated to {@code size} (4 or 8).
     */
    public static long addWithFlagCarry(Cpu cpu, long a, long b, int size, long flag) {
        long fl = cpu.getRflags();
        long m = mask(size);
        a &= m;
        b &= m;
        long cin = (fl & flag) != 0 ? 1 : 0;
        long sum = a + b + cin;
        boolean cout = size == 8 ? Long.compareUnsigned(sum, a) < 0 || (cin == 1 && sum == a) : (sum >>> 32) != 0;
        cpu.setRflags(cout ? fl | flag : fl & ~flag);
        return sum & m;
    }

    /** NOT: no flags. */
    public static long not(long a, int size) {
        return ~a & mask(size);
    }
}
