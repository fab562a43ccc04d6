package dev.lstar.api;

/** {@link EngineRuleScenarios} on the interpreter. */
class InterpRuleScenariosTest extends EngineRuleScenarios {
    @Override
    protected String engine() {
        return "interp";
    }
}
