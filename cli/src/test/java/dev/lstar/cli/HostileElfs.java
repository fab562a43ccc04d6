package dev.lstar.cli;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * A generator of malformed x86-64 executables, derived from small valid static ones: truncations,
 * bit flips, ELF and program header fields set to extreme values, overlapping segments, segments
 * and entry points in the kernel half or at non-canonical addresses, PT_INTERP variants, ET_DYN
 * without PT_DYNAMIC, wrong class, byte order, machine, version and type.
 *
 * <p>Each {@link Case} says whether it is safe to run natively ({@code nativeSafe}): only
 * mutations that leave the executable code and e_entry as they were (so that whatever the real
 * kernel maps, it runs none but the base program's instructions or faults at once).
 */
final class HostileElfs {
    private HostileElfs() {}

    /** One generated file. */
    record Case(String family, String name, byte[] bytes, boolean nativeSafe) {}

    /** A valid starting point: its bytes, and what it does when run (exit status, stdout). */
    record Base(String name, byte[] bytes, int status, String stdout) {}

    // ELF header field offsets and widths (gABI, ELF64)
    static final int[][] EHDR_FIELDS = {
        {16, 2}, {18, 2}, {20, 4}, {24, 8}, {32, 8}, {40, 8}, {48, 4}, {52, 2}, {54, 2}, {56, 2}, {58, 2}, {60, 2}, {62, 2}};
    static final String[] EHDR_NAMES = {"e_type", "e_machine", "e_version", "e_entry", "e_phoff", "e_shoff", "e_flags",
        "e_ehsize", "e_phentsize", "e_phnum", "e_shentsize", "e_shnum", "e_shstrndx"};
    /** Fields Linux's loader never looks at: any value must leave the program running as before. */
    static final Set<String> IGNORED_BY_LINUX = Set.of("e_shoff", "e_flags", "e_shentsize", "e_shnum", "e_shstrndx", "p_paddr");
    // program header field offsets and widths
    static final int[][] PHDR_FIELDS = {{0, 4}, {4, 4}, {8, 8}, {16, 8}, {24, 8}, {32, 8}, {40, 8}, {48, 8}};
    static final String[] PHDR_NAMES = {"p_type", "p_flags", "p_offset", "p_vaddr", "p_paddr", "p_filesz", "p_memsz", "p_align"};

    /** Extreme values for every field (truncated to the field's width). */
    static long[] extremes(int fileLength) {
        return new long[] {0, 1, 2, 7, 0x38, 0x40, 0xfff, 0x1000, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffffL, 0x80000000L,
            0xffffffffL, 0x100000000L, 0x7fffffffffffL, 0x7ffffffff000L, 0x800000000000L, 0x1L << 56, 1L << 63,
            Long.MAX_VALUE, -1L, -4096L, 0xffff800000000000L, 0xffffffff81000000L, fileLength - 1, fileLength, fileLength + 1};
    }

    // ---- the minimal valid executable, built here ----

    /**
     * A 173-byte static executable: one R+X PT_LOAD (the whole file) at {@code base}, one bss-only
     * R+W PT_LOAD (p_filesz 0) 8 KiB above it; the code writes "mini!\n", stores 7 in the bss,
     * loads it back and exits with it. Position independent, so the same bytes make the ET_DYN variant.
     */
    static byte[] mini(boolean dyn) {
        long base = dyn ? 0 : 0x400000;
        int codeOff = 64 + 2 * 56;
        long bss = 0x2000;
        ByteBuffer code = ByteBuffer.allocate(53).order(ByteOrder.LITTLE_ENDIAN);
        code.put(new byte[] {(byte) 0xb8, 1, 0, 0, 0}); // mov $1,%eax (write)
        code.put(new byte[] {(byte) 0xbf, 1, 0, 0, 0}); // mov $1,%edi
        code.put(new byte[] {0x48, (byte) 0x8d, 0x35}).putInt(47 - 17); // lea msg(%rip),%rsi
        code.put(new byte[] {(byte) 0xba, 6, 0, 0, 0}); // mov $6,%edx
        code.put(new byte[] {0x0f, 0x05}); // syscall
        code.put(new byte[] {(byte) 0xc7, 0x05}).putInt((int) (bss - codeOff - 34)).putInt(7); // movl $7,bss(%rip)
        code.put(new byte[] {(byte) 0x8b, 0x3d}).putInt((int) (bss - codeOff - 40)); // mov bss(%rip),%edi
        code.put(new byte[] {(byte) 0xb8, 60, 0, 0, 0}); // mov $60,%eax (exit)
        code.put(new byte[] {0x0f, 0x05}); // syscall
        code.put("mini!\n".getBytes(StandardCharsets.US_ASCII));
        int size = codeOff + code.capacity();
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0});
        b.putShort((short) (dyn ? 3 : 2)).putShort((short) 62).putInt(1).putLong(base + codeOff).putLong(64).putLong(0)
                .putInt(0).putShort((short) 64).putShort((short) 56).putShort((short) 2).putShort((short) 64)
                .putShort((short) 0).putShort((short) 0);
        b.putInt(1).putInt(5).putLong(0).putLong(base).putLong(base).putLong(size).putLong(size).putLong(0x1000);
        b.putInt(1).putInt(6).putLong(0).putLong(base + bss).putLong(base + bss).putLong(0).putLong(0x1000).putLong(0x1000);
        b.put(code.array());
        return b.array();
    }

    // ---- little-endian field access ----

    static long get(byte[] b, int off, int width) {
        long v = 0;
        for (int i = width - 1; i >= 0; i--) v = v << 8 | (b[off + i] & 0xff);
        return v;
    }

    static byte[] with(byte[] b, int off, int width, long v) {
        byte[] c = b.clone();
        for (int i = 0; i < width; i++) c[off + i] = (byte) (v >>> (8 * i));
        return c;
    }

    static int phoff(byte[] b) {
        return (int) get(b, 32, 8);
    }

    static int phnum(byte[] b) {
        return (int) get(b, 56, 2);
    }

    static int ph(byte[] b, int i) {
        return phoff(b) + 56 * i;
    }

    static int type(byte[] b, int i) {
        return (int) get(b, ph(b, i), 4);
    }

    /** The index of the (first) executable PT_LOAD, whose placement and bytes native runs must not change. */
    static int textSegment(byte[] b) {
        for (int i = 0; i < phnum(b); i++) {
            if (type(b, i) == 1 && (get(b, ph(b, i) + 4, 4) & 1) != 0) return i;
        }
        return -1;
    }

    // ---- the generator ----

    /**
     * All cases for {@code bases}; {@code randomPerBase} random truncations, bit flips and byte
     * corruptions each per base (seeded: the same seed gives the same files).
     */
    static List<Case> generate(List<Base> bases, long seed, int randomPerBase) {
        List<Case> out = new ArrayList<>();
        Random rnd = new Random(seed);
        for (Base base : bases) {
            byte[] b = base.bytes();
            String n = base.name();
            int text = textSegment(b);
            int textStart = (int) get(b, ph(b, text) + 8, 8), textEnd = textStart + (int) get(b, ph(b, text) + 32, 8);
            out.add(new Case("valid", n, b, true));

            // truncations: every header field boundary, every segment's file end and its neighbours, random points
            Set<Integer> cuts = new java.util.TreeSet<>();
            for (int c : new int[] {0, 1, 3, 4, 5, 6, 7, 8, 15, 16}) cuts.add(c);
            for (int[] f : EHDR_FIELDS) { cuts.add(f[0]); cuts.add(f[0] + 1); cuts.add(f[0] + f[1] - 1); }
            for (int i = 0; i < phnum(b); i++) {
                for (int[] f : PHDR_FIELDS) { cuts.add(ph(b, i) + f[0]); cuts.add(ph(b, i) + f[0] + f[1] - 1); }
                long end = get(b, ph(b, i) + 8, 8) + get(b, ph(b, i) + 32, 8);
                cuts.add((int) end - 1); cuts.add((int) end); cuts.add((int) get(b, ph(b, i) + 8, 8));
            }
            cuts.add(ph(b, phnum(b)));
            for (int i = 0; i < randomPerBase; i++) cuts.add(rnd.nextInt(b.length));
            for (int c : cuts) {
                if (c >= 0 && c < b.length) out.add(new Case("truncate", n + " cut at " + c, Arrays.copyOf(b, c), true));
            }

            // single bit flips: every bit of the ELF header, random bits of the program headers and the rest
            int phEnd = ph(b, phnum(b));
            for (int bit = 0; bit < 64 * 8; bit++) {
                boolean safe = !(bit / 8 >= 24 && bit / 8 < 32) && !(bit / 8 >= 32 && bit / 8 < 40); // not e_entry, e_phoff
                out.add(new Case("bitflip-ehdr", n + " bit " + bit, flip(b, bit), safe));
            }
            for (int i = 0; i < randomPerBase; i++) {
                int bit = 64 * 8 + rnd.nextInt((phEnd - 64) * 8);
                out.add(new Case("bitflip-phdr", n + " bit " + bit, flip(b, bit), false));
            }
            for (int i = 0; i < randomPerBase / 2; i++) {
                int bit = rnd.nextInt(b.length * 8);
                boolean inText = bit / 8 >= textStart && bit / 8 < textEnd;
                out.add(new Case("bitflip-any", n + " bit " + bit, flip(b, bit), !inText && bit / 8 >= phEnd));
            }
            for (int i = 0; i < randomPerBase / 4; i++) { // a few random bytes overwritten in the headers
                byte[] c = b.clone();
                StringBuilder what = new StringBuilder();
                for (int k = 1 + rnd.nextInt(4); k > 0; k--) {
                    int at = rnd.nextInt(phEnd);
                    c[at] = (byte) rnd.nextInt(256);
                    what.append(' ').append(at);
                }
                out.add(new Case("corrupt-headers", n + " bytes" + what, c, false));
            }

            // ELF header fields at extreme values
            for (int f = 0; f < EHDR_FIELDS.length; f++) {
                Set<Long> seen = new HashSet<>();
                for (long v : extremes(b.length)) {
                    long w = EHDR_FIELDS[f][1] == 8 ? v : v & ((1L << (8 * EHDR_FIELDS[f][1])) - 1);
                    if (!seen.add(w) || w == get(b, EHDR_FIELDS[f][0], EHDR_FIELDS[f][1])) continue;
                    boolean safe = !EHDR_NAMES[f].equals("e_entry") && !EHDR_NAMES[f].equals("e_phoff");
                    out.add(new Case(IGNORED_BY_LINUX.contains(EHDR_NAMES[f]) ? "ignored-field" : "ehdr-extreme",
                            n + " " + EHDR_NAMES[f] + "=0x" + Long.toHexString(w), with(b, EHDR_FIELDS[f][0], EHDR_FIELDS[f][1], w), safe));
                }
            }
            // program header fields at extreme values
            for (int i = 0; i < phnum(b); i++) {
                for (int f = 0; f < PHDR_FIELDS.length; f++) {
                    Set<Long> seen = new HashSet<>();
                    int at = ph(b, i) + PHDR_FIELDS[f][0], width = PHDR_FIELDS[f][1];
                    for (long v : extremes(b.length)) {
                        long w = width == 8 ? v : v & ((1L << (8 * width)) - 1);
                        if (!seen.add(w) || w == get(b, at, width)) continue;
                        // the text segment's place, bytes and rights decide what runs: not natively
                        boolean safe = i != text || PHDR_NAMES[f].equals("p_paddr") || PHDR_NAMES[f].equals("p_align");
                        out.add(new Case(IGNORED_BY_LINUX.contains(PHDR_NAMES[f]) ? "ignored-field" : "phdr-extreme",
                                n + " phdr " + i + " " + PHDR_NAMES[f] + "=0x" + Long.toHexString(w), with(b, at, width, v), safe));
                    }
                }
            }

            // e_ident, e_type, e_machine, e_version: wrong values
            for (int cls : new int[] {0, 1, 3, 0xff}) out.add(new Case("ident", n + " EI_CLASS=" + cls, with(b, 4, 1, cls), true));
            for (int d : new int[] {0, 2, 3, 0xff}) out.add(new Case("ident", n + " EI_DATA=" + d, with(b, 5, 1, d), true));
            for (int v : new int[] {0, 2, 0xff}) out.add(new Case("ident", n + " EI_VERSION=" + v, with(b, 6, 1, v), true));
            for (int v : new int[] {3, 0x61, 0xff}) out.add(new Case("ignored-field", n + " EI_OSABI=" + v, with(b, 7, 1, v), true));
            for (int t : new int[] {0, 1, 4, 5, 0xfe00, 0xff00, 0xffff}) out.add(new Case("type", n + " e_type=" + t, with(b, 16, 2, t), true));
            for (int m : new int[] {0, 3, 40, 183, 243, 0xffff}) out.add(new Case("machine", n + " e_machine=" + m, with(b, 18, 2, m), true));
            // big-endian rewrite of the whole header (class 2, data 2, swapped fields)
            out.add(new Case("ident", n + " big-endian header", bigEndianHeader(b), true));

            // e_entry: kernel half, non-canonical, the top user page, unmapped, the stack, each byte of the text
            for (long e : new long[] {0, 0xfff, 0x7ffffffff000L, 0x7fffffffefffL, 0x7fffffffffffL, 0x800000000000L,
                0x0000800000001000L, 0x1L << 62, 1L << 63, 0xffff800000000000L, 0xffff888001000000L, 0xffffffff81000000L,
                0xfffffffffffff000L, -2L, -1L, 0x7ffffffde000L}) {
                out.add(new Case("entry", n + " e_entry=0x" + Long.toHexString(e), with(b, 24, 8, e), false));
            }
            long vbase = get(b, ph(b, text) + 16, 8) - textStart;
            for (int off = textStart; off < textEnd; off += Math.max(1, (textEnd - textStart) / 24)) {
                out.add(new Case("entry", n + " e_entry=text+" + (off - textStart), with(b, 24, 8, vbase + off), false));
            }

            // segments overlapping each other, out of order, in the kernel half, non-canonical, at the stack
            List<Integer> loads = new ArrayList<>();
            for (int i = 0; i < phnum(b); i++) if (type(b, i) == 1) loads.add(i);
            for (int x : loads) {
                for (int y : loads) {
                    if (x == y) continue;
                    long vx = get(b, ph(b, x) + 16, 8), mx = get(b, ph(b, x) + 40, 8);
                    for (long delta : new long[] {0, 8, mx / 2, mx - 1}) {
                        byte[] c = with(b, ph(b, y) + 16, 8, vx + delta);
                        c = with(c, ph(c, y) + 8, 8, get(b, ph(b, y) + 8, 8) - (get(b, ph(b, y) + 16, 8) & 0xfff) + ((vx + delta) & 0xfff));
                        out.add(new Case("overlap", n + " segment " + y + " moved to segment " + x + "+" + delta, c, false));
                    }
                    out.add(new Case("overlap", n + " segment " + y + " memsz covering " + x,
                            with(b, ph(b, y) + 40, 8, Math.max(get(b, ph(b, y) + 40, 8), vx + mx - get(b, ph(b, y) + 16, 8) + 0x1000)), false));
                }
            }
            for (int x : loads) {
                for (long va : new long[] {0x7ffffffff000L, 0x7ffffffdf000L, 0x7fffff7ff000L, 0x800000000000L, 0xffff800000000000L,
                    0xffffffff81000000L, 0xfffffe0000000000L, 0xffff888001000000L, 0x0000900000000000L, 0x1000, 0}) {
                    long page = va + (get(b, ph(b, x) + 16, 8) & 0xfff);
                    out.add(new Case("address", n + " segment " + x + " at 0x" + Long.toHexString(page), with(b, ph(b, x) + 16, 8, page), false));
                }
            }

            // PT_INTERP variants: a non-LOAD header (or the last LOAD's bss-only neighbour) becomes PT_INTERP
            int victim = -1;
            for (int i = phnum(b) - 1; i >= 0 && victim < 0; i--) if (type(b, i) != 1) victim = i;
            if (victim >= 0) {
                byte[][] paths = {"/nonexistent/ld-lstar.so.2\0".getBytes(StandardCharsets.ISO_8859_1), "\0\0".getBytes(StandardCharsets.ISO_8859_1),
                    "\0".getBytes(StandardCharsets.ISO_8859_1), "/lib64/ld-linux".getBytes(StandardCharsets.ISO_8859_1),
                    "no/such/relative\0".getBytes(StandardCharsets.ISO_8859_1), "/nonexistent\nsecond line\0".getBytes(StandardCharsets.ISO_8859_1),
                    "/nonexistent\0trailing\0".getBytes(StandardCharsets.ISO_8859_1)};
                for (byte[] p : paths) {
                    byte[] c = Arrays.copyOf(b, b.length + p.length);
                    System.arraycopy(p, 0, c, b.length, p.length);
                    c = with(c, ph(c, victim), 4, 3);
                    c = with(c, ph(c, victim) + 8, 8, b.length);
                    c = with(c, ph(c, victim) + 32, 8, p.length);
                    out.add(new Case("interp", n + " PT_INTERP \"" + new String(p, StandardCharsets.ISO_8859_1).replace("\0", "\\0").replace("\n", "\\n") + "\"", c, true));
                }
                for (long[] of : new long[][] {{0x80000000L, 8}, {0xffffffffL, 8}, {1L << 63, 8}, {-1L, 8}, {0x80000000L, 0}, {0xffffffffL, 0},
                    {-1L, 0}, {0, 0}, {0, 1}, {b.length, 2}, {b.length - 1, 2}, {0, 4097}, {0, 0x7fffffffffffffffL}, {0, -1L}}) {
                    byte[] c = with(b, ph(b, victim), 4, 3);
                    c = with(c, ph(c, victim) + 8, 8, of[0]);
                    c = with(c, ph(c, victim) + 32, 8, of[1]);
                    out.add(new Case("interp", n + " PT_INTERP offset 0x" + Long.toHexString(of[0]) + " size 0x" + Long.toHexString(of[1]), c, true));
                }
            }
            // ET_DYN without PT_DYNAMIC (PT_DYNAMIC made PT_NULL), and ET_EXEC <-> ET_DYN swaps
            for (int i = 0; i < phnum(b); i++) {
                if (type(b, i) == 2) out.add(new Case("dyn", n + " PT_DYNAMIC removed", with(b, ph(b, i), 4, 0), true));
            }
            out.add(new Case("dyn", n + " e_type swapped", with(b, 16, 2, get(b, 16, 2) == 2 ? 3 : 2), false));
            // bss-only PT_LOAD with p_offset anywhere (nothing is read from the file)
            for (int i : loads) {
                if (get(b, ph(b, i) + 32, 8) != 0) continue;
                for (long off : new long[] {b.length, b.length + 1L, 0x80000000L, 0xffffffffL, 0x7ffffffffffff000L, -1L, 0x123}) {
                    out.add(new Case("bss-offset", n + " phdr " + i + " p_offset=0x" + Long.toHexString(off), with(b, ph(b, i) + 8, 8, off), true));
                }
            }
        }
        return out;
    }

    static byte[] flip(byte[] b, int bit) {
        byte[] c = b.clone();
        c[bit / 8] ^= (byte) (1 << (bit % 8));
        return c;
    }

    /** The ELF header and program headers rewritten big-endian (EI_DATA = ELFDATA2MSB). */
    static byte[] bigEndianHeader(byte[] b) {
        byte[] c = b.clone();
        c[5] = 2;
        for (int[] f : EHDR_FIELDS) swap(c, f[0], f[1]);
        for (int i = 0; i < phnum(b); i++) {
            for (int[] f : PHDR_FIELDS) swap(c, ph(b, i) + f[0], f[1]);
        }
        return c;
    }

    private static void swap(byte[] c, int off, int width) {
        for (int i = 0; i < width / 2; i++) {
            byte t = c[off + i];
            c[off + i] = c[off + width - 1 - i];
            c[off + width - 1 - i] = t;
        }
    }
}
