package dev.lstar.translator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lstar.runtime.Vendor;
import dev.lstar.runtime.interp.Block;
import dev.lstar.runtime.interp.BlockCache;
import dev.lstar.runtime.setup.BareMachine;
import dev.lstar.runtime.setup.PageTables;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * With several CPUs ({@code PhysicalMemory.smp}) translated code keeps its guest loads in program
 * order: each is followed by {@code VarHandle.loadLoadFence()}, which the JVM's compiler may not
 * move loads across (x86-TSO forbids load-load reordering; on an x86 host the fence costs no
 * instruction). One CPU: no fences.
 */
class SmpLoadOrderTest {
    static final long CODE = 0x400000;
    /** mov (%rdi),%rax; mov 8(%rdi),%rbx; add 16(%rdi),%rax (a load feeding an ALU op); ret */
    static final byte[] CODE_BYTES = HexFormat.of().parseHex("488b07488b5f08480347 10c3".replace(" ", ""));

    static int fences(boolean smp) {
        BareMachine bm = BareMachine.create(Vendor.INTEL, 16 << 20, false, 3);
        bm.map(CODE, 4096, PageTables.US);
        bm.poke(CODE, CODE_BYTES);
        bm.machine.phys.smp = smp;
        Block b = new BlockCache(bm.machine).lookup(CODE);
        MethodEmitter g = new MethodEmitter(new Block[] {b}, false, false);
        g.ordered = bm.machine.phys.smp;
        int[] n = {0};
        new org.objectweb.asm.ClassReader(BlockCompiler.generateClass(g)).accept(new org.objectweb.asm.ClassVisitor(org.objectweb.asm.Opcodes.ASM9) {
            @Override
            public org.objectweb.asm.MethodVisitor visitMethod(int access, String name, String desc, String sig, String[] ex) {
                return new org.objectweb.asm.MethodVisitor(org.objectweb.asm.Opcodes.ASM9) {
                    @Override
                    public void visitMethodInsn(int op, String owner, String m, String d, boolean itf) {
                        if (owner.equals("java/lang/invoke/VarHandle") && m.equals("loadLoadFence")) n[0]++;
                    }
                };
            }
        }, 0);
        return n[0];
    }

    @Test
    void everyGuestLoadIsFencedOnlyWithSeveralCpus() {
        assertEquals(0, fences(false), "one CPU: plain loads");
        int n = fences(true);
        assertTrue(n >= 3, "several CPUs: a fence after each of the three data loads (and the return's pop), got " + n);
    }
}
