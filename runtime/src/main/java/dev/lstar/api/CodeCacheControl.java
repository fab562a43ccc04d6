package dev.lstar.api;

/**
 * Optional interface of an {@link dev.lstar.runtime.engine.Engine}: decode or translate ahead of
 * time. The interpreter supports it through its block cache; other engines implement it
 * themselves.
 */
public interface CodeCacheControl {
    /**
     * Builds the block starting at linear {@code address} at the current privilege (as a fetch
     * would translate it) and returns its length in bytes (0 if nothing could be decoded: the
     * address does not translate).
     */
    int precompile(long address);

    /**
     * Ends a sequence of {@link #precompile} calls (one range): an engine that translates several
     * blocks into one class may have left the range's blocks for this call. Default: nothing.
     */
    default void precompileDone() {}
}
