package dev.lstar.api;

/** {@link EngineHookScenarios} and {@link EngineRuleScenarios} on the interpreter. */
class InterpScenariosTest {
    interface Interp extends EngineUnderTest {
        @Override
        default String engine() {
            return "interp";
        }
    }

    @org.junit.jupiter.api.Nested
    class Hooks extends EngineHookScenarios implements Interp {}

    @org.junit.jupiter.api.Nested
    class Rules extends EngineRuleScenarios implements Interp {}
}
