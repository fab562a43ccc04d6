package dev.lstar.runtime.sys;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.Vendor;

/**
 * CPUID for the lstar processor model (Intel SDM Vol. 2A CPUID; AMD APM Vol. 3 appendix E).
 * Advertises only what lstar implements on the system side plus the x86-64 architectural
 * baseline; the feature words are public constants so the engines' coverage and CPUID can be
 * kept in step. Leaves that are not implemented return zeros (Intel: a leaf above the maximum
 * basic leaf returns the highest basic leaf's data, as the SDM specifies).
 */
public final class Cpuid {
    private Cpuid() {}

    public static final int MAX_BASIC_LEAF = 7;
    public static final int MAX_EXT_LEAF = 0x8000_0008;

    // Leaf 1 EDX: FPU, DE, PSE, TSC, MSR, PAE, MCE, CX8, PGE, CMOV, CLFSH, MMX, FXSR, SSE, SSE2.
    // The x87/MMX/SSE/SSE2/FXSR bits are architectural for every x86-64 processor (Linux refuses
    // to boot an x86-64 kernel without them), and lstar implements all five.
    public static final int LEAF1_EDX = 1 | (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 8)
            | (1 << 13) | (1 << 15) | (1 << 19) | (1 << 23) | (1 << 24) | (1 << 25) | (1 << 26);
    /**
     * Leaf 1 ECX SSE4.2 (bit 20). Software takes the bit to mean the x86-64-v2 set: glibc's SSE4.2
     * string functions (strcspn, strspn...) also run PSHUFB and other SSSE3/SSE4.1 instructions on
     * XMM registers, so it is advertised only together with SSSE3 (bit 9) and SSE4.1 (bit 19).
     */
    public static final int LEAF1_ECX_SSE42 = 1 << 20;
    /**
     * Leaf 1 ECX: SSE3 (0), SSSE3 (9), CX16 (13), PCID (17), SSE4.1 (19), SSE4.2 (20), MOVBE (22),
     * POPCNT (23). Not MONITOR (3): MONITOR/MWAIT decode INVALID (#UD), as on a CPU without them.
     */
    public static final int LEAF1_ECX = 1 | (1 << 9) | (1 << 13) | (1 << 17) | (1 << 19) | LEAF1_ECX_SSE42 | (1 << 22)
            | (1 << 23);
    /** Leaf 7.0 EBX: FSGSBASE (0), SMEP (7), INVPCID (10), ADX (19), SMAP (20). */
    public static final int LEAF7_EBX = 1 | (1 << 7) | (1 << 10) | (1 << 19) | (1 << 20);
    /** Leaf 7.0 ECX: UMIP (2), LA57 (16) when supported, RDPID (22). */
    public static final int LEAF7_ECX = (1 << 2) | (Features.LA57 ? 1 << 16 : 0) | (1 << 22);
    /** 0x80000001 EDX: SYSCALL (11), NX (20), Page1GB (26), RDTSCP (27), LM (29). */
    public static final int EXT1_EDX = (1 << 11) | (1 << 20) | (1 << 26) | (1 << 27) | (1 << 29);
    /** 0x80000001 ECX: LAHF/SAHF in 64-bit mode (0), LZCNT/ABM (5). */
    public static final int EXT1_ECX = 1 | (1 << 5);
    /** Leaf-1 EDX bits that AMD mirrors into 0x80000001 EDX (bits 0-9, 12-17, 23, 24). */
    private static final int AMD_MIRROR = 0x0183_F3FF;

    /** Family/model/stepping signatures (leaf 1 EAX). Intel: family 6 model 0x55 stepping 4; AMD: family 0x17 model 0x31. */
    public static final int INTEL_SIGNATURE = 0x0005_0654, AMD_SIGNATURE = 0x0083_0F10;

    private static final String BRAND = "lstar virtual x86-64 processor";

    /**
     * CPUID instruction: leaf from EAX, subleaf from ECX; writes EAX, EBX, ECX, EDX (zeroing the
     * upper halves). Allowed at any CPL. Engine: continue with the next instruction.
     */
    public static void cpuid(Cpu cpu) {
        int leaf = (int) cpu.r[Cpu.RAX];
        int sub = (int) cpu.r[Cpu.RCX];
        int a, b, c, d;
        // Intel: a basic leaf above the maximum returns the highest basic leaf (SDM CPUID, "INPUT EAX = 0").
        if (cpu.vendor == Vendor.INTEL && Integer.compareUnsigned(leaf, MAX_BASIC_LEAF) > 0
                && (Integer.compareUnsigned(leaf, 0x8000_0000) < 0 || Integer.compareUnsigned(leaf, MAX_EXT_LEAF) > 0)) {
            leaf = MAX_BASIC_LEAF;
        }
        boolean intel = cpu.vendor == Vendor.INTEL;
        switch (leaf) {
            case 0 -> {
                a = MAX_BASIC_LEAF;
                b = intel ? str4("Genu") : str4("Auth");
                d = intel ? str4("ineI") : str4("enti");
                c = intel ? str4("ntel") : str4("cAMD");
            }
            case 1 -> {
                a = intel ? INTEL_SIGNATURE : AMD_SIGNATURE;
                // EBX: CLFLUSH line size 8 (x 8 = 64 bytes) in 15:8, one logical processor in 23:16, APIC ID 0.
                b = (8 << 8) | (1 << 16);
                c = LEAF1_ECX;
                d = LEAF1_EDX;
            }
            case 7 -> {
                if (sub == 0) {
                    a = 0; // maximum subleaf
                    b = LEAF7_EBX;
                    c = LEAF7_ECX;
                    d = 0;
                } else {
                    a = b = c = d = 0;
                }
            }
            case 0x8000_0000 -> {
                a = MAX_EXT_LEAF;
                if (intel) {
                    b = c = d = 0;
                } else {
                    b = str4("Auth");
                    d = str4("enti");
                    c = str4("cAMD");
                }
            }
            case 0x8000_0001 -> {
                a = intel ? 0 : AMD_SIGNATURE;
                b = 0;
                c = EXT1_ECX;
                d = EXT1_EDX | (intel ? 0 : (LEAF1_EDX & AMD_MIRROR));
            }
            case 0x8000_0002, 0x8000_0003, 0x8000_0004 -> {
                int off = (leaf - 0x8000_0002) * 16;
                a = brand(off);
                b = brand(off + 4);
                c = brand(off + 8);
                d = brand(off + 12);
            }
            case 0x8000_0008 -> {
                // EAX[7:0] physical-address bits, EAX[15:8] linear-address bits.
                a = Features.MAXPHYADDR | (Features.LINEAR_BITS << 8);
                b = c = d = 0;
            }
            default -> a = b = c = d = 0;
        }
        cpu.r[Cpu.RAX] = a & 0xFFFF_FFFFL;
        cpu.r[Cpu.RBX] = b & 0xFFFF_FFFFL;
        cpu.r[Cpu.RCX] = c & 0xFFFF_FFFFL;
        cpu.r[Cpu.RDX] = d & 0xFFFF_FFFFL;
    }

    private static int str4(String s) {
        return s.charAt(0) | (s.charAt(1) << 8) | (s.charAt(2) << 16) | (s.charAt(3) << 24);
    }

    /** Four bytes of the 48-byte, NUL-padded brand string starting at {@code off}. */
    private static int brand(int off) {
        int v = 0;
        for (int i = 3; i >= 0; i--) {
            int k = off + i;
            v = (v << 8) | (k < BRAND.length() ? BRAND.charAt(k) : 0);
        }
        return v;
    }
}
