package dev.lstar.translator.hooks;

import dev.lstar.api.Emulator;
import dev.lstar.api.EngineHookScenarios;

import org.junit.jupiter.api.Nested;

/**
 * The hook scenarios every engine must pass ({@link EngineHookScenarios}, from the runtime's
 * test jar) on the translator's engines, every block translated at its first execution; under
 * lockstep each scenario also ends without a divergence.
 */
class TranslatorHookScenariosTest {
    @Nested
    class Jit extends EngineHookScenarios {
        @Override
        protected String engine() {
            return "jit";
        }

        @Override
        protected Emulator prepared(Emulator emu) {
            return HookGuest.eager(emu);
        }
    }

    @Nested
    class Lockstep extends Jit {
        @Override
        protected String engine() {
            return "lockstep";
        }

        @Override
        protected void checked(Emulator emu) {
            HookGuest.noDivergence(emu);
        }
    }
}
