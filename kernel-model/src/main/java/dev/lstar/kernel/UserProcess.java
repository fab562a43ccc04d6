package dev.lstar.kernel;

import dev.lstar.kernel.elf.ElfException;
import dev.lstar.kernel.elf.ElfFile;
import dev.lstar.kernel.elf.ProgramHeader;
import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.setup.Gdt;
import dev.lstar.runtime.sys.Cpuid;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The one process of a {@link LinuxKernel}: an ELF64 executable loaded as Linux's
 * load_elf_binary does (PT_LOAD segments with their permissions, bss zeroed, brk after the
 * highest segment; a PT_INTERP's interpreter read from the guest's file system and placed by the
 * mmap allocator; the initial stack with argc/argv/envp/auxv), and its first entry to user mode.
 */
public final class UserProcess {
    /**
     * ELF_ET_DYN_BASE of x86-64, DEFAULT_MAP_WINDOW / 3 * 2 (0x555555554aaa): where a PIE with an
     * interpreter is placed, moved up by arch_mmap_rnd() when randomised and aligned down to its
     * largest p_align (so 0x555555554000 without randomisation).
     */
    static final long ELF_ET_DYN_BASE = AddressSpace.DEFAULT_MAP_WINDOW / 3 * 2;
    /** Where a PIE with an interpreter starts without randomisation (ELF_ET_DYN_BASE page aligned). */
    public static final long ET_DYN_BASE = ELF_ET_DYN_BASE & ~0xFFFL;
    /** personality(2) (include/uapi/linux/personality.h): PER_LINUX and the flags lstar acts on. */
    public static final int PER_LINUX = 0, ADDR_NO_RANDOMIZE = 0x0040000, READ_IMPLIES_EXEC = 0x0400000;
    /** mmap_rnd_bits of x86-64 (CONFIG_ARCH_MMAP_RND_BITS' default): arch_mmap_rnd() is this many random bits of pages. */
    static final int MMAP_RND_BITS = 28;
    /** arch_randomize_brk of Linux 6.6 for 64-bit tasks: the brk start moves up by less than 32 MiB. */
    static final long BRK_RND_RANGE = 32L << 20;

    // auxiliary vector tags (include/uapi/linux/auxvec.h)
    static final int AT_NULL = 0, AT_PHDR = 3, AT_PHENT = 4, AT_PHNUM = 5, AT_PAGESZ = 6, AT_BASE = 7,
            AT_FLAGS = 8, AT_ENTRY = 9, AT_UID = 11, AT_EUID = 12, AT_GID = 13, AT_EGID = 14,
            AT_PLATFORM = 15, AT_HWCAP = 16, AT_CLKTCK = 17, AT_SECURE = 23, AT_RANDOM = 25,
            AT_HWCAP2 = 26, AT_EXECFN = 31, AT_SYSINFO_EHDR = 33, AT_MINSIGSTKSZ = 51;
    /** HWCAP2_FSGSBASE: the kernel enabled CR4.FSGSBASE, so RDFSBASE and friends work in user mode. */
    static final long HWCAP2_FSGSBASE = 1 << 1;
    /**
     * AT_MINSIGSTKSZ as arch/x86/kernel/signal.c init_sigframe_size() computes it for a CPU
     * without XSAVE (lstar's): the largest rt_sigframe (440 bytes) plus 15 of alignment padding,
     * the FXSAVE area (512) with the legacy i387 frame (112) for 32-bit frames, 63 of xsave
     * padding, rounded up to 16.
     */
    static final long MIN_SIGSTKSZ = (440 + 15 + 512 + 112 + 63 + 15) & ~15L;
    /** The largest interpreter lstar reads (as for the executable: the file is read whole). */
    static final long MAX_INTERPRETER_BYTES = 256L << 20;

