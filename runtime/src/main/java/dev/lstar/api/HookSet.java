package dev.lstar.api;

import dev.lstar.decoder.Access;
import dev.lstar.decoder.Decoder;
import dev.lstar.decoder.Instruction;
import dev.lstar.decoder.Mnemonic;
import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.CpuException;
import dev.lstar.runtime.Machine;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

/**
 * The hooks installed on one {@link Emulator}, and their dispatch: the {@link Machine.Hooks}
 * implementation every engine calls (see that interface for the engine contract).
 *
 * <p><b>Which blocks a hook change invalidates.</b> Adding or removing a hook drops exactly the
 * cached blocks whose {@link #covers} answer may change:
 * <ul>
 *   <li>code and fetch hooks: blocks whose bytes overlap the hook's range;</li>
 *   <li>block hooks: blocks whose first byte lies in the range;</li>
 *   <li>memory read/write hooks: every block with an instruction that accesses memory (the data
 *       address is known only when the instruction runs; {@link AccessModel} predicts the accesses);</li>
 *   <li>instruction hooks: blocks containing that instruction;</li>
 *   <li>interrupt hooks: blocks containing INT n / INT3;</li>
 *   <li>memory-fault hooks: none (they run on the exception path, which every engine takes).</li>
 * </ul>
 * Hook lists are copy-on-write arrays: dispatch allocates nothing. Hooks may be added and removed
 * from inside hook callbacks; a change takes effect at the next block boundary.
 */
public final class HookSet implements Machine.Hooks {
    static final int K_CODE = 0, K_BLOCK = 1, K_MEM = 2, K_FAULT = 3, K_INTR = 4, K_INSN = 5;

    private final Emulator emu;
    private final Machine machine;
    private final Cpu cpu;

    private Entry[] code = new Entry[0], block = new Entry[0], mem = new Entry[0], fault = new Entry[0],
            intr = new Entry[0], insn = new Entry[0];
    /** Kinds of memory access some mem hook wants (READ, WRITE, FETCH). */
    private boolean memRead, memWrite, memFetch;
    /** Instruction hooks per {@link Insn} ordinal. */
    private final int[] insnCount = new int[Insn.values().length];

    // pending writes of the current instruction (reported after it completes)
    private final long[] wAddr = new long[4];
    private final int[] wSize = new int[4];
    private int wCount;

    // retry guard for memory-fault hooks
    private long retryRip = -1, retryAddr, retryCount;
    private int retryKind = -1;

    /** Statistics: hook callbacks made. */
    public long callbacks;

    HookSet(Emulator emu, Machine machine) {
        this.emu = emu;
        this.machine = machine;
        this.cpu = machine.cpu;
    }

    /** One installed hook. */
    final class Entry implements HookHandle {
        final int kind;
        final long begin, end;
        final Object fn;
        final Set<MemAccess> accesses;
        final Insn insnKind;
        volatile boolean active = true;

        Entry(int kind, long begin, long end, Object fn, Set<MemAccess> accesses, Insn insnKind) {
            this.kind = kind;
            this.begin = begin;
            this.end = end;
            this.fn = fn;
            this.accesses = accesses;
            this.insnKind = insnKind;
        }

        /** Unicorn's convention: begin &gt; end means every address. */
        boolean in(long a) {
            return Long.compareUnsigned(begin, end) > 0
                    || (Long.compareUnsigned(a, begin) >= 0 && Long.compareUnsigned(a, end) <= 0);
        }

        boolean overlaps(long first, long last) {
            return Long.compareUnsigned(begin, end) > 0
                    || (Long.compareUnsigned(last, begin) >= 0 && Long.compareUnsigned(first, end) <= 0);
        }

        /** Whether a block's {@link #covers} answer depends on this hook. */
        boolean affects(long la, int byteLen, Instruction[] insns) {
            long last = la + Math.max(byteLen, 1) - 1;
            return switch (kind) {
                case K_CODE -> overlaps(la, last);
                case K_BLOCK -> in(la);
                case K_MEM -> (accesses.contains(MemAccess.FETCH) && overlaps(la, last))
                        || ((accesses.contains(MemAccess.READ) || accesses.contains(MemAccess.WRITE))
                            && AccessModel.anyMemoryAccess(insns));
                case K_INTR -> anySoftInt(insns);
                case K_INSN -> anyInsn(insns, insnKind);
                default -> false;
            };
        }

