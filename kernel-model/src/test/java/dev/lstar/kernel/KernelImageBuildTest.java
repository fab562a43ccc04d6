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
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The committed guest images must be exactly what their build scripts produce from the assembly
 * sources: tools/build-entry.sh (entry_64.S: entry.bin, entry.sym, entry.alt) and
 * tools/build-vdso.sh (vdso.S: vdso.so). Each is rebuilt into a temporary directory and compared
 * byte for byte. Skipped (with the reason) when GNU binutils are not on the PATH or the module
 * sources are not at hand.
 */
class KernelImageBuildTest {

    private static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) return false;
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, tool))) return true;
        }
        return false;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', value = {
        "build-entry.sh; entry.bin entry.sym entry.alt; sh as ld objcopy nm od awk",
        "build-vdso.sh; vdso.so; sh as ld objcopy"})
    void committedResourcesMatchAFreshBuild(String scriptName, String outputs, String tools, @TempDir Path out)
            throws IOException, InterruptedException {
        for (String tool : tools.split(" ")) {
            assumeTrue(onPath(tool), "skipped: '" + tool + "' is not on the PATH, cannot run " + scriptName);
        }
        Path module = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
        Path script = module.resolve("tools").resolve(scriptName);
        assumeTrue(Files.isRegularFile(script), "skipped: " + script + " not found (not run from the module directory)");

        Process p = new ProcessBuilder("sh", script.toString(), out.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertEquals(true, p.waitFor(120, TimeUnit.SECONDS), scriptName + " timed out");
        assertEquals(0, p.exitValue(), scriptName + " failed:\n" + log);

        for (String name : List.of(outputs.split(" "))) {
            byte[] committed;
            try (InputStream in = KernelImage.class.getResourceAsStream(KernelImage.RESOURCE_DIR + name)) {
                committed = in.readAllBytes();
            }
            assertArrayEquals(Files.readAllBytes(out.resolve(name)), committed,
                    name + " differs from a fresh build: run kernel-model/tools/" + scriptName + " and commit the result");
        }
    }
}
