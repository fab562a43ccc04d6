package dev.lstar.api;

/**
 * An installed hook. {@link #remove()} uninstalls it (idempotent); the blocks it covered are
 * rebuilt without it, other cached blocks are untouched.
 */
public interface HookHandle extends AutoCloseable {
    void remove();

    /** Whether the hook is still installed. */
    boolean active();

    @Override
    default void close() {
        remove();
    }
}
