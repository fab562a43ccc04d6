package dev.lstar.api;

import static dev.lstar.api.Guest.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.CpuException;
import dev.lstar.runtime.sys.Msrs;

import java.util.EnumMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** Registers, selectors, control registers, MSRs from the host, and CPU contexts. */
class RegistersApiTest {
    @Test
    void initialStateOfTheBuilderModes() {
        Emulator user = Emulator.builder().flatUserMode().build();
        assertEquals(3, user.regRead(Reg.CPL));
        assertEquals(0x33, user.regRead(Reg.CS));
        assertEquals(0x2b, user.regRead(Reg.SS));
        assertEquals(0, user.regRead(Reg.IDTR_LIMIT));
        Emulator kernel = Emulator.builder().build();
        assertEquals(0, kernel.regRead(Reg.CPL));
        assertEquals(0x10, kernel.regRead(Reg.CS));
        assertNotEquals(0, kernel.regRead(Reg.CR0) & Cpu.CR0_PG);
        assertNotEquals(0, kernel.regRead(Reg.EFER) & Cpu.EFER_LMA);
    }

    @Test
    void batchReadAndWrite() {
        Emulator emu = Emulator.builder().build();
        Map<Reg, Long> m = new EnumMap<>(Reg.class);
        for (Reg r : Reg.values()) if (r.gprIndex() >= 0) m.put(r, 0x1111L * (r.gprIndex() + 1));
        m.put(Reg.RIP, 0x401000L);
        emu.regWrite(m);
        long[] v = emu.regRead(Reg.RAX, Reg.R15, Reg.RIP);
        assertArrayEquals(new long[] {0x1111, 0x1111 * 16, 0x401000}, v);
    }

    @Test
    void rflagsWriteForcesBit1() {
        Emulator emu = Emulator.builder().build();
        emu.regWrite(Reg.RFLAGS, 0x41);
        assertEquals(0x43, emu.regRead(Reg.RFLAGS));
    }

    @Test
    void writingCsChangesPrivilege() {
        Emulator emu = Emulator.builder().build();
        emu.regWrite(Reg.CS, 0x33);
        emu.regWrite(Reg.SS, 0x2b);
        assertEquals(3, emu.regRead(Reg.CPL));
        assertThrows(EmulatorException.class, () -> emu.regWrite(Reg.DS, 0x80), "beyond the GDT limit");
        assertThrows(IllegalArgumentException.class, () -> emu.regWrite(Reg.CPL, 0));
    }

    @Test
    void controlRegistersFollowTheProcessorRules() {
        Emulator emu = Emulator.builder().build();
        long cr4 = emu.regRead(Reg.CR4);
        emu.regWrite(Reg.CR4, cr4 | Cpu.CR4_SMEP);
        assertEquals(cr4 | Cpu.CR4_SMEP, emu.regRead(Reg.CR4));
        assertThrows(EmulatorException.class, () -> emu.regWrite(Reg.CR4, cr4 & ~Cpu.CR4_PAE), "PAE cannot be cleared in long mode");
        assertEquals(cr4 | Cpu.CR4_SMEP, emu.regRead(Reg.CR4), "a refused write changes nothing");
    }

    @Test
    void msrAccessFromTheHostIgnoresCplButKeepsValueRules() {
        Emulator emu = Emulator.builder().flatUserMode().build();
        emu.msrWrite(Msrs.LSTAR, 0xffff_ffff_8100_0000L);
        assertEquals(0xffff_ffff_8100_0000L, emu.msrRead(Msrs.LSTAR));
        emu.msrWrite(Msrs.STAR, 0x0023_0010_0000_0000L);
        assertEquals(0x0023_0010_0000_0000L, emu.msrRead(Msrs.STAR));
        emu.regWrite(Reg.FS_BASE, 0x7000_0000);
        assertEquals(0x7000_0000, emu.msrRead(Msrs.FS_BASE));
        assertThrows(EmulatorException.class, () -> emu.msrWrite(Msrs.LSTAR, 0x0100_0000_0000_0000L), "non-canonical");
        assertThrows(EmulatorException.class, () -> emu.msrRead(0x1234), "unmodelled MSR");
        assertThrows(EmulatorException.class, () -> emu.msrWrite(Msrs.FMASK, 1L << 40), "reserved bits");
        assertEquals(3, emu.regRead(Reg.CPL), "host access left the CPL alone");
    }

    @Test
    void guestRdmsrInRing3IsAGeneralProtectionFault() {
        Emulator emu = user(hex("0f3290"));
        emu.regWrite(Reg.RCX, Msrs.LSTAR & 0xFFFF_FFFFL);
        StopInfo s = emu.start(CODE, CODE + 2);
        assertEquals(StopInfo.Reason.FAULT, s.reason());
        assertEquals(CpuException.GP, s.vector());
        assertEquals(0, s.errorCode());
    }

    @Test
    void contextRoundTrip() {
        Emulator emu = user(LOOP);
        emu.regWrite(Reg.RAX, 99);
        emu.regWrite(Reg.RCX, 10);
        emu.msrWrite(Msrs.KERNEL_GS_BASE, 0x1234000);
        Context saved = emu.contextSave();
        StopInfo s = emu.start(CODE, LOOP_DONE);
        assertEquals(StopInfo.Reason.UNTIL_REACHED, s.reason());
        assertNotEquals(99, emu.regRead(Reg.RAX));
        Context after = emu.contextSave();
        emu.msrWrite(Msrs.KERNEL_GS_BASE, 0);
        emu.regWrite(Reg.CS, 0x10);
        emu.contextRestore(saved);
        assertEquals(saved, emu.contextSave());
        assertEquals(99, emu.regRead(Reg.RAX));
        assertEquals(3, emu.regRead(Reg.CPL));
        assertEquals(0x1234000, emu.msrRead(Msrs.KERNEL_GS_BASE));
        assertEquals(99, saved.get(Reg.RAX));
        // running again from the restored context gives the same result
        emu.start(CODE, LOOP_DONE);
        assertEquals(after.get(Reg.RAX), emu.regRead(Reg.RAX));
        assertEquals(after.get(Reg.RBX), emu.regRead(Reg.RBX));
        assertEquals(after, emu.contextSave(), "including the instruction count (RDTSC replays)");
    }
}
