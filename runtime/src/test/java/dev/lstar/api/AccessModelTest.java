package dev.lstar.api;

import static org.junit.jupiter.api.Assertions.*;

import dev.lstar.decoder.ByteSource;
import dev.lstar.decoder.Decoder;
import dev.lstar.decoder.Instruction;
import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.Vendor;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The addresses {@link AccessModel} predicts for memory hooks, from the registers before the instruction. */
class AccessModelTest {
    private final Cpu cpu = new Cpu(Vendor.AMD);
    private final List<String> seen = new ArrayList<>();
    private final AccessModel.Sink sink = new AccessModel.Sink() {
        @Override
        public void read(long la, int size) {
            seen.add("R " + Long.toHexString(la) + " " + size); // address hex, size decimal
        }

        @Override
        public void write(long la, int size) {
            seen.add("W " + Long.toHexString(la) + " " + size);
        }
    };

    private List<String> predict(String hex) {
        byte[] b = HexFormat.of().parseHex(hex.replace(" ", ""));
        Instruction i = Decoder.decode(ByteSource.of(0x1000, b), 0x1000, new Instruction());
        seen.clear();
        AccessModel.predict(cpu, i, sink);
        return List.copyOf(seen);
    }

    @Test
    void explicitOperandsByAccess() {
        cpu.r[Cpu.RBX] = 0x5000;
        assertEquals(List.of("R 5000 4", "W 5000 4"), predict("01 03")); // add %eax,(%rbx)
        assertEquals(List.of("W 5000 4"), predict("89 03")); // mov %eax,(%rbx)
        assertEquals(List.of("R 5000 4"), predict("3b 03")); // cmp (%rbx),%eax
        assertEquals(List.of("W 5000 1"), predict("0f 94 03")); // sete (%rbx)
        assertEquals(List.of(), predict("48 8d 03")); // lea (%rbx),%rax
        assertEquals(List.of(), predict("0f 1f 03")); // nopl (%rbx)
        assertEquals(List.of(), predict("0f ae 3b")); // clflush (%rbx)
        assertEquals(List.of(), predict("0f b9 03")); // ud1 (%rbx),%eax: raises #UD without an access
    }

    @Test
    void stackAccesses() {
        cpu.r[Cpu.RSP] = 0x8000;
        cpu.r[Cpu.RBP] = 0x9000;
        assertEquals(List.of("W 7ff8 8"), predict("53")); // push %rbx
        assertEquals(List.of("W 7ffe 2"), predict("66 53")); // push %bx
        assertEquals(List.of("R 8000 8"), predict("5b")); // pop %rbx
        assertEquals(List.of("W 7ff8 8"), predict("e8 00 00 00 00")); // call
        assertEquals(List.of("R 8000 8"), predict("c3")); // ret
        assertEquals(List.of("R 9000 8"), predict("c9")); // leave
        assertEquals(List.of("R 8000 40"), predict("48 cf")); // iretq: five slots
        assertEquals(List.of("W 7ff8 8"), predict("c8 20 00 00")); // enter $32,$0: push %rbp
        assertEquals(List.of("R 8ff0 16", "W 7fe0 32"), predict("c8 20 00 03")); // enter $32,$3
        cpu.r[Cpu.RAX] = 0x8000;
        assertEquals(List.of("W 8008 8", "R 8000 8"), predict("8f 44 24 00")); // pop 0(%rsp): address after the pop
        assertEquals(List.of("R 8000 8", "W 7ff8 8"), predict("ff 30")); // push (%rax)
    }

    @Test
    void stringsAndXlat() {
        cpu.r[Cpu.RSI] = 0x1000;
        cpu.r[Cpu.RDI] = 0x2000;
        cpu.r[Cpu.RCX] = 4;
        assertEquals(List.of("R 1000 1", "W 2000 1"), predict("a4")); // movsb
        assertEquals(List.of("R 1000 32", "W 2000 32"), predict("f3 48 a5")); // rep movsq, 4 times
        assertEquals(List.of("W 2000 4"), predict("f3 aa")); // rep stosb
        assertEquals(List.of("R 1000 4", "R 2000 4"), predict("f3 a6")); // repe cmpsb
        assertEquals(List.of("R 2000 2"), predict("66 af")); // scasw
        assertEquals(List.of("R 1000 8"), predict("48 ad")); // lodsq
        cpu.r[Cpu.RCX] = 0;
        assertEquals(List.of(), predict("f3 aa")); // rep stosb with RCX = 0
        cpu.r[Cpu.RBX] = 0x3000;
        cpu.r[Cpu.RAX] = 0x1234_5610;
        assertEquals(List.of("R 3010 1"), predict("d7")); // xlat
    }

    @Test
    void blocksWithMemoryAccesses() {
        Instruction lea = Decoder.decode(ByteSource.of(0, HexFormat.of().parseHex("488d03")), 0, new Instruction());
        Instruction push = Decoder.decode(ByteSource.of(0, HexFormat.of().parseHex("53")), 0, new Instruction());
        assertFalse(AccessModel.anyMemoryAccess(new Instruction[] {lea}));
        assertTrue(AccessModel.anyMemoryAccess(new Instruction[] {lea, push}));
    }
}
