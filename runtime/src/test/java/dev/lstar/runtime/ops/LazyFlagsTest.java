package dev.lstar.runtime.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.CpuException;
import dev.lstar.runtime.Flags;
import dev.lstar.runtime.LazyFlags;
import dev.lstar.runtime.Vendor;
import java.math.BigInteger;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The lazy-record interplay that single-instruction vectors cannot show: partial flag writers
 * after a pending record, count-0 shifts, the fast condition paths, and 128-bit division.
 */
class LazyFlagsTest {
    private static final long CF = Flags.CF, ZF = Flags.ZF, SF = Flags.SF, OF = Flags.OF, PF = Flags.PF, AF = Flags.AF;

    private static Cpu cpu() {
        return new Cpu(Vendor.AMD);
    }

    @Test
    void incAfterCmpKeepsBorrowAsCarry() {
        Cpu c = cpu();
        Alu.cmp(c, 1, 2, 4); // 1 - 2 borrows: CF=1
        assertEquals(LazyFlags.SUB, c.lzOp);
        long r = Alu.inc(c, 0xffffffffL, 4); // wraps to 0: ZF=1, CF untouched
        assertEquals(0, r);
        assertEquals(LazyFlags.INC, c.lzOp);
        assertTrue(c.cond(Flags.CC_B), "CF from the CMP survives INC");
        assertTrue(c.cond(Flags.CC_E));
        long f = c.getRflags();
        assertEquals(CF | ZF | PF | AF, f & Flags.ARITH);
        assertEquals(LazyFlags.NONE, c.lzOp);
    }

    @Test
    void decChainKeepsCarryThroughSeveralRecords() {
        Cpu c = cpu();
        Alu.add(c, 0xff, 1, 1); // CF=1
        Alu.dec(c, 5, 8);
        Alu.inc(c, 7, 2);
        Alu.dec(c, 0x80, 1); // 0x80 - 1: OF=1
        assertEquals(1, LazyFlags.carry(c));
        assertEquals(CF | OF | AF, c.getRflags() & (CF | OF | AF));
    }

    @Test
    void shiftByZeroLeavesPendingRecordIntact() {
        Cpu c = cpu();
        Alu.sub(c, 3, 5, 2);
        long a = c.lzA, b = c.lzB, res = c.lzRes;
        assertEquals(0x1234, Shifts.shl(c, 0x1234, 0, 2));
        assertEquals(0x1234, Shifts.sar(c, 0x1234, 32, 2)); // 32 & 31 == 0
        assertEquals(0x1234, Shifts.rol(c, 0x1234, 64, 8)); // 64 & 63 == 0
        assertEquals(0x1234, Shifts.rcr(c, 0x1234, 0, 4));
        assertEquals(0x1234, Shifts.shld(c, 0x1234, 0xffff, 32, 2));
        assertEquals(LazyFlags.SUB, c.lzOp);
        assertEquals(a, c.lzA);
        assertEquals(b, c.lzB);
        assertEquals(res, c.lzRes);
        assertTrue(c.cond(Flags.CC_L));
        assertTrue(c.cond(Flags.CC_B));
    }

    @Test
    void rotateOnPendingRecordKeepsItsOtherFlags() {
        Cpu c = cpu();
        Alu.add(c, 0x7f, 1, 1); // 0x80: SF=1 OF=1 AF=1, CF=0, ZF=0, PF=0
        long r = Shifts.rol(c, 0x81, 1, 1); // 0x03, CF=1, OF = MSB(res) ^ CF = 1
        assertEquals(0x03, r);
        assertEquals(LazyFlags.NONE, c.lzOp);
        assertEquals(SF | AF | CF | OF, c.rflags & Flags.ARITH);
    }

    @Test
    void btOnPendingRecordWritesOnlyCarry() {
        Cpu c = cpu();
        Alu.cmp(c, 5, 5, 8); // ZF=1 PF=1 CF=0
        Bits.bt(c, 0b1000, 3, 4);
        assertTrue(c.cond(Flags.CC_E), "ZF from CMP survives BT");
        assertTrue(c.cond(Flags.CC_B), "CF from BT");
        assertEquals(ZF | PF | CF, c.getRflags() & Flags.ARITH);
    }

