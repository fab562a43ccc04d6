package dev.lstar.kernel.elf;

/**
 * One ELF64 program header (System V gABI, "Program Header"). Sizes and addresses are unsigned
 * 64-bit values carried in {@code long}s; {@link ElfFile} has already rejected any that would
 * not fit the user address space or the file.
 *
 * @param index  position in the program header table
 * @param type   p_type ({@link #PT_LOAD}, ...)
 * @param flags  p_flags ({@link #PF_R} | {@link #PF_W} | {@link #PF_X})
 * @param offset p_offset: file offset of the segment's first byte
 * @param vaddr  p_vaddr
 * @param paddr  p_paddr (unused on Linux)
 * @param filesz p_filesz: bytes present in the file
 * @param memsz  p_memsz: bytes in memory (the rest after filesz is zero-filled)
 * @param align  p_align
 */
public record ProgramHeader(int index, int type, int flags, long offset, long vaddr, long paddr,
        long filesz, long memsz, long align) {

    public static final int PT_NULL = 0, PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3, PT_NOTE = 4,
            PT_SHLIB = 5, PT_PHDR = 6, PT_TLS = 7;
    public static final int PT_GNU_EH_FRAME = 0x6474e550, PT_GNU_STACK = 0x6474e551,
            PT_GNU_RELRO = 0x6474e552, PT_GNU_PROPERTY = 0x6474e553;
    public static final int PF_X = 1, PF_W = 2, PF_R = 4;

    /** Size of one ELF64 program header (e_phentsize). */
    public static final int SIZE = 56;

    public boolean readable() {
        return (flags & PF_R) != 0;
    }

    public boolean writable() {
        return (flags & PF_W) != 0;
    }

    public boolean executable() {
        return (flags & PF_X) != 0;
    }

    /** vaddr + memsz (exclusive end in memory). */
    public long end() {
        return vaddr + memsz;
    }

    /** readelf-style name of a p_type value, or its hex value. */
    public static String typeName(int type) {
        return switch (type) {
            case PT_NULL -> "NULL";
            case PT_LOAD -> "LOAD";
            case PT_DYNAMIC -> "DYNAMIC";
            case PT_INTERP -> "INTERP";
            case PT_NOTE -> "NOTE";
            case PT_SHLIB -> "SHLIB";
            case PT_PHDR -> "PHDR";
            case PT_TLS -> "TLS";
            case PT_GNU_EH_FRAME -> "GNU_EH_FRAME";
            case PT_GNU_STACK -> "GNU_STACK";
            case PT_GNU_RELRO -> "GNU_RELRO";
            case PT_GNU_PROPERTY -> "GNU_PROPERTY";
            default -> "0x" + Integer.toHexString(type);
        };
    }

    @Override
    public String toString() {
        return String.format("%s[%d] off=0x%x vaddr=0x%x filesz=0x%x memsz=0x%x %s%s%s align=0x%x",
                typeName(type), index, offset, vaddr, filesz, memsz,
                readable() ? "R" : "-", writable() ? "W" : "-", executable() ? "X" : "-", align);
    }
}
