package dev.lstar.conformance.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lstar.kernel.KernelConfig;
import dev.lstar.kernel.LinuxKernel;
import dev.lstar.kernel.PtRegs;
import dev.lstar.kernel.Signal;
import dev.lstar.runtime.Vendor;
import dev.lstar.runtime.mem.Mmu;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The return half of entry_SYSCALL_64 (Linux 6.6 arch/x86/entry/entry_64.S, spec §4.2): SYSRET is
 * used only when it reproduces what IRET would; each of the six checks, made to fail by a test
 * system call that rewrites pt_regs (as sigreturn or ptrace would), must send the return through
 * swapgs_restore_regs_and_return_to_usermode and native_irq_return_iret. The path is observed
 * with {@code Machine.tracer}: after the test system call ran, which of entry_SYSRETQ_unsafe_stack
 * (the swapgs before sysretq) and native_irq_return_iret executes first.
 *
 * <p>Then the CVE-2012-0217 condition: with the canonical check removed (a debug switch), Intel's
 * SYSRET raises #GP in ring 0 after the user RSP is live again, which the kernel reports as an
 * oops; with the check, or with AMD's SYSRET (which faults only after reaching ring 3), the same
 * return is an ordinary user SIGSEGV.
 */
class SysretPathTest {
    static final int TEST_NR = 335; // unassigned in the 6.6 table
    static final long RF = 1L << 16, TF = 1L << 8, CF = 1;
    static final long NONCANONICAL = 1L << 47;

    /** How a run went: the return path of the test system call, and the run's result. */
    record Outcome(String path, LstarRun.Result run) {
        String stdout() {
            return run.stdout();
        }
    }

    /** Rewrites pt_regs: regs address, the mmu, the guest's rdi (alt) and rsi (its RSP). */
    @FunctionalInterface
    interface RegsEdit {
        void edit(Mmu mmu, long regs, long alt, long userSp);
    }

    static Outcome run(KernelConfig cfg, EngineFactory engine, RegsEdit edit) {
        String[] path = {null};
        boolean[] armed = {false};
        LstarRun.Result r = LstarRun.run("sysret", List.of(), cfg, engine, k -> {
            long sysret = k.image.address("entry_SYSRETQ_unsafe_stack");
            long iret = k.image.address("native_irq_return_iret");
            k.syscalls().override(TEST_NR, "test_edit_pt_regs", 2, (alt, sp, a2, a3, a4, a5) -> {
                edit.edit(k.machine.mmu, k.syscalls().currentRegs(), alt, sp);
                armed[0] = true;
                return 0x335;
            });
            k.machine.tracer = (cpu, insn) -> {
                if (!armed[0]) return;
                if (insn.address == sysret) { path[0] = "sysret"; armed[0] = false; }
                else if (insn.address == iret) { path[0] = "iret"; armed[0] = false; }
            };
        });
        return new Outcome(path[0], r);
    }

    static long get(Mmu m, long regs, int off) {
        return m.readSys64(regs + off);
    }

    static void set(Mmu m, long regs, int off, long v) {
        m.writeSys64(regs + off, v);
    }

    static Stream<Arguments> vendors() {
        List<Arguments> out = new ArrayList<>();
        for (EngineFactory e : EngineFactory.ALL) {
            for (Vendor v : List.of(Vendor.INTEL, Vendor.AMD)) out.add(Arguments.of(e, v));
        }
        return out.stream();
    }

    static KernelConfig cfg(Vendor v) {
        return LstarRun.config(v, true);
    }

    @ParameterizedTest(name = "[{0}, {1}]")
    @MethodSource("vendors")
    void unmodifiedRegsReturnWithSysret(EngineFactory e, Vendor v) {
        Outcome o = run(cfg(v), e, (m, regs, alt, sp) -> {});
        assertEquals("sysret", o.path());
        assertEquals("calling 335\nback at the next instruction\nrax 0x335 r11 0x202 rflags 0x202\n", o.stdout());
        assertEquals(0, o.run().status());
    }

    /** Check 1: regs->ip != regs->cx (a signal frame or sigreturn moved ip). IRET goes to ip. */
    @ParameterizedTest(name = "[{0}, {1}]")
    @MethodSource("vendors")
    void ipNotCxTakesIret(EngineFactory e, Vendor v) {
        Outcome o = run(cfg(v), e, (m, regs, alt, sp) -> set(m, regs, PtRegs.IP, alt));
        assertEquals("iret", o.path());
        assertEquals("calling 335\nback at alt\nrax 0x335 r11 0x202 rflags 0x202\n", o.stdout());
        assertEquals(11, o.run().status());
    }

