package dev.lstar.kernel.elf;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An ELF64 x86-64 executable, {@code ET_EXEC} or {@code ET_DYN}, described by its ELF header and
 * program headers (System V gABI, "ELF Header" and "Program Header"; x86-64 psABI), accepted or
 * refused exactly as Linux's fs/binfmt_elf.c load_elf_binary does before exec's point of no
 * return. Section headers are not needed to load a program and are ignored.
 *
 * <p>{@link #parse(byte[])} refuses, with an {@link ElfException} whose one-line message names the
 * problem and whose errno is execve's: a file without the ELF magic, an e_type other than ET_EXEC
 * or ET_DYN, an e_machine other than EM_X86_64, e_phentsize other than 56, no program headers or
 * more than 64 KiB of them, a program header table the file does not hold (all ENOEXEC),
 * and a first PT_INTERP Linux cannot read (size outside 2..4096 or no terminating NUL: ENOEXEC;
 * bytes past the end of the file: EIO; an offset that is no file position: EINVAL). Like Linux it
 * does not look at e_ident's class, data encoding or version, e_version, e_ehsize, p_align,
 * PT_TLS, or the order and overlap of the PT_LOADs. What Linux only finds out while mapping the
 * segments, past the point of no return, {@link #loadProblem} reports (the process then dies with
 * SIGSEGV).
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
    /**
     * Largest program header table accepted: load_elf_phdrs refuses more than 64 KiB. (Its source
     * also compares the size with ELF_MIN_ALIGN, one page; the Linux 6.18 host lstar is compared
     * with runs a 7,560-byte table, so lstar follows the kernel's observed behaviour.)
     */
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
    private final int eType;
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

    private ElfFile(byte[] data, Type type, int eType, int osAbi, long entry, long phoff, int phentsize, int phnum,
            List<ProgramHeader> phdrs, List<ProgramHeader> loads, ProgramHeader tls, ProgramHeader gnuStack, String interpreter) {
        this.data = data;
        this.type = type;
        this.eType = eType;
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
     * Parses {@code file} (not copied: do not modify it afterwards) and applies the checks Linux's
     * load_elf_binary makes before exec's point of no return.
     *
     * @throws ElfException if Linux's execve refuses it, with the reason and errno
     */
    public static ElfFile parse(byte[] file) {
        return parse(file, false);
    }

    /**
     * An interpreter's ELF file, checked as load_elf_binary checks the interpreter before the
     * point of no return: its first 64 bytes readable (else EIO), the magic, e_machine and program
     * header table as for an executable (else ELIBBAD). Its e_type and its segments are only
     * checked by load_elf_interp, past the point of no return ({@link #loadProblem}).
     */
    public static ElfFile parseInterpreter(byte[] file) {
        if (file.length < EHDR_SIZE) {
            throw new ElfException("truncated ELF header: " + file.length + " bytes, shorter than the 64-byte ELF64 header", ElfException.EIO);
        }
        return parse(file, true);
    }

    private static ElfFile parse(byte[] file, boolean interpreter) {
        int len = file.length;
        int bad = interpreter ? ElfException.ELIBBAD : ElfException.ENOEXEC;
        // bprm->buf: the first bytes of the file in a zeroed buffer, so a short file reads as zeros past its end
        byte[] h = java.util.Arrays.copyOf(file, Math.max(len, EHDR_SIZE));
        String shortHeader = len < EHDR_SIZE ? "truncated ELF file: " + (len == 0 ? "the file is empty"
                : len + " bytes, shorter than the 64-byte ELF64 header") + "; " : "";
        byte[] magic = {0x7f, 'E', 'L', 'F'};
        for (int i = 0; i < 4; i++) {
            if (h[i] != magic[i]) {
                if (i >= len) throw new ElfException("truncated ELF file: " + (len == 0 ? "the file is empty" : len + " bytes"), bad);
                throw new ElfException("not an ELF file: bad magic " + hexBytes(file, Math.min(4, len)) + " (expected 7f 45 4c 46)", bad);
            }
        }
        // Linux reads neither e_ident[EI_CLASS/EI_DATA/EI_VERSION] nor e_version nor e_ehsize
        int eType = u16(h, 16);
        int machine = u16(h, 18);
        long entry = u64(h, 24);
        long phoff = u64(h, 32);
        int phentsize = u16(h, 54);
        int phnum = u16(h, 56);

        Type type = switch (eType) {
            case ET_EXEC -> Type.EXEC;
            case ET_DYN -> Type.DYN;
            default -> null;
        };
        if (type == null && !interpreter) {
            throw new ElfException((len < 18 ? shortHeader : "") + switch (eType) {
                case ET_REL -> "not an executable: ET_REL (relocatable object file; link it first)";
                case ET_CORE -> "not an executable: ET_CORE (core dump)";
                case ET_NONE -> "not an executable: ET_NONE (no file type)";
                default -> "not an executable: unknown ELF type 0x" + Integer.toHexString(eType);
            });
        }
        if (machine != EM_X86_64) {
            throw new ElfException((len < 20 ? shortHeader : "") + "wrong machine: " + machineName(machine)
                    + (h[4] == 1 ? " in an ELF32 (32-bit) file" : "") + "; lstar runs x86-64 (EM_X86_64 = 62) executables", bad);
        }
        // load_elf_phdrs: any problem with the table is ENOEXEC (ELIBBAD for the interpreter)
        if (phentsize != ProgramHeader.SIZE) {
            throw new ElfException(shortHeader + "bad e_phentsize " + phentsize + " (ELF64 program headers are 56 bytes)", bad);
        }
        if (phnum == 0) {
            throw new ElfException(shortHeader + "no program headers (e_phnum = 0): nothing to load", bad);
        }
        long tableSize = (long) phnum * ProgramHeader.SIZE;
        if (tableSize > MAX_PHDR_TABLE) {
            throw new ElfException("too many program headers: " + phnum + " (" + tableSize + " bytes, limit " + MAX_PHDR_TABLE + ")", bad);
        }
        if (phoff < 0 || phoff > len || tableSize > len - phoff) {
            throw new ElfException("truncated ELF file: the program header table (" + phnum + " entries at offset 0x"
                    + Long.toHexString(phoff) + ") runs past the end of the " + len + "-byte file", bad);
        }

        List<ProgramHeader> phdrs = new ArrayList<>(phnum);
        List<ProgramHeader> loads = new ArrayList<>();
        ProgramHeader tls = null;
        ProgramHeader gnuStack = null;
        String interp = null;
        boolean interpSeen = false;
        for (int i = 0; i < phnum; i++) {
            int p = (int) (phoff + (long) i * ProgramHeader.SIZE);
            ProgramHeader ph = new ProgramHeader(i, (int) u32(file, p), (int) u32(file, p + 4), u64(file, p + 8),
                    u64(file, p + 16), u64(file, p + 24), u64(file, p + 32), u64(file, p + 40), u64(file, p + 48));
            phdrs.add(ph);
            switch (ph.type()) {
                // only the first PT_INTERP is read (load_elf_binary stops at it); an interpreter's own is ignored
                case ProgramHeader.PT_INTERP -> {
                    if (!interpSeen && !interpreter) interp = interpreterPath(file, ph);
                    interpSeen = true;
                }
                case ProgramHeader.PT_LOAD -> loads.add(ph);
                case ProgramHeader.PT_TLS -> { if (tls == null) tls = ph; } // Linux does not look at it; libc uses the first
                case ProgramHeader.PT_GNU_STACK -> gnuStack = ph; // the last one decides, as in load_elf_binary
                default -> {
                }
            }
        }
        return new ElfFile(file, type, eType, file.length > 7 ? file[7] & 0xff : 0, entry, phoff, phentsize, phnum, phdrs, loads, tls, gnuStack, interp);
    }

    /**
     * Why Linux's loader fails, past exec's point of no return (the process then dies with
     * SIGSEGV), to map this file's PT_LOAD segments at {@code bias} in an address space whose user
     * part ends at {@code taskSize}, or null if it maps them and the entry point lies in user space:
     * load_elf_binary's (or for {@code interpreter}, load_elf_interp's) per-segment elf_load
     * (vm_mmap of the file pages: offset not page aligned or overflowing, range past TASK_SIZE or
     * below mmap_min_addr; padzero of a writable segment's last file page past the end of the file;
     * vm_brk of the rest), then its checks of p_vaddr, p_filesz &lt;= p_memsz and p_memsz against
     * TASK_SIZE, and BAD_ADDR(e_entry). {@code mapsAtLinkAddress}: an ET_DYN Linux places with the
     * mmap allocator (a static-pie: no interpreter, no alignment above a page), whose first
     * segment, if it has no file bytes, goes to its link address.
     */
    public String loadProblem(long bias, long taskSize, boolean interpreter, boolean mapsAtLinkAddress) {
        return loadProblem(bias, taskSize, interpreter, mapsAtLinkAddress, Long.MAX_VALUE);
    }

    /**
     * {@link #loadProblem(long, long, boolean, boolean)} with the overcommit heuristic's limit:
     * the anonymous part of a segment (vm_brk_flags) or a writable private file mapping larger
     * than {@code ramPages} pages is refused (__vm_enough_memory: ENOMEM).
     */
    public String loadProblem(long bias, long taskSize, boolean interpreter, boolean mapsAtLinkAddress, long ramPages) {
        if (interpreter && type == null) {
            return "the interpreter is not an executable (e_type 0x" + Integer.toHexString(eType) + ")";
        }
        long total = 0;
        if (type == Type.DYN || interpreter) {
            long min = -1, max = 0; // total_mapping_size
            for (ProgramHeader ph : loads) {
                if (Long.compareUnsigned(ph.vaddr() & -PAGE, min) < 0) min = ph.vaddr() & -PAGE;
                if (Long.compareUnsigned(ph.vaddr() + ph.memsz(), max) > 0) max = ph.vaddr() + ph.memsz();
            }
            total = max - min;
            if (!loads.isEmpty() && total == 0) return "the PT_LOAD segments span no memory (total mapping size 0)";
        }
        boolean first = true;
        for (ProgramHeader ph : loads) {
            String what = "segment " + ph.index() + " (LOAD)";
            long pageOff = ph.vaddr() & (PAGE - 1);
            // a static-pie's first mapping goes where mmap puts it (lstar: at the bias), unless it has no file bytes
            long addr = (first && mapsAtLinkAddress && ph.filesz() == 0 ? 0 : bias) + ph.vaddr();
            long zeroStart, zeroEnd;
            if (ph.filesz() != 0) {
                long size = pageAlign(ph.filesz() + pageOff);
                long off = ph.offset() - pageOff;
                long at = addr & -PAGE;
                if (size != 0) {
                    long len = first && total != 0 ? pageAlign(total) : size;
                    String p = mmapProblem(at, len, off, taskSize);
                    if (p != null) return what + ": " + p;
                    if (ph.writable() && Long.compareUnsigned(len >>> 12, ramPages) > 0) {
                        return what + ": a writable mapping of 0x" + Long.toHexString(len) + " bytes, more than the RAM (mmap: ENOMEM, overcommit)";
                    }
                }
                zeroStart = at + pageOff + ph.filesz();
                zeroEnd = at + pageOff + ph.memsz();
                if (Long.compareUnsigned(ph.memsz(), ph.filesz()) > 0 && ph.writable() && (zeroStart & (PAGE - 1)) != 0
                        && Long.compareUnsigned(off + ((pageOff + ph.filesz()) & -PAGE), pageAlign(data.length)) >= 0) {
                    return what + ": its bss starts in a page past the end of the file (padzero: EFAULT)";
                }
            } else {
                zeroStart = addr & -PAGE;
                zeroEnd = zeroStart + pageOff + ph.memsz();
            }
            if (Long.compareUnsigned(ph.memsz(), ph.filesz()) > 0) {
                long s = pageAlign(zeroStart), e = pageAlign(zeroEnd), n = e - s;
                if (n != 0) {
                    if (Long.compareUnsigned(n, taskSize) > 0 || Long.compareUnsigned(s, taskSize - n) > 0) {
                        return what + ": its zero-filled part [0x" + Long.toHexString(s) + ", 0x" + Long.toHexString(e)
                                + ") does not fit below 0x" + Long.toHexString(taskSize) + " (vm_brk: ENOMEM)";
                    }
                    if (Long.compareUnsigned(s, MMAP_MIN_ADDR) < 0) {
                        return what + ": its zero-filled part at 0x" + Long.toHexString(s) + " is below mmap_min_addr (vm_brk: EPERM)";
                    }
                    if (Long.compareUnsigned(n >>> 12, ramPages) > 0) {
                        return what + ": its zero-filled part of 0x" + Long.toHexString(n) + " bytes is more than the RAM (vm_brk: ENOMEM, overcommit)";
                    }
                }
            }
            long k = interpreter ? bias + ph.vaddr() : ph.vaddr();
            if (Long.compareUnsigned(ph.filesz(), ph.memsz()) > 0) {
                return what + ": p_memsz 0x" + Long.toHexString(ph.memsz()) + " is smaller than p_filesz 0x" + Long.toHexString(ph.filesz());
            }
            if (Long.compareUnsigned(k, taskSize) >= 0 || Long.compareUnsigned(ph.memsz(), taskSize) > 0
                    || Long.compareUnsigned(taskSize - ph.memsz(), k) < 0) {
                return what + ": [0x" + Long.toHexString(k) + " + p_memsz 0x" + Long.toHexString(ph.memsz())
                        + ") does not fit in the user address space below 0x" + Long.toHexString(taskSize);
            }
            first = false;
        }
        return null;
    }

    /** mmap_min_addr (vm.mmap_min_addr; 4096 on the hosts lstar is compared with): no mapping below it. */
    public static final long MMAP_MIN_ADDR = PAGE;

    /** Why vm_mmap(file, at, len, MAP_FIXED, off) fails, or null. */
    private static String mmapProblem(long at, long len, long off, long taskSize) {
        if ((off & (PAGE - 1)) != 0) {
            return "p_offset and p_vaddr differ modulo the 4 KiB page (mmap file offset 0x" + Long.toHexString(off) + ": EINVAL)";
        }
        if (Long.compareUnsigned(off + len, off) < 0 || Long.compareUnsigned(off, Long.MAX_VALUE - len) > 0) {
            return "huge file range at offset 0x" + Long.toHexString(off) + " (mmap: EINVAL/EOVERFLOW)";
        }
        if (Long.compareUnsigned(len, taskSize) > 0 || Long.compareUnsigned(at, taskSize - len) > 0) {
            return "[0x" + Long.toHexString(at) + ", +0x" + Long.toHexString(len) + ") does not fit below 0x"
                    + Long.toHexString(taskSize) + " (mmap: ENOMEM)";
        }
        if (Long.compareUnsigned(at, MMAP_MIN_ADDR) < 0) {
            return "mapped at 0x" + Long.toHexString(at) + ", below mmap_min_addr (mmap: EPERM)";
        }
        return null;
    }

    private static long pageAlign(long v) {
        return (v + PAGE - 1) & -PAGE;
    }

    /**
     * The interpreter path of the first PT_INTERP, read as load_elf_binary reads it: -ENOEXEC for a
     * size outside 2..PATH_MAX; kernel_read's -EINVAL for an offset that is negative as a loff_t or
     * overflows with the size, -EIO when the file ends first; -ENOEXEC when its last byte is not a
     * NUL. The name is the bytes up to the first NUL, as open_exec reads it.
     */
    private static String interpreterPath(byte[] file, ProgramHeader ph) {
        if (Long.compareUnsigned(ph.filesz(), PATH_MAX) > 0 || Long.compareUnsigned(ph.filesz(), 2) < 0) {
            throw new ElfException("PT_INTERP: bad interpreter path size " + Long.toUnsignedString(ph.filesz())
                    + " (2 to " + PATH_MAX + " bytes)");
        }
        if (ph.offset() < 0 || ph.offset() + ph.filesz() < 0) {
            throw new ElfException("segment " + ph.index() + " (INTERP): p_offset 0x" + Long.toHexString(ph.offset())
                    + " is not a valid file position", ElfException.EINVAL);
        }
        if (ph.offset() + ph.filesz() > file.length) {
            throw new ElfException("truncated ELF file: segment " + ph.index() + " (INTERP) file bytes [0x" + Long.toHexString(ph.offset())
                    + ", 0x" + Long.toHexString(ph.offset() + ph.filesz()) + ") run past the end of the " + file.length + "-byte file",
                    ElfException.EIO);
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

    /** EXEC or DYN (null for an interpreter whose e_type is neither: {@link #loadProblem} refuses it). */
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

    /** The PT_LOAD segments, in program header table order (the order Linux maps them in; possibly none). */
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
        long min = -1;
        for (ProgramHeader ph : loads) {
            if (Long.compareUnsigned(ph.vaddr() & -PAGE, min) < 0) min = ph.vaddr() & -PAGE;
        }
        return loads.isEmpty() ? 0 : min;
    }

    /** The end of the highest PT_LOAD rounded up to a page. */
    public long loadEnd() {
        long end = 0;
        for (ProgramHeader ph : loads) {
            if (Long.compareUnsigned(ph.end(), end) > 0) end = ph.end();
        }
        return (end + PAGE - 1) & -PAGE;
    }

    /**
     * A copy of the file bytes of {@code ph} ({@code p_filesz} bytes from {@code p_offset}) that
     * the file holds: fewer (none for a bss-only segment, whose p_offset may be anything) when the
     * file ends first.
     */
    public byte[] fileBytes(ProgramHeader ph) {
        if (ph.filesz() == 0 || ph.offset() < 0 || ph.offset() >= data.length) {
            return new byte[0];
        }
        int n = (int) Math.min(data.length - ph.offset(), Long.compareUnsigned(ph.filesz(), Integer.MAX_VALUE) > 0 ? Integer.MAX_VALUE : ph.filesz());
        byte[] out = new byte[n];
        System.arraycopy(data, (int) ph.offset(), out, 0, n);
        return out;
    }

    /** The file's length in bytes. */
    public int fileLength() {
        return data.length;
    }
}
