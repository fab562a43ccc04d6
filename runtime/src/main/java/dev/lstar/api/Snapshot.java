package dev.lstar.api;

import java.util.Map;
import java.util.TreeMap;

/**
 * A saved machine: CPU {@link Context}, the contents of every guest frame in use (data, page
 * tables, GDT) and the emulator's mapping bookkeeping. Immutable; restore it with
 * {@link Emulator#restore(Snapshot)} into the emulator that made it, any number of times.
 *
 * <p><b>Cost model (honest).</b> Taking a snapshot copies every frame the emulator has handed
 * out, once (O(memory in use)). Restoring the most recent snapshot (the last one taken or
 * restored) copies back only the frames written since (write tracking in physical memory: the
 * first write to each frame after a snapshot/restore marks it dirty; later writes are free), which
 * is what a fuzzing loop repeats. Restoring an older snapshot compares every frame in use. This
 * is copy-on-restore rather than copy-on-write: the copy happens at snapshot time, not at the
 * first write.
 */
public final class Snapshot {
    final Emulator owner;
    final Context context;
    /** Frame number -> copy (null: the frame was never allocated or all zero). */
    final byte[][] frames;
    final long nextFrame;
    final long[] free;
    final int freeTop;
    final TreeMap<Long, Long> pages;
    final Map<Long, byte[]> adopted;
    final long version;

    Snapshot(Emulator owner, Context context, byte[][] frames, long nextFrame, long[] free, int freeTop,
             TreeMap<Long, Long> pages, Map<Long, byte[]> adopted, long version) {
        this.owner = owner;
        this.context = context;
        this.frames = frames;
        this.nextFrame = nextFrame;
        this.free = free;
        this.freeTop = freeTop;
        this.pages = pages;
        this.adopted = adopted;
        this.version = version;
    }

    /** The CPU state saved with the snapshot. */
    public Context context() {
        return context;
    }

    /** Bytes of guest memory copied into the snapshot. */
    public long bytes() {
        long n = 0;
        for (byte[] f : frames) if (f != null) n += f.length;
        return n;
    }
}
