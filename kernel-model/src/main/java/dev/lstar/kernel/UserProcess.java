package dev.lstar.kernel;

import dev.lstar.kernel.elf.ElfException;
import dev.lstar.kernel.elf.ElfFile;
import dev.lstar.kernel.elf.ProgramHeader;
import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.setup.Gdt;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

/**
 * The one process of a {@link LinuxKernel}: a static ELF64 executable loaded as Linux's
 * load_elf_binary does (PT_LOAD segments with their permissions, bss zeroed, brk after the
 * highest segment, the initial stack with argc/argv/envp/auxv), and its first entry to user mode.
 */
public final class UserProcess {
    /** Where a static-pie (ET_DYN) executable is placed: Linux's ELF_ET_DYN_BASE without randomisation. */
    public static final long ET_DYN_BASE = 0x5555_5555_4000L;

    // auxiliary vector tags (include/uapi/linux/auxvec.h)
    static final int AT_NULL = 0, AT_PHDR = 3, AT_PHENT = 4, AT_PHNUM = 5, AT_PAGESZ = 6, AT_BASE = 7,
            AT_FLAGS = 8, AT_ENTRY = 9, AT_UID = 11, AT_EUID = 12, AT_GID = 13, AT_EGID = 14,
            AT_PLATFORM = 15, AT_HWCAP = 16, AT_CLKTCK = 17, AT_SECURE = 23, AT_RANDOM = 25,
            AT_HWCAP2 = 26, AT_EXECFN = 31;

    public final int pid = 1;
    final LinuxKernel kernel;
    public final AddressSpace mm;
    public final ElfFile elf;
    public final long loadBias;
    public final long entry;
    long initialSp;
    long tidAddress;
    /** The ELF's PT_TLS, if any (recorded for a future libc; static binaries set FS themselves). */
    public final ProgramHeader tls;
    /** The task's comm: the executable's base name, at most 15 bytes (TASK_COMM_LEN - 1), as the OOM report prints it. */
    String comm = "";

    private UserProcess(LinuxKernel kernel, AddressSpace mm, ElfFile elf, long bias) {
        this.kernel = kernel;
        this.mm = mm;
        this.elf = elf;
        this.loadBias = bias;
        this.entry = elf.entry() + bias;
        this.tls = elf.tls().orElse(null);
    }

    static UserProcess load(LinuxKernel kernel, AddressSpace mm, byte[] file, String path, List<String> argv, List<String> envp) {
        ElfFile elf = ElfFile.parse(file);
        if (elf.programHeaders().stream().anyMatch(p -> p.type() == ProgramHeader.PT_INTERP)) {
            throw new ElfException("dynamically linked executables are not supported yet (it has a PT_INTERP); build it with -static");
        }
        long bias = elf.type() == ElfFile.Type.DYN ? ET_DYN_BASE & -maximumAlignment(elf) : 0;
        UserProcess p = new UserProcess(kernel, mm, elf, bias);
        // load_elf_binary: BAD_ADDR(e_entry + load_bias), i.e. at or above TASK_SIZE, fails the exec
        // (Linux is past its point of no return there and kills the new image with SIGSEGV; lstar
        // refuses the file before it runs anything)
        if (Long.compareUnsigned(p.entry, mm.taskSizeMax) >= 0) {
            throw new ElfException("e_entry 0x" + Long.toHexString(elf.entry())
                    + (bias != 0 ? " + load bias 0x" + Long.toHexString(bias) : "")
                    + " is outside the user address space (below 0x" + Long.toHexString(mm.taskSizeMax) + ")");
        }
        String base = path.substring(path.lastIndexOf('/') + 1);
        p.comm = base.length() > 15 ? base.substring(0, 15) : base;
        p.mapSegments();
        p.initialSp = p.buildStack(path, argv, envp);
        return p;
    }

    /**
     * fs/binfmt_elf.c maximum_alignment(): the largest power-of-two p_align of the PT_LOADs, at
     * least the page size; Linux aligns an ET_DYN's load bias down to it (a huge p_align moves the
     * image to 0, below the lowest mappable address).
     */
    static long maximumAlignment(ElfFile elf) {
        long align = 4096;
        for (ProgramHeader ph : elf.loadSegments()) {
            if (Long.bitCount(ph.align()) == 1 && Long.compareUnsigned(ph.align(), align) > 0) align = ph.align();
        }
        return align;
    }

    private void mapSegments() {
        long highest = 0;
        for (ProgramHeader ph : elf.loadSegments()) {
            // load_elf_binary: start_data is the highest segment's p_vaddr, end_data the highest p_vaddr + p_filesz
            mm.startData = Math.max(mm.startData, ph.vaddr() + loadBias);
            mm.endData = Math.max(mm.endData, ph.vaddr() + loadBias + ph.filesz());
            long start = (ph.vaddr() + loadBias) & ~0xFFFL;
            long end = (ph.vaddr() + loadBias + ph.memsz() + 0xFFF) & ~0xFFFL;
            if (end > mm.taskSizeMax || start < 0x1000) {
                throw new ElfException(String.format("segment %d at 0x%x-0x%x is outside user space", ph.index(), start, end));
            }
            int prot = (ph.readable() ? Vma.PROT_READ : 0) | (ph.writable() ? Vma.PROT_WRITE : 0) | (ph.executable() ? Vma.PROT_EXEC : 0);
            // pages shared with an earlier segment keep both segments' rights, as overlapping mmaps would
            Vma prev = mm.find(start);
            if (prev != null) prot |= prev.prot;
            // the pages past the file bytes are anonymous memory, mapped as brk memory is (elf_load's
            // vm_brk_flags): readable and writable whatever p_flags says, executable if the segment is
            long fileEnd = ph.filesz() == 0 ? start : Math.min(end, (ph.vaddr() + loadBias + ph.filesz() + 0xFFF) & ~0xFFFL);
            if (fileEnd > start) mm.add(start, fileEnd, prot, "elf");
            if (end > fileEnd) {
                int anon = Vma.PROT_READ | Vma.PROT_WRITE | (ph.executable() ? Vma.PROT_EXEC : 0);
                Vma shared = fileEnd == start ? prev : null;
                mm.add(fileEnd, end, anon | (shared != null ? shared.prot : 0), "elf");
            }
            byte[] data = elf.fileBytes(ph);
            mm.poke(ph.vaddr() + loadBias, data, 0, data.length);
            highest = Math.max(highest, end);
        }
        mm.startBrk = mm.brk = highest;
    }

