package dev.lstar.runtime.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.Vendor;
import dev.lstar.runtime.engine.RunResult;
import dev.lstar.runtime.engine.StopReason;
import dev.lstar.runtime.interp.Interpreter;
import dev.lstar.runtime.setup.BareMachine;
import dev.lstar.runtime.setup.PageTables;
import java.util.HexFormat;
import org.junit.jupiter.api.BeforeEach;

/**
 * The machine the instruction-rule tests of this package share: a bare ring-3 machine with code
 * at {@link #CODE}, a writable data page at {@link #DATA} and a read-only one after it, and a
 * run of a few instruction bytes on the interpreter (followed by NOPs).
 */
abstract class RingThreeMachine {
    static final long CODE = 0x40_0000, DATA = 0x60_0000;
    BareMachine bm;
    Cpu c;

    @BeforeEach
    void setUp() {
        bm = BareMachine.create(Vendor.INTEL, 64L << 20, false, 3);
        bm.map(CODE, 4096, PageTables.US);
        bm.map(DATA, 4096, PageTables.RW | PageTables.US | PageTables.NX);
        bm.map(DATA + 4096, 4096, PageTables.US | PageTables.NX); // read-only
        c = bm.machine.cpu;
    }

    /** Runs {@code hex} (spaces allowed) from CODE to its end. */
    RunResult run(String hex) {
        byte[] code = HexFormat.of().parseHex(hex.replace(" ", ""));
        byte[] page = new byte[64];
        java.util.Arrays.fill(page, (byte) 0x90); // nops after it
        System.arraycopy(code, 0, page, 0, code.length);
        bm.poke(CODE, page);
        c.rip = CODE;
        return new Interpreter(bm.machine).run(bm.machine, 100, CODE + code.length);
    }

    static void assertFault(int vector, RunResult r) {
        assertEquals(StopReason.UNHANDLED_FAULT, r.reason(), r.toString());
        assertEquals(vector, r.fault().vector, r.toString());
    }
}
