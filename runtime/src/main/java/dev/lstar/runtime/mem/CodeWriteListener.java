package dev.lstar.runtime.mem;

/**
 * Told about guest writes that touch a frame marked as code with
 * {@link PhysicalMemory#markCode(long)}, whether they come through an {@link Mmu} or go straight to
 * {@link PhysicalMemory}. Engines that cache decoded or translated blocks by physical address use
 * it to drop stale blocks (self-modifying code).
 *
 * <p>Called after the bytes are stored, once per 4 KiB frame piece of the write that lies in a
 * code frame: a 2-byte write straddling a code frame and a data frame reports only the byte in the
 * code frame; a bulk copy over three code frames reports three pieces.
 */
@FunctionalInterface
public interface CodeWriteListener {
    /** {@code len} bytes starting at physical address {@code physAddr} (all in one frame) were written. */
    void codeWritten(long physAddr, int len);
}