    /**
     * Check 2: cx == ip but non-canonical. IRETQ raises #GP(0) at CPL 0 (SDM IRET, IA-32e-mode
     * return: non-canonical RIP); error_entry sees the fault at native_irq_return_iret and turns it
     * into a user-mode #GP, so the process gets SIGSEGV, not an oops — on both vendors.
     */
    @ParameterizedTest(name = "[{0}, {1}]")
    @MethodSource("vendors")
    void nonCanonicalIpTakesIretAndSegfaults(EngineFactory e, Vendor v) {
        Outcome o = run(cfg(v), e, (m, regs, alt, sp) -> {
            set(m, regs, PtRegs.IP, NONCANONICAL);
            set(m, regs, PtRegs.CX, NONCANONICAL);
        });
        assertEquals("iret", o.path());
        assertEquals("calling 335\n", o.stdout());
        assertEquals(Signal.SIGSEGV, o.run().exit().signal(), o.run().exit().message());
        assertFalse(o.run().exit().oops(), o.run().exit().message());
        assertEquals(139, o.run().status());
    }

    /**
     * Check 3: cs != __USER_CS. __USER_DS (0x2b) as CS is a data segment: IRETQ raises #GP(0x28)
     * (SDM IRET: "return code segment selector ... not a code segment"), again a bad IRET turned
     * into SIGSEGV.
     */
    @ParameterizedTest(name = "[{0}, {1}]")
    @MethodSource("vendors")
    void csNotUserCsTakesIret(EngineFactory e, Vendor v) {
        Outcome o = run(cfg(v), e, (m, regs, alt, sp) -> set(m, regs, PtRegs.CS, 0x2b));
        assertEquals("iret", o.path());
        assertEquals("calling 335\n", o.stdout());
        assertEquals(139, o.run().status(), o.run().exit().message());
        assertFalse(o.run().exit().oops(), o.run().exit().message());
    }

    /**
     * Check 3 with a valid CS: __USER32_CS (0x23) makes IRETQ return to compatibility mode, which
     * lstar does not execute. The IRET path is asserted; the end must be a clean user-mode
     * failure (no oops). Known gap, reported as skipped: the engine executes the compatibility-mode
     * code as 64-bit code until the next SYSCALL, which is #UD (SIGILL) on Intel and, on AMD,
     * enters CSTAR's entry_SYSCALL_compat, a ud2 stub: a kernel oops.
     */
    @ParameterizedTest(name = "[{0}, {1}]")
    @MethodSource("vendors")
    void user32CsTakesIretAndEndsCleanly(EngineFactory e, Vendor v) {
        Outcome o = run(cfg(v), e, (m, regs, alt, sp) -> set(m, regs, PtRegs.CS, 0x23));
        assertEquals("iret", o.path());
        // lstar does not execute 32-bit code: the run must stop with that said, not run it as 64-bit code
        assertFalse(o.stdout().contains("back at"), "compatibility-mode code must not run as 64-bit code");
        assertFalse(o.run().exit().oops(), o.run().exit().message());
        assertTrue(o.run().exit().message().startsWith("unsupported: code segment 0x23 is not a 64-bit segment"),
                "compatibility mode must fail loudly: " + o.run().exit().message());
        assertEquals(70, o.run().status());
    }

    /** Check 4: r11 != flags. IRET restores regs->flags (CF here); r11 keeps regs->r11. */
    @ParameterizedTest(name = "[{0}, {1}]")
    @MethodSource("vendors")
    void r11NotFlagsTakesIret(EngineFactory e, Vendor v) {
        Outcome o = run(cfg(v), e, (m, regs, alt, sp) -> set(m, regs, PtRegs.FLAGS, get(m, regs, PtRegs.FLAGS) | CF));
        assertEquals("iret", o.path());
        assertEquals("calling 335\nback at the next instruction\nrax 0x335 r11 0x202 rflags 0x203\n", o.stdout());
        assertEquals(0, o.run().status());
    }

    /**
     * Check 5, RF: SYSRET cannot set RF, IRET can. RF only suppresses instruction breakpoints on
     * the next instruction and is cleared after it; PUSHF never stores it (SDM PUSHF: "RF ...
     * cleared in the image"), so the user sees it only in r11.
     */
    @ParameterizedTest(name = "[{0}, {1}]")
    @MethodSource("vendors")
    void rfTakesIret(EngineFactory e, Vendor v) {
        Outcome o = run(cfg(v), e, (m, regs, alt, sp) -> {
            set(m, regs, PtRegs.FLAGS, get(m, regs, PtRegs.FLAGS) | RF);
            set(m, regs, PtRegs.R11, get(m, regs, PtRegs.R11) | RF);
        });
        assertEquals("iret", o.path());
        assertEquals("calling 335\nback at the next instruction\nrax 0x335 r11 0x10202 rflags 0x202\n", o.stdout());
    }

