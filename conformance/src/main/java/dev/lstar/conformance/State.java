package dev.lstar.conformance;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * The user-visible machine state one differential case starts from and ends in: the 16 general
 * purpose registers (in encoding order: RAX RCX RDX RBX RSP RBP RSI RDI R8..R15), XMM0-15, MXCSR, RFLAGS and a
 * data buffer of {@link #MEMORY_SIZE} bytes mapped at guest/host virtual address {@link #memBase}.
 *
 * <p>Instructions with memory operands address the buffer through a base register that holds an
 * address inside {@code [memBase, memBase + MEMORY_SIZE)}; an {@link Emulator} must map the buffer
 * at the same virtual address so that register values (e.g. a LEA result) compare equal.
 *
 * <p>Mutable and not thread-safe; {@link #copy()} before handing a state to another engine.
 */
public final class State {
    /** Size of the data buffer (one 4 KiB page). */
    public static final int MEMORY_SIZE = 4096;

    /** Register index constants (ModRM/REX encoding order). */
    public static final int RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7,
            R8 = 8, R9 = 9, R10 = 10, R11 = 11, R12 = 12, R13 = 13, R14 = 14, R15 = 15;

    private static final String[] NAMES = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
            "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};

    /** General purpose registers, index = encoding number. */
    public final long[] gpr = new long[16];
    /** RFLAGS; only the arithmetic flags and DF are meaningful to the conformance suite. */
    public long rflags;
    /** XMM0..XMM15: {@code xmm[2n]} bits 63:0 of XMMn, {@code xmm[2n + 1]} bits 127:64. */
    public final long[] xmm = new long[32];
    /** MXCSR (reset value 0x1F80); must hold no reserved bit when a state is run on the host. */
    public int mxcsr = 0x1F80;
    /** x87 control word (0x037F after FNINIT). */
    public int fcw = 0x037F;
    /** x87 status word (TOP in bits 13:11); ES and B must be clear when a state runs on the host. */
    public int fsw;
    /** Abridged tag word as FXSAVE stores it: bit n = physical register n is not empty. */
    public int ftw;
    /** ST(0)..ST(7) in stack order as FXSAVE stores them: 64-bit significand and sign/exponent. */
    public final long[] stm = new long[8];
    public final int[] ste = new int[8];
    /** Contents of the data buffer. */
    public final byte[] memory = new byte[MEMORY_SIZE];
    /** Virtual address of {@code memory[0]}. */
    public long memBase;

    public State() {}

    /** A state whose data buffer lives at {@code memBase}. */
    public State(long memBase) {
        this.memBase = memBase;
    }

    /** A deep copy. */
    public State copy() {
        State s = new State(memBase);
        System.arraycopy(gpr, 0, s.gpr, 0, 16);
        s.rflags = rflags;
        System.arraycopy(xmm, 0, s.xmm, 0, 32);
        s.mxcsr = mxcsr;
        s.fcw = fcw;
        s.fsw = fsw;
        s.ftw = ftw;
        System.arraycopy(stm, 0, s.stm, 0, 8);
        System.arraycopy(ste, 0, s.ste, 0, 8);
        System.arraycopy(memory, 0, s.memory, 0, MEMORY_SIZE);
        return s;
    }

    /** The 64-bit name of register {@code r} ("rax" ... "r15"). */
    public static String regName(int r) {
        return NAMES[r];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof State s && s.memBase == memBase && s.rflags == rflags
                && Arrays.equals(s.gpr, gpr) && Arrays.equals(s.xmm, xmm) && s.mxcsr == mxcsr && Arrays.equals(s.memory, memory)
                && s.fcw == fcw && s.fsw == fsw && s.ftw == ftw && Arrays.equals(s.stm, stm) && Arrays.equals(s.ste, ste);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(gpr) * 31 + Long.hashCode(rflags);
    }

    /** Registers and flags on one line each; the memory as a count of non-zero bytes. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (int r = 0; r < 16; r++) {
            b.append(String.format("%-3s=%016x%s", NAMES[r], gpr[r], (r & 3) == 3 ? "\n" : "  "));
        }
        for (int x = 0; x < 16; x++) {
            if (xmm[2 * x] != 0 || xmm[2 * x + 1] != 0) {
                b.append(String.format("xmm%-2d=%016x_%016x%s", x, xmm[2 * x + 1], xmm[2 * x], (x & 1) == 1 ? "\n" : "  "));
            }
        }
        if (b.charAt(b.length() - 1) != '\n') b.append('\n');
        if (fcw != 0x037F || fsw != 0 || ftw != 0) {
            b.append(String.format("fcw=%04x fsw=%04x ftw=%02x", fcw, fsw, ftw));
            for (int i = 0; i < 8; i++) b.append(String.format(" st%d=%04x_%016x", i, ste[i], stm[i]));
            b.append('\n');
        }
        b.append(String.format("mxcsr=%08x  rflags=%016x %s  mem@%x", mxcsr, rflags, flagString(rflags), memBase));
        return b.toString();
    }

    /** Names of the set arithmetic flags and DF, e.g. "CF ZF". */
    public static String flagString(long f) {
        StringBuilder b = new StringBuilder();
        String[] n = {"CF", "", "PF", "", "AF", "", "ZF", "SF", "", "", "DF", "OF"};
        for (int i = 0; i < n.length; i++) {
            if (!n[i].isEmpty() && (f & (1L << i)) != 0) {
                b.append(b.isEmpty() ? "" : " ").append(n[i]);
            }
        }
        return b.isEmpty() ? "-" : b.toString();
    }

    /** Hex dump of {@code len} memory bytes from {@code off}. */
    public String memHex(int off, int len) {
        return HexFormat.of().formatHex(memory, off, off + len);
    }
}
