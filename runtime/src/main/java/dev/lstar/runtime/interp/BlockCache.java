package dev.lstar.runtime.interp;

import dev.lstar.decoder.Access;
import dev.lstar.decoder.ByteSource;
import dev.lstar.decoder.Decoder;
import dev.lstar.decoder.Instruction;
import dev.lstar.decoder.Mnemonic;
import dev.lstar.decoder.OpcodeTable;
import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.CpuException;
import dev.lstar.runtime.Machine;
import dev.lstar.runtime.engine.NativeFunction;
import dev.lstar.runtime.mem.Mmu;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;

/**
 * Decoded blocks keyed by the physical address of their first byte. Correct across CR3/PCID
 * switches because lookups translate RIP first (with execute-permission checks) and key by the
 * physical result; code pages are marked in physical memory so that any write to them
 * invalidates the blocks decoded from them (self-modifying code).
 */
public final class BlockCache {
    /** Longest block, in instructions. */
    public static final int MAX_INSNS = 64;

    private final Machine machine;
    private final Cpu cpu;
    private final Mmu mmu;
    /** Concurrent: with several CPUs another CPU's code write removes entries while this one looks up. */
    private final Map<Long, Block> byPa = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<Long, ArrayList<Block>> byPage = new HashMap<>();
    /** Direct-mapped front cache over byPa. */
    private final Block[] front = new Block[4096];

    public long lookups, misses, decoded, invalidations;

    private final ByteSource fetcher;

    public BlockCache(Machine machine) {
        this.machine = machine;
        this.cpu = machine.cpu;
        this.mmu = machine.mmu;
        this.fetcher = mmu::fetch8;
        machine.phys.addCodeWriteListener(this::codeWritten);
        machine.addBlockInvalidator(this::invalidateMatching);
    }

    /**
     * The block starting at {@code rip}: translates RIP for execution at the current privilege
     * (raising #PF/#GP exactly as the fetch would) and finds or decodes the block.
     */
    public Block lookup(long rip) {
        lookups++;
        if (!cpu.is64BitCode()) {
            throw new dev.lstar.runtime.engine.UnsupportedFeatureException(String.format(
                    "code segment 0x%x is not a 64-bit segment (CS.L = 0): lstar does not execute 32-bit compatibility-mode code (rip 0x%x)",
                    cpu.segSel[Cpu.CS], rip));
        }
        if (!cpu.canonical(rip)) {
            throw CpuException.gp0("instruction fetch from non-canonical address 0x" + Long.toHexString(rip));
        }
        long pa = mmu.fetchPhys(rip); // TLB fast path; execute checks and #PF as a fetch
        int slot = (int) (pa ^ (pa >>> 12)) & (front.length - 1);
        Block b = front[slot];
        if (b != null && b.pa == pa && b.la == rip && b.valid && (b.pa2 < 0 || secondPageSame(b))) {
            return b;
        }
        b = byPa.get(pa);
        if (b == null || !b.valid || b.la != rip || (b.pa2 >= 0 && !secondPageSame(b))) {
            misses++;
            b = decode(rip, pa);
        }
        if (b.valid) {
            front[slot] = b;
        }
        return b;
    }

    private Block decode(long rip, long pa) {
        NativeFunction nat = machine.nativeAt(rip);
        if (nat != null) {
            Block b = new Block(rip, pa, new Instruction[0], nat, false);
            insert(b, pa >>> 12, pa >>> 12);
            return b;
        }
        ArrayList<Instruction> list = new ArrayList<>();
        long addr = rip;
        boolean writes = false;
        boolean crossesPage = false;
        while (list.size() < MAX_INSNS) {
            Instruction insn = new Instruction();
            try {
                Decoder.decode(fetcher, addr, insn);
            } catch (CpuException e) {
                if (list.isEmpty()) throw e;
                break; // the fetch fault belongs to the next block's first instruction
            }
            long end = addr + insn.length;
            boolean crosses = ((addr ^ (end - 1)) >>> 12) != 0;
            if (crosses && !list.isEmpty()) break; // a page-crossing instruction stands alone
            list.add(insn);
            writes |= Access.writesMemory(insn);
            decoded++;
            if (crosses) { crossesPage = true; break; }
            if ((insn.attributes & OpcodeTable.A_BLOCK_END) != 0 || insn.mnemonic == Mnemonic.INVALID) break;
            addr = end;
            if ((addr & 0xFFF) == 0) break; // blocks end at the page boundary
        }
        Block b = new Block(rip, pa, list.toArray(new Instruction[0]), null, writes);
        Machine.Hooks hooks = machine.hooks;
        if (hooks != null) b.hooked = hooks.covers(rip, b.byteLen, b.insns);
        if (crossesPage) {
            // one instruction over two pages: cached under both frames (a write to either drops it),
            // and found again only while the second page still maps to the same frame
            b.pa2 = mmu.fetchPhys((rip + b.byteLen - 1) & ~0xFFFL);
            insert(b, pa >>> 12, pa >>> 12);
            insert(b, b.pa2 >>> 12, b.pa2 >>> 12);
        } else {
            insert(b, pa >>> 12, pa >>> 12);
        }
        return b;
    }

