package dev.lstar.kernel;

import dev.lstar.runtime.mem.Mmu;

/**
 * The legacy vsyscall page at 0xffffffffff600000 in Linux 6.6's default mode,
 * {@code vsyscall=xonly} (CONFIG_LEGACY_VSYSCALL_XONLY): the page is not mapped; an instruction
 * fetch from it faults, and the #PF handler emulates the three legacy entry points —
 * gettimeofday at +0x000, time at +0x400, getcpu at +0x800 — as the system calls they stand for,
 * then returns to the caller as {@code ret} would (arch/x86/entry/vsyscall/vsyscall_64.c
 * emulate_vsyscall). A read of the page is an ordinary SIGSEGV (SEGV_MAPERR); a call to any other
 * address in it, a stack whose return address cannot be read, or a bad pointer argument is a
 * SIGSEGV as well. /proc/self/maps shows the page as {@code [vsyscall]} with {@code --x}.
 */
final class Vsyscall {
    static final long ADDR = 0xFFFF_FFFF_FF60_0000L;
    static final String MAPS_LINE = "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n";
    private static final int PF_INSTR = 0x10, PF_USER = 4, PF_WRITE = 2;
    private static final int NR_GETTIMEOFDAY = 96, NR_TIME = 201, NR_GETCPU = 309;

    private final LinuxKernel k;
    private boolean warnedRead;

    Vsyscall(LinuxKernel k) {
        this.k = k;
    }

    /**
     * A user #PF at {@code addr} with {@code error}: true if it was the vsyscall page and is dealt
     * with (emulated, or a signal forced); false for the ordinary fault path (which sends SIGSEGV).
     */
    boolean handle(long regs, int error, long addr) {
        if ((addr & ~0xFFFL) != ADDR) return false;
        if ((error & PF_INSTR) == 0) {
            if (!warnedRead) {
                warnedRead = true;
                k.config.log().println("lstar: vsyscall read attempt denied (vsyscall=xonly, Linux 6.6's default)");
            }
            return false;
        }
        long ip = mmu().readSys64(regs + PtRegs.IP), sp = mmu().readSys64(regs + PtRegs.SP);
        long off = addr - ADDR;
        if ((off & ~0xC00L) != 0 || off == 0xC00) return sigsegv(regs, "misaligned vsyscall at 0x" + Long.toHexString(addr));
        AddressSpace mm = k.process.mm;
        byte[] ret = new byte[8];
        if (!mm.copyFromUser(sp, ret, 0, 8)) return sigsegv(regs, "vsyscall with bad stack");
        long caller = Syscalls.le64(ret, 0);
        long di = mmu().readSys64(regs + PtRegs.DI), si = mmu().readSys64(regs + PtRegs.SI), dx = mmu().readSys64(regs + PtRegs.DX);
        int nr = (int) (off >>> 10);
        long result;
        switch (nr) {
            case 0 -> {
                if (!writeOk(regs, di, 16) || !writeOk(regs, si, 8)) return true;
                result = k.syscalls.call(NR_GETTIMEOFDAY, di, si);
            }
            case 1 -> {
                if (!writeOk(regs, di, 8)) return true;
                result = k.syscalls.call(NR_TIME, di);
            }
            default -> {
                if (!writeOk(regs, di, 4) || !writeOk(regs, si, 4)) return true;
                // getcpu(cpu, node, cache): the calling CPU, node 0 (as the vDSO says)
                result = (di == 0 || putU32(mm, di, k.cur.id)) && (si == 0 || putU32(mm, si, 0)) ? 0 : -Errno.EFAULT;
            }
        }
        k.vdso.publish(); // as after any system call: the vDSO is never behind it
        if (result == -Errno.EFAULT) return sigsegv(regs, "vsyscall fault (a bad pointer)");
        mmu().writeSys64(regs + PtRegs.ORIG_AX, nr == 0 ? NR_GETTIMEOFDAY : nr == 1 ? NR_TIME : NR_GETCPU);
        mmu().writeSys64(regs + PtRegs.AX, result);
        mmu().writeSys64(regs + PtRegs.IP, caller);
        mmu().writeSys64(regs + PtRegs.SP, sp + 8);
        if (k.signals.hasReady()) k.signals.exitToUserMode(regs);
        return true;
    }

    private static boolean putU32(AddressSpace mm, long a, int v) {
        return mm.copyToUser(a, new byte[] {(byte) v, (byte) (v >> 8), (byte) (v >> 16), (byte) (v >> 24)}, 0, 4);
    }

    /** write_ok_or_segv: a pointer argument outside user space is a SIGSEGV (SEGV_MAPERR at it), as for a write fault there. */
    private boolean writeOk(long regs, long ptr, int size) {
        long end = ptr + size;
        if (Long.compareUnsigned(ptr, k.process.mm.taskSizeMax) < 0 && Long.compareUnsigned(end, k.process.mm.taskSizeMax) <= 0
                && Long.compareUnsigned(end, ptr) >= 0) {
            return true;
        }
        Signals s = k.signals;
        s.trapNr = 14;
        s.errorCode = PF_USER | PF_WRITE;
        s.faultAddress = ptr;
        s.force(Signals.Info.fault(Signal.SIGSEGV.number, Signals.SEGV_MAPERR, ptr,
                String.format("(a vsyscall's pointer argument 0x%x is outside user space)", ptr)));
        k.signals.exitToUserMode(regs);
        return false;
    }

    /** The "sigsegv:" exit of emulate_vsyscall: force_sig(SIGSEGV) (si_code SI_KERNEL), the registers untouched. */
    private boolean sigsegv(long regs, String why) {
        k.signals.force(Signals.Info.of(Signal.SIGSEGV.number, Signals.SI_KERNEL, 0, 0, "(" + why + ")"));
        k.signals.exitToUserMode(regs);
        return true;
    }

    /** This CPU's MMU (the current task's address space is loaded in it). */
    private Mmu mmu() {
        return k.cur.cpu.mmu;
    }
}
