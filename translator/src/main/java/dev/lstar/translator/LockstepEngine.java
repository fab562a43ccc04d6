package dev.lstar.translator;

import dev.lstar.decoder.Instruction;
import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.Machine;
import dev.lstar.runtime.engine.Engine;
import dev.lstar.runtime.engine.RunResult;
import dev.lstar.runtime.engine.StopReason;
import dev.lstar.runtime.interp.Block;
import dev.lstar.runtime.interp.Interpreter;
import dev.lstar.runtime.mem.PhysicalMemory;

import java.util.BitSet;
import java.util.List;

/**
 * Runs every block twice, on the JIT and on the interpreter, and stops at the first difference.
 *
 * <p>Approach, per step (one block or native function at RIP):
 * <ol>
 *   <li>Snapshot the CPU ({@link CpuState}: every register, RIP, raw lazy flags, segment caches,
 *       control registers, MSRs, counters). Memory needs no snapshot: a shadow copy of every frame
 *       is kept up to date, and every frame is marked as code in {@link PhysicalMemory} so that
 *       every guest write, through any MMU or directly, is reported to a write log
 *       ({@code CodeWriteListener}).</li>
 *   <li>Save the TLB (so both runs start from the same cached translations, stale ones included,
 *       walk the same tables and set the same A/D bits) and run the block on the JIT ({@link JitEngine#step}, which also delivers an exception it raises; a
 *       translated loop is limited to one iteration). Save the final CPU state and the contents of
 *       the frames it wrote, then put those frames back from the shadow and restore the snapshot.</li>
 *   <li>Put the saved TLB back and run the interpreter for the same number of instructions (or, when
 *       the JIT retired none because the first instruction faulted, until RIP reaches where the
 *       JIT ended up: the handler).</li>
 *   <li>Compare the two CPU states field by field (RFLAGS materialised) and the frames either run
 *       wrote, byte by byte. On a difference, stop with {@link StopReason#REQUESTED} and a report
 *       (block address and disassembly, both register sets, differing fields and bytes), also
 *       kept in {@link #divergence()}. Otherwise refresh the shadow of the written frames and go on.</li>
 * </ol>
 * Native functions (Java code at a guest address, e.g. the kernel model's syscall handler) run
 * once, on the JIT side, because they have effects outside the machine; they are not compared.
 * Steps in which embedder hooks ({@link Machine.Hooks}) ran likewise run once, on the JIT (with its
 * compiled hook calls), and are not compared: a hook may change the machine in ways the
 * interpreter's replay would repeat or contradict. The replay itself never calls hooks.
 * Costs: everything runs twice, every store takes the MMU slow path, the TLB is saved and
 * restored per block, and the shadow doubles the touched memory. This is a debugging engine.
 */
public final class LockstepEngine implements Engine {
    private final Machine machine;
    private final Cpu cpu;
    private final PhysicalMemory phys;
    private final JitEngine jit;
    private final Interpreter interp;
    private final byte[][] shadow;
    private final BitSet written = new BitSet();
    private final dev.lstar.runtime.mem.Mmu.TlbState tlb = new dev.lstar.runtime.mem.Mmu.TlbState();
    private boolean logging;
    private String divergence;
    public long steps, nativeSteps, hookedSteps, comparedFrames;
    private ObservedHooks observed;

    /**
     * The embedder's hooks, counting the calls after which a step is not compared: every hook
     * call of a covered block, and exception hooks that did not let the exception go to the IDT
     * (they retried or continued after changing the machine).
     */
    private static final class ObservedHooks implements Machine.Hooks {
        final Machine.Hooks h;
        long calls;

        ObservedHooks(Machine.Hooks h) {
            this.h = h;
        }

        @Override
        public boolean covers(long la, int byteLen, Instruction[] insns) {
            return h.covers(la, byteLen, insns);
        }

        @Override
        public int enterBlock(Machine m, long la, int byteLen) {
            calls++;
            return h.enterBlock(m, la, byteLen);
        }

        @Override
        public int beforeInstruction(Machine m, Instruction insn) {
            calls++;
            return h.beforeInstruction(m, insn);
        }

        @Override
        public void afterInstruction(Machine m, Instruction insn) {
            calls++;
            h.afterInstruction(m, insn);
        }

        @Override
        public int onException(Machine m, dev.lstar.runtime.CpuException e, long faultRip, long nextRip) {
            int r = h.onException(m, e, faultRip, nextRip);
            if (r != DELIVER) calls++;
            return r;
        }
    }

    public LockstepEngine(Machine machine) {
        // every block translated at its first execution: the comparison covers translated code only
        this(machine, new JitEngine(machine, JitEngine.Options.defaults().withCompileThreshold(1)));
    }

