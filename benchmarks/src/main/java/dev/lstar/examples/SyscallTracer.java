package dev.lstar.examples;

import dev.lstar.api.Emulator;
import dev.lstar.api.Perm;
import dev.lstar.api.Reg;
import dev.lstar.api.StopInfo;
import dev.lstar.runtime.Vendor;
import dev.lstar.runtime.sys.Msrs;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * Example: a system-call tracer on a bare machine. Ring-3 guest code makes real SYSCALLs; the
 * processor switches to ring 0 at IA32_LSTAR, where a one-instruction ring-0 "kernel"
 * ({@code sysretq}) sits. A code hook on that single address (the only hooked block: everything
 * else runs at full speed) prints each call with the privilege level the CPU is really at, and
 * implements write/getpid/exit in Java before the guest's SYSRETQ returns to ring 3.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar dev.lstar.examples.SyscallTracer [amd]}
 */
public final class SyscallTracer {
    private SyscallTracer() {}

    static final long USER = 0x400000, KERNEL = 0xffff_ffff_8100_0000L, STACK_TOP = 0x7ff000;

    /**
     * <pre>
     * 400000: mov $1,%eax; mov $1,%edi; lea msg(%rip),%rsi; mov $18,%edx; syscall   write(1, msg, 18)
     * 400018: mov $39,%eax; syscall                                                 getpid()
     * 40001f: mov %rax,%rbx; mov $60,%eax; mov $7,%edi; syscall                     exit(7)
     * 40002e: ud2
     * 400030: msg: "hello from ring 3\n"
     * </pre>
     */
    static final byte[] USER_CODE = HexFormat.of().parseHex(
            "b801000000bf01000000488d351f000000ba120000000f05b8270000000f054889c3b83c000000bf070000000f050f0b"
                    + "68656c6c6f2066726f6d2072696e6720330a");
    /** kentry: sysretq. */
    static final byte[] KERNEL_CODE = HexFormat.of().parseHex("480f07");

    public static void main(String[] args) {
        Vendor vendor = args.length > 0 && args[0].equalsIgnoreCase("amd") ? Vendor.AMD : Vendor.INTEL;
        Emulator emu = Emulator.builder().vendor(vendor).flatUserMode().build();
        emu.map(USER, 0x1000, Perm.READ | Perm.EXEC);
        emu.write(USER, USER_CODE);
        emu.map(STACK_TOP - 0x4000, 0x4000, Perm.READ | Perm.WRITE);
        emu.regWrite(Reg.RSP, STACK_TOP);
        emu.map(KERNEL, 0x1000, Perm.READ | Perm.EXEC | Perm.SUPERVISOR); // ring 3 cannot touch it
        emu.write(KERNEL, KERNEL_CODE);

        // what Linux's syscall_init() programs: SYSCALL enters CS 0x10/SS 0x18, SYSRET returns to 0x33/0x2b
        emu.msrWrite(Msrs.STAR, 0x0023_0010_0000_0000L);
        emu.msrWrite(Msrs.LSTAR, KERNEL);
        emu.msrWrite(Msrs.FMASK, 0x47700); // TF DF IF IOPL AC NT cleared on entry

        int[] exitCode = {-1};
        emu.hookCode(KERNEL, KERNEL, (e, address, size) -> {
            long nr = e.regRead(Reg.RAX), a0 = e.regRead(Reg.RDI), a1 = e.regRead(Reg.RSI), a2 = e.regRead(Reg.RDX);
            String call;
            long ret;
            switch ((int) nr) {
                case 1 -> {
                    String text = new String(e.read(a1, (int) a2), StandardCharsets.UTF_8);
                    call = "write(" + a0 + ", \"" + text.replace("\n", "\\n") + "\", " + a2 + ")";
                    System.out.print(text);
                    ret = a2;
                }
                case 39 -> { call = "getpid()"; ret = 4242; }
                case 60 -> {
                    call = "exit(" + a0 + ")";
                    exitCode[0] = (int) a0;
                    ret = 0;
                    e.stop();
                }
                default -> { call = "syscall_" + nr + "()"; ret = -38; } // -ENOSYS
            }
            System.out.printf("  [cpl %d, cs 0x%x, from rip 0x%x] %s = %d%n",
                    e.regRead(Reg.CPL), e.regRead(Reg.CS), e.regRead(Reg.RCX), call, ret);
            e.regWrite(Reg.RAX, ret);
        });

        StopInfo s = emu.start(USER, Emulator.NO_UNTIL, 1_000_000, 0);
        System.out.println("stopped: " + s);
        System.out.println("guest exit code " + exitCode[0] + ", rbx (getpid result) = " + emu.regRead(Reg.RBX)
                + ", stopped in ring " + emu.regRead(Reg.CPL) + " (inside the exit call)");
        if (exitCode[0] != 7 || emu.regRead(Reg.RBX) != 4242) {
            System.err.println("unexpected result");
            System.exit(1);
        }
    }
}
