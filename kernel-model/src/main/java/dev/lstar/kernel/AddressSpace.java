package dev.lstar.kernel;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.CpuException;
import dev.lstar.runtime.mem.Mmu;
import dev.lstar.runtime.mem.PhysicalMemory;
import dev.lstar.runtime.setup.FrameAllocator;
import dev.lstar.runtime.setup.PageTables;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A process's user address space: its VMAs, and their pages in the page tables. With page-table
 * isolation the user half is shared between the kernel PGD and the user PGD by mirroring their
 * top-level entries, as Linux's pti_set_user_pgtbl does; the kernel half of the user PGD holds only
 * what the entry code needs. Pages are allocated on first touch (demand paging) by
 * {@link #handleFault}, which the #PF handler calls.
 */
public final class AddressSpace {
    /** Linux's TASK_SIZE_MAX for 4-level paging: user addresses are below it; the top page is never mappable. */
    public static final long TASK_SIZE_MAX_4L = (1L << 47) - 4096;
    public static final long TASK_SIZE_MAX_5L = (1L << 56) - 4096;
    /** DEFAULT_MAP_WINDOW: mmap without a hint stays below this even with 5-level paging. */
    public static final long DEFAULT_MAP_WINDOW = (1L << 47) - 4096;
    /** The stack top (STACK_TOP = DEFAULT_MAP_WINDOW, no randomisation). */
    public static final long STACK_TOP = DEFAULT_MAP_WINDOW;
    /** Size of the initial stack VMA. */
    public static final long STACK_SIZE = 8L << 20;
    /** Gap left between the stack and the mmap area (Linux keeps at least 128 MiB). */
    static final long MMAP_GAP = 128L << 20;

    private final PhysicalMemory phys;
    private final Mmu mmu;
    private final Cpu cpu;
    private final FrameAllocator frames;
    private final PageTables kernelPgd;
    private final PageTables userPgd; // null without PTI
    public final long taskSizeMax;
    private final TreeMap<Long, Vma> vmas = new TreeMap<>();
    private long mmapBase = STACK_TOP - STACK_SIZE - MMAP_GAP;

    long startBrk, brk;

    AddressSpace(Cpu cpu, PhysicalMemory phys, FrameAllocator frames, PageTables kernelPgd, PageTables userPgd, boolean fiveLevel) {
        this.cpu = cpu;
        this.phys = phys;
        this.mmu = cpu.mmu;
        this.frames = frames;
        this.kernelPgd = kernelPgd;
        this.userPgd = userPgd;
        this.taskSizeMax = fiveLevel ? TASK_SIZE_MAX_5L : TASK_SIZE_MAX_4L;
    }

    public List<Vma> vmas() {
        return new ArrayList<>(vmas.values());
    }

    /** The VMA containing {@code a}, or null. */
    Vma find(long a) {
        Map.Entry<Long, Vma> e = vmas.floorEntry(a);
        return e != null && e.getValue().contains(a) ? e.getValue() : null;
    }

    boolean overlaps(long start, long end) {
        Map.Entry<Long, Vma> e = vmas.lowerEntry(end);
        return e != null && e.getValue().end > start;
    }

    /** Adds a VMA for [start, end) (page aligned), replacing anything there (MAP_FIXED semantics). */
    Vma add(long start, long end, int prot, String name) {
        remove(start, end);
        Vma v = new Vma(start, end, prot, name);
        vmas.put(start, v);
        return v;
    }

    /**
     * A free range of {@code len} bytes, searched top-down below the mmap base (Linux's default
     * top-down allocator) or at {@code hint} when it is free and fits; -1 when none is left.
     */
    long findFree(long hint, long len) {
        if (hint != 0) {
            hint &= ~0xFFFL;
            if (hint >= 0x10000 && hint + len <= DEFAULT_MAP_WINDOW && !overlaps(hint, hint + len)) return hint;
        }
        long top = mmapBase;
        while (top - len >= 0x10000) {
            long start = top - len;
            Map.Entry<Long, Vma> below = vmas.lowerEntry(top);
            if (below == null || below.getValue().end <= start) return start;
            top = below.getValue().start;
        }
        return -1;
    }

    /** Unmaps [start, end): splits or trims VMAs and frees their pages. */
    void remove(long start, long end) {
        for (Vma v : new ArrayList<>(vmas.subMap(Math.max(0, start - (1L << 46)), true, end, false).values())) {
            if (v.end <= start || v.start >= end) continue;
            vmas.remove(v.start);
            if (v.start < start) vmas.put(v.start, new Vma(v.start, start, v.prot, v.name));
            if (v.end > end) vmas.put(end, new Vma(end, v.end, v.prot, v.name));
            unmapPages(Math.max(v.start, start), Math.min(v.end, end));
        }
    }

    /** Changes protection of [start, end); every page must be inside a VMA (else false, like -ENOMEM). */
    boolean protect(long start, long end, int prot) {
        for (long a = start; a < end; ) {
            Vma v = find(a);
            if (v == null) return false;
            a = v.end;
        }
        for (Vma v : new ArrayList<>(vmas.values())) {
            if (v.end <= start || v.start >= end) continue;
            vmas.remove(v.start);
            if (v.start < start) vmas.put(v.start, new Vma(v.start, start, v.prot, v.name));
            long s = Math.max(v.start, start), e = Math.min(v.end, end);
            vmas.put(s, new Vma(s, e, prot, v.name));
            if (v.end > end) vmas.put(end, new Vma(end, v.end, v.prot, v.name));
            for (long a = s; a < e; a += 4096) {
                long pte = kernelPgd.pte(a);
                if ((pte & PageTables.ADDR_MASK) != 0) {
                    kernelPgd.setPte(a, (pte & PageTables.ADDR_MASK) | leafFlags(prot));
                    mmu.invlpg(a);
                }
            }
        }
        return true;
    }

    /**
     * Leaf PTE flags for a protection. PROT_NONE pages keep their frame in a PTE with P clear
     * (Linux's _PAGE_PROTNONE idea), so every access faults and munmap still frees the frame.
     */
    static long leafFlags(int prot) {
        if (prot == 0) return PageTables.US | PageTables.NX;
        long f = PageTables.P | PageTables.US;
        if ((prot & Vma.PROT_WRITE) != 0) f |= PageTables.RW;
        if ((prot & Vma.PROT_EXEC) == 0) f |= PageTables.NX;
        return f;
    }

    /** Maps one zeroed page at {@code la} (page aligned) with the VMA's protection; returns its frame. */
    long populate(long la, int prot) {
        long pte = kernelPgd.pte(la);
        if ((pte & PageTables.ADDR_MASK) != 0) return pte & PageTables.ADDR_MASK;
        long pa = frames.allocate();
        phys.fill(pa, 0, 4096);
        kernelPgd.setPte(la, pa | leafFlags(prot));
        mirrorTopLevel(la);
        return pa;
    }

    private void mirrorTopLevel(long la) {
        if (userPgd == null) return;
        int idx = (int) (la >>> (kernelPgd.fiveLevel() ? 48 : 39)) & 511;
        if (userPgd.topLevelEntry(idx) != kernelPgd.topLevelEntry(idx)) userPgd.shareTopLevelEntry(kernelPgd, idx);
    }

    private void unmapPages(long start, long end) {
        for (long a = start; a < end; a += 4096) {
            long pte = kernelPgd.unmap4k(a);
            if ((pte & PageTables.ADDR_MASK) != 0) {
                frames.release(pte & PageTables.ADDR_MASK);
                mmu.invlpg(a);
            }
        }
    }

    /**
     * Demand paging: a user #PF on a not-present page inside a VMA that allows the access maps a
     * fresh zero page and returns true (the faulting instruction is retried). Anything else is a
     * real fault (false).
     */
    boolean handleFault(long addr, int errorCode) {
        if ((errorCode & 1) != 0) return false; // protection violation on a present page
        Vma v = find(addr);
        if (v == null) return false;
        boolean write = (errorCode & 2) != 0, fetch = (errorCode & 16) != 0;
        if (write && (v.prot & Vma.PROT_WRITE) == 0) return false;
        if (fetch && (v.prot & Vma.PROT_EXEC) == 0) return false;
        if (!write && !fetch && (v.prot & Vma.PROT_READ) == 0) return false;
        populate(addr & ~0xFFFL, v.prot);
        return true;
    }

    // ---- copy_from_user / copy_to_user for Java syscalls ----

    /** Translates a user address for a kernel access on the process's behalf, faulting pages in; -1 = EFAULT. */
    long userPhys(long la, boolean write) {
        if (la < 0 || la >= taskSizeMax) return -1;
        for (int attempt = 0; attempt < 2; attempt++) {
            try {
                return mmu.translate(la, write ? Mmu.ACC_WRITE : Mmu.ACC_READ, true);
            } catch (CpuException e) {
                if (e.vector != CpuException.PF || !handleFault(la, write ? 6 : 4)) return -1;
            }
        }
        return -1;
    }

    /** Copies guest bytes in; false on a bad address (-EFAULT). */
    boolean copyFromUser(long la, byte[] dst, int off, int len) {
        while (len > 0) {
            long pa = userPhys(la, false);
            if (pa < 0) return false;
            int n = (int) Math.min(len, 4096 - (la & 0xFFF));
            phys.read(pa, dst, off, n);
            la += n; off += n; len -= n;
        }
        return true;
    }

    boolean copyToUser(long la, byte[] src, int off, int len) {
        while (len > 0) {
            long pa = userPhys(la, true);
            if (pa < 0) return false;
            int n = (int) Math.min(len, 4096 - (la & 0xFFF));
            phys.write(pa, src, off, n);
            la += n; off += n; len -= n;
        }
        return true;
    }

    boolean putUser64(long la, long v) {
        byte[] b = new byte[8];
        for (int i = 0; i < 8; i++) b[i] = (byte) (v >>> (8 * i));
        return copyToUser(la, b, 0, 8);
    }

    /** Copies raw bytes to user pages ignoring protection (the ELF loader writes read-only text). */
    void poke(long la, byte[] src, int off, int len) {
        while (len > 0) {
            long page = la & ~0xFFFL;
            Vma v = find(la);
            long pa = populate(page, v == null ? Vma.PROT_READ : v.prot);
            int n = (int) Math.min(len, 4096 - (la & 0xFFF));
            phys.write(pa + (la & 0xFFF), src, off, n);
            la += n; off += n; len -= n;
        }
    }
}
