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
     * The cache hierarchy CPUID describes (lstar has no caches; software sizes buffers and picks
     * copy strategies from these, so they are those of a plausible single-core part): L1 data and
     * instruction 32 KiB 8-way, L2 1 MiB 16-way (Intel) or 512 KiB 8-way (AMD), L3 16 MiB 16-way,
     * 64-byte lines. Intel reports them in leaf 4 (deterministic cache parameters; leaf 2 says
     * "see leaf 4" with descriptor 0xFF) and L2 in 0x80000006; AMD in 0x80000005 (L1) and
     * 0x80000006 (L2, L3), as glibc's cache-info code reads them.
     */
    public static final int L1_KIB = 32, L1_WAYS = 8, L3_KIB = 16 * 1024, L3_WAYS = 16, LINE = 64;
    public static final int INTEL_L2_KIB = 1024, INTEL_L2_WAYS = 16, AMD_L2_KIB = 512, AMD_L2_WAYS = 8;

    /** Leaf 4 subleaf {@code sub}: {EAX, EBX, ECX, EDX} of L1d, L1i, L2, L3, then the null type. */
    private static int[] leaf4(int sub) {
        int type, level, kib, ways;
        switch (sub) {
            case 0 -> { type = 1; level = 1; kib = L1_KIB; ways = L1_WAYS; }
            case 1 -> { type = 2; level = 1; kib = L1_KIB; ways = L1_WAYS; }
            case 2 -> { type = 3; level = 2; kib = INTEL_L2_KIB; ways = INTEL_L2_WAYS; }
            case 3 -> { type = 3; level = 3; kib = L3_KIB; ways = L3_WAYS; }
            default -> { return new int[4]; } // type 0: no more caches
        }
        int sets = kib * 1024 / (ways * LINE);
        // EAX: type, level, self-initialising (8); one thread shares it, one core per package (0s)
        // EBX: line size - 1, partitions - 1 (0), ways - 1; ECX: sets - 1; EDX: 0 (not inclusive)
        return new int[] {type | level << 5 | 1 << 8, (LINE - 1) | (ways - 1) << 22, sets - 1, 0};
    }

    /** AMD's associativity field of 0x80000006 (and Intel's L2 one): 8-way 6, 16-way 8. */
    private static int assocCode(int ways) {
        return ways == 16 ? 8 : ways == 8 ? 6 : ways == 4 ? 4 : ways == 2 ? 2 : 1;
    }

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
            case 2 -> {
                // Intel: one round (AL = 1), descriptor 0xFF: "leaf 4 has the cache parameters"
                a = intel ? 0xFF01 : 0;
                b = c = d = 0;
            }
            case 4 -> {
                int[] r = intel ? leaf4(sub) : new int[4];
                a = r[0];
                b = r[1];
                c = r[2];
                d = r[3];
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
            case 0x8000_0005 -> {
                // AMD: L1 data (ECX) and instruction (EDX): size KiB 31:24, ways 23:16, lines per tag 15:8, line 7:0
                // (the TLB words EAX/EBX are left 0); reserved on Intel
                a = b = 0;
                c = d = intel ? 0 : L1_KIB << 24 | L1_WAYS << 16 | 1 << 8 | LINE;
            }
            case 0x8000_0006 -> {
                // L2 (ECX): size KiB 31:16, associativity code 15:12, lines per tag 11:8 (AMD), line 7:0;
                // AMD's L3 (EDX): size in 512 KiB units 31:18, associativity 15:12, lines per tag, line
                int l2 = intel ? INTEL_L2_KIB : AMD_L2_KIB, l2Ways = intel ? INTEL_L2_WAYS : AMD_L2_WAYS;
                a = b = 0;
                c = l2 << 16 | assocCode(l2Ways) << 12 | (intel ? 0 : 1 << 8) | LINE;
                d = intel ? 0 : (L3_KIB / 512) << 18 | assocCode(L3_WAYS) << 12 | 1 << 8 | LINE;
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
