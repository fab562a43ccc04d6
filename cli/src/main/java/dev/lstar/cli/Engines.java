package dev.lstar.cli;

import dev.lstar.runtime.Machine;
import dev.lstar.runtime.engine.Engine;
import dev.lstar.runtime.interp.Interpreter;
import dev.lstar.translator.JitEngine;
import dev.lstar.translator.LockstepEngine;

/** The execution engines the CLI offers, by name. */
final class Engines {
    private Engines() {}

    static final String DEFAULT = "jit";

    static String check(String name) {
        return switch (name) {
            case "interp", "jit", "lockstep" -> name;
            default -> throw new Main.UsageException("--engine takes interp, jit or lockstep, not '" + name + "'");
        };
    }

    static Engine create(String name, Machine m) {
        return create(name, m, null);
    }

    /** {@code shared}: the code cache the JIT engines of one run's CPUs share (null: none). */
    static Engine create(String name, Machine m, dev.lstar.api.SharedCode shared) {
        return switch (check(name)) {
            case "jit" -> new JitEngine(m, JitEngine.Options.forPrograms(), shared);
            case "lockstep" -> new LockstepEngine(m);
            default -> new Interpreter(m);
        };
    }
}
