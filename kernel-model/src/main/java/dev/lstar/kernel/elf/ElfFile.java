package dev.lstar.kernel.elf;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A validated ELF64 little-endian x86-64 executable: {@code ET_EXEC} or {@code ET_DYN}
 * (static-pie), described by its ELF header and program headers (System V gABI, "ELF Header" and
 * "Program Header"; x86-64 psABI). Section headers are not needed to load a program and are
 * ignored.
 *
 * <p>{@link #parse(byte[])} rejects, with an {@link ElfException} whose one-line message names
 * the problem: a file without the ELF magic; a file cut short anywhere (ELF header, program
 * header table, or the file bytes of any segment); ELF32, big-endian or non-x86-64 files;
 * relocatable objects, core dumps and other non-executables; PT_LOAD segments that overlap, are not in ascending address
 * order, are misaligned (p_vaddr and p_offset must agree modulo p_align and modulo the 4 KiB
 * page, as Linux's mmap-based loader requires; not checked for a p_filesz 0 segment, whose
 * p_offset is never used), have p_memsz &lt; p_filesz, or do not fit in the 47-bit user address
 * space. A PT_INTERP is checked as Linux checks it (path of 2 to 4096 bytes inside the file,
 * NUL-terminated); the first one names the interpreter ({@link #interpreter}).
 *
 * <p>Two PT_LOADs may share a page (their exact ranges do not overlap); the loader has to map
 * such a page with the union of their permissions.
 */
public final class ElfFile {
    /** e_type values (gABI). */
    public static final int ET_NONE = 0, ET_REL = 1, ET_EXEC = 2, ET_DYN = 3, ET_CORE = 4;
    /** e_machine of x86-64. */
    public static final int EM_X86_64 = 62;
    /** Size of the ELF64 header. */
    public static final int EHDR_SIZE = 64;
    /**
     * Highest user address plus one that a segment may reach: Linux's TASK_SIZE_MAX for 4-level
     * paging, (1 &lt;&lt; 47) - 4096 (arch/x86/include/asm/page_64_types.h).
     */
    public static final long USER_LIMIT = (1L << 47) - 4096;
    /** Largest program header table accepted (Linux load_elf_phdrs refuses more than 64 KiB). */
    public static final int MAX_PHDR_TABLE = 65536;
    private static final long PAGE = 4096;
    /** Longest PT_INTERP Linux accepts (PATH_MAX, including the NUL). */
    public static final int PATH_MAX = 4096;

    /** Executable kinds lstar loads. */
    public enum Type {
        /** ET_EXEC: linked at fixed addresses. */
        EXEC,
        /** ET_DYN without PT_INTERP: a static position-independent executable, loaded at a bias. */
        DYN
    }

    private final byte[] data;
    private final Type type;
    private final int osAbi;
    private final long entry;
    private final long phoff;
    private final int phentsize;
    private final int phnum;
    private final List<ProgramHeader> programHeaders;
    private final List<ProgramHeader> loads;
    private final ProgramHeader tls;
    private final ProgramHeader gnuStack;
    private final String interpreter;

    private ElfFile(byte[] data, Type type, int osAbi, long entry, long phoff, int phentsize, int phnum,
            List<ProgramHeader> phdrs, List<ProgramHeader> loads, ProgramHeader tls, ProgramHeader gnuStack, String interpreter) {
        this.data = data;
        this.type = type;
        this.osAbi = osAbi;
        this.entry = entry;
        this.phoff = phoff;
        this.phentsize = phentsize;
        this.phnum = phnum;
        this.programHeaders = List.copyOf(phdrs);
        this.loads = List.copyOf(loads);
        this.tls = tls;
        this.gnuStack = gnuStack;
        this.interpreter = interpreter;
    }

    /**
     * Parses and validates {@code file} (not copied: do not modify it afterwards).
     *
     * @throws ElfException if lstar cannot load it, with the reason
     */
    public static ElfFile parse(byte[] file) {
        int len = file.length;
        if (len == 0) {
            throw new ElfException("truncated ELF file: the file is empty");
        }
        byte[] magic = {0x7f, 'E', 'L', 'F'};
        for (int i = 0; i < Math.min(4, len); i++) {
            if (file[i] != magic[i]) {
                throw new ElfException("not an ELF file: bad magic " + hexBytes(file, Math.min(4, len))
                        + " (expected 7f 45 4c 46)");
            }
        }
        if (len < 16) {
            throw new ElfException("truncated ELF file: " + len + " bytes, shorter than the 16-byte ELF identification");
        }
        int cls = file[4] & 0xff;
        if (cls == 1) {
            throw new ElfException("unsupported ELF class: ELF32 (32-bit) file; lstar runs 64-bit x86-64 (ELFCLASS64) executables");
        } else if (cls != 2) {
            throw new ElfException("invalid ELF class " + cls + " in e_ident");
        }
        int enc = file[5] & 0xff;
        if (enc == 2) {
            throw new ElfException("unsupported byte order: big-endian (ELFDATA2MSB) file; x86-64 executables are little-endian");
        } else if (enc != 1) {
            throw new ElfException("invalid ELF data encoding " + enc + " in e_ident");
        }
        if ((file[6] & 0xff) != 1) {
            throw new ElfException("unsupported ELF identification version " + (file[6] & 0xff) + " (expected 1)");
        }
        if (len < EHDR_SIZE) {
            throw new ElfException("truncated ELF file: " + len + " bytes, shorter than the 64-byte ELF64 header");
        }
        int eType = u16(file, 16);
        int machine = u16(file, 18);
        long version = u32(file, 20);
        long entry = u64(file, 24);
        long phoff = u64(file, 32);
        int ehsize = u16(file, 52);
        int phentsize = u16(file, 54);
        int phnum = u16(file, 56);

        if (machine != EM_X86_64) {
            throw new ElfException("wrong machine: " + machineName(machine) + "; lstar runs x86-64 (EM_X86_64 = 62) executables");
        }
        Type type = switch (eType) {
            case ET_EXEC -> Type.EXEC;
            case ET_DYN -> Type.DYN;
            case ET_REL -> throw new ElfException("not an executable: ET_REL (relocatable object file; link it first)");
            case ET_CORE -> throw new ElfException("not an executable: ET_CORE (core dump)");
            case ET_NONE -> throw new ElfException("not an executable: ET_NONE (no file type)");
            default -> throw new ElfException("not an executable: unknown ELF type 0x" + Integer.toHexString(eType));
        };
        if (version != 1) {
            throw new ElfException("unsupported ELF version " + version + " in e_version (expected 1)");
        }
        if (ehsize < EHDR_SIZE) {
            throw new ElfException("bad e_ehsize " + ehsize + " (the ELF64 header is 64 bytes)");
        }
        if (phnum == 0) {
            throw new ElfException("no program headers (e_phnum = 0): nothing to load");
        }
        if (phnum == 0xffff) {
            throw new ElfException("extended program header numbering (e_phnum = PN_XNUM) is not supported");
        }
        if (phentsize != ProgramHeader.SIZE) {
            throw new ElfException("bad e_phentsize " + phentsize + " (ELF64 program headers are 56 bytes)");
        }
        long tableSize = (long) phnum * ProgramHeader.SIZE;
        if (tableSize > MAX_PHDR_TABLE) {
            throw new ElfException("too many program headers: " + phnum + " (" + tableSize + " bytes, limit " + MAX_PHDR_TABLE + ")");
        }
        if (phoff < 0 || phoff > len || tableSize > len - phoff) {
            throw new ElfException("truncated ELF file: the program header table (" + phnum + " entries at offset 0x"
                    + Long.toHexString(phoff) + ") runs past the end of the " + len + "-byte file");
        }

        List<ProgramHeader> phdrs = new ArrayList<>(phnum);
        List<ProgramHeader> loads = new ArrayList<>();
        ProgramHeader tls = null;
        ProgramHeader gnuStack = null;
        String interp = null;
        for (int i = 0; i < phnum; i++) {
            int p = (int) (phoff + (long) i * ProgramHeader.SIZE);
            ProgramHeader ph = new ProgramHeader(i, (int) u32(file, p), (int) u32(file, p + 4), u64(file, p + 8),
                    u64(file, p + 16), u64(file, p + 24), u64(file, p + 32), u64(file, p + 40), u64(file, p + 48));
            phdrs.add(ph);
            String what = "segment " + i + " (" + ProgramHeader.typeName(ph.type()) + ")";
            if (ph.filesz() != 0 && (ph.offset() < 0 || ph.filesz() < 0 || ph.offset() > len || ph.filesz() > len - ph.offset())) {
                if (ph.filesz() < 0 || ph.offset() < 0) {
                    throw new ElfException(what + ": huge p_offset 0x" + Long.toHexString(ph.offset())
                            + " / p_filesz 0x" + Long.toHexString(ph.filesz()));
                }
                throw new ElfException("truncated ELF file: " + what + " file bytes [0x" + Long.toHexString(ph.offset())
                        + ", 0x" + Long.toHexString(ph.offset() + ph.filesz()) + ") run past the end of the "
                        + len + "-byte file");
            }
            switch (ph.type()) {
                case ProgramHeader.PT_INTERP -> { if (interp == null) interp = interpreterPath(file, ph); }
                case ProgramHeader.PT_LOAD -> {
                    checkLoad(what, ph);
                    if (!loads.isEmpty()) {
                        ProgramHeader prev = loads.getLast();
                        if (Long.compareUnsigned(ph.vaddr(), prev.vaddr()) < 0) {
                            throw new ElfException("PT_LOAD segments are not in ascending address order: segment " + i
                                    + " (p_vaddr 0x" + Long.toHexString(ph.vaddr()) + ") follows segment " + prev.index()
                                    + " (p_vaddr 0x" + Long.toHexString(prev.vaddr()) + ")");
                        }
                        if (ph.memsz() != 0 && prev.memsz() != 0 && ph.vaddr() < prev.end()) {
                            throw new ElfException("PT_LOAD segments " + prev.index() + " [0x" + Long.toHexString(prev.vaddr())
                                    + ", 0x" + Long.toHexString(prev.end()) + ") and " + i + " [0x" + Long.toHexString(ph.vaddr())
                                    + ", 0x" + Long.toHexString(ph.end()) + ") overlap");
                        }
                    }
                    loads.add(ph);
                }
                case ProgramHeader.PT_TLS -> {
                    if (tls != null) {
                        throw new ElfException("more than one PT_TLS segment (" + tls.index() + " and " + i + ")");
                    }
                    if (Long.compareUnsigned(ph.memsz(), ph.filesz()) < 0) {
                        throw new ElfException(what + ": p_memsz 0x" + Long.toHexString(ph.memsz())
                                + " is smaller than p_filesz 0x" + Long.toHexString(ph.filesz()));
                    }
                    if (ph.memsz() < 0 || ph.memsz() > USER_LIMIT) {
                        throw new ElfException(what + ": huge p_memsz 0x" + Long.toHexString(ph.memsz()));
                    }
                    if (ph.align() != 0 && Long.bitCount(ph.align()) != 1) {
                        throw new ElfException(what + ": p_align 0x" + Long.toHexString(ph.align()) + " is not a power of two");
                    }
                    tls = ph;
                }
                case ProgramHeader.PT_GNU_STACK -> gnuStack = ph;
                default -> {
                }
            }
        }
        if (loads.isEmpty()) {
            throw new ElfException("no PT_LOAD segment: nothing to load");
        }
        return new ElfFile(file, type, file[7] & 0xff, entry, phoff, phentsize, phnum, phdrs, loads, tls, gnuStack, interp);
    }

    private static void checkLoad(String what, ProgramHeader ph) {
        if (Long.compareUnsigned(ph.memsz(), ph.filesz()) < 0) {
            throw new ElfException(what + ": p_memsz 0x" + Long.toHexString(ph.memsz())
                    + " is smaller than p_filesz 0x" + Long.toHexString(ph.filesz()));
        }
        if (ph.vaddr() < 0 || ph.memsz() < 0 || ph.vaddr() > USER_LIMIT || ph.memsz() > USER_LIMIT - ph.vaddr()) {
            throw new ElfException(what + ": [0x" + Long.toHexString(ph.vaddr()) + " + p_memsz 0x" + Long.toHexString(ph.memsz())
                    + ") does not fit in the user address space below 0x" + Long.toHexString(USER_LIMIT) + " (huge size or address)");
        }
        if (ph.filesz() == 0) {
            return; // nothing is read from the file, so p_offset does not matter (Linux maps anonymous memory)
        }
        long align = ph.align();
        if (align > 1) {
            if (Long.bitCount(align) != 1) {
                throw new ElfException(what + ": p_align 0x" + Long.toHexString(align) + " is not a power of two");
            }
            if (((ph.vaddr() - ph.offset()) & (align - 1)) != 0) {
                throw new ElfException(what + " is misaligned: p_vaddr 0x" + Long.toHexString(ph.vaddr())
                        + " and p_offset 0x" + Long.toHexString(ph.offset()) + " differ modulo p_align 0x" + Long.toHexString(align));
            }
        }
        if (((ph.vaddr() - ph.offset()) & (PAGE - 1)) != 0) {
            throw new ElfException(what + " is misaligned: p_vaddr 0x" + Long.toHexString(ph.vaddr())
                    + " and p_offset 0x" + Long.toHexString(ph.offset()) + " differ modulo the 4 KiB page size");
        }
    }

    /**
     * The error for a PT_INTERP, checked as Linux's load_elf_binary checks it before it opens the
     * interpreter (-ENOEXEC for a path size outside 2..PATH_MAX or without its terminating NUL;
     * the generic check above has already refused file bytes past the end of the file, -EIO on
     * Linux). A well-formed one names the interpreter (up to its first NUL, as Linux opens it).
     */
    private static String interpreterPath(byte[] file, ProgramHeader ph) {
        if (ph.filesz() < 2 || ph.filesz() > PATH_MAX) {
            throw new ElfException("PT_INTERP: bad interpreter path size " + Long.toUnsignedString(ph.filesz())
                    + " (2 to " + PATH_MAX + " bytes)");
        }
        int start = (int) ph.offset();
        int last = start + (int) ph.filesz() - 1;
        if (file[last] != 0) {
            throw new ElfException("PT_INTERP: the interpreter path is not NUL-terminated");
        }
        int end = start;
        while (file[end] != 0) {
            end++;
        }
        return new String(file, start, end - start, StandardCharsets.ISO_8859_1);
    }

    /** {@code s} with control and non-ASCII characters as \xNN, so that a message stays one line. */
    public static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c < 0x20 || c >= 0x7f || c == '\\') {
                sb.append(String.format("\\x%02x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** Readable name of an e_machine value, with its number. */
    public static String machineName(int machine) {
        String name = switch (machine) {
            case 0 -> "EM_NONE (no machine)";
            case 2 -> "EM_SPARC (SPARC)";
            case 3 -> "EM_386 (Intel 80386, 32-bit x86)";
            case 8 -> "EM_MIPS (MIPS)";
            case 20 -> "EM_PPC (PowerPC)";
            case 21 -> "EM_PPC64 (64-bit PowerPC)";
            case 22 -> "EM_S390 (IBM S/390)";
            case 40 -> "EM_ARM (32-bit ARM)";
            case 43 -> "EM_SPARCV9 (SPARC v9 64-bit)";
            case 50 -> "EM_IA_64 (Intel Itanium)";
            case 62 -> "EM_X86_64 (x86-64)";
            case 183 -> "EM_AARCH64 (64-bit ARM)";
            case 243 -> "EM_RISCV (RISC-V)";
            case 258 -> "EM_LOONGARCH (LoongArch)";
            default -> null;
        };
        return name == null ? "e_machine " + machine : name.replace(" (", " = " + machine + " (");
    }

    private static int u16(byte[] b, int o) {
        return (b[o] & 0xff) | (b[o + 1] & 0xff) << 8;
    }

    private static long u32(byte[] b, int o) {
        return u16(b, o) | (long) u16(b, o + 2) << 16;
    }

    private static long u64(byte[] b, int o) {
        return u32(b, o) | u32(b, o + 4) << 32;
    }

    private static String hexBytes(byte[] b, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(i == 0 ? "" : " ").append(String.format("%02x", b[i] & 0xff));
        }
        return sb.toString();
    }

    /** EXEC or DYN. */
    public Type type() {
        return type;
    }

    /** e_ident[EI_OSABI] (0 = System V, 3 = GNU/Linux); not checked, as Linux does not. */
    public int osAbi() {
        return osAbi;
    }

    /** e_entry (for DYN, relative to the load bias). */
    public long entry() {
        return entry;
    }

    /** e_phoff. */
    public long phoff() {
        return phoff;
    }

    /** e_phentsize (always 56 after validation). */
    public int phentsize() {
        return phentsize;
    }

    /** e_phnum. */
    public int phnum() {
        return phnum;
    }

    /** All program headers in table order. */
    public List<ProgramHeader> programHeaders() {
        return programHeaders;
    }

    /** The PT_LOAD segments, in (ascending) address order. */
    public List<ProgramHeader> loadSegments() {
        return loads;
    }

    /** The PT_TLS segment (the TLS initialisation image), if any. */
    public Optional<ProgramHeader> tls() {
        return Optional.ofNullable(tls);
    }

    /** The interpreter the first PT_INTERP names (up to its first NUL, as Linux opens it), if any. */
    public Optional<String> interpreter() {
        return Optional.ofNullable(interpreter);
    }

    /** The PT_GNU_STACK header (its flags say whether the stack is executable), if any. */
    public Optional<ProgramHeader> gnuStack() {
        return Optional.ofNullable(gnuStack);
    }

    /** The first PT_LOAD's address rounded down to a page: the link-time base of the image. */
    public long loadStart() {
        return loads.getFirst().vaddr() & -PAGE;
    }

    /** The end of the highest PT_LOAD rounded up to a page. */
    public long loadEnd() {
        long end = 0;
        for (ProgramHeader ph : loads) {
            end = Math.max(end, ph.end());
        }
        return (end + PAGE - 1) & -PAGE;
    }

    /** A copy of the file bytes of {@code ph} ({@code p_filesz} bytes from {@code p_offset}). */
    public byte[] fileBytes(ProgramHeader ph) {
        if (ph.filesz() == 0) {
            return new byte[0]; // a bss-only segment: its p_offset may be anything, even past the end of the file
        }
        byte[] out = new byte[(int) ph.filesz()];
        System.arraycopy(data, (int) ph.offset(), out, 0, out.length);
        return out;
    }
}
