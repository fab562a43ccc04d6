package dev.lstar.runtime.mem;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link FrameAccess}: the {@code Unsafe} implementation (the one the tests' JVM uses: the build
 * passes {@code --sun-misc-unsafe-memory-access=allow}, as the launcher does) and the byte-array
 * view one read and write the same little-endian bytes at every offset of a frame, including the
 * last ones and unaligned ones.
 */
class FrameAccessTest {
    @Test
    void theTestsJvmUsesUnsafe() {
        assertTrue(FrameAccess.usesUnsafe(), "surefire's argLine allows sun.misc.Unsafe's memory access");
    }

    @Test
    void bothImplementationsAgreeAtEveryOffset() {
        Random rnd = new Random(42);
        byte[] f = new byte[4096];
        rnd.nextBytes(f);
        for (int o = 0; o <= 4096 - 8; o++) {
            assertEquals(FrameAccess.viewGet64(f, o), FrameAccess.get64(f, o), "get64 at " + o);
            assertEquals(FrameAccess.viewGet32(f, o), FrameAccess.get32(f, o), "get32 at " + o);
            assertEquals(FrameAccess.viewGet16(f, o), FrameAccess.get16(f, o), "get16 at " + o);
        }
        for (int o = 4096 - 7; o <= 4096 - 2; o++) assertEquals(FrameAccess.viewGet16(f, o), FrameAccess.get16(f, o), "get16 at " + o);
        for (int o = 4096 - 4; o <= 4096 - 4; o++) assertEquals(FrameAccess.viewGet32(f, o), FrameAccess.get32(f, o), "get32 at " + o);
        // little-endian, zero-extended
        byte[] g = new byte[16];
        for (int k = 0; k < 8; k++) g[3 + k] = (byte) (0xF1 + k);
        assertEquals(0xF8F7F6F5F4F3F2F1L, FrameAccess.get64(g, 3));
        assertEquals(0xF4F3F2F1L, FrameAccess.get32(g, 3));
        assertEquals(0xF2F1L, FrameAccess.get16(g, 3));
    }

    @Test
    void storesWriteExactlyTheirBytes() {
        Random rnd = new Random(7);
        for (int size : new int[] {2, 4, 8}) {
            for (int o = 0; o <= 4096 - size; o += 1 + rnd.nextInt(5)) {
                byte[] a = new byte[4096], b = new byte[4096];
                rnd.nextBytes(a);
                System.arraycopy(a, 0, b, 0, a.length);
                long v = rnd.nextLong();
                switch (size) {
                    case 2 -> { FrameAccess.put16(a, o, v); FrameAccess.viewPut16(b, o, v); }
                    case 4 -> { FrameAccess.put32(a, o, v); FrameAccess.viewPut32(b, o, v); }
                    default -> { FrameAccess.put64(a, o, v); FrameAccess.viewPut64(b, o, v); }
                }
                assertArrayEquals(b, a, size + "-byte store at " + o);
                for (int k = 0; k < size; k++) assertEquals((byte) (v >>> (8 * k)), a[o + k], "byte " + k + " of the store at " + o);
            }
        }
    }
}