    public LockstepEngine(Machine machine, JitEngine jit) {
        this.machine = machine;
        this.cpu = machine.cpu;
        this.phys = machine.phys;
        this.jit = jit;
        this.interp = new Interpreter(machine);
        int n = (int) phys.frameCount();
        shadow = new byte[n][];
        for (int pfn = 0; pfn < n; pfn++) {
            byte[] f = phys.frameIfPresent(pfn);
            if (f != null) shadow[pfn] = f.clone();
        }
        if (machine.hooks != null) machine.hooks = observed = new ObservedHooks(machine.hooks); // before any block is built
        phys.addCodeWriteListener((pa, len) -> {
            if (logging) written.set((int) (pa >>> 12));
        });
        markAll();
    }

    @Override
    public String name() {
        return "lockstep";
    }

    /**
     * Another task's thread resumes, inside the native function where it gave the CPU up: what
     * the task that ran last wrote is taken into the shadow, and the resumed native's writes are
     * logged from here on (its step refreshes them when it returns).
     */
    @Override
    public void contextSwitched() {
        refreshShadow();
        written.clear();
        logging = true;
    }

    /** The report of the first difference found, or null. */
    public String divergence() {
        return divergence;
    }

    public JitEngine jit() {
        return jit;
    }

    /** Every frame reports its writes (the caches unmark frames when they drop blocks: re-mark). */
    private void markAll() {
        long n = phys.frameCount();
        if (phys.codeFrames() == n) return;
        for (long pfn = 0; pfn < n; pfn++) if (!phys.isCode(pfn)) phys.markCode(pfn);
    }

    @Override
    public RunResult run(Machine m, long budget, long until) {
        if (m != machine) throw new IllegalArgumentException("this engine belongs to another machine");
        Cpu c = cpu;
        long start = c.instructions;
        long limit = budget >= Long.MAX_VALUE - start ? Long.MAX_VALUE : start + budget;
        resyncShadow();
        while (true) {
            if (m.stopRequested()) {
                String msg = m.takeStop();
                return new RunResult(StopReason.REQUESTED, c.instructions - start, null, 0, msg);
            }
            if (c.instructions >= limit) return RunResult.of(StopReason.BUDGET, c.instructions - start);
            if (c.rip == until && until != NO_UNTIL) return RunResult.of(StopReason.UNTIL_REACHED, c.instructions - start);
            if (c.halted) return new RunResult(StopReason.HALTED, c.instructions - start, null, c.rip, "hlt");
            RunResult r = step(until, start, limit);
            logging = true; // writes between steps (the kernel model's, on a task's behalf or at its exit) reach the shadow at the next step
            if (r != null) return r;
        }
    }

    private RunResult step(long until, long start, long limit) {
        Cpu c = cpu;
        // one block; a budget that ends within the next block's reach is passed on, so the JIT
        // stops exactly there (it interprets the block up to the budget)
        long jitLimit = limit - c.instructions <= dev.lstar.runtime.interp.BlockCache.MAX_INSNS ? limit : c.instructions;
        steps++;
        refreshShadow(); // what was written since the last step, outside any step
        written.clear();
        markAll();
        if (machine.nativeAt(c.rip) != null) {
            nativeSteps++;
            written.clear();
            logging = true;
            RunResult r;
            try {
                r = jit.step(until, c.instructions, start);
            } finally {
                logging = false;
            }
            refreshShadow();
            return r;
        }
        CpuState before = CpuState.capture(c);
        long hookCalls = observed == null ? 0 : observed.calls;

        // 1. the JIT
        written.clear();
        logging = true;
        machine.mmu.saveTlb(tlb);
        RunResult jr;
        try {
            jr = jit.step(until, jitLimit, start);
        } finally {
            logging = false;
        }
        Block block = jit.lastBlock;
        if (observed != null && observed.calls != hookCalls) {
            // embedder hooks have effects outside the machine (and may change it): run once, not compared
            hookedSteps++;
            refreshShadow();
            return jr;
        }
        Instruction[] ran = jit.lastTranslation != null ? jit.lastTranslation.insns : null; // a superblock: all its blocks
        CpuState afterJit = CpuState.capture(c);
        BitSet jitWritten = (BitSet) written.clone();
        java.util.Map<Integer, byte[]> jitFrames = new java.util.HashMap<>();
        for (int pfn = jitWritten.nextSetBit(0); pfn >= 0; pfn = jitWritten.nextSetBit(pfn + 1)) {
            jitFrames.put(pfn, phys.frame(pfn).clone());
            restoreFrame(pfn);
        }
        before.restore(c);
        markAll();

        // 2. the interpreter, from the same state (the TLB included)
        written.clear();
        logging = true;
        machine.mmu.restoreTlb(tlb);
        RunResult ir = null;
        Machine.Hooks hooks = machine.hooks;
        Machine.InstructionTracer tracer = machine.tracer;
        machine.hooks = null; // the replay must not call the embedder's hooks a second time
        machine.tracer = null; // nor show the trace a second time
        try {
            ir = replay(until, start, afterJit, jr != null);
        } finally {
            logging = false;
            machine.hooks = hooks;
            machine.tracer = tracer;
        }
        CpuState afterInterp = CpuState.capture(c);
        BitSet interpWritten = (BitSet) written.clone();

        // 3. compare
        List<String> diffs = CpuState.diff(afterJit, afterInterp, "jit", "interp");
        if (jr != null && (ir == null || jr.reason() != ir.reason())) {
            diffs.add("stop: " + jr.reason() + " vs " + (ir == null ? "none" : ir.reason()));
        }
        StringBuilder mem = new StringBuilder();
        BitSet all = (BitSet) jitWritten.clone();
        all.or(interpWritten);
        for (int pfn = all.nextSetBit(0); pfn >= 0; pfn = all.nextSetBit(pfn + 1)) {
            comparedFrames++;
            byte[] a = jitFrames.containsKey(pfn) ? jitFrames.get(pfn) : orZero(shadow[pfn]);
            byte[] b = orZero(phys.frameIfPresent(pfn));
            int shown = 0;
            for (int o = 0; o < PhysicalMemory.PAGE_SIZE && shown < 16; o++) {
                if (a[o] != b[o]) {
                    mem.append(String.format("  pa %012x: jit %02x, interp %02x%n", ((long) pfn << 12) + o, a[o] & 0xFF, b[o] & 0xFF));
                    shown++;
                }
            }
        }
        if (!diffs.isEmpty() || mem.length() > 0) {
            divergence = report(block, ran, before, afterJit, afterInterp, diffs, mem.toString());
            return new RunResult(StopReason.REQUESTED, c.instructions - start, null, before.rip, divergence);
        }
        refreshShadow();
        return jr;
    }

