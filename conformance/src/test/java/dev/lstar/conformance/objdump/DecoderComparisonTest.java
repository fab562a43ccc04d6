package dev.lstar.conformance.objdump;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lstar.conformance.gen.Report;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class DecoderComparisonTest {
    static final ObjdumpListing LISTING = new ObjdumpListing(null, Objdump.parseOutput("""
            Disassembly of section .text:

            0000000000000000 <foo>:
               0:\t48 01 d8             \tadd    %rbx,%rax
               3:\te8 f8 ff ff ff       \tcall   0 <foo>
               8:\t2e 66 0f 1f 84 00 00 00 00 00 \tcs nopw 0x0(%rax,%rax,1)
              12:\tc5                   \t.byte 0xc5
            """));

    /** A "decoder" that answers from a lookup over the listing, optionally wrong for one instruction. */
    static DecoderUnderTest oracle(String wrongFor) {
        return (code, off, addr) -> {
            for (ObjdumpListing.Insn i : LISTING.instructions()) {
                if (Arrays.equals(i.bytes(), Arrays.copyOfRange(code, off, code.length))) {
                    String t = i.text().startsWith("cs nopw") ? "nopw (%rax,%rax,1)" : i.text();
                    if (t.startsWith(wrongFor)) {
                        return new DecoderUnderTest.Decoded(i.length(), "sub %rbx,%rax");
                    }
                    return new DecoderUnderTest.Decoded(i.length(), t.replace(" <foo>", "").replace("call   0", "call 0x0"));
                }
            }
            return new DecoderUnderTest.Decoded(0, "(bad)");
        };
    }

    @Test
    void agreeingDecoderHasNoMismatches() {
        assertEquals(4, LISTING.instructions().size());
        Report r = new Report();
        DecoderComparison.compare(LISTING, oracle("none"), "decode", r);
        assertEquals(3, r.totalCases()); // the .byte line is skipped
        assertEquals(0, r.totalMismatches(), r.full());
    }

    @Test
    void wrongTextAndWrongLengthAreReported() {
        Report r = new Report();
        DecoderComparison.compare(LISTING, oracle("add"), "decode", r);
        assertEquals(1, r.totalMismatches());
        assertTrue(r.full().contains("objdump 'add %rbx,%rax'"), r.full());
        Report len = new Report();
        DecoderComparison.compare(LISTING, (c, o, a) -> new DecoderUnderTest.Decoded(1, "x"), "decode", len);
        assertEquals(3, len.totalMismatches());
        assertTrue(len.full().contains("length 1 (objdump 3)"), len.full());
        List<Report.Family> f = len.families();
        assertEquals("decode", f.get(0).name);
    }
}
