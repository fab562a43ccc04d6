package dev.lstar.kernel;

import dev.lstar.decoder.Decoder;
import dev.lstar.decoder.Disassembler;
import dev.lstar.decoder.Instruction;
import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.CpuException;
import dev.lstar.runtime.mem.Mmu;

/**
 * The C side of exception entry, {@code do_exception(regs, vector, error_code)}: demand paging for
 * user page faults inside a VMA; for any other user-mode exception, the signal Linux would send,
 * delivered on the way out (a handler's frame, or the default action); for the reschedule
 * interrupt, only that exit work; for a kernel-mode exception, an oops report and
 * the end of the process (Linux's die() → make_task_dead). The bad-IRET case has already been
 * turned into a user-mode fault by the guest's error_entry.
 */
final class ExceptionHandler {
    private final LinuxKernel k;
    long delivered, pageFaultsHandled;
    private final Vsyscall vsyscall;

    ExceptionHandler(LinuxKernel k) {
        this.k = k;
        this.vsyscall = new Vsyscall(k);
    }

    void doException() {
        long regs = cpu().r[Cpu.RDI];
        int vector = (int) cpu().r[Cpu.RSI];
        int error = (int) cpu().r[Cpu.RDX];
        delivered++;
        long cs = mmu().readSys64(regs + PtRegs.CS);
        long ip = mmu().readSys64(regs + PtRegs.IP);
        boolean user = (cs & 3) == 3;
        if (user) {
            if (vector == Signals.RESCHEDULE_VECTOR) {
                // the interrupt that ends a time slice or brings a signal posted meanwhile: only the exit work
                if (k.sched.needResched()) k.sched.yield(k.current);
                k.signals.exitToUserMode(regs);
                return;
            }
            if (vector == CpuException.PF && k.process.mm.handleFault(cpu().cr2, error)) {
                pageFaultsHandled++;
                if (k.signals.hasReady()) k.signals.exitToUserMode(regs);
                return;
            }
            if (k.exit != null) return; // the page could not be populated: the OOM killer ended the process
            if (vector == CpuException.PF && vsyscall.handle(regs, error, cpu().cr2)) return;
            String what = describe(vector, error, vector == CpuException.PF ? cpu().cr2 : 0);
            k.signals.fault(vector, error, ip, cpu().cr2, String.format("(%s) at rip 0x%x: %s", what, ip, disassemble(ip)));
            k.signals.exitToUserMode(regs);
            return;
        }
        k.killProcess(ExitStatus.oops(oopsReport(regs, vector, error, ip), Signal.SIGSEGV));
    }

    private static String describe(int vector, int error, long addr) {
        StringBuilder sb = new StringBuilder(CpuException.vectorName(vector));
        boolean hasError = vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 || vector == 21;
        if (hasError) sb.append("(0x").append(Integer.toHexString(error)).append(')');
        if (vector == CpuException.PF) sb.append(" at 0x").append(Long.toHexString(addr));
        return sb.toString();
    }

    /** The instruction at {@code ip} in AT&T syntax, or why it cannot be shown. */
    String disassemble(long ip) {
        if (!cpu().canonical(ip)) return "(non-canonical address)";
        try {
            Instruction insn = Decoder.decode(a -> {
                long pa = mmu().peek(a);
                if (pa < 0) throw new IllegalStateException("unmapped");
                return mmu().phys().read8(pa);
            }, ip, new Instruction());
            return Disassembler.format(insn);
        } catch (RuntimeException e) {
            return "(instruction bytes not mapped)";
        }
    }

    /** A Linux-style oops: the exception, where (symbolised), and the pt_regs dump. */
    private String oopsReport(long regs, int vector, int error, long ip) {
        StringBuilder sb = new StringBuilder();
        sb.append("kernel oops: ").append(describe(vector, error, cpu().cr2)).append(" in ring 0");
        sb.append("\n  RIP: 0x").append(Long.toHexString(ip)).append(" <").append(symbolize(ip)).append(">: ").append(disassemble(ip));
        long sp = mmu().readSys64(regs + PtRegs.SP);
        sb.append("\n  RSP: 0x").append(Long.toHexString(sp));
        if (sp >= 0 && sp < k.process.mm.taskSizeMax) sb.append("  <- a user-space stack pointer in ring 0");
        sb.append("\n  GS.base 0x").append(Long.toHexString(cpu().segBase[Cpu.GS]))
                .append(cpu().segBase[Cpu.GS] == LinuxKernel.PERCPU_LA ? " (kernel per-CPU)" : " (user's: swapgs already done)");
        sb.append("  CR3 0x").append(Long.toHexString(cpu().cr3));
        for (int i = 0; i < PtRegs.NAMES.length; i++) {
            sb.append(i % 4 == 0 ? "\n  " : "  ");
            sb.append(String.format("%-7s 0x%016x", PtRegs.NAMES[i], mmu().readSys64(regs + i * 8L)));
        }
        return sb.toString();
    }

    private String symbolize(long ip) {
        String sym = k.image.symbolize(ip);
        return sym == null ? "?" : sym;
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
