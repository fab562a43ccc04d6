package dev.lstar.kernel;

import dev.lstar.runtime.setup.FrameAllocator;

/**
 * Reference counts of the guest frames that more than one address space maps (Linux's page
 * mapcount, for the pages fork shares copy-on-write). A frame nobody shares has no entry: its one
 * owner frees it. The counts are of the <em>extra</em> mappings, so a shared frame goes back to
 * the allocator only when its last mapping goes.
 */
final class FrameRefs {
    private final FrameAllocator frames;
    private final java.util.HashMap<Long, Integer> extra = new java.util.HashMap<>();

    FrameRefs(FrameAllocator frames) {
        this.frames = frames;
    }

    /** One more mapping of frame {@code pa}. */
    void share(long pa) {
        extra.merge(pa, 1, Integer::sum);
    }

    /** Whether another address space maps frame {@code pa} too (a write must copy it). */
    boolean shared(long pa) {
        return !extra.isEmpty() && extra.containsKey(pa);
    }

    /** One mapping of {@code pa} went away: the frame is freed with its last one. */
    void put(long pa) {
        if (!extra.isEmpty()) {
            Integer n = extra.get(pa);
            if (n != null) {
                if (n == 1) extra.remove(pa);
                else extra.put(pa, n - 1);
                return;
            }
        }
        frames.release(pa);
    }
}
