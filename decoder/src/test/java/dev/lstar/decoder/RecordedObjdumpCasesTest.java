package dev.lstar.decoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/**
 * Replays {@code objdump/cases.txt}: tricky encodings (prefix combinations, REX, SIB/no-base/RIP,
 * every immediate size, high-byte registers, system instructions...) whose length and text were
 * recorded from GNU objdump by {@code objdump/gen-cases.sh}. Runs without binutils.
 */
class RecordedObjdumpCasesTest {

    record Case(long offset, byte[] bytes, String text) {}

    static List<Case> load() throws Exception {
        List<Case> cases = new ArrayList<>();
        try (var in = Objects.requireNonNull(RecordedObjdumpCasesTest.class.getResourceAsStream("/objdump/cases.txt"));
             var r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isBlank() || line.startsWith("#")) continue;
                String[] f = line.split("\t", 3);
                cases.add(new Case(Long.parseLong(f[0], 16), HexFormat.of().parseHex(f[1]), f[2]));
            }
        }
        return cases;
    }

    @Test
    void everyRecordedCaseMatchesObjdump() throws Exception {
        List<Case> cases = load();
        assertTrue(cases.size() > 400, "cases.txt looks truncated: " + cases.size());
        List<String> failures = new ArrayList<>();
        Instruction insn = new Instruction();
        HexFormat hf = HexFormat.ofDelimiter(" ");
        for (Case c : cases) {
            String where0 = String.format("0x%x %s", c.offset(), hf.formatHex(c.bytes()));
            try {
                Decoder.decode(ByteSource.of(c.offset(), c.bytes()), c.offset(), insn);
            } catch (IndexOutOfBoundsException e) {
                failures.add(where0 + ": decoder wants more bytes (" + c.text() + ")");
                continue;
            }
            String actual = Objdump.normalise(Disassembler.format(insn));
            String where = String.format("0x%x %s", c.offset(), hf.formatHex(c.bytes()));
            if (c.text().equals("(bad)")) {
                if (insn.isValid()) failures.add(where + ": objdump says (bad), decoded " + actual);
                continue;
            }
            if (insn.length != c.bytes().length) {
                failures.add(where + ": length " + insn.length + " expected " + c.bytes().length + " (" + c.text() + ")");
            } else if (!actual.equals(c.text())) {
                failures.add(where + ": expected '" + c.text() + "' got '" + actual + "'");
            }
        }
        failures.forEach(System.err::println);
        assertEquals(List.of(), failures);
    }
}