        @Override
        public void remove() {
            emu.checkOwner();
            synchronized (HookSet.this) {
                if (!active) return;
                active = false;
                Entry[] list = listOf(kind);
                int k = Arrays.asList(list).indexOf(this);
                Entry[] n = new Entry[list.length - 1];
                System.arraycopy(list, 0, n, 0, k);
                System.arraycopy(list, k + 1, n, k, list.length - k - 1);
                setList(kind, n);
            }
            changed(this);
        }

        @Override
        public boolean active() {
            return active;
        }
    }

    private Entry[] listOf(int kind) {
        return switch (kind) {
            case K_CODE -> code; case K_BLOCK -> block; case K_MEM -> mem; case K_FAULT -> fault; case K_INTR -> intr;
            default -> insn;
        };
    }

    private void setList(int kind, Entry[] n) {
        switch (kind) {
            case K_CODE -> code = n; case K_BLOCK -> block = n; case K_MEM -> mem = n; case K_FAULT -> fault = n;
            case K_INTR -> intr = n; default -> insn = n;
        }
        recompute();
    }

    private void recompute() {
        boolean r = false, w = false, f = false;
        for (Entry e : mem) {
            r |= e.accesses.contains(MemAccess.READ);
            w |= e.accesses.contains(MemAccess.WRITE);
            f |= e.accesses.contains(MemAccess.FETCH);
        }
        memRead = r; memWrite = w; memFetch = f;
        Arrays.fill(insnCount, 0);
        for (Entry e : insn) insnCount[e.insnKind.ordinal()]++;
    }

    HookHandle add(int kind, long begin, long end, Object fn, Set<MemAccess> accesses, Insn insnKind) {
        if (fn == null) throw new NullPointerException("hook");
        Entry e = new Entry(kind, begin, end, fn, accesses == null ? Set.of() : EnumSet.copyOf(accesses), insnKind);
        synchronized (this) {
            Entry[] list = listOf(kind);
            Entry[] n = Arrays.copyOf(list, list.length + 1);
            n[list.length] = e;
            setList(kind, n);
        }
        changed(e);
        return e;
    }

    /** Drops the cached blocks whose hook coverage {@code e} changes. */
    private void changed(Entry e) {
        if (e.kind == K_FAULT) return;
        machine.invalidateBlocks((la, pa, len, insns) -> e.affects(la, len, insns));
    }

    /** The IDT became empty or non-empty: INT n blocks change coverage (see {@link #covers}). */
    void idtChanged() {
        machine.invalidateBlocks((la, pa, len, insns) -> anySoftInt(insns));
    }

    /** Number of installed hooks (all kinds). */
    public int size() {
        return code.length + block.length + mem.length + fault.length + intr.length + insn.length;
    }

    // ================================================================== Machine.Hooks

    @Override
    public boolean covers(long la, int byteLen, Instruction[] insns) {
        long last = la + Math.max(byteLen, 1) - 1;
        for (Entry e : code) if (e.overlaps(la, last)) return true;
        for (Entry e : block) if (e.in(la)) return true;
        if (memFetch) for (Entry e : mem) if (e.accesses.contains(MemAccess.FETCH) && e.overlaps(la, last)) return true;
        if ((memRead || memWrite) && AccessModel.anyMemoryAccess(insns)) return true;
        if (insn.length > 0) for (Entry e : insn) if (anyInsn(insns, e.insnKind)) return true;
        // INT n with hooks, or with no IDT: reported as the vector itself rather than the #GP/#DF cascade
        return (intr.length > 0 || cpu.idtrLimit == 0) && anySoftInt(insns);
    }

    @Override
    public int enterBlock(Machine m, long la, int byteLen) {
        Entry[] list = block;
        for (Entry e : list) {
            if (e.active && e.in(la)) {
                callbacks++;
                ((BlockHook) e.fn).onBlock(emu, la, byteLen);
                if (cpu.rip != la || m.stopRequested()) return LEAVE;
            }
        }
        return EXECUTE;
    }

