package dev.lstar.runtime.mem;

import java.util.Arrays;

/**
 * One direct-mapped set of cached translations, for one PCID (or the set of global translations).
 * Entry {@code i} caches the 4 KiB linear page whose number is {@code i} modulo {@link #N}; a
 * translation through a 2 MiB or 1 GiB page is cached as the 4 KiB fragment actually used (the SDM
 * allows this, §4.10.2.3) and remembers its page size so INVLPG drops every fragment.
 *
 * <p>Besides the cached entry, three "fast tag" arrays say for which kinds of access the entry may
 * be used without any check: {@code rTag/wTag/xTag[i]} for supervisor, {@code [i + N]} for user.
 * A fast tag holds the linear page base when that access is allowed, {@link #INVALID} otherwise,
 * so the hot path is one compare. The rules that fill them live in {@link Mmu}.
 */
final class TlbSet {
    /**
     * 4,096 entries per set (16 MiB of 4 KiB pages, the order of a current CPU's second-level
     * TLB). With 1,024 a byte sieve sweeping 16 MiB missed on every page of every pass: 6.18 M
     * walks for 1.23 G instructions, 15 K with 4,096 (README, "Measured", has the times). A set
     * costs about 300 KiB; sets are created per PCID in use.
     */
    static final int BITS = 12;
    static final int N = 1 << BITS;
    static final int MASK = N - 1;
    /** Never equal to a page base (bit 0 set). */
    static final long INVALID = 1;

    // attr bits: effective rights across all levels
    static final int AT_W = 1, AT_U = 2, AT_NX = 4, AT_D = 8, AT_G = 16;
    static final int AT_SHIFT_POS = 8;

    final long[] page = new long[N];
    /** Physical base of the 4 KiB fragment. */
    final long[] phys = new long[N];
    final byte[][] frame = new byte[N][];
    final int[] attr = new int[N];
    /**
     * A second way per slot, without fast tags: the entry a fill displaced from the slot (a
     * victim). The slow path looks here before walking and swaps a hit back into the first way,
     * so two hot pages that hash to one slot cost a swap per switch instead of a page walk (busybox
     * gzip, with one unlucky layout out of a handful: 4 M walks, ~15% of its run). Every page a
     * victim holds hashes to its slot, so whatever drops slot i drops its victim too.
     */
    final long[] vPage = new long[N];
    final long[] vPhys = new long[N];
    final byte[][] vFrame = new byte[N][];
    final int[] vAttr = new int[N];
    final long[] rTag = new long[2 * N];
    final long[] wTag = new long[2 * N];

    /** The frame of fast-tag index {@code i} if its read tag is {@code page}, else null (small enough for HotSpot to always inline). */
    byte[] readFrame(int i, long page) {
        return rTag[i] == page ? frame[i & MASK] : null;
    }

    /** As {@link #readFrame} with the write tag. */
    byte[] writeFrame(int i, long page) {
        return wTag[i] == page ? frame[i & MASK] : null;
    }
    final long[] xTag = new long[2 * N];

    /**
     * A value from {@link Mmu}'s stamp clock, new whenever an entry of this set (or of the global
     * set) may have been dropped or changed, or the set changed owner: equal stamps mean every
     * translation this set gave is one it may still give (see {@link Mmu#generation}).
     */
    long stamp;
    /** PCID owning the set, -1 when free. */
    int pcid = -1;
    long lastUse;
    /** Some entry may come from a 2 MiB / 1 GiB page (INVLPG must scan). */
    boolean hasLarge;
    /** No valid entry (lets flushes skip work). */
    boolean empty;
    /**
     * The slots filled since the last full clear (each once; an entry invalidated since may still
     * be listed). Flushes visit only these: without PCIDs every MOV to CR3 drops the non-global
     * entries, and with KPTI that is two flushes per system call, of a set holding a handful of
     * entries out of {@link #N}.
     */
    private final int[] used = new int[N];
    private final boolean[] listed = new boolean[N];
    private int nUsed;

    TlbSet() {
        Arrays.fill(page, INVALID);
        Arrays.fill(vPage, INVALID);
        Arrays.fill(rTag, INVALID);
        Arrays.fill(wTag, INVALID);
        Arrays.fill(xTag, INVALID);
        empty = true;
    }

    /**
     * Makes this set a copy of {@code src}: its PCID, use stamp and valid entries with their fast
     * tags (the caller may recompute the tags, see {@link Mmu#restoreTlb}).
     */
    void copyFrom(TlbSet src) {
        clear();
        pcid = src.pcid;
        lastUse = src.lastUse;
        for (int k = 0; k < src.nUsed; k++) {
            int i = src.used[k];
            if (src.vPage[i] != INVALID) {
                vPage[i] = src.vPage[i];
                vPhys[i] = src.vPhys[i];
                vFrame[i] = src.vFrame[i];
                vAttr[i] = src.vAttr[i];
                filled(i);
            }
            if (src.page[i] == INVALID) continue;
            page[i] = src.page[i];
            phys[i] = src.phys[i];
            frame[i] = src.frame[i];
            attr[i] = src.attr[i];
            rTag[i] = src.rTag[i]; rTag[i + N] = src.rTag[i + N];
            wTag[i] = src.wTag[i]; wTag[i + N] = src.wTag[i + N];
            xTag[i] = src.xTag[i]; xTag[i + N] = src.xTag[i + N];
            filled(i);
        }
        hasLarge = src.hasLarge && !empty;
    }

