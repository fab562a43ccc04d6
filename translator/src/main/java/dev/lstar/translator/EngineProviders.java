package dev.lstar.translator;

import dev.lstar.api.EngineProvider;
import dev.lstar.runtime.Machine;
import dev.lstar.runtime.engine.Engine;

/**
 * The translator's engines for {@code Emulator.builder().engine(name)}, registered in
 * {@code META-INF/services/dev.lstar.api.EngineProvider}: "jit" ({@link JitEngine} with default
 * options) and "lockstep" ({@link LockstepEngine}: every block on the JIT and the interpreter,
 * compared; blocks covered by hooks run once, on the JIT).
 */
public final class EngineProviders {
    private EngineProviders() {}

    /** "jit". */
    public static final class Jit implements EngineProvider {
        @Override
        public String name() {
            return "jit";
        }

        @Override
        public Engine create(Machine machine) {
            return new JitEngine(machine);
        }

        @Override
        public Engine create(Machine machine, dev.lstar.api.SharedCode shared) {
            return new JitEngine(machine, shared);
        }
    }

    /** "lockstep". */
    public static final class Lockstep implements EngineProvider {
        @Override
        public String name() {
            return "lockstep";
        }

        @Override
        public Engine create(Machine machine) {
            return new LockstepEngine(machine);
        }
    }
}
