package dev.lstar.kernel;

/** Offsets in Linux's x86-64 {@code struct pt_regs} (arch/x86/include/asm/ptrace.h), 168 bytes. */
public final class PtRegs {
    private PtRegs() {}

    public static final int R15 = 0x00, R14 = 0x08, R13 = 0x10, R12 = 0x18, BP = 0x20, BX = 0x28, R11 = 0x30,
            R10 = 0x38, R9 = 0x40, R8 = 0x48, AX = 0x50, CX = 0x58, DX = 0x60, SI = 0x68, DI = 0x70,
            ORIG_AX = 0x78, IP = 0x80, CS = 0x88, FLAGS = 0x90, SP = 0x98, SS = 0xA0, SIZE = 0xA8;

    /** Field names in offset order, for oops dumps. */
    public static final String[] NAMES = {"r15", "r14", "r13", "r12", "bp", "bx", "r11", "r10", "r9", "r8", "ax",
            "cx", "dx", "si", "di", "orig_ax", "ip", "cs", "flags", "sp", "ss"};
}
