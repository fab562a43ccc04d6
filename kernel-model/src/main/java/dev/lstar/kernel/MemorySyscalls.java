package dev.lstar.kernel;

import static dev.lstar.kernel.Errno.*;

import dev.lstar.kernel.vfs.OpenFile;
import dev.lstar.kernel.vfs.Stat;
import dev.lstar.kernel.vfs.SysError;

/**
 * The memory-mapping system calls of Linux 6.6 (mm/mmap.c, mm/mremap.c, mm/mprotect.c,
 * mm/madvise.c, mm/msync.c, mm/mincore.c): anonymous and file mappings, private (copy-on-write:
 * a file page is read into a private frame when it is first touched) and shared (dirty pages are
 * written back to the file by msync, munmap, exit, and before the file is read through a
 * descriptor), with Linux's argument checks in Linux's order.
 */
final class MemorySyscalls {
    // include/uapi/linux/mman.h, asm-generic/mman-common.h, asm-generic/mman.h
    static final int MAP_SHARED = 0x01, MAP_PRIVATE = 0x02, MAP_SHARED_VALIDATE = 0x03, MAP_TYPE = 0x0F,
            MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20, MAP_GROWSDOWN = 0x100, MAP_DENYWRITE = 0x800, MAP_EXECUTABLE = 0x1000,
            MAP_LOCKED = 0x2000, MAP_NORESERVE = 0x4000, MAP_POPULATE = 0x8000, MAP_NONBLOCK = 0x10000, MAP_STACK = 0x20000,
            MAP_HUGETLB = 0x40000, MAP_FIXED_NOREPLACE = 0x100000, MAP_UNINITIALIZED = 0x4000000;
    /** LEGACY_MAP_MASK: the flags MAP_SHARED keeps and MAP_SHARED_VALIDATE accepts. */
    static final int LEGACY_MAP_MASK = MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS | MAP_DENYWRITE | MAP_EXECUTABLE
            | MAP_UNINITIALIZED | MAP_GROWSDOWN | MAP_LOCKED | MAP_NORESERVE | MAP_POPULATE | MAP_NONBLOCK | MAP_STACK | MAP_HUGETLB;
    static final int PROT_WRITE = 2, PROT_SEM = 0x8;
    static final int MREMAP_MAYMOVE = 1, MREMAP_FIXED = 2, MREMAP_DONTUNMAP = 4;
    static final int MS_ASYNC = 1, MS_INVALIDATE = 2, MS_SYNC = 4;
    static final int MADV_NORMAL = 0, MADV_RANDOM = 1, MADV_SEQUENTIAL = 2, MADV_WILLNEED = 3, MADV_DONTNEED = 4,
            MADV_FREE = 8, MADV_REMOVE = 9, MADV_DONTFORK = 10, MADV_DOFORK = 11, MADV_MERGEABLE = 12, MADV_UNMERGEABLE = 13,
            MADV_HUGEPAGE = 14, MADV_NOHUGEPAGE = 15, MADV_DONTDUMP = 16, MADV_DODUMP = 17, MADV_WIPEONFORK = 18,
            MADV_KEEPONFORK = 19, MADV_COLD = 20, MADV_PAGEOUT = 21, MADV_POPULATE_READ = 22, MADV_POPULATE_WRITE = 23,
            MADV_DONTNEED_LOCKED = 24, MADV_COLLAPSE = 25, MADV_HWPOISON = 100, MADV_SOFT_OFFLINE = 101;

    private final LinuxKernel k;

    MemorySyscalls(LinuxKernel k) {
        this.k = k;
    }

    private AddressSpace mm() {
        return k.process.mm;
    }

    void register(SyscallTable t) {
        t.x64(9, "mmap", "puPMdn", (a, len, prot, flags, fd, off) -> mmap(a, len, (int) prot, (int) flags, (int) fd, off));
        t.x64(10, "mprotect", "puP", (a, len, prot, a3, a4, a5) -> mprotect(a, len, (int) prot));
        t.x64(11, "munmap", "pu", (a, len, a2, a3, a4, a5) -> munmap(a, len));
        t.x64(25, "mremap", "puurp", (a, oldLen, newLen, flags, na, a5) -> mremap(a, oldLen, newLen, (int) flags, na));
        t.x64(26, "msync", "puy", (a, len, flags, a3, a4, a5) -> msync(a, len, (int) flags));
        t.x64(27, "mincore", "pup", (a, len, vec, a3, a4, a5) -> mincore(a, len, vec));
        t.x64(28, "madvise", "puV", (a, len, adv, a3, a4, a5) -> madvise(a, len, (int) adv));
    }

