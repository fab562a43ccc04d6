package dev.lstar.conformance.fuzz;

import dev.lstar.api.Perm;

/**
 * The guest address space every fuzz stream runs in (the same in user and kernel mode; the pages
 * are user-accessible, which ring 0 may use as no SMEP/SMAP is enabled):
 * <pre>
 *   CODE   0x400000  1 page  rwx   the stream, then UD2 padding to the end of the page
 *   DATA   0x600000  2 pages rw-   random contents; memory operands point here
 *   (gap)  0x602000  unmapped      accesses just past DATA fault with #PF
 *   STACK  0x7fe000  2 pages rw-   RSP starts near the middle
 * </pre>
 * Host streams (single instructions from conformance forms) map the data page at the host
 * harness's buffer address instead (see {@link Runner}).
 */
public final class Layout {
    private Layout() {}

    public static final long CODE = 0x40_0000L;
    public static final int CODE_SIZE = 4096;
    public static final long DATA = 0x60_0000L;
    public static final int DATA_SIZE = 2 * 4096;
    public static final long STACK = 0x7F_E000L;
    public static final int STACK_SIZE = 2 * 4096;
    /** Initial RSP. */
    public static final long RSP = STACK + 0x1000;

    public static final int CODE_PERMS = Perm.ALL, DATA_PERMS = Perm.READ | Perm.WRITE;

    /** The longest stream (bytes): the rest of the code page holds UD2 padding. */
    public static final int MAX_STREAM = 1024;
}
