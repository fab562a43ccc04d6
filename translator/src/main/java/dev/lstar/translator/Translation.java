package dev.lstar.translator;

import dev.lstar.runtime.interp.Block;

/**
 * A cache entry: one decoded {@link Block} and its translation, plus two successor slots for
 * block linking. Invalid once its code page is written, it is evicted, or the cache is flushed;
 * an invalid translation drops its code so the hidden class can be unloaded even while a stale
 * successor slot still points at this object.
 */
final class Translation {
    final long la, pa;
    final Block block;
    /** Null for blocks that are always interpreted (e.g. decoded across a page boundary). */
    CompiledBlock code;
    /** Bytecode size of {@code run} (the cache weight). */
    int codeBytes;
    boolean region;
    /** The code calls the embedder's hooks itself (see BlockCompiler's HookedCode). */
    boolean hookCalls;
    boolean valid = true;
    long execCount;

    /** Successor slots: the linear address each was resolved for, and the translation. */
    long succLa0 = -1, succLa1 = -1;
    Translation succ0, succ1;

    Translation(long la, long pa, Block block) {
        this.la = la;
        this.pa = pa;
        this.block = block;
    }

    boolean usable() {
        return valid && block.valid;
    }

    void invalidate() {
        valid = false;
        code = null;
        succ0 = succ1 = null;
    }

    /** Remembers {@code next} as the successor at {@code rip}. */
    void link(long rip, Translation next) {
        if (succ0 == null || !succ0.valid || succLa0 == rip) {
            succLa0 = rip;
            succ0 = next;
        } else {
            succLa1 = rip;
            succ1 = next;
        }
    }
}
