package dev.lstar.conformance.fuzz;

import dev.lstar.api.Emulator;
import dev.lstar.decoder.OpcodeTable;
import dev.lstar.decoder.OpcodeTable.Row;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The stream generator covers the opcode table and lays streams out as promised. */
class GeneratorTest {
    @Test
    void everyRowEncodesToItself() {
        List<String> failed = new ArrayList<>();
        SplittableRandom rnd = new SplittableRandom(5);
        for (Row r : OpcodeTable.rows()) {
            boolean ok = false;
            for (int k = 0; k < 8 && !ok; k++) ok = RowEncoder.encode(r, rnd, -1) != null;
            if (!ok) failed.add(r.toString());
        }
        assertEquals(List.of(), failed, "rows the encoder cannot produce");
    }

    @Test
    void validStreamsDecodeAndBranchInsideTheirPageOrToKnownTargets() {
        StreamGen gen = new StreamGen(-1);
        int branches = 0;
        for (int i = 0; i < 300; i++) {
            Stream s = gen.valid(new SplittableRandom(i), i % 2 == 0, 1000);
            assertTrue(s.code().length > 0 && s.code().length <= Layout.MAX_STREAM);
            assertTrue(s.until() == Emulator.NO_UNTIL || s.until() == Layout.CODE + s.code().length);
            int off = 0;
            for (int[] sp : Minimizer.spans(s.code())) {
                assertEquals(off, sp[0]);
                off += sp[1];
            }
            for (byte b : s.code()) if (b == (byte) 0xEB || b == (byte) 0xE8) branches++;
        }
        assertTrue(branches > 0, "no branches generated");
    }

    @Test
    void minimizerPiecesCutWhatTheySay() {
        assertEquals(List.of(0, 2, 3), Minimizer.spans(new byte[] {0x31, (byte) 0xC0, (byte) 0xCC, (byte) 0x90, 0x0F, 0x0B}).stream().map(a -> a[0]).toList().subList(0, 3));
        assertEquals(3, Minimizer.cut(new byte[] {1, 2, 3, 4}, 1, 1).length);
        assertEquals(4, Minimizer.cut(new byte[] {1, 2, 3, 4}, 1, 1)[2]);
    }
}
