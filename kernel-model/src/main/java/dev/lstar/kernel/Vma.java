package dev.lstar.kernel;

/**
 * A virtual memory area of the user address space: [start, end) with PROT_* bits, like Linux's
 * vm_area_struct. Pages inside are populated on demand by the page-fault handler.
 */
final class Vma {
    static final int PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;

    final long start;
    long end;
    int prot;
    final String name;

    Vma(long start, long end, int prot, String name) {
        this.start = start;
        this.end = end;
        this.prot = prot;
        this.name = name;
    }

    boolean contains(long a) {
        return a >= start && a < end;
    }

    @Override
    public String toString() {
        return String.format("%012x-%012x %c%c%c %s", start, end, (prot & PROT_READ) != 0 ? 'r' : '-',
                (prot & PROT_WRITE) != 0 ? 'w' : '-', (prot & PROT_EXEC) != 0 ? 'x' : '-', name);
    }
}
