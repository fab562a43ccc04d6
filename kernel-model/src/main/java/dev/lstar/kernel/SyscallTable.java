package dev.lstar.kernel;

import static dev.lstar.kernel.Errno.*;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.mem.Mmu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

/**
 * The C side of the system-call path: {@code do_syscall_64} and {@code do_int80_syscall_32} of
 * Linux 6.6 (arch/x86/entry/common.c) and the system calls lstar implements. Unimplemented
 * numbers return -ENOSYS with a one-line warning (once per number).
 */
public final class SyscallTable {
    /** NR_syscalls of the 64-bit table in 6.6 (highest entry 453, map_shadow_stack). */
    public static final int NR_SYSCALLS = 454;
    /** IA32_NR_syscalls in 6.6 (highest i386 entry 452, fchmodat2). */
    public static final int IA32_NR_SYSCALLS = 453;
    public static final int X32_SYSCALL_BIT = 0x4000_0000;

    /** A system call body: six raw argument registers in, the return value (or -errno) out. */
    @FunctionalInterface
    public interface Impl {
        long call(long a0, long a1, long a2, long a3, long a4, long a5);
    }

    /**
     * One table entry. {@code args}, if not null, says how strace shows each argument: d fd, s path
     * string, O open flags, o octal mode, a AT_* flags, w lseek whence, p pointer, u unsigned,
     * n signed number, i a C int (the low 32 bits, signed), x hex; the symbolic ones of
     * {@link StraceFormat#arg} (access modes, fcntl commands, ioctl requests, futex and prctl
     * operations, clocks, rlimits, the flags of pipe2/dup3/eventfd2/memfd_create/...).
     */
    record Entry(String name, int nargs, String args, Impl impl) {}

    private final LinuxKernel k;
    private final Entry[] x64 = new Entry[NR_SYSCALLS];
    private final Entry[] ia32 = new Entry[IA32_NR_SYSCALLS];
    private final Set<Integer> warned = new HashSet<>();
    private final Syscalls impl;
    final FileSyscalls files;

    SyscallTable(LinuxKernel k) {
        this.k = k;
        this.impl = new Syscalls(k);
        impl.register(this);
        new MemorySyscalls(k).register(this);
        this.files = new FileSyscalls(k);
        files.register(this);
        k.signalSyscalls.register(this);
        new PollSyscalls(k).register(this);
        new ProcessSyscalls(k).register(this);
        new TaskSyscalls(k).register(this);
    }

    void x64(int nr, String name, int nargs, Impl f) {
        x64[nr] = new Entry(name, nargs, null, f);
    }

    void x64(int nr, String name, String args, Impl f) {
        x64[nr] = new Entry(name, args.length(), args, f);
    }

    void ia32(int nr, String name, int nargs, Impl f) {
        ia32[nr] = new Entry(name, nargs, null, f);
    }

    /** The name of 64-bit system call {@code nr} in this table, or null (for tests). */
    String x64Name(int nr) {
        return x64[nr] == null ? null : x64[nr].name;
    }

    /**
     * The 64-bit system-call table as Markdown (docs/SYSCALLS.md is this text): every number of
     * Linux 6.6's table with its name and whether lstar implements it (the Java class that does)
     * or answers -ENOSYS with a warning.
     */
    String markdownTable() {
        StringBuilder sb = new StringBuilder();
        int implemented = 0;
        for (int nr = 0; nr < NR_SYSCALLS; nr++) if (x64[nr] != null) implemented++;
        sb.append("# System calls\n\n");
        sb.append("Generated from the kernel model's table (`SyscallTableDocTest`; regenerate with\n");
        sb.append("`mvn -o test -pl kernel-model -am -Dtest=SyscallTableDocTest -Dlstar.regen=true`).\n");
        sb.append(implemented).append(" of the ").append(NR_SYSCALLS).append(" numbers of Linux 6.6's 64-bit table are implemented; every other number returns\n-ENOSYS with one warning line per number. Argument checks and errno values follow Linux 6.6;\nwhat each call models is in the Javadoc of the class.\n\n");
        sb.append("| nr | name | status |\n|---:|---|---|\n");
        for (int nr = 0; nr < NR_SYSCALLS; nr++) {
            String name = SyscallNames.x64(nr);
            if (x64[nr] == null && (name == null || name.startsWith("syscall_"))) continue; // unassigned numbers
            String status = x64[nr] == null ? "-ENOSYS" : "implemented (" + owner(x64[nr].impl()) + ")";
            sb.append("| ").append(nr).append(" | ").append(x64[nr] != null ? x64[nr].name() : name).append(" | ").append(status).append(" |\n");
        }
        return sb.toString();
    }

