package dev.lstar.runtime.interp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The committed guest images are exactly what tools/asm-flat.sh builds from the sources. */
class AsmImagesUpToDateTest {
    static boolean hasTool(String tool) {
        try {
            Process p = new ProcessBuilder(tool, "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void committedImagesMatchSources() throws Exception {
        assumeTrue(hasTool("as") && hasTool("ld") && hasTool("objcopy"), "GNU binutils not installed: cannot rebuild the images");
        Path tmp = Files.createTempDirectory("lstar-asm");
        Process p = new ProcessBuilder("bash", "../tools/asm-flat.sh", "src/test/asm", tmp.toString()).inheritIO().start();
        assumeTrue(p.waitFor(60, TimeUnit.SECONDS), "assembler timed out");
        if (p.exitValue() != 0) throw new AssertionError("tools/asm-flat.sh failed");
        // the same images are shipped to the benchmarks module (benchmarks/src/main/resources/guest)
        for (String dir : new String[] {"src/test/resources/asm", "../benchmarks/src/main/resources/guest"}) {
            try (var files = Files.list(Path.of(dir))) {
                for (Path f : files.toList()) {
                    assertArrayEquals(Files.readAllBytes(tmp.resolve(f.getFileName())), Files.readAllBytes(f),
                            f + " is stale: run tools/asm-flat.sh runtime/src/test/asm " + (dir.startsWith("../") ? dir.substring(3) : "runtime/" + dir));
                }
            }
        }
    }
}
