package dev.lstar.conformance.fuzz;

import org.junit.jupiter.api.Test;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A generated reproducer is valid Java that compiles against the API alone, runs both engines
 * and passes for a stream they agree on (with hooks, so the hook code in it runs too).
 */
class ReproWriterTest {
    @Test
    void reproducerCompilesAndPassesWhenTheEnginesAgree() throws Exception {
        long[] gpr = new long[16];
        gpr[4] = Layout.RSP;
        Stream s = new Stream(Stream.Kind.VALID, false, new byte[] {0x48, (byte) 0xFF, (byte) 0xC0, 0x31, (byte) 0xC9},
                gpr, 0x202, 3, Layout.CODE + 5, 1000, null);
        Fuzzer fz = new Fuzzer(List.of("interp", "jit"), false, 2_000_000, null);
        assertEquals(List.of(), fz.check(s, new Fuzzer.Config(false, true)));
        Map<String, Outcome> outs = new LinkedHashMap<>();
        outs.put("interp", null);
        outs.put("jit", null);
        Finding f = new Finding("DIVERGENCE", List.of("interp", "jit"), List.of("rax"), s, false, true, outs, "made up");
        String src = ReproWriter.write(f, "ReproWriterTest");
        Path dir = Files.createTempDirectory("repro");
        Path file = dir.resolve("dev/lstar/translator/" + ReproWriter.className(f) + ".java");
        Files.createDirectories(file.getParent());
        Files.writeString(file, src);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        int rc = javac.run(null, null, null, "-d", dir.toString(), "-cp", System.getProperty("java.class.path"), file.toString());
        assertEquals(0, rc, src);
        try (URLClassLoader cl = new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader())) {
            Class<?> c = cl.loadClass("dev.lstar.translator." + ReproWriter.className(f));
            var m = c.getDeclaredMethod("enginesAgreeAndStopsAreConsistent");
            m.setAccessible(true);
            var ctor = c.getDeclaredConstructor();
            ctor.setAccessible(true);
            m.invoke(ctor.newInstance()); // the engines agree on inc rax; xor ecx,ecx: no assertion fails
            var run = c.getDeclaredMethod("run", String.class);
            run.setAccessible(true);
            String interp = (String) run.invoke(null, "interp");
            assertEquals(true, interp.startsWith("UNTIL_REACHED count=2"), interp);
        }
    }
}
