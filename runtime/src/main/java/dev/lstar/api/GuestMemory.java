package dev.lstar.api;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.Machine;
import dev.lstar.runtime.mem.PhysicalMemory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The emulator's side of guest memory: its own frame allocator, the 4/5-level page tables it
 * builds (SDM Vol. 3A §4.5 entry formats) and a map of every page it mapped. Every piece of
 * state lives in plain fields so that a {@link Snapshot} can save and restore it.
 */
final class GuestMemory {
    static final long P = 1, RW = 2, US = 4, PS = 128, NX = 1L << 63;
    static final long ADDR_MASK = 0x000F_FFFF_FFFF_F000L;
    /** Frames below 1 MiB stay unused, as on a PC. */
    static final long FIRST_FRAME = 0x10_0000;

    final Machine machine;
    final PhysicalMemory phys;
    final Cpu cpu;
    final boolean fiveLevel;
    final long root;

    // allocator state
    long nextFrame = FIRST_FRAME;
    long[] free = new long[16];
    int freeTop;

    /** Page base -> (physical frame address | perms). Ordered, for regions(). */
    TreeMap<Long, Long> pages = new TreeMap<>();
    /** Frames that are caller-provided arrays (mapHost): frame number -> the caller's array. */
    TreeMap<Long, byte[]> adopted = new TreeMap<>();
    /** Bumped by every map/unmap/protect (snapshots copy the tables only when it changed). */
    long version;
    /** Pages the emulator uses itself (the GDT), never handed to map(). */
    private final TreeMap<Long, Long> reserved = new TreeMap<>();

    GuestMemory(Machine machine, boolean fiveLevel) {
        this.machine = machine;
        this.phys = machine.phys;
        this.cpu = machine.cpu;
        this.fiveLevel = fiveLevel;
        this.root = allocFrame();
    }

    // ------------------------------------------------------------------ frames

    long allocFrame() {
        if (freeTop > 0) return free[--freeTop];
        if (nextFrame + 4096 > phys.size()) {
            throw new EmulatorException("guest RAM exhausted (" + (phys.size() >> 20) + " MiB): raise Builder.ramSize");
        }
        long pa = nextFrame;
        nextFrame += 4096;
        return pa;
    }

    void freeFrame(long pa) {
        long pfn = pa >>> 12;
        if (adopted.remove(pfn) != null) {
            phys.adoptFrame(pfn, new byte[4096]); // give the caller's array back; the frame is fresh again
        } else {
            phys.fill(pa, 0, 4096);
        }
        if (freeTop == free.length) free = Arrays.copyOf(free, free.length * 2);
        free[freeTop++] = pa;
    }

    // ------------------------------------------------------------------ page tables

    private static int index(long la, int level) {
        return (int) (la >>> (12 + 9 * (level - 1))) & 511;
    }

    /** The page-table slot (physical address of the PTE) for {@code la}, creating intermediate tables. */
    private long pteSlot(long la, boolean create) {
        long table = root;
        for (int l = fiveLevel ? 5 : 4; l > 1; l--) {
            long slot = table + index(la, l) * 8L;
            long e = phys.read64(slot);
            if ((e & P) == 0) {
                if (!create) return -1;
                long t = allocFrame();
                phys.fill(t, 0, 4096);
                e = t | P | RW | US; // the leaf alone decides the rights
                phys.write64(slot, e);
            }
            table = e & ADDR_MASK;
        }
        return table + index(la, 1) * 8L;
    }

    static long pte(long pa, int perms) {
        if ((perms & Perm.ALL) == 0) return 0; // NONE: not present, frame kept in the map
        long e = pa | P;
        if ((perms & Perm.WRITE) != 0) e |= RW;
        if ((perms & Perm.SUPERVISOR) == 0) e |= US;
        if ((perms & Perm.EXEC) == 0) e |= NX;
        return e;
    }

    private void setPte(long la, long entry) {
        phys.write64(pteSlot(la, true), entry);
        cpu.mmu.invlpg(la);
    }

    // ------------------------------------------------------------------ mapping

