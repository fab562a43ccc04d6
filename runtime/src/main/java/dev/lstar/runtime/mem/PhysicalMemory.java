package dev.lstar.runtime.mem;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Guest physical memory, allocated lazily one 4 KiB frame at a time.
 *
 * <p>A frame's backing {@code byte[]} is created on the first write or on the first time an
 * {@link Mmu} caches a translation to it; plain physical reads of a never-touched frame return
 * zeros without allocating. Every access is little-endian, at any alignment, and may cross
 * frames. Touching an address at or past {@link #size()} throws {@link MachineCheckException}.
 *
 * <p><b>Code frames.</b> Engines mark the frames they decoded instructions from with
 * {@link #markCode(long)}. Any later write that touches a code frame (through any {@link Mmu}
 * attached to this memory, or through the write methods here) is reported to the
 * {@link CodeWriteListener}. Marking a frame drops the write fast path of every attached MMU for
 * that frame, so writes to data frames pay nothing but writes to code frames always take the
 * checked path. Writes made by poking the array returned by {@link #frame(long)} directly are not
 * seen: that array is for read fast paths and for the MMU.
 *
 * <p>Frame allocation is safe against concurrent CPUs (compare-and-set); code marking and the
 * listener are expected to be driven by one engine thread at a time.
 */
public final class PhysicalMemory {
    public static final int PAGE_SHIFT = 12;
    public static final int PAGE_SIZE = 1 << PAGE_SHIFT;
    public static final int PAGE_MASK = PAGE_SIZE - 1;

    static final VarHandle LE16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    static final VarHandle LE32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    static final VarHandle LE64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle FRAMES = MethodHandles.arrayElementVarHandle(byte[][].class);

    private final long size;
    private final byte[][] frames;
    private final long[] codeBits;
    /** Write tracking for snapshots: frames whose next write sets their dirty bit (see {@link #watchAllWrites}). */
    private final long[] watchBits, dirtyBits;
    private CodeWriteListener listener;
    private Mmu[] mmus = new Mmu[0];
    /** Frames currently marked as code (statistics / tests). */
    private long codeFrameCount;

    /**
     * @param sizeBytes installed RAM; rounded up to a whole frame. At most 2^31 frames (8 TiB) and
     *                  below 2^{@value Mmu#MAXPHYADDR} bytes.
     */
    public PhysicalMemory(long sizeBytes) {
        if (sizeBytes <= 0 || sizeBytes > (1L << Mmu.MAXPHYADDR)) {
            throw new IllegalArgumentException("physical memory size out of range: " + sizeBytes);
        }
        long nframes = (sizeBytes + PAGE_MASK) >>> PAGE_SHIFT;
        if (nframes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("physical memory too large: " + sizeBytes);
        }
        this.size = nframes << PAGE_SHIFT;
        this.frames = new byte[(int) nframes][];
        this.codeBits = new long[(int) ((nframes + 63) >>> 6)];
        this.watchBits = new long[codeBits.length];
        this.dirtyBits = new long[codeBits.length];
        java.util.concurrent.atomic.AtomicLong mine = backed;
        CLEANER.register(this, () -> BACKED.addAndGet(-mine.get()));
    }

    /** Installed RAM in bytes (a multiple of 4 KiB). */
    public long size() { return size; }

    /** Number of 4 KiB frames. */
    public long frameCount() { return frames.length; }

    /** Frames that have a backing array (statistics). */
    public long allocatedFrames() {
        long n = 0;
        for (byte[] f : frames) if (f != null) n++;
        return n;
    }

    // ------------------------------------------------------------------ frames

    private int frameIndex(long pa, String what) {
        if (pa < 0 || pa >= size) {
            throw new MachineCheckException(pa, what + " beyond installed memory of 0x" + Long.toHexString(size) + " bytes");
        }
        return (int) (pa >>> PAGE_SHIFT);
    }

    /**
     * The backing array of frame {@code pfn} (physical address {@code pfn << 12}), allocating it on
     * first use. Reading it is always safe; writing it directly bypasses code-write tracking.
     */
    public byte[] frame(long pfn) {
        if (pfn < 0 || pfn >= frames.length) {
            throw new MachineCheckException(pfn << PAGE_SHIFT, "frame beyond installed memory");
        }
        byte[] f = frames[(int) pfn];
        return f != null ? f : allocate((int) pfn);
    }

    /** The backing array of frame {@code pfn}, or null if the frame was never touched. */
    public byte[] frameIfPresent(long pfn) {
        if (pfn < 0 || pfn >= frames.length) {
            throw new MachineCheckException(pfn << PAGE_SHIFT, "frame beyond installed memory");
        }
        return frames[(int) pfn];
    }

    private byte[] allocate(int pfn) {
        if (BACKED.incrementAndGet() > BUDGET_FRAMES) {
            BACKED.decrementAndGet();
            if (!reclaimDeadFrames()) throw new HostMemoryExhaustedException(size);
            BACKED.incrementAndGet();
        }
        byte[] fresh;
        try {
            fresh = new byte[PAGE_SIZE];
        } catch (OutOfMemoryError e) { // the heap is full of something else; do not make it worse
            BACKED.decrementAndGet();
            throw new HostMemoryExhaustedException(size);
        }
        byte[] prev = (byte[]) FRAMES.compareAndExchange(frames, pfn, (byte[]) null, fresh);
        if (prev != null) {
            BACKED.decrementAndGet();
            return prev;
        }
        backed.incrementAndGet();
        return fresh;
    }

    // ------------------------------------------------------------------ the host budget

    /** JVM heap kept for everything but guest frames (decoded blocks, translations, GC slack), at most: a quarter of a small heap. */
    public static final long HEAP_RESERVE = 256L << 20;
    /**
     * Guest frames all the physical memories of this JVM may back together: 4/5 of the maximum heap
     * after {@link #HEAP_RESERVE} (or a quarter of a heap under 1 GiB), so the garbage collector keeps room to work. A guest that goes
     * past it gets {@link HostMemoryExhaustedException} at the store that would allocate the frame
     * — before the JVM's heap is full (a nearly full heap makes the collector run back to back
     * for a minute before the JVM throws {@link OutOfMemoryError} from anywhere).
     */
    private static final long BUDGET_FRAMES = hostBudgetBytes() >>> PAGE_SHIFT;
    private static final java.util.concurrent.atomic.AtomicLong BACKED = new java.util.concurrent.atomic.AtomicLong();
    private static final java.lang.ref.Cleaner CLEANER = java.lang.ref.Cleaner.create();
    /** Frames this memory backs (returned to the JVM-wide count when this memory is collected). */
    private final java.util.concurrent.atomic.AtomicLong backed = new java.util.concurrent.atomic.AtomicLong();

    /**
     * Over budget: the count may still include frames of physical memories nobody references any
     * more (their cleaner runs only after a collection). Collects once and waits up to a second for
     * the cleaners; true if the count is now below the budget. Only on this rare path.
     */
    private static synchronized boolean reclaimDeadFrames() {
        if (BACKED.get() < BUDGET_FRAMES) return true;
        System.gc();
        for (int i = 0; i < 100 && BACKED.get() >= BUDGET_FRAMES; i++) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return BACKED.get() < BUDGET_FRAMES;
    }

    /** The guest RAM (in bytes, whole MiB) the JVM heap can back: see {@link #BUDGET_FRAMES}. */
    public static long hostBudgetBytes() {
        long max = Runtime.getRuntime().maxMemory();
        long usable = max - Math.min(HEAP_RESERVE, max / 4);
        return (usable / 5 * 4) & ~((1L << 20) - 1);
    }

    /** Guest frames currently backed by all physical memories of this JVM, in bytes. */
    public static long hostBackedBytes() {
        return BACKED.get() << PAGE_SHIFT;
    }

    /**
     * The host JVM's heap cannot back one more guest frame: the frames all guests of this JVM
     * touched reached {@link #hostBudgetBytes()} (frames are allocated on first touch, so installed
     * RAM larger than the heap is allowed until it is used). Thrown so that callers can stop the
     * guest cleanly; lstar's Linux model sizes its RAM within the budget, so there the guest's own
     * out-of-memory handling (the OOM kill) trips first.
     */
    public static final class HostMemoryExhaustedException extends RuntimeException {
        public HostMemoryExhaustedException(long installed) {
            super("the host JVM heap cannot back more guest RAM (" + (installed >> 20) + " MiB installed, "
                    + (Runtime.getRuntime().maxMemory() >> 20) + " MiB max heap)", null, false, false);
        }
    }

    // ------------------------------------------------------------------ code frames

    /** Marks frame {@code pfn} as holding decoded code: writes to it are reported from now on. */
    public synchronized void markCode(long pfn) {
        frameIndex(pfn << PAGE_SHIFT, "markCode");
        int i = (int) pfn;
        long bit = 1L << i;
        if ((codeBits[i >>> 6] & bit) != 0) return;
        codeBits[i >>> 6] |= bit;
        codeFrameCount++;
        if (smp) java.lang.invoke.VarHandle.fullFence(); // the bit before the drops: see Mmu.refillTags
        for (Mmu m : mmus) m.dropFastWrites(pfn);
    }

    /** Stops reporting writes to frame {@code pfn} (e.g. after every block from it was discarded). */
    public synchronized void unmarkCode(long pfn) {
        frameIndex(pfn << PAGE_SHIFT, "unmarkCode");
        // several CPUs, several block caches: one cache giving a frame up says nothing of the
        // others (and another CPU may be marking it again right now), so a code frame stays one
        if (smp) return;
        int i = (int) pfn;
        long bit = 1L << i;
        if ((codeBits[i >>> 6] & bit) == 0) return;
        codeBits[i >>> 6] &= ~bit;
        codeFrameCount--;
    }

    /** Whether frame {@code pfn} is marked as code. False for frames outside memory. */
    public boolean isCode(long pfn) {
        if (pfn < 0 || pfn >= frames.length) return false;
        int i = (int) pfn;
        return (codeBits[i >>> 6] & (1L << i)) != 0;
    }

    /** Number of frames marked as code. */
    public long codeFrames() { return codeFrameCount; }

    /** Sets (or clears with null) the single listener for writes to code frames. */
    public void setCodeWriteListener(CodeWriteListener l) { this.listener = l; }

    public CodeWriteListener codeWriteListener() { return listener; }

    /**
     * Adds a listener next to any existing one (several engines, e.g. the interpreter and the JIT
     * of a lockstep run, each cache code of the same memory).
     */
    public void addCodeWriteListener(CodeWriteListener l) {
        CodeWriteListener prev = listener;
        listener = prev == null ? l : (pa, len) -> { prev.codeWritten(pa, len); l.codeWritten(pa, len); };
    }

    /**
     * Told, before the store, about the first write to a watched frame since the frame was
     * watched: a copy-on-write snapshot saves the frame's old contents here. May be called more
     * than once for one frame (it must be idempotent).
     */
    @FunctionalInterface
    public interface FirstWriteListener {
        void beforeFirstWrite(long pfn);
    }

    private FirstWriteListener firstWrite;

    /** Sets (or clears with null) the listener for the first write to each watched frame. */
    public void setFirstWriteListener(FirstWriteListener l) {
        this.firstWrite = l;
    }

    /** Called before every store to the frame holding {@code pa}: gives a copy-on-write snapshot its chance. */
    void preWrite(long pa) {
        int i = (int) (pa >>> PAGE_SHIFT);
        if ((watchBits[i >>> 6] & (1L << i)) != 0 && firstWrite != null) firstWrite.beforeFirstWrite(i);
    }

    /** Reports a write of {@code len} bytes at {@code pa} (within one frame) if that frame is code or watched. */
    void noteWrite(long pa, int len) {
        int i = (int) (pa >>> PAGE_SHIFT);
        int w = i >>> 6;
        long bit = 1L << i;
        if (((codeBits[w] | watchBits[w]) & bit) != 0) {
            if ((watchBits[w] & bit) != 0) {
                watchBits[w] &= ~bit;
                dirtyBits[w] |= bit;
            }
            if ((codeBits[w] & bit) != 0) {
                CodeWriteListener l = listener;
                if (l != null) l.codeWritten(pa, len);
            }
        }
    }

    // ------------------------------------------------------------------ atomics (several CPUs)

    /**
     * Whether several CPUs share this memory concurrently (set once by whoever builds them, before
     * any of them runs). With it, LOCK-prefixed instructions and XCHG with memory execute as
     * compare-and-set loops on the frame arrays ({@link dev.lstar.runtime.ops.Atomics}) and the MMU
     * sets accessed/dirty bits with compare-and-set.
     */
    public boolean smp;

    /**
     * Declares this memory shared by several CPUs that run at the same time (before any of them
     * runs): sets {@link #smp} and turns on the load-load fences of the runtime's guest loads
     * ({@link LoadOrder}).
     */
    public void shareBetweenCpus() {
        smp = true;
        LoadOrder.enable();
    }

    /**
     * The lock of the locked operations that no compare-and-set can do (an operand that crosses a
     * naturally aligned 4- or 8-byte word or a page — the split locks of the SDM —, CMPXCHG16B and
     * the bit-string forms): they run under it, atomic with respect to each other — and, when
     * the CPUs' threads are members of {@link #exclusive}, inside an exclusive section, atomic
     * against every access of the other CPUs.
     */
    public final Object splitLock = new Object();

    /** The exclusive sections of the split locks (several CPUs driven by the kernel model: its tasks' threads are the members). */
    public final Exclusive exclusive = new Exclusive();

    /**
     * Whether a {@code size}-byte atomic at {@code pa} can be a compare-and-set: it lies inside one
     * naturally aligned 4-byte word (sizes 1, 2, 4) or is an aligned 8-byte word.
     */
    public static boolean casable(long pa, int size) {
        return size == 8 ? (pa & 7) == 0 : (pa & 3) + size <= 4;
    }

    /**
     * The host's compare-and-set on the frame arrays. Java's byte-array views no longer offer
     * atomic access modes (a heap array's element alignment is not promised), so lstar uses
     * {@code sun.misc.Unsafe}'s int/long compare-and-swap at the array's base offset, which
     * HotSpot places 8-byte aligned (checked here; the launcher passes
     * {@code --sun-misc-unsafe-memory-access=allow}). Null if unavailable: the locked operations
     * then run under {@link #splitLock} and a warning says they are not atomic against plain stores.
     */
    private static final class HostAtomics { // loaded with the first locked operation of an SMP machine only
        static final sun.misc.Unsafe UNSAFE = unsafe();
        static final long BYTE_BASE = UNSAFE == null ? 0 : UNSAFE.arrayBaseOffset(byte[].class);

        @SuppressWarnings("removal")
        private static sun.misc.Unsafe unsafe() {
            sun.misc.Unsafe u = FrameAccess.theUnsafe();
            return u != null && (u.arrayBaseOffset(byte[].class) & 7) == 0 ? u : null;
        }
    }

    /** A volatile read of {@code size} bytes at {@code pa} ({@link #casable} only), zero-extended. */
    @SuppressWarnings("removal")
    public long readVolatile(long pa, int size) {
        byte[] f = frame(frameIndex(pa, "atomic read"));
        int o = (int) pa & PAGE_MASK;
        sun.misc.Unsafe u = HostAtomics.UNSAFE;
        long base = HostAtomics.BYTE_BASE;
        if (u == null) {
            java.lang.invoke.VarHandle.fullFence();
            long v = size == 8 ? (long) LE64.get(f, o) : (int) LE32.get(f, o & ~3) >>> ((o & 3) * 8) & 0xFFFF_FFFFL;
            return size >= 4 ? (size == 4 ? v & 0xFFFF_FFFFL : v) : v & ((1L << (size * 8)) - 1);
        }
        if (size == 8) return u.getLongVolatile(f, base + o);
        int word = u.getIntVolatile(f, base + (o & ~3));
        long v = (word >>> ((o & 3) * 8)) & 0xFFFF_FFFFL;
        return size == 4 ? v : v & ((1L << (size * 8)) - 1);
    }

    /**
     * Compare-and-set of {@code size} bytes at {@code pa} ({@link #casable} only): stores
     * {@code update} if the bytes hold {@code expect}; true if it did. Sizes 1 and 2 work on the
     * aligned 4-byte word around them (the other bytes are left as they are, whatever other CPUs
     * store there meanwhile). A successful store to a code or watched frame is reported.
     */
    @SuppressWarnings("removal")
    public boolean compareAndSet(long pa, int size, long expect, long update) {
        byte[] f = frame(frameIndex(pa, "atomic write"));
        int o = (int) pa & PAGE_MASK;
        preWrite(pa);
        sun.misc.Unsafe u = HostAtomics.UNSAFE;
        long base = HostAtomics.BYTE_BASE;
        boolean ok;
        if (u == null) {
            synchronized (splitLock) {
                ok = readVolatile(pa, size) == (expect & mask(size));
                if (ok) {
                    switch (size) {
                        case 1 -> f[o] = (byte) update;
                        case 2 -> LE16.set(f, o, (short) update);
                        case 4 -> LE32.set(f, o, (int) update);
                        default -> LE64.set(f, o, update);
                    }
                }
            }
            java.lang.invoke.VarHandle.fullFence();
        } else if (size == 8) {
            ok = u.compareAndSwapLong(f, base + o, expect, update);
        } else if (size == 4) {
            ok = u.compareAndSwapInt(f, base + o, (int) expect, (int) update);
        } else {
            int shift = (o & 3) * 8;
            int mask = (int) (((1L << (size * 8)) - 1) << shift);
            int want = (int) (expect << shift) & mask, put = (int) (update << shift) & mask;
            long at = base + (o & ~3);
            ok = false;
            for (;;) {
                int word = u.getIntVolatile(f, at);
                if ((word & mask) != want) break;
                if (u.compareAndSwapInt(f, at, word, (word & ~mask) | put)) {
                    ok = true;
                    break;
                }
            }
        }
        if (ok) noteWrite(pa, size);
        return ok;
    }

    private static long mask(int size) {
        return size == 8 ? -1L : (1L << (size * 8)) - 1;
    }

    /**
     * The MMU's accessed/dirty update: sets {@code bits} in the 8-byte paging entry at {@code pa}
     * if it still holds {@code expect}; false if another CPU changed it meanwhile (the walk then
     * starts again, as hardware's locked update would see the new entry).
     */
    boolean setEntryBits(long pa, long expect, long bits) {
        if (!smp) {
            write64(pa, expect | bits);
            return true;
        }
        return compareAndSet(pa, 8, expect, expect | bits);
    }

    // ------------------------------------------------------------------ write tracking (snapshots)

    /**
     * Whether writes to frame {@code pfn} must take the checked path (it is code, or watched for
     * write tracking). The MMU fills write fast paths only for frames where this is false.
     */
    public boolean writesReported(long pfn) {
        if (pfn < 0 || pfn >= frames.length) return false;
        int i = (int) pfn;
        return ((codeBits[i >>> 6] | watchBits[i >>> 6]) & (1L << i)) != 0;
    }

    /**
     * Starts a write-tracking epoch: clears every dirty bit and watches every frame, so that the
     * first later write to a frame (through any path: MMU, bulk, host) marks it dirty. The watched
     * frames' write fast paths are dropped in every attached MMU (cached translations stay).
     */
    public void watchAllWrites() {
        Arrays.fill(watchBits, -1L);
        Arrays.fill(dirtyBits, 0L);
        for (Mmu m : mmus) m.accessControlChanged();
    }

    /** Watches frame {@code pfn} again and clears its dirty bit (after a snapshot restored it). */
    public void rewatch(long pfn) {
        int i = (int) pfn;
        dirtyBits[i >>> 6] &= ~(1L << i);
        if ((watchBits[i >>> 6] & (1L << i)) == 0) {
            watchBits[i >>> 6] |= 1L << i;
            for (Mmu m : mmus) m.dropFastWrites(pfn);
        }
    }

    /** Whether frame {@code pfn} was written since the last {@link #watchAllWrites} or {@link #rewatch}. */
    public boolean isDirty(long pfn) {
        int i = (int) pfn;
        return (dirtyBits[i >>> 6] & (1L << i)) != 0;
    }

    /** The next dirty frame number at or after {@code from}, or -1. */
    public long nextDirty(long from) {
        if (from < 0) from = 0;
        int w = (int) (from >>> 6);
        if (w >= dirtyBits.length) return -1;
        long word = dirtyBits[w] & (-1L << (from & 63));
        while (true) {
            if (word != 0) {
                long pfn = ((long) w << 6) + Long.numberOfTrailingZeros(word);
                return pfn < frames.length ? pfn : -1;
            }
            if (++w >= dirtyBits.length) return -1;
            word = dirtyBits[w];
        }
    }

    /**
     * Installs {@code page} (exactly {@value #PAGE_SIZE} bytes) as the backing array of frame
     * {@code pfn}, without copying: guest accesses then read and write the caller's array. Every
     * attached MMU's translations are flushed (they may cache the old array). Writes the caller
     * makes to the array directly are not seen by code-write tracking.
     */
    public void adoptFrame(long pfn, byte[] page) {
        if (page.length != PAGE_SIZE) throw new IllegalArgumentException("a frame is exactly 4096 bytes, not " + page.length);
        frameIndex(pfn << PAGE_SHIFT, "adoptFrame");
        preWrite(pfn << PAGE_SHIFT);
        FRAMES.setVolatile(frames, (int) pfn, page);
        for (Mmu m : mmus) m.flushAll();
        noteWrite(pfn << PAGE_SHIFT, PAGE_SIZE);
    }

    /** Called by an Mmu constructor: the Mmu's TLB is told when frames become code. */
    synchronized void attach(Mmu mmu) {
        Mmu[] n = Arrays.copyOf(mmus, mmus.length + 1);
        n[mmus.length] = mmu;
        mmus = n;
    }

    // ------------------------------------------------------------------ scalar access

    public int read8(long pa) {
        byte[] f = frames[frameIndex(pa, "read")];
        return f == null ? 0 : f[(int) pa & PAGE_MASK] & 0xFF;
    }

    public int read16(long pa) {
        int o = (int) pa & PAGE_MASK;
        if (o > PAGE_SIZE - 2) return read8(pa) | read8(pa + 1) << 8;
        byte[] f = frames[frameIndex(pa, "read")];
        return f == null ? 0 : (int) FrameAccess.get16(f, o);
    }

    public int read32(long pa) {
        int o = (int) pa & PAGE_MASK;
        if (o > PAGE_SIZE - 4) return read16(pa) | read16(pa + 2) << 16;
        byte[] f = frames[frameIndex(pa, "read")];
        return f == null ? 0 : (int) FrameAccess.get32(f, o);
    }

    public long read64(long pa) {
        int o = (int) pa & PAGE_MASK;
        if (o > PAGE_SIZE - 8) return (read32(pa) & 0xFFFF_FFFFL) | (long) read32(pa + 4) << 32;
        byte[] f = frames[frameIndex(pa, "read")];
        return f == null ? 0 : FrameAccess.get64(f, o);
    }

    public void write8(long pa, int v) {
        byte[] f = frame(frameIndex(pa, "write"));
        preWrite(pa);
        f[(int) pa & PAGE_MASK] = (byte) v;
        noteWrite(pa, 1);
    }

    public void write16(long pa, int v) {
        int o = (int) pa & PAGE_MASK;
        if (o > PAGE_SIZE - 2) {
            frameIndex(pa + 1, "write");
            write8(pa, v);
            write8(pa + 1, v >>> 8);
            return;
        }
        byte[] f = frame(frameIndex(pa, "write"));
        preWrite(pa);
        FrameAccess.put16(f, o, v);
        noteWrite(pa, 2);
    }

    public void write32(long pa, int v) {
        int o = (int) pa & PAGE_MASK;
        if (o > PAGE_SIZE - 4) {
            writeSplit(pa, v & 0xFFFF_FFFFL, 4);
            return;
        }
        byte[] f = frame(frameIndex(pa, "write"));
        preWrite(pa);
        FrameAccess.put32(f, o, v);
        noteWrite(pa, 4);
    }

    public void write64(long pa, long v) {
        int o = (int) pa & PAGE_MASK;
        if (o > PAGE_SIZE - 8) {
            writeSplit(pa, v, 8);
            return;
        }
        byte[] f = frame(frameIndex(pa, "write"));
        preWrite(pa);
        FrameAccess.put64(f, o, v);
        noteWrite(pa, 8);
    }

    /** A scalar write crossing a frame boundary: both frames checked before any byte is stored. */
    private void writeSplit(long pa, long v, int size) {
        frameIndex(pa + size - 1, "write");
        int first = PAGE_SIZE - ((int) pa & PAGE_MASK);
        byte[] f1 = frame(frameIndex(pa, "write"));
        byte[] f2 = frame((pa >>> PAGE_SHIFT) + 1);
        int o = (int) pa & PAGE_MASK;
        preWrite(pa);
        preWrite(pa + first);
        for (int k = 0; k < size; k++) {
            byte b = (byte) (v >>> (8 * k));
            if (k < first) f1[o + k] = b; else f2[k - first] = b;
        }
        noteWrite(pa, first);
        noteWrite(pa + first, size - first);
    }

    // ------------------------------------------------------------------ bulk access

    /** Copies {@code len} bytes from physical {@code pa} into {@code dst[off..]}. */
    public void read(long pa, byte[] dst, int off, int len) {
        checkRange(pa, len, "read");
        while (len > 0) {
            int o = (int) pa & PAGE_MASK;
            int n = Math.min(len, PAGE_SIZE - o);
            byte[] f = frames[(int) (pa >>> PAGE_SHIFT)];
            if (f == null) Arrays.fill(dst, off, off + n, (byte) 0);
            else System.arraycopy(f, o, dst, off, n);
            pa += n; off += n; len -= n;
        }
    }

    /** Copies {@code src[off..off+len)} to physical {@code pa}; reports pieces in code frames. */
    public void write(long pa, byte[] src, int off, int len) {
        checkRange(pa, len, "write");
        while (len > 0) {
            int o = (int) pa & PAGE_MASK;
            int n = Math.min(len, PAGE_SIZE - o);
            byte[] f = frame(pa >>> PAGE_SHIFT);
            preWrite(pa);
            System.arraycopy(src, off, f, o, n);
            noteWrite(pa, n);
            pa += n; off += n; len -= n;
        }
    }

    /** Stores {@code len} copies of byte {@code value} at {@code pa} (zeroing skips untouched frames). */
    public void fill(long pa, int value, long len) {
        checkRange(pa, len, "fill");
        while (len > 0) {
            int o = (int) pa & PAGE_MASK;
            int n = (int) Math.min(len, PAGE_SIZE - o);
            long pfn = pa >>> PAGE_SHIFT;
            byte[] f = value == 0 ? frames[(int) pfn] : frame(pfn);
            if (f != null) {
                preWrite(pa);
                Arrays.fill(f, o, o + n, (byte) value);
                noteWrite(pa, n);
            }
            pa += n; len -= n;
        }
    }

    private void checkRange(long pa, long len, String what) {
        if (len < 0 || pa < 0 || pa > size || len > size - pa) {
            throw new MachineCheckException(pa, what + " of " + len + " bytes beyond installed memory of 0x"
                    + Long.toHexString(size) + " bytes");
        }
    }
}
