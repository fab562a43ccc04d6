package dev.lstar.conformance.gen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lstar.decoder.ByteSource;
import dev.lstar.decoder.Decoder;
import dev.lstar.decoder.Instruction;
import dev.lstar.decoder.OpcodeTable;
import dev.lstar.decoder.OpcodeTable.Row;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The forms derived from the opcode table: coverage per family, and every form decodes back to its row. */
class FormsTest {
    /** Forms per family of the hand-written table the derivation replaced: coverage must not shrink. */
    static final Map<String, Integer> BEFORE = new LinkedHashMap<>();

    static {
        BEFORE.put("alu", 272);
        BEFORE.put("unary", 32);
        BEFORE.put("test", 20);
        BEFORE.put("muldiv", 50);
        BEFORE.put("shift", 112);
        BEFORE.put("shiftd", 24);
        BEFORE.put("bit", 78);
        BEFORE.put("move", 51);
        BEFORE.put("cmov", 96);
        BEFORE.put("setcc", 32);
        BEFORE.put("xadd", 16);
        BEFORE.put("convert", 6);
        BEFORE.put("flags", 7);
        BEFORE.put("adx", 8);
        BEFORE.put("sse", 0); // new with the SSE/SSE2 slice: its count is asserted in sseFormsCoverEveryRow
        BEFORE.put("x87", 0); // new with the x87 slice: its count is asserted in x87FormsCoverEveryRow
        BEFORE.put("mmx", 0); // new with the MMX slice: mmxFormsCoverEveryRow
        BEFORE.put("sse42", 0); // new with the SSE4.2 slice: mmxFormsCoverEveryRow
    }

    @Test
    void coverageDoesNotShrink() {
        assertEquals(List.copyOf(BEFORE.keySet()), Forms.FAMILIES);
        int total = 0;
        for (Map.Entry<String, Integer> e : BEFORE.entrySet()) {
            int n = Forms.family(e.getKey()).size();
            assertTrue(n >= e.getValue(), e.getKey() + ": " + n + " forms, was " + e.getValue());
            total += n;
        }
        assertEquals(Forms.all().size(), total, "every form is in a reported family");
        assertTrue(total >= 804, "forms: " + total);
    }

    @Test
    void x87FormsCoverEveryRow() {
        java.util.Set<OpcodeTable.Row> rows = new java.util.HashSet<>();
        for (Form f : Forms.family("x87")) rows.add(f.row());
        long tableRows = OpcodeTable.rows().stream().filter(r -> Forms.exclusion(r) == null && Forms.X87.contains(r.mnemonic)).count();
        assertEquals(tableRows, rows.size());
        assertTrue(rows.size() >= 120, "x87 rows with forms: " + rows.size());
    }

    @Test
    void sseFormsCoverEveryRow() {
        // every SSE row gives its register form and (unless reg-only) its memory form; MOVD/MOVNTI both sizes
        List<Form> sse = Forms.family("sse");
        Set<Row> rows = new HashSet<>();
        for (Form f : sse) rows.add(f.row());
        long tableRows = OpcodeTable.rows().stream()
                .filter(r -> Forms.exclusion(r) == null && Forms.SSE.contains(r.mnemonic) && !Forms.mmxRow(r)).count();
        assertEquals(tableRows, rows.size());
        assertTrue(sse.size() >= 150, "sse forms: " + sse.size());
    }

    @Test
    void mmxFormsCoverEveryRow() {
        // every row with an MMX operand (but MASKMOVQ, an implicit [rDI] store) gives its forms; SSE4.2 its own family
        Set<Row> rows = new HashSet<>();
        for (Form f : Forms.family("mmx")) rows.add(f.row());
        long tableRows = OpcodeTable.rows().stream().filter(r -> Forms.mmxRow(r) && Forms.exclusion(r) == null).count();
        assertEquals(tableRows, rows.size());
        assertTrue(rows.size() >= 90, "mmx rows with forms: " + rows.size());
        assertTrue(Forms.excluded().keySet().stream().anyMatch(k -> k.contains("MASKMOVQ")));
        Set<Row> sse42 = new HashSet<>();
        for (Form f : Forms.family("sse42")) sse42.add(f.row());
        assertEquals(7, sse42.size());
        assertEquals(5 * 2 + 10, Forms.family("sse42").size()); // reg and mem each; CRC32: r/m8 by 32/64, r/m16/32/64
    }

    @Test
    void everyFormDecodesToItsRow() {
        List<String> bad = new ArrayList<>();
        for (Form f : Forms.all()) {
            // a placement that aliases nothing: REG/OPREG = rcx/cl, r/m = rbx/bl or [rbx+8]
            byte[] insn = Encoder.encode(f, 1, 3, 8, 0x12).bytes();
            Instruction i = Decoder.decode(ByteSource.of(0, insn), 0, new Instruction());
            Row r = OpcodeTable.rowOf(i);
            boolean sizeMatters = !List.of("sse", "x87", "mmx", "sse42").contains(f.family()) // x87: the row fixes every size
                    || f.row().operandForms().stream().anyMatch(o -> o.endsWith("y")) && f.size() != 16; // CRC32 r32, r/m16
            if (r != f.row() || i.length != insn.length || sizeMatters && i.opSize * 8 != f.size() && f.row().operandForms().stream()
                    .noneMatch(o -> o.equals("Eb") || o.equals("AL"))) {
                bad.add(f.describe() + (f.mem() ? " (mem)" : "") + " -> " + r + " len " + i.length + "/" + insn.length
                        + " opSize " + i.opSize);
            }
        }
        assertTrue(bad.isEmpty(), bad.size() + " forms do not round-trip:\n" + String.join("\n", bad));
    }

    @Test
    void everyRowIsDerivedOrExcludedWithAReason() {
        Set<Row> derived = new HashSet<>();
        for (Form f : Forms.all()) {
            derived.add(f.row());
        }
        for (Row r : OpcodeTable.rows()) {
            boolean excluded = Forms.excluded().containsKey(r.toString());
            assertTrue(derived.contains(r) != excluded || Forms.exclusion(r) == null && excluded, r.toString());
        }
        // the table's integer rows the old hand-written list covered are still there, e.g. group 2 /6 (SAL alias)
        assertTrue(Forms.all().stream().anyMatch(f -> f.mnemonic().equals("shl") && f.ext() == 6));
    }

    @Test
    void sse3Ssse3Sse41FormsNeedTheirExtensionOnTheHost() {
        Map<String, String> want = Map.of("haddps", "pni", "movddup", "pni", "lddqu", "pni", "pshufb", "ssse3",
                "palignr", "ssse3", "dpps", "sse4_1", "roundsd", "sse4_1", "pblendvb", "sse4_1", "pextrq", "sse4_1");
        Map<String, String> seen = new LinkedHashMap<>();
        for (Form f : Forms.family("sse")) {
            if (want.containsKey(f.mnemonic())) seen.put(f.mnemonic(), f.requires());
            if (f.mnemonic().equals("pextrq") || f.mnemonic().equals("pinsrq")) assertEquals(64, f.size(), f.describe());
            if (f.mnemonic().equals("blendvps")) assertTrue(f.find(Form.Kind.XMM0) != null, f.describe());
        }
        assertEquals(new java.util.TreeMap<>(want), new java.util.TreeMap<>(seen));
        List<Form> fisttp = Forms.family("x87").stream().filter(f -> f.mnemonic().equals("fisttp")).toList();
        assertEquals(3, fisttp.size(), "m16, m32, m64");
        for (Form f : fisttp) assertEquals("pni", f.requires());
    }
}
