package dev.lstar.translator;

import dev.lstar.runtime.mem.FrameAccess;
import dev.lstar.runtime.mem.Mmu;

/**
 * The accesses of translated code through a <b>page cache in locals</b>: a generated method
 * keeps, for each address base register its memory operands use, the last page it read and the
 * last page it wrote through that register — the page's linear address (the <i>tag</i>; -1: none)
 * and its frame array — in JVM locals, which HotSpot keeps in host registers across a region's
 * loop. An access whose page is the cached one is one compare and the array access; any other
 * first refills the entry with what the Mmu's fast tags hold for the page ({@link Mmu#readFrame} /
 * {@link Mmu#writeFrame}: the one look-up the Mmu's accessor would make) and accesses that
 * frame; when they hold nothing the entry stays empty and the access goes through the
 * {@code Mmu}'s accessor exactly as without the cache.
 *
 * <p>Why a hit is exact: an entry is only ever a copy of a fast-tag hit of the current TLB set at
 * the method's CPL (a write entry: the page writable here, its dirty bit set, the frame not one
 * whose writes are reported — code, watched), and the method drops every entry (tag -1) where
 * that could stop standing: at its entry, after the interpreter fallback (INVLPG, a CR3 write,
 * POPF of AC...) and after an inline MOV to CR3. Between those points nothing changes a
 * translation: x86 lets a cached translation be used until the guest invalidates it, so the
 * TLB's own replacement of the entry meanwhile does not matter. Code marking, the other way a
 * frame's writes start being reported, happens when a block is translated, outside any running
 * method — with a single CPU. With several CPUs ({@code OperandEmitter.ordered}), and in hooked
 * code (a hook may do anything), methods do not use the cache; nor does the kernel half's
 * straight-line code, where it did not pay (see {@code MethodEmitter.allocatePageCache}).
 *
 * <p>Where the operand stack holds nothing but the mmu at the access (nearly everywhere), the
 * generated code makes the tag compare itself, as a branch of its own (so each access has its own
 * profile and C2 leaves the refill out where it never misses), and refills with
 * {@code Mmu.readFrame/writeFrame} and {@link #tag}; elsewhere it calls {@link #readFrame} /
 * {@link #writeFrame} and {@link #tag} in a fixed, branch-free sequence, which HotSpot inlines
 * and folds into one tag compare on a hit. Then the access below. Public because the generated
 * hidden classes call them; not meant for other callers.
 */
public final class PageCache {
    private PageCache() {}

    private static final long PAGE = ~0xFFFL;

    /**
     * What an empty entry of a region starts with: a tag that matches no page (-1: its low bits
     * are set) and a frame that is then never used. A region reads them from these fields instead
     * of pushing the constants: with a constant on the path into its loop, C2's split-if cloned
     * the loop's first access (with its refill call) for the way in, and the guest registers then
     * met at the loop head in stack slots — a load and a store of each one per iteration (the
     * sieve's inner loop: CPU time median 2.55 -> 2.28 s). Other methods push the constants, which
     * send an entry's first access straight to its refill (n-body: ~4 % faster than with the
     * fields). Never assigned; any value would be safe (a tag with its low bits set matches
     * nothing, and the frame is only used on a match).
     */
    public static long emptyTag = -1L;
    /** See {@link #emptyTag}. */
    public static byte[] emptyFrame;
    // ------------------------------------------------------------------ the entry

    /**
     * The frame for an access at {@code la} through the entry ({@code f}, {@code tag}): the
     * entry's own on a hit, else what the Mmu's read fast tags hold for the page (one look-up,
     * as the Mmu's accessor would make), or null when they hold nothing.
     */
    public static byte[] readFrame(Mmu m, long la, byte[] f, long tag) {
        return (la & PAGE) == tag ? f : m.readFrame(la);
    }

    /** As {@link #readFrame}, with the write fast tags (a write, or the load of a read-modify-write). */
    public static byte[] writeFrame(Mmu m, long la, byte[] f, long tag) {
        return (la & PAGE) == tag ? f : m.writeFrame(la);
    }

    /** The entry's tag for frame {@code f} found at {@code la}: its page, or -1 when there is none. */
    public static long tag(long la, byte[] f) {
        return f == null ? -1L : la & PAGE;
    }

    // ------------------------------------------------------------------ accesses through the frame found
    //
    // f: the frame readFrame/writeFrame gave for la's page, or null. An access that ends in the
    // page is the Mmu fast path's own access; the rest (no frame, or bytes in the next page) is
    // the Mmu's accessor, which also makes every check and raises every fault. A write returns
    // whether it went to the accessor: only such a write can have hit translated code (a frame
    // from writeFrame holds none, and nothing marks one as code while a method runs), so the
    // generated code re-checks its block's validity only then (MethodEmitter.validCheck).

    public static long read8(Mmu m, long la, boolean stack, byte[] f) {
        if (f != null) return f[(int) la & 0xFFF] & 0xFFL;
        return m.read8(la, stack);
    }

    public static long read16(Mmu m, long la, boolean stack, byte[] f) {
        int o = (int) la & 0xFFF;
        if (f != null && o <= 0x1000 - 2) return FrameAccess.get16(f, o);
        return m.read16(la, stack);
    }

    public static long read32(Mmu m, long la, boolean stack, byte[] f) {
        int o = (int) la & 0xFFF;
        if (f != null && o <= 0x1000 - 4) return FrameAccess.get32(f, o);
        return m.read32(la, stack) & 0xFFFF_FFFFL;
    }

    public static long read64(Mmu m, long la, boolean stack, byte[] f) {
        int o = (int) la & 0xFFF;
        if (f != null && o <= 0x1000 - 8) return FrameAccess.get64(f, o);
        return m.read64(la, stack);
    }

    public static boolean write8(Mmu m, long la, long v, boolean stack, byte[] f) {
        if (f != null) {
            f[(int) la & 0xFFF] = (byte) v;
            return false;
        }
        m.write8(la, (int) v, stack);
        return true;
    }

    public static boolean write16(Mmu m, long la, long v, boolean stack, byte[] f) {
        int o = (int) la & 0xFFF;
        if (f != null && o <= 0x1000 - 2) {
            FrameAccess.put16(f, o, v);
            return false;
        }
        m.write16(la, (int) v, stack);
        return true;
    }

    public static boolean write32(Mmu m, long la, long v, boolean stack, byte[] f) {
        int o = (int) la & 0xFFF;
        if (f != null && o <= 0x1000 - 4) {
            FrameAccess.put32(f, o, v);
            return false;
        }
        m.write32(la, (int) v, stack);
        return true;
    }

    public static boolean write64(Mmu m, long la, long v, boolean stack, byte[] f) {
        int o = (int) la & 0xFFF;
        if (f != null && o <= 0x1000 - 8) {
            FrameAccess.put64(f, o, v);
            return false;
        }
        m.write64(la, v, stack);
        return true;
    }

    /** The load of a read-modify-write instruction, through the write frame ({@link Mmu#readForWrite}). */
    public static long readForWrite(Mmu m, long la, int size, boolean stack, byte[] f) {
        int o = (int) la & 0xFFF;
        if (f != null && o <= 0x1000 - size) {
            return switch (size) {
                case 1 -> f[o] & 0xFFL;
                case 2 -> FrameAccess.get16(f, o);
                case 4 -> FrameAccess.get32(f, o);
                default -> FrameAccess.get64(f, o);
            };
        }
        return m.readForWrite(la, size, stack);
    }
}
