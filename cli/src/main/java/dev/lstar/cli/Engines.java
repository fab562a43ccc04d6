package dev.lstar.cli;

import dev.lstar.runtime.Machine;
import dev.lstar.runtime.engine.Engine;
import dev.lstar.runtime.interp.Interpreter;

/** The execution engines the CLI offers, by name. */
final class Engines {
    private Engines() {}

    static final String DEFAULT = "interp";

    static String check(String name) {
        return switch (name) {
            case "interp" -> name;
            case "jit", "lockstep" -> throw new Main.UsageException("--engine " + name + ": the JIT is not built yet (see the JIT issue); use interp");
            default -> throw new Main.UsageException("--engine takes interp, jit or lockstep, not '" + name + "'");
        };
    }

    static Engine create(String name, Machine m) {
        return switch (check(name)) {
            default -> new Interpreter(m);
        };
    }
}