    /** arch/x86/kernel/sys_x86_64.c sys_mmap, ksys_mmap_pgoff and mm/mmap.c do_mmap. */
    long mmap(long addr, long len, int prot, int flags, int fd, long off) {
        if ((off & 0xFFF) != 0) return -EINVAL;
        AddressSpace mm = mm();
        OpenFile f = null;
        if ((flags & MAP_ANONYMOUS) == 0) {
            if (!k.fds().isOpen(fd)) return -EBADF;
            f = k.fds().get(fd);
            if ((f.flags & OpenFile.O_PATH) != 0) return -EBADF; // fget() does not return O_PATH files
        }
        if (len == 0) return -EINVAL;
        // do_mmap: a READ_IMPLIES_EXEC persona makes readable mappings executable (no noexec mounts in lstar)
        if ((prot & Vma.PROT_READ) != 0 && (k.process.personality & UserProcess.READ_IMPLIES_EXEC) != 0) prot |= Vma.PROT_EXEC;
        long alen = (len + 0xFFF) & ~0xFFFL;
        if (alen == 0 || alen < 0 || alen > mm.taskSizeMax) return -ENOMEM;
        long pgoff = off >>> 12;
        if (Long.compareUnsigned(pgoff + (alen >>> 12), pgoff) < 0) return -EOVERFLOW;
        int type = flags & MAP_TYPE;
        if (type != MAP_SHARED && type != MAP_PRIVATE && type != MAP_SHARED_VALIDATE) return -EINVAL;
        // get_unmapped_area (do_mmap does not validate prot: unknown bits such as PROT_SEM are ignored)
        long start;
        if ((flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) != 0) {
            if ((addr & 0xFFF) != 0) return -EINVAL;
            if (addr + alen > mm.taskSizeMax || addr + alen < addr) return -ENOMEM;
            if (addr < 0x1000) return -EPERM; // mmap_min_addr
            if ((flags & MAP_FIXED) == 0 && mm.overlaps(addr, addr + alen)) return -EEXIST;
            start = addr;
        } else {
            start = mm.findFree(addr, alen);
            if (start < 0) return -ENOMEM;
        }
        boolean shared = type != MAP_PRIVATE, mayWrite = true;
        MappedFile file = null;
        if (f != null && !f.isDevZero()) {
            // file_mmap_ok: offset + length within MAX_LFS_FILESIZE
            if (Long.compareUnsigned(off, Long.MAX_VALUE - alen) > 0) return -EOVERFLOW;
            if (shared) {
                if (type == MAP_SHARED) flags &= LEGACY_MAP_MASK;
                if ((flags & ~LEGACY_MAP_MASK) != 0) return -EOPNOTSUPP;
                if ((prot & PROT_WRITE) != 0 && !f.writable()) return -EACCES;
                mayWrite = f.writable();
            }
            if (!f.readable()) return -EACCES; // every file mapping needs read access (PROT_EXEC included)
            if (!f.isRegular()) return -ENODEV; // no ->mmap: pipes, directories, /dev/null, /dev/urandom
            if ((flags & MAP_GROWSDOWN) != 0) return -EINVAL;
            Stat st;
            try {
                st = f.stat(k.vfs());
            } catch (SysError e) {
                return -e.errno;
            }
            file = MappedFile.of(f, st.dev(), st.ino());
        } else if (shared && (flags & MAP_GROWSDOWN) != 0) {
            return -EINVAL;
        }
        // mmap_region: may_expand_vm (RLIMIT_AS, RLIMIT_DATA), counting a MAP_FIXED replacement's overlap as freed
        long pages = alen >>> 12;
        String kind = shared ? "shared" : "anon";
        if (!mm.mayExpandVm(prot & 7, kind, pages) && !mm.mayExpandVm(prot & 7, kind, pages - mm.pagesMapped(start, start + alen))) {
            if (file != null) { file.use(); file.unuse(); } // drops the reference MappedFile.of took
            return -ENOMEM;
        }
        // accountable_mapping (private and writable) or a shared anonymous mapping (shmem_acct_size), unless
        // MAP_NORESERVE (which mode 0 honours): the heuristic overcommit check of the whole request
        boolean accountable = (flags & MAP_NORESERVE) == 0
                && (file != null ? !shared && (prot & PROT_WRITE) != 0 : type != MAP_PRIVATE || (prot & PROT_WRITE) != 0);
        if (accountable && !mm.vmEnoughMemory(pages)) {
            if (file != null) { file.use(); file.unuse(); }
            return -ENOMEM;
        }
        if (file != null) mm.addFile(start, start + alen, prot & 7, file, off, shared, mayWrite);
        else mm.add(start, start + alen, prot & 7, shared ? "shared" : "anon", shared);
        return start;
    }

