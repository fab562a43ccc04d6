package dev.lstar.decoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lstar.decoder.OpcodeTable.Row;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Generates random encodings of every opcode-table row, has the host's GNU as/objdump disassemble
 * them, and compares every instruction's length and normalised text with lstar's decoder and
 * disassembler. Skipped (with the reason) when as/objdump are not on the PATH.
 */
class ObjdumpLiveTest {
    static final int PER_ROW = Integer.getInteger("lstar.objdump.perRow", 24);

    @Test
    void everyRowAgreesWithObjdump() throws Exception {
        String why = Objdump.unavailableReason();
        assumeTrue(why == null, why);
        Random rnd = new Random(0x15_7A_12L);
        List<byte[]> insns = new ArrayList<>();
        List<Row> rowOf = new ArrayList<>();
        for (Row row : OpcodeTable.rows()) {
            // 0F 1A/1B execute as NOPs (MPX disabled/absent) but objdump shows the MPX bnd* forms.
            if (row.map == 1 && (row.opcode == 0x1A || row.opcode == 0x1B)) continue;
            for (int k = 0; k < PER_ROW; k++) {
                insns.add(RowEncoder.encode(row, rnd));
                rowOf.add(row);
            }
        }
        List<Objdump.Line> lines = Objdump.disassembleBytes(insns);
        List<String> failures = new ArrayList<>();
        HexFormat hf = HexFormat.ofDelimiter(" ");
        Instruction insn = new Instruction();
        int li = 0;
        long addr = 0;
        int compared = 0;
        for (int i = 0; i < insns.size(); i++) {
            byte[] b = insns.get(i);
            Decoder.decode(ByteSource.of(addr, b), addr, insn);
            Objdump.Line line = li < lines.size() ? lines.get(li) : null;
            String ctx = hf.formatHex(b) + " [" + rowOf.get(i).spec + " " + rowOf.get(i).mnemonic + "]";
            if (line == null || line.offset() != addr) {
                failures.add(ctx + ": objdump out of sync at 0x" + Long.toHexString(addr));
                break;
            }
            String expected = Objdump.normalise(line.text());
            String actual = Objdump.normalise(Disassembler.format(insn));
            if (line.bytes().length != b.length) {
                failures.add(ctx + ": objdump length " + line.bytes().length + " '" + expected + "'");
                // resynchronise on our known boundaries
                long target = addr + b.length;
                while (li < lines.size() && lines.get(li).offset() < target) li++;
            } else {
                li++;
                compared++;
                if (insn.length != b.length) failures.add(ctx + ": length " + insn.length + " != " + b.length);
                else if (!expected.equals(actual)) failures.add(ctx + ": expected '" + expected + "' got '" + actual + "'");
            }
            addr += b.length;
        }
        if (!failures.isEmpty()) {
            System.err.println(failures.size() + " mismatches:");
            failures.stream().limit(400).forEach(System.err::println);
        }
        assertTrue(compared > OpcodeTable.size(), "compared too few instructions: " + compared);
        assertEquals(List.of(), failures.stream().limit(40).toList(), failures.size() + " mismatches");
    }
}
