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
 *                [--timeout-ms T] [--count N] [--no-host] [--duration SECONDS] [--threads N]
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
        return run(o, 1);
    }

    /**
     * {@link #run(Options)} on {@code threads} threads: thread t runs streams t, t + threads, t +
     * 2 threads... of every configuration (the same streams as one thread, each from its own seed),
     * with its own engines and stream generator; the host CPU harness is shared (its runs are
     * serialised). A rate is the configuration's streams over its mean time per thread, so it is
     * the throughput of all the threads together.
     */
    public static Result run(Options o, int threads) {
        HostCpu host = o.host && HostCpu.supported() ? new HostCpu() : null;
        try {
            List<Fuzzer.Config> cfgs = new ArrayList<>();
            for (boolean kernel : o.kernelModes) for (boolean hooks : o.hookModes) cfgs.add(new Fuzzer.Config(kernel, hooks));
            Shared shared = new Shared(cfgs, threads);
            List<Lane> lanes = new ArrayList<>();
            for (int t = 0; t < threads; t++) lanes.add(new Lane(o, host, shared, t, threads));
            if (threads == 1) {
                lanes.getFirst().loop();
            } else {
                List<Thread> ts = new ArrayList<>();
                for (Lane l : lanes) ts.add(Thread.ofPlatform().name("fuzz-" + l.lane).start(l));
                for (Thread t : ts) {
                    try {
                        t.join();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
                for (Lane l : lanes) if (l.failure != null) throw l.failure;
            }
            List<Rate> rates = new ArrayList<>();
            for (int ci = 0; ci < cfgs.size(); ci++) {
                int done = 0, found = 0;
                double secs = 0;
                for (Lane l : lanes) {
                    done += l.done[ci];
                    found += l.found[ci];
                    secs += l.secs[ci] / threads;
                }
                Rate r = new Rate(cfgs.get(ci), done, secs, found);
                rates.add(r);
                o.log.printf("%-22s %6d streams  %7.1f streams/s  %d findings%n", cfgs.get(ci), done, r.perSecond(), found);
            }
            return new Result(shared.classes, shared.counts, shared.known, rates);
        } finally {
            if (host != null) host.close();
        }
    }

    /** What the threads share: the finding classes and counts (under the object's lock). */
    private static final class Shared {
        final List<Fuzzer.Config> cfgs;
        final Map<String, Finding> classes = new LinkedHashMap<>();
        final Map<String, Integer> counts = new LinkedHashMap<>();
        final Map<String, Integer> known = new LinkedHashMap<>();
        final List<Lane> lanes = new ArrayList<>();
        final long start = System.nanoTime();
        long nextProgress = start + PROGRESS_SECONDS * 1_000_000_000L;

        Shared(List<Fuzzer.Config> cfgs, int threads) {
            this.cfgs = cfgs;
        }
    }

    /** One thread's share of the streams: global stream {@code i * threads + lane} is its {@code i}-th. */
    private static final class Lane implements Runnable {
        final Options o;
        final HostCpu host;
        final Shared shared;
        final int lane, threads, n;
        final int[] done, found;
        final double[] secs;
        RuntimeException failure;

        Lane(Options o, HostCpu host, Shared shared, int lane, int threads) {
            this.o = o;
            this.host = host;
            this.shared = shared;
            this.lane = lane;
            this.threads = threads;
            n = shared.cfgs.size();
            done = new int[n];
            found = new int[n];
            secs = new double[n];
            synchronized (shared) {
                shared.lanes.add(this);
            }
        }

        @Override
        public void run() {
            try {
                loop();
            } catch (RuntimeException e) {
                failure = e;
            }
        }

        private void loop() {
            Fuzzer fuzzer = new Fuzzer(o.engines, o.reuse, o.timeoutMicros, host);
            StreamGen gen = new StreamGen(host == null ? -1 : host.dataBase());
            List<Fuzzer.Config> cfgs = shared.cfgs;
            long start = shared.start;
            long deadline = o.durationSeconds > 0 ? start + o.durationSeconds * 1_000_000_000L : Long.MAX_VALUE;
            // a turn also ends after a slice of the time box, so a short box reaches every configuration
            long turn = o.durationSeconds > 0 ? Math.max(250_000_000L, Math.min(10_000_000_000L, o.durationSeconds * 1_000_000_000L / (4L * n))) : Long.MAX_VALUE;
            // this lane's share of the streams: the global indices lane, lane + threads, ... below o.streams
            int mine = o.streams <= lane ? 0 : (int) (((long) o.streams - lane + threads - 1) / threads);
            boolean more = true;
            while (more && System.nanoTime() < deadline) {
                more = false;
                for (int ci = 0; ci < n && System.nanoTime() < deadline; ci++) {
                    Fuzzer.Config cfg = cfgs.get(ci);
                    double minimizeSeconds = 0;
                    long t0 = System.nanoTime();
                    long turnEnd = turn == Long.MAX_VALUE ? deadline : Math.min(deadline, t0 + turn);
                    int end = (int) Math.min((long) done[ci] + Math.max(1, CHUNK / threads), mine);
                    for (int k = done[ci]; k < end; k++) {
                        if ((k & 15) == 0 && System.nanoTime() >= turnEnd) break;
                        int i = k * threads + lane;
                        Stream s = gen.next(new SplittableRandom(streamSeed(o.seed, ci, i)), cfg.kernel(), o.count);
                        List<Finding> fs = fuzzer.check(s, cfg);
                        done[ci] = k + 1;
                        found[ci] += fs.size();
                        for (Finding f : fs) minimizeSeconds += report(f, fuzzer, cfg, i, s);
                    }
                    secs[ci] += (System.nanoTime() - t0) / 1e9 - minimizeSeconds;
                    if (done[ci] < mine) more = true;
                    if (lane == 0) progress();
                }
            }
        }

        /** Counts finding {@code f}; the first of its class is minimized, printed and written. Returns the seconds spent minimizing. */
        private double report(Finding f, Fuzzer fuzzer, Fuzzer.Config cfg, int i, Stream s) {
            synchronized (shared) {
                String bug = o.triage.apply(f);
                if (bug != null) {
                    shared.known.merge(bug, 1, Integer::sum);
                    return 0;
                }
                shared.counts.merge(f.signature(), 1, Integer::sum);
                if (shared.classes.containsKey(f.signature())) return 0;
                long m0 = System.nanoTime();
                String origin = "./lstar fuzz --seed " + o.seed + ", " + cfg + ", stream " + i + " (" + s.kind() + ")";
                Finding shown = f;
                if (o.minimize) {
                    Minimizer min = new Minimizer(fuzzer.fresh(), 300);
                    shown = min.minimize(f);
                    origin += ", minimized in " + min.tries() + " runs";
                }
                shared.classes.put(f.signature(), shown);
                o.log.println("FINDING " + shown.summary());
                o.log.println("  found as: " + origin);
                if (o.out != null) write(o, shown, origin, host);
                return (System.nanoTime() - m0) / 1e9;
            }
        }

        /** Every {@link #PROGRESS_SECONDS}, a line with every configuration's streams and rate over all lanes. */
        private void progress() {
            long now = System.nanoTime();
            if (now < shared.nextProgress) return;
            shared.nextProgress += PROGRESS_SECONDS * 1_000_000_000L;
            StringBuilder b = new StringBuilder(String.format("progress %.0f s:", (now - shared.start) / 1e9));
            for (int k = 0; k < n; k++) {
                int d = 0, fd = 0;
                double sec = 0;
                for (Lane l : shared.lanes) {
                    d += l.done[k];
                    fd += l.found[k];
                    sec += l.secs[k] / threads;
                }
                b.append(String.format(" [%s] %d (%.0f/s, %d findings)", shared.cfgs.get(k), d, d / Math.max(sec, 1e-9), fd));
            }
            o.log.println(b);
            o.log.flush();
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
        int threads = 1;
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
                    case "--threads" -> {
                        threads = Integer.parseInt(args[++i]);
                        if (threads < 1 || threads > 256) throw new IllegalArgumentException("--threads must be 1..256");
                    }
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
        System.out.printf("lstar fuzz: engines %s, seed %d, %s per configuration%s, count %d, timeout %d ms, reset %s%s%s%n",
                String.join(",", engines), seed, streams == Integer.MAX_VALUE ? "unbounded streams" : streams + " streams",
                duration > 0 ? ", " + duration + " s in all" : "", count, timeout / 1000, reuse ? "snapshot" : "fresh",
                host && HostCpu.supported() ? ", host CPU on for single-instruction streams" : "", threads > 1 ? ", " + threads + " threads" : "");
        Result r = run(new Options(engines, modes, hooks, streams, seed, minimize, out, reuse, timeout, count, host, System.out, f -> null, duration), threads);
        System.out.println();
        System.out.println(r.classes().size() + " finding classes:");
        r.counts().forEach((sig, n) -> System.out.printf("  %5d x %s%n", n, sig));
        if (out != null && !r.classes().isEmpty()) System.out.println("reproducers in " + out.toAbsolutePath());
        System.exit(r.classes().isEmpty() ? 0 : 1);
    }

    static void usage(PrintStream p) {
        p.println("usage: lstar fuzz [--engines interp,jit[,lockstep]] [--mode user|kernel|both] [--streams N] [--seed S]");
        p.println("                  [--hooks on|off|both] [--minimize] [--out DIR] [--reset snapshot|fresh]");
        p.println("                  [--timeout-ms T] [--count N] [--no-host] [--duration SECONDS] [--threads N]");
        p.println("  --threads: N threads share each configuration's streams (the same streams as one thread)");
        p.println("  --duration: stop after SECONDS in all (configurations take turns in chunks of " + CHUNK + " streams);");
        p.println("              without --streams it then runs as many streams as fit");
    }
}
