package dev.lstar.conformance.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lstar.conformance.e2e.StaticPrograms.Built;
import dev.lstar.runtime.Vendor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Signal handling of real programs ({@code src/test/resources/c/signals.c}, built static with
 * gcc/glibc and musl-gcc at test time), natively and under lstar on every engine: the same
 * stdout and status. The program covers fault signals with their si_code/si_addr/trapno/err,
 * kill/raise/tgkill/sigqueue, masks, pending sets, SA_NODEFER/SA_RESETHAND/sa_mask, real-time
 * queueing, nesting, sigaltstack (incl. SS_AUTODISARM and overflow), editing the ucontext (RIP,
 * registers, the FXSAVE image and MXCSR), nanosleep/pause/sigsuspend interrupted by timers,
 * periodic ITIMER_REAL, ITIMER_PROF, sigtimedwait, SIGPIPE, sigreturn to non-canonical RIPs
 * (SIGSEGV, never a ring-0 fault), TF single-stepping across a system call, and NT kept across
 * one; its {@code die-*} modes end by default actions and failed deliveries.
 */
class StaticSignalsTest {
    @TempDir
    static Path dir;

    static Stream<Arguments> deaths() {
        List<Arguments> out = new ArrayList<>();
        for (String cc : List.of("gcc", "musl-gcc")) {
            for (String how : List.of("die-segv", "die-abort", "die-alarm", "die-pipe", "die-term", "die-blocked-segv",
                    "die-badstack", "die-norestorer", "die-ignored-then-default")) {
                out.add(Arguments.of(cc, how, EngineFactory.ALL.get((out.size()) % EngineFactory.ALL.size())));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} [{1}]")
    @MethodSource("dev.lstar.conformance.e2e.StaticPrograms#compilersAndEngines")
    void everySignalTestPrintsWhatItPrintsNatively(String cc, EngineFactory engine) throws Exception {
        assumeTrue(NativeRun.available(), NativeRun.unavailableReason());
        Built b = StaticPrograms.build(dir, cc, "signals", List.of());
        assertEquals(0, b.status(), "the program's own checks fail natively:\n" + b.stdout());
        assertTrue(b.stdout().contains("failures 0") && b.stdout().contains("TF traps"), b.stdout());
        StaticPrograms.assertSameUnderLstar("", b, "signals", List.of(), engine);
    }

    /**
     * rt_sigreturn to a non-canonical RIP (RCX = RIP, so only the canonical check stands between
     * it and SYSRET): SIGSEGV at that RIP on both vendors. With the check removed
     * ({@code --no-canonical-check}), Intel's SYSRET faults in ring 0 on the user's stack — the
     * CVE-2012-0217 oops — while AMD's faults in user mode and the program still sees SIGSEGV.
     */
    @ParameterizedTest(name = "{0} [{1}]")
    @MethodSource("dev.lstar.conformance.e2e.StaticPrograms#compilersAndEngines")
    void sigreturnToANonCanonicalRipIsSigsegvNeverARingZeroFault(String cc, EngineFactory engine) throws Exception {
        assumeTrue(NativeRun.available(), NativeRun.unavailableReason());
        List<String> args = List.of("sigreturn-noncanonical");
        Built b = StaticPrograms.build(dir, cc, "signals", args);
        assertEquals(" rip 0x800000000000: sig 11 code 128 trapno 13\nback\n", b.stdout());
        byte[] exe = Files.readAllBytes(b.exe());
        for (Vendor v : Vendor.values()) {
            LstarRun.Result l = LstarRun.run("signals", exe, args, LstarRun.config(v, true), engine, k -> {});
            assertEquals(b.stdout(), l.stdout(), v + ": " + l.exit().message());
            assertEquals(0, l.status(), v + ": " + l.exit().message());
        }
        LstarRun.Result amd = LstarRun.run("signals", exe, args, LstarRun.config(Vendor.AMD, true).withCanonicalCheck(false), engine, k -> {});
        assertEquals(b.stdout(), amd.stdout(), "AMD without the check: " + amd.exit().message());
        LstarRun.Result intel = LstarRun.run("signals", exe, args, LstarRun.config(Vendor.INTEL, true).withCanonicalCheck(false), engine, k -> {});
        assertTrue(intel.exit().oops(), "Intel without the check: " + intel.exit().message());
        assertTrue(intel.exit().message().contains("ring 0") && intel.exit().message().contains("user-space stack pointer"),
                intel.exit().message());
    }

    @ParameterizedTest(name = "{0} {1} [{2}]")
    @MethodSource("deaths")
    void deathsByDefaultActionHaveNativeStatus(String cc, String how, EngineFactory engine) throws Exception {
        assumeTrue(NativeRun.available(), NativeRun.unavailableReason());
        Built b = StaticPrograms.build(dir, cc, "signals", List.of(how));
        assertTrue(b.status() > 128, how + " natively: " + b.status());
        LstarRun.Result l = LstarRun.run("signals", Files.readAllBytes(b.exe()), List.of(how), LstarRun.config(Vendor.INTEL, true), engine, k -> {});
        assertEquals(b.stdout(), l.stdout(), "stdout under lstar (exit: " + l.exit().message() + ")");
        assertEquals(b.status(), l.status(), "exit status under lstar: " + l.exit().message());
        assertFalse(l.exit().oops(), l.exit().message());
    }
}
