package dev.lstar.api;

/** {@link EngineHookScenarios} on the interpreter. */
class InterpHookScenariosTest extends EngineHookScenarios {
    @Override
    protected String engine() {
        return "interp";
    }
}
