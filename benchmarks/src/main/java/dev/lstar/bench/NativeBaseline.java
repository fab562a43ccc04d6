package dev.lstar.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The host baseline of a {@link MarkedProgram} benchmark: the same C program, built the same way,
 * timing its own loop natively. Each variant is one argument string for the program (its first
 * word names it in the output; {@code @file} stands for a fresh file in a temporary directory);
 * the variants run {@code RUNS} rounds, alternating, and the program's "NAME: X ns per ..." line
 * is collected. Prints a JSON object (the {@code docs/bench/*-native.json} files):
 * <pre>
 *   java -cp benchmarks/target/benchmarks.jar dev.lstar.bench.NativeBaseline \
 *       file_loop 5 "pread @file 1000000" "pwrite @file 1000000"
 * </pre>
 */
public final class NativeBaseline {
    private static final Pattern RESULT = Pattern.compile(": ([0-9.]+) ns per");

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: NativeBaseline NAME RUNS \"ARGS...\" [\"ARGS...\"...]   (@file: a temporary file)");
            System.exit(1);
        }
        String name = args[0];
        int runs = Integer.parseInt(args[1]);
        List<String> variants = List.of(args).subList(2, args.length);
        Path dir = Files.createTempDirectory("lstar-native-" + name);
        String loadBefore, loadAfter;
        Map<String, List<Double>> results = new LinkedHashMap<>();
        try {
            Path exe = MarkedProgram.build(name, dir);
            loadBefore = loadAverage();
            for (int round = 0; round < runs; round++) {
                for (String v : variants) {
                    List<String> cmd = new ArrayList<>();
                    cmd.add(exe.toString());
                    for (String a : v.trim().split("\\s+")) cmd.add(a.equals("@file") ? dir.resolve("data").toString() : a);
                    results.computeIfAbsent(cmd.get(1), k -> new ArrayList<>()).add(run(cmd));
                }
            }
            loadAfter = loadAverage();
        } finally {
            MarkedProgram.deleteTree(dir);
        }
        StringBuilder json = new StringBuilder("{\n");
        json.append("  \"benchmark\": \"").append(name).append(".c natively on the host (the baseline of its JMH benchmark)\",\n");
        json.append("  \"how\": \"gcc -O2 -static ").append(name).append(".c; ").append(runs).append(" rounds of");
        for (String v : variants) json.append(" './").append(name).append(' ').append(v.replace("@file", "FILE")).append('\'');
        json.append(", alternating").append(variants.stream().anyMatch(v -> v.contains("@file")) ? " (FILE: a fresh file in a temporary directory)" : "");
        json.append("; the program times its own loop with clock_gettime(CLOCK_MONOTONIC) and prints ns per operation (its marker included, as under lstar)\",\n");
        json.append("  \"host\": \"").append(Runtime.getRuntime().availableProcessors()).append(" cores, Linux ")
                .append(Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim())
                .append(", load average ").append(loadBefore).append(" before, ").append(loadAfter).append(" after\",\n");
        json.append("  \"date\": \"").append(LocalDate.now()).append("\",\n");
        json.append("  \"unit\": \"ns/op\"");
        for (var e : results.entrySet()) {
            json.append(",\n  \"").append(e.getKey()).append("\": [");
            for (int i = 0; i < e.getValue().size(); i++) json.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.2f", e.getValue().get(i)));
            json.append(']');
        }
        System.out.println(json.append("\n}"));
    }

    private static double run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        int rc = p.waitFor();
        Matcher m = RESULT.matcher(out);
        if (rc != 0 || !m.find()) throw new IllegalStateException(String.join(" ", cmd) + " failed (exit " + rc + "):\n" + out);
        return Double.parseDouble(m.group(1));
    }

    /** The 1-minute load average (the machine is shared; the note says how busy it was). */
    private static String loadAverage() throws IOException {
        return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    }
}