    /** The process id (its thread group's; 1 for the initial process). */
    public int pid = 1;
    final LinuxKernel kernel;
    public final AddressSpace mm;
    public final ElfFile elf;
    public final long loadBias;
    public final long entry;
    /** Where the process starts: the interpreter's entry for a dynamic executable, else {@link #entry}. */
    long startPc;
    /** AT_BASE: the interpreter's load address (0 without one). */
    long interpBase;
    /** AT_SYSINFO_EHDR: the vDSO's address (its ELF header; 0 without one). */
    long vdsoBase;
    /** The auxiliary vector as built on the stack (pairs, AT_NULL last): /proc/self/auxv. */
    long[] auxv = new long[0];
    long initialSp;
    /** mm->arg_start/arg_end/env_start/env_end: the argv and envp strings on the initial stack (/proc/PID/cmdline, environ). */
    long argStart, argEnd, envStart, envEnd;
    /** System.nanoTime() when the process was made (/proc/PID/stat's starttime). */
    final long startNanos = System.nanoTime();
    long tidAddress;
    /** set_robust_list's head. */
    long robustList;
    /** prctl state: PR_SET_DUMPABLE, PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS. */
    int dumpable = 1, pdeathSignal;
    boolean noNewPrivs;
    /** current->personality: kept across execve and fork (execve clears READ_IMPLIES_EXEC, as set_personality_64bit does). */
    int personality;
    /** PF_RANDOMIZE: whether this image's layout was randomised. */
    boolean randomized;
    /** The ELF's PT_TLS, if any (recorded for a future libc; static binaries set FS themselves). */
    public final ProgramHeader tls;
    /** The task's comm: the executable's base name, at most 15 bytes (TASK_COMM_LEN - 1), as the OOM report prints it. */
    String comm = "";

    /**
     * The image of a forked child (copy_process): the same executable, layout and auxv, in the
     * child's address space {@code mm}, as process {@code pid}.
     */
    UserProcess forkCopy(AddressSpace mm, int pid) {
        UserProcess c = new UserProcess(kernel, mm, elf, loadBias);
        c.pid = pid;
        c.startPc = startPc;
        c.interpBase = interpBase;
        c.vdsoBase = vdsoBase;
        c.auxv = auxv;
        c.initialSp = initialSp;
        c.argStart = argStart;
        c.argEnd = argEnd;
        c.envStart = envStart;
        c.envEnd = envEnd;
        c.dumpable = dumpable;
        c.pdeathSignal = 0; // cleared in a forked child
        c.noNewPrivs = noNewPrivs;
        c.comm = comm;
        c.personality = personality;
        c.randomized = randomized;
        return c;
    }

    private UserProcess(LinuxKernel kernel, AddressSpace mm, ElfFile elf, long bias) {
        this.kernel = kernel;
        this.mm = mm;
        this.elf = elf;
        this.loadBias = bias;
        this.entry = elf.entry() + bias;
        this.startPc = entry;
        this.tls = elf.tls().orElse(null);
    }

