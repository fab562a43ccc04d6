package dev.lstar.api;

import static dev.lstar.api.Guest.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.List;

import org.junit.jupiter.api.Test;

/** Memory + CPU snapshots: exact restoration, dirty-only restore, mappings and code coherence. */
class SnapshotTest {
    @Test
    void restoreBringsBackMemoryRegistersAndMappingsExactly() {
        Emulator emu = user(MEM);
        emu.map(DATA, 0x3000, Perm.READ | Perm.WRITE);
        byte[] pattern = new byte[0x3000];
        for (int k = 0; k < pattern.length; k++) pattern[k] = (byte) (k * 31 + 7);
        emu.write(DATA, pattern);
        emu.regWrite(Reg.RSI, DATA);
        Snapshot snap = emu.snapshot();
        List<MemRegion> regions = emu.regions();

        for (int round = 0; round < 3; round++) {
            StopInfo s = emu.start(CODE, MEM_DONE);
            assertEquals(StopInfo.Reason.UNTIL_REACHED, s.reason());
            emu.write(DATA + 0x2000, new byte[] {1, 2, 3});
            emu.map(0x9000_0000L, 0x2000, Perm.READ | Perm.WRITE);
            emu.writeLong(0x9000_0000L, -1);
            emu.unmap(DATA + 0x1000, 0x1000);
            emu.regWrite(Reg.R15, 77);

            emu.restore(snap);
            assertArrayEquals(pattern, emu.read(DATA, 0x3000), "round " + round);
            assertEquals(regions, emu.regions());
            assertEquals(snap.context(), emu.contextSave());
            assertEquals(0, emu.regRead(Reg.R15));
            assertEquals(-1, emu.translate(0x9000_0000L));
            assertThrows(EmulatorException.class, () -> emu.read(0x9000_0000L, 1));
        }
    }

    @Test
    void restoreOfTheLatestSnapshotCopiesOnlyDirtyFrames() {
        Emulator emu = user(MEM);
        emu.map(DATA, 0x100000, Perm.READ | Perm.WRITE); // 256 pages
        emu.regWrite(Reg.RSI, DATA);
        Snapshot snap = emu.snapshot();
        var phys = emu.machine().phys;
        emu.start(CODE, MEM_DONE); // writes DATA+8 and the stack
        int dirty = 0;
        for (long p = phys.nextDirty(0); p >= 0; p = phys.nextDirty(p + 1)) dirty++;
        // the data frame, the stack frame, and the page-table frames whose accessed/dirty bits the
        // first walks set: PML4, PDPT, PD and the two PTs:
        // 0x400000 (code) is in the PT for 0x400000-0x5fffff; DATA 0x600000 and the stack in 0x600000-0x7fffff
        assertEquals(2 + 5, dirty, "data, stack, PML4, PDPT, PD, 2 PTs");
        assertTrue(phys.isDirty(emu.translate(DATA) >>> 12));
        assertTrue(phys.isDirty(emu.translate(STACK_TOP - 8) >>> 12));
        assertFalse(phys.isDirty(emu.translate(DATA + 0x1000) >>> 12));
        emu.restore(snap);
        assertEquals(-1, phys.nextDirty(0));
        assertEquals(0, emu.readLong(DATA + 8));
    }

    @Test
    void aRunAfterARestoreWalksAndSetsAccessedBitsAsAFreshRunDoes() {
        Emulator emu = user(MEM);
        emu.map(DATA, 0x100000, Perm.READ | Perm.WRITE);
        emu.regWrite(Reg.RSI, DATA);
        Snapshot snap = emu.snapshot();
        var phys = emu.machine().phys;
        for (int round = 0; round < 3; round++) {
            emu.start(CODE, MEM_DONE);
            int dirty = 0;
            for (long p = phys.nextDirty(0); p >= 0; p = phys.nextDirty(p + 1)) dirty++;
            // the restore put the page tables' accessed/dirty bits back, so the TLB must not keep
            // translations that skip the walk: every round dirties the same frames as the first
            assertEquals(2 + 5, dirty, "round " + round + ": data, stack, PML4, PDPT, PD, 2 PTs");
            emu.restore(snap);
        }
    }

    @Test
    void restoredCodeIsExecutedNotStaleBlocks() {
        Emulator emu = user(hex("b80100000090")); // mov $1,%eax; nop
        Snapshot snap = emu.snapshot();
        emu.start(CODE, CODE + 5);
        assertEquals(1, emu.regRead(Reg.RAX));
        emu.write(CODE + 1, hex("07"));
        emu.start(CODE, CODE + 5);
        assertEquals(7, emu.regRead(Reg.RAX));
        emu.restore(snap);
        emu.start(CODE, CODE + 5);
        assertEquals(1, emu.regRead(Reg.RAX), "the restored bytes run, not the block decoded from 7");
    }

    @Test
    void anOlderSnapshotCanBeRestoredToo() {
        Emulator emu = Emulator.builder().build();
        emu.map(DATA, 0x1000, Perm.READ | Perm.WRITE);
        emu.writeLong(DATA, 1);
        Snapshot one = emu.snapshot();
        emu.writeLong(DATA, 2);
        Snapshot two = emu.snapshot();
        emu.writeLong(DATA, 3);
        emu.restore(one);
        assertEquals(1, emu.readLong(DATA));
        emu.restore(two);
        assertEquals(2, emu.readLong(DATA));
        emu.restore(two);
        assertEquals(2, emu.readLong(DATA));
        assertThrows(IllegalArgumentException.class, () -> Emulator.builder().build().restore(one));
    }

    @Test
    void snapshotsAreCopyOnWrite() {
        Emulator emu = user(MEM);
        emu.map(DATA, 0x100000, Perm.READ | Perm.WRITE); // 256 pages
        emu.regWrite(Reg.RSI, DATA);
        for (int p = 0; p < 256; p++) emu.writeLong(DATA + p * 0x1000L, p + 1);
        Snapshot snap = emu.snapshot();
        assertEquals(0, snap.bytes(), "taking a snapshot copies nothing");
        emu.writeLong(DATA + 5 * 0x1000L, -5);
        emu.writeLong(DATA + 5 * 0x1000L + 8, -6);
        assertEquals(4096, snap.bytes(), "the first write to a frame saved that frame, once");
        emu.start(CODE, MEM_DONE); // the guest writes DATA+8 and its stack (and the walker A/D bits)
        assertTrue(snap.bytes() < 16 * 4096, "only written frames are copied: " + snap.bytes());
        emu.restore(snap);
        for (int p = 0; p < 256; p++) assertEquals(p + 1, emu.readLong(DATA + p * 0x1000L), "page " + p);
        assertEquals(0, emu.readLong(DATA + 5 * 0x1000L + 8));

        // a newer snapshot completes this one; both stay exact
        emu.writeLong(DATA, 100);
        Snapshot newer = emu.snapshot();
        emu.writeLong(DATA, 200);
        emu.writeLong(DATA + 0x1000, 300);
        emu.restore(snap);
        assertEquals(1, emu.readLong(DATA));
        assertEquals(2, emu.readLong(DATA + 0x1000));
        emu.restore(newer);
        assertEquals(100, emu.readLong(DATA));
        assertEquals(2, emu.readLong(DATA + 0x1000));
        emu.restore(snap);
        assertEquals(1, emu.readLong(DATA));
    }
}
