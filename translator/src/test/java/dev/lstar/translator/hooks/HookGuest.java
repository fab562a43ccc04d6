package dev.lstar.translator.hooks;

import dev.lstar.api.Emulator;
import dev.lstar.api.Perm;
import dev.lstar.api.Reg;
import dev.lstar.translator.JitEngine;
import dev.lstar.translator.LockstepEngine;

import java.util.HexFormat;

/**
 * Guest code for the hook tests under the translator's engines, assembled with GNU as (x86-64,
 * AT&amp;T) and linked at 0x400000; the listing is next to each image. (The same programs as the
 * runtime's API tests, so that results can be compared with the interpreter's.)
 */
final class HookGuest {
    private HookGuest() {}

    static final long CODE = 0x400000, STACK_TOP = 0x7ff000, DATA = 0x600000;

    static byte[] hex(String s) {
        return HexFormat.of().parseHex(s);
    }

    /**
     * xorshift64 step summed into rbx, rcx iterations (12 instructions per iteration):
     * <pre>
     * 400000: mov %rax,%rdx   400003: shl $13,%rdx  400007: xor %rdx,%rax  40000a: mov %rax,%rdx
     * 40000d: shr $7,%rdx     400011: xor %rdx,%rax 400014: mov %rax,%rdx  400017: shl $17,%rdx
     * 40001b: xor %rdx,%rax   40001e: add %rax,%rbx 400021: dec %rcx       400024: jnz 400000
     * 400026: nop             (done)
     * </pre>
     */
    static final byte[] LOOP = hex("4889c248c1e20d4831d04889c248c1ea074831d04889c248c1e2114831d04801c348ffc975da90");
    static final long LOOP_DONE = 0x400026;

    /** The same loop in Java: {rax, rbx} after {@code n} iterations from {@code seed}. */
    static long[] xorshift(long seed, long n) {
        long a = seed, b = 0;
        for (long k = 0; k < n; k++) {
            a ^= a << 13;
            a ^= a >>> 7;
            a ^= a << 17;
            b += a;
        }
        return new long[] {a, b};
    }

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

    /**
     * <pre>
     * 400000: 48 8b 06       mov (%rsi),%rax
     * 400003: 48 83 c0 01    add $1,%rax
     * 400007: 48 89 46 08    mov %rax,8(%rsi)
     * 40000b: 50             push %rax
     * 40000c: 5b             pop %rbx
     * 40000d: 90             nop   (done)
     * </pre>
     */
    static final byte[] MEM = hex("488b064883c00148894608505b90");
    static final long MEM_DONE = 0x40000d;

    /**
     * <pre>
     * 400000: cd 80            int $0x80
     * 400002: bb 05 00 00 00   mov $5,%ebx
     * 400007: cc               int3
     * 400008: 83 c3 01         add $1,%ebx
     * 40000b: 0f 0b            ud2
     * </pre>
     */
    static final byte[] INTR = hex("cd80bb05000000cc83c3010f0b");

    /**
     * <pre>
     * 400000: 0f a2 cpuid    400002: mov %eax,%r8d   400005: 0f 31 rdtsc  400007: mov %eax,%r9d
     * 40000a: 0f 05 syscall  40000c: mov %eax,%r10d  40000f: cd 80 int $0x80  400011: mov %eax,%r11d
     * 400014: 0f 34 sysenter 400016: mov %eax,%r12d  400019: 0f 32 rdmsr  40001b: mov %eax,%r13d
     * 40001e: 0f 30 wrmsr    400020: nop (done)
     * </pre>
     */
    static final byte[] INSN = hex("0fa24189c00f314189c10f054189c2cd804189c30f344189c40f324189c50f3090");
    static final long INSN_DONE = 0x400020;

    /** loop: mov $39,%eax; syscall; dec %rcx; jnz loop; nop (0x40000c). */
    static final byte[] SYSLOOP = hex("b8270000000f0548ffc975f490");
    static final long SYSLOOP_DONE = 0x40000c;

    /**
     * Three blocks on three pages:
     * <pre>
     * 400000: add $1,%rax   400004: add $2,%rax   400008: jmp 401000
     * 401000: add $3,%rbx   401004: add $4,%rbx   401008: add $5,%rbx   40100c: jmp 402000
     * 402000: add $6,%rcx   402004: nop (done)
     * </pre>
     */
    static final byte[] TWO_A = hex("4883c0014883c002e9f30f0000");
    static final byte[] TWO_B = hex("4883c3034883c3044883c305e9ef0f0000");
    static final byte[] TWO_C = hex("4883c10690");
    static final long TWO_DONE = 0x402004;

    /** A ring-3 emulator on {@code engine} with {@code code} at CODE (r-x), data at DATA and a 16 KiB stack. */
    /** These tests are about translated code: every block is translated at its first execution. */
    static Emulator eager(Emulator emu) {
        if (emu.engine() instanceof JitEngine j) j.setCompileThreshold(1);
        return emu;
    }

    static Emulator user(String engine, byte[] code) {
        Emulator emu = eager(Emulator.builder().flatUserMode().engine(engine).build());
        emu.map(CODE, (code.length + 0xFFF) & ~0xFFFL, Perm.READ | Perm.EXEC);
        emu.write(CODE, code);
        emu.map(DATA, 0x1000, Perm.READ | Perm.WRITE);
        emu.map(STACK_TOP - 0x4000, 0x4000, Perm.READ | Perm.WRITE);
        emu.regWrite(Reg.RSP, STACK_TOP);
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
