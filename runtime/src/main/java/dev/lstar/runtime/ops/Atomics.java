package dev.lstar.runtime.ops;

import dev.lstar.decoder.Instruction;
import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.Flags;
import dev.lstar.runtime.interp.Exec;
import dev.lstar.runtime.mem.PhysicalMemory;

import static dev.lstar.runtime.interp.Operands.linear;
import static dev.lstar.runtime.interp.Operands.read;
import static dev.lstar.runtime.interp.Operands.readReg;
import static dev.lstar.runtime.interp.Operands.write;
import static dev.lstar.runtime.interp.Operands.writeReg;

/**
 * Locked read-modify-write instructions when several CPUs share the memory
 * ({@link PhysicalMemory#smp}): every LOCK-prefixed form and XCHG with a memory operand.
 *
 * <p>The operand is first read with write intent exactly as the single-CPU path reads it, so
 * every fault (#PF with W, #AC, #GP) is the same and comes before anything changes. Then the
 * instruction becomes a compare-and-set loop on the frame array: read the bytes (volatile),
 * compute with the same value methods the interpreter uses ({@link Alu}), and store only if the
 * bytes still hold what was read; otherwise the flags are put back and the loop runs again. The
 * store is a Java volatile compare-and-set — a full fence, as a locked instruction is on x86.
 *
 * <p>Operands a compare-and-set cannot cover — crossing a naturally aligned 4- or 8-byte word or a
 * page (the SDM's split locks), CMPXCHG16B (no 16-byte compare-and-set in Java) and the
 * bit-string forms BTS/BTR/BTC (their byte may lie far from the operand address) — execute the
 * plain way in an exclusive section ({@link dev.lstar.runtime.mem.Exclusive}, the bus lock: every
 * other CPU parked at a block boundary or waiting, so atomic against their plain loads and stores
 * too) when the CPUs' threads are its members (the kernel model's tasks), and under
 * {@link PhysicalMemory#splitLock} in any case (atomic with respect to each other).
 */
public final class Atomics {
    private Atomics() {}

    /** Executes locked instruction {@code i} (memory destination, operand 0); returns {@link Exec#FALLTHROUGH}. */
    public static long execute(Cpu c, Instruction i) {
        c.inAtomic = true;
        try {
            return switch (i.mnemonic) {
                case ADD, OR, ADC, SBB, AND, SUB, XOR, INC, DEC, NEG, NOT, XADD, XCHG, CMPXCHG, CMPXCHG8B -> cas(c, i);
                default -> split(c, i);
            };
        } finally {
            c.inAtomic = false;
        }
    }

    private static long split(Cpu c, Instruction i) {
        PhysicalMemory ph = c.mmu.phys();
        long r;
        if (ph.exclusive.engaged()) {
            // the bus lock: every other CPU parked or waiting (Exclusive), so plain stores cannot interleave
            ph.exclusive.begin();
            try {
                synchronized (ph.splitLock) {
                    r = Exec.execute(c, i);
                }
            } finally {
                ph.exclusive.end();
            }
        } else {
            synchronized (ph.splitLock) {
                r = Exec.execute(c, i);
            }
        }
        java.lang.invoke.VarHandle.fullFence();
        return r;
    }

    private static long cas(Cpu c, Instruction i) {
        boolean eightB = i.mnemonic == dev.lstar.decoder.Mnemonic.CMPXCHG8B;
        int size = eightB ? 8 : i.size[0];
        long la = linear(c, i);
        c.mmu.readForWrite(la, size); // the faults of the plain path, before anything changes
        long pa = c.mmu.physForWrite(la);
        if ((pa & PhysicalMemory.PAGE_MASK) + size > PhysicalMemory.PAGE_SIZE || !PhysicalMemory.casable(pa, size)) return split(c, i);
        PhysicalMemory ph = c.mmu.phys();
        switch (i.mnemonic) {
            case XCHG -> {
                long src = read(c, i, 1), old;
                do {
                    old = ph.readVolatile(pa, size);
                } while (!ph.compareAndSet(pa, size, old, src));
                write(c, i, 1, old);
            }
            case CMPXCHG -> {
                long acc = readReg(c, Cpu.RAX, size), src = read(c, i, 1), old;
                for (;;) {
                    old = ph.readVolatile(pa, size);
                    if (old != acc || ph.compareAndSet(pa, size, acc, src)) break;
                }
                Alu.cmp(c, acc, old, size);
                if (old != acc) writeReg(c, Cpu.RAX, size, old);
            }
            case CMPXCHG8B -> {
                long cmp = (c.r[Cpu.RDX] << 32) | (c.r[Cpu.RAX] & 0xFFFF_FFFFL);
                long put = (c.r[Cpu.RCX] << 32) | (c.r[Cpu.RBX] & 0xFFFF_FFFFL), old;
                for (;;) {
                    old = ph.readVolatile(pa, 8);
                    if (old != cmp || ph.compareAndSet(pa, 8, cmp, put)) break;
                }
                long fl = c.getRflags();
                if (old == cmp) {
                    c.setRflags(fl | Flags.ZF);
                } else {
                    c.setRflags(fl & ~Flags.ZF);
                    c.r[Cpu.RAX] = old & 0xFFFF_FFFFL;
                    c.r[Cpu.RDX] = old >>> 32;
                }
            }
            case XADD -> {
                long src = read(c, i, 1), fl = c.getRflags(), old;
                for (;;) {
                    old = ph.readVolatile(pa, size);
                    c.setRflags(fl);
                    if (ph.compareAndSet(pa, size, old, Alu.add(c, old, src, size))) break;
                }
                write(c, i, 1, old);
            }
            default -> {
                boolean unary = switch (i.mnemonic) {
                    case INC, DEC, NEG, NOT -> true;
                    default -> false;
                };
                long src = unary ? 0 : read(c, i, 1), fl = c.getRflags();
                for (;;) {
                    long old = ph.readVolatile(pa, size);
                    c.setRflags(fl);
                    long v = switch (i.mnemonic) {
                        case ADD -> Alu.add(c, old, src, size);
                        case OR -> Alu.or(c, old, src, size);
                        case ADC -> Alu.adc(c, old, src, size);
                        case SBB -> Alu.sbb(c, old, src, size);
                        case AND -> Alu.and(c, old, src, size);
                        case SUB -> Alu.sub(c, old, src, size);
                        case XOR -> Alu.xor(c, old, src, size);
                        case INC -> Alu.inc(c, old, size);
                        case DEC -> Alu.dec(c, old, size);
                        case NEG -> Alu.neg(c, old, size);
                        default -> Alu.not(old, size);
                    };
                    if (ph.compareAndSet(pa, size, old, v)) break;
                }
            }
        }
        return Exec.FALLTHROUGH;
    }
}
