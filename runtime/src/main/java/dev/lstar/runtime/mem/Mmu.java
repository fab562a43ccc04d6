package dev.lstar.runtime.mem;

import static dev.lstar.runtime.mem.PhysicalMemory.PAGE_MASK;
import static dev.lstar.runtime.mem.PhysicalMemory.PAGE_SIZE;
import static dev.lstar.runtime.mem.TlbSet.AT_D;
import static dev.lstar.runtime.mem.TlbSet.AT_G;
import static dev.lstar.runtime.mem.TlbSet.AT_NX;
import static dev.lstar.runtime.mem.TlbSet.AT_SHIFT_POS;
import static dev.lstar.runtime.mem.TlbSet.AT_U;
import static dev.lstar.runtime.mem.TlbSet.AT_W;
import static dev.lstar.runtime.mem.TlbSet.BITS;
import static dev.lstar.runtime.mem.TlbSet.INVALID;
import static dev.lstar.runtime.mem.TlbSet.MASK;
import static dev.lstar.runtime.mem.TlbSet.N;

import dev.lstar.decoder.ByteSource;
import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.CpuException;
import dev.lstar.runtime.Flags;

/**
 * Linear-address memory access for one CPU: 4/5-level paging, permission checks, #PF with exact
 * error codes, and a software TLB tagged by PCID.
 *
 * <p>Data accesses ({@code readN}/{@code writeN}) use the CPU's current privilege (user when
 * CPL = 3, read from {@code cpu.cpl} on every access); {@code sys} variants are implicit supervisor
 * accesses (GDT, IDT, TSS, exception frames) even at CPL 3. Callers pass linear addresses (segment
 * base already added); with paging on, a non-canonical address raises #GP(0) (the caller decides
 * #SS for stack references before calling). Multi-byte accesses are little-endian, may be
 * unaligned and may cross pages: both pages are translated (and may fault, the second one
 * reporting its own first byte as the address) before any byte is written.
 *
 * <p><b>Paging modes.</b> CR0.PG = 0: linear = physical. CR0.PG = 1 requires long mode
 * (EFER.LMA, CR4.PAE): 4-level paging, or 5-level with CR4.LA57 (SDM Vol. 3A §4.5). Legacy 32-bit
 * and PAE paging are not supported and fail loudly. MAXPHYADDR is {@value #MAXPHYADDR}: entry bits
 * 51..46 are reserved; CPUID.80000008H:EAX[7:0] must report the same value.
 *
 * <p><b>TLB.</b> Translations are cached per PCID (architectural model: a cached translation is
 * used until INVLPG / MOV CR3 / {@link #flushAll()}, even if the tables change; a page fault
 * re-walks first, so permission upgrades are seen, SDM §4.10.4.3). Up to {@value #SLOTS} PCIDs
 * keep their own set; switching to an unknown PCID recycles the least recently used set. Global
 * translations (G with CR4.PGE) also live in a separate set that survives CR3 writes.
 * The cached entries hold rights; the per-access outcome also depends on CR0.WP, CR4.SMEP/SMAP,
 * EFER.NXE, so <b>whoever changes CR0, CR4 or EFER must call {@link #flushAll()}</b> when any of
 * CR0.PG/WP, CR4.PAE/PGE/PCIDE/LA57/SMEP/SMAP, EFER.NXE/LMA changes (SDM §4.10.4.1 requires a
 * flush for most of these anyway; for SMEP/SMAP flushing more than needed is allowed).
 * Changes of CPL and RFLAGS.AC need nothing for paging; for alignment checking, whoever changes
 * CPL, RFLAGS.AC or CR0.AM calls {@link #syncAlignmentCheck()}. {@link #accessControlChanged()}
 * is a cheaper option when only CR0.WP / CR4.SMEP / CR4.SMAP changed.
 *
 * <p><b>Alignment checking</b> (SDM Vol. 3A §6.15, "Interrupt 17—Alignment Check Exception").
 * While CR0.AM = 1, RFLAGS.AC = 1 and CPL = 3, a user data access of 2, 4 or 8 bytes at an
 * address that is not a multiple of its size raises #AC(0), before anything is accessed. It costs
 * the fast path nothing: while the check is on, no user read/write fast tag is filled (and turning
 * it on drops them), so every user data access takes the slow path, where the test lives.
 * Accesses are checked by the size the instruction's semantics use (a 16-byte SSE operand is two
 * 8-byte accesses; on an Intel CPU the engines exempt the SSE forms that never check — see
 * {@code BlockRunner.deliver} — and an AMD one checks those whole, {@code Sse.alignmentCheck16}); instructions whose operand needs another alignment than its
 * pieces check it themselves with {@link #checkAlignment}. Supervisor and implicit accesses (the
 * GDT, the IDT, exception frames, the kernel model's copies) are never checked.
 *
 * <p><b>Threads.</b> One Mmu belongs to one CPU and is used by that CPU's thread only. Several
 * Mmus may share a {@link PhysicalMemory}; with {@link PhysicalMemory#smp} the walk sets A/D bits by
 * compare-and-set (again from the top if another CPU changed the entry), and the data reads
 * ({@code readN}, {@code readForWrite}, {@code readSysN}, the bulk reads and every slow path) end
 * with {@link LoadOrder#fence} (the x86-TSO load-load order for the interpreter and for what
 * translated code calls; the accessors with a {@code stack} argument leave it to the translated
 * code, which emits its own). {@link PhysicalMemory#markCode} should run while the other CPUs are
 * not executing (it edits their TLBs).
 *
 * <p><b>Fast paths.</b> Every accessor first tries one fast-tag compare and one {@link FrameAccess} access
 * into the frame array; it allocates nothing. Supervisor read/write fast tags are never filled for
 * user pages while SMAP is on (the AC check happens on the slower path), write tags never for
 * pages whose D bit is clear (the walk sets it) nor for frames marked as code (so code-write
 * notification costs data writes nothing).
 */
public final class Mmu implements ByteSource {
    /**
     * Frames that hold paging-structure entries a successful walk used (and may have set A/D bits
     * in): a TLB entry may stand for them. {@code Emulator.restore} flushes the TLB when it puts
     * one of them back to different contents, so that a run after a restore walks — and sets the
     * accessed and dirty bits — exactly as a fresh run would (a conservative superset: never
     * cleared).
     */
    public final java.util.BitSet walkedFrames = new java.util.BitSet();

    public static final int ACC_READ = 0, ACC_WRITE = 1, ACC_FETCH = 2;

    /** Physical-address width reported by CPUID and used for reserved-bit checks. */
    public static final int MAXPHYADDR = 46;

