package dev.lstar.api;

/**
 * Registers readable and writable with {@link Emulator#regRead} / {@link Emulator#regWrite}.
 * Selector registers (CS..GS) read the visible selector; writing one loads it from the GDT (or
 * LDT) as the processor would, without privilege checks, and writing CS also sets the CPL to the
 * selector's RPL. FS_BASE/GS_BASE are the hidden segment bases (the MSRs of the same names).
 * Other MSRs go through {@link Emulator#msrRead} / {@link Emulator#msrWrite}.
 */
public enum Reg {
    RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15,
    RIP,
    /** Materialised RFLAGS; writing replaces it wholesale (bit 1 forced on). */
    RFLAGS,
    ES, CS, SS, DS, FS, GS,
    FS_BASE, GS_BASE, KERNEL_GS_BASE,
    /** Control registers; writes flush the TLB (CR3 by MOV-to-CR3 rules, the others entirely). */
    CR0, CR2, CR3, CR4, CR8,
    EFER,
    GDTR_BASE, GDTR_LIMIT, IDTR_BASE, IDTR_LIMIT,
    /** Task register and LDTR selectors (read-only here). */
    TR, LDTR,
    /** Current privilege level 0..3 (read-only: change it by writing CS or by SYSCALL/SYSRET/IRETQ). */
    CPL,
    /**
     * The 128-bit SSE registers: read and written with {@link Emulator#regRead128} /
     * {@link Emulator#regWrite128} (and {@link Context#get128}) as two quadwords, bits 63:0 first;
     * the 64-bit {@code regRead}/{@code regWrite} refuse them.
     */
    XMM0, XMM1, XMM2, XMM3, XMM4, XMM5, XMM6, XMM7, XMM8, XMM9, XMM10, XMM11, XMM12, XMM13, XMM14, XMM15,
    /** SSE control/status; writing a reserved bit (31:16) is refused as LDMXCSR would (#GP). */
    MXCSR,
    /**
     * x87 control word (written as FLDCW would: reserved bits ignored), status word (TOP in bits
     * 13:11; written as is, so an unmasked exception flag with ES makes the next waiting x87
     * instruction raise #MF) and tag word (the full 16-bit form FNSTENV stores, 11 = empty;
     * written as FLDENV would: any other value marks the register valid).
     */
    FCW, FSW, FTW,
    /**
     * The x87 stack registers ST(0)..ST(7) (relative to TOP), 80 bits each: read and written with
     * {@link Emulator#regRead128} / {@link Emulator#regWrite128} (and {@link Context#get128}) as
     * {significand bits 63:0, sign and exponent in bits 15:0}; writing one marks it valid.
     */
    ST0, ST1, ST2, ST3, ST4, ST5, ST6, ST7,
    /**
     * The MMX registers MM0..MM7 (64-bit, with {@code regRead}/{@code regWrite}): the significand
     * of x87 physical register R0..R7 (not ST(i)). Writing one sets that register's sign and
     * exponent to all ones, as an MMX instruction writing it does; TOP and the tags are left as
     * they are (an MMX instruction's transition is the instruction's).
     */
    MM0, MM1, MM2, MM3, MM4, MM5, MM6, MM7;

    /** RAX..R15 as numbered in the ModRM encoding (RAX 0 .. R15 15), or -1. */
    public int gprIndex() {
        return ordinal() <= R15.ordinal() ? ordinal() : -1;
    }

    /** ST0..ST7 as 0..7, or -1. */
    public int stIndex() {
        int k = ordinal() - ST0.ordinal();
        return k >= 0 && k < 8 ? k : -1;
    }

    /** MM0..MM7 as 0..7, or -1. */
    public int mmIndex() {
        int k = ordinal() - MM0.ordinal();
        return k >= 0 && k < 8 ? k : -1;
    }

    /** XMM0..XMM15 as 0..15, or -1. */
    public int xmmIndex() {
        int k = ordinal() - XMM0.ordinal();
        return k >= 0 && k < 16 ? k : -1;
    }
}
