package dev.lstar.api;

/** {@link EngineHookScenarios}, {@link EngineRuleScenarios} and {@link EngineFindingScenarios} on the interpreter. */
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

    @org.junit.jupiter.api.Nested
    class Findings extends EngineFindingScenarios implements Interp {}
}