    /** The slots that may hold an entry (for visiting them all). */
    int usedCount() {
        return nUsed;
    }

    int usedSlot(int k) {
        return used[k];
    }

    /** Entry {@code i} was just filled. */
    void filled(int i) {
        empty = false;
        if (!listed[i]) {
            listed[i] = true;
            used[nUsed++] = i;
        }
    }

    void clear() {
        if (empty) return;
        for (int k = 0; k < nUsed; k++) {
            int i = used[k];
            invalidate(i);
            listed[i] = false;
        }
        nUsed = 0;
        hasLarge = false;
        empty = true;
    }

    /** Drops slot {@code i}: both ways. */
    void invalidate(int i) {
        dropVictim(i);
        page[i] = INVALID;
        frame[i] = null;
        rTag[i] = INVALID; rTag[i + N] = INVALID;
        wTag[i] = INVALID; wTag[i + N] = INVALID;
        xTag[i] = INVALID; xTag[i + N] = INVALID;
    }

    void dropVictim(int i) {
        vPage[i] = INVALID;
        vFrame[i] = null;
    }

    /** Before slot {@code i} is filled with the page at {@code base}: its current entry (another page) becomes the victim. */
    void displace(int i, long base) {
        if (page[i] == INVALID || page[i] == base) return;
        vPage[i] = page[i];
        vPhys[i] = phys[i];
        vFrame[i] = frame[i];
        vAttr[i] = attr[i];
    }

    /** Exchanges slot {@code i}'s two ways (the caller then sets the first way's fast tags). */
    void swapWays(int i) {
        long p = page[i], ph = phys[i];
        byte[] f = frame[i];
        int a = attr[i];
        page[i] = vPage[i];
        phys[i] = vPhys[i];
        frame[i] = vFrame[i];
        attr[i] = vAttr[i];
        vPage[i] = p;
        vPhys[i] = ph;
        vFrame[i] = p == INVALID ? null : f;
        vAttr[i] = a;
    }

    /** Drops every entry except global ones (MOV to CR3, INVPCID single-context). */
    void clearNonGlobal() {
        if (empty) return;
        int kept = 0;
        for (int k = 0; k < nUsed; k++) {
            int i = used[k];
            if (page[i] != INVALID && (attr[i] & AT_G) != 0) {
                used[kept++] = i;
                dropVictim(i); // (a global victim is still in the global set)
                continue;
            }
            invalidate(i);
            listed[i] = false;
        }
        nUsed = kept;
        empty = kept == 0;
        if (empty) hasLarge = false;
    }

    /** Drops the translations of the page containing {@code la}, including all fragments of a large page. */
    void invalidatePage(long la, boolean includeGlobal) {
        if (empty) return;
        long base = la & ~0xFFFL;
        int i = Mmu.sidx(la);
        if (page[i] == base && (includeGlobal || (attr[i] & AT_G) == 0)) invalidate(i);
        if (vPage[i] == base && (includeGlobal || (vAttr[i] & AT_G) == 0)) dropVictim(i);
        if (hasLarge) {
            for (int k = 0; k < nUsed; k++) {
                int j = used[k];
                long p = page[j];
                int shift = attr[j] >>> AT_SHIFT_POS;
                if (p != INVALID && shift > 12 && ((p ^ base) >>> shift) == 0 && (includeGlobal || (attr[j] & AT_G) == 0)) invalidate(j);
                p = vPage[j];
                shift = vAttr[j] >>> AT_SHIFT_POS;
                if (p != INVALID && shift > 12 && ((p ^ base) >>> shift) == 0 && (includeGlobal || (vAttr[j] & AT_G) == 0)) dropVictim(j);
            }
        }
    }

    /** Removes the write fast path of every entry mapping physical frame {@code pfn}. */
    void dropFastWrites(long pfn) {
        if (empty) return;
        for (int k = 0; k < nUsed; k++) {
            int i = used[k];
            if (page[i] != INVALID && (phys[i] >>> 12) == pfn) {
                wTag[i] = INVALID;
                wTag[i + N] = INVALID;
            }
        }
    }

    /** Clears every fast tag but keeps the cached entries (permission-relevant control bits changed). */
    /** Drops the user read and write fast tags (alignment checking turned on). */
    void clearUserDataTags() {
        for (int k = 0; k < nUsed; k++) {
            int i = used[k];
            rTag[i + N] = INVALID;
            wTag[i + N] = INVALID;
        }
    }

    void clearFastTags() {
        for (int k = 0; k < nUsed; k++) {
            int i = used[k];
            rTag[i] = INVALID; rTag[i + N] = INVALID;
            wTag[i] = INVALID; wTag[i + N] = INVALID;
            xTag[i] = INVALID; xTag[i + N] = INVALID;
        }
    }
}
