package dev.lstar.api;

/**
 * Called when a basic block whose first byte lies in the hook's range is entered (Unicorn
 * {@code UC_HOOK_BLOCK}). {@code size} is the block length in bytes as lstar splits blocks (at
 * branches, serialising instructions, 4 KiB page boundaries and 64 instructions).
 */
@FunctionalInterface
public interface BlockHook {
    void onBlock(Emulator emu, long address, int size);
}