    /** Number of PCIDs with their own TLB set. */
    public static final int SLOTS = 16;

    // access modes (internal): bit 0 = user
    static final int M_SUP = 0, M_USER = 1, M_IMPLICIT = 2, M_DEBUG = 4;

    private final Cpu cpu;
    private final PhysicalMemory phys;

    private TlbSet cur;
    /** The set current before {@code cur} (a hint for {@link #select}; may belong to a recycled PCID). */
    private TlbSet prev;
    private final TlbSet[] slots = new TlbSet[SLOTS];
    private final TlbSet global = new TlbSet();
    private long useClock;

    /** CR0.AM, RFLAGS.AC and CPL 3 (see the class comment): every user data access is checked. */
    private boolean alignCheck;
    /** Set by an engine re-running an instruction whose operand never checks alignment (MOVUPS...). */
    public boolean alignCheckSuspended;

    // outputs of walk(); fields so the walk allocates nothing
    private long walkPhys;
    private int walkAttr;
    private final long[] walkEntries = new long[5];

    // ---- statistics (plain counters; the fast path counts nothing)
    /** Accesses that missed the fast tags. */
    public long slowAccesses;
    /** Slow accesses satisfied by a cached entry (no walk). */
    public long entryHits;
    /** Slow accesses satisfied by a slot's second way (see {@link TlbSet#vPage}), swapped back into the first. */
    public long victimHits;
    /** Page walks. */
    public long walks;
    /** #PF raised. */
    public long pageFaults;
    /** CR3 writes, INVLPGs, full flushes, PCID sets recycled. */
    public long cr3Writes, invlpgs, fullFlushes, pcidEvictions;

    /** Source of the TLB sets' stamps ({@link TlbSet#stamp}): every value is used once. */
    private long stampClock;

    /**
     * The mapping generation: the current TLB set's stamp, which changes whenever a translation
     * that set holds may stop standing (INVLPG/INVPCID, a flushing CR3 write, a full flush, an
     * access-control change, a TLB restore, the set given to another PCID). A fetch translation
     * checked under one generation (and the same CPL) is still the one the TLB gives while the
     * generation is the same again: x86 lets a cached translation be used until the guest
     * flushes it, so an engine may skip re-checking it ({@code JitEngine}'s block links). A
     * no-flush CR3 write to another PCID changes the generation, and one back gives the earlier
     * set's unchanged stamp again: with KPTI's two PCIDs, user code validated before a system
     * call stays validated after it.
     */
    public long generation() { return cur == null ? 0 : cur.stamp; }

    /** The set's translations may have changed: a new stamp. */
    private void restamp(TlbSet s) {
        if (s != null) s.stamp = ++stampClock;
    }

    /** Every set's translations (or the global ones) may have changed. */
    private void restampAll() {
        for (TlbSet s : slots) restamp(s);
    }

    public Mmu(Cpu cpu, PhysicalMemory phys) {
        this.cpu = cpu;
        this.phys = phys;
        phys.attach(this);
        cur = select(0);
        syncPcid();
    }

    public PhysicalMemory phys() { return phys; }

    public Cpu cpu() { return cpu; }

    /** The PCID whose translations are in use (0 when CR4.PCIDE = 0). */
    public int currentPcid() { return cur.pcid; }

    // =====================================================================================
    // fast paths

    /** Index into fast tags for a data/fetch access at the current privilege (user half when CPL 3). */
    private int idx(long la) {
        return sidx(la) | (((cpu.cpl + 1) >> 2) << BITS);
    }

    /**
     * The TLB slot of a page: the low 12 page-number bits plus the bits above them, so that
     * regions that start at 16 MiB-aligned addresses (kernel text, per-CPU data, the user's ELF)
     * do not all land on the same slots, while any 4,096 consecutive pages still take 4,096
     * different slots but one (pages of the low 16 MiB keep their natural slots). An XOR with
     * the higher bits times 0x2F1 had mixed better but made a 16 MiB mmap region that does not
     * start at a 16 MiB boundary (a byte sieve's) collide with itself on hundreds of slots:
     * 1.74 M page walks, 12.8 K slow accesses now.
     */
    static int sidx(long la) {
        long vpn = la >>> 12;
        return (int) (vpn + (vpn >>> BITS)) & MASK;
    }

    private int dataMode() {
        return cpu.cpl == 3 ? M_USER : M_SUP;
    }

    public int read8(long la) {
        TlbSet s = cur;
        int i = idx(la);
        if (s.rTag[i] == (la & ~0xFFFL)) {
            int v = s.frame[i & MASK][(int) la & PAGE_MASK] & 0xFF;
            LoadOrder.fence();
            return v;
        }
        return (int) readSlow(la, 1, dataMode());
    }

    public int read16(long la) {
        TlbSet s = cur;
        int i = idx(la), o = (int) la & PAGE_MASK;
        if (s.rTag[i] == (la & ~0xFFFL) && o <= PAGE_SIZE - 2) {
            int v = (int) FrameAccess.get16(s.frame[i & MASK], o);
            LoadOrder.fence();
            return v;
        }
        return (int) readSlow(la, 2, dataMode());
    }

    public int read32(long la) {
        TlbSet s = cur;
        int i = idx(la), o = (int) la & PAGE_MASK;
        if (s.rTag[i] == (la & ~0xFFFL) && o <= PAGE_SIZE - 4) {
            int v = (int) FrameAccess.get32(s.frame[i & MASK], o);
            LoadOrder.fence();
            return v;
        }
        return (int) readSlow(la, 4, dataMode());
    }

    public long read64(long la) {
        TlbSet s = cur;
        int i = idx(la), o = (int) la & PAGE_MASK;
        if (s.rTag[i] == (la & ~0xFFFL) && o <= PAGE_SIZE - 8) {
            long v = FrameAccess.get64(s.frame[i & MASK], o);
            LoadOrder.fence();
            return v;
        }
        return readSlow(la, 8, dataMode());
    }

    public void write8(long la, int v) {
        TlbSet s = cur;
        int i = idx(la);
        if (s.wTag[i] == (la & ~0xFFFL)) { s.frame[i & MASK][(int) la & PAGE_MASK] = (byte) v; return; }
        writeSlow(la, v, 1, dataMode());
    }

    public void write16(long la, int v) {
        TlbSet s = cur;
        int i = idx(la), o = (int) la & PAGE_MASK;
        if (s.wTag[i] == (la & ~0xFFFL) && o <= PAGE_SIZE - 2) { FrameAccess.put16(s.frame[i & MASK], o, v); return; }
        writeSlow(la, v, 2, dataMode());
    }

