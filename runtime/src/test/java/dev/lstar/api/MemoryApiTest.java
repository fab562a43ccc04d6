package dev.lstar.api;

import static dev.lstar.api.Guest.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.List;

import org.junit.jupiter.api.Test;

/** map / unmap / protect / regions / host read and write / translate / mapHost / code coherence. */
class MemoryApiTest {
    @Test
    void regionsMergeAndSplit() {
        Emulator emu = Emulator.builder().build();
        emu.map(0x10000, 0x4000, Perm.READ | Perm.WRITE);
        emu.map(0x14000, 0x1000, Perm.READ | Perm.WRITE);
        emu.map(0x20000, 0x1000, Perm.READ | Perm.EXEC);
        assertEquals(List.of(new MemRegion(0x10000, 0x14fff, 3), new MemRegion(0x20000, 0x20fff, 5)), emu.regions());
        emu.protect(0x11000, 0x1000, Perm.READ);
        emu.unmap(0x13000, 0x1000);
        assertEquals(List.of(new MemRegion(0x10000, 0x10fff, 3), new MemRegion(0x11000, 0x11fff, 1),
                new MemRegion(0x12000, 0x12fff, 3), new MemRegion(0x14000, 0x14fff, 3), new MemRegion(0x20000, 0x20fff, 5)),
                emu.regions());
    }

    @Test
    void mapRejectsOverlapMisalignmentAndNonCanonical() {
        Emulator emu = Emulator.builder().build();
        emu.map(0x10000, 0x2000, Perm.ALL);
        assertThrows(EmulatorException.class, () -> emu.map(0x11000, 0x1000, Perm.ALL));
        assertThrows(EmulatorException.class, () -> emu.map(0x30001, 0x1000, Perm.ALL));
        assertThrows(EmulatorException.class, () -> emu.map(0x0000_8000_0000_0000L, 0x1000, Perm.ALL));
        assertThrows(EmulatorException.class, () -> emu.unmap(0x40000, 0x1000));
        assertThrows(EmulatorException.class, () -> emu.read(0x40000, 1));
    }

    @Test
    void hostReadWriteIgnoresGuestPermissionsAndCrossesPages() {
        Emulator emu = Emulator.builder().flatUserMode().build();
        emu.map(0x10000, 0x2000, Perm.READ | Perm.SUPERVISOR);
        byte[] b = new byte[100];
        for (int k = 0; k < b.length; k++) b[k] = (byte) (k * 7);
        emu.write(0x10fd0, b);
        assertArrayEquals(b, emu.read(0x10fd0, 100));
    }

    @Test
    void translateHasNoSideEffects() {
        Emulator emu = Emulator.builder().build();
        emu.map(0x7000_0000, 0x1000, Perm.READ);
        long pa = emu.translate(0x7000_0123);
        assertTrue(pa > 0);
        assertEquals(0x123, pa & 0xFFF);
        assertEquals(-1, emu.translate(0x7000_1000));
        // the PTE's accessed bit is still clear: peek walked the tables without setting A
        long root = emu.regRead(Reg.CR3) & ~0xFFFL;
        var phys = emu.machine().phys;
        long e = phys.read64(root + ((0x7000_0000L >>> 39) & 511) * 8);
        for (int level = 3; level >= 1; level--) {
            e = phys.read64((e & 0x000F_FFFF_FFFF_F000L) + ((0x7000_0000L >>> (12 + 9 * (level - 1))) & 511) * 8);
        }
        assertEquals(0, e & 0x20, "A bit of the leaf PTE");
    }

    @Test
    void hostWriteOfCodeDropsTheDecodedBlock() {
        Emulator emu = user(hex("b801000000" + "90")); // mov $1,%eax; nop
        emu.start(CODE, CODE + 5);
        assertEquals(1, emu.regRead(Reg.RAX));
        emu.write(CODE + 1, hex("02")); // mov $2,%eax
        emu.start(CODE, CODE + 5);
        assertEquals(2, emu.regRead(Reg.RAX), "no stale decoded code after a host write");
    }

    @Test
    void guestSelfModifyingCodeIsSeen() {
        // mov $0x02, %al? no: movb $2, 1(%rip)... write the immediate of the next instruction, then run it
        //   c6 05 01 00 00 00 02   movb $2, 0x1(%rip)   -> patches the imm8 of the mov below
        //   b0 01                  mov $1, %al
        //   90                     nop
        Emulator emu = user(hex("c6050100000002b00190"));
        emu.protect(CODE, 0x1000, Perm.ALL);
        emu.regWrite(Reg.RAX, 0);
        emu.start(CODE, CODE + 9);
        assertEquals(2, emu.regRead(Reg.RAX));
    }

    @Test
    void mapHostIsZeroCopy() {
        byte[][] pages = {new byte[4096], new byte[4096]};
        pages[1][8] = 40;
        // mov 0x1008(%rsi),%rax; add $2,%rax; mov %rax,(%rsi); nop
        Emulator emu = user(hex("488b86081000004883c002488906" + "90"));
        emu.mapHost(DATA, pages, Perm.READ | Perm.WRITE);
        emu.regWrite(Reg.RSI, DATA);
        StopInfo s = emu.start(CODE, CODE + 14);
        assertEquals(StopInfo.Reason.UNTIL_REACHED, s.reason(), s.toString());
        assertEquals(42, pages[0][0], "the guest wrote into the caller's array");
        pages[1][8] = 100;
        emu.start(CODE, CODE + 14);
        assertEquals(102, pages[0][0], "the guest read the caller's change");
        emu.unmap(DATA, 0x2000);
        emu.map(DATA, 0x2000, Perm.READ | Perm.WRITE);
        assertEquals(0, emu.readLong(DATA), "a fresh mapping does not see the returned arrays");
        assertEquals(102, pages[0][0], "and unmapping did not clear them");
    }

    @Test
    void unmappedFramesAreReusedZeroed() {
        Emulator emu = Emulator.builder().ramSize(4 << 20).build();
        for (int k = 0; k < 5000; k++) { // more than the RAM holds if frames leaked
            emu.map(0x10000, 0x1000, Perm.READ | Perm.WRITE);
            assertEquals(0, emu.readLong(0x10000));
            emu.writeLong(0x10000, k + 1);
            emu.unmap(0x10000, 0x1000);
        }
    }
}