    /**
     * Loads {@code file} (the executable's bytes; {@code path} as given to exec, {@code guestPath}
     * as /proc/self/maps names it, {@code dev}/{@code ino} its identity there) for a task whose
     * personality is {@code personality}, in load_elf_binary's order: the mmap base, the stack
     * and its strings, the executable, brk, the interpreter, the vDSO, the stack's tables. With
     * randomisation (Linux's randomize_va_space=2: {@link KernelConfig#aslr()} and no
     * ADDR_NO_RANDOMIZE) each step draws its offset from {@link LinuxKernel#layoutRandom}.
     */
    static UserProcess load(LinuxKernel kernel, AddressSpace mm, byte[] file, String path, String guestPath, long dev, long ino,
            List<String> argv, List<String> envp, int personality) {
        ElfFile elf = ElfFile.parse(file);
        // load_elf_binary opens the interpreter before it commits to the new image: its errors refuse the exec
        Interpreter interp = elf.interpreter().map(i -> Interpreter.open(kernel, i)).orElse(null);
        boolean randomize = kernel.config.aslr() && (personality & ADDR_NO_RANDOMIZE) == 0;
        java.util.Random rnd = kernel.layoutRandom;
        // setup_new_exec: arch_pick_mmap_layout
        mm.pickMmapLayout(randomize, randomize ? mmapRnd(rnd) : 0);
        // setup_arg_pages(randomize_stack_top(STACK_TOP)): STACK_RND_MASK pages lower, then arch_align_stack, page aligned
        long stackTop = AddressSpace.STACK_TOP - (randomize ? (rnd.nextLong() & AddressSpace.STACK_RND_MASK) << 12 : 0);
        stackTop = (alignStack(stackTop, randomize, rnd) + 0xFFF) & ~0xFFFL;
        long bias = 0;
        if (elf.type() == ElfFile.Type.DYN) {
            if (interp != null) {
                // a program (PIE): ELF_ET_DYN_BASE + arch_mmap_rnd(), aligned to the largest p_align
                long base = (ELF_ET_DYN_BASE + (randomize ? mmapRnd(rnd) : 0)) & -maximumAlignment(elf);
                bias = (base - elf.loadSegments().getFirst().vaddr()) & ~0xFFFL;
            } else {
                // a loader (static-pie, ld.so run directly): load bias 0 without MAP_FIXED, so the whole
                // image goes where the mmap allocator puts it, top-down below the (randomised) mmap base
                long at = mm.findFree(0, elf.loadEnd() - elf.loadStart());
                if (at < 0) throw ElfException.fatal("no room for the executable (" + (elf.loadEnd() - elf.loadStart()) + " bytes)"); // past the point of no return: SIGSEGV
                bias = at - elf.loadStart();
            }
        }
        UserProcess p = new UserProcess(kernel, mm, elf, bias);
        p.personality = personality & ~READ_IMPLIES_EXEC;
        p.randomized = randomize;
        // past the point of no return: what Linux's loader fails at from here on kills the new image
        // with SIGSEGV (ElfException.fatal) instead of failing execve
        boolean staticPie = elf.type() == ElfFile.Type.DYN && interp == null && maximumAlignment(elf) <= 4096;
        String problem = elf.loadProblem(bias, mm.taskSizeMax, false, staticPie, mm.totalRamPages);
        if (problem != null) throw ElfException.fatal(problem);
        // load_elf_binary: BAD_ADDR(e_entry + load_bias), i.e. at or above TASK_SIZE
        if (interp == null && Long.compareUnsigned(p.entry, mm.taskSizeMax) >= 0) {
            throw ElfException.fatal("e_entry 0x" + Long.toHexString(elf.entry())
                    + (bias != 0 ? " + load bias 0x" + Long.toHexString(bias) : "")
                    + " is outside the user address space (below 0x" + Long.toHexString(mm.taskSizeMax) + ")");
        }
        String base = path.substring(path.lastIndexOf('/') + 1);
        p.comm = base.length() > 15 ? base.substring(0, 15) : base;
        p.setupArgPages(stackTop, path, argv, envp);
        long highest = p.mapSegments(elf, bias, MappedFile.image(guestPath, dev, ino, file), true);
        mm.startBrk = mm.brk = highest;
        if (interp != null) {
            // load_elf_interp: an ET_DYN interpreter is placed by the mmap allocator (top-down below
            // the mmap base), as one block of its whole PT_LOAD span; an ET_EXEC one where it is linked
            long span = interp.elf.loadEnd() - interp.elf.loadStart();
            long ibias = 0;
            if (interp.elf.type() == ElfFile.Type.DYN) {
                long at = Long.compareUnsigned(span, mm.taskSizeMax) < 0 ? mm.findFree(0, span) : -1;
                if (at < 0) throw ElfException.fatal("no room for the interpreter " + interp.path + " (" + span + " bytes)");
                ibias = at - interp.elf.loadStart();
            }
            String ip = interp.elf.loadProblem(ibias, mm.taskSizeMax, true, false, mm.totalRamPages);
            if (ip != null) throw ElfException.fatal("interpreter " + ElfFile.printable(interp.path) + ": " + ip);
            p.mapSegments(interp.elf, ibias, MappedFile.image(interp.path, interp.dev, interp.ino, interp.bytes), false);
            p.interpBase = ibias + interp.elf.loadStart();
            p.startPc = interp.elf.entry() + ibias;
            if (Long.compareUnsigned(p.startPc, mm.taskSizeMax) >= 0) {
                throw ElfException.fatal("the interpreter's e_entry 0x" + Long.toHexString(interp.elf.entry()) + " is outside the user address space");
            }
        }
        if (kernel.vdso != null) p.mapVdso(kernel.vdso, rnd);
        p.initialSp = p.createElfTables(randomize, rnd);
        if (randomize) {
            // randomize_va_space 2: a loader's brk moves out of the mmap area to ELF_ET_DYN_BASE, then arch_randomize_brk
            long brk = elf.type() == ElfFile.Type.DYN && interp == null ? ELF_ET_DYN_BASE : mm.brk;
            mm.startBrk = mm.brk = randomizePage(brk, BRK_RND_RANGE, rnd);
        }
        return p;
    }

