package dev.lstar.api;

import dev.lstar.runtime.Machine;
import dev.lstar.runtime.engine.Engine;

/**
 * Makes an execution engine available to {@link Emulator.Builder#engine(String)} by name.
 * "interp" (the interpreter) is built in; other modules register providers with the standard
 * {@link java.util.ServiceLoader} mechanism: a file
 * {@code META-INF/services/dev.lstar.api.EngineProvider} listing the implementation class (the
 * translator module registers "jit" and "lockstep").
 *
 * <p>An engine must follow the hook contract of {@link Machine.Hooks} (read
 * {@code machine.hooks} when building a block, register a {@link Machine.BlockInvalidator}) so
 * that hooks work the same on every engine. It may implement {@link CodeCacheControl} to support
 * {@link Emulator#precompile}.
 */
public interface EngineProvider {
    /** The name users pass, e.g. "jit". */
    String name();

    /** A new engine bound to {@code machine}. */
    Engine create(Machine machine);

    /**
     * A new engine bound to {@code machine} that shares translated code through {@code shared}
     * (see {@link SharedCode}; null: none). Default: an engine that does not share
     * ({@link #create(Machine)}), which is correct for any engine, only not faster.
     */
    default Engine create(Machine machine, SharedCode shared) {
        return create(machine);
    }
}
