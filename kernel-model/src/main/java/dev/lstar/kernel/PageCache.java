package dev.lstar.kernel;

import dev.lstar.runtime.mem.PhysicalMemory;
import dev.lstar.runtime.setup.FrameAllocator;

import java.util.HashMap;
import java.util.Map;

/**
 * The page cache for what processes map privately from files (executables, their interpreter,
 * libraries): one guest frame per page of a file's contents, shared read-only by every address
 * space that maps it, as Linux's page cache frames are. A write to such a page copies it
 * ({@link AddressSpace} copy-on-write). Because translated code is cached by physical address, a
 * program executed again, or a library used by many processes, is decoded and translated once.
 *
 * <p>A file's identity is taken when it is mapped: device, inode, size and modification time
 * (and a CRC-32C of the bytes of an image lstar read itself), so a file changed on the host is a
 * different file here; a write through lstar's own system calls drops the cached pages of that
 * file. The cache holds one reference to each of its frames and never gives them back (its size
 * is bounded by the distinct file pages ever mapped).
 */
final class PageCache {
    /** A page of a file: the file's identity and the page's offset in it. */
    private record Key(Object file, long off) {
        // written out, as MappedFile.Identity's
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && off == k.off && java.util.Objects.equals(file, k.file);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hashCode(file) * 31 + Long.hashCode(off);
        }
    }

    private final PhysicalMemory phys;
    private final FrameAllocator frames;
    private final Map<Key, Long> pages = new HashMap<>();
    /** The cached pages of each host file mapped through a descriptor (what a write to it must drop). */
    private final Map<java.nio.file.Path, java.util.List<Key>> byHost = new HashMap<>();
    private final byte[] buf = new byte[4096];

    /** The number of cached pages (meminfo's Cached). */
    long pages() {
        return pages.size();
    }

    PageCache(PhysicalMemory phys, FrameAllocator frames) {
        this.phys = phys;
        this.frames = frames;
    }

    /**
     * The frame holding the page at {@code off} of {@code f} (read from the file the first time);
     * the cache keeps its own reference, the caller takes one for its mapping. Throws
     * {@link FrameAllocator.OutOfGuestMemoryException} when guest RAM is exhausted.
     */
    long frame(MappedFile f, long off) {
        Key key = new Key(f.identity(), off);
        Long pa = pages.get(key);
        if (pa != null) return pa;
        long frame = frames.allocate();
        f.readPage(off, buf);
        phys.write(frame, buf, 0, 4096);
        pages.put(key, frame);
        if (f.host != null) byHost.computeIfAbsent(f.host, h -> new java.util.ArrayList<>()).add(key);
        return frame;
    }

    /**
     * The host file {@code host} was written through a descriptor: its cached pages are
     * forgotten (mappings keep the frames they have; new faults read the new contents).
     */
    void forget(java.nio.file.Path host, FrameRefs refs) {
        if (byHost.isEmpty()) return;
        java.util.List<Key> keys = byHost.remove(host);
        if (keys == null) return;
        for (Key key : keys) {
            Long pa = pages.remove(key);
            if (pa != null) refs.put(pa);
        }
    }
}
