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

    /** The engines' stop flag: a stop or a park request is pending ({@link #stopWanted} or {@link #parkWanted}; both guarded by this). */
    private volatile boolean stopRequested;
    private String stopMessage;
    private boolean stopWanted, parkWanted;

    /** Optional per-instruction trace sink (slow path: engines check it once per block). */
    public InstructionTracer tracer;

    public Machine(Vendor vendor, long physicalBytes) {
        this.cpu = new Cpu(vendor);
        this.phys = new PhysicalMemory(physicalBytes);
        this.mmu = new Mmu(cpu, phys);
        cpu.mmu = mmu;
    }

    /**
     * Another CPU of {@code first}'s machine: its own registers, MMU (TLB) and stop requests, the
     * same physical memory and native functions (registered on {@code first} before this is built).
     * Each CPU is run by one thread at a time; several CPUs run at the same time only with
     * {@link PhysicalMemory#smp} set.
     */
    public Machine(Machine first) {
        this.cpu = new Cpu(first.cpu.vendor);
        this.phys = first.phys;
        this.mmu = new Mmu(cpu, phys);
        cpu.mmu = mmu;
        natives.putAll(first.natives);
        nativeNames.putAll(first.nativeNames);
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
    public synchronized void requestStop(String message) {
        this.stopMessage = message;
        this.stopWanted = true;
        this.stopRequested = true;
    }

    /** Whether a stop or a park is pending: engines check this at every block boundary, then {@link #takePark} and {@link #takeStop}. */
    public boolean stopRequested() {
        return stopRequested;
    }

    /** Clears a stop request; engines call this when they report the stop (a pending park request stays). */
    public synchronized String takeStop() {
        stopWanted = false;
        stopRequested = parkWanted;
        String m = stopMessage;
        stopMessage = null;
        return m;
    }

    /** Whether a stop (not only a park) is pending. */
    public synchronized boolean stopWanted() {
        return stopWanted;
    }

    /**
     * Asks the running engine to park at its next block boundary for another CPU's exclusive
     * section ({@link dev.lstar.runtime.mem.Exclusive}; any thread): the stop flag without a stop —
     * the engine waits there and goes on, it does not return.
     */
    public synchronized void requestPark() {
        parkWanted = true;
        stopRequested = true;
    }

    /** Takes a pending park request (true if there was one); the stop flag stays only for a pending stop. */
    public synchronized boolean takePark() {
        if (!parkWanted) return false;
        parkWanted = false;
        stopRequested = stopWanted;
        return true;
    }

    // ------------------------------------------------------------------ embedding hooks (dev.lstar.api)

    /**
     * Hook dispatch installed by an embedder ({@code dev.lstar.api.HookSet}); null when nobody
     * installed hooks, and then engines pay nothing. See {@link Hooks} for the engine contract.
     */
    public Hooks hooks;

    private BlockInvalidator[] invalidators = new BlockInvalidator[0];

    /** Engines with a code cache register here so that hook changes and range flushes reach them. */
    public synchronized void addBlockInvalidator(BlockInvalidator inv) {
        BlockInvalidator[] n = java.util.Arrays.copyOf(invalidators, invalidators.length + 1);
        n[invalidators.length] = inv;
        invalidators = n;
    }

    /** Drops, in every registered engine, the cached blocks {@code filter} selects; returns how many. */
    public int invalidateBlocks(BlockFilter filter) {
        int n = 0;
        for (BlockInvalidator inv : invalidators) n += inv.invalidate(filter);
        return n;
    }

    /** Selects cached blocks by their linear start, physical start, length in bytes and instructions. */
    @FunctionalInterface
    public interface BlockFilter {
        boolean test(long la, long pa, int byteLen, dev.lstar.decoder.Instruction[] insns);
    }

    /** An engine's code cache: drops the blocks (or translations) a filter selects, returns how many. */
    @FunctionalInterface
    public interface BlockInvalidator {
        int invalidate(BlockFilter filter);
    }

    /**
     * What an engine must do for embedder hooks. Contract (the interpreter follows it; a JIT must too):
     * <ol>
     *   <li>When a block is built, ask {@link #covers}; if false the block runs with no hook calls
     *       at all. The answer stays right until {@link Machine#invalidateBlocks} drops the block:
     *       every hook change invalidates exactly the blocks whose answer may change.</li>
     *   <li>A covered block calls {@link #enterBlock} on entry, then for each instruction, with the
     *       state precise ({@code cpu.rip} = the instruction's address, RFLAGS and registers as
     *       before it, retired-instruction count up to date), {@link #beforeInstruction}: EXECUTE
     *       runs it; SKIP counts it as retired and continues at {@code cpu.rip} (leave the block if
     *       that is not the next instruction); LEAVE ends the block without running it (continue
     *       with a fresh look-up at {@code cpu.rip}; the stop flag may be set). After an instruction
     *       completes without fault, call {@link #afterInstruction}.</li>
     *   <li>Every guest exception, with precise state, goes to {@link #onException} before IDT
     *       delivery: RETRY re-executes the faulting instruction, CONTINUE resumes at
     *       {@code cpu.rip} as the hook left it, DELIVER proceeds as without hooks.</li>
     *   <li>Also when the block was built before {@link #hooks} was set: engines must read
     *       {@code machine.hooks} at block build time, and the field is only set together with a
     *       full invalidation.</li>
     * </ol>
     */
    public interface Hooks {
        int EXECUTE = 0, SKIP = 1, LEAVE = 2;
        int RETRY = 0, CONTINUE = 1, DELIVER = 2;

        /** Whether a block starting at {@code la} of {@code byteLen} bytes needs hook dispatch. */
        boolean covers(long la, int byteLen, dev.lstar.decoder.Instruction[] insns);

        /** Block entry; EXECUTE or LEAVE. */
        int enterBlock(Machine m, long la, int byteLen);

        /** Before an instruction of a covered block; EXECUTE, SKIP or LEAVE. */
        int beforeInstruction(Machine m, dev.lstar.decoder.Instruction insn);

        /** After an instruction of a covered block completed (cpu.rip is the next RIP). */
        void afterInstruction(Machine m, dev.lstar.decoder.Instruction insn);

        /** A guest exception at {@code faultRip} (state precise); RETRY, CONTINUE or DELIVER. */
        int onException(Machine m, CpuException e, long faultRip, long nextRip);
    }

    /** Receives each executed instruction when tracing is on. */
    @FunctionalInterface
    public interface InstructionTracer {
        void trace(Cpu cpu, dev.lstar.decoder.Instruction insn);
    }
}