    @Override
    public int beforeInstruction(Machine m, Instruction i) {
        long a = i.address;
        wCount = 0;
        for (Entry e : code) {
            if (e.active && e.in(a)) {
                callbacks++;
                ((CodeHook) e.fn).onCode(emu, a, i.length);
                if (cpu.rip != a || m.stopRequested()) return LEAVE;
            }
        }
        if (memFetch) {
            for (Entry e : mem) {
                if (e.active && e.accesses.contains(MemAccess.FETCH) && e.in(a)) {
                    callbacks++;
                    ((MemHook) e.fn).onAccess(emu, MemAccess.FETCH, a, i.length, 0);
                    if (cpu.rip != a || m.stopRequested()) return LEAVE;
                }
            }
        }
        if (insn.length > 0) {
            Insn k = classify(i);
            if (k != null && insnCount[k.ordinal()] > 0) {
                for (Entry e : insn) {
                    if (!e.active || e.insnKind != k) continue;
                    callbacks++;
                    boolean handled = ((InsnHook) e.fn).onInsn(emu, k, a);
                    if (handled) {
                        if (cpu.rip == a) cpu.rip = i.next();
                        return SKIP;
                    }
                    if (cpu.rip != a || m.stopRequested()) return LEAVE;
                }
            }
        }
        if ((i.mnemonic == Mnemonic.INT || i.mnemonic == Mnemonic.INT3) && (intr.length > 0 || cpu.idtrLimit == 0)) {
            // a software interrupt: handed to onException (interrupt hooks, then the IDT or a FAULT stop)
            throw CpuException.softInt(i.mnemonic == Mnemonic.INT3 ? CpuException.BP : (int) (i.imm & 0xFF));
        }
        if (memRead || memWrite) AccessModel.predict(cpu, i, sink);
        return EXECUTE;
    }

    @Override
    public void afterInstruction(Machine m, Instruction i) {
        int n = wCount;
        wCount = 0;
        for (int k = 0; k < n; k++) {
            long addr = wAddr[k];
            int size = wSize[k];
            long value = -2; // read lazily
            for (Entry e : mem) {
                if (e.active && e.accesses.contains(MemAccess.WRITE) && e.in(addr)) {
                    if (value == -2) value = peekValue(addr, size);
                    callbacks++;
                    ((MemHook) e.fn).onAccess(emu, MemAccess.WRITE, addr, size, value);
                }
            }
        }
    }

    @Override
    public int onException(Machine m, CpuException e, long faultRip, long nextRip) {
        if (e.vector == CpuException.PF && fault.length > 0) {
            MemAccess kind = faultKind(e);
            boolean again = retryRip == faultRip && retryAddr == e.address && retryKind == kind.ordinal()
                    && retryCount == cpu.instructions;
            retryRip = -1;
            if (!again) {
                int size = kind == MemAccess.FETCH_UNMAPPED || kind == MemAccess.FETCH_PROT ? 1 : operandSize(faultRip);
                for (Entry h : fault) {
                    if (!h.active || !h.accesses.contains(kind) || !h.in(e.address)) continue;
                    callbacks++;
                    if (((MemFaultHook) h.fn).onFault(emu, kind, e.address, size, 0)) {
                        retryRip = faultRip;
                        retryAddr = e.address;
                        retryKind = kind.ordinal();
                        retryCount = cpu.instructions;
                        return RETRY;
                    }
                }
            }
        }
        if (intr.length > 0) {
            int err = e.hasErrorCode ? e.errorCode : -1;
            for (Entry h : intr) {
                if (!h.active) continue;
                callbacks++;
                if (((InterruptHook) h.fn).onInterrupt(emu, e.vector, err)) {
                    if (e.trap) {
                        cpu.instructions++;
                        if (cpu.rip == faultRip) cpu.rip = nextRip;
                    }
                    cpu.halted = false;
                    return CONTINUE;
                }
            }
        }
        return DELIVER;
    }

