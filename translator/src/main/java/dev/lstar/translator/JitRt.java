package dev.lstar.translator;

import dev.lstar.decoder.Instruction;
import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.CpuException;
import dev.lstar.runtime.Machine;
import dev.lstar.runtime.interp.Block;
import dev.lstar.runtime.interp.Exec;
import dev.lstar.runtime.mem.Mmu;

/**
 * Static helpers that translated code calls. Public because hidden classes in this package call
 * them; not meant for other callers. Each is small enough for HotSpot to inline into the block.
 */
public final class JitRt {
    private JitRt() {}

    // The checks below are inlined into every translated memory access. They stay tiny (the
    // exception is built in a separate method) so that HotSpot's inlining budget for one
    // translated method (DesiredMethodLimit, counted in bytecodes) goes to the memory accesses.

    /**
     * The linear address {@code la} if canonical for the current paging mode, else #GP(0), or
     * #SS(0) for a stack reference (SDM Vol. 3A §6.15 "#SS", Vol. 1 §3.3.7.1).
     */
    public static long canon(Cpu c, long la, boolean stack) {
        int shift = (c.cr4 & Cpu.CR4_LA57) != 0 ? 7 : 16;
        if (((la << shift) >> shift) != la) throw nonCanonical(la, stack);
        return la;
    }

    /** RSP for a push/pop: #SS(0) when non-canonical (as Operands.push/peek). */
    public static long stack(Cpu c, long rsp) {
        int shift = (c.cr4 & Cpu.CR4_LA57) != 0 ? 7 : 16;
        if (((rsp << shift) >> shift) != rsp) throw badStack(rsp);
        return rsp;
    }

    /** A near branch target must be canonical: #GP(0) at the branch (SDM Vol. 1 §6.3.7). */
    public static long branch(Cpu c, long t) {
        int shift = (c.cr4 & Cpu.CR4_LA57) != 0 ? 7 : 16;
        if (((t << shift) >> shift) != t) throw badBranch(t);
        return t;
    }

    private static CpuException nonCanonical(long la, boolean stack) {
        return stack ? CpuException.ss(0, "non-canonical address 0x" + Long.toHexString(la))
                : CpuException.gp0("non-canonical address 0x" + Long.toHexString(la));
    }

    private static CpuException badStack(long rsp) {
        return CpuException.ss(0, "non-canonical stack 0x" + Long.toHexString(rsp));
    }

    private static CpuException badBranch(long t) {
        return CpuException.gp0("branch to non-canonical address 0x" + Long.toHexString(t));
    }

    /**
     * Runs {@code i} through the interpreter's {@link Exec} (which changes nothing before its last
     * access that can fault, so a fault needs no state saved here).
     */
    public static long exec(Cpu c, Instruction i) {
        return Exec.execute(c, i);
    }

    /**
     * {@link #exec} with {@code cpu.instructions} exact while {@code i} runs: {@code retired} is
     * the count of instructions the block retired before it (translated code adds them at its
     * exits), which RDTSC/RDTSCP and RDMSR of the TSC read through the count.
     */
    public static long execCounted(Cpu c, Instruction i, long retired) {
        c.instructions += retired;
        try {
            return Exec.execute(c, i);
        } finally {
            c.instructions -= retired;
        }
    }

    /**
     * Whether instruction byte {@code la} is still fetched from physical {@code pa} (after a MOV
     * to CR3 inside a superblock). Only asks the TLB's execute fast path: anything else (a miss,
     * a fault to come) answers false and the block leaves, so the engine's own fetch decides.
     */
    public static boolean sameCode(Mmu mmu, long la, long pa) {
        return mmu.fetchPhysCached(la) == pa;
    }

    /**
     * Whether {@code e} is one of the guest's aborts that leave a block with the state precise at
     * the instruction that raised it (translated code's exception handler): a CPU exception, a
     * triple fault (INT n delivering into a shutdown), a machine check, an unsupported mode.
     */
    public static boolean guestAbort(RuntimeException e) {
        return e instanceof dev.lstar.runtime.CpuException || e instanceof dev.lstar.runtime.sys.TripleFault
                || e instanceof dev.lstar.runtime.mem.MachineCheckException
                || e instanceof dev.lstar.runtime.engine.UnsupportedFeatureException;
    }

    /**
     * Called by a block's exception handler: the fault happened at instruction {@code at}
     * ({@code ~at} when it was an interpreter fallback): sets RIP to that instruction and counts
     * the instructions before it as retired.
     */
    public static void fault(Cpu c, long[] addrs, int at) {
        int k = at >= 0 ? at : ~at;
        c.rip = addrs[k];
        c.instructions += k;
    }

    // ------------------------------------------------------------------ compiled hooks

    /** {@link #hookBefore} results: run the instruction, leave the block, or go on with the next one. */
    public static final int HOOK_EXECUTE = 0, HOOK_LEAVE = 1, HOOK_NEXT = 2;

    /**
     * What a block with compiled hook calls passes to the helpers below (one class-data constant;
     * a record, so HotSpot trusts its fields as constants too).
     */
    public record HookSite(Machine.Hooks hooks, Machine machine, Block block, int last) {
        HookSite(Machine.Hooks hooks, Machine machine, Block block) {
            this(hooks, machine, block, block.insns.length - 1);
        }
    }

    /** Block entry: {@link Machine.Hooks#enterBlock}; 0 to run the block, else leave (fresh look-up at cpu.rip). */
    public static int hookEnter(HookSite s) {
        return s.hooks.enterBlock(s.machine, s.block.la, s.block.byteLen);
    }

    /**
     * Before instruction {@code k} of a block with compiled hook calls (the registers are in
     * {@code cpu.r}; {@code cpu.instructions} holds the count at block entry): leaves if a hook
     * rewrote the block or a stop was requested, else calls {@link Machine.Hooks#beforeInstruction}
     * with RIP and the retired count exact, and applies its answer as the interpreter does: EXECUTE,
     * LEAVE (count stays at k retired), SKIP (counted; next instruction if the hook left RIP
     * there and there is one, else leave).
     */
    public static int hookBefore(HookSite s, Cpu c, Instruction i, int k) {
        c.rip = i.address;
        Machine m = s.machine;
        if (!s.block.valid || m.stopRequested()) {
            c.instructions += k;
            return HOOK_LEAVE;
        }
        c.instructions += k;
        int act = s.hooks.beforeInstruction(m, i);
        if (act == Machine.Hooks.EXECUTE) {
            c.instructions -= k;
            return HOOK_EXECUTE;
        }
        if (act != Machine.Hooks.SKIP) return HOOK_LEAVE;
        if (k == s.last || c.rip != i.next()) {
            c.instructions++;
            return HOOK_LEAVE;
        }
        c.instructions -= k;
        return HOOK_NEXT; // counted by the exit that ends the block
    }

    /** After instruction {@code i} completed, not the block's last: RIP = next, count = entry + {@code retired}, afterInstruction. */
    public static void hookAfter(HookSite s, Cpu c, Instruction i, int retired) {
        c.rip = i.next();
        c.instructions += retired;
        s.hooks.afterInstruction(s.machine, i);
        c.instructions -= retired;
    }

    /** After the instruction that leaves the block (RIP and count already final): afterInstruction. */
    public static void hookExit(HookSite s, Instruction i) {
        s.hooks.afterInstruction(s.machine, i);
    }
}