    long munmap(long addr, long len) {
        if ((addr & 0xFFF) != 0 || len == 0) return -EINVAL;
        long alen = (len + 0xFFF) & ~0xFFFL;
        if (addr + alen > mm().taskSizeMax || addr + alen < addr) return -EINVAL;
        mm().remove(addr, addr + alen);
        return 0;
    }

    long mprotect(long addr, long len, int prot) {
        if ((addr & 0xFFF) != 0) return -EINVAL;
        // mm/mprotect.c accepts READ|WRITE|EXEC|SEM (x86 PROT_SEM 0x8, no effect) and GROWSDOWN/UP;
        // lstar has no VM_GROWSDOWN/UP areas, which makes either grows bit -EINVAL, as Linux does for them
        if ((prot & ~(7 | PROT_SEM)) != 0) return -EINVAL;
        prot &= 7;
        // do_mprotect_pkey's rier: READ_IMPLIES_EXEC adds PROT_EXEC to a readable protection
        if ((prot & Vma.PROT_READ) != 0 && (k.process.personality & UserProcess.READ_IMPLIES_EXEC) != 0) prot |= Vma.PROT_EXEC;
        long alen = (len + 0xFFF) & ~0xFFFL;
        if (alen == 0) return 0;
        if (addr + alen < addr) return -ENOMEM;
        return mm().protect(addr, addr + alen, prot);
    }

    /**
     * mm/mremap.c sys_mremap of Linux 6.6: shrink in place, grow in place when the range above is
     * free, else move (MREMAP_MAYMOVE) with the pages; MREMAP_FIXED moves to {@code newAddr}
     * replacing what is there; MREMAP_DONTUNMAP moves and leaves the old range mapped and empty.
     * An old length of 0 (duplicate a shared mapping) is modelled for shared file mappings only.
     */
    long mremap(long addr, long oldLen, long newLen, int flags, long newAddr) {
        if ((flags & ~(MREMAP_FIXED | MREMAP_MAYMOVE | MREMAP_DONTUNMAP)) != 0) return -EINVAL;
        if ((flags & MREMAP_FIXED) != 0 && (flags & MREMAP_MAYMOVE) == 0) return -EINVAL;
        if ((flags & MREMAP_DONTUNMAP) != 0 && ((flags & MREMAP_MAYMOVE) == 0 || oldLen != newLen)) return -EINVAL;
        if ((addr & 0xFFF) != 0) return -EINVAL;
        oldLen = (oldLen + 0xFFF) & ~0xFFFL;
        newLen = (newLen + 0xFFF) & ~0xFFFL;
        if (newLen == 0) return -EINVAL;
        AddressSpace mm = mm();
        Vma v = mm.find(addr);
        if (v == null) return -EFAULT;
        boolean dontUnmap = (flags & MREMAP_DONTUNMAP) != 0;
        if ((flags & (MREMAP_FIXED | MREMAP_DONTUNMAP)) != 0) {
            // mremap_to
            long to = newAddr;
            if ((flags & MREMAP_FIXED) != 0) {
                if ((to & 0xFFF) != 0) return -EINVAL;
                if (Long.compareUnsigned(newLen, mm.taskSizeMax) > 0 || Long.compareUnsigned(to, mm.taskSizeMax - newLen) > 0) return -EINVAL;
                if (Long.compareUnsigned(addr + oldLen, to) > 0 && Long.compareUnsigned(to + newLen, addr) > 0) return -EINVAL;
            }
            if (dontUnmap && !mm.mayExpandVm(v.prot, v.shared ? "shared" : v.name, oldLen >>> 12)) return -ENOMEM;
            if ((flags & MREMAP_FIXED) != 0) mm.remove(to, to + newLen);
            if (oldLen > newLen) {
                mm.remove(addr + newLen, addr + oldLen);
                oldLen = newLen;
            }
            long r = checkResize(v, addr, oldLen, newLen);
            if (r != 0) return r;
            if ((flags & MREMAP_FIXED) == 0) {
                to = mm.findFree(0, newLen);
                if (to < 0) return -ENOMEM;
            }
            return moveOrDuplicate(v, addr, oldLen, to, newLen, dontUnmap);
        }
        if (oldLen >= newLen) {
            if (oldLen > newLen) mm.remove(addr + newLen, addr + oldLen);
            return addr;
        }
        long r = checkResize(v, addr, oldLen, newLen);
        if (r != 0) return r;
        if (oldLen == v.end - addr && !mm.overlaps(v.end, addr + newLen)
                && Long.compareUnsigned(addr + newLen, mm.taskSizeMax) <= 0 && oldLen != 0) {
            mm.expand(v, addr + newLen);
            return addr;
        }
        if ((flags & MREMAP_MAYMOVE) == 0) return -ENOMEM;
        long to = mm.findFree(0, newLen);
        if (to < 0) return -ENOMEM;
        return moveOrDuplicate(v, addr, oldLen, to, newLen, false);
    }

