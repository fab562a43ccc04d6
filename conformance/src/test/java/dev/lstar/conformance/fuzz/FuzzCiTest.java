package dev.lstar.conformance.fuzz;

import dev.lstar.api.StopInfo;
import dev.lstar.decoder.Mnemonic;
import dev.lstar.decoder.ByteSource;
import dev.lstar.decoder.Decoder;
import dev.lstar.decoder.Instruction;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The fuzzer in CI: a fixed seed, interp against jit, user and kernel mode, hooks off and on,
 * {@link #STREAMS} streams per configuration (about 30 s on 2 cores; override with
 * {@code -Dlstar.fuzz.streams=N}). Fails on any finding that the allow-list below does not
 * explain, with the minimized reproducer (a JUnit test to paste) in the message.
 */
class FuzzCiTest {
    static final int STREAMS = Integer.getInteger("lstar.fuzz.streams", 2500);
    static final long SEED = 20261203;

    /** A known open bug and the findings it explains. */
    record Known(String bug, Predicate<Finding> explains) {}

    private static Outcome jit(Finding f) {
        return f.outcomes().get("jit");
    }

    private static Outcome interp(Finding f) {
        return f.outcomes().get("interp");
    }

    private static boolean divergenceWithin(Finding f, Set<String> fields) {
        return f.kind().equals("DIVERGENCE") && fields.containsAll(f.what());
    }

    /** The JIT's instruction count at the stop is outside [0, count]: corrupted (bug #2). */
    private static boolean jitCountCorrupt(Finding f) {
        Outcome j = jit(f);
        long n = j == null ? 0 : j.values()[Outcome.COUNT];
        return j != null && j.reason() != null && (n < 0 || n > f.stream().count());
    }

    /** Whether the stream has RDTSC, RDTSCP or RDMSR (IA32_TIME_STAMP_COUNTER): they read the retired-instruction count. */
    private static boolean readsTsc(Finding f) {
        for (int[] sp : Minimizer.spans(f.stream().code())) {
            try {
                Instruction i = Decoder.decode(ByteSource.of(0, java.util.Arrays.copyOfRange(f.stream().code(), sp[0], f.stream().code().length)), 0, new Instruction());
                if (i.op == Mnemonic.RDTSC.ordinal() || i.op == Mnemonic.RDTSCP.ordinal() || i.op == Mnemonic.RDMSR.ordinal()) return true;
            } catch (RuntimeException ignored) {
                // runs past the end
            }
        }
        return false;
    }

    /** What a value read from the TSC can reach in a stream: GPRs, flags, memory, hook events (not RIP, not the stop). */
    private static final Set<String> TSC_DERIVED = Set.of("rax", "rcx", "rdx", "rbx", "rbp", "rsi", "rdi",
            "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rflags", "memhash", "hooks", "count");

