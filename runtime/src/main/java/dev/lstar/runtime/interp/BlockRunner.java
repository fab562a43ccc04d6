package dev.lstar.runtime.interp;

import dev.lstar.decoder.Decoder;
import dev.lstar.decoder.Instruction;
import dev.lstar.decoder.OpcodeTable;
import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.CpuException;
import dev.lstar.runtime.Flags;
import dev.lstar.runtime.Machine;
import dev.lstar.runtime.engine.Engine;
import dev.lstar.runtime.engine.RunResult;
import dev.lstar.runtime.engine.StopReason;
import dev.lstar.runtime.engine.UnsupportedFeatureException;
import dev.lstar.runtime.mem.MachineCheckException;
import dev.lstar.runtime.mem.Mmu;
import dev.lstar.runtime.sys.Interrupts;
import dev.lstar.runtime.sys.TripleFault;

/**
 * What every engine shares around the execution of blocks: the stop checks between blocks,
 * interpreted execution of a block (or of its first instructions, when `until`, the budget, RF
 * or single-stepping require it), the hooked and traced variants, native functions, and
 * exception delivery. The interpreter runs every block through here; the JIT runs translated code
 * and comes here for the rest, so the two cannot drift apart on these rules.
 */
public final class BlockRunner {
    private final Machine machine;
    private final Cpu cpu;
    /** The next-instruction address of the instruction that raised the exception being delivered. */
    long pendingNext;
    public long nativeCalls, exceptionsDelivered, singleSteps;

    public BlockRunner(Machine machine) {
        this.machine = machine;
        this.cpu = machine.cpu;
    }

    /** The stop conditions checked between blocks; null to go on. */
    public RunResult checkStop(long start, long limit, long until) {
        Cpu c = cpu;
        while (machine.stopRequested()) {
            // a park request: wait here while another CPU's exclusive section runs (a split lock), then go on
            if (machine.takePark()) {
                machine.phys.exclusive.park();
                continue;
            }
            if (!machine.stopWanted()) continue; // a park request that came in just now
            String msg = machine.takeStop();
            return new RunResult(StopReason.REQUESTED, c.instructions - start, null, 0, msg);
        }
        if (c.instructions >= limit) return RunResult.of(StopReason.BUDGET, c.instructions - start);
        if (c.rip == until && until != Engine.NO_UNTIL) return RunResult.of(StopReason.UNTIL_REACHED, c.instructions - start);
        if (c.halted) return new RunResult(StopReason.HALTED, c.instructions - start, null, c.rip, "hlt");
        pendingNext = c.rip;
        return null;
    }

    /**
     * Whether {@code b} must be interpreted rather than run as translated code: tracing, hooks,
     * RF or TF set, {@code until} inside it, or a budget that ends inside it.
     */
    public boolean mustInterpret(Block b, long until, long limit) {
        return mustInterpret(b, until, limit, false);
    }

    /**
     * As {@link #mustInterpret(Block, long, long)}; {@code hooksCompiled} says the translated
     * code makes the embedder hook calls itself, so hooks alone do not force interpretation.
     */
    public boolean mustInterpret(Block b, long until, long limit, boolean hooksCompiled) {
        return machine.tracer != null || (b.hooked && !hooksCompiled) || (cpu.rflags & (Flags.RF | Flags.TF)) != 0
                || limit - cpu.instructions < b.insns.length
                || (until != Engine.NO_UNTIL && until - b.la > 0 && until - b.la < b.byteLen);
    }

    /**
     * Interprets {@code b} up to its end, `until`, or the budget, whichever comes first, with the
     * RF and single-step rules: RF is cleared once an instruction completes (SDM Vol. 3A
     * §18.3.1.1); with TF set when an instruction starts, it runs alone and arms the #DB trap
     * that follows it (§18.3.1.4; see {@link Cpu#debugTrapPending} for who cancels or arms it).
     */
    public void interpret(Block b, long until, long limit) {
        Cpu c = cpu;
        if (b.nativeFn != null) { runNative(b); return; }
        int n = b.insns.length;
        if (until != Engine.NO_UNTIL && until - b.la > 0 && until - b.la < b.byteLen) {
            int k = b.indexOf(until);
            if (k > 0) n = k;
        }
        if (limit - c.instructions < n) n = (int) (limit - c.instructions);
        boolean rf = (c.rflags & Flags.RF) != 0, tf = (c.rflags & Flags.TF) != 0;
        if (rf || tf) n = 1;
        if (tf) c.debugTrapPending = true; // the instruction begins with TF = 1 (see Cpu.debugTrapPending)
        if (machine.tracer != null) traceBlock(b, n);
        else if (b.hooked) runHooked(b, n);
        else runBlock(b, n);
        // RF clears when an instruction completes, except IRET, which loads it (SDM Vol. 3A §18.3.1.1)
        if (rf && b.insns[0].mnemonic != dev.lstar.decoder.Mnemonic.IRETQ) c.rflags &= ~(long) Flags.RF;
        trapIfPending();
    }

