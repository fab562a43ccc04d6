package dev.lstar.translator.hooks;

import dev.lstar.api.Emulator;
import dev.lstar.api.EngineFindingScenarios;
import dev.lstar.api.EngineHookScenarios;
import dev.lstar.api.EngineRuleScenarios;
import dev.lstar.api.EngineUnderTest;

import org.junit.jupiter.api.Nested;

/**
 * The scenarios every engine must pass, written once in the runtime's tests (through its test
 * jar) — hooks ({@link EngineHookScenarios}) and instruction rules ({@link EngineRuleScenarios}) —
 * on the translator's engines, every block translated at its first execution; under lockstep each
 * scenario also ends without a divergence.
 */
class TranslatorScenariosTest {
    interface Jit extends EngineUnderTest {
        @Override
        default String engine() {
            return "jit";
        }

        @Override
        default Emulator prepared(Emulator emu) {
            return HookGuest.eager(emu);
        }
    }

    interface Lockstep extends Jit {
        @Override
        default String engine() {
            return "lockstep";
        }

        @Override
        default void checked(Emulator emu) {
            HookGuest.noDivergence(emu);
        }
    }

    @Nested
    class JitHooks extends EngineHookScenarios implements Jit {}

    @Nested
    class JitRules extends EngineRuleScenarios implements Jit {}

    @Nested
    class JitFindings extends EngineFindingScenarios implements Jit {}

    @Nested
    class LockstepFindings extends EngineFindingScenarios implements Lockstep {}

    @Nested
    class LockstepHooks extends EngineHookScenarios implements Lockstep {}

    @Nested
    class LockstepRules extends EngineRuleScenarios implements Lockstep {}
}
