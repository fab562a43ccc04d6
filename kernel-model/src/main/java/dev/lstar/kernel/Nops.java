package dev.lstar.kernel;

/**
 * The recommended multi-byte NOP sequences of the Intel SDM (Vol. 2B, "NOP", table
 * "Recommended Multi-Byte Sequence of NOP Instruction"), used to fill patched alternative sites
 * the way Linux's {@code add_nops()} does.
 */
public final class Nops {
    private static final byte[][] NOPS = {
            {},
            {(byte) 0x90},
            {0x66, (byte) 0x90},
            {0x0f, 0x1f, 0x00},
            {0x0f, 0x1f, 0x40, 0x00},
            {0x0f, 0x1f, 0x44, 0x00, 0x00},
            {0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00},
            {0x0f, 0x1f, (byte) 0x80, 0x00, 0x00, 0x00, 0x00},
            {0x0f, 0x1f, (byte) 0x84, 0x00, 0x00, 0x00, 0x00, 0x00},
            {0x66, 0x0f, 0x1f, (byte) 0x84, 0x00, 0x00, 0x00, 0x00, 0x00},
    };

    /** The longest single NOP instruction used. */
    public static final int MAX = NOPS.length - 1;

    private Nops() {
    }

    /** Fills {@code len} bytes of {@code dst} at {@code off} with as few NOP instructions as possible. */
    public static void fill(byte[] dst, int off, int len) {
        while (len > 0) {
            int n = Math.min(len, MAX);
            System.arraycopy(NOPS[n], 0, dst, off, n);
            off += n;
            len -= n;
        }
    }
}
