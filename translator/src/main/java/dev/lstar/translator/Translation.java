package dev.lstar.translator;

import dev.lstar.decoder.Instruction;
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
    /**
     * The blocks compiled together (a superblock: {@code block} and the blocks it falls, jumps or
     * calls into, in the same page or, for user code, in up to three others, see
     * {@link JitEngine}); just {@code block} otherwise.
     */
    Block[] segments;
    /**
     * A superblock whose later segments lie in pages its first block does not cover: those pages
     * as pairs (linear page address, frame address), checked whenever the translation is entered
     * under a new mapping generation ({@code JitEngine.pagesSame}); null otherwise.
     */
    long[] extraPages;
    /** Instructions of all segments, in execution order along the superblock path. */
    Instruction[] insns;
    /** Null for blocks that are always interpreted (e.g. decoded across a page boundary). */
    CompiledBlock code;
    /** For a superblock: its first block alone, compiled when a stop address or the budget needs it. */
    CompiledBlock firstOnly;
    /** Bytecode size of {@code run} (the cache weight). */
    int codeBytes;
    /** The region decision was made (a self-loop block is tried once as a region). */
    boolean region;
    /** The code is a region: a loop that goes round inside its method (see {@code JitEngine.superblock}). */
    boolean loop;
    /** The code calls the embedder's hooks itself (see {@link HookedCode}). */
    boolean hookCalls;
    boolean valid = true;
    /** Not translated yet: interpreted until it reaches the engine's compile threshold. */
    boolean pending;
    /** The hot-threshold check (region or superblock) was made. */
    boolean hotChecked;
    /**
     * Executions through the engine's general path ({@code JitEngine.step}), for the compile and
     * hot thresholds; the chain loop, which runs only translations past both, does not count.
     */
    long execCount;
    /** Pending, with a sparse gap ({@code JitEngine.Options.withSparseGap}): the instruction count and execCount where the current window began. */
    long windowStart, windowRuns;
    /**
     * May run from {@link JitEngine}'s chain loop: translated, past the tiering decisions (compile
     * and hot thresholds), no hook calls, not hooked — or a native function, not hooked. Set
     * after a run through the general path; cleared by {@link #invalidate}.
     */
    boolean chainable;
    /**
     * The {@link dev.lstar.runtime.mem.Mmu#generation} (shifted left by 2, with the CPL in the low
     * bits) under which the fetch mapping {@code la -> pa} was last checked; -1: never.
     */
    long checkedGen = -1;

    /** Successor slots: the linear address each was resolved for, and the translation. */
    long succLa0 = -1, succLa1 = -1;
    Translation succ0, succ1;
    /**
     * How often the engine went on through each slot (a branch profile: a superblock follows a
     * conditional branch in the direction taken more often, see {@code JitEngine.likelySuccessor}).
     */
    long follows0, follows1;
    /**
     * For code recompiled with more blocks (a superblock or region): the direction its first
     * block's final Jcc went more often until then (-1: none known). The recompiled code's links
     * are the exits of the whole path, no longer that block's branch.
     */
    long profiledNext = -1;

    Translation(long la, long pa, Block block) {
        this.la = la;
        this.pa = pa;
        this.block = block;
        this.segments = new Block[] {block};
        this.insns = block.insns;
    }

    /** Whether more than one block was compiled together. */
    boolean isSuperblock() {
        return segments.length > 1;
    }

    /**
     * Whether {@code until} lies in a segment after the first (the first one is checked by
     * {@link dev.lstar.runtime.interp.BlockRunner#mustInterpret}).
     */
    boolean tailCovers(long until) {
        for (int s = 1; s < segments.length; s++) {
            Block b = segments[s];
            if (until - b.la >= 0 && until - b.la < b.byteLen) return true;
        }
        return false;
    }

    /** Index of the instruction at {@code address}, or -1. */
    int indexOf(long address) {
        for (int k = 0; k < insns.length; k++) if (insns[k].address == address) return k;
        return -1;
    }

    boolean usable() {
        return valid && block.valid;
    }

    /** The translation linked as the successor at {@code rip} (counted in the branch profile), or null. */
    Translation successor(long rip) {
        if (succLa0 == rip) {
            follows0++;
            return succ0;
        }
        if (succLa1 == rip) {
            follows1++;
            return succ1;
        }
        return null;
    }

    void invalidate() {
        valid = false;
        chainable = false;
        code = null;
        firstOnly = null;
        loop = false;
        succ0 = succ1 = null;
    }

    /**
     * Remembers {@code next} as the successor at {@code rip}, in the first slot: the two slots
     * hold the two most recently looked-up successors, so a translation whose exits changed (a
     * block recompiled as a superblock: its old fall-through is no longer an exit) or that has
     * more exits than slots keeps the two it is using now instead of a stale one.
     */
    void link(long rip, Translation next) {
        if (succLa0 != rip) {
            succLa1 = succLa0;
            succ1 = succ0;
            follows1 = follows0;
            succLa0 = rip;
            follows0 = 0;
        }
        succ0 = next;
    }
}
