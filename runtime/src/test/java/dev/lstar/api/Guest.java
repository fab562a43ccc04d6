package dev.lstar.api;

import java.util.HexFormat;

/**
 * Guest code for the API tests, assembled with GNU as (x86-64, AT&T) and linked at 0x400000;
 * the listing is next to each image. Public: the translator's tests run the same programs (through
 * this module's test jar).
 */
public final class Guest {
    private Guest() {}

    public static final long CODE = 0x400000, STACK_TOP = 0x7ff000, DATA = 0x600000;

    public static byte[] hex(String s) {
        return HexFormat.of().parseHex(s);
    }

    /**
     * xorshift64 step summed into rbx, rcx iterations (12 instructions per iteration):
     * <pre>
     * 400000: mov %rax,%rdx; shl $13,%rdx; xor %rdx,%rax; mov %rax,%rdx; shr $7,%rdx; xor %rdx,%rax
     *         mov %rax,%rdx; shl $17,%rdx; xor %rdx,%rax; add %rax,%rbx; dec %rcx; jnz 400000
     * 400026: nop                      (done)
     * </pre>
     */
    public static final byte[] LOOP = hex("4889c248c1e20d4831d04889c248c1ea074831d04889c248c1e2114831d04801c348ffc975da90");
    public static final long LOOP_DONE = 0x400026;

    /** The same loop in Java: {rax, rbx} after {@code n} iterations from {@code seed}. */
    public static long[] xorshift(long seed, long n) {
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
     * <pre>
     * 400000: 48 8b 06       mov (%rsi),%rax
     * 400003: 48 83 c0 01    add $1,%rax
     * 400007: 48 89 46 08    mov %rax,8(%rsi)
     * 40000b: 50             push %rax
     * 40000c: 5b             pop %rbx
     * 40000d: 90             nop   (done)
     * </pre>
     */
    public static final byte[] MEM = hex("488b064883c00148894608505b90");
    public static final long MEM_DONE = 0x40000d;

    /**
     * User page at 0x400000, kernel page at 0x401000:
     * <pre>
     * 400000: b8 01 00 00 00  mov $1,%eax
     * 400005: 0f 05           syscall
     * 400007: 49 89 c4        mov %rax,%r12
     * 40000a: b8 02 00 00 00  mov $2,%eax
     * 40000f: 0f 05           syscall
     * 400011: 49 01 c4        add %rax,%r12
     * 400014: 90              nop   (done)
     * 401000: 41 8c ce        mov %cs,%r14d      (kentry)
     * 401003: 48 83 c0 64     add $100,%rax
     * 401007: 48 0f 07        sysretq
     * </pre>
     */
    public static final byte[] SYS_USER = hex("b8010000000f054989c4b8020000000f054901c490");
    public static final byte[] SYS_KERNEL = hex("418cce4883c064480f07");
    public static final long SYS_DONE = 0x400014, SYS_KENTRY = 0x401000;

    /**
     * <pre>
     * 400000: 48 8b 07   mov (%rdi),%rax
     * 400003: 48 89 06   mov %rax,(%rsi)
     * 400006: ff e2      jmp *%rdx
     * </pre>
     */
    public static final byte[] FAULT = hex("488b07488906ffe2");

    /**
     * <pre>
     * 400000: cd 80            int $0x80
     * 400002: bb 05 00 00 00   mov $5,%ebx
     * 400007: cc               int3
     * 400008: 83 c3 01         add $1,%ebx
     * 40000b: 0f 0b            ud2
     * </pre>
     */
    public static final byte[] INTR = hex("cd80bb05000000cc83c3010f0b");

    /**
     * <pre>
     * 400000: 0f a2       cpuid          400002: 41 89 c0  mov %eax,%r8d
     * 400005: 0f 31       rdtsc          400007: 41 89 c1  mov %eax,%r9d
     * 40000a: 0f 05       syscall        40000c: 41 89 c2  mov %eax,%r10d
     * 40000f: cd 80       int $0x80      400011: 41 89 c3  mov %eax,%r11d
     * 400014: 0f 34       sysenter       400016: 41 89 c4  mov %eax,%r12d
     * 400019: 0f 32       rdmsr          40001b: 41 89 c5  mov %eax,%r13d
     * 40001e: 0f 30       wrmsr
     * 400020: 90          nop (done)
     * </pre>
     */
    public static final byte[] INSN = hex("0fa24189c00f314189c10f054189c2cd804189c30f344189c40f324189c50f3090");
    public static final long INSN_DONE = 0x400020;

    /**
     * Three blocks on three pages:
     * <pre>
     * 400000: 48 83 c0 01  add $1,%rax      400004: 48 83 c0 02  add $2,%rax   400008: e9 f3 0f 00 00  jmp 401000
     * 401000: 48 83 c3 03  add $3,%rbx      401004: add $4,%rbx  401008: add $5,%rbx  40100c: e9 ef 0f 00 00  jmp 402000
     * 402000: 48 83 c1 06  add $6,%rcx      402004: 90  nop (done)
     * </pre>
     */
    public static final byte[] TWO_A = hex("4883c0014883c002e9f30f0000");
    public static final byte[] TWO_B = hex("4883c3034883c3044883c305e9ef0f0000");
    public static final byte[] TWO_C = hex("4883c10690");
    public static final long TWO_DONE = 0x402004;

    /** A ring-3 emulator with {@code code} at CODE (r-x) and a 16 KiB stack below STACK_TOP. */
    static Emulator user(byte[] code) {
        return user("interp", code);
    }

    /** As {@link #user(byte[])}, on the engine named {@code engine}. */
    public static Emulator user(String engine, byte[] code) {
        Emulator emu = Emulator.builder().flatUserMode().engine(engine).build();
        emu.map(CODE, (code.length + 0xFFF) & ~0xFFFL, Perm.READ | Perm.EXEC);
        emu.write(CODE, code);
        emu.map(STACK_TOP - 0x4000, 0x4000, Perm.READ | Perm.WRITE);
        emu.regWrite(Reg.RSP, STACK_TOP);
        return emu;
    }
}
