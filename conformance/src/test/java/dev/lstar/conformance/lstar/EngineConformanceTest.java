package dev.lstar.conformance.lstar;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lstar.conformance.gen.Case;
import dev.lstar.conformance.gen.CaseGenerator;
import dev.lstar.conformance.gen.CpuFeatures;
import dev.lstar.conformance.gen.Differential;
import dev.lstar.conformance.gen.Forms;
import dev.lstar.conformance.gen.Report;
import dev.lstar.conformance.host.HostCpu;
import dev.lstar.runtime.interp.Interpreter;
import dev.lstar.translator.JitEngine;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every generated instruction form, run natively on the host CPU and on lstar's engines, must
 * agree on every GPR, the flags the SDM defines, the data buffer, and the faults. A bounded
 * sample by default ({@code -Dlstar.conformance.budget=N} cases per form for more).
 */
class EngineConformanceTest {
    static final int BUDGET = Integer.getInteger("lstar.conformance.budget", 12);

    @Test
    void interpreterAgreesWithTheHostCpu() {
        check(new LstarEmulator("interp", Interpreter::new));
    }

    @Test
    void jitAgreesWithTheHostCpu() {
        check(new LstarEmulator("jit", m -> new JitEngine(m, JitEngine.Options.defaults().withHotThreshold(0).withCompileThreshold(1))));
    }

    static void check(LstarEmulator lstar) {
        assumeTrue(HostCpu.supported(), () -> "needs an x86-64 Linux host: " + HostCpu.unsupportedReason());
        try (HostCpu host = new HostCpu()) {
            List<Case> cases = new CaseGenerator(host.dataBase(), 7, BUDGET).cases(Forms.all(), CpuFeatures.host());
            Report r = new Differential(host, lstar).run(cases);
            System.out.println(lstar.name() + " vs host CPU:\n" + r.table());
            assertTrue(r.totalCases() > 5000, "cases: " + r.totalCases());
            assertEquals(0, r.totalMismatches(), r.full());
        }
    }
}
