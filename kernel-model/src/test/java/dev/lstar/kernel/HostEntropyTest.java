package dev.lstar.kernel;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class HostEntropyTest {
    @Test
    void bytesAcrossManyPoolsAreUniformAndNeverRepeatAWholeDraw() {
        HostEntropy e = new HostEntropy();
        byte[] a = new byte[1 << 16], b = new byte[1 << 16];
        e.nextBytes(a);
        e.nextBytes(b);
        assertFalse(Arrays.equals(a, b));
        int[] count = new int[256];
        for (byte x : a) count[x & 0xFF]++;
        for (int v = 0; v < 256; v++) {
            // expected 256 each; 5 standard deviations (16) either way
            assertTrue(count[v] > 256 - 80 && count[v] < 256 + 80, "byte " + v + " drawn " + count[v] + " times of 65536");
        }
    }

    @Test
    void oddSizedDrawsStraddleTheBlockReads() {
        HostEntropy e = new HostEntropy();
        byte[] prev = new byte[0];
        for (int n : new int[] {1, 7, 511, 512, 513, 3, 1025}) {
            byte[] x = new byte[n];
            e.nextBytes(x);
            if (n >= 16) assertFalse(Arrays.equals(x, new byte[n]), "all zero: " + n);
            assertFalse(n == prev.length && Arrays.equals(x, prev));
            prev = x;
        }
    }

    @Test
    void integerDrawsCoverTheirRange() {
        HostEntropy e = new HostEntropy();
        boolean[] seen = new boolean[16];
        long or = 0, and = -1;
        for (int k = 0; k < 2000; k++) {
            seen[e.nextInt(16)] = true;
            long v = e.nextLong();
            or |= v;
            and &= v;
        }
        for (int v = 0; v < 16; v++) assertTrue(seen[v], "nextInt(16) never gave " + v);
        assertEquals(-1L, or, "every bit of nextLong is set sometimes");
        assertEquals(0L, and, "and clear sometimes");
    }
}
