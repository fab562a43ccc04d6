package dev.lstar.translator.hooks;

import static dev.lstar.api.Guest.*;

import dev.lstar.api.Emulator;
import dev.lstar.api.Perm;
import dev.lstar.translator.JitEngine;
import dev.lstar.translator.LockstepEngine;

/**
 * Guest code for the hook tests under the translator's engines, assembled with GNU as (x86-64,
 * AT&amp;T) and linked at 0x400000; the listing is next to each image. The programs shared with
 * the runtime's API tests ({@code LOOP}, {@code MEM}, {@code INTR}, {@code INSN}, {@code TWO_*})
 * come from its {@link dev.lstar.api.Guest}.
 */
final class HookGuest {
    private HookGuest() {}

    /**
     * Memory operands, partial registers, fused and unfused conditions, stack, call/ret:
     * <pre>
     * 400000: mov $0x600000,%rsi      400007: mov $5,%ecx
     * 40000c: mov (%rsi),%rax         40000f: add %rcx,%rax        400012: mov %rax,(%rsi)
     * 400015: cmp $3,%rcx             400019: setb %dl             40001c: cmovae %rcx,%rdi
     * 400020: mov %al,%bh             400022: imul $7,%rax,%r8     400026: shl $3,%r8
     * 40002a: push %r8                40002c: call 40003c
     * 400031: pop %r9                 400033: inc %r10             400036: sub $1,%ecx
     * 400039: jne 40000c              40003b: nop   (done)
     * 40003c: xor %r11,%r11           40003f: add %r9,%r11         400042: addw $3,8(%rsi)
     * 400047: ret
     * </pre>
     */
    static final byte[] MIX = hex("48c7c600006000b905000000488b064801c84889064883f9030f92c2480f43f988c74c6bc00749c1e0034150"
            + "e80b000000415949ffc283e90175d1904d31db4d01cb6683460803c3");
    static final long MIX_DONE = 0x40003b;

    /**
     * Instructions the JIT hands to the interpreter ({@code Exec}) inside hooked blocks:
     * <pre>
     * 400000: mov $0x600000,%rdi   400007: mov $1,%eax     40000c: cpuid        40000e: xchg %rax,%rbx
     * 400010: bswap %rcx           400013: mov $4,%ecx     400018: rep stos %al,(%rdi)
     * 40001a: btc $3,%rdx          40001f: xadd %rax,(%rdi) 400023: add %rax,%rdx  400026: nop (done)
     * </pre>
     */
    static final byte[] FALLBACKS = hex("48c7c700006000b8010000000fa24893480fc9b904000000f3aa480fbafa03480fc1074801c290");
    static final long FALLBACKS_DONE = 0x400026;

    /** loop: mov $39,%eax; syscall; dec %rcx; jnz loop; nop (0x40000c). */
    static final byte[] SYSLOOP = hex("b8270000000f0548ffc975f490");
    static final long SYSLOOP_DONE = 0x40000c;

    /** These tests are about translated code: every block is translated at its first execution. */
    static Emulator eager(Emulator emu) {
        if (emu.engine() instanceof JitEngine j) j.setCompileThreshold(1);
        return emu;
    }

    /** A ring-3 emulator on {@code engine} with {@code code} at CODE (r-x), data at DATA and a 16 KiB stack. */
    static Emulator jitUser(String engine, byte[] code) {
        Emulator emu = eager(user(engine, code));
        emu.map(DATA, 0x1000, Perm.READ | Perm.WRITE);
        return emu;
    }

    static Emulator threePages(String engine) {
        Emulator emu = eager(Emulator.builder().flatUserMode().engine(engine).build());
        emu.map(CODE, 0x3000, Perm.READ | Perm.EXEC);
        emu.write(CODE, TWO_A);
        emu.write(CODE + 0x1000, TWO_B);
        emu.write(CODE + 0x2000, TWO_C);
        return emu;
    }

    /** The JIT behind an emulator built with "jit" or "lockstep". */
    static JitEngine jit(Emulator emu) {
        return emu.engine() instanceof LockstepEngine l ? l.jit() : (JitEngine) emu.engine();
    }

    /** Lockstep found no difference (a no-op for "jit"). */
    static void noDivergence(Emulator emu) {
        if (emu.engine() instanceof LockstepEngine l && l.divergence() != null) {
            throw new AssertionError(l.divergence());
        }
    }
}