    public void write32(long la, int v) {
        TlbSet s = cur;
        int i = idx(la), o = (int) la & PAGE_MASK;
        if (s.wTag[i] == (la & ~0xFFFL) && o <= PAGE_SIZE - 4) { FrameAccess.put32(s.frame[i & MASK], o, v); return; }
        writeSlow(la, v, 4, dataMode());
    }

    public void write64(long la, long v) {
        TlbSet s = cur;
        int i = idx(la), o = (int) la & PAGE_MASK;
        if (s.wTag[i] == (la & ~0xFFFL) && o <= PAGE_SIZE - 8) { FrameAccess.put64(s.frame[i & MASK], o, v); return; }
        writeSlow(la, v, 8, dataMode());
    }

    /**
     * The load of a read-modify-write instruction (ADD/INC/SHL/BTS/XADD/XCHG/CMPXCHG... with a
     * memory destination): {@code size} bytes (1, 2, 4, 8) read with write intent. The access is
     * checked as a write on every page it touches before anything is read, so a page the guest may
     * read but not write, or one that is not present, raises #PF with the W bit set — what the
     * host CPU reports for these instructions (error code 6 / 7 in user mode; checked on AMD
     * on the Intel Xeon host of 2026-12-03) — and the instruction's store to the same bytes afterwards cannot fault. Zero-extended.
     */
    public long readForWrite(long la, int size) {
        TlbSet s = cur;
        int i = idx(la), o = (int) la & PAGE_MASK;
        if (s.wTag[i] == (la & ~0xFFFL) && o <= PAGE_SIZE - size) {
            byte[] f = s.frame[i & MASK];
            long v = switch (size) {
                case 1 -> f[o] & 0xFF;
                case 2 -> (int) FrameAccess.get16(f, o);
                case 4 -> FrameAccess.get32(f, o);
                default -> FrameAccess.get64(f, o);
            };
            LoadOrder.fence();
            return v;
        }
        return readForWriteSlow(la, size);
    }

    private long readForWriteSlow(long la, int size) {
        int mode = dataMode();
        if (alignCheck && mode == M_USER && (la & (size - 1)) != 0 && !alignCheckSuspended) throw misaligned(la, size);
        xlate(la, ACC_WRITE, mode);
        if ((la & PAGE_MASK) > PAGE_SIZE - size) xlate((la | PAGE_MASK) + 1, ACC_WRITE, mode);
        return readSlow(la, size, mode); // now a TLB hit
    }

    // =====================================================================================
    // translated code's accesses: the canonical check on the miss path
    //
    // The accessors above with a {@code stack} argument, for translated code, which no longer checks
    // the linear address itself. A fast tag only ever holds a page that passed the canonical check:
    // the walk raises #GP first, with paging off only pages below the memory size are filled, and a
    // change of CR4.LA57 flushes the TLB (see the class comment). So a tag hit implies a canonical
    // address, and the check moves to the miss: #SS(0) for a stack reference, else #GP(0) (SDM
    // Vol. 3A §6.15), before anything the slow path checks (#AC, #PF) — the interpreter's order,
    // whose Operands.linear checks the address first.

    /** {@code la} if canonical for the current paging mode, else #SS(0) ({@code stack}) or #GP(0). */
    private long canonicalOrFault(long la, boolean stack) {
        if (cpu.canonical(la)) return la;
        String why = "non-canonical address 0x" + Long.toHexString(la);
        throw stack ? CpuException.ss(0, why) : CpuException.gp0(why);
    }

    public int read8(long la, boolean stack) {
        TlbSet s = cur;
        int i = idx(la);
        if (s.rTag[i] == (la & ~0xFFFL)) return s.frame[i & MASK][(int) la & PAGE_MASK] & 0xFF;
        return (int) readSlow(canonicalOrFault(la, stack), 1, dataMode());
    }

    public int read16(long la, boolean stack) {
        TlbSet s = cur;
        int i = idx(la), o = (int) la & PAGE_MASK;
        if (s.rTag[i] == (la & ~0xFFFL) && o <= PAGE_SIZE - 2) return (int) FrameAccess.get16(s.frame[i & MASK], o);
        return (int) readSlow(canonicalOrFault(la, stack), 2, dataMode());
    }

    public int read32(long la, boolean stack) {
        TlbSet s = cur;
        int i = idx(la), o = (int) la & PAGE_MASK;
        if (s.rTag[i] == (la & ~0xFFFL) && o <= PAGE_SIZE - 4) return (int) FrameAccess.get32(s.frame[i & MASK], o);
        return (int) readSlow(canonicalOrFault(la, stack), 4, dataMode());
    }

    public long read64(long la, boolean stack) {
        TlbSet s = cur;
        int i = idx(la), o = (int) la & PAGE_MASK;
        if (s.rTag[i] == (la & ~0xFFFL) && o <= PAGE_SIZE - 8) return FrameAccess.get64(s.frame[i & MASK], o);
        return readSlow(canonicalOrFault(la, stack), 8, dataMode());
    }

    public void write8(long la, int v, boolean stack) {
        TlbSet s = cur;
        int i = idx(la);
        if (s.wTag[i] == (la & ~0xFFFL)) { s.frame[i & MASK][(int) la & PAGE_MASK] = (byte) v; return; }
        writeSlow(canonicalOrFault(la, stack), v, 1, dataMode());
    }

    public void write16(long la, int v, boolean stack) {
        TlbSet s = cur;
        int i = idx(la), o = (int) la & PAGE_MASK;
        if (s.wTag[i] == (la & ~0xFFFL) && o <= PAGE_SIZE - 2) { FrameAccess.put16(s.frame[i & MASK], o, v); return; }
        writeSlow(canonicalOrFault(la, stack), v, 2, dataMode());
    }

    public void write32(long la, int v, boolean stack) {
        TlbSet s = cur;
        int i = idx(la), o = (int) la & PAGE_MASK;
        if (s.wTag[i] == (la & ~0xFFFL) && o <= PAGE_SIZE - 4) { FrameAccess.put32(s.frame[i & MASK], o, v); return; }
        writeSlow(canonicalOrFault(la, stack), v, 4, dataMode());
    }

    public void write64(long la, long v, boolean stack) {
        TlbSet s = cur;
        int i = idx(la), o = (int) la & PAGE_MASK;
        if (s.wTag[i] == (la & ~0xFFFL) && o <= PAGE_SIZE - 8) { FrameAccess.put64(s.frame[i & MASK], o, v); return; }
        writeSlow(canonicalOrFault(la, stack), v, 8, dataMode());
    }