    @Test
    void adcAndSbbReadCarryFromEveryRecordKind() {
        Cpu c = cpu();
        Alu.sub(c, 0, 1, 8); // borrow
        assertEquals(0x11, Alu.adc(c, 0x10, 0, 1));
        assertEquals(LazyFlags.ADC, c.lzOp);
        Alu.xor(c, 1, 1, 4); // CF=0
        assertEquals(0x10, Alu.adc(c, 0x10, 0, 1));
        assertEquals(LazyFlags.ADD, c.lzOp);
        Shifts.shr(c, 1, 1, 4); // CF=1 via a RESULT record
        assertEquals(0xe, Alu.sbb(c, 0x10, 1, 1));
        assertEquals(LazyFlags.SBB, c.lzOp);
        c.setRflags(CF);
        assertEquals(0, Alu.adc(c, 0xffff, 0, 2));
        assertTrue(c.cond(Flags.CC_B));
        assertTrue(c.cond(Flags.CC_E));
    }

    @Test
    void fastConditionPathsDoNotMaterialise() {
        Cpu c = cpu();
        Alu.cmp(c, 0x80, 0x01, 1); // signed: -128 < 1; unsigned: 128 > 1
        for (int cc = 0; cc < 16; cc++) c.cond(cc);
        assertEquals(LazyFlags.SUB, c.lzOp, "CMP answers every condition from the record");
        assertTrue(c.cond(Flags.CC_L));
        assertTrue(c.cond(Flags.CC_A));
        assertTrue(c.cond(Flags.CC_O)); // -128 - 1 overflows
        Alu.test(c, 0x8000, 0x8000, 2);
        for (int cc = 0; cc < 16; cc++) c.cond(cc);
        assertEquals(LazyFlags.LOGIC, c.lzOp);
        assertTrue(c.cond(Flags.CC_S));
        assertTrue(c.cond(Flags.CC_L));
        assertFalse(c.cond(Flags.CC_B));
    }

