package dev.lstar.api;

/**
 * Called before an intercepted instruction ({@link Insn}) executes, with RIP at it. Return true
 * when the hook emulated the instruction: it is counted as executed and skipped, and execution
 * continues at the next instruction (or wherever the hook set RIP). Return false to execute it
 * normally (a SYSCALL then really switches to ring 0 at IA32_LSTAR).
 */
@FunctionalInterface
public interface InsnHook {
    boolean onInsn(Emulator emu, Insn insn, long address);
}