    /** vma_to_resize's checks: 0 or -errno. */
    private long checkResize(Vma v, long addr, long oldLen, long newLen) {
        if (oldLen == 0 && !v.shared) return -EINVAL;
        if (oldLen == 0 && v.file == null) return -EINVAL; // duplicating shared anonymous memory is not modelled
        if (Long.compareUnsigned(oldLen, v.end - addr) > 0) return -EFAULT;
        if (newLen == oldLen) return 0;
        long pgoff = (v.pgoff >>> 12) + ((addr - v.start) >>> 12);
        if (Long.compareUnsigned(pgoff + (newLen >>> 12), pgoff) < 0) return -EINVAL;
        if (newLen > oldLen && !mm().mayExpandVm(v.prot, v.shared ? "shared" : v.name, (newLen - oldLen) >>> 12)) return -ENOMEM;
        return 0;
    }

    private long moveOrDuplicate(Vma v, long addr, long oldLen, long to, long newLen, boolean dontUnmap) {
        AddressSpace mm = mm();
        if (oldLen == 0) { // a second mapping of the same shared file pages
            mm.addFile(to, to + newLen, v.prot, v.file, v.pgoff + (addr - v.start), true, v.mayWrite);
            return to;
        }
        mm.move(v, addr, oldLen, to, newLen, dontUnmap);
        return to;
    }

    /** mm/msync.c: writes shared file pages back (MS_ASYNC and MS_SYNC both write at once here). */
    long msync(long start, long len, int flags) {
        if ((flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) != 0) return -EINVAL;
        if ((start & 0xFFF) != 0) return -EINVAL;
        if ((flags & MS_ASYNC) != 0 && (flags & MS_SYNC) != 0) return -EINVAL;
        long end = start + ((len + 0xFFF) & ~0xFFFL);
        if (Long.compareUnsigned(end, start) < 0) return -ENOMEM;
        if (end == start) return 0;
        long r = eachVmaIn(start, end, (v, s, e) -> 0);
        mm().syncRange(start, end);
        return r;
    }

    /** What is done to the part [s, e) of VMA v: 0 to go on, or -errno to stop the walk with it. */
    @FunctionalInterface
    interface VmaRangeAction {
        long apply(Vma v, long s, long e);
    }

    /**
     * The VMAs covering parts of [start, end) in address order, each given its part: the first
     * error an action returns, else -ENOMEM if a part of the range was not mapped (after the
     * mapped parts were all done, as msync and madvise do), else 0.
     */
    private long eachVmaIn(long start, long end, VmaRangeAction f) {
        AddressSpace mm = mm();
        boolean unmapped = false;
        for (long a = start; Long.compareUnsigned(a, end) < 0; ) {
            Vma v = mm.find(a);
            if (v == null) {
                unmapped = true;
                Vma next = nextVma(a, end);
                if (next == null) break;
                a = next.start;
                continue;
            }
            long e = Math.min(v.end, end);
            long r = f.apply(v, a, e);
            if (r != 0) return r;
            a = e;
        }
        return unmapped ? -ENOMEM : 0;
    }

