package dev.lstar.translator;

import dev.lstar.runtime.Cpu;

/**
 * A translated guest block: one generated hidden class implements it, instantiated once.
 *
 * <p>{@link #run} executes the block from its first instruction, leaves every register, the lazy
 * flags, {@code cpu.rip} and {@code cpu.instructions} as the interpreter would at the block's
 * exit, and returns the new RIP. On a guest exception it leaves the precise state of the
 * faulting instruction (RIP pointing at it, earlier instructions retired) and rethrows the
 * {@link dev.lstar.runtime.CpuException} for the engine to deliver.
 */
public interface CompiledBlock {
    /**
     * Runs the block. {@code limit}: a translated loop (hot region) leaves at its back-edge once
     * {@code cpu.instructions} reaches {@code limit}; a plain block ignores it.
     */
    long run(Cpu cpu, long limit);
}
