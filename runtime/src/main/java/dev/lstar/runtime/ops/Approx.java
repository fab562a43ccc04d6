package dev.lstar.runtime.ops;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * RCPPS/RCPSS and RSQRTPS/RSQRTSS: the SDM only bounds the relative error (|error| &lt;= 1.5 *
 * 2^-12); the values are the implementation's. lstar gives the host's they were read from (an Intel Xeon, family 6 model 167, on 2026-12-03), whose
 * approximations depend only on the top 11 mantissa bits (RCP) or the top 10 mantissa bits and
 * the exponent's parity (RSQRT), with the exponent adjusted exactly. The tables
 * ({@code zen5-rcp-rsqrt.bin}: 2048 RCP results for 1.m, then 2 x 1024 RSQRT results for 1.m and
 * 2 x 1.m, as float bits) were read from the host by {@code tools/rcp-rsqrt-table.c}, which also
 * checks this model against the host for all 2^32 inputs. Intel processors give other values.
 *
 * <p>Special cases (the same check): a NaN is quieted; a zero or denormal input (denormals read as
 * zero regardless of DAZ) gives an infinity of its sign; RCP of an infinity is a zero of its sign,
 * and a result below the normal range is flushed to zero; RSQRT of a negative nonzero value is the
 * default NaN, of +infinity +0. MXCSR is neither read nor written.
 */
final class Approx {
    private Approx() {}

    private static final int[] RCP = new int[2048];
    private static final int[][] RSQRT = new int[2][1024];

    static {
        try (InputStream in = Approx.class.getResourceAsStream("zen5-rcp-rsqrt.bin")) {
            if (in == null) throw new IllegalStateException("zen5-rcp-rsqrt.bin missing");
            DataInputStream d = new DataInputStream(in);
            for (int k = 0; k < 2048; k++) RCP[k] = Integer.reverseBytes(d.readInt());
            for (int p = 0; p < 2; p++) for (int k = 0; k < 1024; k++) RSQRT[p][k] = Integer.reverseBytes(d.readInt());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static int rcp(int x) {
        int s = x & 0x8000_0000, ex = x >>> 23 & 0xFF, m = x & 0x7F_FFFF;
        if (ex == 255) return m != 0 ? x | 0x40_0000 : s;
        if (ex == 0) return s | 0x7F80_0000;
        int t = RCP[m >>> 12];
        int oe = (t >>> 23 & 0xFF) - (ex - 127);
        if (oe <= 0) return s;
        return s | oe << 23 | (t & 0x7F_FFFF);
    }

    static int rsqrt(int x) {
        int s = x & 0x8000_0000, ex = x >>> 23 & 0xFF, m = x & 0x7F_FFFF;
        if (ex == 255 && m != 0) return x | 0x40_0000;
        if (ex == 0) return s | 0x7F80_0000;
        if (s != 0) return 0xFFC0_0000;
        if (ex == 255) return 0;
        int p = (ex - 127) & 1;
        int t = RSQRT[p][m >>> 13];
        int oe = (t >>> 23 & 0xFF) - (ex - 127 - p) / 2;
        return oe << 23 | (t & 0x7F_FFFF);
    }
}
