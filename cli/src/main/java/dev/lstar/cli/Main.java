package dev.lstar.cli;

import dev.lstar.decoder.Disassembler;
import dev.lstar.kernel.ExitStatus;
import dev.lstar.kernel.KernelConfig;
import dev.lstar.kernel.LinuxKernel;
import dev.lstar.kernel.Signal;
import dev.lstar.kernel.elf.ElfException;
import dev.lstar.kernel.elf.ElfFile;
import dev.lstar.runtime.Vendor;
import dev.lstar.runtime.engine.Engine;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The lstar command line: {@code lstar run FILE [ARGS...]}, {@code lstar demo}. Every error a
 * user can cause (bad options, missing or corrupt files, guest crashes) ends in one clear line on
 * stderr and a non-zero status, never a Java stack trace.
 */
public final class Main {
    static final String USAGE = """
            usage: lstar run [OPTIONS] FILE [ARGS...]   run an x86-64 Linux executable (static or dynamic)
                   lstar demo [OPTIONS] [COUNT]          built-in guest making COUNT getpid syscalls
                   lstar --help | --version
            options:
              --engine interp|jit|lockstep   execution engine (default: %s)
              --kpti on|off                  page-table isolation (default: on)
              --pcid on|off                  PCIDs for the two address spaces (default: on)
              --cpu intel|amd                SYSCALL/SYSRET vendor semantics (default: intel)
              --la57                         5-level paging
              --no-canonical-check           debug: remove the kernel's SYSRET canonical-RCX check
              --no-aslr                      fixed layout, as 'setarch -R' (default: randomised as Linux 6.6;
                                             also fixed with --gdb, as under gdbserver, unless --aslr-seed)
              --aslr-seed N                  randomised layout (and AT_RANDOM) drawn from seed N: runs repeat
              --strace                       one line per system call on stderr
              --trace                        every guest instruction, disassembled, on stderr
              --stats                        instructions, blocks, syscalls and time at exit
              --memory SIZE                  guest RAM, e.g. 512M, 2G (default: %s; must fit the JVM heap)
              --cpus N                       modelled CPUs (default 1); guest threads on different CPUs run at the same time
              --limit-cpu SECONDS[:HARD]     RLIMIT_CPU like 'ulimit -t': SIGXCPU at SECONDS, SIGKILL at HARD
                                             (default HARD = SECONDS, so SIGKILL first, as on Linux)
              --gdb PORT                     wait for gdb on 127.0.0.1:PORT before the first instruction
              --gdb-listen ADDR:PORT         the same on another address (e.g. 0.0.0.0:1234)
              --gdb-kernel                   with --gdb: stop, step and break in ring 0 too (the kernel entry code)
              --root DIR                     confine the guest's files to DIR (its "/", working directory "/");
                                             default: the host's files with your rights and the current directory
              --env NAME=VALUE               set a variable in the guest's environment (repeatable)
              --unset-env NAME               remove a variable from the guest's environment (repeatable)
              --clear-env                    start from an empty environment (default: lstar's own, as qemu-user)
            exit status: the guest's, 128+N if it was killed by signal N (137 after an out-of-memory
            kill, 152 for SIGXCPU; a one-line report on stderr, except for SIGPIPE), 2 for usage
            errors, 126 for files that cannot be executed, 127 for files that do not exist.
            """;

    /**
     * Largest executable {@code lstar run} reads (the file is read whole into the JVM heap; static
     * executables are far smaller). Larger files are refused with status 126 before any byte is read.
     */
    static final long MAX_EXECUTABLE_BYTES = 256L << 20;

    /** Called with the machine just before the guest starts (tests use it to bound a run's time). */
    static volatile java.util.function.Consumer<dev.lstar.runtime.Machine> beforeRun;