    public long readForWrite(long la, int size, boolean stack) {
        TlbSet s = cur;
        int i = idx(la), o = (int) la & PAGE_MASK;
        if (s.wTag[i] == (la & ~0xFFFL) && o <= PAGE_SIZE - size) {
            byte[] f = s.frame[i & MASK];
            return switch (size) {
                case 1 -> f[o] & 0xFF;
                case 2 -> (int) FrameAccess.get16(f, o);
                case 4 -> FrameAccess.get32(f, o);
                default -> FrameAccess.get64(f, o);
            };
        }
        return readForWriteSlow(canonicalOrFault(la, stack), size);
    }

    /**
     * The frame array behind linear {@code la} if the write fast path holds its page at the
     * current privilege, else null. A non-null result means plain stores anywhere in that page
     * are what {@link #write64} would do: the page is writable here, its dirty bit is set, and
     * the frame is not one whose writes must be reported (code, snapshots, watches). For
     * translated code storing a run of pushes with one look-up.
     */
    public byte[] writeFrame(long la) {
        return cur.writeFrame(idx(la), la & ~0xFFFL); // kept under HotSpot's 35-byte always-inline size
    }

    /** As {@link #writeFrame}, for reads (a run of pops). */
    public byte[] readFrame(long la) {
        return cur.readFrame(idx(la), la & ~0xFFFL);
    }

    /** Instruction fetch of one byte at the current privilege (execute checks: NX, SMEP). */
    public int fetch8(long la) {
        TlbSet s = cur;
        int i = idx(la);
        if (s.xTag[i] == (la & ~0xFFFL)) return s.frame[i & MASK][(int) la & PAGE_MASK] & 0xFF;
        return (int) fetchSlow(la);
    }

    /** {@link ByteSource} for the decoder: same as {@link #fetch8(long)}. */
    @Override
    public int fetch(long la) {
        return fetch8(la);
    }

    /**
     * Physical address of instruction byte {@code la} at the current privilege, with execute
     * checks (#PF / #GP as a fetch would raise). For block caches keyed by physical address.
     */
    public long fetchPhys(long la) {
        TlbSet s = cur;
        int i = idx(la);
        if (s.xTag[i] == (la & ~0xFFFL)) return s.phys[i & MASK] | (la & PAGE_MASK);
        return xlate(la, ACC_FETCH, dataMode());
    }

    /**
     * {@link #fetchPhys} from the execute fast path only: the physical address, or -1 when the
     * fast path does not hold {@code la} (no walk, no fault, no side effect). For translated code
     * re-checking its own mapping after a CR3 write.
     */
    public long fetchPhysCached(long la) {
        TlbSet s = cur;
        int i = idx(la);
        if (s.xTag[i] == (la & ~0xFFFL)) return s.phys[i & MASK] | (la & PAGE_MASK);
        return -1;
    }

    /**
     * The host array of the frame holding instruction byte {@code la} (execute-checked). A decoder
     * may read the rest of the 4 KiB page from it directly; the page after needs another call.
     */
    public byte[] fetchFrame(long la) {
        TlbSet s = cur;
        int i = idx(la);
        if (s.xTag[i] == (la & ~0xFFFL)) return s.frame[i & MASK];
        long pa = xlate(la, ACC_FETCH, dataMode());
        return phys.frame(pa >>> 12);
    }

    // ---- implicit supervisor accesses (descriptor tables, TSS, exception frames): SMAP ignores AC

    public int readSys8(long la) {
        TlbSet s = cur;
        int i = sidx(la);
        if (s.rTag[i] == (la & ~0xFFFL)) {
            int v = s.frame[i][(int) la & PAGE_MASK] & 0xFF;
            LoadOrder.fence();
            return v;
        }
        return (int) readSlow(la, 1, M_IMPLICIT);
    }

    public int readSys16(long la) {
        TlbSet s = cur;
        int i = sidx(la), o = (int) la & PAGE_MASK;
        if (s.rTag[i] == (la & ~0xFFFL) && o <= PAGE_SIZE - 2) {
            int v = (int) FrameAccess.get16(s.frame[i], o);
            LoadOrder.fence();
            return v;
        }
        return (int) readSlow(la, 2, M_IMPLICIT);
    }

    public int readSys32(long la) {
        TlbSet s = cur;
        int i = sidx(la), o = (int) la & PAGE_MASK;
        if (s.rTag[i] == (la & ~0xFFFL) && o <= PAGE_SIZE - 4) {
            int v = (int) FrameAccess.get32(s.frame[i], o);
            LoadOrder.fence();
            return v;
        }
        return (int) readSlow(la, 4, M_IMPLICIT);
    }

    public long readSys64(long la) {
        TlbSet s = cur;
        int i = sidx(la), o = (int) la & PAGE_MASK;
        if (s.rTag[i] == (la & ~0xFFFL) && o <= PAGE_SIZE - 8) {
            long v = FrameAccess.get64(s.frame[i], o);
            LoadOrder.fence();
            return v;
        }
        return readSlow(la, 8, M_IMPLICIT);
    }

    public void writeSys8(long la, int v) { writeSysSmall(la, v, 1); }
    public void writeSys16(long la, int v) { writeSysSmall(la, v, 2); }
    public void writeSys32(long la, int v) { writeSysSmall(la, v & 0xFFFF_FFFFL, 4); }

    public void writeSys64(long la, long v) {
        TlbSet s = cur;
        int i = sidx(la), o = (int) la & PAGE_MASK;
        if (s.wTag[i] == (la & ~0xFFFL) && o <= PAGE_SIZE - 8) { FrameAccess.put64(s.frame[i], o, v); return; }
        writeSlow(la, v, 8, M_IMPLICIT);
    }

    private void writeSysSmall(long la, long v, int size) {
        TlbSet s = cur;
        int i = sidx(la), o = (int) la & PAGE_MASK;
        if (s.wTag[i] == (la & ~0xFFFL) && o <= PAGE_SIZE - size) {
            byte[] f = s.frame[i];
            for (int k = 0; k < size; k++) f[o + k] = (byte) (v >>> (8 * k));
            return;
        }
        writeSlow(la, v, size, M_IMPLICIT);
    }

    // =====================================================================================
    // bulk helpers

    /**
     * Reads {@code len} bytes at linear {@code la} into {@code dst[off..]} at the current privilege
     * with every check a string of byte reads would make (the first faulting page raises #PF).
     */
    public void read(long la, byte[] dst, int off, int len) {
        bulk(la, dst, off, len, ACC_READ, dataMode());
    }

    /**
     * Writes {@code src[off..off+len)} at linear {@code la} at the current privilege. Every page is
     * checked before the first byte is stored (all or nothing).
     */
    public void write(long la, byte[] src, int off, int len) {
        bulk(la, src, off, len, ACC_WRITE, dataMode());
    }

