package dev.lstar.conformance.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lstar.kernel.elf.ElfFile;
import dev.lstar.kernel.elf.ProgramHeader;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The committed binaries under src/test/resources/programs match conformance/programs/*.S: every
 * source has a binary and the test list names them all; when GNU as and ld are installed, a fresh
 * build.sh into a temporary directory yields the same entry point and the same loadable segments
 * (address, flags, file bytes, memory size). Symbol tables and notes may differ between binutils
 * versions and are not compared.
 */
class ProgramsUpToDateTest {
    static final Path SOURCES = Path.of("programs");
    static final Path BINARIES = Path.of("src/test/resources/programs");

    static List<String> sourceNames() throws IOException {
        try (Stream<Path> s = Files.list(SOURCES)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".S"))
                    .map(n -> n.substring(0, n.length() - 2)).sorted().toList();
        }
    }

    @Test
    void everySourceHasABinaryAndATest() throws IOException {
        List<String> names = sourceNames();
        assertEquals(names, Programs.NAMES.stream().sorted().toList(), "Programs.NAMES lists every programs/*.S");
        try (Stream<Path> s = Files.list(BINARIES)) {
            assertEquals(names, s.map(p -> p.getFileName().toString()).sorted().toList(), "one binary per source");
        }
        List<String> tested = new ArrayList<>(NativeVsLstarTest.cases().stream().map(NativeVsLstarTest.Case::program).distinct().toList());
        tested.addAll(Programs.LSTAR_ONLY);
        assertEquals(names, tested.stream().sorted().toList(), "every program is run by a test");
    }

    static boolean hasTool(String tool) {
        try {
            Process p = new ProcessBuilder(tool, "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Test
    void committedBinariesMatchTheSources() throws Exception {
        assumeTrue(hasTool("as") && hasTool("ld"), "GNU as/ld not installed: cannot rebuild the programs");
        Path out = Files.createTempDirectory("lstar-programs-");
        try {
            ProcessBuilder pb = new ProcessBuilder("bash", SOURCES.resolve("build.sh").toString()).redirectErrorStream(true);
            pb.environment().put("OUT", out.toString());
            Process p = pb.start();
            String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor(), "build.sh failed:\n" + log);
            for (String name : sourceNames()) {
                ElfFile fresh = ElfFile.parse(Files.readAllBytes(out.resolve(name)));
                ElfFile committed = ElfFile.parse(Files.readAllBytes(BINARIES.resolve(name)));
                String stale = name + " is stale: run conformance/programs/build.sh and commit the result";
                assertEquals(fresh.entry(), committed.entry(), stale);
                List<ProgramHeader> a = fresh.loadSegments(), b = committed.loadSegments();
                assertEquals(a.size(), b.size(), stale);
                for (int i = 0; i < a.size(); i++) {
                    assertEquals(a.get(i).vaddr(), b.get(i).vaddr(), stale);
                    assertEquals(a.get(i).memsz(), b.get(i).memsz(), stale);
                    assertEquals(a.get(i).flags(), b.get(i).flags(), stale);
                    assertArrayEquals(fresh.fileBytes(a.get(i)), committed.fileBytes(b.get(i)), stale);
                }
            }
        } finally {
            try (Stream<Path> s = Files.walk(out)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
