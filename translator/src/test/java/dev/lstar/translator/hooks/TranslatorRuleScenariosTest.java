package dev.lstar.translator.hooks;

import dev.lstar.api.Emulator;
import dev.lstar.api.EngineRuleScenarios;

import org.junit.jupiter.api.Nested;

/**
 * The instruction rules every engine must follow ({@link EngineRuleScenarios}, from the runtime's
 * test jar) on the translator's engines, every block translated at its first execution; under
 * lockstep each scenario also ends without a divergence.
 */
class TranslatorRuleScenariosTest {
    @Nested
    class Jit extends EngineRuleScenarios {
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