    /** arch_mmap_rnd() of a 64-bit task: MMAP_RND_BITS random bits of pages. */
    static long mmapRnd(java.util.Random rnd) {
        return (rnd.nextLong() & ((1L << MMAP_RND_BITS) - 1)) << 12;
    }

    /** arch_align_stack: less than 8 KiB lower when randomising, then 16-byte aligned. */
    static long alignStack(long sp, boolean randomize, java.util.Random rnd) {
        if (randomize) sp -= rnd.nextInt(8192);
        return sp & ~0xFL;
    }

    /** mm/util.c randomize_page: a page-aligned address in [start, start + range) (start page aligned up first). */
    static long randomizePage(long start, long range, java.util.Random rnd) {
        if ((start & 0xFFF) != 0) {
            long up = (start + 0xFFF) & ~0xFFFL;
            range -= up - start;
            start = up;
        }
        long pages = range >>> 12;
        return pages == 0 ? start : start + (Long.remainderUnsigned(rnd.nextLong(), pages) << 12);
    }

    /** The ELF interpreter of a dynamic executable, read from the guest's file system (so --root applies). */
    record Interpreter(String path, ElfFile elf, byte[] bytes, long dev, long ino) {
        static Interpreter open(LinuxKernel kernel, String path) {
            dev.lstar.kernel.vfs.Vfs vfs = kernel.vfs();
            dev.lstar.kernel.vfs.Vfs.Lookup l;
            try {
                // an empty path is the working directory itself (open_exec of ""), refused with EACCES below
                l = vfs.lookup(vfs.cwd(), path.isEmpty() ? "." : path, true);
                if (!l.exists()) throw new dev.lstar.kernel.vfs.SysError(Errno.ENOENT);
            } catch (dev.lstar.kernel.vfs.SysError e) {
                if (e.errno == Errno.ENOENT || e.errno == Errno.ENOTDIR) {
                    throw new ElfException("interpreter " + (path.isEmpty() ? "(empty path)" : ElfFile.printable(path))
                            + ": No such file or directory", path, true);
                }
                throw new ElfException("interpreter " + ElfFile.printable(path) + ": " + Errno.name(e.errno), path, e.errno, false);
            }
            // open_exec: a regular file the caller may execute (else EACCES)
            if (!l.isRegular() || !vfs.mayAccess(l, 1)) {
                throw new ElfException("interpreter " + ElfFile.printable(path) + ": Permission denied", path, ElfException.EACCES, false);
            }
            dev.lstar.kernel.vfs.Stat st = vfs.stat(l);
            if (st.size() > MAX_INTERPRETER_BYTES) {
                throw new ElfException("interpreter " + ElfFile.printable(path) + " is larger than " + (MAX_INTERPRETER_BYTES >> 20) + " MiB",
                        path, Errno.ENOMEM, false);
            }
            byte[] bytes;
            try {
                bytes = java.nio.file.Files.readAllBytes(l.host());
            } catch (java.io.IOException e) {
                throw new ElfException("interpreter " + ElfFile.printable(path) + ": " + e.getMessage(), path, ElfException.EIO, false);
            }
            ElfFile elf;
            try {
                elf = ElfFile.parseInterpreter(bytes);
            } catch (ElfException e) {
                // -EIO (its header cut short) or -ELIBBAD: not a usable ELF interpreter
                throw new ElfException("interpreter " + ElfFile.printable(path) + " is not a usable ELF interpreter: " + e.getMessage(),
                        path, e.errno(), false);
            }
            return new Interpreter(l.guest(), elf, bytes, st.dev(), st.ino());
        }
    }