    private Vma nextVma(long a, long end) {
        for (Vma v : mm().vmas()) if (v.start > a && v.start < end) return v;
        return null;
    }

    /**
     * mm/mincore.c: one byte per page, bit 0 = resident. lstar reports the pages populated in the
     * mapping (a file page that is in the host's page cache but not yet touched here reads 0).
     */
    long mincore(long start, long len, long vec) {
        if ((start & 0xFFF) != 0) return -EINVAL;
        AddressSpace mm = mm();
        long max = mm.taskSizeMax;
        if (Long.compareUnsigned(len, max) > 0 || Long.compareUnsigned(start, max - len) > 0) return -ENOMEM;
        long pages = (len >>> 12) + ((len & 0xFFF) != 0 ? 1 : 0);
        if (Long.compareUnsigned(pages, max) > 0 || Long.compareUnsigned(vec, max - pages) > 0) return -EFAULT;
        byte[] out = new byte[(int) Math.min(pages, 4096)];
        for (long done = 0; done < pages; ) {
            int n = (int) Math.min(out.length, pages - done);
            for (int i = 0; i < n; i++) {
                long a = start + ((done + i) << 12);
                if (mm.find(a) == null) return -ENOMEM;
                out[i] = (byte) (mm.resident(a) ? 1 : 0);
            }
            if (!mm.copyToUser(vec + done, out, 0, n)) return -EFAULT;
            done += n;
        }
        return 0;
    }

    /** mm/madvise.c do_madvise of Linux 6.6. */
    long madvise(long start, long lenIn, int behavior) {
        if (!validAdvice(behavior)) return -EINVAL;
        if ((start & 0xFFF) != 0) return -EINVAL;
        long len = (lenIn + 0xFFF) & ~0xFFFL;
        if (lenIn != 0 && len == 0) return -EINVAL;
        long end = start + len;
        if (Long.compareUnsigned(end, start) < 0) return -EINVAL;
        if (end == start) return 0;
        if (behavior == MADV_HWPOISON || behavior == MADV_SOFT_OFFLINE) return Ids.uid() == 0 ? -EINVAL : -EPERM;
        AddressSpace mm = mm();
        return eachVmaIn(start, end, (v, s, e) -> {
            switch (behavior) {
                case MADV_DONTNEED, MADV_DONTNEED_LOCKED -> mm.dontNeed(s, e);
                case MADV_FREE -> {
                    if (v.file != null || v.shared) return -EINVAL; // lazy free is for private anonymous memory
                    mm.dontNeed(s, e); // freeing at once is one of the outcomes Linux allows
                }
                case MADV_REMOVE -> {
                    if (!v.shared || v.file == null) return -EINVAL;
                    return -EOPNOTSUPP; // punching a hole in the file is not modelled
                }
                case MADV_POPULATE_READ, MADV_POPULATE_WRITE -> {
                    boolean write = behavior == MADV_POPULATE_WRITE;
                    for (long p = s; p < e; p += 4096) {
                        if (mm.userPhys(p, write) < 0) return write && (v.prot & Vma.PROT_WRITE) == 0 || (v.prot & Vma.PROT_READ) == 0 ? -EINVAL : -EFAULT;
                    }
                }
                default -> { } // hints: accepted, nothing to do for one process without swap, KSM or THP
            }
            return 0;
        });
    }

    private static boolean validAdvice(int b) {
        return switch (b) {
            case MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED, MADV_DONTNEED, MADV_FREE, MADV_REMOVE,
                    MADV_DONTFORK, MADV_DOFORK, MADV_MERGEABLE, MADV_UNMERGEABLE, MADV_HUGEPAGE, MADV_NOHUGEPAGE,
                    MADV_DONTDUMP, MADV_DODUMP, MADV_WIPEONFORK, MADV_KEEPONFORK, MADV_COLD, MADV_PAGEOUT,
                    MADV_POPULATE_READ, MADV_POPULATE_WRITE, MADV_DONTNEED_LOCKED, MADV_COLLAPSE, MADV_HWPOISON,
                    MADV_SOFT_OFFLINE -> true;
            default -> false;
        };
    }
}
