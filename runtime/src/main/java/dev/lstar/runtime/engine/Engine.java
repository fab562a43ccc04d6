package dev.lstar.runtime.engine;

import dev.lstar.runtime.Machine;

/**
 * Something that executes guest code on a {@link Machine}: the interpreter in this module, the
 * JIT in the translator module. The kernel model and the CLI drive guests only through this
 * interface.
 */
public interface Engine {
    /**
     * The {@code until} that means "no stop address". It is also a real address (the last byte of
     * the address space): a run with no until never stops there — RIP reaching it just executes
     * (or faults) as any address would — and a caller cannot ask to stop there.
     */
    long NO_UNTIL = -1;

    /** A short name ("interp", "jit", "lockstep"). */
    String name();

    /**
     * Runs from the current state until a stop condition: the budget of guest instructions is
     * used up (checked at block boundaries, so it may overshoot by one block), {@link
     * Machine#requestStop} is called, RIP reaches {@code until} ({@link #NO_UNTIL} for none, checked
     * at block boundaries), or the machine halts or shuts down. Guest exceptions are delivered through the
     * guest IDT; only undeliverable ones stop the run.
     */
    RunResult run(Machine machine, long budget, long until);

    default RunResult run(Machine machine, long budget) {
        return run(machine, budget, NO_UNTIL);
    }

    /** Engine statistics for --stats (blocks, cache hits...), one "name: value" per line. */
    default String stats() {
        return "";
    }

    /** Drops every cached decoding/translation (e.g. after the embedder rewrote code). */
    default void flush() {}

    /**
     * The machine's register state now belongs to another guest task: the caller (an operating
     * system model that runs several tasks on one machine, each task on a host thread of its own
     * and only one at a time) has just restored it. The task that resumes may continue a native
     * function it was inside of. Engines that keep state across steps (the lockstep engine's
     * memory shadow) bring it up to date here; the others need nothing.
     */
    default void contextSwitched() {}
}
