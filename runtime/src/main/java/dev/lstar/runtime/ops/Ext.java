package dev.lstar.runtime.ops;

import dev.lstar.runtime.Cpu;

/**
 * Sign/zero extension: CBW/CWDE/CDQE, CWD/CDQ/CQO (Intel SDM Vol. 2 "CBW/CWDE/CDQE",
 * "CWD/CDQ/CQO"), which write RAX/RDX directly with the register rules, and value helpers for
 * MOVSX/MOVSXD/MOVZX. None of these touch flags.
 */
public final class Ext {
    private Ext() {}

    /** All-ones mask for {@code size} bytes (1, 2, 4, 8). */
    public static long mask(int size) {
        return -1L >>> (64 - (size << 3));
    }

    /** Sign-extends the low {@code size} bytes of {@code v} to 64 bits (MOVSX/MOVSXD source). */
    public static long sx(long v, int size) {
        int sh = 64 - (size << 3);
        return (v << sh) >> sh;
    }

    /** Zero-extends the low {@code size} bytes of {@code v} (MOVZX source). */
    public static long zx(long v, int size) {
        return v & mask(size);
    }

    /** CBW: AX = sign-extend(AL); bits 63:16 unchanged. */
    public static void cbw(Cpu cpu) {
        long a = cpu.r[Cpu.RAX];
        cpu.r[Cpu.RAX] = (a & ~0xffffL) | ((byte) a & 0xffffL);
    }

    /** CWDE: EAX = sign-extend(AX), zero-extended into RAX. */
    public static void cwde(Cpu cpu) {
        cpu.r[Cpu.RAX] = (short) cpu.r[Cpu.RAX] & 0xffffffffL;
    }

    /** CDQE: RAX = sign-extend(EAX). */
    public static void cdqe(Cpu cpu) {
        cpu.r[Cpu.RAX] = (int) cpu.r[Cpu.RAX];
    }

    /** CWD: DX = sign of AX replicated; bits 63:16 of RDX unchanged. */
    public static void cwd(Cpu cpu) {
        long s = ((short) cpu.r[Cpu.RAX] >> 15) & 0xffffL;
        cpu.r[Cpu.RDX] = (cpu.r[Cpu.RDX] & ~0xffffL) | s;
    }

    /** CDQ: EDX = sign of EAX replicated, zero-extended into RDX. */
    public static void cdq(Cpu cpu) {
        cpu.r[Cpu.RDX] = ((int) cpu.r[Cpu.RAX] >> 31) & 0xffffffffL;
    }

    /** CQO: RDX = sign of RAX replicated. */
    public static void cqo(Cpu cpu) {
        cpu.r[Cpu.RDX] = cpu.r[Cpu.RAX] >> 63;
    }
}
