package dev.lstar.runtime.interp;

import dev.lstar.runtime.setup.FlatImage;
import static org.junit.jupiter.api.Assertions.*;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.Flags;
import dev.lstar.runtime.Vendor;
import dev.lstar.runtime.engine.RunResult;
import dev.lstar.runtime.engine.StopReason;
import dev.lstar.runtime.setup.BareMachine;
import dev.lstar.runtime.setup.Gdt;
import dev.lstar.runtime.setup.PageTables;
import dev.lstar.runtime.sys.Msrs;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A hand-assembled ring-0 → SYSRETQ → ring-3 → SYSCALL → ring-0 round trip on the interpreter
 * (runtime/src/test/asm/ringtrip.S), with the architectural state checked at each step against
 * the SDM's SYSCALL/SYSRET operation.
 */
class RingTripTest {
    @ParameterizedTest
    @EnumSource(Vendor.class)
    void sysretThenSyscall(Vendor vendor) {
        BareMachine bm = BareMachine.create(vendor, 64 << 20, false, 0);
        FlatImage img = FlatImage.load("ringtrip");
        img.install(bm);
        bm.map(0x7f0000, 0x10000, PageTables.RW | PageTables.US | PageTables.NX);
        Cpu c = bm.machine.cpu;
        Msrs.wrmsr(c, Msrs.STAR, 0x0023_0010_0000_0000L);
        Msrs.wrmsr(c, Msrs.LSTAR, img.sym("kentry"));
        Msrs.wrmsr(c, Msrs.FMASK, 0x257FD5L);
        long userFlags = Flags.CF | Flags.ZF | Flags.IF | Flags.DF | Flags.AC | Flags.RF | (1L << 3);
        c.r[Cpu.RCX] = img.sym("user_code");
        c.r[Cpu.R11] = userFlags;
        c.r[Cpu.RSP] = 0x7ff000;
        Interpreter in = new Interpreter(bm.machine);

        // 1. SYSRETQ: ring 3 at RCX, RFLAGS = (R11 & 0x3C7FD7) | 2, CS = STAR[63:48]+16 | 3, SS = +8 | 3
        RunResult r = in.run(bm.machine, 100, img.sym("user_code"));
        assertEquals(StopReason.UNTIL_REACHED, r.reason(), r.toString());
        assertEquals(3, c.cpl);
        assertEquals(Gdt.USER_CS, c.segSel[Cpu.CS]);
        assertEquals(Gdt.USER_DS, c.segSel[Cpu.SS]);
        assertEquals((userFlags & 0x3C7FD7L) | 2, c.getRflags(), "RF and reserved bit 3 cleared, bit 1 set");
        assertEquals(0x7ff000, c.r[Cpu.RSP], "SYSRET leaves RSP alone");
        assertTrue(c.is64BitCode());

        // 2. SYSCALL: ring 0 at LSTAR, RCX = next RIP, R11 = RFLAGS, RFLAGS &= ~FMASK, CS/SS from STAR[47:32]
        long flagsAtSyscall = c.getRflags();
        r = in.run(bm.machine, 100, img.sym("kentry"));
        assertEquals(StopReason.UNTIL_REACHED, r.reason(), r.toString());
        assertEquals(0, c.cpl);
        assertEquals(Gdt.KERNEL_CS, c.segSel[Cpu.CS]);
        assertEquals(Gdt.KERNEL_DS, c.segSel[Cpu.SS]);
        assertEquals(img.sym("after_syscall"), c.r[Cpu.RCX]);
        assertEquals(flagsAtSyscall, c.r[Cpu.R11]);
        assertEquals(2, c.getRflags(), "every flag but bit 1 is in SYSCALL_MASK here");
        assertEquals(0x1234, c.r[Cpu.RAX]);
        assertEquals(0x77, c.r[Cpu.RDI]);
        assertEquals(0x7ff000, c.r[Cpu.RSP], "SYSCALL does not switch stacks");

        // 3. the kernel code sees them
        r = in.run(bm.machine, 100, img.sym("done"));
        assertEquals(StopReason.UNTIL_REACHED, r.reason());
        assertEquals(img.sym("after_syscall"), c.r[Cpu.R12]);
        assertEquals(flagsAtSyscall, c.r[Cpu.R13]);
    }
}
