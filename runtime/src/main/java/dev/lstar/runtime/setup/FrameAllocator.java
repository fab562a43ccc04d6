package dev.lstar.runtime.setup;

/**
 * Hands out 4 KiB physical frames from a range, bump-pointer style with a free list. Used by
 * machine setup code (page tables, kernel data, process memory), never by guest instructions.
 */
public final class FrameAllocator {
    private long next;
    private final long start, end;
    private final java.util.ArrayDeque<Long> free = new java.util.ArrayDeque<>();

    /** Frames from physical address {@code start} (4 KiB aligned) up to {@code end} (exclusive). */
    public FrameAllocator(long start, long end) {
        if ((start & 0xFFF) != 0) throw new IllegalArgumentException("start not page aligned");
        this.next = start;
        this.start = start;
        this.end = end;
    }

    /** A zero-filled frame's physical address; throws {@link OutOfGuestMemoryException} when exhausted. */
    public long allocate() {
        Long f = free.poll();
        if (f != null) return f;
        if (next + 4096 > end) throw new OutOfGuestMemoryException("guest physical memory exhausted");
        long pa = next;
        next += 4096;
        return pa;
    }

    /**
     * {@code count} physically contiguous frames aligned to {@code align} bytes (a power of two, at
     * least 4 KiB), taken from the never-used range (a frame skipped for alignment goes to the
     * free list); the first one's address. For page-table roots that must be contiguous, such as
     * a PTI PGD pair.
     */
    public long allocateContiguous(int count, long align) {
        long start = (next + align - 1) & -align;
        if (start + count * 4096L > end) throw new OutOfGuestMemoryException("guest physical memory exhausted");
        for (long f = next; f < start; f += 4096) free.push(f);
        next = start + count * 4096L;
        return start;
    }

    /** Returns a frame; the caller must have zeroed it if it will be reused as a page table. */
    public void release(long pa) {
        free.push(pa);
    }

    public long used() {
        return next;
    }

    /** The bytes of the range's frames handed out and not released (MemTotal less MemFree). */
    public long inUse() {
        return next - start - free.size() * 4096L;
    }

    /** Guest physical memory ran out while the host was setting something up for the guest. */
    public static final class OutOfGuestMemoryException extends RuntimeException {
        public OutOfGuestMemoryException(String m) {
            super(m);
        }
    }
}
