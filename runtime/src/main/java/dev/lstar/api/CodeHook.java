package dev.lstar.api;

/**
 * Called before each instruction whose address lies in the hook's range (Unicorn
 * {@code UC_HOOK_CODE}). {@code size} is the instruction length. The hook may read and write
 * registers and memory; writing RIP or calling {@link Emulator#stop()} means the instruction is
 * not executed (execution continues at the new RIP, or stops with RIP at this instruction).
 */
@FunctionalInterface
public interface CodeHook {
    void onCode(Emulator emu, long address, int size);
}