    /** The class whose lambda implements a call: Syscalls, FileSyscalls, SignalSyscalls... */
    private static String owner(Impl impl) {
        String n = impl.getClass().getName();
        int lambda = n.indexOf("$$Lambda");
        if (lambda > 0) n = n.substring(0, lambda);
        return n.substring(n.lastIndexOf('.') + 1);
    }

    /** Calls 64-bit system call {@code nr} directly, as do_syscall_64 would (for tests). */
    long call(int nr, long... a) {
        long[] r = java.util.Arrays.copyOf(a, 6);
        return x64[nr].impl.call(r[0], r[1], r[2], r[3], r[4], r[5]);
    }

    /**
     * Replaces (or adds) a 64-bit system call. For embedders and tests that need a syscall lstar
     * does not have (e.g. one that rewrites pt_regs the way sigreturn would). {@code nargs} is how
     * many argument registers the call reads (the others arrive as 0), as in the syscall tables.
     */
    public void override(int nr, String name, int nargs, Impl f) {
        if (nr < 0 || nr >= NR_SYSCALLS) {
            throw new IllegalArgumentException("system call " + nr + " is outside Linux 6.6's 64-bit table (0.." + (NR_SYSCALLS - 1) + ")");
        }
        x64[nr] = new Entry(name, nargs, null, f);
    }

    /** The pt_regs of the current system call (valid while one runs). */
    public long currentRegs() {
        return currentRegs;
    }

    private long currentRegs;

    long reg(long regs, int off) {
        return mmu().readSys64(regs + off);
    }

    void setReg(long regs, int off, long v) {
        mmu().writeSys64(regs + off, v);
    }

    /**
     * do_syscall_64(regs, nr): nr arrives as a signed int (the entry code's movslq), is compared
     * unsigned against NR_syscalls, the x32 range is not configured, anything else is -ENOSYS;
     * the result goes to regs->ax.
     */
    void doSyscall64() {
        long regs = cpu().r[Cpu.RDI];
        int nr = (int) cpu().r[Cpu.RSI];
        currentRegs = regs;
        k.syscallCount++;
        long ret;
        Entry e = Integer.compareUnsigned(nr, NR_SYSCALLS) < 0 ? x64[nr] : null;
        // like the __x64_sys_* wrappers, read from pt_regs only the arguments the call takes
        int n = e == null || k.config.strace() ? 6 : e.nargs;
        long a0 = n > 0 ? reg(regs, PtRegs.DI) : 0, a1 = n > 1 ? reg(regs, PtRegs.SI) : 0, a2 = n > 2 ? reg(regs, PtRegs.DX) : 0,
                a3 = n > 3 ? reg(regs, PtRegs.R10) : 0, a4 = n > 4 ? reg(regs, PtRegs.R8) : 0, a5 = n > 5 ? reg(regs, PtRegs.R9) : 0;
        if (e != null) {
            ret = e.impl.call(a0, a1, a2, a3, a4, a5);
        } else if (nr == -1) {
            return; // "skip the syscall": regs->ax keeps -ENOSYS
        } else {
            ret = -ENOSYS;
            warnOnce(nr, Integer.compareUnsigned(nr, NR_SYSCALLS) < 0 ? "64-bit system call " + nr + " (" + SyscallNames.x64(nr) + ")" : "system call number " + Integer.toUnsignedString(nr) + (nr - X32_SYSCALL_BIT >= 0 && nr - X32_SYSCALL_BIT < 548 ? " (x32 ABI, not configured)" : " (out of range)"));
        }
        if (k.config.strace()) strace(e == null ? SyscallNames.x64(nr) : e.name, e == null ? 6 : e.nargs, e == null ? null : e.args, new long[] {a0, a1, a2, a3, a4, a5}, ret);
        if (k.exit == null) setReg(regs, PtRegs.AX, ret);
        exitToUserMode(regs, ret);
    }