    /**
     * Raises the single-step trap an instruction left armed ({@link Cpu#debugTrapPending}), once
     * it has completed: RIP is already the next instruction. Every engine calls this after a block
     * it ran (only the last instruction of a block can arm it: TF at a block's start makes it run
     * one instruction at a time, and SYSRET ends its block).
     */
    public void trapIfPending() {
        Cpu c = cpu;
        if (!c.debugTrapPending) return;
        c.debugTrapPending = false;
        singleSteps++;
        pendingNext = c.rip;
        throw CpuException.singleStep();
    }

    /**
     * The first {@code n} instructions of {@code b}; precise on a fault (RIP, registers, flags: an
     * instruction changes nothing before its last access that can fault, see {@link Exec}).
     */
    void runBlock(Block b, int n) {
        Cpu c = cpu;
        Instruction[] insns = b.insns;
        int k = 0;
        try {
            // the count is exact before every instruction (RDTSC and RDMSR of the TSC read it)
            for (; k < n; k++) {
                Instruction i = insns[k];
                long next = Exec.execute(c, i);
                if (next != Exec.FALLTHROUGH) {
                    if (next == Exec.REPEAT) {
                        c.rip = i.address; // not retired: runs again from here
                    } else {
                        c.rip = next;
                        c.instructions++;
                    }
                    return;
                }
                c.instructions++;
                if (b.writesMemory && !b.valid && k + 1 < n) {
                    // the block rewrote its own code: continue from freshly decoded bytes
                    c.rip = i.next();
                    return;
                }
            }
            c.rip = insns[n - 1].next();
        } catch (CpuException | TripleFault | MachineCheckException | UnsupportedFeatureException e) {
            // precise at the instruction that raised it — also for the aborts that stop the run
            // (INT n/INT3 delivering into a shutdown, a machine check, an unsupported mode)
            c.rip = insns[k].address;
            pendingNext = insns[k].next();
            throw e;
        }
    }

    /**
     * {@link #runBlock} for a block that embedder hooks cover: the same precise-fault handling, with
     * the {@link Machine.Hooks} calls of the engine contract around each instruction.
     */
    void runHooked(Block b, int n) {
        Cpu c = cpu;
        Machine.Hooks h = machine.hooks;
        if (h == null) { runBlock(b, n); return; }
        if (h.enterBlock(machine, b.la, b.byteLen) != Machine.Hooks.EXECUTE) return;
        Instruction[] insns = b.insns;
        for (int k = 0; k < n; k++) {
            Instruction i = insns[k];
            if (!b.valid || machine.stopRequested()) return; // rewritten by a hook, or stop(): fresh look-up
            c.rip = i.address;
            pendingNext = i.next();
            int act = h.beforeInstruction(machine, i);
            if (act == Machine.Hooks.LEAVE) return;
            if (act == Machine.Hooks.SKIP) {
                c.instructions++;
                if (c.rip != i.next()) return;
                continue;
            }
            long next;
            try {
                next = Exec.execute(c, i);
            } catch (CpuException e) {
                c.rip = i.address;
                pendingNext = i.next();
                throw e;
            }
            if (next == Exec.REPEAT) return; // not retired: runs again from here (RIP is still i)
            c.instructions++;
            c.rip = next != Exec.FALLTHROUGH ? next : i.next();
            h.afterInstruction(machine, i);
            if (next != Exec.FALLTHROUGH) return;
        }
    }

    /** Interprets with the per-instruction trace callback (`--trace`). */
    void traceBlock(Block b, int n) {
        Cpu c = cpu;
        Instruction[] insns = b.insns;
        for (int k = 0; k < n; k++) {
            Instruction i = insns[k];
            machine.tracer.trace(c, i);
            c.rip = i.address;
            long next;
            try {
                next = Exec.execute(c, i);
            } catch (CpuException e) {
                pendingNext = i.next();
                throw e;
            }
            if (next == Exec.REPEAT) return; // not retired: runs again from here (RIP is still i)
            c.instructions++;
            if (next != Exec.FALLTHROUGH) {
                c.rip = next;
                return;
            }
            c.rip = i.next();
            if (!b.valid) return;
        }
    }

    /** Runs the Java function standing at the block's address, then returns as {@code ret} would. */
    public void runNative(Block b) {
        Cpu c = cpu;
        nativeCalls++;
        pendingNext = c.rip;
        b.nativeFn.invoke(machine);
        long ret = Operands.peek(c, 8);
        if (!c.canonical(ret)) throw CpuException.gp0("native function returned to non-canonical 0x" + Long.toHexString(ret));
        c.r[Cpu.RSP] += 8;
        c.rip = ret;
        c.instructions++;
    }

