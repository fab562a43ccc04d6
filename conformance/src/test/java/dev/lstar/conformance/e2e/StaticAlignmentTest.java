package dev.lstar.conformance.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lstar.conformance.e2e.StaticPrograms.Built;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Alignment checking as a program sees it ({@code src/test/resources/c/alignment.c}, built static
 * with gcc/glibc and musl-gcc at test time): with RFLAGS.AC set, the host's outcome of ~80
 * instructions with misaligned operands (SIGBUS BUS_ADRALN with si_addr 0, trapno 17, err 0; no
 * signal for byte accesses, MOVUPS/MOVDQU/LDDQU/PCMPESTRI, prefetches; SIGSEGV for the 16-byte
 * #GP forms; #AC before #PF on an inaccessible or read-only page), a handler that clears AC in the frame (sigreturn restores the flags), and the C
 * library running with AC set after raise (killed by SIGBUS): the same stdout and status
 * natively and under lstar on every engine.
 */
class StaticAlignmentTest {
    @TempDir
    static Path dir;

    @ParameterizedTest(name = "{0} [{1}]")
    @MethodSource("dev.lstar.conformance.e2e.StaticPrograms#compilersAndEngines")
    void misalignedAccessesWithAcSetAreWhatTheyAreNatively(String cc, EngineFactory engine) throws Exception {
        for (String mode : List.of("", "fixup", "raise")) {
            assumeTrue(NativeRun.available(), NativeRun.unavailableReason());
            List<String> args = mode.isEmpty() ? List.of() : List.of(mode);
            Built b = StaticPrograms.build(dir, cc, "alignment", args);
            if (mode.isEmpty()) {
                assertEquals(0, b.status(), b.stdout());
                assertTrue(b.stdout().contains("mov16 load +1                sig=7 code=1 addr=0 trap=17 err=0 ac=1/1"), b.stdout());
                // the SDM leaves #AC for MOVUPS to the implementation: AMD raises it, Intel does not
                String movups = StaticPrograms.hostVendor() == dev.lstar.runtime.Vendor.AMD
                        ? "movups +1                    sig=7 code=1 addr=0 trap=17 err=0 ac=1/1" : "movups +1                    ok";
                assertTrue(b.stdout().contains(movups) && b.stdout().endsWith("done\n"), b.stdout());
            }
            if (mode.equals("raise")) assertEquals(128 + 7, b.status(), "natively: " + b.stdout());
            StaticPrograms.assertSameUnderLstar(mode + ": ", b, "alignment", args, engine, StaticPrograms.hostVendor());
        }
    }
}
