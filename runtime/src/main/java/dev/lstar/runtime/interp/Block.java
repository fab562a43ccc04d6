package dev.lstar.runtime.interp;

import dev.lstar.decoder.Instruction;
import dev.lstar.runtime.engine.NativeFunction;

/**
 * A pre-decoded basic block: straight-line instructions ending at a block-ending instruction
 * (branch, serialising or mode-changing), at a 4 KiB page boundary, or at a length cap. Decoded
 * once and cached by physical address; invalidated when its code page is written.
 */
public final class Block {
    /** Linear and physical address of the first byte. */
    public final long la, pa;
    public final Instruction[] insns;
    /** Non-null when a Java function stands at this address instead of guest code. */
    public final NativeFunction nativeFn;
    /** Cleared when the code page is written or the cache is flushed. */
    public boolean valid = true;
    /**
     * For a block of one instruction that crosses into the next page: the physical address of
     * that second page, which every lookup checks again (the block is cached under its first
     * page); -1 for every other block.
     */
    public long pa2 = -1;
    /** Whether any instruction of the block may write memory (then validity is re-checked after each). */
    public final boolean writesMemory;

    /** One-entry successor cache for chaining: the block last executed after this one. */
    Block succ;
    /** Whether embedder hooks cover the block ({@link dev.lstar.runtime.Machine.Hooks#covers}); fixed at build. */
    public boolean hooked;

    /** Bytes covered by the instructions. */
    public final int byteLen;

    Block(long la, long pa, Instruction[] insns, NativeFunction nativeFn, boolean writesMemory) {
        this.byteLen = insns.length == 0 ? 0 : (int) (insns[insns.length - 1].next() - la);
        this.la = la;
        this.pa = pa;
        this.insns = insns;
        this.nativeFn = nativeFn;
        this.writesMemory = writesMemory;
    }

    /** Index of the instruction at {@code address}, or -1 if none starts there. */
    public int indexOf(long address) {
        for (int k = 0; k < insns.length; k++) if (insns[k].address == address) return k;
        return -1;
    }
}