    /**
     * syscall_exit_to_user_mode's work: schedule() when the time slice is over, then the signals
     * (after a switch, those of the task that was scheduled out are delivered when it comes back).
     */
    private void exitToUserMode(long regs, long ret) {
        if (k.sched.needResched() && k.exit == null) k.sched.yield(k.current);
        if (k.signals.exitWork(ret)) k.signals.exitToUserMode(regs);
    }

    /**
     * do_int80_syscall_32(regs): the i386 ABI — number in eax (orig_ax), arguments in ebx, ecx,
     * edx, esi, edi, ebp, each truncated to 32 bits; the result in regs->ax.
     */
    void doInt80Syscall32() {
        long regs = cpu().r[Cpu.RDI];
        currentRegs = regs;
        k.syscallCount++;
        int nr = (int) reg(regs, PtRegs.ORIG_AX);
        long a0 = reg(regs, PtRegs.BX) & 0xFFFF_FFFFL, a1 = reg(regs, PtRegs.CX) & 0xFFFF_FFFFL,
                a2 = reg(regs, PtRegs.DX) & 0xFFFF_FFFFL, a3 = reg(regs, PtRegs.SI) & 0xFFFF_FFFFL,
                a4 = reg(regs, PtRegs.DI) & 0xFFFF_FFFFL, a5 = reg(regs, PtRegs.BP) & 0xFFFF_FFFFL;
        Entry e = Integer.compareUnsigned(nr, IA32_NR_SYSCALLS) < 0 ? ia32[nr] : null;
        long ret;
        if (e != null) {
            ret = e.impl.call(a0, a1, a2, a3, a4, a5);
        } else {
            ret = -ENOSYS;
            warnOnce(0x10000 + nr, "32-bit (int $0x80) system call " + Integer.toUnsignedString(nr));
        }
        if (k.config.strace()) strace("[ia32] " + (e == null ? "syscall_" + Integer.toUnsignedString(nr) : e.name), e == null ? 6 : e.nargs, null, new long[] {a0, a1, a2, a3, a4, a5}, ret);
        if (k.exit == null) setReg(regs, PtRegs.AX, ret);
        exitToUserMode(regs, ret);
    }

    private void warnOnce(int key, String what) {
        if (warned.add(key)) k.config.log().println("lstar: warning: " + what + " is not implemented: returning -ENOSYS");
    }

    private void strace(String name, int nargs, String kinds, long[] a, long ret) {
        StringBuilder sb = new StringBuilder(name).append('(');
        sb.append(StraceFormat.args(kinds, nargs, a, files));
        sb.append(") = ");
        String shown = StraceFormat.ret(name, a, ret);
        if (name.equals("exit") || name.equals("exit_group")) sb.append('?'); // there is no return
        else if (ret <= -Errno.ERESTARTSYS && ret >= -Errno.ERESTART_RESTARTBLOCK) sb.append("? ").append(Errno.name((int) -ret));
        else if (ret < 0 && ret >= -4095) sb.append("-1 ").append(Errno.name((int) -ret));
        else if (shown != null) sb.append(shown);
        else sb.append(ret >= -4096 && ret < 65536 ? Long.toString(ret) : "0x" + Long.toHexString(ret));
        k.config.log().println(k.stracePrefix() + sb);
    }

    /** The CPU of the calling kernel code (this_cpu). */
    private Cpu cpu() {
        return k.cur.cpu;
    }

    /** This CPU's MMU (the current task's address space is loaded in it). */
    private Mmu mmu() {
        return k.cur.cpu.mmu;
    }
}
