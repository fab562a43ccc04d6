package dev.lstar.kernel;

/**
 * A virtual memory area of the user address space: [start, end) with PROT_* bits, like Linux's
 * vm_area_struct. Pages inside are populated on demand by the page-fault handler: zeroed for
 * anonymous memory, read from the file for a file mapping ({@code file} at offset {@code pgoff}
 * for {@code start}). A shared file mapping ({@code shared}) writes its dirty pages back.
 */
final class Vma {
    static final int PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;

    final long start;
    long end;
    int prot;
    final String name;
    /** The mapped file, or null for anonymous memory. */
    final MappedFile file;
    /** The file offset of {@code start} (bytes, page aligned). */
    final long pgoff;
    /** VM_MAYSHARE: MAP_SHARED (of a file, or anonymous). */
    final boolean shared;
    /** VM_MAYWRITE: false for a shared mapping of a file opened without write access (mprotect cannot add PROT_WRITE). */
    final boolean mayWrite;

    Vma(long start, long end, int prot, String name) {
        this(start, end, prot, name, null, 0, false, true);
    }

    Vma(long start, long end, int prot, String name, MappedFile file, long pgoff, boolean shared, boolean mayWrite) {
        this.start = start;
        this.end = end;
        this.prot = prot;
        this.name = name;
        this.file = file;
        this.pgoff = pgoff;
        this.shared = shared;
        this.mayWrite = mayWrite;
    }

    /** The part [s, e) of this area with protection {@code p} (split_vma / mprotect_fixup). */
    Vma slice(long s, long e, int p) {
        return new Vma(s, e, p, name, file, file == null ? 0 : pgoff + (s - start), shared, mayWrite);
    }

    /** This area's mapping moved to [s, s + length) (mremap's move_vma). */
    Vma movedTo(long s, long from, long length) {
        return new Vma(s, s + length, prot, name, file, file == null ? 0 : pgoff + (from - start), shared, mayWrite);
    }

    /** A shared mapping of a file whose dirty pages go back to it. */
    boolean writesBack() {
        return shared && file != null && file.file != null;
    }

    boolean contains(long a) {
        return a >= start && a < end;
    }

    @Override
    public String toString() {
        return String.format("%012x-%012x %c%c%c%c %s", start, end, (prot & PROT_READ) != 0 ? 'r' : '-',
                (prot & PROT_WRITE) != 0 ? 'w' : '-', (prot & PROT_EXEC) != 0 ? 'x' : '-', shared ? 's' : 'p',
                file != null ? file.path : name);
    }
}