    /**
     * Check 5, TF: a TF restored by IRET makes the CPU single-step: after the first user
     * instruction a #DB trap (SDM Vol. 3A 17.3.1.4, single-step), which Linux turns into SIGTRAP.
     */
    @ParameterizedTest(name = "[{0}, {1}]")
    @MethodSource("vendors")
    void tfTakesIretAndTraps(EngineFactory e, Vendor v) {
        Outcome o = run(cfg(v), e, (m, regs, alt, sp) -> {
            set(m, regs, PtRegs.FLAGS, get(m, regs, PtRegs.FLAGS) | TF);
            set(m, regs, PtRegs.R11, get(m, regs, PtRegs.R11) | TF);
        });
        assertEquals("iret", o.path());
        assertEquals(133, o.run().status(), "single-step #DB -> SIGTRAP; the program ran on: " + o.stdout().replace("\n", " | "));
        assertEquals("calling 335\n", o.stdout(), o.run().exit().message());
    }

    /** Check 6: ss != __USER_DS. A NULL SS for a CPL-3 return makes IRETQ raise #GP: SIGSEGV. */
    @ParameterizedTest(name = "[{0}, {1}]")
    @MethodSource("vendors")
    void ssNotUserDsTakesIret(EngineFactory e, Vendor v) {
        Outcome o = run(cfg(v), e, (m, regs, alt, sp) -> set(m, regs, PtRegs.SS, 0));
        assertEquals("iret", o.path());
        assertEquals("calling 335\n", o.stdout());
        assertEquals(139, o.run().status(), o.run().exit().message());
        assertFalse(o.run().exit().oops(), o.run().exit().message());
    }

    static Stream<Arguments> kpti() {
        List<Arguments> out = new ArrayList<>();
        for (EngineFactory e : EngineFactory.ALL) {
            for (boolean k : new boolean[] {true, false}) out.add(Arguments.of(e, k));
        }
        return out.stream();
    }

    static final RegsEdit NONCANONICAL_RETURN = (m, regs, alt, sp) -> {
        set(m, regs, PtRegs.IP, NONCANONICAL);
        set(m, regs, PtRegs.CX, NONCANONICAL);
    };

    /**
     * CVE-2012-0217: Intel semantics without the canonical check. SYSRET checks RCX before it
     * changes anything, so #GP is raised at CPL 0 (SDM SYSRET), by which time the entry code has
     * restored the user RSP and done swapgs: the kernel takes a ring-0 fault on the user stack.
     */
    @ParameterizedTest(name = "[{0}, kpti {1}]")
    @MethodSource("kpti")
    void intelWithoutCanonicalCheckOopsesOnTheUserStack(EngineFactory e, boolean kpti) {
        long[] userSp = {0};
        Outcome o = run(LstarRun.config(Vendor.INTEL, kpti).withCanonicalCheck(false), e, (m, regs, alt, sp) -> {
            NONCANONICAL_RETURN.edit(m, regs, alt, sp);
            userSp[0] = sp;
        });
        assertEquals("sysret", o.path());
        assertTrue(o.run().exit().oops(), "expected a kernel oops, got: " + o.run().exit().message());
        String msg = o.run().exit().message();
        assertTrue(msg.contains("#GP"), msg);
        assertTrue(msg.contains("user-space stack pointer"), msg);
        assertTrue(msg.contains("RSP: 0x" + Long.toHexString(userSp[0])), "the fault frame's RSP is the user's: " + msg);
        assertTrue(msg.contains("<entry_SYSRETQ_unsafe_stack+0x3>: sysretq"), "the fault is at the sysretq: " + msg);
        assertEquals("calling 335\n", o.stdout());
    }

    /** The same return with the check (the default): IRET, a user #GP, SIGSEGV; never an oops. */
    @ParameterizedTest(name = "[{0}, kpti {1}]")
    @MethodSource("kpti")
    void intelWithCanonicalCheckSegfaults(EngineFactory e, boolean kpti) {
        Outcome o = run(LstarRun.config(Vendor.INTEL, kpti), e, NONCANONICAL_RETURN);
        assertEquals("iret", o.path());
        assertFalse(o.run().exit().oops(), o.run().exit().message());
        assertEquals(Signal.SIGSEGV, o.run().exit().signal());
    }

    /**
     * AMD semantics without the check: SYSRET does not test RCX (APM SYSRET), reaches ring 3, and
     * the instruction fetch at the non-canonical RIP faults in user mode: SIGSEGV, no oops.
     */
    @ParameterizedTest(name = "[{0}, kpti {1}]")
    @MethodSource("kpti")
    void amdWithoutCanonicalCheckFaultsInUserMode(EngineFactory e, boolean kpti) {
        Outcome o = run(LstarRun.config(Vendor.AMD, kpti).withCanonicalCheck(false), e, NONCANONICAL_RETURN);
        assertEquals("sysret", o.path());
        assertFalse(o.run().exit().oops(), o.run().exit().message());
        assertEquals(Signal.SIGSEGV, o.run().exit().signal(), o.run().exit().message());
        assertTrue(o.run().exit().message().contains("0x800000000000"), o.run().exit().message());
    }
}
