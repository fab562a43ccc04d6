package dev.lstar.conformance.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lstar.kernel.ExitStatus;
import dev.lstar.kernel.KernelConfig;
import dev.lstar.kernel.LinuxKernel;
import dev.lstar.kernel.vfs.Vfs;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Address-space layout randomisation ({@code src/test/resources/c/aslr.c}, built at test time as
 * a glibc static-pie, a glibc dynamic PIE and a musl static non-PIE executable): two runs under
 * lstar lay the process out differently, every address inside the window Linux 6.6 draws it from
 * (the same windows hold natively, widened where the host's newer kernel differs: brk's 1 GiB
 * range and the vDSO in the mmap area since 6.9); /proc/self/maps agrees; {@code --no-aslr}
 * (KernelConfig.withAslr(false)) gives one fixed layout, the one {@code setarch -R} gives natively;
 * a seed repeats a layout; personality(ADDR_NO_RANDOMIZE) set by {@code setarch -R} inside the
 * guest holds across fork and execve, and without it each execve draws anew.
 */
class AslrTest {
    @TempDir
    static Path dir;

    static final List<String> ENV = List.of("PATH=/usr/bin:/bin");
    static final long STACK_TOP = 0x7ffffffff000L;
    /** The lowest randomised stack top: STACK_RND_MASK pages lower, and a page for arch_align_stack. */
    static final long STACK_TOP_MIN = STACK_TOP - (0x3fffffL << 12) - 4096;
    /** mmap_base with the 8 MiB stack limit and no random offset: below the stack's whole random range. */
    static final long MMAP_HI = STACK_TOP - ((8L << 20) + (0x3fffffL << 12) + (1L << 20));
    /** 28 bits of pages lower at most, and room for what is mapped below the base. */
    static final long MMAP_LO = MMAP_HI - (((1L << 28) - 1) << 12) - (1L << 30);
    static final long ET_DYN_BASE = 0x555555554000L;
    static final long MIB = 1L << 20;

    enum Variant {
        STATIC_PIE("gcc", "-static-pie"), DYNAMIC_PIE("gcc", "-pie"), MUSL_STATIC("musl-gcc", "-static");

        final String cc, flag;

        Variant(String cc, String flag) {
            this.cc = cc;
            this.flag = flag;
        }
    }

    private static final Map<Variant, Path> BUILT = new java.util.EnumMap<>(Variant.class);