    /**
     * Loader/debugger write: like {@link #write} but with no permission checks (read-only,
     * supervisor and NX pages are all writable; only a not-present page raises #PF with U/S = 0).
     * Sets A and D like a write. Use it to load images into guest virtual memory.
     */
    public void copyIn(long la, byte[] src, int off, int len) {
        bulk(la, src, off, len, ACC_WRITE, M_DEBUG);
    }

    /** Loader/debugger read: like {@link #read} but with no permission checks (only not-present faults). */
    public void copyOut(long la, byte[] dst, int off, int len) {
        bulk(la, dst, off, len, ACC_READ, M_DEBUG);
    }

    private void bulk(long la, byte[] buf, int off, int len, int acc, int mode) {
        if (off < 0 || len < 0 || off > buf.length - len) throw new IndexOutOfBoundsException("bad buffer range");
        if (len == 0) return;
        if (acc == ACC_WRITE) {
            // check every page first: nothing is written if any page faults
            for (long p = la & ~0xFFFL, end = la + len - 1; ; p += PAGE_SIZE) {
                xlate(p < la ? la : p, ACC_WRITE, mode);
                if (((p ^ end) & ~0xFFFL) == 0) break;
            }
        }
        while (len > 0) {
            int o = (int) la & PAGE_MASK;
            int n = Math.min(len, PAGE_SIZE - o);
            long pa = xlate(la, acc, mode);
            if (acc == ACC_WRITE) phys.write(pa, buf, off, n);
            else phys.read(pa, buf, off, n);
            la += n; off += n; len -= n;
        }
        if (acc == ACC_READ) LoadOrder.fence();
    }

    // =====================================================================================
    // slow paths

    private long readSlow(long la, int size, int mode) {
        if (alignCheck && mode == M_USER && (la & (size - 1)) != 0 && !alignCheckSuspended) throw misaligned(la, size);
        int o = (int) la & PAGE_MASK;
        if (o <= PAGE_SIZE - size) {
            long pa = xlate(la, ACC_READ, mode);
            long v = readPhys(pa, size);
            LoadOrder.fence();
            return v;
        }
        long pa1 = xlate(la, ACC_READ, mode);
        long pa2 = xlate((la | PAGE_MASK) + 1, ACC_READ, mode);
        int first = PAGE_SIZE - o;
        long v = 0;
        for (int k = 0; k < size; k++) {
            long b = phys.read8(k < first ? pa1 + k : pa2 + (k - first));
            v |= b << (8 * k);
        }
        LoadOrder.fence();
        return v;
    }

    private static CpuException misaligned(long la, int size) {
        return CpuException.ac("misaligned " + size + "-byte access at 0x" + Long.toHexString(la) + " with alignment checking on");
    }

    /**
     * #AC(0) if alignment checking is on (see the class comment), the access is a user one and
     * {@code la} is not a multiple of {@code alignment} (a power of two): for instructions whose
     * operand needs another alignment than the accesses that make it up (the x87 environment and
     * save areas). Nothing while the check is off.
     */
    public void checkAlignment(long la, int alignment) {
        if (alignCheck && cpu.cpl == 3 && (la & (alignment - 1)) != 0 && !alignCheckSuspended) throw misaligned(la, alignment);
    }

    /** Whether alignment checking is on (CR0.AM, RFLAGS.AC, CPL 3). */
    public boolean alignmentChecking() {
        return alignCheck;
    }

    /**
     * Re-reads CR0.AM, RFLAGS.AC and CPL: call after changing any of them. Turning the check on
     * drops the user read/write fast tags (fetches keep theirs); turning it off lets them refill.
     */
    public void syncAlignmentCheck() {
        boolean on = (cpu.cr0 & Cpu.CR0_AM) != 0 && (cpu.rflags & Flags.AC) != 0 && cpu.cpl == 3;
        if (on == alignCheck) return;
        alignCheck = on;
        if (on) {
            for (TlbSet s : slots) if (s != null) s.clearUserDataTags();
        }
    }

    private long readPhys(long pa, int size) {
        return switch (size) {
            case 1 -> phys.read8(pa);
            case 2 -> phys.read16(pa);
            case 4 -> phys.read32(pa) & 0xFFFF_FFFFL;
            default -> phys.read64(pa);
        };
    }

    private void writeSlow(long la, long v, int size, int mode) {
        if (alignCheck && mode == M_USER && (la & (size - 1)) != 0 && !alignCheckSuspended) throw misaligned(la, size);
        int o = (int) la & PAGE_MASK;
        if (o <= PAGE_SIZE - size) {
            long pa = xlate(la, ACC_WRITE, mode);
            switch (size) {
                case 1 -> phys.write8(pa, (int) v);
                case 2 -> phys.write16(pa, (int) v);
                case 4 -> phys.write32(pa, (int) v);
                default -> phys.write64(pa, v);
            }
            return;
        }
        // SDM: an access that crosses a page boundary is checked on both pages before it commits
        long pa1 = xlate(la, ACC_WRITE, mode);
        long pa2 = xlate((la | PAGE_MASK) + 1, ACC_WRITE, mode);
        int first = PAGE_SIZE - o;
        byte[] f1 = phys.frame(pa1 >>> 12), f2 = phys.frame(pa2 >>> 12);
        phys.preWrite(pa1);
        phys.preWrite(pa2);
        for (int k = 0; k < size; k++) {
            byte b = (byte) (v >>> (8 * k));
            if (k < first) f1[o + k] = b; else f2[k - first] = b;
        }
        phys.noteWrite(pa1, first);
        phys.noteWrite(pa2, size - first);
    }

    private long fetchSlow(long la) {
        return phys.read8(xlate(la, ACC_FETCH, dataMode()));
    }

    /** Physical address of a data write at {@code la} at the current privilege (a TLB hit after {@link #readForWrite}). */
    public long physForWrite(long la) {
        return xlate(la, ACC_WRITE, dataMode());
    }

    /**
     * Translates {@code la} for an access of kind {@code acc} (ACC_*) made with user privilege
     * {@code user}, walking the page tables on a TLB miss (setting A/D bits) and raising #PF.
     * Returns the physical address. {@code user = false} means an implicit supervisor access
     * (SMAP applies whatever RFLAGS.AC says), which is what exception delivery needs. Non-canonical
     * {@code la} raises #GP(0).
     */
    public long translate(long la, int acc, boolean user) {
        if (acc < ACC_READ || acc > ACC_FETCH) throw new IllegalArgumentException("access kind " + acc);
        return xlate(la, acc, user ? M_USER : M_IMPLICIT);
    }