    // ================================================================== helpers

    /** #PF error code (SDM Vol. 3A §4.7: P bit 0, W/R bit 1, I/D bit 4) to a MemAccess kind. */
    private MemAccess faultKind(CpuException e) {
        boolean present = (e.errorCode & 1) != 0 || emu.memory().isMapped(e.address);
        if ((e.errorCode & 16) != 0) return present ? MemAccess.FETCH_PROT : MemAccess.FETCH_UNMAPPED;
        if ((e.errorCode & 2) != 0) return present ? MemAccess.WRITE_PROT : MemAccess.WRITE_UNMAPPED;
        return present ? MemAccess.READ_PROT : MemAccess.READ_UNMAPPED;
    }

    private final Instruction scratch = new Instruction();

    /** Size of the memory operand of the instruction at {@code rip} (decoded from guest memory without side effects). */
    private int operandSize(long rip) {
        try {
            scratch.clear();
            Decoder.decode(la -> {
                long pa = cpu.mmu.peek(la);
                return pa < 0 ? 0 : machine.phys.read8(pa);
            }, rip, scratch);
        } catch (RuntimeException ex) {
            return 0;
        }
        int m = Access.memoryOperand(scratch);
        return m >= 0 ? scratch.size[m] : scratch.opSize;
    }

    static Insn classify(Instruction i) {
        return switch (i.mnemonic) {
            case SYSCALL -> Insn.SYSCALL;
            case CPUID -> Insn.CPUID;
            case RDTSC -> Insn.RDTSC;
            case RDMSR -> Insn.RDMSR;
            case WRMSR -> Insn.WRMSR;
            case INT -> (i.imm & 0xFF) == 0x80 ? Insn.INT80 : null;
            // SYSENTER (0F 34) is not implemented by lstar: it decodes INVALID
            case INVALID -> i.length >= 2 && (i.bytes[i.length - 2] & 0xFF) == 0x0F && (i.bytes[i.length - 1] & 0xFF) == 0x34
                    ? Insn.SYSENTER : null;
            default -> null;
        };
    }

    static boolean anyInsn(Instruction[] insns, Insn k) {
        for (Instruction i : insns) if (classify(i) == k) return true;
        return false;
    }

    static boolean anySoftInt(Instruction[] insns) {
        for (Instruction i : insns) if (i.mnemonic == Mnemonic.INT || i.mnemonic == Mnemonic.INT3) return true;
        return false;
    }

    /** Where {@link AccessModel#predict} reports: reads now, writes recorded for {@link #afterInstruction}. */
    private final AccessModel.Sink sink = new AccessModel.Sink() {
        @Override
        public void read(long la, int size) {
            HookSet.this.read(la, size);
        }

        @Override
        public void write(long la, int size) {
            HookSet.this.write(la, size);
        }
    };

    private void read(long addr, int size) {
        if (!memRead || !cpu.canonical(addr) || size <= 0) return;
        long value = -2;
        for (Entry e : mem) {
            if (e.active && e.accesses.contains(MemAccess.READ) && e.in(addr)) {
                if (value == -2) value = peekValue(addr, size);
                callbacks++;
                ((MemHook) e.fn).onAccess(emu, MemAccess.READ, addr, size, value);
            }
        }
    }

    private void write(long addr, int size) {
        if (!memWrite || !cpu.canonical(addr) || size <= 0 || wCount == wAddr.length) return;
        wAddr[wCount] = addr;
        wSize[wCount] = size;
        wCount++;
    }

    /** Up to 8 bytes at linear {@code la}, little-endian, read through the current page tables without side effects. */
    long peekValue(long la, int size) {
        long v = 0;
        int n = Math.min(size, 8);
        long page = -1, pa = -1;
        for (int k = 0; k < n; k++) {
            long a = la + k;
            if ((a & ~0xFFFL) != page) {
                page = a & ~0xFFFL;
                pa = cpu.mmu.peek(page);
            }
            if (pa < 0) return v;
            v |= (long) machine.phys.read8(pa + (a & 0xFFF)) << (8 * k);
        }
        return v;
    }
}
