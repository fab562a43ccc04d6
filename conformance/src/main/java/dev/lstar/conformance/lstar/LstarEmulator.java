package dev.lstar.conformance.lstar;

import dev.lstar.conformance.Emulator;
import dev.lstar.conformance.GuestFault;
import dev.lstar.conformance.State;
import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.Machine;
import dev.lstar.runtime.Vendor;
import dev.lstar.runtime.engine.Engine;
import dev.lstar.runtime.engine.RunResult;
import dev.lstar.runtime.engine.StopReason;
import dev.lstar.runtime.setup.BareMachine;
import dev.lstar.runtime.setup.PageTables;

import java.util.Arrays;
import java.util.function.Function;

/**
 * An lstar engine as a conformance {@link Emulator}: a ring-3 bare machine with the case's data
 * page mapped at the same virtual address as on the host, and the instruction on its own
 * executable page followed by NOPs. One instruction runs (the engine stops exactly at the next
 * instruction's address); a fault (no IDT is installed) becomes a {@link GuestFault}.
 */
public final class LstarEmulator implements Emulator {
    /** Where the instruction under test is placed (far from the host data page). */
    public static final long CODE = 0x5000_0000L;

    private final BareMachine bm;
    private final Engine engine;
    private final String name;
    private long mappedData = -1;
    private final byte[] codePage = new byte[4096];

    /** @param engineFactory e.g. {@code Interpreter::new} */
    public LstarEmulator(String name, Function<Machine, Engine> engineFactory) {
        this.bm = BareMachine.create(Vendor.INTEL, 64L << 20, false, 3);
        bm.map(CODE, 4096, PageTables.US);
        this.engine = engineFactory.apply(bm.machine);
        this.name = name;
    }

    public String name() {
        return name;
    }

    @Override
    public State run(byte[] insn, State in) {
        if (in.memBase != mappedData) {
            if (mappedData != -1) throw new IllegalStateException("the data page moved");
            bm.map(in.memBase, State.MEMORY_SIZE, PageTables.RW | PageTables.US | PageTables.NX);
            mappedData = in.memBase;
        }
        Arrays.fill(codePage, (byte) 0x90);
        System.arraycopy(insn, 0, codePage, 0, insn.length);
        // "jmp .+2" ends the block right after the instruction, so the run stops at the start of the
        // next block: a block that contains the stop address runs interpreted on every engine, and the
        // JIT must run its translation of the instruction here
        codePage[insn.length] = (byte) 0xEB;
        codePage[insn.length + 1] = 0;
        codePage[4095] = (byte) 0xF4; // hlt: never reached, a stop would be #GP at CPL 3
        bm.poke(CODE, codePage);
        bm.poke(in.memBase, in.memory);
        Cpu c = bm.machine.cpu;
        System.arraycopy(in.gpr, 0, c.r, 0, 16);
        System.arraycopy(in.xmm, 0, c.xmm, 0, 32);
        c.mxcsr = in.mxcsr;
        c.fcw = in.fcw;
        c.fsw = in.fsw;
        c.ftw = in.ftw;
        c.fop = 0; // the host's FXRSTOR loads zero pointers
        c.fip = 0;
        c.fdp = 0;
        int top = (in.fsw >>> 11) & 7;
        for (int k = 0; k < 8; k++) {
            c.fpm[(top + k) & 7] = in.stm[k];
            c.fpe[(top + k) & 7] = in.ste[k];
        }
        c.setRflags((in.rflags & 0xCD5) | 0x202);
        c.rip = CODE;
        RunResult r = engine.run(bm.machine, 1_000, CODE + insn.length + 2);
        if (r.reason() == StopReason.UNHANDLED_FAULT) {
            throw new GuestFault(r.fault().vector, r.fault().describe() + ": " + r.fault().getMessage());
        }
        if (r.reason() != StopReason.UNTIL_REACHED) {
            throw new IllegalStateException(name + ": the instruction did not complete: " + r);
        }
        State out = new State(in.memBase);
        System.arraycopy(c.r, 0, out.gpr, 0, 16);
        System.arraycopy(c.xmm, 0, out.xmm, 0, 32);
        out.mxcsr = c.mxcsr;
        out.fcw = c.fcw;
        out.fsw = c.fsw & 0xFFFF;
        out.ftw = c.ftw;
        int outTop = (c.fsw >>> 11) & 7;
        for (int k = 0; k < 8; k++) {
            out.stm[k] = c.fpm[(outTop + k) & 7];
            out.ste[k] = c.fpe[(outTop + k) & 7];
        }
        out.rflags = c.getRflags();
        System.arraycopy(bm.peek(in.memBase, State.MEMORY_SIZE), 0, out.memory, 0, State.MEMORY_SIZE);
        return out;
    }
}