    static synchronized Path build(Variant v) throws Exception {
        assumeTrue(NativeRun.available(), NativeRun.unavailableReason());
        Path exe = BUILT.get(v);
        if (exe != null) return exe;
        Path src = dir.resolve("aslr.c");
        if (!Files.exists(src)) {
            try (InputStream in = Objects.requireNonNull(AslrTest.class.getResourceAsStream("/c/aslr.c"))) {
                Files.write(src, in.readAllBytes());
            }
        }
        exe = dir.resolve("aslr-" + v.name().toLowerCase(java.util.Locale.ROOT));
        List<String> cmd = List.of(v.cc, "-O2", v.flag, "-o", exe.toString(), src.toString());
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException notInstalled) {
            assumeTrue(false, v.cc + " is not installed");
            return null;
        }
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, String.join(" ", cmd) + " failed:\n" + log);
        BUILT.put(v, exe);
        return exe;
    }

    /** "name 0x..." and "in name region" lines as a map (regions under "in name"). */
    static Map<String, String> parse(String out) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : out.split("\n")) {
            if (line.startsWith("in ")) {
                String[] f = line.split(" ", 3);
                m.put("in " + f[1], f.length > 2 ? f[2] : "");
            } else if (!line.isBlank()) {
                String[] f = line.split(" ", 2);
                m.put(f[0], f[1]);
            }
        }
        return m;
    }

    static long addr(Map<String, String> m, String key) {
        String v = m.get(key);
        assertTrue(v != null && v.startsWith("0x"), key + " in " + m);
        return Long.parseUnsignedLong(v.substring(2), 16);
    }

    /** The program's output blocks (one per run of it) under lstar, the guest started as {@code argv}. */
    static List<Map<String, String>> lstar(UnaryOperator<KernelConfig> config, Path exe, List<String> argv) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        KernelConfig cfg = config.apply(KernelConfig.defaults()).withIo(new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8))
                .withLog(new PrintStream(err, true, StandardCharsets.UTF_8));
        LinuxKernel k = LinuxKernel.boot(cfg);
        k.setFileSystem(Vfs.host());
        k.exec(Files.readAllBytes(exe), exe.toString(), argv, ENV);
        EngineFactory jit = EngineFactory.ALL.stream().filter(e -> e.name().equals("jit")).findFirst().orElseThrow();
        ExitStatus exit = k.run(jit.create().apply(k.machine));
        String stdout = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, exit.shellStatus(), stdout + exit.message() + "\n" + err.toString(StandardCharsets.UTF_8));
        return blocks(stdout);
    }

    static Map<String, String> lstar(UnaryOperator<KernelConfig> config, Path exe) throws IOException {
        List<Map<String, String>> b = lstar(config, exe, List.of(exe.toString()));
        assertEquals(1, b.size());
        return b.getFirst();
    }

    static List<Map<String, String>> blocks(String out) {
        List<Map<String, String>> all = new ArrayList<>();
        for (String block : out.split("(?=main 0x)")) if (!block.isBlank()) all.add(parse(block));
        return all;
    }

    static List<Map<String, String>> nativeRun(List<String> cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().clear();
        pb.environment().put("PATH", "/usr/bin:/bin");
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "native run timed out");
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
        return blocks(out);
    }

    static void in(String what, long a, long lo, long hi) {
        assertTrue(Long.compareUnsigned(a, lo) >= 0 && Long.compareUnsigned(a, hi) < 0,
                String.format("%s 0x%x outside [0x%x, 0x%x)", what, a, lo, hi));
    }

    /**
     * The windows Linux draws each address from. {@code linux66}: the rules of 6.6 (brk less than
     * 32 MiB above its start; the vDSO just above the stack's strings, inside their 2 MiB, or in the
     * mmap area); otherwise widened for newer kernels (brk within 1 GiB, the vDSO in the mmap area).
     */
    static void assertWindows(Variant v, Map<String, String> m, Path exe, boolean linux66) {
        long stack = addr(m, "stack"), argv0 = addr(m, "argv0"), main = addr(m, "main"), end = addr(m, "end");
        in("stack local", stack, STACK_TOP_MIN - 8 * MIB, STACK_TOP);
        in("argv[0]", argv0, STACK_TOP_MIN - 8 * MIB, STACK_TOP);
        in("AT_RANDOM", addr(m, "random"), argv0 - 8192 - 4096, argv0);
        in("mmap", addr(m, "mmap"), MMAP_LO, MMAP_HI);
        long brkStart;
        switch (v) {
            case STATIC_PIE -> {
                in("static-pie main (mmap area)", main, MMAP_LO, MMAP_HI);
                brkStart = 0x555555555000L; // a loader's brk moves to ELF_ET_DYN_BASE
            }
            case DYNAMIC_PIE -> {
                in("PIE main", main, ET_DYN_BASE, ET_DYN_BASE + (1L << 40) + MIB);
                in("AT_BASE (ld.so)", addr(m, "base"), MMAP_LO, MMAP_HI);
                brkStart = (end + 0xFFF) & ~0xFFFL;
            }
            default -> {
                assertEquals(0x401030L & ~0xFFFFFL, main & ~0xFFFFFL, "ET_EXEC main stays where it is linked");
                brkStart = (end + 0xFFF) & ~0xFFFL;
            }
        }
        // sbrk(0) at main: the libc may have taken a little of the heap already (glibc's static TLS)
        in("sbrk(0)", addr(m, "brk0"), brkStart, brkStart + (linux66 ? 32 * MIB : 1L << 30) + MIB);
        long vdso = addr(m, "vdso");
        long above = (argv0 + 0xFFF) & ~0xFFFL;
        boolean nearStack = vdso - 4 * 4096 >= above && vdso + 2 * 4096 <= ((above + 6 * 4096 + 2 * MIB - 1) & -(2 * MIB));
        boolean inMmap = Long.compareUnsigned(vdso, MMAP_LO) >= 0 && Long.compareUnsigned(vdso, MMAP_HI) < 0;
        assertTrue(linux66 ? nearStack || inMmap : inMmap || nearStack, String.format("vdso 0x%x (argv[0] 0x%x)", vdso, argv0));
        // /proc/self/maps agrees with the layout
        assertEquals(exe.getFileName().toString(), m.get("in main"), m.toString());
        assertEquals("[stack]", m.get("in stack"), m.toString());
        assertEquals("[vdso]", m.get("in vdso"), m.toString());
        assertEquals("anon", m.get("in mmap"), m.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"STATIC_PIE", "DYNAMIC_PIE", "MUSL_STATIC"})
    void randomisedRunsDifferInsideLinuxsWindows(String variant) throws Exception {
        Variant v = Variant.valueOf(variant);
        Path exe = build(v);
        Map<String, String> a = lstar(c -> c, exe), b = lstar(c -> c, exe);
        assertWindows(v, a, exe, true);
        assertWindows(v, b, exe, true);
        assertEquals("0x0", a.get("personality"));
        for (String key : List.of("stack", "argv0", "mmap", "vdso")) assertNotEquals(a.get(key), b.get(key), key + ": " + a + " " + b);
        if (v != Variant.MUSL_STATIC) assertNotEquals(a.get("main"), b.get("main"), "the executable's base");
        // brk alone draws from 8192 pages: only the whole layout is sure to differ
        assertNotEquals(a, b);
    }

    /** The windows are Linux's: the host's own runs (three each) fall inside them. */
    @ParameterizedTest
    @ValueSource(strings = {"STATIC_PIE", "DYNAMIC_PIE", "MUSL_STATIC"})
    void nativeRunsFallInTheSameWindows(String variant) throws Exception {
        Variant v = Variant.valueOf(variant);
        Path exe = build(v);
        assumeTrue(stackLimitIs8MiB(), "the native windows assume an 8 MiB stack limit");
        assumeTrue(readInt("/proc/sys/kernel/randomize_va_space") == 2, "the host does not randomise fully");
        int bits = readInt("/proc/sys/vm/mmap_rnd_bits"); // root-only on most hosts: -1, the default 28 assumed
        assumeTrue(bits == -1 || bits == 28, "the host's mmap_rnd_bits is not 28");
        for (int i = 0; i < 3; i++) assertWindows(v, nativeRun(List.of(exe.toString())).getFirst(), exe, false);
    }

    @ParameterizedTest
    @ValueSource(strings = {"STATIC_PIE", "DYNAMIC_PIE", "MUSL_STATIC"})
    void noAslrIsOneFixedLayoutAsSetarchR(String variant) throws Exception {
        Variant v = Variant.valueOf(variant);
        Path exe = build(v);
        Map<String, String> a = lstar(c -> c.withAslr(false), exe), b = lstar(c -> c.withAslr(false), exe);
        assertEquals(a, b);
        // the fixed layout lstar always had for these: stack top 0x7ffffffff000, mmap base 0x7ffff7fff000
        assertEquals(STACK_TOP & ~0xFFFFFL, addr(a, "argv0") & ~0xFFFFFL);
        switch (v) {
            case DYNAMIC_PIE -> in("PIE at ELF_ET_DYN_BASE", addr(a, "end"), ET_DYN_BASE, ET_DYN_BASE + MIB);
            case STATIC_PIE -> assertEquals(0x7ffff7fff000L, (addr(a, "end") + 0xFFF) & ~0xFFFL, "static-pie ends at the mmap base");
            default -> assertEquals(0x7ffff7ffd000L, addr(a, "vdso"), "vDSO at the top of the mmap area");
        }
        // natively, setarch -R gives the same addresses (the stack pointer and the mmap area below the
        // vDSO differ by the newer host kernel's extra auxv entries and vvar pages; a static-pie's brk
        // moved to ELF_ET_DYN_BASE without randomisation too in later kernels)
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setarch")), "no setarch");
        assumeTrue(stackLimitIs8MiB(), "the native layout assumes an 8 MiB stack limit");
        Map<String, String> n = nativeRun(List.of("/usr/bin/setarch", "-R", exe.toString())).getFirst();
        assertEquals("0x40000", n.get("personality"));
        List<String> same = new ArrayList<>(List.of("main", "end", "argv0", "random", "vdso", "base"));
        if (v != Variant.STATIC_PIE) same.add("brk0");
        for (String key : same) assertEquals(n.get(key), a.get(key), key + ": native " + n + " lstar " + a);
    }

    @Test
    void aSeedRepeatsTheLayout() throws Exception {
        Path exe = build(Variant.DYNAMIC_PIE);
        Map<String, String> a = lstar(c -> c.withAslrSeed(42L), exe), b = lstar(c -> c.withAslrSeed(42L), exe),
                c = lstar(cf -> cf.withAslrSeed(43L), exe);
        assertEquals(a, b);
        assertNotEquals(a.get("main"), c.get("main"));
        assertNotEquals(a.get("stack"), c.get("stack"));
        assertWindows(Variant.DYNAMIC_PIE, a, exe, true);
    }

    /**
     * {@code setarch -R sh -c 'P; P'} under lstar: setarch's personality(ADDR_NO_RANDOMIZE) holds
     * across its execve of sh and sh's fork and execve of P, so both runs of P get the fixed layout;
     * {@code sh -c 'P; P'} alone: every execve draws a new one.
     */
    @Test
    void personalityAddrNoRandomizeHoldsAcrossForkAndExecve() throws Exception {
        Path exe = build(Variant.DYNAMIC_PIE);
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setarch")) && Files.isExecutable(Path.of("/bin/sh")), "no setarch or sh");
        String script = exe + "; " + exe;
        Path setarch = Path.of("/usr/bin/setarch");
        List<Map<String, String>> pinned = lstar(c -> c, setarch, List.of("setarch", "-R", "/bin/sh", "-c", script));
        assertEquals(2, pinned.size());
        assertEquals(pinned.get(0), pinned.get(1));
        assertEquals("0x40000", pinned.get(0).get("personality"));
        Map<String, String> fixed = lstar(c -> c.withAslr(false), exe);
        for (String key : List.of("main", "mmap", "vdso", "base", "brk0")) assertEquals(fixed.get(key), pinned.get(0).get(key), key);
        List<Map<String, String>> free = lstar(c -> c, Path.of("/bin/sh"), List.of("sh", "-c", script));
        assertEquals(2, free.size());
        assertEquals("0x0", free.get(0).get("personality"));
        assertNotEquals(free.get(0).get("main"), free.get(1).get("main"));
        assertNotEquals(free.get(0).get("stack"), free.get(1).get("stack"));
        for (Map<String, String> m : free) assertWindows(Variant.DYNAMIC_PIE, m, exe, true);
    }

    static boolean stackLimitIs8MiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max stack size")) return line.split("\\s+")[3].equals("8388608");
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    static int readInt(String path) {
        try {
            try (InputStream in = Files.newInputStream(Path.of(path))) { // (readString stops early on a size-0 proc file)
                return Integer.parseInt(new String(in.readAllBytes(), StandardCharsets.US_ASCII).strip());
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }
}
