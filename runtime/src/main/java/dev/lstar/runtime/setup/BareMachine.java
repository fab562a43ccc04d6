package dev.lstar.runtime.setup;

import dev.lstar.runtime.Machine;
import dev.lstar.runtime.Vendor;

/**
 * A machine in 64-bit mode with paging on and nothing else: a Linux-layout GDT, no IDT (so guest
 * faults stop the engine with {@code UNHANDLED_FAULT} unless the user installs one), and memory
 * mapped on request. For tests, benchmarks and embedders that only want to run code.
 */
public final class BareMachine {
    /** Where the GDT is mapped (supervisor-only). */
    public static final long GDT_LA = 0xFFFF_8000_0000_0000L;

    public final Machine machine;
    public final FrameAllocator frames;
    public final PageTables pageTables;

    private BareMachine(Machine machine, FrameAllocator frames, PageTables pt) {
        this.machine = machine;
        this.frames = frames;
        this.pageTables = pt;
    }

    /** A machine with {@code physBytes} of guest RAM, running at {@code cpl} (0 or 3). */
    public static BareMachine create(Vendor vendor, long physBytes, boolean fiveLevel, int cpl) {
        Machine m = new Machine(vendor, physBytes);
        FrameAllocator frames = new FrameAllocator(0x10_0000, physBytes);
        PageTables pt = new PageTables(m.phys, frames, fiveLevel);
        long gdt = frames.allocate();
        pt.map4k(GDT_LA, gdt, PageTables.RW | PageTables.NX);
        Gdt.install(m.cpu, m.phys, gdt, GDT_LA, 0, 0);
        LongMode.enable(m.cpu, pt.root, fiveLevel, false);
        Gdt.enterRing(m.cpu, cpl);
        return new BareMachine(m, frames, pt);
    }

    /** Maps fresh zeroed memory at [la, la+len) with leaf flags (PageTables.RW, US, NX...). */
    public void map(long la, long len, long flags) {
        pageTables.allocateAndMap(la & ~0xFFFL, ((la & 0xFFF) + len + 0xFFF) & ~0xFFFL, flags);
    }

    /** Copies {@code bytes} to linear {@code la} through the page tables (host-side, no permission checks). */
    public void poke(long la, byte[] bytes) {
        for (int i = 0; i < bytes.length; ) {
            long a = la + i;
            long pte = pageTables.pte(a);
            if ((pte & PageTables.P) == 0) throw new IllegalArgumentException("0x" + Long.toHexString(a) + " is not mapped");
            int n = (int) Math.min(bytes.length - i, 4096 - (a & 0xFFF));
            machine.phys.write((pte & PageTables.ADDR_MASK) + (a & 0xFFF), bytes, i, n);
            i += n;
        }
    }

    /** Reads {@code len} bytes at linear {@code la} through the page tables (host-side). */
    public byte[] peek(long la, int len) {
        byte[] out = new byte[len];
        for (int i = 0; i < len; ) {
            long a = la + i;
            long pte = pageTables.pte(a);
            if ((pte & PageTables.P) == 0) throw new IllegalArgumentException("0x" + Long.toHexString(a) + " is not mapped");
            int n = (int) Math.min(len - i, 4096 - (a & 0xFFF));
            machine.phys.read((pte & PageTables.ADDR_MASK) + (a & 0xFFF), out, i, n);
            i += n;
        }
        return out;
    }
}
