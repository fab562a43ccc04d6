package dev.lstar.runtime.engine;

/** Why an engine returned from {@link Engine#run}. */
public enum StopReason {
    /** The instruction budget was used up. */
    BUDGET,
    /** {@link dev.lstar.runtime.Machine#requestStop} was called (guest exit, API stop(), hook). */
    REQUESTED,
    /** HLT with interrupts that can never arrive (no interrupt sources are modelled). */
    HALTED,
    /** A fault could not be delivered (no IDT) — see {@link RunResult#fault}. */
    UNHANDLED_FAULT,
    /** Fault during double-fault delivery: the machine shut down. */
    TRIPLE_FAULT,
    /** RIP reached the requested stop address. */
    UNTIL_REACHED,
    /** The guest needs something lstar does not model; see {@link RunResult#message}. */
    UNSUPPORTED
}