    void checkRange(long address, long size) {
        if ((address & 0xFFF) != 0 || (size & 0xFFF) != 0 || size <= 0) {
            throw new EmulatorException("address 0x" + Long.toHexString(address) + " and size 0x" + Long.toHexString(size)
                    + " must be 4 KiB aligned and size > 0");
        }
        long last = address + size - 1;
        if (!cpu.canonical(address) || !cpu.canonical(last) || Long.compareUnsigned(last, address) < 0
                || (address < 0) != (last < 0)) {
            throw new EmulatorException("range 0x" + Long.toHexString(address) + "+0x" + Long.toHexString(size) + " is not canonical");
        }
    }

    void map(long address, long size, int perms, long[] frames) {
        checkRange(address, size);
        for (long off = 0; off < size; off += 4096) {
            long la = address + off;
            if (pages.containsKey(la) || reserved.containsKey(la)) {
                throw new EmulatorException("0x" + Long.toHexString(la) + " is already mapped");
            }
        }
        int k = 0;
        for (long off = 0; off < size; off += 4096, k++) {
            long la = address + off;
            long pa = frames != null ? frames[k] : allocFrame();
            setPte(la, pte(pa, perms));
            pages.put(la, pa | perms);
        }
        version++;
    }

    void mapReserved(long la, long pa, long entry) {
        setPte(la, entry);
        reserved.put(la, pa);
    }

    private void requireMapped(long address, long size) {
        checkRange(address, size);
        for (long off = 0; off < size; off += 4096) {
            if (!pages.containsKey(address + off)) {
                throw new EmulatorException("0x" + Long.toHexString(address + off) + " is not mapped");
            }
        }
    }

    void unmap(long address, long size) {
        requireMapped(address, size);
        for (long off = 0; off < size; off += 4096) {
            long la = address + off;
            long v = pages.remove(la);
            phys.write64(pteSlot(la, false), 0);
            cpu.mmu.invlpg(la);
            freeFrame(v & ADDR_MASK);
        }
        version++;
    }

    void protect(long address, long size, int perms) {
        requireMapped(address, size);
        for (long off = 0; off < size; off += 4096) {
            long la = address + off;
            long pa = pages.get(la) & ADDR_MASK;
            setPte(la, pte(pa, perms));
            pages.put(la, pa | perms);
        }
        version++;
    }

    /** Physical address of {@code la} in the emulator's own mappings (any perms), or -1. */
    long hostTranslate(long la) {
        Long v = pages.get(la & ~0xFFFL);
        return v == null ? -1 : (v & ADDR_MASK) | (la & 0xFFF);
    }

    /** Whether {@code la}'s page is in the map (mapped, possibly with {@link Perm#NONE}). */
    boolean isMapped(long la) {
        return pages.containsKey(la & ~0xFFFL);
    }

    List<MemRegion> regions() {
        List<MemRegion> out = new ArrayList<>();
        long begin = 0, end = 0;
        int perms = -1;
        for (Map.Entry<Long, Long> e : pages.entrySet()) {
            long la = e.getKey();
            int p = (int) (e.getValue() & 0xFFF);
            if (perms >= 0 && p == perms && la == end + 1) {
                end = la + 4095;
                continue;
            }
            if (perms >= 0) out.add(new MemRegion(begin, end, perms));
            begin = la;
            end = la + 4095;
            perms = p;
        }
        if (perms >= 0) out.add(new MemRegion(begin, end, perms));
        return out;
    }

    void hostRead(long address, byte[] dst, int off, int len) {
        while (len > 0) {
            long pa = hostTranslate(address);
            if (pa < 0) throw new EmulatorException("read: 0x" + Long.toHexString(address) + " is not mapped");
            int n = (int) Math.min(len, 4096 - (address & 0xFFF));
            phys.read(pa, dst, off, n);
            address += n; off += n; len -= n;
        }
    }

    void hostWrite(long address, byte[] src, int off, int len) {
        // check first: all or nothing
        for (long a = address & ~0xFFFL; a < address + len; a += 4096) {
            if (hostTranslate(a) < 0) throw new EmulatorException("write: 0x" + Long.toHexString(Math.max(a, address)) + " is not mapped");
        }
        while (len > 0) {
            long pa = hostTranslate(address);
            int n = (int) Math.min(len, 4096 - (address & 0xFFF));
            phys.write(pa, src, off, n); // code frames notify the engines: no stale decoded code
            address += n; off += n; len -= n;
        }
    }
}
