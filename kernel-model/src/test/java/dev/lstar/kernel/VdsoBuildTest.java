package dev.lstar.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed vDSO must be exactly what tools/build-vdso.sh produces from vdso.S: rebuilds it
 * into a temporary directory and compares byte for byte. Skipped (with the reason) when GNU
 * binutils are not on the PATH or the module sources are not at hand.
 */
class VdsoBuildTest {

    private static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    @Test
    void committedResourcesMatchAFreshBuild(@TempDir Path out) throws IOException, InterruptedException {
        for (String tool : List.of("sh", "as", "ld", "objcopy")) {
            assumeTrue(onPath(tool), "skipped: '" + tool + "' is not on the PATH, cannot rebuild the vDSO");
        }
        Path module = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
        Path script = module.resolve("tools/build-vdso.sh");
        assumeTrue(Files.isRegularFile(script), "skipped: " + script + " not found (not run from the module directory)");

        Process p = new ProcessBuilder("sh", script.toString(), out.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertEquals(true, p.waitFor(120, TimeUnit.SECONDS), "build-vdso.sh timed out");
        assertEquals(0, p.exitValue(), "build-vdso.sh failed:\n" + log);

        for (String name : List.of("vdso.so")) {
            byte[] committed;
            try (InputStream in = KernelImage.class.getResourceAsStream(KernelImage.RESOURCE_DIR + name)) {
                committed = in.readAllBytes();
            }
            assertArrayEquals(Files.readAllBytes(out.resolve(name)), committed,
                    name + " differs from a fresh build: run kernel-model/tools/build-vdso.sh and commit the result");
        }
    }
}