    /**
     * Debugger look-up: the physical address {@code la} maps to in the current tables, or -1 if it
     * is not mapped (not present, reserved bit, non-canonical). Ignores the TLB, checks no rights,
     * sets no A/D bit, raises nothing.
     */
    public long peek(long la) {
        if (!cpu.paging()) return la >= 0 && la < phys.size() ? la : -1;
        if (!cpu.canonical(la)) return -1;
        boolean nxe = (cpu.efer & Cpu.EFER_NXE) != 0;
        long table = cpu.cr3 & Paging.ADDR_MASK;
        for (int level = cpu.la57() ? 5 : 4; level >= 1; level--) {
            long ea = table + (((la >>> (3 + 9 * level)) & 511) << 3);
            if (ea >= phys.size()) return -1;
            long e = phys.read64(ea);
            if ((e & Paging.P) == 0 || (e & reservedBits(level, e, nxe)) != 0) return -1;
            if (level == 1 || (level <= 3 && (e & Paging.PS) != 0)) {
                long size = 1L << (3 + 9 * level);
                return (e & Paging.ADDR_MASK & -size) | (la & (size - 1));
            }
            table = e & Paging.ADDR_MASK;
        }
        throw new AssertionError();
    }

    /**
     * The translation core: TLB look-up, then a walk. Returns the physical address; fills the
     * current set and its fast tags.
     */
    private long xlate(long la, int acc, int mode) {
        slowAccesses++;
        long base = la & ~0xFFFL;
        int i = sidx(la);
        TlbSet s = cur;
        if (s.page[i] == base) {
            if (usable(s.attr[i], acc, mode)) {
                entryHits++;
                refillTags(s, i);
                return s.phys[i] | (la & PAGE_MASK);
            }
            // denied (or D must be set): re-walk; a #PF also drops the stale entry (SDM §4.10.4.3)
            s.invalidate(i);
            if (global.page[i] == base) global.invalidate(i);
        } else if (!global.empty && global.page[i] == base) {
            if (usable(global.attr[i], acc, mode)) {
                entryHits++;
                copyEntry(global, s, i);
                return s.phys[i] | (la & PAGE_MASK);
            }
            global.invalidate(i);
        }
        if (s.vPage[i] == base) {
            // the entry a fill displaced from this slot: back into the first way
            if (usable(s.vAttr[i], acc, mode)) {
                victimHits++;
                s.swapWays(i);
                refillTags(s, i);
                return s.phys[i] | (la & PAGE_MASK);
            }
            s.dropVictim(i);
        }
        if (!cpu.paging()) {
            // CR0.PG = 0: identity, no rights (callers never run long mode without paging)
            if (la < 0 || la >= phys.size()) throw new MachineCheckException(la, "access with paging off");
            fill(s, i, base, base, AT_W | AT_U | AT_D | (12 << AT_SHIFT_POS));
            return la;
        }
        if ((cpu.efer & Cpu.EFER_LMA) == 0 || (cpu.cr4 & Cpu.CR4_PAE) == 0) {
            throw new dev.lstar.runtime.engine.UnsupportedFeatureException("legacy 32-bit / PAE paging (CR0.PG=1 without EFER.LMA and CR4.PAE) is not supported");
        }
        if (!cpu.canonical(la)) {
            throw CpuException.gp0("non-canonical address 0x" + Long.toHexString(la));
        }
        walk(la, acc, mode);
        fill(s, i, base, walkPhys, walkAttr);
        return walkPhys | (la & PAGE_MASK);
    }

    /** Whether a cached entry with {@code attr} may serve this access without a walk. */
    private boolean usable(int attr, int acc, int mode) {
        return allowed(attr, acc, mode) && (acc != ACC_WRITE || (attr & AT_D) != 0);
    }

    /**
     * The access-rights rules of SDM Vol. 3A §4.6 ("Access Rights") for effective rights
     * {@code attr} (R/W and U/S ANDed over all levels, XD ORed).
     */
    private boolean allowed(int attr, int acc, int mode) {
        if (mode == M_DEBUG) return true;
        boolean u = (attr & AT_U) != 0;
        if (mode == M_USER) {
            if (!u) return false;
            if (acc == ACC_WRITE) return (attr & AT_W) != 0;
            if (acc == ACC_FETCH) return (attr & AT_NX) == 0;
            return true;
        }
        // supervisor (explicit or implicit)
        if (acc == ACC_FETCH) {
            // §4.6.1: no fetch from XD pages; with SMEP no supervisor fetch from user pages
            return (attr & AT_NX) == 0 && !(u && (cpu.cr4 & Cpu.CR4_SMEP) != 0);
        }
        // SMAP: explicit accesses to user pages allowed only with RFLAGS.AC = 1; implicit never
        if (u && (cpu.cr4 & Cpu.CR4_SMAP) != 0 && (mode == M_IMPLICIT || (cpu.rflags & Flags.AC) == 0)) return false;
        // CR0.WP = 1: supervisor writes obey R/W on both supervisor and user pages
        return acc != ACC_WRITE || (attr & AT_W) != 0 || (cpu.cr0 & Cpu.CR0_WP) == 0;
    }

    private void fill(TlbSet s, int i, long base, long pa, int attr) {
        byte[] f = phys.frame(pa >>> 12);
        s.displace(i, base);
        s.page[i] = base;
        s.phys[i] = pa;
        s.frame[i] = f;
        s.attr[i] = attr;
        s.filled(i);
        if ((attr >>> AT_SHIFT_POS) > 12) s.hasLarge = true;
        refillTags(s, i);
        if ((attr & AT_G) != 0) {
            global.page[i] = base;
            global.phys[i] = pa;
            global.frame[i] = f;
            global.attr[i] = attr;
            global.filled(i);
            if ((attr >>> AT_SHIFT_POS) > 12) global.hasLarge = true;
        }
    }

    private void copyEntry(TlbSet from, TlbSet to, int i) {
        to.displace(i, from.page[i]);
        to.page[i] = from.page[i];
        to.phys[i] = from.phys[i];
        to.frame[i] = from.frame[i];
        to.attr[i] = from.attr[i];
        to.filled(i);
        if ((from.attr[i] >>> AT_SHIFT_POS) > 12) to.hasLarge = true;
        refillTags(to, i);
    }

