package dev.lstar.translator;

import dev.lstar.runtime.Cpu;

import java.util.ArrayList;
import java.util.List;

/**
 * A copy of every architectural field of a {@link Cpu} (registers, RIP, RFLAGS with the raw lazy
 * record, segment caches, control registers, MSRs, descriptor-table registers, counters), for the
 * lockstep engine: restore it exactly, and compare two of them field by field with the arithmetic
 * flags materialised (two engines may leave different but equivalent lazy records).
 */
final class CpuState {
    /** A detached copy of the CPU (no MMU). */
    private final Cpu s;
    /** {@link Cpu#stateVector()} at capture. */
    private final long[] v;
    final long rip, instructions;

    private CpuState(Cpu c) {
        s = new Cpu(c.vendor);
        s.copyStateFrom(c);
        v = c.stateVector();
        rip = c.rip;
        instructions = c.instructions;
    }

    static CpuState capture(Cpu c) {
        return new CpuState(c);
    }

    /** Puts every field back (the caller re-syncs the MMU with {@code flushAll}). */
    void restore(Cpu c) {
        c.copyStateFrom(s);
    }

    /** Whether {@code c} is now in exactly this state. */
    boolean matches(Cpu c) {
        return java.util.Arrays.equals(v, c.stateVector());
    }

    /** Differences "name: a vs b", one per line; empty when the states agree. */
    static List<String> diff(CpuState a, CpuState b, String an, String bn) {
        List<String> d = new ArrayList<>();
        for (int i = 0; i < a.v.length; i++) {
            if (a.v[i] != b.v[i]) d.add(Cpu.STATE_NAMES[i] + ": 0x" + Long.toHexString(a.v[i]) + " vs 0x" + Long.toHexString(b.v[i]));
        }
        if (!d.isEmpty()) d.add(0, "field: " + an + " vs " + bn);
        return d;
    }

    /** All sixteen GPRs, RIP and RFLAGS on a few lines. */
    String registers() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 16; i++) {
            sb.append(String.format("%-4s %016x", Cpu.STATE_NAMES[i], v[i])).append(i % 4 == 3 ? "\n" : "  ");
        }
        sb.append(String.format("rip  %016x  rflags %08x  cpl %d", v[16], v[17], v[18]));
        return sb.toString();
    }

    @Override
    public String toString() {
        return registers();
    }
}
