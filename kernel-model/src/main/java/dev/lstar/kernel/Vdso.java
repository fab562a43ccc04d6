package dev.lstar.kernel;

import dev.lstar.kernel.elf.ElfFile;
import dev.lstar.runtime.mem.PhysicalMemory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;
import java.nio.ByteOrder;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The vDSO and its vvar page (see {@code src/main/asm/vdso.S} for the guest side and the page
 * layout). Every process gets, placed as Linux 6.6 places them (right after its interpreter by
 * the mmap allocator, or just above a randomised stack: {@code UserProcess.mapVdso}), a 4-page {@code [vvar]} area (read-only; its first page
 * is this kernel's one vvar frame, the other three — Linux's pvclock, hvclock and time-namespace
 * pages — are never present and fault) and above it a 2-page {@code [vdso]} area (r-x) holding
 * {@code vdso.so}; AT_SYSINFO_EHDR points at the latter.
 *
 * <p><b>Time source.</b> The guest TSC counts instructions, so the vDSO cannot interpolate time
 * as Linux's does; the kernel model instead writes every served clock's current value into the
 * vvar page ({@link #publish}): from a host timer at {@value #REFRESH_MICROS} µs and after every
 * system call that read a clock or slept ({@link #timeObserved}; the others cannot show the
 * guest a time, and skipping them keeps the cost off the hot syscall path). A vDSO read is thus at
 * most one refresh period behind the syscall path (the precision of a _COARSE clock), and never
 * behind a value a system call already returned, nor behind the end of a sleep. The monotonic
 * clocks are {@link System#nanoTime}, as in {@link Syscalls#clockGettime}; the real-time ones are
 * that plus an offset to {@link java.time.Instant#now} (the syscall's source) that the timer
 * re-measures every tick, so a publication after a system call costs one host clock read; they
 * agree with the syscall's CLOCK_REALTIME to within that measurement's error (under a
 * microsecond), and neither kind of published value ever decreases.
 *
 * <p><b>Memory model.</b> The writer is a host thread (the timer) or the guest's thread; the
 * reader is guest code, whose loads are plain little-endian {@code byte[]} view loads of the
 * frame's backing array (interpreter and JIT alike, see {@link PhysicalMemory}). The writer
 * follows Linux's seqcount protocol with explicit fences (the odd count, a store-store fence, the
 * values, a release fence, the even count), so the JIT compiler cannot move a value store out of
 * the odd window, and x86's TSO hardware keeps the stores in that order for every reader; a guest
 * reader retries while the count is odd or has changed. That re-check is sound in the
 * interpreter, where every guest load is a separate access; inside one translated block the JVM's
 * compiler may fold the second load of the count into the first (plain loads, no store between),
 * so the design does not rely on it: every clock value is ONE aligned 8-byte word, read by one
 * guest load, which HotSpot on x86-64 performs as one 8-byte move (single-copy atomic on the
 * hardware; the JDK no longer promises atomic access modes for heap {@code byte[]} views, which
 * is why the writer uses plain stores plus fences). A reader therefore never sees a torn value,
 * and since the published monotonic values only grow, never an older one after a newer one.
 *
 * <p>The timer's writes are made straight into the frame's array, outside any engine: the
 * lockstep engine, which runs every block twice and compares, reports a divergence if a
 * publication falls between the two runs of a block that reads the page; such runs turn the
 * timer off ({@link LinuxKernel#vvarRefresh}).
 */
public final class Vdso {
    /** The committed image (built by tools/build-vdso.sh). */
    public static final String RESOURCE = KernelImage.RESOURCE_DIR + "vdso.so";
    /** The sizes of the two areas, as in Linux 6.6 (vvar: vvar, pvclock, hvclock, timens pages). */
    public static final int VVAR_PAGES = 4, VDSO_PAGES = 2;
    /** Offsets in the vvar page: the sequence count, struct timezone, the clock values by clock id. */
    static final int VV_SEQ = 0x00, VV_TZ = 0x08, VV_NS = 0x40;
    /** How often the host timer refreshes the vvar page. */
    public static final long REFRESH_MICROS = 1000;
    /** The clock ids the vDSO serves (vdso.S's VDSO_CLOCKS); the others fall back to the system call. */
    public static final int SERVED_CLOCKS = 1 | 1 << 1 | 1 << 4 | 1 << 5 | 1 << 6 | 1 << 7 | 1 << 11;

    private static final VarHandle LE32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LE64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);


    private static volatile byte[] image;

    /** The vvar frame's physical address (never freed, never handed to the page allocator again). */
    final long framePa;
    /** The vvar frame's backing array (the guest reads this very array). */
    private final byte[] page;
    private ScheduledFuture<?> refresher;
    private long publishes;

    Vdso(PhysicalMemory phys, long framePa) {
        this.framePa = framePa;
        this.page = phys.frame(framePa >>> PhysicalMemory.PAGE_SHIFT);
        java.util.Arrays.fill(page, (byte) 0);
        calibrate();
        publish();
    }

    /** The vDSO's bytes (the whole ELF file, mapped from its first byte). */
    public static byte[] image() {
        byte[] b = image;
        if (b == null) {
            try (InputStream in = Vdso.class.getResourceAsStream(RESOURCE)) {
                if (in == null) throw new IllegalStateException("missing classpath resource " + RESOURCE + " (run kernel-model/tools/build-vdso.sh)");
                b = in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            ElfFile elf = ElfFile.parse(b);
            if (elf.type() != ElfFile.Type.DYN || b.length > VDSO_PAGES * 4096) {
                throw new IllegalStateException(RESOURCE + " is not a shared object of at most " + VDSO_PAGES + " pages");
            }
            image = b;
        }
        return b;
    }

    /** CLOCK_REALTIME minus CLOCK_MONOTONIC in ns, as last measured by {@link #calibrate} (the timer thread). */
    private volatile long realOffset;
    /** The last published CLOCK_REALTIME (guarded by this). */
    private long lastReal;

    /**
     * Measures CLOCK_REALTIME - CLOCK_MONOTONIC: {@link java.time.Instant#now} between two
     * {@link System#nanoTime} reads, against their midpoint (the error is at most half the
     * window, well under a microsecond). Done by the refresh timer, so that a publication after
     * a system call needs one clock read only.
     */
    void calibrate() {
        long m0 = System.nanoTime();
        java.time.Instant now = java.time.Instant.now();
        long m1 = System.nanoTime();
        realOffset = now.getEpochSecond() * 1_000_000_000L + now.getNano() - (m0 + ((m1 - m0) >> 1));
    }

    /**
     * Writes the current clock values into the vvar page under the sequence count. Serialised
     * (two writers: the refresh timer and the guest's thread after a system call), and the clock
     * is read inside, so successive publications carry non-decreasing monotonic values; the
     * published CLOCK_REALTIME (monotonic plus the calibrated offset) never decreases either.
     */
    /** A system call read a clock or slept: republish when it returns ({@link #afterSyscall}). */
    private volatile boolean due;

    /** Called by the system calls that read a clock and by every sleep. */
    void timeObserved() {
        due = true;
    }

    /** At the end of do_syscall_64 / do_int80_syscall_32: republishes if the call read a clock or slept. */
    void afterSyscall() {
        if (!due) return;
        due = false;
        publish();
    }

    synchronized void publish() {
        long mono = System.nanoTime();
        long real = Math.max(lastReal, mono + realOffset);
        lastReal = real;
        int seq = (int) LE32.get(page, VV_SEQ);
        LE32.set(page, VV_SEQ, seq + 1); // odd: an update is in progress
        VarHandle.storeStoreFence();    // ... and visible as such before any value changes
        // the clocks of the clock_gettime system call (TAI: no leap-second offset modelled there either)
        LE64.set(page, VV_NS + 8 * 0, real);   // CLOCK_REALTIME
        LE64.set(page, VV_NS + 8 * 1, mono);   // CLOCK_MONOTONIC
        LE64.set(page, VV_NS + 8 * 4, mono);   // CLOCK_MONOTONIC_RAW
        LE64.set(page, VV_NS + 8 * 5, real);   // CLOCK_REALTIME_COARSE
        LE64.set(page, VV_NS + 8 * 6, mono);   // CLOCK_MONOTONIC_COARSE
        LE64.set(page, VV_NS + 8 * 7, mono);   // CLOCK_BOOTTIME
        LE64.set(page, VV_NS + 8 * 11, real);  // CLOCK_TAI
        VarHandle.releaseFence();               // the values before the even count
        LE32.set(page, VV_SEQ, seq + 2);
        publishes++;
    }

    /** The sequence count (even when no update is in progress). */
    int sequence() {
        int seq = (int) LE32.get(page, VV_SEQ);
        VarHandle.acquireFence();
        return seq;
    }

    /** The published value of clock {@code clk} in nanoseconds. */
    long published(int clk) {
        VarHandle.acquireFence();
        return (long) LE64.get(page, VV_NS + 8 * clk);
    }

    /** Publications so far (statistics, tests). */
    synchronized long publishCount() {
        return publishes;
    }

    /** Starts the host refresh timer (idempotent). It holds this object weakly and ends itself once it is gone. */
    synchronized void startRefresh() {
        if (refresher != null) return;
        WeakReference<Vdso> self = new WeakReference<>(this);
        ScheduledFuture<?>[] mine = new ScheduledFuture<?>[1];
        Runnable tick = () -> {
            Vdso v = self.get();
            if (v != null) {
                v.calibrate();
                v.publish();
            }
            else if (mine[0] != null) mine[0].cancel(false);
        };
        refresher = mine[0] = KernelTimers.EXECUTOR.scheduleAtFixedRate(tick, REFRESH_MICROS, REFRESH_MICROS, TimeUnit.MICROSECONDS);
    }

    /** Stops the refresh timer (the process has ended). */
    synchronized void stopRefresh() {
        if (refresher != null) refresher.cancel(false);
        refresher = null;
    }
}