    /** Sets the fast tags of entry {@code i} from its rights and the current CR0/CR4 (see class doc). */
    private void refillTags(TlbSet s, int i) {
        long base = s.page[i];
        int a = s.attr[i];
        boolean u = (a & AT_U) != 0, w = (a & AT_W) != 0, nx = (a & AT_NX) != 0, d = (a & AT_D) != 0;
        long cr4 = cpu.cr4;
        boolean smap = (cr4 & Cpu.CR4_SMAP) != 0, smep = (cr4 & Cpu.CR4_SMEP) != 0;
        boolean wp = (cpu.cr0 & Cpu.CR0_WP) != 0;
        boolean writable = d && !phys.writesReported(s.phys[i] >>> 12); // code or watched frames: writes take the checked path
        boolean supData = !u || !smap;
        s.rTag[i] = supData ? base : INVALID;
        s.rTag[i + N] = u && !alignCheck ? base : INVALID;
        s.wTag[i] = supData && (w || !wp) && writable ? base : INVALID;
        s.wTag[i + N] = u && w && writable && !alignCheck ? base : INVALID;
        s.xTag[i] = !nx && !(u && smep) ? base : INVALID;
        s.xTag[i + N] = u && !nx ? base : INVALID;
        if (writable && phys.smp) {
            // another CPU may have marked the frame as code meanwhile and dropped the fast write paths
            // of every MMU before these tags were set: look again once the tags are visible
            java.lang.invoke.VarHandle.fullFence();
            if (phys.writesReported(s.phys[i] >>> 12)) {
                s.wTag[i] = INVALID;
                s.wTag[i + N] = INVALID;
            }
        }
    }

    // =====================================================================================
    // page walk (SDM Vol. 3A §4.5, 4-level and 5-level paging)

    private static long reservedBits(int level, long e, boolean nxe) {
        long r = Paging.ADDR_RESERVED;
        if (!nxe) r |= Paging.XD; // §4.5.4 / table 4-14: bit 63 reserved when IA32_EFER.NXE = 0
        if (level >= 4) r |= Paging.PS; // PS must be 0 in PML5E / PML4E
        else if ((e & Paging.PS) != 0) {
            if (level == 3) r |= Paging.RSVD_1G;
            else if (level == 2) r |= Paging.RSVD_2M;
        }
        return r;
    }

    private static final String[] LEVEL_NAMES = {"", "PTE", "PDE", "PDPTE", "PML4E", "PML5E"};

    /** Walks the tables for {@code la}; on success sets walkPhys/walkAttr and the A/D bits. */
    private void walk(long la, int acc, int mode) {
        while (!walkOnce(la, acc, mode)) {
            // another CPU changed a paging entry between the read and the A/D update: walk again
        }
    }

    /** One walk; false if an A/D update found its entry changed by another CPU (only with {@link PhysicalMemory#smp}). */
    private boolean walkOnce(long la, int acc, int mode) {
        walks++;
        boolean nxe = (cpu.efer & Cpu.EFER_NXE) != 0;
        long table = cpu.cr3 & Paging.ADDR_MASK;
        int rights = AT_W | AT_U;
        boolean nx = false;
        int n = 0;
        for (int level = cpu.la57() ? 5 : 4; ; level--) {
            long ea = table + (((la >>> (3 + 9 * level)) & 511) << 3);
            long e = phys.read64(ea);
            if ((e & Paging.P) == 0) {
                throw fault(la, acc, mode, 0, LEVEL_NAMES[level] + " not present");
            }
            if ((e & reservedBits(level, e, nxe)) != 0) {
                throw fault(la, acc, mode, Paging.PF_P | Paging.PF_RSVD, "reserved bit set in " + LEVEL_NAMES[level]);
            }
            walkEntries[n++] = ea;
            if ((e & Paging.RW) == 0) rights &= ~AT_W;
            if ((e & Paging.US) == 0) rights &= ~AT_U;
            if (nxe && e < 0) nx = true;
            if (level == 1 || (level <= 3 && (e & Paging.PS) != 0)) {
                int shift = 3 + 9 * level;
                long size = 1L << shift;
                long pa = (e & Paging.ADDR_MASK & -size) | (la & (size - 1) & ~0xFFFL);
                int attr = rights | (nx ? AT_NX : 0) | ((e & Paging.D) != 0 ? AT_D : 0) | (shift << AT_SHIFT_POS);
                // §4.10.2.4: G is honoured only with CR4.PGE = 1
                if ((e & Paging.G) != 0 && (cpu.cr4 & Cpu.CR4_PGE) != 0) attr |= AT_G;
                if (!allowed(attr, acc, mode)) {
                    throw fault(la, acc, mode, Paging.PF_P, "protection (" + accName(acc, mode) + ")");
                }
                // §4.8: A in every entry used; D in the leaf on a write. Set only for a successful
                // translation (the SDM lets a faulting walk leave them alone).
                for (int k = 0; k < n; k++) {
                    long a = walkEntries[k];
                    walkedFrames.set((int) (a >>> 12));
                    long v = phys.read64(a);
                    long want = v | Paging.A;
                    if (k == n - 1 && acc == ACC_WRITE) want |= Paging.D;
                    if (want != v && !phys.setEntryBits(a, v, want & ~v)) return false;
                }
                if (acc == ACC_WRITE) attr |= AT_D;
                walkPhys = pa;
                walkAttr = attr;
                return true;
            }
            table = e & Paging.ADDR_MASK;
        }
    }

    private CpuException fault(long la, int acc, int mode, int bits, String why) {
        pageFaults++;
        int ec = bits;
        if (acc == ACC_WRITE) ec |= Paging.PF_W;
        if (mode == M_USER) ec |= Paging.PF_U;
        // §4.7: I/D is reported for fetches only when NXE or SMEP is on
        if (acc == ACC_FETCH && ((cpu.efer & Cpu.EFER_NXE) != 0 || (cpu.cr4 & Cpu.CR4_SMEP) != 0)) ec |= Paging.PF_ID;
        return CpuException.pf(la, ec, "#PF at 0x" + Long.toHexString(la) + ": " + why);
    }

    private static String accName(int acc, int mode) {
        String who = switch (mode) {
            case M_USER -> "user";
            case M_IMPLICIT -> "implicit supervisor";
            case M_DEBUG -> "debug";
            default -> "supervisor";
        };
        return who + (acc == ACC_WRITE ? " write" : acc == ACC_FETCH ? " fetch" : " read");
    }

    // =====================================================================================
    // TLB maintenance

    /** The set for {@code pcid}, making it current; recycles the least recently used set if needed. */
    /**
     * A saved copy of the TLB ({@link #saveTlb}); reusable, so that saving again allocates
     * nothing. For the lockstep engine: both runs of a block start from the same TLB, stale
     * entries included, exactly as one run would.
     */
    public static final class TlbState {
        private final TlbSet[] slots = new TlbSet[SLOTS];
        private final boolean[] present = new boolean[SLOTS];
        private final TlbSet global = new TlbSet();
        private int cur, prev;
        private long useClock;
    }

