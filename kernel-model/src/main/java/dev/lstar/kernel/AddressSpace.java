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
    /** mm->start_data / end_data as load_elf_binary sets them (check_data_rlimit counts end_data - start_data). */
    long startData, endData;

    // ---- memory accounting (mm->total_vm, mm->data_vm, RSS) and the limits that apply to it
    /** Pages in all VMAs (mm->total_vm), in writable private non-stack VMAs (mm->data_vm), populated (RSS). */
    private long totalVm, dataVm, rss;
    /** The process's limits (RLIMIT_AS, RLIMIT_DATA, RLIMIT_STACK); set by the kernel at exec. */
    ResourceLimits limits;
    /** totalram_pages() of the overcommit heuristic ({@link LinuxKernel#totalRamBytes()} in pages). */
    long totalRamPages = Long.MAX_VALUE;
    /** Called when a page cannot be populated because guest RAM is exhausted (the OOM killer). */
    Runnable outOfMemory = () -> {};

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
        put(v);
        return v;
    }

    private void put(Vma v) {
        vmas.put(v.start, v);
        account(v, 1);
    }

    private void drop(Vma v) {
        vmas.remove(v.start);
        account(v, -1);
    }

    /** vm_stat_account: total_vm always; data_vm for is_data_mapping (writable, private, not the stack). */
    private void account(Vma v, long sign) {
        long pages = (v.end - v.start) >>> 12;
        totalVm += sign * pages;
        if (isData(v.prot, v.name)) dataVm += sign * pages;
    }

    private static boolean isData(int prot, String name) {
        return (prot & Vma.PROT_WRITE) != 0 && !"[stack]".equals(name);
    }

    /** mm->total_vm in pages. */
    public long totalVmPages() { return totalVm; }

    /** mm->data_vm in pages. */
    public long dataVmPages() { return dataVm; }

    /** Populated user pages (the process's RSS) . */
    public long rssPages() { return rss; }

    /** Pages of VMAs inside [start, end) (count_vma_pages_range). */
    long pagesMapped(long start, long end) {
        long n = 0;
        for (Vma v : vmas.subMap(Math.max(0, start - (1L << 46)), true, end, false).values()) {
            long s = Math.max(v.start, start), e = Math.min(v.end, end);
            if (e > s) n += (e - s) >>> 12;
        }
        return n;
    }

    /**
     * mm/mmap.c may_expand_vm of Linux 6.6: {@code pages} more of a mapping with protection
     * {@code prot} stay within RLIMIT_AS (total_vm) and, for a data mapping, RLIMIT_DATA (data_vm;
     * with Linux's exception for a zero soft limit below the hard one, kept for Valgrind).
     */
    boolean mayExpandVm(int prot, String name, long pages) {
        if (limits == null) return true;
        if (Long.compareUnsigned(totalVm + pages, limits.soft(ResourceLimits.RLIMIT_AS) >>> 12) > 0) return false;
        if (isData(prot, name) && Long.compareUnsigned(dataVm + pages, limits.soft(ResourceLimits.RLIMIT_DATA) >>> 12) > 0) {
            return limits.soft(ResourceLimits.RLIMIT_DATA) == 0
                    && Long.compareUnsigned(dataVm + pages, limits.hard(ResourceLimits.RLIMIT_DATA) >>> 12) <= 0;
        }
        return true;
    }

    /**
     * The commit check of a new accountable mapping (security_vm_enough_memory_mm, i.e.
     * __vm_enough_memory of mm/util.c) under the default heuristic overcommit
     * (vm.overcommit_memory = 0, OVERCOMMIT_GUESS). In Linux 6.6 that mode refuses only a
     * single request for more pages than {@code totalram_pages() + total_swap_pages}; it keeps no
     * running total (the sum of all mappings may exceed RAM: that is the overcommit, and the OOM
     * killer settles it when the pages are touched). lstar models no swap, and its total RAM is
     * the {@code --memory} size less what lstar reserves below its first frame. (The "root may allocate a bit more" of the documentation belongs
     * to mode 2's admin reserve, not to this rule.)
     */
    boolean vmEnoughMemory(long pages) {
        return Long.compareUnsigned(pages, totalRamPages) <= 0;
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
            drop(v);
            if (v.start < start) put(new Vma(v.start, start, v.prot, v.name));
            if (v.end > end) put(new Vma(end, v.end, v.prot, v.name));
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
            drop(v);
            if (v.start < start) put(new Vma(v.start, start, v.prot, v.name));
            long s = Math.max(v.start, start), e = Math.min(v.end, end);
            put(new Vma(s, e, prot, v.name));
            if (v.end > end) put(new Vma(end, v.end, v.prot, v.name));
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
        long pa;
        try {
            pa = frames.allocate();
        } catch (FrameAllocator.OutOfGuestMemoryException e) {
            outOfMemory.run();
            return -1;
        }
        phys.fill(pa, 0, 4096);
        try {
            kernelPgd.setPte(la, pa | leafFlags(prot)); // may need page-table frames
        } catch (FrameAllocator.OutOfGuestMemoryException e) {
            frames.release(pa);
            outOfMemory.run();
            return -1;
        }
        mirrorTopLevel(la);
        rss++;
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
                rss--;
            }
        }
    }

    /**
     * Demand paging: a user #PF on a not-present page inside a VMA that allows the access maps a
     * fresh zero page and returns true (the faulting instruction is retried). Anything else is a
     * real fault (false).
     */
    boolean handleFault(long addr, int errorCode) {
        if (!resolvesFault(addr, errorCode)) return false;
        return populate(addr & ~0xFFFL, find(addr).prot) >= 0;
    }

    /**
     * Whether {@link #handleFault} would map a page for this user #PF (true) rather than leave it a
     * real fault (false), without changing anything; the gdb stub asks it to stop only at faults
     * that become signals.
     */
    public boolean resolvesFault(long addr, int errorCode) {
        if ((errorCode & 1) != 0) return false; // protection violation on a present page
        Vma v = find(addr);
        if (v == null) return false;
        boolean write = (errorCode & 2) != 0, fetch = (errorCode & 16) != 0;
        if (write && (v.prot & Vma.PROT_WRITE) == 0) return false;
        if (fetch && (v.prot & Vma.PROT_EXEC) == 0) return false;
        if (!write && !fetch && (v.prot & Vma.PROT_READ) == 0) return false;
        // acct_stack_growth: the stack may not grow deeper than RLIMIT_STACK (lstar's stack VMA is
        // reserved whole at exec; a page faulted in below the limit is growth Linux would refuse)
        return !("[stack]".equals(v.name) && limits != null
                && limits.exceeds(ResourceLimits.RLIMIT_STACK, v.end - (addr & ~0xFFFL)));
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
            if (pa < 0) return; // out of memory: the process is being killed
            int n = (int) Math.min(len, 4096 - (la & 0xFFF));
            phys.write(pa + (la & 0xFFF), src, off, n);
            la += n; off += n; len -= n;
        }
    }
}
