package dev.lstar.cli;

import dev.lstar.kernel.KernelImage;
import dev.lstar.kernel.KernelSymbol;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The modelled kernel's entry image as a small ELF64 executable for gdb's {@code add-symbol-file}
 * ({@code lstar run --gdb-kernel}): one {@code .text} section at the image's link address with
 * the image's bytes (as assembled, before boot patches the alternatives: gdb disassembles the
 * live memory anyway), and a symbol table with every code symbol of {@code entry.sym}
 * ({@code entry_SYSCALL_64}, the exception stubs, the native C entry points).
 */
final class KernelSymbolFile {
    private KernelSymbolFile() {}

    private static final int EHDR = 64, PHDR = 56, SHDR = 64, SYM = 24, TEXT_OFFSET = 0x1000;

    static byte[] elf(KernelImage image) {
        byte[] text = image.bytes();
        long base = image.base();
        // symbols and their names
        ByteArrayOutputStream strtab = new ByteArrayOutputStream();
        strtab.write(0);
        List<long[]> syms = new ArrayList<>(); // {nameOffset, value, size, type}
        for (KernelSymbol s : image.symbols()) {
            if (s.kind() != KernelSymbol.Kind.TEXT && s.kind() != KernelSymbol.Kind.NATIVE) continue;
            int name = strtab.size();
            strtab.writeBytes(s.name().getBytes(StandardCharsets.UTF_8));
            strtab.write(0);
            syms.add(new long[] {name, s.value(), s.size(), s.size() > 0 || s.kind() == KernelSymbol.Kind.NATIVE ? 2 : 0});
        }
        byte[] shstr = "\0.text\0.symtab\0.strtab\0.shstrtab\0".getBytes(StandardCharsets.US_ASCII);
        int symtabOff = align(TEXT_OFFSET + text.length, 8);
        int symtabSize = SYM * (syms.size() + 1);
        int strtabOff = symtabOff + symtabSize;
        int shstrOff = strtabOff + strtab.size();
        int shOff = align(shstrOff + shstr.length, 8);
        ByteBuffer b = ByteBuffer.allocate(shOff + 5 * SHDR).order(ByteOrder.LITTLE_ENDIAN);
        // ELF header
        b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0});
        b.putShort((short) 2).putShort((short) 62).putInt(1).putLong(base).putLong(EHDR).putLong(shOff).putInt(0);
        b.putShort((short) EHDR).putShort((short) PHDR).putShort((short) 1).putShort((short) SHDR).putShort((short) 5).putShort((short) 4);
        // PT_LOAD R+X for the text
        b.putInt(1).putInt(5).putLong(TEXT_OFFSET).putLong(base).putLong(base).putLong(text.length).putLong(text.length).putLong(0x1000);
        b.position(TEXT_OFFSET);
        b.put(text);
        // .symtab: the null symbol, then global symbols in .text
        b.position(symtabOff);
        b.put(new byte[SYM]);
        for (long[] s : syms) {
            b.putInt((int) s[0]).put((byte) (1 << 4 | (int) s[3])).put((byte) 0).putShort((short) 1).putLong(s[1]).putLong(s[2]);
        }
        b.put(strtab.toByteArray());
        b.put(shstr);
        // section headers: null, .text, .symtab, .strtab, .shstrtab
        b.position(shOff);
        b.put(new byte[SHDR]);
        section(b, 1, 1, 6, base, TEXT_OFFSET, text.length, 0, 0, 16, 0);
        section(b, 7, 2, 0, 0, symtabOff, symtabSize, 3, 1, 8, SYM);
        section(b, 15, 3, 0, 0, strtabOff, strtab.size(), 0, 0, 1, 0);
        section(b, 23, 3, 0, 0, shstrOff, shstr.length, 0, 0, 1, 0);
        return b.array();
    }

    private static void section(ByteBuffer b, int name, int type, long flags, long addr, long off, long size,
                                int link, int info, long align, long entsize) {
        b.putInt(name).putInt(type).putLong(flags).putLong(addr).putLong(off).putLong(size)
                .putInt(link).putInt(info).putLong(align).putLong(entsize);
    }

    private static int align(int v, int a) {
        return (v + a - 1) & -a;
    }
}
