package dev.lstar.runtime.mem;

/**
 * Guest physical memory, allocated lazily one 4 KiB frame at a time. (API skeleton; implementation
 * lands with the memory work.)
 */
public final class PhysicalMemory {
    public PhysicalMemory(long sizeBytes) {
        throw new UnsupportedOperationException("physical memory not written yet");
    }
}