    public static void main(String[] args) {
        HostSignals.enable();
        // the opcode table is built, and the guest loads' fence switch made, while the kernel boots
        // and the executable loads (README, start-up): work every run needs before its first instruction;
        // and the host-descriptor calls linked (HostIo: six FFM downcall handles, ~90 ms in a cold JVM,
        // which the first fstat of stdout — any printf — otherwise waits for: spectral-norm of size 1,
        // median of 10 runs 669 -> 610 ms)
        Thread.ofPlatform().daemon().name("lstar-preload").start(() -> {
            dev.lstar.decoder.Decoder.preload();
            dev.lstar.runtime.interp.Exec.preload(); // before C2 compiles execute: no "unloaded" traps (Exec.preload)
            dev.lstar.runtime.mem.LoadOrder.enabled();
            dev.lstar.kernel.vfs.HostIo.available();
        });
        preloadTranslator = true;
        int status = execute(args, System.in, System.out, System.err);
        System.out.flush();
        System.exit(status);
    }

    /**
     * Whether a run starts the translator's preload ({@link dev.lstar.translator.JitEngine#preload})
     * on a thread of its own while the kernel boots: set by {@link #main} (not by in-process tests).
     */
    private static volatile boolean preloadTranslator;

    /** The guest's working directory when it is not the JVM's (in-process tests); null: the JVM's. */
    private static final ThreadLocal<Path> GUEST_CWD = new ThreadLocal<>();

    /** {@link #execute(String[], InputStream, PrintStream, PrintStream)} with the guest started in {@code cwd}. */
    static int execute(String[] args, InputStream in, PrintStream out, PrintStream err, Path cwd) {
        GUEST_CWD.set(cwd);
        try {
            return execute(args, in, out, err);
        } finally {
            GUEST_CWD.remove();
        }
    }

    /** The whole command with its top-level error handling: what {@link #main} exits with. */
    static int execute(String[] args, InputStream in, PrintStream out, PrintStream err) {
        int status;
        try {
            status = run(args, in, out, err);
        } catch (UsageException e) {
            err.println("lstar: " + e.getMessage());
            err.println("try 'lstar --help'");
            status = 2;
        } catch (dev.lstar.runtime.mem.PhysicalMemory.HostMemoryExhaustedException e) {
            System.err.println("lstar: " + e.getMessage());
            status = 70;
        } catch (OutOfMemoryError e) {
            err.println("lstar: the host JVM ran out of memory (" + e.getMessage() + ")");
            status = 70;
        } catch (RuntimeException e) {
            // an lstar bug, not a guest's doing: one line plus where, so it can be reported
            StackTraceElement at = e.getStackTrace().length > 0 ? e.getStackTrace()[0] : null;
            err.println("lstar: internal error: " + e + (at != null ? " at " + at : ""));
            status = 70;
        }
        return status;
    }

    static final class UsageException extends RuntimeException {
        UsageException(String m) {
            super(m);
        }
    }

