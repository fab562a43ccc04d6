package dev.lstar.bench;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The benchmarks' guest programs run on both engines: FileIoBench's file_loop does its 4 KiB
 * transfers (the guest checks every result and exits with status 2 on a short one, which
 * {@link MarkedProgram#runBlocks} reports), the file holds what was written, and the interpreter
 * and the JIT agree on the guest instructions per block. Skipped when gcc cannot link statically.
 */
class MarkedProgramTest {
    static byte[] fileLoop;

    @BeforeAll
    static void build() throws Exception {
        try {
            fileLoop = MarkedProgram.compile("file_loop");
        } catch (java.io.IOException | IllegalStateException e) {
            org.junit.jupiter.api.Assumptions.abort("no gcc with a static glibc: " + e.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"pread", "pwrite", "read", "write"})
    void fileLoopRunsWholeBlocksOnBothEngines(String op, @TempDir Path dir) throws Exception {
        double[] perBlock = new double[2];
        String[] engines = {"interp", "jit"};
        for (int i = 0; i < 2; i++) {
            Path file = dir.resolve("data-" + engines[i]);
            MarkedProgram p = new MarkedProgram(fileLoop, List.of("file_loop", op, file.toString()), engines[i], 2, 3);
            long n = p.runBlocks(5);
            assertEquals(5 * p.instructionsPerBlock, n, 0.0, engines[i] + ": five blocks cost five times one");
            perBlock[i] = p.instructionsPerBlock;
            byte[] data = Files.readAllBytes(file);
            assertEquals(4096, data.length);
            for (int b = 0; b < data.length; b++) assertEquals((byte) (b * 7 + 1), data[b], "byte " + b);
        }
        assertEquals(perBlock[0], perBlock[1], 0.0, "the interpreter and the JIT run the same guest instructions per block");
        // 100 operations of one (pread/pwrite) or two (lseek + read/write) system calls, each at least the entry code
        assertTrue(perBlock[0] > (op.startsWith("p") ? 100 : 200) * 50, "instructions per block: " + perBlock[0]);
    }

    @Test
    void aFailingGuestIsReportedNotTimed(@TempDir Path dir) {
        Path missing = dir.resolve("no-such-dir").resolve("data"); // open() fails: the guest exits with 2
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new MarkedProgram(fileLoop, List.of("file_loop", "pread", missing.toString()), "jit", 1, 1));
        assertTrue(e.getMessage().contains("before its marker"), e.getMessage());
    }
}
