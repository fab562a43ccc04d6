package dev.lstar.translator;

import dev.lstar.decoder.Instruction;
import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.Machine;
import dev.lstar.runtime.interp.Block;

/**
 * A translated guest block: one generated hidden class extends it and is instantiated once.
 *
 * <p>{@link #run} executes the block from its first instruction, leaves every register, the lazy
 * flags, {@code cpu.rip} and {@code cpu.instructions} as the interpreter would at the block's
 * exit, and returns the new RIP. On a guest exception it leaves the precise state of the
 * faulting instruction (RIP pointing at it, earlier instructions retired) and rethrows the
 * {@link dev.lstar.runtime.CpuException} for the engine to deliver.
 *
 * <p>An abstract class rather than an interface: the engine's call of {@link #run} is
 * megamorphic, and a virtual call through the vtable is cheaper than an interface call through
 * the itable. The fields are the objects the generated code refers to (the translator sets them
 * once, before the first run); keeping them here instead of in a static initialiser of each
 * generated class means the class has no {@code <clinit>} to link and run, which is a large part
 * of what defining a class costs.
 */
public abstract class CompiledBlock {
    /** The first block (its {@code valid} flag is the self-modifying-code check). */
    Block block;
    /** Guest address of each instruction, by index (for the fault handler). */
    long[] addrs;
    Machine machine;
    /** The instructions, by index (interpreter fallbacks and hook calls pass them). */
    Instruction[] insns;
    /** The later segments of a superblock, by segment index (index 0 unused). */
    Block[] segs;
    /** Hooked code only: the hook call site. */
    JitRt.HookSite site;
    /** In a batch class (several blocks, one method each): which block this instance runs. */
    int id;
    /** Whether this instance belongs to a batch class ({@link #run} dispatches on {@link #id}). */
    boolean inBatch;

    /**
     * Runs the block. {@code limit}: a translated loop (hot region) leaves at its back-edge once
     * {@code cpu.instructions} reaches {@code limit}; a plain block ignores it.
     */
    public abstract long run(Cpu cpu, long limit);
}
