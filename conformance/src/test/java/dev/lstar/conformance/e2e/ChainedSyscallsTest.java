package dev.lstar.conformance.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lstar.kernel.KernelConfig;
import dev.lstar.runtime.Vendor;
import dev.lstar.translator.JitEngine;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A system-call loop runs in the JIT's chain loop, the Java do_syscall_64 included: the user
 * block, the entry path, the native and the exit path follow their links without the general
 * per-block path. With KPTI every system call writes CR3 twice; with PCIDs those writes switch
 * between two TLB sets without flushing either, so the fetch mappings checked before the call
 * still stand after it (Mmu.generation is the current set's stamp). (KPTI without PCIDs flushes
 * at each write: the block after it is checked again on the general path.)
 */
class ChainedSyscallsTest {
    static final EngineFactory JIT = EngineFactory.ALL.stream().filter(e -> e.name().equals("jit")).findFirst().orElseThrow();

    @ParameterizedTest(name = "kpti {0}, pcid {1}")
    @CsvSource({"true, true", "false, true", "false, false"})
    void theGetpidLoopRunsInTheChainLoop(boolean kpti, boolean pcid) {
        KernelConfig cfg = LstarRun.config(Vendor.INTEL, kpti).withPcid(pcid);
        LstarRun.Result r = LstarRun.run("getpid", List.of(), cfg, JIT);
        assertEquals(0, r.status(), r.stdout() + r.stderr());
        JitEngine jit = (JitEngine) r.kernel().engines().get(0);
        String why = "kpti " + kpti + ", pcid " + pcid + ":\n" + jit.stats();
        assertTrue(jit.nativeCalls > 1000, why);
        assertTrue(jit.chainedBlocks > jit.blocksExecuted * 3 / 4, why);
    }
}
