package dev.lstar.conformance.e2e;

import dev.lstar.runtime.Machine;
import dev.lstar.runtime.engine.Engine;
import dev.lstar.runtime.interp.Interpreter;
import dev.lstar.translator.JitEngine;
import dev.lstar.translator.LockstepEngine;

import java.util.List;
import java.util.function.Function;

/**
 * An execution engine under test, by name. Every end-to-end test runs once per entry of
 * {@link #ALL}: the interpreter, the JIT as the CLI runs it (a block is interpreted at its first
 * execution and translated, in a batch, when it runs again), and lockstep (its JIT translates
 * every block at the first execution, so every block's translated code is compared with the
 * interpreter's result).
 */
public record EngineFactory(String name, Function<Machine, Engine> create) {
    /** The engines every end-to-end test runs on. */
    public static final List<EngineFactory> ALL = List.of(
            new EngineFactory("interp", Interpreter::new),
            new EngineFactory("jit", JitEngine::new),
            new EngineFactory("lockstep", LockstepEngine::new));

    @Override
    public String toString() {
        return name;
    }
}
