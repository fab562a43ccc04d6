package dev.lstar.translator;

import static org.junit.jupiter.api.Assertions.*;

import dev.lstar.decoder.Mnemonic;
import dev.lstar.decoder.OpcodeTable;

import java.lang.reflect.Modifier;
import java.util.EnumSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** The intrinsic and helper bindings are consistent with the opcode table and the runtime's semantics. */
class IntrinsicsTest {
    @Test
    void everyIntrinsicIsATableMnemonicAndEveryFlagWriterHasItsFlagHelper() {
        Set<Mnemonic> flagWriters = EnumSet.noneOf(Mnemonic.class);
        for (OpcodeTable.Row r : OpcodeTable.rows()) if (r.flagsWritten != 0) flagWriters.add(r.mnemonic);
        for (Mnemonic m : Intrinsics.mnemonics()) {
            assertTrue(OpcodeTable.rows().stream().anyMatch(r -> r.mnemonic == m), m + " is decoded by some row");
            if (flagWriters.contains(m) && !SysInline.SYSTEM.contains(m) && !SseEmitter.mnemonics().contains(m)
                    && !X87Emitter.mnemonics().contains(m)) {
                Helpers.Helper h = Helpers.withFlags(m);
                assertTrue(Modifier.isStatic(h.method().getModifiers()));
                assertEquals(dev.lstar.runtime.Cpu.class, h.method().getParameterTypes()[0], m + ": the helper records flags in the Cpu");
            }
        }
    }

    @Test
    void flagHelpersAreTheMethodsExecCalls() {
        // the helper of each mnemonic is the ops method named after it: the same one Exec's switch calls
        for (var e : Helpers.withFlagsTable().entrySet()) {
            assertEquals(e.getKey().name().toLowerCase(), e.getValue().name(), e.getKey().toString());
            assertTrue(e.getValue().owner().startsWith("dev/lstar/runtime/ops/"), e.getValue().owner());
        }
    }

    @Test
    void aMissingHelperFailsAtResolution() {
        assertThrows(IllegalStateException.class, () -> Helpers.of(dev.lstar.runtime.ops.Alu.class, "noSuchMethod"));
        assertThrows(IllegalStateException.class, () -> Helpers.withFlags(Mnemonic.CPUID));
    }
}
