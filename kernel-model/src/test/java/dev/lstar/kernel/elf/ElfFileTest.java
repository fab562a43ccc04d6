package dev.lstar.kernel.elf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * ElfFile against real executables built on the host by binutils (see
 * src/test/resources/dev/lstar/kernel/elf/build-hello.sh), whose {@code readelf -lhW} output is
 * committed beside them as the independent oracle, and against corrupted copies of them.
 */
class ElfFileTest {

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = ElfFileTest.class.getResourceAsStream("/dev/lstar/kernel/elf/" + name)) {
            if (in == null) {
                throw new IOException("missing test resource " + name);
            }
            return in.readAllBytes();
        }
    }

    /** What readelf said about a file. */
    private record Readelf(String type, long entry, long phoff, int phentsize, int phnum, List<long[]> phdrs) {
    }

    private static final Pattern PHDR = Pattern.compile(
            "^\\s+(\\w+)\\s+0x(\\p{XDigit}+) 0x(\\p{XDigit}+) 0x(\\p{XDigit}+) 0x(\\p{XDigit}+) 0x(\\p{XDigit}+) (.{3}) 0x(\\p{XDigit}+)$");

    private static Readelf readelf(String name) throws IOException {
        String text = new String(resource(name + ".readelf"), StandardCharsets.UTF_8);
        String type = null;
        long entry = -1, phoff = -1;
        int phentsize = -1, phnum = -1;
        List<long[]> phdrs = new ArrayList<>();
        for (String line : text.split("\n")) {
            String t = line.trim();
            if (t.startsWith("Type:")) {
                type = t.substring(5).trim().split(" ")[0];
            } else if (t.startsWith("Entry point address:")) {
                entry = Long.decode(t.substring(t.indexOf(':') + 1).trim());
            } else if (t.startsWith("Start of program headers:")) {
                phoff = Long.parseLong(t.replaceAll("\\D+", " ").trim().split(" ")[0]);
            } else if (t.startsWith("Size of program headers:")) {
                phentsize = Integer.parseInt(t.replaceAll("\\D+", " ").trim().split(" ")[0]);
            } else if (t.startsWith("Number of program headers:")) {
                phnum = Integer.parseInt(t.replaceAll("\\D+", " ").trim());
            }
            Matcher m = PHDR.matcher(line);
            if (m.matches()) {
                String flg = m.group(7);
                long flags = (flg.charAt(0) == 'R' ? 4 : 0) | (flg.charAt(1) == 'W' ? 2 : 0) | (flg.charAt(2) == 'E' ? 1 : 0);
                phdrs.add(new long[] {typeOf(m.group(1)), flags, Long.parseLong(m.group(2), 16), Long.parseLong(m.group(3), 16),
                        Long.parseLong(m.group(4), 16), Long.parseLong(m.group(5), 16), Long.parseLong(m.group(6), 16),
                        Long.parseLong(m.group(8), 16)});
            }
        }
        return new Readelf(type, entry, phoff, phentsize, phnum, phdrs);
    }

    private static int typeOf(String readelfName) {
        for (int t : new int[] {ProgramHeader.PT_LOAD, ProgramHeader.PT_DYNAMIC, ProgramHeader.PT_INTERP, ProgramHeader.PT_NOTE,
                ProgramHeader.PT_PHDR, ProgramHeader.PT_TLS, ProgramHeader.PT_GNU_STACK, ProgramHeader.PT_GNU_RELRO,
                ProgramHeader.PT_GNU_PROPERTY, ProgramHeader.PT_GNU_EH_FRAME}) {
            if (ProgramHeader.typeName(t).equals(readelfName)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown readelf segment type " + readelfName);
    }

    private static void assertMatchesReadelf(ElfFile elf, Readelf re) {
        assertEquals(re.entry(), elf.entry());
        assertEquals(re.phoff(), elf.phoff());
        assertEquals(re.phentsize(), elf.phentsize());
        assertEquals(re.phnum(), elf.phnum());
        assertEquals(re.phnum(), re.phdrs().size(), "readelf listing incomplete");
        for (int i = 0; i < re.phnum(); i++) {
            long[] r = re.phdrs().get(i);
            ProgramHeader ph = elf.programHeaders().get(i);
            assertEquals(i, ph.index());
            assertEquals(r[0], ph.type(), "type of " + ph);
            assertEquals(r[1], ph.flags(), "flags of " + ph);
            assertEquals(r[2], ph.offset(), "offset of " + ph);
            assertEquals(r[3], ph.vaddr(), "vaddr of " + ph);
            assertEquals(r[4], ph.paddr(), "paddr of " + ph);
            assertEquals(r[5], ph.filesz(), "filesz of " + ph);
            assertEquals(r[6], ph.memsz(), "memsz of " + ph);
            assertEquals(r[7], ph.align(), "align of " + ph);
        }
    }

    @Test
    void staticExecutableMatchesReadelf() throws IOException {
        byte[] file = resource("hello");
        ElfFile elf = ElfFile.parse(file);
        Readelf re = readelf("hello");
        assertEquals("EXEC", re.type());
        assertEquals(ElfFile.Type.EXEC, elf.type());
        assertMatchesReadelf(elf, re);

        List<ProgramHeader> loads = elf.loadSegments();
        assertEquals(re.phdrs().stream().filter(r -> r[0] == ProgramHeader.PT_LOAD).count(), loads.size());
        assertTrue(loads.stream().anyMatch(p -> p.executable() && !p.writable()), "a text segment");
        assertTrue(loads.stream().anyMatch(p -> p.writable() && p.memsz() > p.filesz()), "a data+bss segment");
        assertTrue(elf.tls().isPresent());
        assertEquals(8, elf.tls().get().memsz());
        assertFalse(elf.gnuStack().orElseThrow().executable());
        // e_entry is inside the executable segment, and the message string is in the file bytes
        ProgramHeader text = loads.stream().filter(ProgramHeader::executable).findFirst().orElseThrow();
        assertTrue(elf.entry() >= text.vaddr() && elf.entry() < text.end());
        assertEquals(0x400000, elf.loadStart());
        String all = new String(elf.fileBytes(loads.get(2)), StandardCharsets.ISO_8859_1);
        assertTrue(all.contains("hello from lstar\n"), all);
    }

    @Test
    void staticPieIsEtDyn() throws IOException {
        ElfFile elf = ElfFile.parse(resource("hello-pie"));
        Readelf re = readelf("hello-pie");
        assertEquals("DYN", re.type());
        assertEquals(ElfFile.Type.DYN, elf.type());
        assertMatchesReadelf(elf, re);
        assertEquals(0, elf.loadStart());
        assertTrue(elf.programHeaders().stream().anyMatch(p -> p.type() == ProgramHeader.PT_DYNAMIC));
    }

    @Test
    void dynamicExecutableNamesItsInterpreter() throws IOException {
        ElfFile elf = ElfFile.parse(resource("hello-dyn"));
        assertEquals("/lib64/ld-linux-x86-64.so.2", elf.interpreter().orElseThrow());
        assertTrue(ElfFile.parse(resource("hello")).interpreter().isEmpty());
    }

    private static String reject(byte[] file) {
        try {
            ElfFile.parse(file);
        } catch (ElfException e) {
            assertFalse(e.getMessage().contains("\n"), "one-line message: " + e.getMessage());
            return e.getMessage();
        }
        return fail("accepted a bad file");
    }

    /** Linux's execve needs the ELF header and the program header table; segment bytes past the end are the loader's business. */
    @Test
    void everyTruncationBeforeTheProgramHeadersEndIsRefused() throws IOException {
        byte[] file = resource("hello");
        ElfFile elf = ElfFile.parse(file);
        long needed = elf.phoff() + (long) elf.phnum() * elf.phentsize();
        for (int len = 0; len < needed; len++) {
            byte[] cut = Arrays.copyOf(file, len);
            ElfException e = assertThrows(ElfException.class, () -> ElfFile.parse(cut));
            assertEquals(ElfException.ENOEXEC, e.errno());
            String msg = reject(cut);
            assertTrue(msg.startsWith("truncated ELF file"), "length " + len + ": " + msg);
            assertFalse(e.fatal());
        }
        // cut inside the segments: execve accepts it; Linux's loader fails at the writable segment's
        // padzero in a page past the end (SIGSEGV), or maps it and the program faults on it later
        ElfFile cut = ElfFile.parse(Arrays.copyOf(file, (int) needed));
        assertEquals(elf.programHeaders(), cut.programHeaders());
        String p = cut.loadProblem(0, ElfFile.USER_LIMIT, false, false);
        assertTrue(p != null && p.contains("padzero"), p);
        assertEquals(null, elf.loadProblem(0, ElfFile.USER_LIMIT, false, false));
    }

    @Test
    void truncationMessagesNameTheStructure() throws IOException {
        byte[] file = resource("hello");
        assertEquals("truncated ELF file: the file is empty", reject(new byte[0]));
        assertTrue(reject(Arrays.copyOf(file, 10)).contains("64-byte ELF64 header"));
        assertTrue(reject(Arrays.copyOf(file, 63)).contains("program header table"));
        assertTrue(reject(Arrays.copyOf(file, 64 + 56 * 3)).contains("program header table"));
    }

    private static byte[] with(byte[] file, int offset, int size, long value) {
        byte[] b = file.clone();
        for (int i = 0; i < size; i++) {
            b[offset + i] = (byte) (value >>> (8 * i));
        }
        return b;
    }

    @Test
    void badMagic() throws IOException {
        byte[] file = resource("hello");
        for (int i = 0; i < 4; i++) {
            byte[] b = file.clone();
            b[i] ^= 0x20;
            assertTrue(reject(b).startsWith("not an ELF file: bad magic"), "byte " + i);
        }
        assertTrue(reject("#!/bin/sh\necho hi\n".getBytes(StandardCharsets.US_ASCII)).startsWith("not an ELF file"));
        assertTrue(reject(new byte[] {0x7f, 'E', 'L'}).startsWith("truncated ELF file"));
    }

    /** load_elf_binary reads none of e_ident's class, data encoding and version, e_version or e_ehsize. */
    @Test
    void fieldsLinuxDoesNotReadAreIgnored() throws IOException {
        byte[] file = resource("hello");
        for (int[] f : new int[][] {{4, 1, 1}, {4, 1, 0}, {5, 1, 2}, {6, 1, 0}, {20, 4, 2}, {52, 2, 0}}) {
            assertEquals(ElfFile.parse(file).programHeaders(), ElfFile.parse(with(file, f[0], f[1], f[2])).programHeaders());
        }
    }

    @Test
    void wrongMachineIsNamed() throws IOException {
        byte[] file = resource("hello");
        assertEquals("wrong machine: EM_386 = 3 (Intel 80386, 32-bit x86); lstar runs x86-64 (EM_X86_64 = 62) executables",
                reject(with(file, 18, 2, 3)));
        assertTrue(reject(with(file, 18, 2, 183)).contains("EM_AARCH64 = 183"));
        assertTrue(reject(with(file, 18, 2, 243)).contains("EM_RISCV"));
        assertTrue(reject(with(file, 18, 2, 9999)).contains("e_machine 9999"));
    }

    @Test
    void notAnExecutable() throws IOException {
        byte[] file = resource("hello");
        assertTrue(reject(with(file, 16, 2, ElfFile.ET_REL)).startsWith("not an executable: ET_REL"));
        assertTrue(reject(with(file, 16, 2, ElfFile.ET_CORE)).startsWith("not an executable: ET_CORE"));
        assertTrue(reject(with(file, 16, 2, ElfFile.ET_NONE)).startsWith("not an executable: ET_NONE"));
        assertTrue(reject(with(file, 16, 2, 0xfe00)).contains("unknown ELF type 0xfe00"));
    }

    @Test
    void programHeaderTableProblems() throws IOException {
        byte[] file = resource("hello");
        assertTrue(reject(with(file, 54, 2, 32)).contains("e_phentsize 32"));
        assertTrue(reject(with(file, 56, 2, 0)).contains("no program headers"));
        assertTrue(reject(with(file, 56, 2, 0xffff)).contains("too many program headers"));
        assertTrue(reject(with(file, 32, 8, file.length - 10)).startsWith("truncated ELF file: the program header table"));
        assertTrue(reject(with(file, 32, 8, -64)).startsWith("truncated ELF file: the program header table"));
    }

    /** File offset of field {@code fieldOffset} of program header {@code index}. */
    private static int ph(ElfFile elf, int index, int fieldOffset) {
        return (int) elf.phoff() + index * ProgramHeader.SIZE + fieldOffset;
    }

    private static final int P_OFFSET = 8, P_VADDR = 16, P_FILESZ = 32, P_MEMSZ = 40, P_ALIGN = 48;

    /** What load_elf_binary only meets while mapping (past the point of no return): fatal, SIGSEGV. */
    private static String fatal(byte[] file) {
        ElfFile elf = ElfFile.parse(file);
        String p = elf.loadProblem(0, ElfFile.USER_LIMIT, false, false);
        assertTrue(p != null, "Linux maps it");
        assertFalse(p.contains("\n"), p);
        return p;
    }

    @Test
    void loadSegmentProblems() throws IOException {
        byte[] file = resource("hello");
        ElfFile elf = ElfFile.parse(file);
        List<ProgramHeader> loads = elf.loadSegments();
        ProgramHeader text = loads.get(1), ro = loads.get(2), data = loads.get(3);

        // overlapping, out of order, odd p_align: Linux maps them (a later segment replaces an earlier one)
        for (byte[] b : List.of(with(file, ph(elf, ro.index(), P_VADDR), 8, text.vaddr()),
                with(file, ph(elf, ro.index(), P_VADDR), 8, text.vaddr() - 0x2000),
                with(file, ph(elf, text.index(), P_ALIGN), 8, 0x1800),
                with(file, ph(elf, text.index(), P_VADDR), 8, text.vaddr() + 0x1000))) {
            assertEquals(null, ElfFile.parse(b).loadProblem(0, ElfFile.USER_LIMIT, false, false));
        }
        // p_vaddr no longer congruent to p_offset modulo the page: mmap's EINVAL
        assertTrue(fatal(with(file, ph(elf, text.index(), P_VADDR), 8, text.vaddr() + 0x10)).contains("modulo the 4 KiB page"));
        // memsz < filesz
        String small = fatal(with(file, ph(elf, data.index(), P_MEMSZ), 8, data.filesz() - 1));
        assertTrue(small.contains("smaller than p_filesz"), small);
        // huge sizes and addresses
        assertTrue(fatal(with(file, ph(elf, data.index(), P_MEMSZ), 8, 1L << 47)).contains("does not fit"));
        assertTrue(fatal(with(file, ph(elf, data.index(), P_MEMSZ), 8, -1L)).contains("does not fit"));
        assertTrue(fatal(with(file, ph(elf, data.index(), P_FILESZ), 8, -8L)).contains("segment " + data.index()));
        assertTrue(fatal(with(file, ph(elf, data.index(), P_OFFSET), 8, 1L << 40)).contains("segment " + data.index()));
        assertTrue(fatal(with(file, ph(elf, text.index(), P_VADDR), 8, 0)).contains("mmap_min_addr"));
        // a bss larger than the RAM: the overcommit heuristic refuses vm_brk (ENOMEM)
        String big = ElfFile.parse(with(file, ph(elf, data.index(), P_MEMSZ), 8, 1L << 38)).loadProblem(0, ElfFile.USER_LIMIT, false, false, 1 << 20);
        assertTrue(big != null && big.contains("overcommit"), big);
    }

    @Test
    void noLoadSegmentAndDuplicateTlsAreAccepted() throws IOException {
        byte[] file = resource("hello");
        ElfFile elf = ElfFile.parse(file);
        byte[] b = file.clone();
        for (ProgramHeader p : elf.loadSegments()) {
            b = with(b, ph(elf, p.index(), 0), 4, ProgramHeader.PT_NOTE);
        }
        assertTrue(ElfFile.parse(b).loadSegments().isEmpty()); // Linux maps nothing and starts at e_entry (SIGSEGV)
        int tls = elf.tls().orElseThrow().index();
        int relro = elf.programHeaders().stream().filter(p -> p.type() == ProgramHeader.PT_GNU_RELRO).findFirst().orElseThrow().index();
        assertEquals(tls, ElfFile.parse(with(file, ph(elf, relro, 0), 4, ProgramHeader.PT_TLS)).tls().orElseThrow().index());
    }

    /** Regression (ce24444): a PT_INTERP at a huge p_offset was an ArrayIndexOutOfBoundsException. */
    @Test
    void interpreterHeadersAreCheckedAsLinuxChecksThem() throws IOException {
        byte[] file = resource("hello");
        ElfFile elf = ElfFile.parse(file);
        int relro = elf.programHeaders().stream().filter(p -> p.type() == ProgramHeader.PT_GNU_RELRO).findFirst().orElseThrow().index();
        byte[] interp = with(file, ph(elf, relro, 0), 4, ProgramHeader.PT_INTERP);
        for (long offset : new long[] {0x80000000L, 0xffffffffL, -1L}) {
            for (long size : new long[] {0, 8}) {
                String msg = reject(with(with(interp, ph(elf, relro, P_OFFSET), 8, offset), ph(elf, relro, P_FILESZ), 8, size));
                assertTrue(size == 0 ? msg.contains("bad interpreter path size 0") : msg.contains("segment " + relro + " (INTERP)"), msg);
            }
        }
        assertEquals("PT_INTERP: bad interpreter path size 4097 (2 to 4096 bytes)",
                reject(with(with(interp, ph(elf, relro, P_OFFSET), 8, 0), ph(elf, relro, P_FILESZ), 8, 4097)));
        // the file's first 8 bytes (7f 45 4c 46 02 01 01 00) end in a NUL: "\x7fELF\x02\x01\x01", as one line
        byte[] header = with(with(interp, ph(elf, relro, P_OFFSET), 8, 0), ph(elf, relro, P_FILESZ), 8, 8);
        assertEquals("\u007fELF\u0002\u0001\u0001", ElfFile.parse(header).interpreter().orElseThrow());
        // 7 bytes: no NUL at the end
        assertEquals("PT_INTERP: the interpreter path is not NUL-terminated",
                reject(with(with(interp, ph(elf, relro, P_OFFSET), 8, 0), ph(elf, relro, P_FILESZ), 8, 7)));
    }

    /** Regression (ce24444): p_filesz 0 means nothing is read, so p_offset may lie past the end of the file. */
    @Test
    void bssOnlySegmentMayHaveAnyOffset() throws IOException {
        byte[] file = resource("hello");
        ElfFile elf = ElfFile.parse(file);
        ProgramHeader data = elf.loadSegments().getLast();
        byte[] bss = with(file, ph(elf, data.index(), P_FILESZ), 8, 0);
        for (long offset : new long[] {file.length + 1L, 0x80000000L, 0xffffffffL, -1L, 0x123}) {
            ElfFile parsed = ElfFile.parse(with(bss, ph(elf, data.index(), P_OFFSET), 8, offset));
            assertEquals(0, parsed.fileBytes(parsed.loadSegments().getLast()).length);
        }
    }
}
