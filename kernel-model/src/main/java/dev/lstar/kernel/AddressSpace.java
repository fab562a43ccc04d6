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
    /** STACK_TOP = DEFAULT_MAP_WINDOW: the stack's top without randomisation (randomize_stack_top lowers it). */
    public static final long STACK_TOP = DEFAULT_MAP_WINDOW;
    /** Size of the initial stack VMA. */
    public static final long STACK_SIZE = 8L << 20;
    /** mm/util.c MIN_GAP: the least room left between the stack top and the mmap base (128 MiB). */
    static final long MMAP_GAP = 128L << 20;
    /** stack_guard_gap: 256 pages (1 MiB), part of the gap mmap_base leaves below the stack. */
    static final long STACK_GUARD_GAP = 256L << 12;
    /** STACK_RND_MASK of x86-64: the stack top moves down by up to this many pages (16 GiB). */
    static final long STACK_RND_MASK = 0x3fffff;

    private final PhysicalMemory phys;
    private final Mmu mmu;
    private final Cpu cpu;
    private final FrameAllocator frames;
    private final PageTables kernelPgd;
    private final PageTables userPgd; // null without PTI
    public final long taskSizeMax;
    private final TreeMap<Long, Vma> vmas = new TreeMap<>();
    long mmapBase = mmapBaseFor(8L << 20);
    /** Shared file mappings (VMAs whose dirty pages go back to their file); 0 makes the coherence hooks free. */
    private int sharedFileVmas;
    /** One page of scratch for file reads and write-backs (no allocation per fault). */
    private final byte[] pageBuf = new byte[4096];
    /**
     * The kernel's vvar frame, which the {@code [vvar]} area's first page maps (-1: none). It is
     * never freed by an unmap and not counted in the RSS (a VM_PFNMAP page on Linux).
     */
    long vvarFrame = -1;
    /** The vDSO image the {@code [vdso]} area's pages are filled from (null: none). */
    byte[] vdsoImage;

    long startBrk, brk;
    /** mm->start_data / end_data as load_elf_binary sets them (check_data_rlimit counts end_data - start_data). */
    long startData, endData;

    // ---- memory accounting (mm->total_vm, mm->data_vm, RSS) and the limits that apply to it
    /** Pages in all VMAs (mm->total_vm), in writable private non-stack VMAs (mm->data_vm), populated (RSS). */
    private long totalVm, dataVm;
    long rss;
    /** The process's limits (RLIMIT_AS, RLIMIT_DATA, RLIMIT_STACK); set by the kernel at exec. */
    ResourceLimits limits;
    /** totalram_pages() of the overcommit heuristic ({@link LinuxKernel#totalRamBytes()} in pages). */
    long totalRamPages = Long.MAX_VALUE;
    /** Called when a page cannot be populated because guest RAM is exhausted (the OOM killer). */
    Runnable outOfMemory = () -> {};

    /** Tasks using this space (CLONE_VM shares it, vfork children until they exec); the last one to end destroys it. */
    int users = 1;
    /** The page frames this space may share with others (fork's copy-on-write). */
    final FrameRefs refs;
    /** The page cache private file pages come from (null: every such page is read into a frame of its own). */
    PageCache pageCache;
    /** The physical address of the PGD pair (kernel PGD; the user PGD 4 KiB above it with PTI). */
    final long pgdPair;

    /** The kernel whose CPUs use this space (null in unit tests: the one CPU given is used). */
    LinuxKernel kernel;
    /** The TLB shootdown generation: moved on by every flush the kernel makes for this space (see {@link LinuxKernel#flushTlb}). */
    volatile long tlbGen;

    /** The MMU of the calling kernel code's CPU. */
    private Mmu mmu() {
        return kernel != null ? kernel.cpu().mmu : mmu;
    }

    /** Drops the TLB entries of page {@code page} (every page: -1) of this space on every CPU that may hold them. */
    private void flushPage(long page) {
        if (kernel != null) kernel.flushTlb(this, page);
        else if (page == -1) mmu.flushAll();
        else mmu.invlpg(page);
    }

    AddressSpace(Cpu cpu, PhysicalMemory phys, FrameAllocator frames, PageTables kernelPgd, PageTables userPgd, boolean fiveLevel) {
        this(cpu, phys, frames, new FrameRefs(frames), kernelPgd, userPgd, fiveLevel);
    }

    AddressSpace(Cpu cpu, PhysicalMemory phys, FrameAllocator frames, FrameRefs refs, PageTables kernelPgd, PageTables userPgd, boolean fiveLevel) {
        this.cpu = cpu;
        this.phys = phys;
        this.mmu = cpu.mmu;
        this.frames = frames;
        this.refs = refs;
        this.kernelPgd = kernelPgd;
        this.userPgd = userPgd;
        this.pgdPair = kernelPgd.root;
        this.taskSizeMax = fiveLevel ? TASK_SIZE_MAX_5L : TASK_SIZE_MAX_4L;
    }

    /** CR3 for kernel mode in this space with PCID {@code pcid} (0 without PCIDs). */
    long kernelCr3(int pcid) {
        return pgdPair | pcid;
    }

    /** CR3 for user mode: the user PGD with the user PCID ({@code pcid} | 0x800) under PTI, else the kernel's. */
    long userCr3(int pcid) {
        return userPgd == null ? kernelCr3(pcid) : (pgdPair + 4096) | (pcid == 0 ? 0 : pcid | 0x800);
    }

    /**
     * arch/x86/mm/mmap.c mmap_base(): below STACK_TOP by the stack's RLIMIT_STACK plus the padding
     * (the stack guard gap, and with randomisation the stack's largest random shift,
     * STACK_RND_MASK pages), at least MIN_GAP (128 MiB) and at most 5/6 of the address space, then
     * {@code rnd} lower — 0x7ffff7fff000 without randomisation and the default 8 MiB stack limit,
     * as under {@code setarch -R}.
     */
    static long mmapBaseFor(long stackRlimit, boolean randomize, long rnd) {
        long pad = STACK_GUARD_GAP + (randomize ? STACK_RND_MASK << 12 : 0);
        long gap = Long.compareUnsigned(stackRlimit + pad, stackRlimit) > 0 ? stackRlimit + pad : stackRlimit; // RLIM_INFINITY does not wrap
        if (Long.compareUnsigned(gap, MMAP_GAP) < 0) gap = MMAP_GAP;
        else if (Long.compareUnsigned(gap, STACK_TOP / 6 * 5) > 0) gap = STACK_TOP / 6 * 5;
        return (STACK_TOP - gap - rnd + 0xFFF) & ~0xFFFL;
    }

    static long mmapBaseFor(long stackRlimit) {
        return mmapBaseFor(stackRlimit, false, 0);
    }

    /** The top of the mmap area (the top-down allocator starts below it). */
    long mmapBase() {
        return mmapBase;
    }

    /**
     * setup_new_exec's arch_pick_mmap_layout: the mmap base from the stack limit, lowered by
     * {@code rnd} (arch_mmap_rnd: 28 random bits of pages, 0 without randomisation).
     */
    void pickMmapLayout(boolean randomize, long rnd) {
        mmapBase = mmapBaseFor(limits == null ? 8L << 20 : limits.soft(ResourceLimits.RLIMIT_STACK), randomize, rnd);
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
        return add(start, end, prot, name, false);
    }

    /** {@link #add} of anonymous memory, MAP_SHARED if {@code shared}. */
    Vma add(long start, long end, int prot, String name, boolean shared) {
        remove(start, end);
        Vma v = new Vma(start, end, prot, name, null, 0, shared, true);
        put(v);
        return v;
    }

    /**
     * Installs a special mapping ({@code [vvar]} or {@code [vdso]}, Linux's
     * _install_special_mapping): anonymous, private, VM_MAYWRITE only if {@code mayWrite}; its
     * pages come from {@link #handleFault}.
     */
    Vma addSpecial(long start, long end, int prot, String name, boolean mayWrite) {
        remove(start, end);
        Vma v = new Vma(start, end, prot, name, null, 0, false, mayWrite);
        put(v);
        return v;
    }

    /** Adds a file mapping [start, end) of {@code file} at offset {@code pgoff}, replacing anything there. */
    Vma addFile(long start, long end, int prot, MappedFile file, long pgoff, boolean shared, boolean mayWrite) {
        file.use(); // keeps the file while remove() may drop its last other user
        try {
            remove(start, end);
            Vma v = new Vma(start, end, prot, "file", file, pgoff, shared, mayWrite);
            put(v);
            return v;
        } finally {
            file.unuse();
        }
    }

    void put(Vma v) {
        vmas.put(v.start, v);
        account(v, 1);
        if (v.file != null) v.file.use();
        if (v.writesBack()) sharedFileVmas++;
    }

    /** Takes {@code v} out of the tree; its file reference goes with {@link #unuse}, after any slices took theirs. */
    private void drop(Vma v) {
        vmas.remove(v.start);
        account(v, -1);
        if (v.writesBack()) sharedFileVmas--;
    }

    private static void unuse(Vma v) {
        if (v.file != null) v.file.unuse();
    }

    /** vm_stat_account: total_vm always; data_vm for is_data_mapping (writable, private, not the stack). */
    private void account(Vma v, long sign) {
        long pages = (v.end - v.start) >>> 12;
        totalVm += sign * pages;
        if (isData(v.prot, v.shared ? "shared" : v.name)) dataVm += sign * pages;
    }

    /** is_data_mapping: writable, not shared ({@code name} "shared" for MAP_SHARED), not the stack. */
    private static boolean isData(int prot, String name) {
        return (prot & Vma.PROT_WRITE) != 0 && !"[stack]".equals(name) && !"shared".equals(name);
    }

    /** mm->total_vm in pages. */
    public long totalVmPages() { return totalVm; }

    /** mm->data_vm in pages. */
    public long dataVmPages() { return dataVm; }

    /** Populated user pages (the process's RSS) . */
    public long rssPages() { return rss; }

    /** The most pages ever resident at once (hiwater_rss: getrusage's ru_maxrss). */
    public long hiwaterRssPages() { return hiwaterRss; }

    /** Pages populated on first touch so far (getrusage's ru_minflt: each was a minor fault). */
    public long minorFaults() { return minorFaults; }

    long hiwaterRss, minorFaults;

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
            long s = Math.max(v.start, start), e = Math.min(v.end, end);
            if (v.writesBack()) writeBack(v, s, e);
            drop(v);
            if (v.start < start) put(v.slice(v.start, start, v.prot));
            if (v.end > end) put(v.slice(end, v.end, v.prot));
            unuse(v);
            unmapPages(s, e);
        }
    }

    /**
     * Changes protection of [start, end): 0, -ENOMEM if a page is outside every VMA, -EACCES if
     * PROT_WRITE is asked of a shared mapping of a file opened read-only (no VM_MAYWRITE).
     * Dirty bits survive (a shared page keeps its pending write-back).
     */
    long protect(long start, long end, int prot) {
        for (long a = start; a < end; ) {
            Vma v = find(a);
            if (v == null) return -Errno.ENOMEM;
            if ((prot & Vma.PROT_WRITE) != 0 && !v.mayWrite) return -Errno.EACCES;
            a = v.end;
        }
        for (Vma v : new ArrayList<>(vmas.subMap(Math.max(0, start - (1L << 46)), true, end, false).values())) {
            if (v.end <= start || v.start >= end) continue;
            drop(v);
            if (v.start < start) put(v.slice(v.start, start, v.prot));
            long s = Math.max(v.start, start), e = Math.min(v.end, end);
            put(v.slice(s, e, prot));
            if (v.end > end) put(v.slice(end, v.end, v.prot));
            unuse(v);
            for (long a = s; a < e; a += 4096) {
                long pte = kernelPgd.pte(a);
                if ((pte & PageTables.ADDR_MASK) != 0) {
                    long flags = leafFlags(prot);
                    // a private page fork shares stays read-only: the first write copies it
                    if (!v.shared && refs.shared(pte & PageTables.ADDR_MASK)) flags &= ~PageTables.RW;
                    kernelPgd.setPte(a, (pte & (PageTables.ADDR_MASK | PageTables.D)) | flags);
                    flushPage(a);
                }
            }
        }
        return 0;
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
        minorFaults++;
        if (rss > hiwaterRss) hiwaterRss = rss;
        return pa;
    }

    void mirrorTopLevel(long la) {
        if (userPgd == null) return;
        int idx = (int) (la >>> (kernelPgd.fiveLevel() ? 48 : 39)) & 511;
        if (userPgd.topLevelEntry(idx) != kernelPgd.topLevelEntry(idx)) userPgd.shareTopLevelEntry(kernelPgd, idx);
    }

    private void unmapPages(long start, long end) {
        for (long a = start; a < end; a += 4096) {
            long pte = kernelPgd.unmap4k(a);
            if ((pte & PageTables.ADDR_MASK) == vvarFrame) {
                flushPage(a); // the kernel's vvar frame stays the kernel's
            } else if ((pte & PageTables.ADDR_MASK) != 0) {
                refs.put(pte & PageTables.ADDR_MASK);
                flushPage(a);
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
        if ((errorCode & 2) != 0 && breakCow(addr)) return true; // a write to a present copy-on-write page
        if (!resolvesFault(addr, errorCode)) return false;
        Vma v = find(addr);
        long page = addr & ~0xFFFL;
        if (v.name.equals("[vvar]")) return mapVvar(v, page);
        if (v.name.equals("[vdso]")) return fillVdso(v, page);
        if (v.file == null) return populate(page, v.prot) >= 0;
        return fillFromFile(v, page) >= 0; // a file page: read from the file now (at fault time)
    }

    /**
     * Whether {@link #handleFault} would map a page for this user #PF (true) rather than leave it a
     * real fault (false), without changing anything; the gdb stub asks it to stop only at faults
     * that become signals.
     */
    public boolean resolvesFault(long addr, int errorCode) {
        if ((errorCode & 2) != 0 && cowPage(addr) != null) return true; // a write to a copy-on-write page
        if ((errorCode & 1) != 0) return false; // protection violation on a present page
        Vma v = find(addr);
        if (v == null) return false;
        if (!permits(v, errorCode)) return false;
        // acct_stack_growth: the stack may not grow deeper than RLIMIT_STACK (lstar's stack VMA is
        // reserved whole at exec; a page faulted in below the limit is growth Linux would refuse)
        if ("[stack]".equals(v.name) && limits != null
                && limits.exceeds(ResourceLimits.RLIMIT_STACK, v.end - (addr & ~0xFFFL))) return false;
        return v.file == null || !beyondFileEnd(v, addr);
    }

    /**
     * Whether VMA {@code v} allows the access a #PF error code describes (access_error's test): a
     * read needs the VMA accessible at all (vma_is_accessible: any of read, write or execute, as
     * x86 page tables cannot express write-only or, without protection keys, execute-only pages).
     */
    static boolean permits(Vma v, int errorCode) {
        boolean write = (errorCode & 2) != 0, fetch = (errorCode & 16) != 0;
        if (write) return (v.prot & Vma.PROT_WRITE) != 0;
        if (fetch) return (v.prot & Vma.PROT_EXEC) != 0;
        return (v.prot & (Vma.PROT_READ | Vma.PROT_WRITE | Vma.PROT_EXEC)) != 0;
    }

    /**
     * Whether {@code addr} lies in a page of file mapping {@code v} past the page that holds the
     * file's last byte: an access there is SIGBUS (BUS_ADRERR) on Linux, not a new page.
     */
    boolean beyondFileEnd(Vma v, long addr) {
        if (v.file == null) return false;
        long off = v.pgoff + ((addr & ~0xFFFL) - v.start);
        return Long.compareUnsigned(off, (v.file.size() + 0xFFF) & ~0xFFFL) >= 0;
    }

    /**
     * vvar_fault: the first page of a {@code [vvar]} area is the kernel's vvar frame; the others
     * (Linux's pvclock, hvclock and time-namespace pages, absent here) are a SIGBUS on Linux and
     * a SIGSEGV in lstar. The area's start is where the vDSO expects it only until it is moved.
     */
    private boolean mapVvar(Vma v, long page) {
        if (vvarFrame < 0 || page != v.start) return false;
        kernelPgd.setPte(page, vvarFrame | leafFlags(v.prot));
        mirrorTopLevel(page);
        return true;
    }

    /** A page of the {@code [vdso]} area: a private copy of the vDSO image's page (zeros past its end). */
    private boolean fillVdso(Vma v, long page) {
        long pa = populate(page, v.prot);
        if (pa < 0) return false;
        int off = (int) (page - v.start);
        if (vdsoImage != null && off < vdsoImage.length) phys.write(pa, vdsoImage, off, Math.min(4096, vdsoImage.length - off));
        return true;
    }

    /** Populates the page at {@code page} of file mapping {@code v} with the file's bytes; the frame or -1. */
    private long fillFromFile(Vma v, long page) {
        long off = v.pgoff + (page - v.start);
        if (sharedFileVmas > 0 && v.file.file != null) {
            // the same file page dirty in a shared mapping: the new page must see it (one page cache on Linux)
            for (Vma o : vmas.values()) {
                if (o == v || !o.writesBack() || o.file.dev != v.file.dev || o.file.ino != v.file.ino) continue;
                long oa = o.start + (off - o.pgoff);
                if (off >= o.pgoff && oa < o.end) writeBack(o, oa, oa + 4096);
            }
        }
        if (pageCache != null && !v.shared && v.file.identity() != null) {
            // a private page that nobody wrote yet is the page cache's frame, read-only (a write copies it)
            long pa;
            try {
                pa = pageCache.frame(v.file, off);
            } catch (FrameAllocator.OutOfGuestMemoryException e) {
                outOfMemory.run();
                return -1;
            }
            refs.share(pa);
            try {
                kernelPgd.setPte(page, pa | (leafFlags(v.prot) & ~PageTables.RW));
            } catch (FrameAllocator.OutOfGuestMemoryException e) {
                refs.put(pa);
                outOfMemory.run();
                return -1;
            }
            mirrorTopLevel(page);
            rss++;
            minorFaults++;
            if (rss > hiwaterRss) hiwaterRss = rss;
            return pa;
        }
        long pa = populate(page, v.prot);
        if (pa < 0) return -1;
        v.file.readPage(off, pageBuf);
        phys.write(pa, pageBuf, 0, 4096);
        return pa;
    }

    /**
     * padzero: the bytes [la, la + len) of one page become zeros in this space's own copy of the
     * page (faulted in from its file first, then copied on write).
     */
    void zeroRange(long la, int len) {
        // through this space's own page tables, never the MMU: exec builds a space while the CPU still runs the old one
        if (len <= 0) return;
        long page = la & ~0xFFFL;
        Vma v = find(la);
        if (v == null) return;
        if ((kernelPgd.pte(page) & PageTables.ADDR_MASK) == 0) {
            if (v.file != null) fillFromFile(v, page);
            else populate(page, v.prot);
        }
        long pte = kernelPgd.pte(page);
        long frame = pte & PageTables.ADDR_MASK;
        if (frame == 0) return; // out of memory: the process is being killed
        frame = ownFrame(frame);
        if (frame < 0) return;
        kernelPgd.setPte(page, frame | leafFlags(v.prot) | (pte & (PageTables.A | PageTables.D)));
        flushPage(page);
        phys.fill(frame + (la & 0xFFF), 0, len);
    }

    // ---- shared file mappings: the page cache's coherence, modelled by write-back and reload

    /** Writes the dirty pages of shared file mapping {@code v} in [start, end) back to the file and cleans them. */
    private void writeBack(Vma v, long start, long end) {
        long size = -1;
        for (long a = Math.max(start, v.start); a < Math.min(end, v.end); a += 4096) {
            long pte = kernelPgd.pte(a);
            if ((pte & PageTables.ADDR_MASK) == 0 || (pte & PageTables.D) == 0) continue;
            if (size < 0) size = v.file.size();
            long off = v.pgoff + (a - v.start);
            int len = (int) Math.max(0, Math.min(4096, size - off)); // a mapping never extends its file
            phys.read(pte & PageTables.ADDR_MASK, pageBuf, 0, Math.max(len, 0));
            v.file.writeBack(off, pageBuf, len);
            kernelPgd.setPte(a, pte & ~PageTables.D);
            flushPage(a);
        }
    }

    /** msync: writes back the shared file pages in [start, end). */
    void syncRange(long start, long end) {
        if (sharedFileVmas == 0) return;
        for (Vma v : new ArrayList<>(vmas.subMap(Math.max(0, start - (1L << 46)), true, end, false).values())) {
            if (v.end > start && v.writesBack()) writeBack(v, start, end);
        }
    }

    /**
     * Before a file is read (read, pread, sendfile, a new mapping): stores made through shared
     * mappings reach the file, as they would be in the shared page cache on Linux.
     */
    void syncSharedMappings() {
        syncSharedMappings(null);
    }

    /** {@link #syncSharedMappings()} for the mappings of the host file {@code host} only (null: all). */
    void syncSharedMappings(java.nio.file.Path host) {
        if (sharedFileVmas == 0) return;
        for (Vma v : vmas.values()) if (v.writesBack() && (host == null || host.equals(v.file.host))) writeBack(v, v.start, v.end);
    }

    /**
     * After a file was written (write, pwrite, truncate...): the populated pages of its shared
     * mappings ({@code host}; null: every file's) show the file's new bytes (they were written back first, so nothing is lost).
     * Private mappings keep the copies they made at fault time, which Linux allows.
     */
    void reloadSharedMappings(java.nio.file.Path host) {
        if (sharedFileVmas == 0) return;
        for (Vma v : vmas.values()) {
            if (!v.writesBack() || host != null && !host.equals(v.file.host)) continue;
            for (long a = v.start; a < v.end; a += 4096) {
                long pte = kernelPgd.pte(a);
                if ((pte & PageTables.ADDR_MASK) == 0) continue;
                v.file.readPage(v.pgoff + (a - v.start), pageBuf);
                phys.write(pte & PageTables.ADDR_MASK, pageBuf, 0, 4096);
            }
        }
    }

    /** exit_mmap: the shared mappings' dirty pages reach their files (the process is ending). */
    void exitMmap() {
        syncSharedMappings();
    }

    /** Whether the page at {@code la} is populated (mincore). */
    boolean resident(long la) {
        return (kernelPgd.pte(la) & PageTables.ADDR_MASK) != 0;
    }

    /**
     * MADV_DONTNEED on [start, end) (all inside VMAs): the pages go; an anonymous private page
     * reads as zeros afterwards, a file page is read again from the file (a shared one is written
     * back first).
     */
    void dontNeed(long start, long end) {
        for (Vma v : new ArrayList<>(vmas.subMap(Math.max(0, start - (1L << 46)), true, end, false).values())) {
            if (v.end <= start || v.start >= end) continue;
            long s = Math.max(v.start, start), e = Math.min(v.end, end);
            if (v.writesBack()) writeBack(v, s, e);
            unmapPages(s, e);
        }
    }

    /**
     * mremap's move_vma: the pages of [from, from + len) (inside one VMA {@code v}) move to
     * [to, to + len) with the area, which becomes {@code newLen} long; the old range is unmapped,
     * or with MREMAP_DONTUNMAP stays mapped and empty.
     */
    void move(Vma v, long from, long len, long to, long newLen, boolean dontUnmap) {
        Vma moved = v.movedTo(to, from, newLen);
        if (moved.file != null) moved.file.use();
        try {
            remove(to, to + newLen);
            put(moved);
            for (long off = 0; off < len; off += 4096) {
                long pte = kernelPgd.unmap4k(from + off);
                if ((pte & PageTables.ADDR_MASK) == 0) continue;
                flushPage(from + off);
                kernelPgd.setPte(to + off, pte); // page-table frames for the destination: taken like a populate
                mirrorTopLevel(to + off);
            }
            if (!dontUnmap) remove(from, from + len);
        } finally {
            if (moved.file != null) moved.file.unuse();
        }
    }

    /** Grows VMA {@code v} in place to end at {@code newEnd} (the range above it is free). */
    void expand(Vma v, long newEnd) {
        drop(v);
        put(v.slice(v.start, newEnd, v.prot));
        unuse(v);
    }

    // ---- fork: copy-on-write, and the end of an address space

    /**
     * The VMA of a write fault on a present, read-only page that is copy-on-write: a private
     * mapping that allows the write (the page is read-only because fork shares it, or shared it
     * once); null for a real protection fault.
     */
    private Vma cowPage(long addr) {
        Vma v = find(addr);
        if (v == null || v.shared || (v.prot & Vma.PROT_WRITE) == 0) return null;
        long pte = kernelPgd.pte(addr & ~0xFFFL);
        if ((pte & PageTables.P) == 0 || (pte & PageTables.RW) != 0 || (pte & PageTables.ADDR_MASK) == 0) return null;
        if ((pte & PageTables.ADDR_MASK) == vvarFrame) return null;
        return v;
    }

    /**
     * do_wp_page: a write to a copy-on-write page. If another space still maps the frame, this
     * space gets a private copy of it; if not, the page just becomes writable again (wp_page_reuse).
     */
    private boolean breakCow(long addr) {
        Vma v = cowPage(addr);
        if (v == null) return false;
        long page = addr & ~0xFFFL;
        long pte = kernelPgd.pte(page);
        long old = pte & PageTables.ADDR_MASK;
        long frame = ownFrame(old);
        if (frame < 0) return false;
        if (frame != old) minorFaults++;
        kernelPgd.setPte(page, frame | leafFlags(v.prot) | PageTables.D | PageTables.A);
        flushPage(page);
        return true;
    }

    /**
     * The frame this space may write in place of {@code frame}: the frame itself if no other
     * space or the page cache maps it, else a private copy (this space's reference to the shared
     * one is dropped); -1 when guest RAM is exhausted (the OOM killer was called).
     */
    private long ownFrame(long frame) {
        if (!refs.shared(frame)) return frame;
        long copy;
        try {
            copy = frames.allocate();
        } catch (FrameAllocator.OutOfGuestMemoryException e) {
            outOfMemory.run();
            return -1;
        }
        phys.read(frame, pageBuf, 0, 4096);
        phys.write(copy, pageBuf, 0, 4096);
        refs.put(frame);
        return copy;
    }

    /**
     * dup_mmap: a copy of this space for a forked child, in {@code child} (empty, with its own
     * page tables). Every VMA is copied; every populated page is shared, not copied: private
     * pages become read-only in both spaces (the first write copies, {@link #breakCow}), shared
     * pages stay writable in both. Anonymous MAP_SHARED memory is populated whole first, so that
     * parent and child fault in the same frames. The vvar frame is the kernel's and just mapped.
     */
    void copyInto(AddressSpace child) {
        for (Vma v : new ArrayList<>(vmas.values())) {
            if (v.shared && v.file == null) {
                for (long a = v.start; a < v.end; a += 4096) if (!resident(a)) populate(a, v.prot);
            }
        }
        for (Vma v : vmas.values()) {
            child.put(v.slice(v.start, v.end, v.prot));
            for (long a = v.start; a < v.end; a += 4096) {
                long pte = kernelPgd.pte(a);
                long pa = pte & PageTables.ADDR_MASK;
                if (pa == 0) continue;
                if (pa != vvarFrame) {
                    refs.share(pa);
                    child.rss++;
                    if (!v.shared && (pte & PageTables.RW) != 0) {
                        pte &= ~PageTables.RW;
                        kernelPgd.setPte(a, pte);
                    }
                }
                child.kernelPgd.setPte(a, pte);
                child.mirrorTopLevel(a);
            }
        }
        child.hiwaterRss = child.rss;
        child.mmapBase = mmapBase;
        child.startBrk = startBrk;
        child.brk = brk;
        child.startData = startData;
        child.endData = endData;
        child.vvarFrame = vvarFrame;
        child.vdsoImage = vdsoImage;
        child.limits = limits;
        child.pageCache = pageCache;
        child.totalRamPages = totalRamPages;
        child.outOfMemory = outOfMemory;
        flushPage(-1); // this space's writable translations are read-only now
    }

    /**
     * exit_mmap + free_pgtables + pgd_free: every mapping goes (shared file pages are written back,
     * frames shared with another space stay its), then the user half's page-table frames and the
     * PGD pair itself. The CPU must not be using this space's CR3 any more.
     */
    void destroy() {
        remove(0, taskSizeMax + 4096);
        int levels = kernelPgd.fiveLevel() ? 5 : 4;
        for (int idx = 0; idx < 256; idx++) {
            long e = kernelPgd.topLevelEntry(idx);
            if ((e & PageTables.P) == 0) continue;
            freeTable(e & PageTables.ADDR_MASK, levels - 1);
            kernelPgd.setTopLevelEntry(idx, 0);
            if (userPgd != null) userPgd.setTopLevelEntry(idx, 0);
        }
        phys.fill(pgdPair, 0, userPgd != null ? 8192 : 4096);
        frames.release(pgdPair);
        if (userPgd != null) frames.release(pgdPair + 4096);
    }

    /** Frees a page table at {@code level} (1 = a PT) and the tables below it; leaf frames were freed by the unmap. */
    private void freeTable(long pa, int level) {
        if (level > 1) {
            for (int i = 0; i < 512; i++) {
                long e = phys.read64(pa + i * 8L);
                if ((e & PageTables.P) != 0 && (e & PageTables.PS) == 0) freeTable(e & PageTables.ADDR_MASK, level - 1);
            }
        }
        phys.fill(pa, 0, 4096);
        frames.release(pa);
    }

    // ---- copy_from_user / copy_to_user for Java syscalls ----

    /** Translates a user address for a kernel access on the process's behalf, faulting pages in; -1 = EFAULT. */
    long userPhys(long la, boolean write) {
        if (la < 0 || la >= taskSizeMax) return -1;
        for (int attempt = 0; attempt < 3; attempt++) { // a write may fault twice: the page in, then its copy
            try {
                return mmu().translate(la, write ? Mmu.ACC_WRITE : Mmu.ACC_READ, true);
            } catch (CpuException e) {
                if (e.vector != CpuException.PF || !handleFault(la, write ? 6 : 4)) return -1;
            }
        }
        return -1;
    }

    /**
     * access_remote_vm's read: bytes of this space through its own page tables (not the CPU's
     * current CR3), as far as they are populated; false at the first hole, or once the space is
     * gone (a zombie's).
     */
    boolean readRemote(long la, byte[] dst, int off, int len) {
        if (users <= 0) return false;
        while (len > 0) {
            if (la < 0 || la >= taskSizeMax) return false;
            long pte = kernelPgd.pte(la & ~0xFFFL);
            if ((pte & PageTables.P) == 0) return false;
            int n = (int) Math.min(len, 4096 - (la & 0xFFF));
            phys.read((pte & PageTables.ADDR_MASK) + (la & 0xFFF), dst, off, n);
            la += n; off += n; len -= n;
        }
        return true;
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

    /**
     * A kernel compare-and-set of the aligned user word at {@code la} (futex_atomic_cmpxchg_inatomic,
     * a LOCK CMPXCHG on x86): stores {@code update} if the word holds {@code expect}. Returns the
     * word's value before (zero-extended; the store happened iff it equals {@code expect}), or -1 on
     * a bad address. With several CPUs a compare-and-set on the frame array, atomic against the
     * guest's locked instructions and plain stores on the other CPUs.
     */
    long cmpxchgUser32(long la, int expect, int update) {
        if ((la & 3) != 0) throw new IllegalArgumentException("unaligned user word 0x" + Long.toHexString(la));
        long pa = userPhys(la, true);
        if (pa < 0) return -1;
        if (!phys.smp) {
            int old = phys.read32(pa);
            if (old == expect) phys.write32(pa, update);
            return old & 0xFFFF_FFFFL;
        }
        long want = expect & 0xFFFF_FFFFL;
        for (;;) {
            long old = phys.readVolatile(pa, 4);
            if (old != want || phys.compareAndSet(pa, 4, want, update & 0xFFFF_FFFFL)) return old;
        }
    }

    /**
     * put_user of a 32-bit word: one 4-byte store when {@code la} is aligned (single-copy atomic, as
     * x86's MOV: another CPU's load or locked instruction sees the old word or the new one), else
     * byte by byte as {@link #copyToUser}. False on a bad address.
     */
    boolean putUser32(long la, int v) {
        if ((la & 3) != 0) return copyToUser(la, new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)}, 0, 4);
        long pa = userPhys(la, true);
        if (pa < 0) return false;
        phys.write32(pa, v);
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