    /**
     * Delivers {@code e}, raised with RIP at {@code faultRip}, through the embedder's exception hook
     * and then the guest IDT; returns a stop result when it cannot be delivered.
     */
    public RunResult deliver(CpuException e, long faultRip, long start) {
        Cpu c = cpu;
        if (e.vector == CpuException.AC && exemptFromAlignmentCheck(faultRip)) return rerunUnchecked(start);
        c.debugTrapPending = false; // a fault cancels the trap of the instruction it interrupted
        if (e.vector == CpuException.PF) c.cr2 = e.address; // set when #PF is raised, whoever takes it (SDM Vol. 3A §4.7)
        Machine.Hooks h = machine.hooks;
        if (h != null) {
            int act = h.onException(machine, e, faultRip, pendingNext);
            if (act == Machine.Hooks.RETRY || act == Machine.Hooks.CONTINUE) return null;
        }
        if (c.idtrLimit == 0) {
            return new RunResult(StopReason.UNHANDLED_FAULT, c.instructions - start, e, faultRip, e.describe() + ": " + e.getMessage());
        }
        exceptionsDelivered++;
        c.halted = false;
        try {
            Interrupts.deliver(c, e, faultRip, pendingNext);
        } catch (TripleFault t) {
            // delivery itself shut the machine down (fault while delivering #DF)
            return new RunResult(StopReason.TRIPLE_FAULT, c.instructions - start, null, c.rip, t.getMessage());
        }
        return null;
    }

    /** Scratch for {@link #exemptFromAlignmentCheck} (decoding allocates nothing). */
    private final Instruction acInsn = new Instruction();

    /**
     * Whether the instruction at {@code rip}, which raised #AC through one of the 8-byte accesses
     * that make up a 16-byte operand, is one whose 16-byte operand is never alignment-checked:
     * the SSE forms that allow any alignment (MOVUPS, MOVDQU, LDDQU, PCMPxSTRx...: every m128
     * operand whose row lacks {@code A_ALIGN16}; checked on the Intel host: no #AC at 1 mod 16) —
     * on an Intel CPU; an AMD one checks them whole ({@code Sse.alignmentCheck16}).
     * Decoded here, at the fault, so that no access pays for the distinction.
     */
    private boolean exemptFromAlignmentCheck(long rip) {
        Mmu m = cpu.mmu;
        if (!m.alignmentChecking() || m.alignCheckSuspended) return false;
        if (cpu.vendor == dev.lstar.runtime.Vendor.AMD) return false; // AMD checks them (Sse.alignmentCheck16)
        Instruction i;
        try {
            i = Decoder.decode(m, rip, acInsn);
        } catch (CpuException | UnsupportedFeatureException f) {
            return false;
        }
        for (int n = 0; n < i.nOperands; n++) {
            if (i.kind[n] == Instruction.OP_MEM && i.size[n] == 16 && (i.attributes & OpcodeTable.A_ALIGN16) == 0) return true;
        }
        return false;
    }

    /**
     * Runs the instruction {@link #exemptFromAlignmentCheck} decoded again, with the alignment
     * check suspended, and retires it as the block would have (its own faults are delivered; a
     * single-step trap it was armed for follows it).
     */
    private RunResult rerunUnchecked(long start) {
        Cpu c = cpu;
        Instruction i = acInsn;
        boolean trap = c.debugTrapPending;
        long next;
        c.mmu.alignCheckSuspended = true;
        try {
            next = Exec.execute(c, i);
        } catch (CpuException f) {
            c.mmu.alignCheckSuspended = false;
            c.rip = i.address;
            pendingNext = i.next();
            return deliver(f, i.address, start);
        } finally {
            c.mmu.alignCheckSuspended = false;
        }
        if (next == Exec.REPEAT) {
            c.rip = i.address;
            return null;
        }
        c.instructions++;
        c.rip = next != Exec.FALLTHROUGH ? next : i.next();
        c.rflags &= ~(long) Flags.RF;
        if (trap) {
            c.debugTrapPending = true;
            try {
                trapIfPending();
            } catch (CpuException t) {
                return deliver(t, c.rip, start);
            }
        }
        return null;
    }

    /**
     * A physical access beyond installed memory ({@link MachineCheckException}, lstar's machine
     * check: an abort, the state is not restartable). With CR4.MCE = 0 the processor shuts down
     * (SDM Vol. 3B §15.10.1), reported like a triple fault; with CR4.MCE = 1 it is delivered as
     * #MC (vector 18) through the embedder's exception hook and the IDT.
     */
    public RunResult machineCheck(MachineCheckException mc, long start) {
        Cpu c = cpu;
        if ((c.cr4 & Cpu.CR4_MCE) == 0) {
            return new RunResult(StopReason.TRIPLE_FAULT, c.instructions - start, null, c.rip,
                    "machine check with CR4.MCE = 0, the processor shut down: " + mc.getMessage());
        }
        return deliver(CpuException.of(CpuException.MC, 0, false, "machine check: " + mc.getMessage()), c.rip, start);
    }

    /** Sets the next-RIP used if the exception being handled is a trap (JIT fault paths). */
    public void setPendingNext(long next) {
        pendingNext = next;
    }
}
