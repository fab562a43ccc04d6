package dev.lstar.runtime.ops;

import static org.junit.jupiter.api.Assertions.*;

import dev.lstar.decoder.ByteSource;
import dev.lstar.decoder.Decoder;
import dev.lstar.decoder.Instruction;
import dev.lstar.decoder.OpcodeTable;
import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.Flags;
import dev.lstar.runtime.Vendor;
import dev.lstar.runtime.interp.Exec;

import java.util.HexFormat;

import org.junit.jupiter.api.Test;

/**
 * The opcode table's {@code flagsKept} (undefined flags lstar leaves unchanged, which flag liveness
 * lets through) is what the semantics do: each such instruction, run from all-ones and from
 * all-zero arithmetic flags, keeps exactly those bits, and changes a defined one somewhere.
 */
class FlagsKeptTest {
    /** mul, imul (1 and 2 operands), div, idiv, bt, bts, btr, btc, lzcnt, tzcnt on rcx/rax. */
    private static final String[] CODE = {"48f7e1", "48f7e9", "480fafc1", "48f7f1", "48f7f9", "480fa3c8", "480fabc8",
        "480fb3c8", "480fbbc8", "f3480fbdc1", "f3480fbcc1"};

    @Test
    void everyRowWithKeptFlagsKeepsThemInExec() {
        int checked = 0;
        for (String hex : CODE) {
            byte[] b = HexFormat.of().parseHex(hex);
            Instruction i = new Instruction();
            Decoder.decode(ByteSource.of(0, b), 0, i);
            int kept = OpcodeTable.rowOf(i).flagsKept;
            assertNotEquals(0, kept, i + " has kept flags in the table");
            for (long start : new long[] {Flags.ARITH, 0}) {
                Cpu c = new Cpu(Vendor.AMD);
                c.r[Cpu.RAX] = 1000;
                c.r[Cpu.RCX] = 7;
                c.r[Cpu.RDX] = 0;
                c.setRflags(start);
                Exec.execute(c, i);
                assertEquals(start & kept, c.getRflags() & kept, i + String.format(" from flags %x", start));
            }
            checked++;
        }
        assertEquals(CODE.length, checked);
        long rows = OpcodeTable.rows().stream().filter(r -> r.flagsKept != 0).map(r -> r.mnemonic).distinct().count();
        assertEquals(12, rows, "mul imul div idiv bt bts btr btc lzcnt tzcnt, and mov to/from cr (the helpers touch no flag)");
    }
}
