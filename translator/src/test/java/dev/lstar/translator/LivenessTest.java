package dev.lstar.translator;

import static org.junit.jupiter.api.Assertions.*;

import dev.lstar.decoder.ByteSource;
import dev.lstar.decoder.Decoder;
import dev.lstar.decoder.Instruction;
import dev.lstar.decoder.OpcodeTable;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The flag-liveness pass on decoded instruction sequences (encodings from GNU as). */
class LivenessTest {
    static final int ALL = OpcodeTable.OSZAPC, CF = OpcodeTable.CF, ZF = OpcodeTable.ZF;

    static Instruction[] decode(String hex) {
        byte[] code = HexFormat.of().parseHex(hex.replace(" ", ""));
        ByteSource src = la -> code[(int) la];
        List<Instruction> out = new ArrayList<>();
        for (long a = 0; a < code.length; ) {
            Instruction i = new Instruction();
            Decoder.decode(src, a, i);
            out.add(i);
            a += i.length;
        }
        return out.toArray(new Instruction[0]);
    }

    static int[] live(Instruction[] insns) {
        boolean[] opaque = new boolean[insns.length];
        for (int k = 0; k < insns.length; k++) opaque[k] = !InsnTraits.inlinable(insns[k]) || InsnTraits.mayFault(insns[k]);
        return Liveness.liveAfter(insns, opaque);
    }

    @Test
    void xorshiftBody() {
        // mov %rax,%rdx; shl $13,%rdx; xor %rdx,%rax; add %rax,%rbx; dec %rcx; jnz .
        Instruction[] b = decode("4889c2 48c1e20d 4831d0 4801c3 48ffc9 75fe");
        int[] l = live(b);
        assertEquals(0, l[0], "mov writes no flags; shl kills all before anyone reads");
        assertEquals(0, l[1], "shl's flags are overwritten by xor");
        assertEquals(0, l[2], "xor's flags are overwritten by add");
        assertEquals(CF, l[3], "dec keeps CF, so only the add's CF is live");
        assertEquals(ALL, l[4], "jnz reads ZF of dec and the block end makes all live");
        assertEquals(ALL, l[5], "live at the block end");
    }

    @Test
    void exitPointsKeepEveryFlagLive() {
        // add %rdx,(%rcx); xor %eax,%eax -- the store may rewrite code and leave the block right
        // after it (a superblock side exit likewise): the add's own flags must then be exact
        Instruction[] b = decode("480111 31c0");
        boolean[] opaque = {true, false};
        assertEquals(0, Liveness.liveAfter(b, opaque)[0], "no exit: xor kills what the add wrote");
        assertEquals(ALL, Liveness.liveAfter(b, opaque, new boolean[] {true, false})[0]);
        // cmp %rbx,%rax; je .+2 (a side exit); xor %eax,%eax: ZF for je, and all for the exit
        Instruction[] c = decode("4839d8 7400 31c0");
        boolean[] none = new boolean[3];
        assertEquals(ZF, Liveness.liveAfter(c, none)[0], "as the last branch of a block: only ZF");
        assertEquals(ALL, Liveness.liveAfter(c, none, new boolean[] {false, true, false})[0]);
    }

    @Test
    void faultingInstructionKeepsFlagsLive() {
        // add %rdx,%rax; mov %rax,(%rdi); cmp $1,%rax
        Instruction[] b = decode("4801d0 488907 4883f801");
        int[] l = live(b);
        assertEquals(ALL, l[0], "the store may fault: the add's flags must be exact at the fault");
        // without the store, cmp kills everything the add wrote
        int[] l2 = live(decode("4801d0 4883f801"));
        assertEquals(0, l2[0]);
    }

    @Test
    void shiftByClMayNotWrite() {
        // add %rbx,%rax; shl %cl,%rdx; shl $0,%rsi? (imm 0 masks to 0); xor %eax,%eax
        Instruction[] b = decode("4801d8 48d3e2 31c0");
        int[] l = live(b);
        assertEquals(0, l[0] & ALL, "xor kills all; shl by CL in between reads nothing");
        Instruction[] c = decode("4801d8 48d3e2 9c"); // ... pushfq: opaque, reads all
        assertEquals(ALL, live(c)[0], "shl by CL may leave the add's flags in place");
        Instruction[] d = decode("4801d8 48c1e203 9c"); // shl $3: certainly writes all six
        assertEquals(0, live(d)[0] & ALL);
        Instruction[] e = decode("4801d8 48c1e240 9c"); // shl $64: masks to 0, writes nothing
        assertEquals(ALL, live(e)[0]);
    }

    @Test
    void conditionsReadTheirFlags() {
        assertEquals(OpcodeTable.CF | OpcodeTable.ZF, Liveness.condFlags(0x6)); // BE
        assertEquals(OpcodeTable.SF | OpcodeTable.OF, Liveness.condFlags(0xC)); // L
        // cmp %rbx,%rax; cmovb %rcx,%rdx; sub %rsi,%rdi
        int[] l = live(decode("4839d8 480f42d1 4829f7"));
        assertEquals(CF, l[0] & ALL, "cmovb reads CF; sub kills the rest");
    }
}