    /**
     * The interpreter's replay of one JIT step: block steps ({@link Interpreter#step}) limited to
     * the instructions the JIT retired (its translation may cover less of a block than the
     * interpreter's, and a superblock more than one). The JIT's step may also have done one thing
     * that retired nothing: delivered the exception of the next instruction (RIP elsewhere), or run
     * part of a REP string instruction (its progress in RCX/RSI/RDI, RIP still at it, not retired
     * until it completes), or stopped at a fault it could not deliver. Then one more step limited
     * to one instruction replays that.
     */
    private RunResult replay(long until, long start, CpuState afterJit, boolean jitStopped) {
        Cpu c = cpu;
        long target = afterJit.instructions;
        for (int blocks = 0; blocks < 64 && c.instructions < target; blocks++) { // far more than a superblock has
            RunResult r = interp.step(until, target, start);
            if (r != null) return r;
        }
        if (c.instructions == target && (jitStopped || !afterJit.matches(c))) return interp.step(until, target + 1, start);
        return null;
    }

    /**
     * Between runs the embedder may change memory (map, write, snapshot restore) while no write is
     * logged: take the shadow again from every present frame.
     */
    private void resyncShadow() {
        int n = Math.min(shadow.length, (int) phys.frameCount());
        for (int pfn = 0; pfn < n; pfn++) {
            byte[] f = phys.frameIfPresent(pfn);
            if (f == null) shadow[pfn] = null;
            else if (shadow[pfn] == null) shadow[pfn] = f.clone();
            else System.arraycopy(f, 0, shadow[pfn], 0, f.length);
        }
    }

    private static byte[] orZero(byte[] f) {
        return f != null ? f : new byte[PhysicalMemory.PAGE_SIZE];
    }

    private void restoreFrame(int pfn) {
        byte[] old = orZero(shadow[pfn]);
        phys.write((long) pfn << 12, old, 0, PhysicalMemory.PAGE_SIZE); // also tells the code caches
    }

    private void refreshShadow() {
        for (int pfn = written.nextSetBit(0); pfn >= 0; pfn = written.nextSetBit(pfn + 1)) {
            byte[] f = phys.frameIfPresent(pfn);
            if (f == null) continue;
            if (shadow[pfn] == null) shadow[pfn] = f.clone();
            else System.arraycopy(f, 0, shadow[pfn], 0, f.length);
        }
    }

    private String report(Block block, Instruction[] ran, CpuState before, CpuState j, CpuState i, List<String> diffs, String mem) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("lockstep divergence in the block at 0x%x (step %d)%n", before.rip, steps));
        if (block != null) {
            for (Instruction insn : ran != null ? ran : block.insns) sb.append(String.format("  %x: %s%n", insn.address, insn));
        } else {
            sb.append("  (the fetch of the block faulted)\n");
        }
        sb.append("before:\n").append(before.registers()).append('\n');
        sb.append("jit:\n").append(j.registers()).append('\n');
        sb.append("interp:\n").append(i.registers()).append('\n');
        for (String d : diffs) sb.append("  ").append(d).append('\n');
        if (!mem.isEmpty()) sb.append("memory:\n").append(mem);
        return sb.toString();
    }

    @Override
    public String stats() {
        return "lockstep steps: " + steps + " (" + nativeSteps + " native, " + hookedSteps + " hooked, not compared)\nframes compared: " + comparedFrames
                + "\n" + jit.stats();
    }

    @Override
    public void flush() {
        jit.flush();
        interp.flush();
    }
}