    /**
     * arch_setup_additional_pages of Linux 6.6 (after the interpreter, before the stack tables):
     * the {@code [vvar]} and {@code [vdso]} areas as one block, vvar first, at vdso_addr()'s
     * hint — a random page between the start of the stack's strings (page aligned up) and the next
     * 2 MiB boundary, so just above a randomised stack — when that range is free, else (as always
     * without randomisation, where the hint is at the top of user space) from the top-down mmap
     * allocator: a static executable's vvar at 0x7ffff7ff9000 and vDSO at 0x7ffff7ffd000, a
     * dynamic one's just below ld.so. (6.9 moved the vDSO into the mmap area for good.)
     */
    private void mapVdso(Vdso vdso, java.util.Random rnd) {
        long vvarLen = Vdso.VVAR_PAGES * 4096L, vdsoLen = Vdso.VDSO_PAGES * 4096L, len = vvarLen + vdsoLen;
        long start = (argStart + 0xFFF) & ~0xFFFL;
        long end = Math.min((start + len + (2L << 20) - 1) & -(2L << 20), AddressSpace.DEFAULT_MAP_WINDOW) - len;
        long hint = end > start ? start + ((long) rnd.nextInt((int) ((end - start) >>> 12) + 1) << 12) : start;
        long at = mm.findFree(hint, len);
        if (at < 0) throw new ElfException("no room for the vDSO");
        mm.vvarFrame = vdso.framePa;
        mm.vdsoImage = Vdso.image();
        mm.addSpecial(at, at + vvarLen, Vma.PROT_READ, "[vvar]", false);
        mm.addSpecial(at + vvarLen, at + len, Vma.PROT_READ | Vma.PROT_EXEC, "[vdso]", true);
        vdsoBase = at + vvarLen;
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

    /**
     * Maps the PT_LOAD segments of {@code elf} at {@code loadBias} as Linux's elf_load does, one
     * after the other in table order (a later segment replaces what an earlier one mapped where
     * they overlap, as MAP_FIXED does): the file pages as a private mapping of {@code image}, paged
     * in on demand; padzero of the rest of the last file page when the segment is writable (a
     * read-only one keeps the file's bytes there: Linux's clear_user fails and is ignored); the
     * pages past it anonymous, readable and writable whatever p_flags says (vm_brk_flags),
     * executable if the segment is. {@link ElfFile#loadProblem} has checked that all of it maps.
     * Returns the end of the highest segment, page aligned.
     */
    private long mapSegments(ElfFile elf, long loadBias, MappedFile image, boolean main) {
        long highest = 0;
        for (ProgramHeader ph : elf.loadSegments()) {
            long va = ph.vaddr() + loadBias;
            if (main) {
                // load_elf_binary: start_data is the highest segment's p_vaddr, end_data the highest p_vaddr + p_filesz
                mm.startData = Math.max(mm.startData, va);
                mm.endData = Math.max(mm.endData, va + ph.filesz());
            }
            long start = va & ~0xFFFL;
            long end = (va + ph.memsz() + 0xFFF) & ~0xFFFL;
            if (ph.filesz() == 0 && ph.memsz() == 0) continue; // elf_load maps nothing for it
            if (end > mm.taskSizeMax || start < ElfFile.MMAP_MIN_ADDR) {
                throw ElfException.fatal(String.format("segment %d at 0x%x-0x%x is outside user space", ph.index(), start, end));
            }
            int prot = (ph.readable() ? Vma.PROT_READ : 0) | (ph.writable() ? Vma.PROT_WRITE : 0) | (ph.executable() ? Vma.PROT_EXEC : 0);
            long zeroStart = start;
            if (ph.filesz() != 0) {
                zeroStart = (va + ph.filesz() + 0xFFF) & ~0xFFFL;
                mm.addFile(start, zeroStart, prot, image, ph.offset() - (va & 0xFFF), false, true);
                long dataEnd = va + ph.filesz();
                if (ph.memsz() > ph.filesz() && ph.writable() && (dataEnd & 0xFFF) != 0) {
                    mm.zeroRange(dataEnd, (int) (4096 - (dataEnd & 0xFFF)));
                }
            }
            if (end > zeroStart) {
                mm.add(zeroStart, end, Vma.PROT_READ | Vma.PROT_WRITE | (ph.executable() ? Vma.PROT_EXEC : 0), "elf");
            }
            highest = Math.max(highest, end);
        }
        return highest;
    }

    /**
     * setup_arg_pages with the strings copy_strings put on the new stack: the {@code [stack]} VMA
     * ending at {@code top}, and from {@code top - 8} down the executable's name (AT_EXECFN), the
     * environment strings and the argument strings (mm->start_stack = argStart, the lowest).
     */
    private void setupArgPages(long top, String path, List<String> argv, List<String> envp) {
        // PT_GNU_STACK decides whether the stack is executable (fs/binfmt_elf.c: EXSTACK_ENABLE_X when
        // its PF_X is set; with no PT_GNU_STACK x86-64 defaults to non-executable since 5.x)
        boolean execStack = elf.gnuStack().map(ProgramHeader::executable).orElse(false);
        mm.add(top - AddressSpace.STACK_SIZE, top, Vma.PROT_READ | Vma.PROT_WRITE | (execStack ? Vma.PROT_EXEC : 0), "[stack]");
        long sp = top - 8; // Linux leaves the pointer-sized end marker area
        sp = pushString(sp, path);
        execfn = sp;
        envAddrs = new ArrayList<>();
        argAddrs = new ArrayList<>();
        envEnd = sp;
        for (int i = envp.size() - 1; i >= 0; i--) { sp = pushString(sp, envp.get(i)); envAddrs.add(0, sp); }
        envStart = argEnd = sp;
        for (int i = argv.size() - 1; i >= 0; i--) { sp = pushString(sp, argv.get(i)); argAddrs.add(0, sp); }
        argStart = sp;
    }

    /** Between setupArgPages and createElfTables: AT_EXECFN and the string addresses. */
    private long execfn;
    private List<Long> envAddrs, argAddrs;

    /**
     * The rest of the initial stack (fs/binfmt_elf.c create_elf_tables): below the strings,
     * arch_align_stack (a random shift under 8 KiB when randomising, 16-byte aligned), the platform
     * string, AT_RANDOM's 16 bytes, then 16-byte aligned: argc, argv[], NULL, envp[], NULL, auxv
     * pairs, AT_NULL. Returns the initial stack pointer.
     */
    private long createElfTables(boolean randomize, java.util.Random rnd) {
        long sp = alignStack(argStart, randomize, rnd);
        sp = pushString(sp, "x86_64");
        long platform = sp;
        byte[] random = new byte[16];
        if (kernel.config.aslrSeed() != null) rnd.nextBytes(random); // a seeded run repeats AT_RANDOM too
        else kernel.random.nextBytes(random);
        sp -= 16;
        mm.poke(sp, random, 0, 16);
        long randomAddr = sp;

        long phdr = phdrAddress();
        // create_elf_tables' order: ARCH_DLINFO (AT_SYSINFO_EHDR with a vDSO, AT_MINSIGSTKSZ) first
        long hwcap2 = (kernel.cpu().cr4 & Cpu.CR4_FSGSBASE) != 0 ? HWCAP2_FSGSBASE : 0;
        long[] aux = {
            AT_SYSINFO_EHDR, vdsoBase, AT_MINSIGSTKSZ, MIN_SIGSTKSZ,
            AT_HWCAP, Cpuid.LEAF1_EDX & 0xFFFF_FFFFL, AT_PAGESZ, 4096, AT_CLKTCK, 100, AT_PHDR, phdr, AT_PHENT, ProgramHeader.SIZE,
            AT_PHNUM, elf.phnum(), AT_BASE, interpBase, AT_FLAGS, 0, AT_ENTRY, entry, AT_UID, Ids.uid(), AT_EUID, Ids.uid(),
            AT_GID, Ids.gid(), AT_EGID, Ids.gid(), AT_SECURE, 0, AT_RANDOM, randomAddr, AT_HWCAP2, hwcap2,
            AT_EXECFN, execfn, AT_PLATFORM, platform, AT_NULL, 0};
        if (vdsoBase == 0) aux = java.util.Arrays.copyOfRange(aux, 2, aux.length);
        this.auxv = aux;
        List<Long> argAddrs = this.argAddrs, envAddrs = this.envAddrs;
        this.argAddrs = this.envAddrs = null;
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

    /** /proc/self/auxv: the auxiliary vector's pairs as they are on the initial stack, AT_NULL included. */
    byte[] auxvBytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (long a : auxv) putLong(out, a);
        return out.toByteArray();
    }

    /**
     * /proc/self/maps as fs/proc/task_mmu.c show_map_vma prints it: range, rwx and p/s, the file
     * offset, the file's device (major:minor in hex) and inode, and, from column 73, the file's path,
     * [heap] or [stack]. Neighbouring anonymous areas of the same rights and kind, which Linux
     * would have merged, are printed as one line (file mappings are not merged: Linux keeps
     * separately mapped or partly written ones apart).
     */
    byte[] mapsText() {
        StringBuilder sb = new StringBuilder();
        List<Vma> list = mm.vmas();
        for (int i = 0; i < list.size(); i++) {
            Vma v = list.get(i);
            long end = v.end;
            while (i + 1 < list.size() && mergeable(v, end, list.get(i + 1))) end = list.get(++i).end;
            int line = sb.length();
            long dev = v.file != null ? v.file.dev : 0;
            long major = ((dev >>> 8) & 0xFFF) | ((dev >>> 32) & ~0xFFFL), minor = (dev & 0xFF) | ((dev >>> 12) & ~0xFFL);
            sb.append(String.format("%08x-%08x %c%c%c%c %08x %02x:%02x %d ", v.start, end,
                    (v.prot & Vma.PROT_READ) != 0 ? 'r' : '-', (v.prot & Vma.PROT_WRITE) != 0 ? 'w' : '-',
                    (v.prot & Vma.PROT_EXEC) != 0 ? 'x' : '-', v.shared ? 's' : 'p', v.file != null ? v.pgoff : 0,
                    major, minor, v.file != null ? v.file.ino : 0));
            String name = v.file != null ? v.file.path : v.name.startsWith("[") ? v.name : "";
            if (!name.isEmpty()) {
                while (sb.length() - line < 72) sb.append(' ');
                sb.append(' ').append(name);
            }
            sb.append('\n');
        }
        sb.append(Vsyscall.MAPS_LINE); // the gate area, after every VMA (vsyscall=xonly)
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static boolean mergeable(Vma a, long aEnd, Vma b) {
        if (b.start != aEnd || a.prot != b.prot || a.shared != b.shared || a.file != null || b.file != null) return false;
        return a.name.equals(b.name) ? !a.name.equals("[vvar]") && !a.name.equals("[vdso]")
                : !a.name.startsWith("[") && !b.name.startsWith("[");
    }

    /**
     * AT_PHDR as load_elf_binary computes it: the address of e_phoff inside the last PT_LOAD whose
     * file bytes hold it (PT_PHDR is not looked at), plus the load bias; the bias alone if none does.
     */
    private long phdrAddress() {
        long at = 0;
        for (ProgramHeader ph : elf.loadSegments()) {
            if (Long.compareUnsigned(ph.offset(), elf.phoff()) <= 0 && Long.compareUnsigned(elf.phoff(), ph.offset() + ph.filesz()) < 0) {
                at = elf.phoff() - ph.offset() + ph.vaddr();
            }
        }
        return at + loadBias;
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
        Cpu c = kernel.cpu();
        java.util.Arrays.fill(c.r, 0);
        c.r[Cpu.RSP] = initialSp;
        c.rip = startPc;
        c.setRflags(0x202);
        Gdt.enterRing(c, 3);
        c.kernelGsBase = c.segBase[Cpu.GS];
        c.segBase[Cpu.GS] = 0;
        c.segBase[Cpu.FS] = 0;
        kernel.sched.loadMm(mm, kernel.config.kpti());
    }
}
