package dev.lstar.runtime.mem;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PhysicalMemoryTest {
    final PhysicalMemory m = new PhysicalMemory(1 << 20);

    @Test
    void framesAreAllocatedLazily() {
        assertEquals(0, m.allocatedFrames());
        assertEquals(0, m.read64(0x5000));
        assertEquals(0, m.read8(0xFFFFF));
        assertEquals(0, m.allocatedFrames());
        assertNull(m.frameIfPresent(5));
        m.write8(0x5001, 0xAB);
        assertEquals(1, m.allocatedFrames());
        assertSame(m.frame(5), m.frameIfPresent(5));
        assertEquals(0xAB, m.frame(5)[1] & 0xFF);
    }

    @Test
    void littleEndianAllSizesAndCrossingFrames() {
        m.write64(0x1000 - 3, 0x1122334455667788L);
        assertEquals(0x1122334455667788L, m.read64(0x1000 - 3));
        assertEquals(0x88, m.read8(0xFFD));
        assertEquals(0x7788, m.read16(0xFFD));
        assertEquals(0x66, m.read8(0xFFF));
        assertEquals(0x55667788, m.read32(0xFFD));
        assertEquals(0x3344, m.read16(0x1001));
        m.write32(0x2FFE, 0xDEADBEEF);
        assertEquals(0xDEADBEEF, m.read32(0x2FFE));
        assertEquals(0xBEEF, m.read16(0x2FFE));
        m.write16(0x3FFF, 0xCAFE);
        assertEquals(0xFE, m.read8(0x3FFF));
        assertEquals(0xCA, m.read8(0x4000));
    }

    @Test
    void bulkCopyAcrossFrames() {
        byte[] src = new byte[10000];
        for (int i = 0; i < src.length; i++) src[i] = (byte) (i * 7);
        m.write(0x1234, src, 0, src.length);
        byte[] dst = new byte[10002];
        m.read(0x1233, dst, 1, 10001);
        assertEquals(0, dst[1]);
        for (int i = 0; i < src.length; i++) assertEquals(src[i], dst[i + 2]);
        byte[] z = new byte[100];
        m.read(0x80000, z, 0, 100); // untouched: zeros, no allocation
        assertArrayEquals(new byte[100], z);
    }

    @Test
    void beyondSizeIsMachineCheck() {
        MachineCheckException e = assertThrows(MachineCheckException.class, () -> m.read8(1 << 20));
        assertEquals(1 << 20, e.physAddr);
        assertThrows(MachineCheckException.class, () -> m.write64((1 << 20) - 4, 0));
        assertThrows(MachineCheckException.class, () -> m.read64(-8));
        assertThrows(MachineCheckException.class, () -> m.write(0xFFFF0, new byte[32], 0, 32));
        assertThrows(MachineCheckException.class, () -> m.frame(256));
        // nothing partial was written by the failing split write
        assertEquals(0, m.read32((1 << 20) - 4));
        assertThrows(IllegalArgumentException.class, () -> new PhysicalMemory(0));
    }

    @Test
    void codeFrameWritesAreReported() {
        List<long[]> seen = new ArrayList<>();
        m.setCodeWriteListener((pa, len) -> seen.add(new long[] {pa, len}));
        m.write32(0x3000, 1);
        assertTrue(seen.isEmpty());
        m.markCode(3);
        assertTrue(m.isCode(3));
        assertFalse(m.isCode(4));
        m.write32(0x3010, 5);
        m.write16(0x3FFF, 0x1234); // straddles code frame 3 and data frame 4
        m.write64(0x2FFC, -1L); // straddles data frame 2 and code frame 3
        m.write(0x2F00, new byte[0x300], 0, 0x300); // 0x2F00..0x31FF
        m.write8(0x4000, 1); // data
        assertEquals(4, seen.size());
        assertArrayEquals(new long[] {0x3010, 4}, seen.get(0));
        assertArrayEquals(new long[] {0x3FFF, 1}, seen.get(1));
        assertArrayEquals(new long[] {0x3000, 4}, seen.get(2));
        assertArrayEquals(new long[] {0x3000, 0x200}, seen.get(3));
        m.unmarkCode(3);
        m.write8(0x3000, 0);
        assertEquals(4, seen.size());
        assertEquals(0, m.codeFrames());
    }
}
