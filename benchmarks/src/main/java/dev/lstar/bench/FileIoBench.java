package dev.lstar.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.*;

/**
 * 4 KiB file reads and writes through the full system-call path: a static glibc guest
 * ({@code file_loop.c}, {@link MarkedProgram}) on a file in a temporary directory of the host
 * (lstar's default file system is the host's), always at offset 0: {@code pread} / {@code pwrite}
 * (one system call per operation), and {@code read} / {@code write} after {@code lseek(fd, 0,
 * SEEK_SET)} (two). Each call is the libc wrapper, SYSCALL, the entry code, do_syscall_64 in Java
 * (the descriptor table, the VFS's host FileChannel, the copy between guest memory and a host
 * buffer, the shared-mapping coherence check), SYSRET. Blocks of 100 operations end with a
 * getppid() marker; an invocation runs exactly 10 blocks, so one operation is one call (plus
 * 1/100 of the marker). The same program times itself natively ({@code file_loop OP PATH N}, run
 * by {@link NativeBaseline}): the host baseline.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xss16m"})
@State(Scope.Thread)
public class FileIoBench {
    static final int BLOCK = 100, BLOCKS = 10;

    @Param({"pread", "pwrite", "read", "write"})
    public String op;

    @Param({"jit", "interp"})
    public String engine;

    Path dir;
    MarkedProgram program;

    @Setup
    public void setup() throws Exception {
        dir = Files.createTempDirectory("lstar-fileio");
        Path file = dir.resolve("data");
        program = new MarkedProgram(MarkedProgram.compile("file_loop"), List.of("file_loop", op, file.toString()), engine, 3, 10);
        if (Files.size(file) != 4096) throw new IllegalStateException(file + " is " + Files.size(file) + " bytes, not 4096");
        System.out.printf("# %s: %.1f guest instructions per operation (the marker included)%n", op, program.instructionsPerBlock / BLOCK);
    }

    @TearDown
    public void tearDown() throws Exception {
        MarkedProgram.deleteTree(dir);
    }

    @Benchmark
    @OperationsPerInvocation(BLOCK * BLOCKS)
    public long fileIo() {
        return program.runBlocks(BLOCKS);
    }
}