    @Test
    void condSubAgreesWithMaterialisedFlagsOnRandomInputs() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < 20000; i++) {
            int size = 1 << rnd.nextInt(4);
            long a = rnd.nextLong(), b = (i & 1) == 0 ? rnd.nextLong() : a + rnd.nextInt(3) - 1;
            Cpu c = cpu();
            Alu.cmp(c, a, b, size);
            long f = LazyFlags.materialize(c);
            for (int cc = 0; cc < 16; cc++) assertEquals(Flags.test(f, cc), c.cond(cc), "cc " + cc);
            Alu.and(c, a, b, size);
            f = LazyFlags.materialize(c);
            for (int cc = 0; cc < 16; cc++) assertEquals(Flags.test(f, cc), c.cond(cc), "cc " + cc);
        }
    }

    @Test
    void materializeKeepsNonArithmeticBitsAndSetRflagsDropsTheRecord() {
        Cpu c = cpu();
        c.setRflags(Flags.IF | Flags.DF | Flags.AC | Flags.ARITH);
        Alu.sub(c, 2, 1, 4); // result 1: every arithmetic flag clear
        assertEquals(Flags.IF | Flags.DF | Flags.AC | Flags.FIXED1, c.getRflags());
        Alu.add(c, 1, 1, 4);
        c.setRflags(ZF);
        assertEquals(LazyFlags.NONE, c.lzOp);
        assertEquals(ZF | Flags.FIXED1, c.getRflags());
    }

    /**
     * {@link Cpu#setArithmeticFlags} (UCOMISD, PTEST, PCMPxSTRx, FCOMI): the six flags given,
     * every other bit as it was, the pending record dropped without being folded in — also the
     * flags the record would have set.
     */
    @Test
    void setArithmeticFlagsReplacesTheSixAndDropsTheRecord() {
        Cpu c = cpu();
        c.setRflags(Flags.IF | Flags.DF | Flags.AC);
        Alu.sub(c, 0, 1, 8); // pending: CF SF AF PF set
        c.setArithmeticFlags(ZF | Flags.PF | Flags.TF); // TF is not an arithmetic flag: ignored
        assertEquals(LazyFlags.NONE, c.lzOp);
        assertEquals(Flags.IF | Flags.DF | Flags.AC | Flags.FIXED1 | ZF | Flags.PF, c.getRflags());
        Alu.add(c, 1, 1, 4);
        c.setArithmeticFlags(0);
        assertEquals(Flags.IF | Flags.DF | Flags.AC | Flags.FIXED1, c.getRflags());
    }

    @Test
    void fullFlagWritersIgnoreAPendingRecord() {
        Cpu c = cpu();
        c.setRflags(Flags.IF);
        Alu.sub(c, 0, 1, 8);
        Bits.popcnt(c, 0, 4);
        assertEquals(LazyFlags.NONE, c.lzOp);
        assertEquals(Flags.IF | Flags.FIXED1 | ZF, c.rflags);
    }

    @Test
    void divideErrorsAreRaisedBeforeAnyWrite() {
        Cpu c = cpu();
        c.r[Cpu.RAX] = 0xdead_8000L;
        c.r[Cpu.RDX] = 0;
        assertThrows(CpuException.class, () -> MulDiv.idiv8(c, 0xff)); // AX=0x8000 = -32768 / -1
        assertEquals(0xdead_8000L, c.r[Cpu.RAX]);
        c.r[Cpu.RAX] = 0x8000_0000L;
        c.r[Cpu.RDX] = 0xffff_ffffL;
        CpuException e = assertThrows(CpuException.class, () -> MulDiv.idiv32(c, -1));
        assertEquals(CpuException.DE, e.vector);
        c.r[Cpu.RAX] = Long.MIN_VALUE;
        c.r[Cpu.RDX] = -1;
        assertThrows(CpuException.class, () -> MulDiv.idiv64(c, -1));
        assertThrows(CpuException.class, () -> MulDiv.div64(c, 0));
        assertThrows(CpuException.class, () -> MulDiv.div64(c, 5)); // RDX >= divisor
        assertEquals(Long.MIN_VALUE, c.r[Cpu.RAX]);
        assertEquals(-1, c.r[Cpu.RDX]);
    }

    @Test
    void divide128AgreesWithBigInteger() {
        SplittableRandom rnd = new SplittableRandom(42);
        BigInteger two64 = BigInteger.ONE.shiftLeft(64);
        for (int i = 0; i < 200000; i++) {
            long d = switch (i % 4) {
                case 0 -> rnd.nextLong();
                case 1 -> rnd.nextLong() >>> rnd.nextInt(64);
                case 2 -> (1L << rnd.nextInt(64)) + rnd.nextInt(3) - 1;
                default -> rnd.nextLong() | Long.MIN_VALUE;
            };
            if (d == 0) continue;
            long hi = i % 7 == 0 ? d - 1 : Long.remainderUnsigned(rnd.nextLong(), d);
            long lo = i % 11 == 0 ? -1 : rnd.nextLong();
            BigInteger n = new BigInteger(Long.toUnsignedString(hi)).shiftLeft(64).add(new BigInteger(Long.toUnsignedString(lo)));
            BigInteger[] qr = n.divideAndRemainder(new BigInteger(Long.toUnsignedString(d)));
            long q = MulDiv.divu128(hi, lo, d);
            assertEquals(qr[0].mod(two64).longValue(), q, () -> Long.toHexString(hi) + ":" + Long.toHexString(lo) + " / " + Long.toHexString(d));
            assertEquals(qr[1].longValue(), lo - q * d);
        }
    }

    @Test
    void signed128DivisionAgreesWithBigInteger() {
        SplittableRandom rnd = new SplittableRandom(99);
        BigInteger min = BigInteger.valueOf(Long.MIN_VALUE), max = BigInteger.valueOf(Long.MAX_VALUE);
        int checked = 0, faults = 0;
        for (int i = 0; i < 100000; i++) {
            long d = rnd.nextLong() >> rnd.nextInt(64);
            if (d == 0) d = -1;
            long hi = rnd.nextLong() >> (rnd.nextInt(2) == 0 ? 63 - rnd.nextInt(8) : rnd.nextInt(64)), lo = rnd.nextLong();
            BigInteger n = BigInteger.valueOf(hi).shiftLeft(64).add(new BigInteger(Long.toUnsignedString(lo)));
            BigInteger[] qr = n.divideAndRemainder(BigInteger.valueOf(d)); // truncating, like IDIV
            Cpu c = cpu();
            c.r[Cpu.RAX] = lo;
            c.r[Cpu.RDX] = hi;
            boolean fits = qr[0].compareTo(min) >= 0 && qr[0].compareTo(max) <= 0;
            try {
                MulDiv.idiv64(c, d);
                assertTrue(fits, "expected #DE");
                assertEquals(qr[0].longValue(), c.r[Cpu.RAX]);
                assertEquals(qr[1].longValue(), c.r[Cpu.RDX]);
                checked++;
            } catch (CpuException e) {
                assertFalse(fits, "unexpected #DE for " + n + " / " + d);
                faults++;
            }
        }
        assertTrue(checked > 10000 && faults > 10000, checked + " / " + faults);
    }
}
