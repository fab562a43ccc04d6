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

import org.junit.jupiter.api.Test;

/** The table against the SDM's "Flags Affected" sections (what is undefined cannot be measured on one CPU). */
class FlagRulesTest {
    @Test
    void fixedRules() {
        assertEquals(0, FlagRules.undefined("add", 64, 0));
        assertEquals(0, FlagRules.undefined("adc", 8, 0));
        assertEquals(AF, FlagRules.undefined("xor", 32, 0));
        assertEquals(SF | ZF | AF | PF, FlagRules.undefined("imul", 16, 0));
        assertEquals(CF | PF | AF | ZF | SF | OF, FlagRules.undefined("idiv", 64, 0));
        assertEquals(CF | OF | SF | AF | PF, FlagRules.undefined("bsr", 32, 0));
        assertEquals(OF | SF | AF | PF, FlagRules.undefined("btc", 64, 0));
        assertEquals(0, FlagRules.undefined("popcnt", 64, 0));
    }

    @Test
    void shiftRulesDependOnTheMaskedCount() {
        assertEquals(0, FlagRules.undefined("shl", 32, 0));
        assertEquals(0, FlagRules.undefined("shl", 32, 32)); // masked to 0: flags unaffected
        assertEquals(AF, FlagRules.undefined("shr", 32, 1));
        assertEquals(AF | OF, FlagRules.undefined("sar", 64, 2));
        assertEquals(AF | OF, FlagRules.undefined("shl", 64, 33)); // 6-bit mask with REX.W
        assertEquals(AF | OF | CF, FlagRules.undefined("shl", 8, 8)); // count >= width: CF undefined
        assertEquals(AF | OF, FlagRules.undefined("sar", 8, 9)); // but not for SAR
        assertEquals(0, FlagRules.undefined("rol", 16, 1));
        assertEquals(OF, FlagRules.undefined("rcr", 16, 2));
        assertEquals(0, FlagRules.undefined("ror", 64, 64));
        assertEquals(AF | CF | OF | SF | ZF | PF, FlagRules.undefined("shld", 16, 17));
        assertEquals(AF, FlagRules.undefined("shrd", 16, 1));
        assertEquals(AF | OF, FlagRules.undefined("shrd", 16, 16));
    }

    @Test
    void comparedIncludesDirectionFlag() {
        assertEquals(FlagRules.COMPARED, FlagRules.compared("cld", 32, 0));
        assertTrue((FlagRules.compared("div", 64, 0) & FlagRules.DF) != 0);
    }

    @Test
    void flagReadersAndUndefinedDestinations() {
        assertTrue(FlagRules.readsFlags("adc") && FlagRules.readsFlags("cmovbe") && FlagRules.readsFlags("setl"));
        assertFalse(FlagRules.readsFlags("add"));
        assertTrue(FlagRules.destinationUndefined("bsf", 0xFFFF_0000L, 16));
        assertFalse(FlagRules.destinationUndefined("bsf", 0x1_0000L, 32));
        assertFalse(FlagRules.destinationUndefined("tzcnt", 0, 32));
    }
}
