package dev.lstar.runtime.ops;

import dev.lstar.decoder.Instruction;
import dev.lstar.decoder.OpcodeTable;
import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.CpuException;

/**
 * The MMX state (Intel SDM Vol. 1 ch. 9, Vol. 3A §12 "Intel MMX technology system programming"):
 * MM0-MM7 are the 64-bit significand fields of the x87 physical registers R0-R7
 * ({@link Cpu#fpm}), not the stack-relative ST(i).
 *
 * <ul>
 *   <li>An instruction with the MMX state ({@link OpcodeTable#A_MMX}) checks first: #UD when
 *       CR0.EM = 1, #NM when CR0.TS = 1, #MF when an unmasked x87 exception is pending (FSW.ES)
 *       ({@link #available});</li>
 *   <li>writing MMn stores the value in R(n)'s significand and sets its sign and exponent (bits
 *       79:64) to all ones ({@link #write});</li>
 *   <li>every such instruction then sets TOP = 0 and makes all eight tags valid (FXSAVE's
 *       abridged tag 0xFF) ({@link #transition}), except EMMS, which sets TOP = 0 and empties all
 *       tags ({@link #emms}; SDM Vol. 1 Table 9-2, and the host agrees). The other x87 state (FCW,
 *       the rest of FSW, FOP/FIP/FDP) is kept.</li>
 * </ul>
 * The lane semantics of the packed instructions are the XMM ones, written once in {@link SseInt},
 * {@link Sse}, {@link SseFloat} and {@link Ssse3}: their operand access ({@link Sse#lo},
 * {@link Sse#hi}, {@link Sse#store128}) reads and writes an MMX register as a 64-bit vector.
 */
public final class Mmx {
    private Mmx() {}

    /** The checks an {@link OpcodeTable#A_MMX} instruction makes before anything else. */
    public static void available(Cpu c) {
        if ((c.cr0 & Cpu.CR0_EM) != 0) throw CpuException.ud("MMX instruction with CR0.EM = 1");
        if ((c.cr0 & Cpu.CR0_TS) != 0) throw CpuException.of(CpuException.NM, 0, false, "MMX instruction with CR0.TS = 1");
        if ((c.fsw & X87.FSW_ES) != 0) throw CpuException.of(CpuException.MF, 0, false, "pending x87 exception before an MMX instruction");
    }

    /** The x87-to-MMX transition after an MMX instruction completes: TOP = 0, every tag valid. */
    public static void transition(Cpu c) {
        c.fsw &= ~0x3800;
        c.ftw = 0xFF;
    }

    /** MMn := v: the significand of R(n), its sign and exponent all ones. */
    public static void write(Cpu c, int n, long v) {
        c.fpm[n] = v;
        c.fpe[n] = 0xFFFF;
    }

    /** EMMS: TOP = 0 as for every MMX instruction, and every x87 tag empty (the registers stay). */
    public static void emms(Cpu c) {
        c.fsw &= ~0x3800;
        c.ftw = 0;
    }

    /**
     * MASKMOVQ mm1, mm2: the bytes of mm1 whose byte in mm2 has its top bit set are stored to
     * DS:[rDI] (rDI address-sized; an FS/GS override applies). The span from the first to the last
     * selected byte is checked for writing before the first byte is stored (faults change
     * nothing); a zero mask stores nothing.
     */
    public static void maskmovq(Cpu c, Instruction i) {
        long data = c.fpm[i.reg[0]], mask = c.fpm[i.reg[1]];
        int sel = 0;
        for (int k = 0; k < 8; k++) sel |= (int) (mask >>> (8 * k + 7) & 1) << k;
        if (sel == 0) return;
        long la = i.addrSize == 4 ? c.r[Cpu.RDI] & 0xFFFF_FFFFL : c.r[Cpu.RDI];
        if (i.segment == Instruction.SEG_FS || i.segment == Instruction.SEG_GS) la += c.segBase[i.segment];
        int first = Integer.numberOfTrailingZeros(sel), last = 31 - Integer.numberOfLeadingZeros(sel);
        if (!c.canonical(la + first) || !c.canonical(la + last)) {
            throw CpuException.gp0("MASKMOVQ at non-canonical address 0x" + Long.toHexString(la));
        }
        c.mmu.readForWrite(la + first, 1);
        if (((la + first) & ~0xFFFL) != ((la + last) & ~0xFFFL)) c.mmu.readForWrite(la + last, 1);
        for (int k = first; k <= last; k++) {
            if ((sel >>> k & 1) != 0) c.mmu.write8(la + k, (int) (data >>> (8 * k)));
        }
    }
}
