package dev.lstar.bench;

import dev.lstar.kernel.KernelConfig;
import dev.lstar.kernel.LinuxKernel;
import dev.lstar.runtime.engine.Engine;
import dev.lstar.runtime.engine.RunResult;
import dev.lstar.runtime.engine.StopReason;
import dev.lstar.runtime.interp.Interpreter;
import dev.lstar.translator.JitEngine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A C guest program of the benchmarks (a resource {@code dev/lstar/bench/NAME.c}, built at setup
 * with {@code gcc -O2 -static}; the benchmark fails if gcc or a static glibc is missing) running
 * on {@link LinuxKernel} under the interpreter or the JIT. The program loops in blocks of
 * operations and ends each block with one {@code getppid()}, the marker: this class replaces
 * getppid (which answers 0 in lstar, and still does) with one that also counts the markers and
 * stops the engine at the one it waits for, so {@link #runBlocks} runs exactly that many blocks,
 * from just after one marker to just after another, whatever each block costs.
 */
final class MarkedProgram {
    static final int NR_GETPPID = 110;

    final LinuxKernel kernel;
    final Engine engine;
    private long markers, stopAt = -1;
    /** Guest instructions per block, measured at construction (the marker included). */
    final double instructionsPerBlock;

    /**
     * Boots a kernel with the program loaded ({@code argv[0]} is its name, output discarded), runs
     * {@code warmupBlocks} blocks (start-up, then into the loop) and measures the instructions of
     * the next {@code measureBlocks}.
     */
    MarkedProgram(byte[] elf, List<String> argv, String engine, int warmupBlocks, int measureBlocks) {
        PrintStream sink = new PrintStream(new ByteArrayOutputStream());
        kernel = LinuxKernel.boot(KernelConfig.defaults().withIo(InputStream.nullInputStream(), sink, sink).withLog(sink));
        kernel.syscalls().override(NR_GETPPID, "getppid", 0, (a0, a1, a2, a3, a4, a5) -> {
            if (++markers == stopAt) kernel.machine.requestStop(MARKER);
            return 0;
        });
        kernel.exec(elf, "/bench/" + argv.get(0), argv, List.of());
        this.engine = switch (engine) {
            case "jit" -> new JitEngine(kernel.machine);
            case "interp" -> new Interpreter(kernel.machine);
            default -> throw new IllegalArgumentException("engine " + engine + ": jit or interp");
        };
        runBlocks(warmupBlocks);
        instructionsPerBlock = runBlocks(measureBlocks) / (double) measureBlocks;
    }

    private static final String MARKER = "benchmark marker";

    /** Runs {@code n} whole blocks (n markers); returns the guest instructions they took. */
    long runBlocks(int n) {
        stopAt = markers + n;
        RunResult r = engine.run(kernel.machine, Long.MAX_VALUE);
        if (r.reason() != StopReason.REQUESTED || !MARKER.equals(r.message()) || markers != stopAt) {
            throw new IllegalStateException("the guest stopped before its marker: " + r + " after " + markers + " markers");
        }
        return r.instructions();
    }

    /** The resource {@code dev/lstar/bench/NAME.c} built with {@code gcc -O2 -static}: the ELF's bytes. */
    static byte[] compile(String name) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("lstar-bench-" + name);
        try {
            Path exe = build(name, dir);
            return Files.readAllBytes(exe);
        } finally {
            deleteTree(dir);
        }
    }

    /** Builds the resource NAME.c into {@code dir}/NAME; returns the executable's path. */
    static Path build(String name, Path dir) throws IOException, InterruptedException {
        Path src = dir.resolve(name + ".c"), exe = dir.resolve(name);
        try (InputStream in = MarkedProgram.class.getResourceAsStream("/dev/lstar/bench/" + name + ".c")) {
            if (in == null) throw new IllegalArgumentException("no resource dev/lstar/bench/" + name + ".c");
            Files.write(src, in.readAllBytes());
        }
        Process p = new ProcessBuilder("gcc", "-O2", "-static", "-o", exe.toString(), src.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) throw new IllegalStateException("gcc -static " + name + ".c failed:\n" + log);
        Files.delete(src);
        return exe;
    }

    static void deleteTree(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(f);
        }
    }
}
