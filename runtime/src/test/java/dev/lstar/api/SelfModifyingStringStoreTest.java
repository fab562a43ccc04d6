package dev.lstar.api;

import static dev.lstar.api.Guest.CODE;
import static org.junit.jupiter.api.Assertions.*;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * A string store (with and without REP) that rewrites the next instruction of its own block: the
 * block must be left after the store ({@code Block.writesMemory} comes from
 * {@code Access.writesMemory}, whose implicit-memory column makes STOS/MOVS writes).
 */
class SelfModifyingStringStoreTest {
    @Test
    void stosRewritingItsOwnBlockRunsTheNewCode() {
        Emulator emu = Emulator.builder().flatUserMode().build();
        emu.map(CODE, 0x1000, Perm.READ | Perm.WRITE | Perm.EXEC);
        emu.write(CODE, HexFormat.of().parseHex(
                "bf09004000" // mov $0x400009,%edi: the imm8 of the mov below
                + "b002" // mov $2,%al
                + "aa" // stosb
                + "b801000000" // mov $1,%eax  ->  mov $2,%eax
                + "eb00")); // jmp .+2: the block ends here, `until` lies outside it
        StopInfo s = emu.start(CODE, CODE + 15);
        assertEquals(StopInfo.Reason.UNTIL_REACHED, s.reason());
        assertEquals(2, emu.regRead(Reg.RAX));
    }

    @Test
    void repStosRewritingItsOwnBlockRunsTheNewCode() {
        Emulator emu = Emulator.builder().flatUserMode().build();
        emu.map(CODE, 0x1000, Perm.READ | Perm.WRITE | Perm.EXEC);
        emu.write(CODE, HexFormat.of().parseHex(
                "bf0f004000" // mov $0x40000f,%edi: the imm8 of the mov below
                + "b002" // mov $2,%al
                + "b901000000" // mov $1,%ecx
                + "f3aa" // rep stosb
                + "b801000000" // mov $1,%eax  ->  mov $2,%eax
                + "eb00")); // jmp .+2
        StopInfo s = emu.start(CODE, CODE + 21);
        assertEquals(StopInfo.Reason.UNTIL_REACHED, s.reason());
        assertEquals(2, emu.regRead(Reg.RAX));
    }
}
