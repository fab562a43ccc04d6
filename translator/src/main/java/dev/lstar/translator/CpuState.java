package dev.lstar.translator;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.LazyFlags;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A copy of every architectural field of a {@link Cpu} (registers, RIP, RFLAGS with the raw lazy
 * record, segment caches, control registers, MSRs, descriptor-table registers, counters), for the
 * lockstep engine: restore it exactly, and compare two of them field by field with the arithmetic
 * flags materialised (two engines may leave different but equivalent lazy records).
 */
final class CpuState {
    final long[] r = new long[16];
    long rip, rflags, lzRes, lzA, lzB, lzAux;
    int lzOp, lzSize;
    /** RFLAGS with the lazy record folded in. */
    long flags;
    int cpl;
    final int[] segSel = new int[6], segLimit = new int[6], segAttr = new int[6];
    final long[] segBase = new long[6];
    long cr0, cr2, cr3, cr4, cr8, efer;
    long star, lstar, cstar, fmask, kernelGsBase, sysenterCs, sysenterEsp, sysenterEip, tscAux;
    long gdtrBase, idtrBase;
    int gdtrLimit, idtrLimit;
    int trSel, trLimit, trAttr;
    long trBase;
    int ldtrSel, ldtrLimit, ldtrAttr;
    long ldtrBase;
    long tscOffset, instructions;
    boolean halted;

    static CpuState capture(Cpu c) {
        CpuState s = new CpuState();
        System.arraycopy(c.r, 0, s.r, 0, 16);
        s.rip = c.rip; s.rflags = c.rflags; s.lzOp = c.lzOp; s.lzSize = c.lzSize;
        s.lzRes = c.lzRes; s.lzA = c.lzA; s.lzB = c.lzB; s.lzAux = c.lzAux;
        s.flags = LazyFlags.materialize(c);
        s.cpl = c.cpl;
        System.arraycopy(c.segSel, 0, s.segSel, 0, 6);
        System.arraycopy(c.segBase, 0, s.segBase, 0, 6);
        System.arraycopy(c.segLimit, 0, s.segLimit, 0, 6);
        System.arraycopy(c.segAttr, 0, s.segAttr, 0, 6);
        s.cr0 = c.cr0; s.cr2 = c.cr2; s.cr3 = c.cr3; s.cr4 = c.cr4; s.cr8 = c.cr8; s.efer = c.efer;
        s.star = c.star; s.lstar = c.lstar; s.cstar = c.cstar; s.fmask = c.fmask; s.kernelGsBase = c.kernelGsBase;
        s.sysenterCs = c.sysenterCs; s.sysenterEsp = c.sysenterEsp; s.sysenterEip = c.sysenterEip; s.tscAux = c.tscAux;
        s.gdtrBase = c.gdtrBase; s.idtrBase = c.idtrBase; s.gdtrLimit = c.gdtrLimit; s.idtrLimit = c.idtrLimit;
        s.trSel = c.trSel; s.trLimit = c.trLimit; s.trAttr = c.trAttr; s.trBase = c.trBase;
        s.ldtrSel = c.ldtrSel; s.ldtrLimit = c.ldtrLimit; s.ldtrAttr = c.ldtrAttr; s.ldtrBase = c.ldtrBase;
        s.tscOffset = c.tscOffset; s.instructions = c.instructions; s.halted = c.halted;
        return s;
    }