    /**
     * The initial stack (fs/binfmt_elf.c create_elf_tables): from the top, the strings and random
     * bytes, then 16-byte aligned: argc, argv[], NULL, envp[], NULL, auxv pairs, AT_NULL.
     */
    private long buildStack(String path, List<String> argv, List<String> envp) {
        long top = AddressSpace.STACK_TOP;
        // PT_GNU_STACK decides whether the stack is executable (fs/binfmt_elf.c: EXSTACK_ENABLE_X when
        // its PF_X is set; with no PT_GNU_STACK x86-64 defaults to non-executable since 5.x)
        boolean execStack = elf.gnuStack().map(ProgramHeader::executable).orElse(false);
        mm.add(top - AddressSpace.STACK_SIZE, top, Vma.PROT_READ | Vma.PROT_WRITE | (execStack ? Vma.PROT_EXEC : 0), "[stack]");
        long sp = top - 8; // Linux leaves the pointer-sized end marker area
        sp = pushString(sp, path);
        long execfn = sp;
        List<Long> envAddrs = new ArrayList<>(), argAddrs = new ArrayList<>();
        for (int i = envp.size() - 1; i >= 0; i--) { sp = pushString(sp, envp.get(i)); envAddrs.add(0, sp); }
        for (int i = argv.size() - 1; i >= 0; i--) { sp = pushString(sp, argv.get(i)); argAddrs.add(0, sp); }
        sp = pushString(sp, "x86_64");
        long platform = sp;
        byte[] random = new byte[16];
        new SecureRandom().nextBytes(random);
        sp = (sp - 16) & ~0xFL;
        mm.poke(sp, random, 0, 16);
        long randomAddr = sp;

        long phdr = phdrAddress();
        long[] aux = {
            AT_HWCAP, 0x178BFBFFL, AT_PAGESZ, 4096, AT_CLKTCK, 100, AT_PHDR, phdr, AT_PHENT, ProgramHeader.SIZE,
            AT_PHNUM, elf.phnum(), AT_BASE, 0, AT_FLAGS, 0, AT_ENTRY, entry, AT_UID, Ids.uid(), AT_EUID, Ids.uid(),
            AT_GID, Ids.gid(), AT_EGID, Ids.gid(), AT_SECURE, 0, AT_RANDOM, randomAddr, AT_HWCAP2, 0,
            AT_EXECFN, execfn, AT_PLATFORM, platform, AT_NULL, 0};
        int words = 1 + argAddrs.size() + 1 + envAddrs.size() + 1 + aux.length;
        sp = (sp - words * 8L) & ~0xFL;
        long p = sp;
        ByteArrayOutputStream table = new ByteArrayOutputStream();
        putLong(table, argAddrs.size());
        for (long a : argAddrs) putLong(table, a);
        putLong(table, 0);
        for (long a : envAddrs) putLong(table, a);
        putLong(table, 0);
        for (long a : aux) putLong(table, a);
        byte[] t = table.toByteArray();
        mm.poke(p, t, 0, t.length);
        return sp;
    }

    /** AT_PHDR: PT_PHDR's address, else the program headers inside the first segment that holds them. */
    private long phdrAddress() {
        for (ProgramHeader ph : elf.programHeaders()) {
            if (ph.type() == ProgramHeader.PT_PHDR) return ph.vaddr() + loadBias;
        }
        for (ProgramHeader ph : elf.loadSegments()) {
            if (elf.phoff() >= ph.offset() && elf.phoff() < ph.offset() + ph.filesz()) {
                return ph.vaddr() + loadBias + (elf.phoff() - ph.offset());
            }
        }
        return 0;
    }

    private long pushString(long sp, String s) {
        byte[] b = (s + "\0").getBytes(StandardCharsets.UTF_8);
        sp -= b.length;
        mm.poke(sp, b, 0, b.length);
        return sp;
    }

    private static void putLong(ByteArrayOutputStream out, long v) {
        for (int i = 0; i < 8; i++) out.write((int) (v >>> (8 * i)));
    }

    /**
     * The first return to user mode, as start_thread() + the IRET of ret_from_fork leave it: CPL 3
     * with __USER_CS/__USER_DS, RIP = entry, RSP = the initial stack, RFLAGS = IF, all GPRs zero,
     * the user CR3, and GS.base = 0 with the per-CPU base parked in KERNEL_GS_BASE.
     */
    void enterUserMode() {
        Cpu c = kernel.cpu;
        java.util.Arrays.fill(c.r, 0);
        c.r[Cpu.RSP] = initialSp;
        c.rip = entry;
        c.setRflags(0x202);
        Gdt.enterRing(c, 3);
        c.kernelGsBase = c.segBase[Cpu.GS];
        c.segBase[Cpu.GS] = 0;
        c.segBase[Cpu.FS] = 0;
        c.mmu.writeCr3(kernel.userCr3);
    }
}
