package dev.lstar.conformance.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lstar.conformance.e2e.StaticPrograms.Built;
import dev.lstar.runtime.Vendor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The vsyscall page in Linux 6.6's default xonly mode ({@code src/test/resources/c/vsyscall.c}):
 * calls to its gettimeofday/time/getcpu entry points are emulated; a read, a misaligned call and a
 * kernel or unmapped pointer argument are SIGSEGVs with Linux's si_code and si_addr; maps shows
 * {@code [vsyscall] --xp}. The host is the oracle when it runs in the same mode (checked from its
 * /proc/self/maps; a host booted with vsyscall=none or =emulate skips).
 */
class VsyscallTest {
    @TempDir
    static Path dir;

    static Stream<Arguments> cases() {
        return Stream.of("gcc", "musl-gcc").flatMap(cc -> Stream.of("interp", "jit")
                .map(e -> Arguments.of(cc, EngineFactory.ALL.stream().filter(f -> f.name().equals(e)).findFirst().orElseThrow())));
    }

    @ParameterizedTest(name = "[{0}, {1}]")
    @MethodSource("cases")
    void matchesTheHostsXonlyVsyscallPage(String cc, EngineFactory engine) throws Exception {
        String hostMaps = Files.readString(Path.of("/proc/self/maps"));
        assumeTrue(hostMaps.contains("ffffffffff600000-ffffffffff601000 --xp"), "the host's vsyscall page is not in xonly mode");
        Built b = StaticPrograms.build(dir, cc, "vsyscall", List.of());
        assertEquals(0, b.status(), b.stdout());
        LstarRun.Result l = LstarRun.run("vsyscall", Files.readAllBytes(b.exe()), List.of(), LstarRun.config(Vendor.INTEL, true), engine, k -> {});
        assertEquals(b.stdout(), l.stdout(), l.exit().message() + "\n" + l.log());
        assertEquals(0, l.status(), l.exit().message());
        assertFalse(l.exit().oops(), l.exit().message());
    }
}