    private int slotIndex(TlbSet s) {
        for (int k = 0; k < SLOTS; k++) if (slots[k] == s) return k;
        return -1;
    }

    /** Copies the TLB's contents into {@code st}. */
    public void saveTlb(TlbState st) {
        for (int k = 0; k < SLOTS; k++) {
            st.present[k] = slots[k] != null;
            if (slots[k] == null) continue;
            if (st.slots[k] == null) st.slots[k] = new TlbSet();
            st.slots[k].copyFrom(slots[k]);
        }
        st.global.copyFrom(global);
        st.cur = slotIndex(cur);
        st.prev = slotIndex(prev);
        st.useClock = useClock;
    }

    /**
     * Puts back the TLB saved in {@code st}. The fast tags are computed again from the current
     * control registers and from which frames report their writes now (a frame that became code
     * since the save must not get a plain-store tag back).
     */
    public void restoreTlb(TlbState st) {
        for (int k = 0; k < SLOTS; k++) {
            if (!st.present[k]) {
                if (slots[k] != null) {
                    slots[k].clear();
                    slots[k].pcid = -1;
                }
                continue;
            }
            if (slots[k] == null) slots[k] = new TlbSet();
            retag(slots[k], st.slots[k]);
        }
        retag(global, st.global);
        cur = st.cur >= 0 ? slots[st.cur] : null;
        prev = st.prev >= 0 ? slots[st.prev] : null;
        useClock = st.useClock;
        restampAll();
        if (cur == null) syncPcid();
    }

    private void retag(TlbSet s, TlbSet from) {
        s.copyFrom(from);
        for (int k = 0; k < s.usedCount(); k++) refillTags(s, s.usedSlot(k));
    }

    private TlbSet select(int pcid) {
        TlbSet s = cur;
        if (s == null || s.pcid != pcid) {
            TlbSet was = s;
            // PTI switches between two PCIDs on every system call: try the previous set first
            s = prev != null && prev.pcid == pcid ? prev : null;
            if (s == null) for (TlbSet t : slots) if (t != null && t.pcid == pcid) { s = t; break; }
            if (s == null) {
                // a free set, else the least recently used one
                int pick = -1;
                for (int k = 0; k < SLOTS && pick < 0; k++) if (slots[k] == null || slots[k].pcid == -1) pick = k;
                if (pick < 0) {
                    pick = 0;
                    for (int k = 1; k < SLOTS; k++) if (slots[k].lastUse < slots[pick].lastUse) pick = k;
                    pcidEvictions++;
                }
                if (slots[pick] == null) slots[pick] = new TlbSet();
                s = slots[pick];
                s.clear();
                s.pcid = pcid;
                restamp(s);
            }
            cur = s;
            prev = was;
        }
        s.lastUse = ++useClock;
        return s;
    }

    private void syncPcid() {
        select((cpu.cr4 & Cpu.CR4_PCIDE) != 0 ? (int) cpu.cr3 & 0xFFF : 0);
    }

    /**
     * MOV to CR3 (SDM Vol. 3A §4.10.4.1): stores {@code value} without bit 63 in {@code cpu.cr3}.
     * PCIDE = 0: drops all non-global translations. PCIDE = 1: switches to PCID {@code value[11:0]}
     * and drops its non-global translations unless bit 63 is set; other PCIDs keep theirs. Global
     * translations survive. The caller validates reserved bits (#GP) before calling.
     */
    public void writeCr3(long value) {
        cr3Writes++;
        long v = value & ~(1L << 63);
        cpu.cr3 = v;
        if ((cpu.cr4 & Cpu.CR4_PCIDE) != 0) {
            TlbSet s = select((int) v & 0xFFF);
            if (value >= 0) {
                s.clearNonGlobal();
                restamp(s);
            }
        } else {
            TlbSet s = select(0);
            s.clearNonGlobal();
            restamp(s);
        }
    }

    /**
     * INVLPG: drops the translation of {@code la} in every PCID, global or not (the SDM requires
     * the current PCID and global entries; dropping the others too is allowed and keeps PTI-style
     * user/kernel PCID pairs coherent). For a 2 MiB / 1 GiB page, every cached piece of it goes.
     */
    public void invlpg(long la) {
        invlpgs++;
        for (TlbSet s : slots) if (s != null) s.invalidatePage(la, true);
        global.invalidatePage(la, true);
        restampAll();
    }

    /**
     * INVPCID (SDM Vol. 2 INVPCID): type 0 = address {@code la} in {@code pcid} (global entries
     * too, which the SDM allows), 1 = non-global entries of {@code pcid}, 2 = everything including
     * global, 3 = everything except global. The caller checks the descriptor and raises #GP.
     */
    public void invpcid(int type, int pcid, long la) {
        restampAll(); // (type 1 touches one PCID's set; restamping them all is simply more conservative)
        switch (type) {
            case 0 -> {
                invlpgs++;
                for (TlbSet s : slots) if (s != null && s.pcid == pcid) s.invalidatePage(la, true);
                global.invalidatePage(la, true);
            }
            case 1 -> { for (TlbSet s : slots) if (s != null && s.pcid == pcid) s.clearNonGlobal(); }
            case 2 -> flushAll();
            case 3 -> { for (TlbSet s : slots) if (s != null) s.clearNonGlobal(); }
            default -> throw new IllegalArgumentException("INVPCID type " + type);
        }
    }

    /**
     * Drops every translation including global ones, and re-reads CR3/CR4 to pick the current
     * PCID. Call it on CR0.PG/WP, CR4.PAE/PGE/PCIDE/LA57/SMEP/SMAP and EFER.NXE/LMA changes, and
     * after setting {@code cpu.cr3} directly (e.g. a loader building the initial state).
     */
    public void flushAll() {
        fullFlushes++;
        for (TlbSet s : slots) {
            if (s != null) { s.clear(); s.pcid = -1; }
        }
        global.clear();
        restampAll();
        cur = null;
        syncPcid();
    }

    /**
     * Cheaper alternative to {@link #flushAll()} when only CR0.WP, CR4.SMEP or CR4.SMAP changed:
     * keeps the cached translations (as hardware may, their rights are re-evaluated on each
     * access) and recomputes the fast paths from the new control bits.
     */
    public void accessControlChanged() {
        for (TlbSet s : slots) if (s != null) s.clearFastTags();
        restampAll();
    }

    /** Called by {@link PhysicalMemory#markCode}: writes to {@code pfn} must leave the fast path. */
    void dropFastWrites(long pfn) {
        for (TlbSet s : slots) if (s != null) s.dropFastWrites(pfn);
    }
}
