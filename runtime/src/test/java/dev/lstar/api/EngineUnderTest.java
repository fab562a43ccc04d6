package dev.lstar.api;

/**
 * The engine a shared scenario class ({@link EngineHookScenarios}, {@link EngineRuleScenarios})
 * runs on: its name, how a fresh emulator is prepared, and the checks at the end of each scenario.
 * Each engine's tests implement it once and apply it to every scenario class.
 */
public interface EngineUnderTest {
    /** The engine, by name ({@link Emulator.Builder#engine}). */
    String engine();

    /** Adjusts a freshly built emulator (the JIT's tests make it translate every block at once). */
    default Emulator prepared(Emulator emu) {
        return emu;
    }

    /** Engine-specific checks at the end of each scenario (lockstep: no divergence). */
    default void checked(Emulator emu) {
    }
}
