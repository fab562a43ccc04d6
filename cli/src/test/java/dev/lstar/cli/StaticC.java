package dev.lstar.cli;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/** The CLI tests' C programs ({@code src/test/resources/c/}), built static at test time. */
final class StaticC {
    private StaticC() {}

    /**
     * Compiles {@code c/PROGRAM.c} with {@code cc -O2 -static} into {@code dir} as
     * {@code PROGRAM-cc}; a compiler that is missing or fails (no static libc) skips the test.
     */
    static Path compile(Path dir, String cc, String program) throws IOException, InterruptedException {
        Path src = dir.resolve(program + ".c");
        try (InputStream in = Objects.requireNonNull(StaticC.class.getResourceAsStream("/c/" + program + ".c"))) {
            Files.write(src, in.readAllBytes());
        }
        Path exe = dir.resolve(program + "-" + cc);
        Process p;
        try {
            p = new ProcessBuilder(cc, "-O2", "-static", "-o", exe.toString(), src.toString()).redirectErrorStream(true).start();
        } catch (IOException notInstalled) {
            assumeTrue(false, cc + " is not installed");
            return null;
        }
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, cc + " -static failed:\n" + log);
        return exe;
    }
}