    /** Puts every field back (the caller re-syncs the MMU with {@code flushAll}). */
    void restore(Cpu c) {
        System.arraycopy(r, 0, c.r, 0, 16);
        c.rip = rip; c.rflags = rflags; c.lzOp = lzOp; c.lzSize = lzSize;
        c.lzRes = lzRes; c.lzA = lzA; c.lzB = lzB; c.lzAux = lzAux;
        c.cpl = cpl;
        System.arraycopy(segSel, 0, c.segSel, 0, 6);
        System.arraycopy(segBase, 0, c.segBase, 0, 6);
        System.arraycopy(segLimit, 0, c.segLimit, 0, 6);
        System.arraycopy(segAttr, 0, c.segAttr, 0, 6);
        c.cr0 = cr0; c.cr2 = cr2; c.cr3 = cr3; c.cr4 = cr4; c.cr8 = cr8; c.efer = efer;
        c.star = star; c.lstar = lstar; c.cstar = cstar; c.fmask = fmask; c.kernelGsBase = kernelGsBase;
        c.sysenterCs = sysenterCs; c.sysenterEsp = sysenterEsp; c.sysenterEip = sysenterEip; c.tscAux = tscAux;
        c.gdtrBase = gdtrBase; c.idtrBase = idtrBase; c.gdtrLimit = gdtrLimit; c.idtrLimit = idtrLimit;
        c.trSel = trSel; c.trLimit = trLimit; c.trAttr = trAttr; c.trBase = trBase;
        c.ldtrSel = ldtrSel; c.ldtrLimit = ldtrLimit; c.ldtrAttr = ldtrAttr; c.ldtrBase = ldtrBase;
        c.tscOffset = tscOffset; c.instructions = instructions; c.halted = halted;
    }

    private static final String[] REG = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
            "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};

    /** Differences "name: a vs b", one per line; empty when the states agree. */
    static List<String> diff(CpuState a, CpuState b, String an, String bn) {
        List<String> d = new ArrayList<>();
        for (int i = 0; i < 16; i++) cmp(d, REG[i], a.r[i], b.r[i]);
        cmp(d, "rip", a.rip, b.rip);
        cmp(d, "rflags", a.flags, b.flags);
        cmp(d, "instructions", a.instructions, b.instructions);
        cmp(d, "cpl", a.cpl, b.cpl);
        cmp(d, "halted", a.halted ? 1 : 0, b.halted ? 1 : 0);
        for (int i = 0; i < 6; i++) {
            cmp(d, "seg" + i + ".sel", a.segSel[i], b.segSel[i]);
            cmp(d, "seg" + i + ".base", a.segBase[i], b.segBase[i]);
            cmp(d, "seg" + i + ".limit", a.segLimit[i], b.segLimit[i]);
            cmp(d, "seg" + i + ".attr", a.segAttr[i], b.segAttr[i]);
        }
        long[] x = a.misc(), y = b.misc();
        for (int i = 0; i < x.length; i++) cmp(d, MISC[i], x[i], y[i]);
        if (!d.isEmpty()) d.add(0, "field: " + an + " vs " + bn);
        return d;
    }

    private static final String[] MISC = {"cr0", "cr2", "cr3", "cr4", "cr8", "efer", "star", "lstar", "cstar", "fmask",
            "kernelGsBase", "sysenterCs", "sysenterEsp", "sysenterEip", "tscAux", "gdtrBase", "gdtrLimit", "idtrBase",
            "idtrLimit", "tr.sel", "tr.base", "tr.limit", "tr.attr", "ldtr.sel", "ldtr.base", "ldtr.limit", "ldtr.attr", "tscOffset"};

    private long[] misc() {
        return new long[] {cr0, cr2, cr3, cr4, cr8, efer, star, lstar, cstar, fmask, kernelGsBase, sysenterCs, sysenterEsp,
                sysenterEip, tscAux, gdtrBase, gdtrLimit, idtrBase, idtrLimit, trSel, trBase, trLimit, trAttr, ldtrSel,
                ldtrBase, ldtrLimit, ldtrAttr, tscOffset};
    }

    private static void cmp(List<String> d, String name, long a, long b) {
        if (a != b) d.add(name + ": 0x" + Long.toHexString(a) + " vs 0x" + Long.toHexString(b));
    }

    /** All sixteen GPRs, RIP and RFLAGS on a few lines. */
    String registers() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 16; i++) {
            sb.append(String.format("%-4s %016x", REG[i], r[i])).append(i % 4 == 3 ? "\n" : "  ");
        }
        sb.append(String.format("rip  %016x  rflags %08x  cpl %d", rip, flags, cpl));
        return sb.toString();
    }

    @Override
    public String toString() {
        return registers() + " " + Arrays.toString(segSel);
    }
}