    /** Whether the second page of a page-crossing block still translates (executably) to the frame it was decoded from. */
    private boolean secondPageSame(Block b) {
        try {
            return mmu.fetchPhys((b.la + b.byteLen - 1) & ~0xFFFL) == b.pa2;
        } catch (CpuException e) {
            return false; // decoded again, which raises the fault where the fetch of the instruction would
        }
    }

    private void insert(Block b, long firstPfn, long lastPfn) {
        synchronized (byPage) { // the code-write listener may run on another CPU's thread
            byPa.put(b.pa, b);
            for (long pfn = firstPfn; pfn <= lastPfn; pfn++) {
                byPage.computeIfAbsent(pfn, k -> new ArrayList<>()).add(b);
                machine.phys.markCode(pfn);
            }
        }
    }

    /** Called by physical memory when a code frame is written. */
    private void codeWritten(long physAddr, int len) {
        synchronized (byPage) {
            codeWrittenLocked(physAddr, len);
        }
    }

    private void codeWrittenLocked(long physAddr, int len) {
        long first = physAddr >>> 12, last = (physAddr + Math.max(len, 1) - 1) >>> 12;
        for (long pfn = first; pfn <= last; pfn++) {
            ArrayList<Block> blocks = byPage.remove(pfn);
            if (blocks == null) continue;
            for (Block b : blocks) {
                if (!b.valid) continue;
                b.valid = false;
                invalidations++;
                byPa.remove(b.pa, b);
            }
            machine.phys.unmarkCode(pfn);
        }
    }

    /**
     * Drops the cached blocks {@code f} selects (hook changes, range flushes); returns how many.
     * Other blocks stay decoded.
     */
    public int invalidateMatching(Machine.BlockFilter f) {
        synchronized (byPage) {
            return invalidateMatchingLocked(f);
        }
    }

    private int invalidateMatchingLocked(Machine.BlockFilter f) {
        int n = 0;
        for (java.util.Iterator<Map.Entry<Long, ArrayList<Block>>> it = byPage.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Long, ArrayList<Block>> e = it.next();
            ArrayList<Block> blocks = e.getValue();
            for (int k = blocks.size() - 1; k >= 0; k--) {
                Block b = blocks.get(k);
                if (!b.valid) { blocks.remove(k); continue; }
                if (b.nativeFn != null || !f.test(b.la, b.pa, b.byteLen, b.insns)) continue;
                b.valid = false;
                blocks.remove(k);
                byPa.remove(b.pa, b);
                invalidations++;
                n++;
            }
            if (blocks.isEmpty()) {
                it.remove();
                machine.phys.unmarkCode(e.getKey());
            }
        }
        return n;
    }

    /** Drops everything. */
    public void flush() {
        synchronized (byPage) {
            flushLocked();
        }
    }

    private void flushLocked() {
        for (ArrayList<Block> blocks : byPage.values()) {
            for (Block b : blocks) b.valid = false;
        }
        for (long pfn : byPage.keySet()) machine.phys.unmarkCode(pfn);
        byPage.clear();
        byPa.clear();
        java.util.Arrays.fill(front, null);
    }

    public int size() {
        return byPa.size();
    }
}
