package dev.lstar.api;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.ops.X87;
import dev.lstar.runtime.CpuException;
import dev.lstar.runtime.Machine;
import dev.lstar.runtime.Vendor;
import dev.lstar.runtime.engine.Engine;
import dev.lstar.runtime.engine.RunResult;
import dev.lstar.runtime.interp.Block;
import dev.lstar.runtime.interp.Interpreter;
import dev.lstar.runtime.setup.Gdt;
import dev.lstar.runtime.setup.LongMode;
import dev.lstar.runtime.sys.ControlRegs;
import dev.lstar.runtime.sys.Msrs;
import dev.lstar.runtime.sys.Segments;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An x86-64 machine to embed, in the style of Unicorn's {@code uc_engine}: map memory, write
 * code and registers, add hooks, {@link #start} and read the results.
 *
 * <pre>{@code
 * Emulator emu = Emulator.builder().flatUserMode().build();
 * emu.map(0x400000, 0x1000, Perm.READ | Perm.EXEC);
 * emu.write(0x400000, code);
 * emu.hookInsn(Insn.SYSCALL, (e, insn, rip) -> { e.regWrite(Reg.RAX, 0); return true; });
 * StopInfo s = emu.start(0x400000, 0x400000 + code.length);
 * }</pre>
 *
 * <p>What differs from Unicorn, by design: the machine is a real long-mode x86-64 processor
 * model underneath. {@link #map} writes genuine 4/5-level page tables; SYSCALL without a hook
 * really enters ring 0 at IA32_LSTAR with the STAR selectors (and SYSRETQ returns); MSRs obey the
 * processor's rules; faults are precise and, once the guest has an IDT, are delivered through it.
 * Hooks cost nothing where they are not installed (blocks outside every hook range run the plain
 * engine path), and writes to code (by the guest, by {@link #write}, by a snapshot restore) drop
 * exactly the stale decoded blocks.
 *
 * <p><b>Threads.</b> An emulator shares nothing mutable with other emulators: run as many as you
 * like, each on its own thread. One emulator is used by one thread at a time; while
 * {@link #start} runs, only the running thread (inside hooks) may call methods, except
 * {@link #stop()} which any thread may call at any time. Calls from other threads during a run
 * throw {@link IllegalStateException}.
 */
public final class Emulator implements AutoCloseable {
    /** Pass as {@code until} to run with no stop address. */
    public static final long NO_UNTIL = dev.lstar.runtime.engine.Engine.NO_UNTIL;
    /** Where the GDT is mapped (supervisor-only, not part of {@link #regions()}). */
    public static final long GDT_ADDRESS = 0xFFFF_FFFF_FFFF_E000L;

    private static final ScheduledThreadPoolExecutor WATCHDOG = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "lstar-emulator-watchdog");
        t.setDaemon(true);
        return t;
    });

    static {
        WATCHDOG.setRemoveOnCancelPolicy(true);
    }

    private final Machine machine;
    private final Cpu cpu;
    private final GuestMemory mem;
    private final HookSet hooks;
    private final Engine engine;
    private final String engineName;

    private final AtomicReference<Thread> runner = new AtomicReference<>();
    private volatile boolean timedOut;
    private Snapshot baseline;
    /** The gdb stub of {@link #gdbServer}, in front of {@link #engine} until its session ends. */
    private dev.lstar.api.gdb.GdbStub gdb;

    private Emulator(Builder b) {
        machine = new Machine(b.vendor, b.ramBytes);
        cpu = machine.cpu;
        mem = new GuestMemory(machine, b.fiveLevel);
        long gdt = mem.allocFrame();
        mem.mapReserved(GDT_ADDRESS, gdt, gdt | GuestMemory.P | GuestMemory.RW | GuestMemory.NX);
        Gdt.install(cpu, machine.phys, gdt, GDT_ADDRESS, 0, 0);
        LongMode.enable(cpu, mem.root, b.fiveLevel, false);
        Gdt.enterRing(cpu, b.userMode ? 3 : 0);
        hooks = new HookSet(this, machine);
        machine.hooks = hooks;
        engineName = b.engine;
        engine = createEngine(b.engine, machine, b.sharedCode);
    }

    private static Engine createEngine(String name, Machine m, SharedCode shared) {
        if (name.equals("interp")) return new Interpreter(m);
        List<String> known = new ArrayList<>(List.of("interp"));
        for (EngineProvider p : ServiceLoader.load(EngineProvider.class)) {
            if (p.name().equals(name)) return shared == null ? p.create(m) : p.create(m, shared);
            known.add(p.name());
        }
        throw new IllegalArgumentException("no engine named '" + name + "' (available: " + String.join(", ", known) + ")");
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Configures an {@link Emulator}. Defaults: Intel, 64 MiB of RAM, 4-level paging, ring 0,
     * the interpreter. The machine is always in 64-bit long mode with paging on, with a
     * Linux-layout GDT (kernel CS 0x10, DS 0x18; user DS 0x2b, CS 0x33) and no IDT, so guest
     * faults stop the run with a {@link StopInfo.Reason#FAULT} until you install an IDT.
     */
    public static final class Builder {
        private Vendor vendor = Vendor.INTEL;
        private long ramBytes = 64L << 20;
        private boolean fiveLevel, userMode;
        private String engine = "interp";
        private SharedCode sharedCode;

        private Builder() {}

        /** INTEL or AMD: decides the vendor-specific SYSCALL/SYSRET behaviour and CPUID. */
        public Builder vendor(Vendor v) { this.vendor = v; return this; }

        /** Guest physical RAM (mapped pages and page tables come out of it). */
        public Builder ramSize(long bytes) { this.ramBytes = bytes; return this; }

        /** 5-level paging (CR4.LA57, 57-bit addresses). */
        public Builder fiveLevelPaging(boolean on) { this.fiveLevel = on; return this; }

        /**
         * Ring 3 flat user mode: CS = 0x33, SS/DS/ES = 0x2b, CPL 3, no IDT. Map pages where you
         * like (they are user-accessible unless {@link Perm#SUPERVISOR}); faults stop the run
         * with their details.
         */
        public Builder flatUserMode() { this.userMode = true; return this; }

        /** Ring 0 (the default): CS = 0x10, SS = 0x18. */
        public Builder kernelMode() { this.userMode = false; return this; }

        /** "interp" (built in), or the name of an {@link EngineProvider} on the class path ("jit", "lockstep"). */
        public Builder engine(String name) { this.engine = name; return this; }

        /**
         * Shares translated code with the other emulators built with {@code code} (default: none):
         * a block one of them has translated is not translated again by the others (the JIT; the
         * interpreter ignores it). Each emulator keeps its own memory, registers and hooks; what
         * one guest writes never changes another's code. See {@link SharedCode}.
         */
        public Builder sharedCode(SharedCode code) { this.sharedCode = code; return this; }

        public Emulator build() { return new Emulator(this); }
    }

    // ================================================================== threads

    /** Throws if another thread is running this emulator. */
    void checkOwner() {
        Thread t = runner.get();
        if (t != null && t != Thread.currentThread()) {
            throw new IllegalStateException("the emulator is running on thread '" + t.getName()
                    + "'; from other threads only stop() may be called");
        }
    }

    // ================================================================== memory

    GuestMemory memory() {
        return mem;
    }

    /** Maps fresh zeroed memory at [address, address+size) (4 KiB aligned) with {@link Perm} flags. */
    public void map(long address, long size, int perms) {
        checkOwner();
        mem.map(address, size, perms, null);
    }

    /**
     * Maps caller-owned pages without copying: each array (exactly 4096 bytes) becomes the guest
     * frame at {@code address + 4096*k}. Guest writes land in the arrays and the guest sees host
     * writes to them. Writes you make to the arrays directly are not seen by code tracking: if
     * they hold code, call {@link #flushCode(long, long)} after changing them (or write through
     * {@link #write}, which keeps code coherent). {@link #unmap} hands the arrays back (the frame
     * gets a fresh array).
     *
     * <p>There is no {@code MemorySegment} variant: guest frames are {@code byte[4096]} arrays (the
     * TLB fast path is a VarHandle over them), so an off-heap or single large segment could only be
     * mapped by copying, which this method exists to avoid.
     */
    public void mapHost(long address, byte[][] pages, int perms) {
        checkOwner();
        long[] frames = new long[pages.length];
        for (byte[] p : pages) {
            if (p.length != 4096) throw new EmulatorException("mapHost takes 4096-byte arrays, not " + p.length);
        }
        for (int k = 0; k < pages.length; k++) {
            frames[k] = mem.allocFrame();
            machine.phys.adoptFrame(frames[k] >>> 12, pages[k]);
            mem.adopted.put(frames[k] >>> 12, pages[k]);
        }
        mem.map(address, (long) pages.length << 12, perms, frames);
    }

    /** Unmaps [address, address+size), every page of which must be mapped; frees the memory. */
    public void unmap(long address, long size) {
        checkOwner();
        mem.unmap(address, size);
    }

    /** Changes the permissions of [address, address+size), every page of which must be mapped. */
    public void protect(long address, long size, int perms) {
        checkOwner();
        mem.protect(address, size, perms);
    }

    /** The mapped regions, in address order, adjacent pages with equal permissions merged. */
    public List<MemRegion> regions() {
        checkOwner();
        return mem.regions();
    }

    /** Host read of mapped memory, whatever the guest permissions. */
    public byte[] read(long address, int len) {
        byte[] out = new byte[len];
        read(address, out, 0, len);
        return out;
    }

    public void read(long address, byte[] dst, int off, int len) {
        checkOwner();
        mem.hostRead(address, dst, off, len);
    }

    /**
     * Host write to mapped memory, whatever the guest permissions. Decoded or translated code in
     * the written range is dropped (the next execution decodes the new bytes).
     */
    public void write(long address, byte[] bytes) {
        write(address, bytes, 0, bytes.length);
    }

    public void write(long address, byte[] src, int off, int len) {
        checkOwner();
        mem.hostWrite(address, src, off, len);
    }

    /** Reads a little-endian 64-bit value. */
    public long readLong(long address) {
        byte[] b = read(address, 8);
        long v = 0;
        for (int k = 7; k >= 0; k--) v = (v << 8) | (b[k] & 0xFF);
        return v;
    }

    /** Writes a little-endian 64-bit value. */
    public void writeLong(long address, long value) {
        byte[] b = new byte[8];
        for (int k = 0; k < 8; k++) b[k] = (byte) (value >>> (8 * k));
        write(address, b);
    }

    /**
     * The physical address {@code virtual} maps to in the current page tables (CR3), or -1. No
     * side effects: no TLB fill, no accessed bits.
     */
    public long translate(long virtual) {
        checkOwner();
        return cpu.mmu.peek(virtual);
    }

    // ================================================================== registers

    public long regRead(Reg reg) {
        checkOwner();
        int g = reg.gprIndex();
        if (g >= 0) return cpu.r[g];
        if (reg.mmIndex() >= 0) return cpu.fpm[reg.mmIndex()];
        return switch (reg) {
            case RIP -> cpu.rip;
            case RFLAGS -> cpu.getRflags();
            case ES -> cpu.segSel[Cpu.ES]; case CS -> cpu.segSel[Cpu.CS]; case SS -> cpu.segSel[Cpu.SS];
            case DS -> cpu.segSel[Cpu.DS]; case FS -> cpu.segSel[Cpu.FS]; case GS -> cpu.segSel[Cpu.GS];
            case FS_BASE -> cpu.segBase[Cpu.FS];
            case GS_BASE -> cpu.segBase[Cpu.GS];
            case KERNEL_GS_BASE -> cpu.kernelGsBase;
            case CR0 -> cpu.cr0; case CR2 -> cpu.cr2; case CR3 -> cpu.cr3; case CR4 -> cpu.cr4; case CR8 -> cpu.cr8;
            case EFER -> cpu.efer;
            case GDTR_BASE -> cpu.gdtrBase; case GDTR_LIMIT -> cpu.gdtrLimit & 0xFFFF;
            case IDTR_BASE -> cpu.idtrBase; case IDTR_LIMIT -> cpu.idtrLimit & 0xFFFF;
            case TR -> cpu.trSel; case LDTR -> cpu.ldtrSel;
            case CPL -> cpu.cpl;
            case MXCSR -> cpu.mxcsr & 0xFFFF_FFFFL;
            case FCW -> cpu.fcw;
            case FSW -> cpu.fsw & 0xFFFF;
            case FTW -> X87.tagWord(cpu);
            default -> throw new IllegalArgumentException(reg + " is 128-bit: use regRead128");
        };
    }

    /** An XMM register as {bits 63:0, bits 127:64}; an x87 register ST(i) as {significand, sign/exponent}. */
    public long[] regRead128(Reg reg) {
        checkOwner();
        if (reg.stIndex() >= 0) return X87.stRead(cpu, reg.stIndex());
        int x = xmm(reg);
        return new long[] {cpu.xmm[2 * x], cpu.xmm[2 * x + 1]};
    }

    /** Writes an XMM register: {@code lo} = bits 63:0, {@code hi} = bits 127:64. */
    public void regWrite128(Reg reg, long lo, long hi) {
        checkOwner();
        if (reg.stIndex() >= 0) {
            X87.stWrite(cpu, reg.stIndex(), lo, (int) hi);
            return;
        }
        int x = xmm(reg);
        cpu.xmm[2 * x] = lo;
        cpu.xmm[2 * x + 1] = hi;
    }

    private static int xmm(Reg reg) {
        int x = reg.xmmIndex();
        if (x < 0) throw new IllegalArgumentException(reg + " is not an XMM register");
        return x;
    }

    /** Reads several registers at once, in the order given. */
    public long[] regRead(Reg... regs) {
        long[] out = new long[regs.length];
        for (int k = 0; k < regs.length; k++) out[k] = regRead(regs[k]);
        return out;
    }

    /**
     * Writes a register. Control registers, EFER and selectors go through the processor's rules
     * (as MOV CR / WRMSR / a descriptor load at CPL 0 would); a value the processor refuses
     * throws {@link EmulatorException} and changes nothing.
     */
    public void regWrite(Reg reg, long value) {
        checkOwner();
        int g = reg.gprIndex();
        if (g >= 0) { cpu.r[g] = value; return; }
        if (reg.mmIndex() >= 0) { dev.lstar.runtime.ops.Mmx.write(cpu, reg.mmIndex(), value); return; }
        switch (reg) {
            case RIP -> cpu.rip = value;
            case RFLAGS -> cpu.setRflags(value);
            case ES -> loadSelector(Cpu.ES, (int) value); case CS -> loadSelector(Cpu.CS, (int) value);
            case SS -> loadSelector(Cpu.SS, (int) value); case DS -> loadSelector(Cpu.DS, (int) value);
            case FS -> loadSelector(Cpu.FS, (int) value); case GS -> loadSelector(Cpu.GS, (int) value);
            case FS_BASE -> msrWrite(Msrs.FS_BASE, value);
            case GS_BASE -> msrWrite(Msrs.GS_BASE, value);
            case KERNEL_GS_BASE -> msrWrite(Msrs.KERNEL_GS_BASE, value);
            case CR0 -> asCpl0(() -> ControlRegs.movToCr(cpu, 0, value));
            case CR2 -> cpu.cr2 = value;
            case CR3 -> asCpl0(() -> ControlRegs.movToCr(cpu, 3, value));
            case CR4 -> asCpl0(() -> ControlRegs.movToCr(cpu, 4, value));
            case CR8 -> asCpl0(() -> ControlRegs.movToCr(cpu, 8, value));
            case EFER -> msrWrite(Msrs.EFER, value);
            case GDTR_BASE -> cpu.gdtrBase = value;
            case GDTR_LIMIT -> cpu.gdtrLimit = (int) (value & 0xFFFF);
            case IDTR_BASE -> cpu.idtrBase = value;
            case IDTR_LIMIT -> {
                boolean wasEmpty = cpu.idtrLimit == 0;
                cpu.idtrLimit = (int) (value & 0xFFFF);
                if (wasEmpty != (cpu.idtrLimit == 0)) hooks.idtChanged();
            }
            case MXCSR -> {
                if ((value & ~(long) dev.lstar.runtime.ops.Sse.MXCSR_MASK) != 0) {
                    throw new EmulatorException("the processor refuses: MXCSR reserved bits in 0x" + Long.toHexString(value));
                }
                cpu.mxcsr = (int) value;
            }
            case FCW -> X87.loadControlWord(cpu, (int) value);
            case FSW -> cpu.fsw = (int) (value & 0xFFFF);
            case FTW -> X87.setTagWord(cpu, (int) value);
            default -> throw new IllegalArgumentException(reg + (reg.xmmIndex() >= 0 || reg.stIndex() >= 0 ? " is 128-bit: use regWrite128" : " is read-only"));
        }
    }

    /** Writes several registers (in the map's iteration order). */
    public void regWrite(Map<Reg, Long> values) {
        for (Map.Entry<Reg, Long> e : values.entrySet()) regWrite(e.getKey(), e.getValue());
    }

    private void loadSelector(int seg, int sel) {
        sel &= 0xFFFF;
        if ((sel & ~3) == 0) {
            if (seg == Cpu.CS) throw new EmulatorException("CS cannot be null");
            cpu.segSel[seg] = sel;
            cpu.segAttr[seg] = Cpu.ATTR_UNUSABLE; // a null data selector: usable in 64-bit mode for nothing (FS/GS bases stay)
            return;
        }
        final int s = sel;
        asCpl0(() -> {
            long d = Segments.readDescriptor(cpu, s);
            if (!Segments.present(Segments.attrOf(d))) throw CpuException.np(s & 0xFFFC, "descriptor not present");
            Segments.loadCache(cpu, seg, s, d);
        });
        if (seg == Cpu.CS) cpu.setCpl(sel & 3);
    }

    /** Runs a processor helper with CPL 0 (host access is not limited by the guest's privilege). */
    private void asCpl0(Runnable r) {
        int cpl = cpu.cpl;
        cpu.setCpl(0);
        try {
            r.run();
        } catch (CpuException e) {
            throw new EmulatorException("the processor refuses: " + e.describe() + ": " + e.getMessage(), e);
        } finally {
            cpu.setCpl(cpl);
        }
    }

    /** RDMSR from the host (whatever the CPL). Unmodelled MSRs throw {@link EmulatorException}. */
    public long msrRead(int index) {
        checkOwner();
        long[] out = new long[1];
        asCpl0(() -> out[0] = Msrs.rdmsr(cpu, index));
        return out[0];
    }

    /** WRMSR from the host (whatever the CPL), with the processor's value checks (#GP becomes {@link EmulatorException}). */
    public void msrWrite(int index, long value) {
        checkOwner();
        asCpl0(() -> Msrs.wrmsr(cpu, index, value));
    }

    // ================================================================== hooks

    /** Code hook on every instruction. */
    public HookHandle hookCode(CodeHook hook) { return hookCode(1, 0, hook); }

    /** Code hook on instructions starting in [begin, end] (inclusive; begin &gt; end: everywhere). */
    public HookHandle hookCode(long begin, long end, CodeHook hook) {
        checkOwner();
        return hooks.add(HookSet.K_CODE, begin, end, hook, null, null);
    }

    public HookHandle hookBlock(BlockHook hook) { return hookBlock(1, 0, hook); }

    /** Block hook on blocks starting in [begin, end]. */
    public HookHandle hookBlock(long begin, long end, BlockHook hook) {
        checkOwner();
        return hooks.add(HookSet.K_BLOCK, begin, end, hook, null, null);
    }

    /** Memory hook for {@code kinds} among READ, WRITE, FETCH on addresses in [begin, end]. */
    public HookHandle hookMem(Set<MemAccess> kinds, long begin, long end, MemHook hook) {
        checkOwner();
        for (MemAccess k : kinds) if (k.isFault()) throw new IllegalArgumentException(k + ": use hookMemFault");
        return hooks.add(HookSet.K_MEM, begin, end, hook, kinds, null);
    }

    /** Fault hook for {@code kinds} among the *_UNMAPPED and *_PROT kinds on addresses in [begin, end]. */
    public HookHandle hookMemFault(Set<MemAccess> kinds, long begin, long end, MemFaultHook hook) {
        checkOwner();
        for (MemAccess k : kinds) if (!k.isFault()) throw new IllegalArgumentException(k + ": use hookMem");
        return hooks.add(HookSet.K_FAULT, begin, end, hook, kinds, null);
    }

    /** Fault hook for every unmapped and protection fault anywhere. */
    public HookHandle hookMemFault(MemFaultHook hook) {
        return hookMemFault(java.util.EnumSet.range(MemAccess.READ_UNMAPPED, MemAccess.FETCH_PROT), 1, 0, hook);
    }

    public HookHandle hookInterrupt(InterruptHook hook) {
        checkOwner();
        return hooks.add(HookSet.K_INTR, 1, 0, hook, null, null);
    }

    public HookHandle hookInsn(Insn insn, InsnHook hook) {
        checkOwner();
        return hooks.add(HookSet.K_INSN, 1, 0, hook, null, insn);
    }

    /** The hook registry the engines read (see {@link Machine.Hooks} for their contract). */
    public HookSet hooks() {
        return hooks;
    }

    // ================================================================== run control

    /** Runs from {@code begin} until RIP reaches {@code until} (or {@link #NO_UNTIL}), or something else stops it. */
    public StopInfo start(long begin, long until) {
        return start(begin, until, 0, 0);
    }

    /**
     * Runs from {@code begin} (Unicorn's {@code uc_emu_start}). Stops when RIP reaches
     * {@code until} (that instruction does not run; {@link #NO_UNTIL} for none), after
     * {@code count} instructions (0: no limit; exact on the interpreter), after
     * {@code timeoutMicros} (0: none; checked at block boundaries), on {@link #stop()}, on HLT,
     * or on a fault the guest cannot take. Exceptions thrown by hooks propagate out of this call.
     * A guest that touches more memory than the host heap can back stops with
     * {@link StopInfo.Reason#OUT_OF_MEMORY}, not an exception.
     */
    public StopInfo start(long begin, long until, long timeoutMicros, long count) {
        if (!runner.compareAndSet(null, Thread.currentThread())) {
            throw new IllegalStateException("the emulator is already running on thread '" + runner.get().getName() + "'");
        }
        try {
            machine.takeStop(); // a stop() that arrived while nothing ran is forgotten
            timedOut = false;
            cpu.halted = false;
            cpu.rip = begin;
            ScheduledFuture<?> watchdog = timeoutMicros > 0
                    ? WATCHDOG.schedule(() -> { timedOut = true; machine.requestStop("timeout"); }, timeoutMicros, TimeUnit.MICROSECONDS)
                    : null;
            RunResult r;
            long before = cpu.instructions;
            try {
                r = (gdb != null ? gdb : engine).run(machine, count > 0 ? count : Long.MAX_VALUE, until);
            } catch (dev.lstar.runtime.mem.PhysicalMemory.HostMemoryExhaustedException e) {
                return new StopInfo(StopInfo.Reason.OUT_OF_MEMORY, cpu.instructions - before, cpu.rip, -1, -1, 0, e.getMessage());
            } finally {
                if (watchdog != null) watchdog.cancel(false);
            }
            StopInfo info = toStopInfo(r);
            if (gdb != null) { // the session ends with this run: gdb sees an exit (a fault as its signal)
                gdb.exited(0, info.reason() == StopInfo.Reason.FAULT ? dev.lstar.api.gdb.GdbStub.signalFor(info.vector()) : 0);
                gdb = null;
            }
            return info;
        } finally {
            runner.set(null);
        }
    }

    /**
     * Starts a gdb remote stub on the loopback address ({@code port} 0: any free port, see
     * {@link dev.lstar.api.gdb.GdbStub#port()}). The next {@link #start} waits for gdb before its
     * first instruction and runs under gdb's control (breakpoints, steps, watchpoints, Ctrl-C);
     * the session ends with that run, which gdb sees as an exit (W00) or, after a fault the
     * guest cannot take, as the fault's signal. Faults the guest's own IDT handles are not
     * stopped at (use {@link dev.lstar.api.gdb.GdbStub#setFaultPolicy} to choose). Breakpoints,
     * steps and watchpoints act in every ring.
     */
    public dev.lstar.api.gdb.GdbStub gdbServer(int port) throws java.io.IOException {
        checkOwner();
        if (gdb != null) throw new IllegalStateException("a gdb stub is already attached");
        gdb = dev.lstar.api.gdb.GdbStub.listen(machine, engine, port).setKernelToo(true); // a bare machine: every ring is the guest
        return gdb;
    }

    private StopInfo toStopInfo(RunResult r) {
        long n = r.instructions();
        return switch (r.reason()) {
            case BUDGET -> new StopInfo(StopInfo.Reason.COUNT_EXHAUSTED, n, cpu.rip, -1, -1, 0, null);
            case UNTIL_REACHED -> new StopInfo(StopInfo.Reason.UNTIL_REACHED, n, cpu.rip, -1, -1, 0, null);
            case REQUESTED -> new StopInfo(timedOut ? StopInfo.Reason.TIMEOUT : StopInfo.Reason.STOPPED, n, cpu.rip, -1, -1, 0, r.message());
            case HALTED -> new StopInfo(StopInfo.Reason.HALTED, n, cpu.rip, -1, -1, 0, r.message());
            case TRIPLE_FAULT -> new StopInfo(StopInfo.Reason.TRIPLE_FAULT, n, cpu.rip, -1, -1, 0, r.message());
            case UNSUPPORTED -> new StopInfo(StopInfo.Reason.UNSUPPORTED, n, cpu.rip, -1, -1, 0, r.message());
            case UNHANDLED_FAULT -> {
                CpuException e = r.fault();
                yield new StopInfo(StopInfo.Reason.FAULT, n, r.faultRip(), e.vector, e.hasErrorCode ? e.errorCode : -1,
                        e.vector == CpuException.PF ? e.address : 0, r.message());
            }
        };
    }

    /**
     * Stops a run at the next block boundary (or, from a code hook, before the hooked
     * instruction). Any thread, any time; a stop that arrives while nothing runs is dropped by
     * the next {@link #start}.
     */
    public void stop() {
        machine.requestStop("stop()");
    }

    /** Whether a {@link #start} is in progress. */
    public boolean running() {
        return runner.get() != null;
    }

    // ================================================================== context and snapshots

    /** An immutable copy of the CPU state. */
    public Context contextSave() {
        checkOwner();
        return Context.capture(cpu);
    }

    /**
     * Restores CPU state saved by {@link #contextSave()} (memory is not touched); flushes the TLB
     * when CR0, CR3, CR4 or EFER change.
     */
    public void contextRestore(Context ctx) {
        checkOwner();
        boolean idtWasEmpty = cpu.idtrLimit == 0;
        boolean flush = !ctx.samePaging(cpu);
        ctx.applyTo(cpu);
        if (flush) cpu.mmu.flushAll();
        if (idtWasEmpty != (cpu.idtrLimit == 0)) hooks.idtChanged();
    }

    /** Saves CPU state and all guest memory; see {@link Snapshot} for the cost model. */
    public Snapshot snapshot() {
        checkOwner();
        var phys = machine.phys;
        // copy-on-write: nothing is copied now; a frame is saved just before its first write.
        // The previous snapshot stops being tracked, so it takes its remaining frames now.
        if (baseline != null) baseline.materialize(phys);
        int nframes = (int) (mem.nextFrame >>> 12);
        Snapshot s = new Snapshot(this, Context.capture(cpu), new byte[nframes][], mem.nextFrame,
                java.util.Arrays.copyOf(mem.free, mem.freeTop), mem.freeTop, new TreeMap<>(mem.pages),
                new TreeMap<>(mem.adopted), mem.version);
        phys.setFirstWriteListener(pfn -> { if (baseline != null) baseline.copyBeforeWrite(phys, pfn); });
        phys.watchAllWrites();
        baseline = s;
        return s;
    }

    /** Puts memory, mappings and CPU state back as they were at {@code snap}. */
    public void restore(Snapshot snap) {
        checkOwner();
        if (snap.owner != this) throw new IllegalArgumentException("snapshot of another emulator");
        var phys = machine.phys;
        // The TLB survives a restore when neither the mappings, the paging controls nor a frame
        // holding paging entries (accessed/dirty bits set since the snapshot) changed; otherwise
        // it is flushed, so that the run after a restore walks and sets those bits as a fresh run
        // does — stale entries would be legal hardware behaviour, but results would then depend
        // on the history of earlier runs (lockstep saw its two engines' TLBs disagree).
        boolean flush = mem.version != snap.version || !snap.context.samePaging(cpu);
        // mapping bookkeeping and the allocator
        if (mem.version != snap.version || baseline != snap) {
            for (Map.Entry<Long, byte[]> e : new ArrayList<>(mem.adopted.entrySet())) {
                if (snap.adopted.get(e.getKey()) != e.getValue()) phys.adoptFrame(e.getKey(), new byte[4096]);
            }
            for (Map.Entry<Long, byte[]> e : snap.adopted.entrySet()) {
                if (phys.frameIfPresent(e.getKey()) != e.getValue()) phys.adoptFrame(e.getKey(), e.getValue());
            }
            mem.adopted = new TreeMap<>(snap.adopted);
            mem.pages = new TreeMap<>(snap.pages);
            mem.version = snap.version;
        }
        mem.nextFrame = snap.nextFrame;
        mem.free = java.util.Arrays.copyOf(snap.free, Math.max(16, snap.free.length));
        mem.freeTop = snap.freeTop;
        // memory
        if (baseline == snap) {
            var walked = cpu.mmu.walkedFrames;
            for (long pfn = phys.nextDirty(0); pfn >= 0; pfn = phys.nextDirty(pfn + 1)) {
                if (restoreFrame(snap, pfn) && walked.get((int) pfn)) flush = true;
                phys.rewatch(pfn);
            }
        } else {
            // the current baseline keeps its copy-on-write copies up to date while we overwrite
            // frames, then is completed before it stops being tracked
            long n = Math.max(phys.frameCount(), 0);
            for (long pfn = 0; pfn < n; pfn++) {
                if (restoreFrame(snap, pfn) && cpu.mmu.walkedFrames.get((int) pfn)) flush = true;
            }
            if (baseline != null) baseline.materialize(phys);
            phys.watchAllWrites();
            baseline = snap;
        }
        boolean idtWasEmpty = cpu.idtrLimit == 0;
        snap.context.applyTo(cpu);
        if (flush) cpu.mmu.flushAll();
        if (idtWasEmpty != (cpu.idtrLimit == 0)) hooks.idtChanged();
    }

    /** Puts frame {@code pfn} back as the snapshot has it; whether its contents changed. */
    private boolean restoreFrame(Snapshot snap, long pfn) {
        var phys = machine.phys;
        byte[] want = pfn < snap.frames.length ? snap.frames[(int) pfn] : null;
        byte[] cur = phys.frameIfPresent(pfn);
        if (want == null) {
            if (cur == null) return false;
            phys.fill(pfn << 12, 0, 4096);
            return true;
        } else if (cur == null || !java.util.Arrays.equals(cur, want)) {
            phys.write(pfn << 12, want, 0, 4096); // code frames: stale blocks are dropped
            return true;
        }
        return false;
    }

    // ================================================================== code cache

    /** Drops every decoded/translated block. */
    public void flushCode() {
        checkOwner();
        engine.flush();
    }

    /** Drops the blocks overlapping linear [address, address+size); returns how many. */
    public int flushCode(long address, long size) {
        checkOwner();
        long last = address + Math.max(size, 1) - 1;
        return machine.invalidateBlocks((la, pa, len, insns) ->
                Long.compareUnsigned(la + Math.max(len, 1) - 1, address) >= 0 && Long.compareUnsigned(la, last) <= 0);
    }

    /**
     * Decodes (interpreter) or translates (engines implementing {@link CodeCacheControl}) the
     * straight-line blocks covering [address, address+size) at the current privilege, so the
     * first execution does not pay for it. Returns the number of blocks built; stops early at an
     * address that does not translate.
     */
    public int precompile(long address, long size) {
        checkOwner();
        int n = 0;
        long a = address, end = address + size;
        try {
            while (Long.compareUnsigned(a, end) < 0) {
                int len;
                try {
                    if (engine instanceof Interpreter in) {
                        Block b = in.cache().lookup(a);
                        len = b.byteLen;
                    } else if (engine instanceof CodeCacheControl cc) {
                        len = cc.precompile(a);
                    } else {
                        throw new UnsupportedOperationException("engine " + engineName + " cannot precompile");
                    }
                } catch (CpuException e) {
                    break; // does not translate for execution
                }
                if (len <= 0) break;
                n++;
                a += len;
            }
        } finally {
            if (engine instanceof CodeCacheControl cc) cc.precompileDone(); // (the JIT translates the range's blocks together)
        }
        return n;
    }

    // ================================================================== escape hatches

    /** The underlying machine (CPU fields, MMU, physical memory) for what the API does not cover. */
    public Machine machine() {
        return machine;
    }

    public Engine engine() {
        return engine;
    }

    public String engineName() {
        return engineName;
    }

    /** Nothing to release (memory is garbage-collected); stops a run in progress. */
    @Override
    public void close() {
        stop();
    }
}