    /**
     * THE ALLOW-LIST. Each entry names an open bug in runtime/ or translator/ (being fixed by
     * their owner) and exactly the findings it explains. When a bug is fixed, delete its entry:
     * the test then fails if the fuzzer still finds that class. Everything not listed here must
     * stay clean (engines agree, StopInfo consistent, nothing thrown out of start()).
     */
    static final List<Known> KNOWN = List.of(
            // Bug 1: RIP = 0xffffffffffffffff (mov $-1,%rax; jmp *%rax) makes start() report UNTIL_REACHED
            // though no until was given (NO_UNTIL is -1 and the run loop compares RIP with it).
            new Known("#1 UNTIL_REACHED at RIP=-1 without an until",
                    f -> f.kind().equals("INVARIANT") && f.what().equals(List.of("until-reached-without-until"))
                            || f.kind().equals("DIVERGENCE") && f.outcomes().values().stream().anyMatch(o ->
                            o.reason() == StopInfo.Reason.UNTIL_REACHED && o.values()[Outcome.RIP] == -1)),
            // Bug 2: the JIT's instruction count is wrong when a translated block ends in a fault or an
            // interrupt (31 c0 cc with RAX=0x600010 reports a huge count): the stop's count differs (the
            // stop itself agrees), or exceeds the limit. When the stream reads the TSC (= the count), the
            // registers, flags and memory computed from it may differ too.
            new Known("#2 JIT instruction count wrong at a fault",
                    f -> f.kind().equals("DIVERGENCE") && f.what().contains("count") && !f.what().contains("reason")
                            && (f.what().equals(List.of("count")) || readsTsc(f) && TSC_DERIVED.containsAll(f.what()))
                            || f.kind().equals("INVARIANT") && f.engines().equals(List.of("jit"))
                            && jit(f).reason() == StopInfo.Reason.FAULT && f.what().equals(List.of("count-over-limit"))),
            // Bug 2, consequence with hooks: the corrupted count (bug 2) makes BlockRunner.interpret's
            // "limit - c.instructions" overflow, so runBlock indexes past the block: an
            // ArrayIndexOutOfBoundsException escapes start() (ef cc, kernel mode, INT3 handled by the hook).
            new Known("#2b AIOOBE out of start() after the count corruption",
                    f -> f.kind().equals("EXCEPTION") && f.engines().equals(List.of("jit")) && f.hooks()
                            && f.what().equals(List.of("ArrayIndexOutOfBoundsException"))),
            // Bug 3: with an interrupt hook that handles INT3, the JIT ignores the count (31 c0 cc eb fb runs
            // to the timeout) or stops with COUNT_EXHAUSTED at a corrupted count; everything after that point
            // differs (registers, RIP, hook events, memory), so: hooks on and the JIT's count is corrupted or its
            // run ended on the count/timeout where the interpreter's did not.
            new Known("#3 count ignored/corrupted on the JIT with an interrupt hook",
                    f -> f.hooks() && (f.kind().equals("INVARIANT") && f.engines().equals(List.of("jit"))
                            && Set.of("count-over-limit", "count-exhausted-early", "timeout-before-count").containsAll(f.what())
                            || f.kind().equals("DIVERGENCE") && f.what().contains("count") && (jitCountCorrupt(f)
                            || Set.of(StopInfo.Reason.COUNT_EXHAUSTED, StopInfo.Reason.TIMEOUT).contains(jit(f).reason())
                            && jit(f).reason() != interp(f).reason()))),
            // Bug 4: kernel mode 0f 22 d8 (mov %rax,%cr3) with RAX beyond guest RAM (0x40000000) throws
            // MachineCheckException out of start().
            new Known("#4 MachineCheckException out of start() (MOV to CR3 beyond RAM)",
                    f -> f.kind().equals("EXCEPTION") && f.kernel() && f.what().equals(List.of("MachineCheckException"))),
            // Bugs 5/6: interp and JIT disagree on RFLAGS (after MUL/IMUL: 48 f7 e7 85 f0 ... with RFLAGS 0xac6;
            // 80 e0 0d 0f af f9), and, with an interrupt hook, on CR2.
            new Known("#5/#6 RFLAGS (and CR2 with hooks) differ between interp and JIT",
                    f -> f.kind().equals("DIVERGENCE") && (f.what().equals(List.of("rflags"))
                            || f.hooks() && Set.of("rflags", "cr2").containsAll(f.what()))),
            // NEW (found by this fuzzer): RDTSC/RDTSCP/RDMSR(0x10) in a translated block read the instruction
            // count as of the block's start (66 69 c5 85 5e 0f 31: interp RAX=1, jit RAX=0; kernel mode
            // b9 10 00 00 00 0f 32 likewise), so EDX:EAX (ECX for RDTSCP), and whatever the program computes or
            // stores from them, differ while the stop agrees.
            new Known("NEW-A RDTSC/RDTSCP/RDMSR(TSC) read a stale count in translated blocks",
                    f -> f.kind().equals("DIVERGENCE") && readsTsc(f) && TSC_DERIVED.containsAll(f.what()) && !f.what().contains("count")));

    static String triage(Finding f) {
        for (Known k : KNOWN) if (k.explains().test(f)) return k.bug();
        return null;
    }

    @Test
    void fixedSeedFindsNothingBeyondTheKnownBugs() {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        FuzzMain.Options o = FuzzMain.Options.defaults().withStreams(STREAMS).withSeed(SEED).withTriage(FuzzCiTest::triage)
                .withLog(new PrintStream(log, true)).withMinimize(true);
        FuzzMain.Result r = FuzzMain.run(o);
        System.out.println(log);
        System.out.println("known bugs seen (findings per bug): " + r.known());
        for (FuzzMain.Rate rate : r.rates()) System.out.printf("%s: %.0f streams/s%n", rate.config(), rate.perSecond());
        if (!r.classes().isEmpty()) {
            StringBuilder b = new StringBuilder(r.classes().size() + " finding classes outside the allow-list:\n");
            for (Finding f : r.classes().values()) {
                b.append(f.summary()).append('\n');
            }
            Finding first = r.classes().values().iterator().next();
            b.append("\nreproducer of the first:\n").append(ReproWriter.write(first, "FuzzCiTest, seed " + SEED));
            fail(b.toString());
        }
    }
}
