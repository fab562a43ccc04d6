package dev.lstar.api;

import static dev.lstar.api.Guest.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.lstar.runtime.Vendor;
import dev.lstar.runtime.sys.Msrs;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * SYSCALL without hooks in a bare machine: ring 3 -> the ring-0 handler at LSTAR (CS from
 * STAR[47:32]) -> SYSRETQ back to ring 3 (CS = STAR[63:48] + 16 | 3), per SDM Vol. 2B SYSCALL /
 * SYSRET.
 */
class SyscallPrivilegeTest {
    @ParameterizedTest
    @EnumSource(Vendor.class)
    void syscallReallyEntersRingZeroAndSysretReturns(Vendor vendor) {
        Emulator emu = Emulator.builder().vendor(vendor).flatUserMode().build();
        emu.map(CODE, 0x1000, Perm.READ | Perm.EXEC);
        emu.write(CODE, SYS_USER);
        emu.map(SYS_KENTRY, 0x1000, Perm.READ | Perm.EXEC | Perm.SUPERVISOR);
        emu.write(SYS_KENTRY, SYS_KERNEL);
        emu.msrWrite(Msrs.STAR, 0x0023_0010_0000_0000L);
        emu.msrWrite(Msrs.LSTAR, SYS_KENTRY);
        emu.msrWrite(Msrs.FMASK, 0x700);
        List<String> cpl = new ArrayList<>();
        emu.hookCode(SYS_KENTRY, SYS_KENTRY, (e, a, n) -> cpl.add("kernel cpl " + e.regRead(Reg.CPL) + " cs " + e.regRead(Reg.CS)));
        emu.hookCode(0x400007, 0x400007, (e, a, n) -> cpl.add("user cpl " + e.regRead(Reg.CPL) + " cs " + e.regRead(Reg.CS)));
        StopInfo s = emu.start(CODE, SYS_DONE);
        assertEquals(StopInfo.Reason.UNTIL_REACHED, s.reason(), s.toString());
        assertEquals(List.of("kernel cpl 0 cs 16", "user cpl 3 cs 51", "kernel cpl 0 cs 16"), cpl);
        assertEquals(101 + 102, emu.regRead(Reg.R12));
        assertEquals(0x10, emu.regRead(Reg.R14), "mov %cs in the handler saw the kernel selector");
        assertEquals(3, emu.regRead(Reg.CPL));
        assertEquals(0x33, emu.regRead(Reg.CS));
        assertEquals(0x2b, emu.regRead(Reg.SS));
    }

    @ParameterizedTest
    @EnumSource(Vendor.class)
    void userCodeCannotRunTheSupervisorHandlerDirectly(Vendor vendor) {
        Emulator emu = Emulator.builder().vendor(vendor).flatUserMode().build();
        emu.map(SYS_KENTRY, 0x1000, Perm.READ | Perm.EXEC | Perm.SUPERVISOR);
        emu.write(SYS_KENTRY, SYS_KERNEL);
        StopInfo s = emu.start(SYS_KENTRY, Emulator.NO_UNTIL);
        assertEquals(StopInfo.Reason.FAULT, s.reason());
        assertEquals(14, s.vector());
        assertEquals(0x15, s.errorCode(), "user fetch of a present supervisor page: P | U/S | I/D");
    }
}
