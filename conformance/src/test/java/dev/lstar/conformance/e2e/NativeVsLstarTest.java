package dev.lstar.conformance.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lstar.runtime.Vendor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Every test program runs natively on this x86-64 Linux host and under lstar, on each engine,
 * with page-table isolation on and off and with Intel and AMD SYSCALL/SYSRET semantics; stdout
 * and the exit status (128 + N for a death by signal N) must be identical. The programs print
 * only the results of their own checks, so nothing legitimately host-specific (pids, clocks,
 * random bytes, uids, kernel version) reaches the output. The native status must also be the
 * one listed here, so a program whose own checks fail on real hardware cannot pass by
 * failing the same way under lstar (but for a host kernel's documented quirk,
 * {@code StaticPrograms.HOST_DIFFERENCES}, which lstar is not excused from).
 */
class NativeVsLstarTest {
    /** A program invocation and the status it ends with on real hardware. */
    record Case(String program, List<String> args, int status) {
        @Override
        public String toString() {
            return args.isEmpty() ? program : program + " " + String.join(" ", args);
        }
    }

    /**
     * Cases where lstar is known to differ from the hardware, with the reason; they are reported
     * as skipped (not hidden) until the gap is closed.
     */
    static final java.util.Map<String, String> KNOWN_GAPS = java.util.Map.of();

    static List<Case> cases() {
        List<Case> c = new ArrayList<>(List.of(
                new Case("hello", List.of(), 42),
                new Case("getpid", List.of(), 0),
                new Case("enosys", List.of(), 0),
                new Case("regs", List.of(), 0),
                new Case("toppage", List.of(), 0),
                new Case("mm", List.of(), 139),
                new Case("archprctl", List.of(), 0),
                new Case("uname", List.of(), 0),
                new Case("clock", List.of(), 0),
                new Case("getrandom", List.of(), 0),
                new Case("writev", List.of(), 0),
                new Case("int80", List.of(), 7),
                new Case("selfcheck_insns", List.of(), 0),
                new Case("fault", List.of(), 2),
                new Case("fault", List.of("no-such-case"), 2)));
        for (Object[] f : Programs.FAULTS) c.add(new Case("fault", List.of((String) f[0]), (Integer) f[1]));
        return c;
    }

    /** The machine configurations: both vendors, page-table isolation on and off, every engine. */
    static Stream<Arguments> matrix() {
        List<Arguments> out = new ArrayList<>();
        for (Case c : cases()) {
            for (EngineFactory e : EngineFactory.ALL) {
                for (Vendor v : List.of(Vendor.INTEL, Vendor.AMD)) {
                    for (boolean kpti : new boolean[] {true, false}) {
                        out.add(Arguments.of(c, e, v, kpti));
                    }
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} [{1}, {2}, kpti {3}]")
    @MethodSource("matrix")
    void sameStdoutAndStatusAsNative(Case c, EngineFactory engine, Vendor vendor, boolean kpti) {
        assumeTrue(NativeRun.available(), NativeRun.unavailableReason());
        NativeRun.Result n = NativeRun.run(c.program(), c.args());
        assumeFalse(c.program().equals("int80") && n.status() == 139 && n.stdout().isEmpty(),
                "the host kernel has IA32 emulation disabled (int $0x80 is #GP): no native oracle for int80");
        List<String> excused = new ArrayList<>();
        String want = StaticPrograms.expectedUnderLstar(c.program(), n.stdout(), excused);
        int wantStatus = excused.isEmpty() ? n.status() : c.status();
        assertEquals(c.status(), wantStatus, "native status of " + c + " (stdout:\n" + n.stdout() + ")");
        assertFalse(want.contains("FAIL"), "a check failed natively:\n" + n.stdout());

        assumeFalse(KNOWN_GAPS.containsKey(c.toString()), () -> "known gap: " + KNOWN_GAPS.get(c.toString()));

        LstarRun.Result l = LstarRun.run(c.program(), c.args(), LstarRun.config(vendor, kpti), engine);
        assertEquals(want, l.stdout(), "stdout of " + c + " under lstar (lstar log:\n" + l.log() + ")");
        assertEquals(wantStatus, l.status(), "exit status of " + c + " under lstar: " + l.exit().message());
        assertFalse(l.exit().oops(), "a user program must never oops the kernel: " + l.exit().message());
        assertEquals("", l.stderr(), "guest stderr");
    }

    /** What the comparison relies on: Java reports a death by signal N as 128 + N. */
    @Test
    void nativeSignalStatusIs128PlusN() throws IOException, InterruptedException {
        assumeTrue(NativeRun.available(), NativeRun.unavailableReason());
        for (int sig : new int[] {4, 5, 8, 11}) {
            Process p = new ProcessBuilder("/bin/sh", "-c", "ulimit -c 0; kill -" + sig + " $$").start();
            assertEquals(128 + sig, p.waitFor(), "signal " + sig);
        }
    }
}
