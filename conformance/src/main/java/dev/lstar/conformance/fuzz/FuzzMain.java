package dev.lstar.conformance.fuzz;

import dev.lstar.conformance.State;
import dev.lstar.conformance.host.HostCpu;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code ./lstar fuzz}: the differential fuzzer.
 *
 * <pre>
 *   ./lstar fuzz [--engines interp,jit] [--mode user|kernel|both] [--streams N] [--seed S]
 *                [--hooks on|off|both] [--minimize] [--out DIR] [--reset snapshot|fresh]
 *                [--timeout-ms T] [--count N] [--no-host] [--duration SECONDS]
 * </pre>
 *
 * For every selected mode and hooks setting it generates {@code --streams} streams
 * ({@link StreamGen}), runs each on every engine ({@link Runner}) and compares ({@link Fuzzer}).
 * The configurations take turns in chunks of {@link #CHUNK} streams (with {@code --duration}, also
 * of a slice of the time, at most 10 s); {@code --duration} stops them all after a time; a progress line is printed every {@link #PROGRESS_SECONDS} s.
 * Each new finding class (signature) is printed; with {@code --minimize} the first stream of each
 * class is shrunk ({@link Minimizer}); with {@code --out} a JUnit regression test per class is
 * written there ({@link ReproWriter}) and a one-line summary appended to {@code findings.txt}.
 * Exit status: 0 without findings, 1 with, 2 on bad usage.
 */
public final class FuzzMain {
    private FuzzMain() {}

    public record Options(List<String> engines, List<Boolean> kernelModes, List<Boolean> hookModes, int streams, long seed,
                          boolean minimize, Path out, boolean reuse, long timeoutMicros, long count, boolean host, PrintStream log,
                          java.util.function.Function<Finding, String> triage, long durationSeconds) {
        public static Options defaults() {
            return new Options(List.of("interp", "jit"), List.of(false, true), List.of(false, true), 500, 1, false, null, true,
                    500_000, 1000, true, System.out, f -> null, 0);
        }

        public Options withStreams(int n) {
            return new Options(engines, kernelModes, hookModes, n, seed, minimize, out, reuse, timeoutMicros, count, host, log, triage, durationSeconds);
        }

        /** {@code triage} names the known bug a finding belongs to (such findings are counted, not reported), or returns null. */
        public Options withTriage(java.util.function.Function<Finding, String> t) {
            return new Options(engines, kernelModes, hookModes, streams, seed, minimize, out, reuse, timeoutMicros, count, host, log, t, durationSeconds);
        }

        public Options withLog(PrintStream p) {
            return new Options(engines, kernelModes, hookModes, streams, seed, minimize, out, reuse, timeoutMicros, count, host, p, triage, durationSeconds);
        }

        public Options withSeed(long s) {
            return new Options(engines, kernelModes, hookModes, streams, s, minimize, out, reuse, timeoutMicros, count, host, log, triage, durationSeconds);
        }

        /** Stop every configuration after {@code secs} seconds in all (0: no time box, only {@code streams}). */
        public Options withDuration(long secs) {
            return new Options(engines, kernelModes, hookModes, streams, seed, minimize, out, reuse, timeoutMicros, count, host, log, triage, secs);
        }

        public Options withMinimize(boolean m) {
            return new Options(engines, kernelModes, hookModes, streams, seed, m, out, reuse, timeoutMicros, count, host, log, triage, durationSeconds);
        }
    }

    /** Per configuration: streams run, seconds, findings (all, not only new classes). */
    public record Rate(Fuzzer.Config config, int streams, double seconds, int findings) {
        public double perSecond() {
            return streams / Math.max(seconds, 1e-9);
        }
    }

    /** The first finding of each signature (minimized if asked), every finding's count per signature, and the rates. */
    public record Result(Map<String, Finding> classes, Map<String, Integer> counts, Map<String, Integer> known, List<Rate> rates) {}

    /** The seed of stream {@code i} of configuration {@code c}, so any one stream can be regenerated alone. */
    public static long streamSeed(long seed, int c, int i) {
        return seed * 0x9E3779B97F4A7C15L + c * 0x632BE59BD9B4E019L + i;
    }

    /** Streams each configuration runs before the next one's turn (configurations take turns, so a time box covers all). */
    static final int CHUNK = 1000;
    /** A progress line every this many seconds (long campaigns). */
    static final long PROGRESS_SECONDS = 60;

    public static Result run(Options o) {
        HostCpu host = o.host && HostCpu.supported() ? new HostCpu() : null;
        try {
            Fuzzer fuzzer = new Fuzzer(o.engines, o.reuse, o.timeoutMicros, host);
            StreamGen gen = new StreamGen(host == null ? -1 : host.dataBase());
            Map<String, Finding> classes = new LinkedHashMap<>();
            Map<String, Integer> counts = new LinkedHashMap<>();
            Map<String, Integer> known = new LinkedHashMap<>();
            List<Fuzzer.Config> cfgs = new ArrayList<>();
            for (boolean kernel : o.kernelModes) for (boolean hooks : o.hookModes) cfgs.add(new Fuzzer.Config(kernel, hooks));
            int n = cfgs.size();
            int[] done = new int[n], found = new int[n];
            double[] secs = new double[n];
            long start = System.nanoTime();
            long deadline = o.durationSeconds > 0 ? start + o.durationSeconds * 1_000_000_000L : Long.MAX_VALUE;
            long nextProgress = start + PROGRESS_SECONDS * 1_000_000_000L;
            // a turn also ends after a slice of the time box, so a short box reaches every configuration
            long turn = o.durationSeconds > 0 ? Math.max(250_000_000L, Math.min(10_000_000_000L, o.durationSeconds * 1_000_000_000L / (4L * n))) : Long.MAX_VALUE;
            boolean more = true;
            while (more && System.nanoTime() < deadline) {
                more = false;
                for (int ci = 0; ci < n && System.nanoTime() < deadline; ci++) {
                    Fuzzer.Config cfg = cfgs.get(ci);
                    double minimizeSeconds = 0;
                    long t0 = System.nanoTime();
                    long turnEnd = turn == Long.MAX_VALUE ? deadline : Math.min(deadline, t0 + turn);
                    int end = (int) Math.min((long) done[ci] + CHUNK, o.streams);
                    for (int i = done[ci]; i < end; i++) {
                        if ((i & 15) == 0 && System.nanoTime() >= turnEnd) break;
                        Stream s = gen.next(new SplittableRandom(streamSeed(o.seed, ci, i)), cfg.kernel(), o.count);
                        List<Finding> fs = fuzzer.check(s, cfg);
                        done[ci] = i + 1;
                        found[ci] += fs.size();
                        for (Finding f : fs) {
                            String bug = o.triage.apply(f);
                            if (bug != null) {
                                known.merge(bug, 1, Integer::sum);
                                continue;
                            }
                            counts.merge(f.signature(), 1, Integer::sum);
                            if (classes.containsKey(f.signature())) continue;
                            long m0 = System.nanoTime();
                            String origin = "./lstar fuzz --seed " + o.seed + ", " + cfg + ", stream " + i + " (" + s.kind() + ")";
                            Finding shown = f;
                            if (o.minimize) {
                                Minimizer min = new Minimizer(fuzzer.fresh(), 300);
                                shown = min.minimize(f);
                                origin += ", minimized in " + min.tries() + " runs";
                            }
                            classes.put(f.signature(), shown);
                            o.log.println("FINDING " + shown.summary());
                            o.log.println("  found as: " + origin);
                            if (o.out != null) write(o, shown, origin, host);
                            minimizeSeconds += (System.nanoTime() - m0) / 1e9;
                        }
                    }
                    secs[ci] += (System.nanoTime() - t0) / 1e9 - minimizeSeconds;
                    if (done[ci] < o.streams) more = true;
                    if (System.nanoTime() >= nextProgress) {
                        nextProgress += PROGRESS_SECONDS * 1_000_000_000L;
                        StringBuilder b = new StringBuilder(String.format("progress %.0f s:", (System.nanoTime() - start) / 1e9));
                        for (int k = 0; k < n; k++) b.append(String.format(" [%s] %d (%.0f/s, %d findings)", cfgs.get(k), done[k], done[k] / Math.max(secs[k], 1e-9), found[k]));
                        o.log.println(b);
                        o.log.flush();
                    }
                }
            }
            List<Rate> rates = new ArrayList<>();
            for (int ci = 0; ci < n; ci++) {
                Rate r = new Rate(cfgs.get(ci), done[ci], secs[ci], found[ci]);
                rates.add(r);
                o.log.printf("%-22s %6d streams  %7.1f streams/s  %d findings%n", cfgs.get(ci), done[ci], r.perSecond(), found[ci]);
            }
            return new Result(classes, counts, known, rates);
        } finally {
            if (host != null) host.close();
        }
    }

    private static void write(Options o, Finding f, String origin, HostCpu host) {
        try {
            Files.createDirectories(o.out);
            State hostOut = null;
            if (f.stream().host() != null && host != null && f.stream().host().expectedFault() < 0) {
                hostOut = host.run(f.stream().host().insn(), f.stream().host().in().copy());
            }
            String cls = ReproWriter.className(f);
            Files.writeString(o.out.resolve(cls + ".java"), ReproWriter.write(f, origin, host == null ? -1 : host.dataBase(), hostOut));
            Files.writeString(o.out.resolve("findings.txt"), cls + ": " + f.summary() + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            o.log.println("  could not write the reproducer: " + e);
        }
    }

    private static List<Boolean> both(String v, String on, String off) {
        return switch (v) {
            case "both" -> List.of(false, true);
            default -> {
                if (v.equals(on)) yield List.of(true);
                if (v.equals(off)) yield List.of(false);
                throw new IllegalArgumentException(v);
            }
        };
    }

    public static void main(String[] args) {
        Options d = Options.defaults();
        List<String> engines = d.engines();
        List<Boolean> modes = d.kernelModes(), hooks = d.hookModes();
        int streams = d.streams();
        long seed = d.seed(), timeout = d.timeoutMicros(), count = d.count(), duration = 0;
        boolean streamsGiven = false;
        boolean minimize = false, reuse = true, host = true;
        Path out = null;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--engines" -> engines = List.of(args[++i].split(","));
                    case "--mode" -> modes = both(args[++i], "kernel", "user");
                    case "--hooks" -> hooks = both(args[++i], "on", "off");
                    case "--streams" -> { streams = Integer.parseInt(args[++i]); streamsGiven = true; }
                    case "--duration" -> {
                        duration = Long.parseLong(args[++i]);
                        if (duration <= 0) throw new IllegalArgumentException("--duration must be positive");
                    }
                    case "--seed" -> seed = Long.parseLong(args[++i]);
                    case "--minimize" -> minimize = true;
                    case "--out" -> out = Path.of(args[++i]);
                    case "--reset" -> reuse = switch (args[++i]) {
                        case "snapshot" -> true;
                        case "fresh" -> false;
                        default -> throw new IllegalArgumentException(args[i]);
                    };
                    case "--timeout-ms" -> timeout = Long.parseLong(args[++i]) * 1000;
                    case "--count" -> count = Long.parseLong(args[++i]);
                    case "--no-host" -> host = false;
                    case "-h", "--help" -> { usage(System.out); System.exit(0); }
                    default -> throw new IllegalArgumentException(args[i]);
                }
            }
        } catch (RuntimeException e) {
            System.err.println("lstar fuzz: bad argument: " + e.getMessage());
            usage(System.err);
            System.exit(2);
        }
        if (duration > 0 && !streamsGiven) streams = Integer.MAX_VALUE; // time-boxed: as many streams as fit
        System.out.printf("lstar fuzz: engines %s, seed %d, %s per configuration%s, count %d, timeout %d ms, reset %s%s%n",
                String.join(",", engines), seed, streams == Integer.MAX_VALUE ? "unbounded streams" : streams + " streams",
                duration > 0 ? ", " + duration + " s in all" : "", count, timeout / 1000, reuse ? "snapshot" : "fresh",
                host && HostCpu.supported() ? ", host CPU on for single-instruction streams" : "");
        Result r = run(new Options(engines, modes, hooks, streams, seed, minimize, out, reuse, timeout, count, host, System.out, f -> null, duration));
        System.out.println();
        System.out.println(r.classes().size() + " finding classes:");
        r.counts().forEach((sig, n) -> System.out.printf("  %5d x %s%n", n, sig));
        if (out != null && !r.classes().isEmpty()) System.out.println("reproducers in " + out.toAbsolutePath());
        System.exit(r.classes().isEmpty() ? 0 : 1);
    }

    static void usage(PrintStream p) {
        p.println("usage: lstar fuzz [--engines interp,jit[,lockstep]] [--mode user|kernel|both] [--streams N] [--seed S]");
        p.println("                  [--hooks on|off|both] [--minimize] [--out DIR] [--reset snapshot|fresh]");
        p.println("                  [--timeout-ms T] [--count N] [--no-host] [--duration SECONDS]");
        p.println("  --duration: stop after SECONDS in all (configurations take turns in chunks of " + CHUNK + " streams);");
        p.println("              without --streams it then runs as many streams as fit");
    }
}
