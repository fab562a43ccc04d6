package dev.lstar.api.gdb;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.ops.X87;

/**
 * The register file gdb sees, in the order of the target description ({@link #TARGET_XML}): the
 * numbers of {@code p}/{@code P} and the layout of {@code g}/{@code G}. All little-endian.
 *
 * <pre>
 *  0-15  rax rbx rcx rdx rsi rdi rbp rsp r8..r15   (64)
 *  16    rip (64)      17 eflags (32)      18-23 cs ss ds es fs gs (32)
 *  24-31 st0..st7 (80, ST(i) relative to TOP)
 *  32-39 fctrl fstat ftag fiseg fioff foseg fooff fop (32)
 *  40-55 xmm0..xmm15 (128)   56 mxcsr (32)   57 orig_rax (64)   58 fs_base 59 gs_base (64)
 * </pre>
 */
final class X86Registers {
    private X86Registers() {}

    static final int RIP = 16, EFLAGS = 17, ST0 = 24, FCTRL = 32, XMM0 = 40, MXCSR = 56, ORIG_RAX = 57, FS_BASE = 58, GS_BASE = 59;
    static final int COUNT = 60;

    /** gdb's order of the first 16 registers, as lstar's {@link Cpu#r} indices. */
    private static final int[] GPR = {Cpu.RAX, Cpu.RBX, Cpu.RCX, Cpu.RDX, Cpu.RSI, Cpu.RDI, Cpu.RBP, Cpu.RSP,
        8, 9, 10, 11, 12, 13, 14, 15};
    private static final int[] SEG = {Cpu.CS, Cpu.SS, Cpu.DS, Cpu.ES, Cpu.FS, Cpu.GS};
    private static final String[] GPR_NAMES = {"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};

    /** Width of register {@code n} in bytes, or -1 if there is no such register. */
    static int size(int n) {
        if (n < 0 || n >= COUNT) return -1;
        if (n < 17) return 8;
        if (n < ST0) return 4;
        if (n < FCTRL) return 10;
        if (n < XMM0) return 4;
        if (n < MXCSR) return 16;
        if (n == MXCSR) return 4;
        return 8;
    }

    /** Register {@code n}'s bytes. {@code origRax} is what the stub reports for orig_rax. */
    static byte[] read(Cpu c, int n, long origRax) {
        byte[] b = new byte[size(n)];
        if (n < 16) put(b, 0, c.r[GPR[n]], 8);
        else if (n == RIP) put(b, 0, c.rip, 8);
        else if (n == EFLAGS) put(b, 0, c.getRflags(), 4);
        else if (n < ST0) put(b, 0, c.segSel[SEG[n - 18]], 4);
        else if (n < FCTRL) {
            long[] st = X87.stRead(c, n - ST0);
            put(b, 0, st[0], 8);
            put(b, 8, st[1], 2);
        } else if (n < XMM0) {
            long v = switch (n - FCTRL) {
                case 0 -> c.fcw;
                case 1 -> c.fsw & 0xFFFF;
                case 2 -> X87.tagWord(c);
                case 3 -> c.fip >>> 32 & 0xFFFF; // fiseg: 64-bit FXSAVE has no selectors; the high half of FIP
                case 4 -> c.fip & 0xFFFF_FFFFL;
                case 5 -> c.fdp >>> 32 & 0xFFFF;
                case 6 -> c.fdp & 0xFFFF_FFFFL;
                default -> c.fop & 0x7FF;
            };
            put(b, 0, v, 4);
        } else if (n < MXCSR) {
            int x = n - XMM0;
            put(b, 0, c.xmm[2 * x], 8);
            put(b, 8, c.xmm[2 * x + 1], 8);
        } else if (n == MXCSR) put(b, 0, c.mxcsr, 4);
        else if (n == ORIG_RAX) put(b, 0, origRax, 8);
        else if (n == FS_BASE) put(b, 0, c.segBase[Cpu.FS], 8);
        else put(b, 0, c.segBase[Cpu.GS], 8);
        return b;
    }

    /**
     * Writes register {@code n} from {@code b} at {@code off}; false if the processor would not
     * take the value (a segment selector other than the current one, a non-canonical base, MXCSR
     * reserved bits). orig_rax is not written here (the stub keeps it).
     */
    static boolean write(Cpu c, int n, byte[] b, int off) {
        long v = get(b, off, Math.min(size(n), 8));
        if (n < 16) c.r[GPR[n]] = v;
        else if (n == RIP) c.rip = v;
        else if (n == EFLAGS) c.setRflags(v & 0xFFFF_FFFFL);
        else if (n < ST0) return (v & 0xFFFF) == c.segSel[SEG[n - 18]]; // loading a selector is not modelled here
        else if (n < FCTRL) X87.stWrite(c, n - ST0, v, (int) get(b, off + 8, 2));
        else if (n < XMM0) {
            switch (n - FCTRL) {
                case 0 -> X87.loadControlWord(c, (int) v);
                case 1 -> c.fsw = (int) (v & 0xFFFF);
                case 2 -> X87.setTagWord(c, (int) v);
                case 3 -> c.fip = (c.fip & 0xFFFF_FFFFL) | (v & 0xFFFF) << 32;
                case 4 -> c.fip = (c.fip & ~0xFFFF_FFFFL) | (v & 0xFFFF_FFFFL);
                case 5 -> c.fdp = (c.fdp & 0xFFFF_FFFFL) | (v & 0xFFFF) << 32;
                case 6 -> c.fdp = (c.fdp & ~0xFFFF_FFFFL) | (v & 0xFFFF_FFFFL);
                default -> c.fop = (int) (v & 0x7FF);
            }
        } else if (n < MXCSR) {
            int x = n - XMM0;
            c.xmm[2 * x] = v;
            c.xmm[2 * x + 1] = get(b, off + 8, 8);
        } else if (n == MXCSR) {
            if ((v & ~0xFFFFL) != 0) return false; // #GP for FXRSTOR/LDMXCSR; MXCSR_MASK is 0xFFFF
            c.mxcsr = (int) v;
        } else if (n == FS_BASE || n == GS_BASE) {
            if (!c.canonical(v)) return false;
            c.segBase[n == FS_BASE ? Cpu.FS : Cpu.GS] = v;
        }
        return true;
    }

    static void put(byte[] b, int off, long v, int n) {
        for (int k = 0; k < n; k++) b[off + k] = (byte) (v >>> (8 * k));
    }

    static long get(byte[] b, int off, int n) {
        long v = 0;
        for (int k = n - 1; k >= 0; k--) v = v << 8 | (b[off + k] & 0xFF);
        return v;
    }

    /** The target description: gdb's x86-64 feature names, lstar's own layout of them. */
    static final String TARGET_XML = buildXml();

    private static String buildXml() {
        StringBuilder x = new StringBuilder();
        x.append("<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n<target version=\"1.0\">\n");
        x.append("<architecture>i386:x86-64</architecture>\n<osabi>GNU/Linux</osabi>\n");
        x.append("<feature name=\"org.gnu.gdb.i386.core\">\n");
        x.append("<flags id=\"lstar_eflags\" size=\"4\">");
        String[] fl = {"CF", "", "PF", "", "AF", "", "ZF", "SF", "TF", "IF", "DF", "OF", "", "", "NT", "", "RF", "VM", "AC", "VIF", "VIP", "ID"};
        for (int k = 0; k < fl.length; k++) {
            if (!fl[k].isEmpty()) x.append("<field name=\"").append(fl[k]).append("\" start=\"").append(k).append("\" end=\"").append(k).append("\"/>");
        }
        x.append("</flags>\n");
        for (int k = 0; k < 16; k++) {
            String type = k == 6 || k == 7 ? "data_ptr" : "int64";
            reg(x, GPR_NAMES[k], 64, type, null);
        }
        reg(x, "rip", 64, "code_ptr", null);
        reg(x, "eflags", 32, "lstar_eflags", null);
        for (String s : new String[] {"cs", "ss", "ds", "es", "fs", "gs"}) reg(x, s, 32, "int32", null);
        for (int k = 0; k < 8; k++) reg(x, "st" + k, 80, "i387_ext", null);
        for (String s : new String[] {"fctrl", "fstat", "ftag", "fiseg", "fioff", "foseg", "fooff", "fop"}) {
            reg(x, s, 32, "int", "float");
        }
        x.append("</feature>\n<feature name=\"org.gnu.gdb.i386.sse\">\n");
        x.append("<vector id=\"lstar_v4f\" type=\"ieee_single\" count=\"4\"/>");
        x.append("<vector id=\"lstar_v2d\" type=\"ieee_double\" count=\"2\"/>");
        x.append("<vector id=\"lstar_v16i8\" type=\"int8\" count=\"16\"/>");
        x.append("<vector id=\"lstar_v8i16\" type=\"int16\" count=\"8\"/>");
        x.append("<vector id=\"lstar_v4i32\" type=\"int32\" count=\"4\"/>");
        x.append("<vector id=\"lstar_v2i64\" type=\"int64\" count=\"2\"/>\n");
        x.append("<union id=\"lstar_vec128\"><field name=\"v4_float\" type=\"lstar_v4f\"/>"
                + "<field name=\"v2_double\" type=\"lstar_v2d\"/><field name=\"v16_int8\" type=\"lstar_v16i8\"/>"
                + "<field name=\"v8_int16\" type=\"lstar_v8i16\"/><field name=\"v4_int32\" type=\"lstar_v4i32\"/>"
                + "<field name=\"v2_int64\" type=\"lstar_v2i64\"/><field name=\"uint128\" type=\"uint128\"/></union>\n");
        for (int k = 0; k < 16; k++) reg(x, "xmm" + k, 128, "lstar_vec128", "vector");
        reg(x, "mxcsr", 32, "int", "vector");
        x.append("</feature>\n<feature name=\"org.gnu.gdb.i386.linux\">\n");
        reg(x, "orig_rax", 64, "int", "system");
        x.append("</feature>\n<feature name=\"org.gnu.gdb.i386.segments\">\n");
        reg(x, "fs_base", 64, "int", null);
        reg(x, "gs_base", 64, "int", null);
        x.append("</feature>\n</target>\n");
        return x.toString();
    }

    private static void reg(StringBuilder x, String name, int bits, String type, String group) {
        x.append("<reg name=\"").append(name).append("\" bitsize=\"").append(bits).append("\" type=\"").append(type).append('"');
        if (group != null) x.append(" group=\"").append(group).append('"');
        x.append("/>\n");
    }
}
