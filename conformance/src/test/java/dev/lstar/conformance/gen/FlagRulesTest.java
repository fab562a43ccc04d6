package dev.lstar.conformance.gen;

import static dev.lstar.conformance.gen.FlagRules.AF;
import static dev.lstar.conformance.gen.FlagRules.CF;
import static dev.lstar.conformance.gen.FlagRules.OF;
import static dev.lstar.conformance.gen.FlagRules.PF;
import static dev.lstar.conformance.gen.FlagRules.SF;
import static dev.lstar.conformance.gen.FlagRules.ZF;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lstar.decoder.OpcodeTable.Row;
import org.junit.jupiter.api.Test;

/**
 * The rules (opcode table rows plus the count-dependent refinements) against the SDM's "Flags
 * Affected" sections (what is undefined cannot be measured on one CPU).
 */
class FlagRulesTest {
    /** The row of the register form described as {@code describe} (e.g. "shl r32, cl"). */
    static Row row(String describe) {
        return Forms.all().stream().filter(f -> f.describe().equals(describe) && !f.mem()).findFirst()
                .orElseThrow(() -> new AssertionError("no form " + describe)).row();
    }

    @Test
    void fixedRules() {
        assertEquals(0, FlagRules.undefined(row("add r64, r64"), 64, 0));
        assertEquals(0, FlagRules.undefined(row("adc r8, r8"), 8, 0));
        assertEquals(AF, FlagRules.undefined(row("xor r32, r32"), 32, 0));
        assertEquals(SF | ZF | AF | PF, FlagRules.undefined(row("imul r16, r16"), 16, 0));
        assertEquals(CF | PF | AF | ZF | SF | OF, FlagRules.undefined(row("idiv r64"), 64, 0));
        assertEquals(CF | OF | SF | AF | PF, FlagRules.undefined(row("bsr r32, r32"), 32, 0));
        assertEquals(OF | SF | AF | PF, FlagRules.undefined(row("btc r64, r64"), 64, 0));
        assertEquals(0, FlagRules.undefined(row("popcnt r64, r64"), 64, 0));
    }

    @Test
    void shiftRulesDependOnTheMaskedCount() {
        assertEquals(0, FlagRules.undefined(row("shl r32, cl"), 32, 0));
        assertEquals(0, FlagRules.undefined(row("shl r32, cl"), 32, 32)); // masked to 0: flags unaffected
        assertEquals(AF, FlagRules.undefined(row("shr r32, cl"), 32, 1));
        assertEquals(AF | OF, FlagRules.undefined(row("sar r64, cl"), 64, 2));
        assertEquals(AF | OF, FlagRules.undefined(row("shl r64, cl"), 64, 33)); // 6-bit mask with REX.W
        assertEquals(AF | OF | CF, FlagRules.undefined(row("shl r8, cl"), 8, 8)); // count >= width: CF undefined
        assertEquals(AF | OF, FlagRules.undefined(row("sar r8, cl"), 8, 9)); // but not for SAR
        assertEquals(0, FlagRules.undefined(row("rol r16, cl"), 16, 1));
        assertEquals(OF, FlagRules.undefined(row("rcr r16, cl"), 16, 2));
        assertEquals(0, FlagRules.undefined(row("ror r64, cl"), 64, 64));
        assertEquals(AF | CF | OF | SF | ZF | PF, FlagRules.undefined(row("shld r16, r16, cl"), 16, 17));
        assertEquals(AF, FlagRules.undefined(row("shrd r16, r16, cl"), 16, 1));
        assertEquals(AF | OF, FlagRules.undefined(row("shrd r16, r16, cl"), 16, 16));
        // by-1 rows (D0/D1): OF defined, no count-0 case; by-imm8 rows follow the count like CL
        assertEquals(AF, FlagRules.undefined(row("shl r32, 1"), 32, 1));
        assertEquals(0, FlagRules.undefined(row("rcl r8, 1"), 8, 1));
        assertEquals(AF | OF, FlagRules.undefined(row("shr r16, imm8"), 16, 3));
        assertEquals(0, FlagRules.undefined(row("shr r16, imm8"), 16, 0x20));
    }

    @Test
    void comparedIncludesDirectionFlag() {
        assertEquals(FlagRules.COMPARED, FlagRules.compared(row("cld"), 32, 0));
        assertTrue((FlagRules.compared(row("div r64"), 64, 0) & FlagRules.DF) != 0);
    }

    @Test
    void flagReadersAndUndefinedDestinations() {
        assertTrue(FlagRules.readsFlags(row("adc r32, r32")) && FlagRules.readsFlags(row("cmovbe r32, r32")) && FlagRules.readsFlags(row("setl r8")));
        assertFalse(FlagRules.readsFlags(row("add r32, r32")));
        assertTrue(FlagRules.destinationUndefined(row("bsf r16, r16"), 0xFFFF_0000L, 16));
        assertFalse(FlagRules.destinationUndefined(row("bsf r32, r32"), 0x1_0000L, 32));
        assertFalse(FlagRules.destinationUndefined(row("tzcnt r32, r32"), 0, 32));
    }
}