    /** Parsed options. */
    static final class Options {
        String engine = Engines.DEFAULT;
        boolean engineChosen;
        boolean kpti = true, pcid = true, la57 = false, canonicalCheck = true, strace, trace, stats;
        /** --no-aslr clears it; --aslr-seed sets the seed (null: SecureRandom). */
        boolean aslr = true;
        Long aslrSeed;
        Vendor vendor = Vendor.INTEL;
        /** --memory in bytes, or -1 for the default. */
        long memory = -1;
        /** --cpus: the modelled CPUs. */
        int cpus = 1;
        /** --limit-cpu soft and hard seconds, or -1 for none. */
        long cpuSoft = -1, cpuHard = -1;
        /** --root: the directory the guest sees as "/", or null for the host's file system. */
        Path root;
        /** --clear-env: do not start from lstar's own environment. */
        boolean clearEnv;
        /** --env NAME=VALUE and --unset-env NAME in command-line order ("NAME=VALUE" sets, "NAME" unsets). */
        final List<String> envEdits = new ArrayList<>();
        /** --gdb / --gdb-listen: where the gdb stub listens, or null for no stub. */
        java.net.InetSocketAddress gdb;
        boolean gdbKernel;
        final List<String> rest = new ArrayList<>();
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, System.in, out, err);
    }

    static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
        if (args.length == 0) throw new UsageException("no command given");
        String cmd = args[0];
        switch (cmd) {
            case "--help", "-h", "help" -> { out.printf(USAGE, Engines.DEFAULT, (LinuxKernel.defaultRamBytes() >> 20) + "M"); return 0; }
            case "--version", "version" -> { out.println("lstar 0.1.0 (x86-64 on the JVM, Java " + Runtime.version() + ")"); return 0; }
            case "run", "demo" -> { }
            default -> throw new UsageException("unknown command '" + cmd + "'");
        }
        Options o = parse(args, 1);
        if (cmd.equals("demo")) return Demo.run(o, out, err);
        if (o.rest.isEmpty()) throw new UsageException("run: no FILE given");
        if (preloadTranslator && !o.engine.equals("interp")) { // once per JVM, started by main()
            preloadTranslator = false;
            Thread.ofPlatform().daemon().name("lstar-preload-jit").start(dev.lstar.translator.JitEngine::preload);
        }
        String name = o.rest.get(0);
        byte[] elf;
        try {
            elf = readExecutable(name);
        } catch (FileRefused e) {
            err.println("lstar: " + name + ": " + e.getMessage());
            return e.status;
        }
        return runGuest(o, elf, name, o.rest, out, err, in).status;
    }

    /** A file {@code lstar run} will not read, with the shell's status for it (126 or 127). */
    static final class FileRefused extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;

        FileRefused(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    /**
     * The bytes of the executable {@code name}, read only if it is a regular file (after symbolic
     * links, as execve follows them) of at most {@link #MAX_EXECUTABLE_BYTES}. Linux's execve
     * refuses directories, devices, FIFOs and sockets with EACCES before reading anything; so does
     * this (reading /dev/zero would never end, opening a FIFO would block).
     */
    static byte[] readExecutable(String name) throws FileRefused {
        Path file;
        try {
            file = Path.of(name);
        } catch (java.nio.file.InvalidPathException e) {
            throw new FileRefused(127, "No such file or directory");
        }
        java.nio.file.attribute.BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class);
        } catch (IOException e) {
            throw refusal(e);
        }
        if (attrs.isDirectory()) throw new FileRefused(126, "Is a directory");
        if (!attrs.isRegularFile()) {
            throw new FileRefused(126, "Permission denied (not a regular file: " + kind(file) + ")");
        }
        if (attrs.size() > MAX_EXECUTABLE_BYTES) {
            throw new FileRefused(126, "file too large (" + attrs.size() + " bytes; lstar runs executables of up to "
                    + (MAX_EXECUTABLE_BYTES >> 20) + " MiB)");
        }
        // read at most one byte more than the limit: the file may have grown, or been replaced, since
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes((int) MAX_EXECUTABLE_BYTES + 1);
            if (bytes.length > MAX_EXECUTABLE_BYTES) {
                throw new FileRefused(126, "file too large (more than " + (MAX_EXECUTABLE_BYTES >> 20) + " MiB)");
            }
            return bytes;
        } catch (IOException e) {
            throw refusal(e);
        }
    }

    /** What execve would say about a file it cannot stat or read: ENOENT (127), EACCES (126), other (126). */
    private static FileRefused refusal(IOException e) {
        if (e instanceof NoSuchFileException) return new FileRefused(127, "No such file or directory");
        if (e instanceof AccessDeniedException) return new FileRefused(126, "Permission denied");
        return new FileRefused(126, "cannot read: " + oneLine(e));
    }

    /** What a non-regular file is, by its st_mode (the JDK's "unix" attribute view), for the message. */
    private static String kind(Path file) {
        try {
            int mode = (Integer) Files.getAttribute(file, "unix:mode");
            return switch (mode & 0170000) {
                case 0020000 -> "a character device";
                case 0060000 -> "a block device";
                case 0010000 -> "a FIFO";
                case 0140000 -> "a socket";
                default -> "a special file";
            };
        } catch (IOException | RuntimeException e) {
            return "a special file";
        }
    }

    private static String oneLine(IOException e) {
        String m = e.getMessage() == null ? "I/O error" : e.getMessage();
        return m.replaceAll("[\\r\\n]+", " ");
    }

    static Options parse(String[] args, int from) {
        Options o = new Options();
        int i = from;
        for (; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) break;
            switch (a) {
                case "--engine" -> { o.engine = Engines.check(value(args, ++i, a)); o.engineChosen = true; }
                case "--kpti" -> o.kpti = onOff(value(args, ++i, a), a);
                case "--pcid" -> o.pcid = onOff(value(args, ++i, a), a);
                case "--cpu" -> o.vendor = switch (value(args, ++i, a).toLowerCase(Locale.ROOT)) {
                    case "intel" -> Vendor.INTEL;
                    case "amd" -> Vendor.AMD;
                    default -> throw new UsageException("--cpu takes intel or amd, not '" + args[i] + "'");
                };
                case "--la57" -> o.la57 = true;
                case "--no-canonical-check" -> o.canonicalCheck = false;
                case "--no-aslr" -> o.aslr = false;
                case "--aslr-seed" -> {
                    String v = value(args, ++i, a);
                    try {
                        o.aslrSeed = Long.decode(v);
                    } catch (NumberFormatException e) {
                        throw new UsageException("--aslr-seed takes a number, not '" + v + "'");
                    }
                }
                case "--strace" -> o.strace = true;
                case "--trace" -> o.trace = true;
                case "--stats" -> o.stats = true;
                case "--memory" -> o.memory = memorySize(value(args, ++i, a));
                case "--cpus" -> o.cpus = cpuCount(value(args, ++i, a));
                case "--limit-cpu" -> limitCpu(o, value(args, ++i, a));
                case "--root" -> o.root = rootDir(value(args, ++i, a));
                case "--env" -> {
                    String v = value(args, ++i, a);
                    int eq = v.indexOf('=');
                    if (eq <= 0) throw new UsageException("--env takes NAME=VALUE, not '" + v + "'");
                    o.envEdits.add(v);
                }
                case "--unset-env" -> {
                    String v = value(args, ++i, a);
                    if (v.isEmpty() || v.indexOf('=') >= 0) throw new UsageException("--unset-env takes a NAME, not '" + v + "'");
                    o.envEdits.add(v);
                }
                case "--clear-env" -> o.clearEnv = true;
                case "--gdb" -> o.gdb = new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port(value(args, ++i, a), a));
                case "--gdb-listen" -> o.gdb = listenAddress(value(args, ++i, a));
                case "--gdb-kernel" -> o.gdbKernel = true;
                case "--" -> { i++; for (; i < args.length; i++) o.rest.add(args[i]); return checked(o); }
                default -> throw new UsageException("unknown option '" + a + "'");
            }
        }
        for (; i < args.length; i++) o.rest.add(args[i]);
        return checked(o);
    }

    /** Option combinations that cannot work. */
    private static Options checked(Options o) {
        if (o.gdb != null && o.trace) {
            // traced blocks are interpreted without the hook calls breakpoints and watchpoints need
            throw new UsageException("--gdb cannot be combined with --trace");
        }
        if (o.gdbKernel && o.gdb == null) throw new UsageException("--gdb-kernel needs --gdb PORT or --gdb-listen ADDR:PORT");
        if (o.gdb != null && o.cpus > 1) throw new UsageException("--gdb debugs one CPU: it cannot be combined with --cpus " + o.cpus);
        if (o.engine.equals("lockstep") && o.cpus > 1) {
            // lockstep replays each block on a shadow of memory that no other CPU may change meanwhile
            throw new UsageException("--engine lockstep compares one CPU's blocks: it cannot be combined with --cpus " + o.cpus);
        }
        if (o.trace && o.cpus > 1) throw new UsageException("--trace follows one CPU: it cannot be combined with --cpus " + o.cpus);
        return o;
    }

    static int port(String v, String opt) {
        try {
            int p = Integer.parseInt(v);
            if (p >= 0 && p <= 65535) return p;
        } catch (NumberFormatException e) {
            // below
        }
        throw new UsageException(opt + " takes a TCP port (0-65535), not '" + v + "'");
    }

    /** --gdb-listen ADDR:PORT (an IPv6 address in brackets). */
    static java.net.InetSocketAddress listenAddress(String v) {
        int colon = v.lastIndexOf(':');
        if (colon <= 0) throw new UsageException("--gdb-listen takes ADDR:PORT, not '" + v + "'");
        String host = v.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        int p = port(v.substring(colon + 1), "--gdb-listen");
        try {
            return new java.net.InetSocketAddress(java.net.InetAddress.getByName(host), p);
        } catch (java.net.UnknownHostException e) {
            throw new UsageException("--gdb-listen: unknown address '" + host + "'");
        }
    }

    /** "512M", "2G", "65536K", "1073741824" (binary units; an optional B or iB after the unit). */
    static int cpuCount(String v) {
        int n;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new UsageException("--cpus takes a number of CPUs, not '" + v + "'");
        }
        if (n < 1 || n > KernelConfig.MAX_CPUS) throw new UsageException("--cpus takes 1.." + KernelConfig.MAX_CPUS + ", not " + n);
        return n;
    }

    static long memorySize(String v) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)(\\d{1,15})([kmgt]?)(i?b)?").matcher(v);
        if (!m.matches()) throw new UsageException("--memory takes a size like 512M or 2G, not '" + v + "'");
        int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> 10; case "m" -> 20; case "g" -> 30; case "t" -> 40; default -> 0;
        };
        long n = Long.parseLong(m.group(1));
        if (n > (Long.MAX_VALUE >> shift)) throw new UsageException("--memory " + v + " is too large");
        long bytes = n << shift;
        try {
            LinuxKernel.checkRamFitsHeap(bytes);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--memory " + v + ": " + e.getMessage());
        }
        return bytes;
    }

    /** "N" (soft = hard = N seconds, like ulimit -t) or "SOFT:HARD" (HARD may be "unlimited"). */
    static void limitCpu(Options o, String v) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,12})(?::(\\d{1,12}|unlimited))?").matcher(v);
        if (!m.matches()) throw new UsageException("--limit-cpu takes SECONDS or SOFT:HARD, not '" + v + "'");
        o.cpuSoft = Long.parseLong(m.group(1));
        o.cpuHard = m.group(2) == null ? o.cpuSoft : m.group(2).equals("unlimited") ? -1 : Long.parseLong(m.group(2));
        if (o.cpuHard != -1 && o.cpuSoft > o.cpuHard) {
            throw new UsageException("--limit-cpu " + v + ": the soft limit is above the hard limit");
        }
    }

    /** --root DIR: an existing directory (symbolic links to it are resolved once, here, by the host). */
    static Path rootDir(String v) {
        try {
            Path p = Path.of(v).toRealPath();
            if (!Files.isDirectory(p)) throw new UsageException("--root " + v + ": not a directory");
            return p;
        } catch (IOException | java.nio.file.InvalidPathException e) {
            throw new UsageException("--root " + v + ": no such directory");
        }
    }

    private static String value(String[] args, int i, String opt) {
        if (i >= args.length) throw new UsageException(opt + " needs a value");
        return args[i];
    }

    private static boolean onOff(String v, String opt) {
        return switch (v) {
            case "on" -> true;
            case "off" -> false;
            default -> throw new UsageException(opt + " takes on or off, not '" + v + "'");
        };
    }

    /** The result of one guest run ({@code stats}: the --stats text, empty without --stats). */
    record Outcome(int status, ExitStatus exit, long syscalls, long instructions, long nanos, String stats) {}

    static Outcome runGuest(Options o, byte[] elf, String path, List<String> argv, PrintStream out, PrintStream err, InputStream in) {
        // under --gdb the layout is fixed unless a seed makes it reproducible (gdbserver disables randomisation too)
        boolean aslr = o.aslr && (o.gdb == null || o.aslrSeed != null);
        KernelConfig cfg = new KernelConfig(o.vendor, o.kpti, o.pcid, o.la57, o.canonicalCheck, o.strace, in, out, err, err, aslr, o.aslrSeed, o.cpus);
        LinuxKernel kernel;
        try {
            kernel = LinuxKernel.boot(cfg, o.memory > 0 ? o.memory : LinuxKernel.defaultRamBytes());
        } catch (IllegalArgumentException e) { // the default RAM does not fit a tiny heap
            err.println("lstar: " + e.getMessage());
            return new Outcome(70, null, 0, 0, 0, "");
        }
        if (o.root != null) kernel.setFileSystem(dev.lstar.kernel.vfs.Vfs.confined(o.root));
        else if (GUEST_CWD.get() != null) kernel.setFileSystem(new dev.lstar.kernel.vfs.Vfs(Path.of("/"), GUEST_CWD.get().toAbsolutePath().toString()));
        if (o.cpuSoft >= 0) {
            kernel.limits().set(dev.lstar.kernel.ResourceLimits.RLIMIT_CPU, o.cpuSoft, o.cpuHard); // -1: RLIM_INFINITY
        }
        dev.lstar.kernel.UserProcess process;
        try {
            process = kernel.exec(elf, path, argv, environment(o));
        } catch (ElfException e) {
            if (e.interpreterMissing()) {
                // Linux's execve opens the interpreter next and fails with ENOENT: the shell's 127
                err.println("lstar: " + path + ": interpreter " + ElfFile.printable(e.interpreter()) + ": No such file or directory");
                return new Outcome(127, null, 0, 0, 0, "");
            }
            if (e.fatal()) {
                // Linux's loader fails past exec's point of no return: the new process dies with SIGSEGV
                err.println("lstar: killed by SIGSEGV (core dumped): " + path + ": the loader failed past exec's point of no return: "
                        + e.getMessage());
                return new Outcome(Signal.SIGSEGV.exitStatus(), null, 0, 0, 0, "");
            }
            err.println("lstar: " + path + ": " + e.getMessage());
            return new Outcome(126, null, 0, 0, 0, "");
        }
        if (o.trace) {
            kernel.machine.tracer = (cpu, insn) -> {
                String at = kernel.image.symbolize(insn.address);
                String target = insn.kind[0] == dev.lstar.decoder.Instruction.OP_REL ? kernel.image.symbolize(insn.target) : null;
                err.printf("[ring %d] %016x %-44s %s%s%n", cpu.cpl, insn.address, at == null ? "" : "<" + at + ">",
                        Disassembler.format(insn), target == null ? "" : " <" + target + ">");
            };
        }
        // one code cache for all CPUs: a block is translated once, whichever CPU runs it first
        dev.lstar.api.SharedCode code = o.cpus > 1 ? dev.lstar.api.SharedCode.create() : null;
        Engine engine = Engines.create(o.engine, kernel.machine, code);
        kernel.setEngineFactory(m -> Engines.create(o.engine, m, code));
        // lockstep runs every block twice: the vDSO's clocks must not move between the two runs
        if (o.engine.equals("lockstep")) kernel.vvarRefresh(false);
        dev.lstar.api.gdb.GdbStub gdb = null;
        if (o.gdb != null) {
            try {
                gdb = GdbSupport.attach(kernel, process, engine, o.gdb, path, o.gdbKernel, err);
            } catch (java.io.IOException e) {
                err.println("lstar: --gdb: cannot listen on " + o.gdb + ": " + e.getMessage());
                return new Outcome(70, null, 0, 0, 0, "");
            }
            engine = gdb;
        }
        var hook = beforeRun;
        if (hook != null) hook.accept(kernel.machine);
        long t0 = System.nanoTime();
        ExitStatus exit;
        try (HostSignals forwarding = HostSignals.forward(kernel)) {
            exit = kernel.run(engine);
        }
        long nanos = System.nanoTime() - t0;
        if (gdb != null) gdb.exited(exit.code(), exit.signal() == null ? 0 : exit.signal().number);
        out.flush();
        // a death by SIGPIPE stays quiet, as shells keep it (`lstar run prog | head` is routine)
        if ((exit.signal() != null && exit.signal() != Signal.SIGPIPE) || exit.message().startsWith("unsupported:")) {
            err.println("lstar: " + exit.message());
        }
        // (formatted only when asked for: java.text's number formatting costs a short run milliseconds to load)
        String stats = o.stats ? stats(o, kernel, engine, nanos) : "";
        if (o.stats) err.println(stats);
        return new Outcome(exit.shellStatus(), exit, kernel.syscallCount(), kernel.cpu.instructions, nanos, stats);
    }

    /** What --stats prints: the run's counts, the engine's statistics and the MMU's, each CPU's with more than one. */
    private static String stats(Options o, LinuxKernel kernel, Engine engine, long nanos) {
        dev.lstar.runtime.mem.Mmu mmu = kernel.machine.mmu;
        // the CPU time of this thread (the run's, for one CPU): less disturbed by a busy host than the wall time
        double cpu = java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() / 1e9;
        String stats = String.format("lstar stats: engine %s, %s, kpti %s, %,d instructions, %,d syscalls, %.3f s (%.3f s CPU on the main thread)%n%s%n"
                        + "mmu: %,d slow-path accesses, %,d page walks, %,d second-way hits, %,d page faults, %,d CR3 writes, %,d invlpg, %,d full flushes",
                engine.name(), o.vendor.name().toLowerCase(Locale.ROOT), o.kpti ? "on" : "off",
                kernel.cpu.instructions, kernel.syscallCount(), nanos / 1e9, cpu, engine.stats().strip(),
                mmu.slowAccesses, mmu.walks, mmu.victimHits, mmu.pageFaults, mmu.cr3Writes, mmu.invlpgs, mmu.fullFlushes);
        if (kernel.engines().size() > 1) { // each CPU's engine; CPU 0's is above
            StringBuilder more = new StringBuilder(stats.strip());
            java.util.List<Engine> es = kernel.engines();
            for (int i = 1; i < es.size(); i++) {
                Engine e = es.get(i);
                more.append("\ncpu ").append(i).append(": ").append(kernel.machines().get(i).cpu.instructions)
                        .append(" instructions\n").append(e.stats().strip());
            }
            stats = more.toString();
        }
        return stats.strip();
    }

    /**
     * The guest's environment: lstar's own (in the order the process received it, from
     * /proc/self/environ where the host has it), unless --clear-env, then the --env and
     * --unset-env edits in order (a set replaces the variable where it stands, or appends it).
     */
    static List<String> environment(Options o) {
        List<String> env = new ArrayList<>();
        if (!o.clearEnv) env.addAll(hostEnvironment());
        for (String edit : o.envEdits) {
            int eq = edit.indexOf('=');
            String name = eq < 0 ? edit : edit.substring(0, eq);
            int at = -1;
            for (int i = 0; i < env.size(); i++) {
                String e = env.get(i);
                if (e.startsWith(name) && (e.length() == name.length() || e.charAt(name.length()) == '=')) {
                    if (at < 0) at = i; else { env.remove(i); i--; }
                }
            }
            if (eq < 0) { if (at >= 0) env.remove(at); }
            else if (at >= 0) env.set(at, edit);
            else env.add(edit);
        }
        return env;
    }

    /** The JVM process's environment strings, in their original order when /proc/self/environ is readable. */
    static List<String> hostEnvironment() {
        List<String> env = new ArrayList<>();
        try {
            byte[] b = Files.readAllBytes(Path.of("/proc/self/environ"));
            int start = 0;
            for (int i = 0; i < b.length; i++) {
                if (b[i] == 0) {
                    if (i > start) env.add(new String(b, start, i - start, java.nio.charset.StandardCharsets.UTF_8));
                    start = i + 1;
                }
            }
            if (!env.isEmpty()) return env;
        } catch (IOException | RuntimeException e) {
            // no procfs: the JVM's view of the environment, in its order
        }
        System.getenv().forEach((k, v) -> env.add(k + "=" + v));
        return env;
    }

    static byte[] resource(String name) {
        try (InputStream in = Main.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("missing resource " + name);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read resource " + name, e);
        }
    }
}
