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
 * Port I/O from user mode ({@code src/test/resources/c/portio.c}): IN, OUT, INS and OUTS of
 * every width, with REP and RCX 0, a segment override and bad pointers, all #GP at CPL 3 before
 * any memory access — SIGSEGV with si_code SI_KERNEL natively and under lstar on every engine.
 */
class StaticPortIoTest {
    @TempDir
    static Path dir;

    @ParameterizedTest(name = "{0} [{1}]")
    @MethodSource("dev.lstar.conformance.e2e.StaticPrograms#compilersAndEngines")
    void portIoFaultsAsNatively(String cc, EngineFactory engine) throws Exception {
        assumeTrue(NativeRun.available(), NativeRun.unavailableReason());
        Built b = StaticPrograms.build(dir, cc, "portio", List.of());
        assertEquals(0, b.status(), b.stdout());
        assertTrue(b.stdout().contains("rep insb rcx=0               sig 11 code 0x80") && b.stdout().endsWith("done\n"), b.stdout());
        StaticPrograms.assertSameUnderLstar("", b, "portio", List.of(), engine);
    }
}
