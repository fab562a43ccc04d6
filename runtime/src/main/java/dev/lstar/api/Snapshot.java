package dev.lstar.api;

import java.util.Map;
import java.util.TreeMap;

/**
 * A saved machine: CPU {@link Context}, the contents of every guest frame in use (data, page
 * tables, GDT) and the emulator's mapping bookkeeping. Immutable; restore it with
 * {@link Emulator#restore(Snapshot)} into the emulator that made it, any number of times.
 *
 * <p><b>Cost model.</b> Copy-on-write: taking a snapshot copies no memory; the first write to each
 * frame afterwards (through any path: guest, JIT, host) first saves that frame's old contents into
 * the snapshot, and later writes to it are free. Restoring the most recent snapshot (the last one
 * taken or restored) copies back only the frames written since, which is what a fuzzing loop
 * repeats. Taking a newer snapshot first completes the previous one (it copies the frames not yet
 * saved, since write tracking moves to the new one); restoring an older snapshot compares every
 * frame in use.
 */
public final class Snapshot {
    final Emulator owner;
    final Context context;
    /**
     * Frame number -> copy (null: the frame was never allocated or all zero). Copy-on-write:
     * a frame is copied only when it is first written after the snapshot (or when a newer
     * snapshot is taken, see {@link #materialize}); {@link #copied} says which entries are set.
     */
    final byte[][] frames;
    final java.util.BitSet copied = new java.util.BitSet();
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

    /** Saves frame {@code pfn}'s current contents if not saved yet (before the first write to it). */
    void copyBeforeWrite(dev.lstar.runtime.mem.PhysicalMemory phys, long pfn) {
        if (pfn >= frames.length || copied.get((int) pfn)) return;
        byte[] f = phys.frameIfPresent(pfn);
        frames[(int) pfn] = f == null ? null : f.clone();
        copied.set((int) pfn);
    }

    /** Copies every frame not copied yet, so the snapshot no longer depends on write tracking. */
    void materialize(dev.lstar.runtime.mem.PhysicalMemory phys) {
        for (int pfn = copied.nextClearBit(0); pfn < frames.length; pfn = copied.nextClearBit(pfn + 1)) {
            copyBeforeWrite(phys, pfn);
        }
    }

    /** Bytes of guest memory copied into the snapshot. */
    public long bytes() {
        long n = 0;
        for (byte[] f : frames) if (f != null) n += f.length;
        return n;
    }
}
