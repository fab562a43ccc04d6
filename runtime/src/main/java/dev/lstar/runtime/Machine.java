package dev.lstar.runtime;

import dev.lstar.runtime.engine.NativeFunction;
import dev.lstar.runtime.mem.Mmu;
import dev.lstar.runtime.mem.PhysicalMemory;

import java.util.HashMap;
import java.util.Map;

/**
 * One emulated machine: a CPU, its physical memory and MMU, and the Java functions that stand at
 * guest addresses. Not thread-safe: one thread runs a machine at a time; only
 * {@link #requestStop} may be called from other threads.
 */
public final class Machine {
    public final Cpu cpu;
    public final PhysicalMemory phys;
    public final Mmu mmu;

    private final Map<Long, NativeFunction> natives = new HashMap<>();
    private final Map<Long, String> nativeNames = new HashMap<>();

    private volatile boolean stopRequested;
    private String stopMessage;

    /** Optional per-instruction trace sink (slow path: engines check it once per block). */
    public InstructionTracer tracer;

    public Machine(Vendor vendor, long physicalBytes) {
        this.cpu = new Cpu(vendor);
        this.phys = new PhysicalMemory(physicalBytes);
        this.mmu = new Mmu(cpu, phys);
        cpu.mmu = mmu;
    }

    /** Places {@code fn} at guest linear address {@code address}; see {@link NativeFunction}. */
    public void registerNative(long address, String name, NativeFunction fn) {
        natives.put(address, fn);
        nativeNames.put(address, name);
    }

    /** The native function at {@code address}, or null. Engines call this when they build a block. */
    public NativeFunction nativeAt(long address) {
        return natives.isEmpty() ? null : natives.get(address);
    }

    public String nativeName(long address) {
        return nativeNames.get(address);
    }

    /** Asks the running engine to stop at the next block boundary (any thread). */
    public void requestStop(String message) {
        this.stopMessage = message;
        this.stopRequested = true;
    }

    public boolean stopRequested() {
        return stopRequested;
    }

    /** Clears a stop request; engines call this when they report the stop. */
    public String takeStop() {
        stopRequested = false;
        String m = stopMessage;
        stopMessage = null;
        return m;
    }

    /** Receives each executed instruction when tracing is on. */
    @FunctionalInterface
    public interface InstructionTracer {
        void trace(Cpu cpu, dev.lstar.decoder.Instruction insn);
    }
}
