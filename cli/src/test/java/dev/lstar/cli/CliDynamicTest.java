package dev.lstar.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lstar run} of dynamic executables: the environment (the host's passed through, as
 * qemu-user does; --env, --unset-env, --clear-env) seen by the host's dynamic /usr/bin/env, and
 * --root with the interpreter inside the root or missing from it (status 127, as execve's ENOENT).
 * lstar runs as a child JVM here, so that its own environment is the test's choice.
 */
class CliDynamicTest {
    static final Path ENV = Path.of("/usr/bin/env"), LD = Path.of("/lib64/ld-linux-x86-64.so.2");

    @TempDir
    Path tmp;

    record Result(int status, String stdout, String stderr) {}

    static Result lstar(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().clear();
        pb.environment().putAll(env);
        Process p = pb.start();
        byte[] err = p.getErrorStream().readAllBytes();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "lstar " + String.join(" ", args) + " did not finish");
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    static void assumeDynamicEnv() throws Exception {
        assumeTrue(Files.exists(LD) && Files.isExecutable(ENV), "no dynamic /usr/bin/env and x86-64 ld.so on this host");
        assumeTrue(new String(Files.readAllBytes(ENV), StandardCharsets.ISO_8859_1).contains("ld-linux-x86-64.so.2"), "/usr/bin/env is not dynamic");
    }

    @Test
    void hostEnvironmentIsPassedThrough() throws Exception {
        assumeDynamicEnv();
        Map<String, String> env = Map.of("LSTAR_TEST_A", "one", "LSTAR_TEST_B", "two words", "PATH", "/usr/bin:/bin");
        Result r = lstar(env, "run", ENV.toString());
        assertEquals(0, r.status(), r.stderr());
        // the JVM's own variables (if its launcher adds any) come too; the test's must all be there, unchanged
        List<String> lines = r.stdout().lines().toList();
        for (Map.Entry<String, String> e : env.entrySet()) assertTrue(lines.contains(e.getKey() + "=" + e.getValue()), r.stdout());
    }

    @Test
    void envFlagsEditTheEnvironmentInOrder() throws Exception {
        assumeDynamicEnv();
        Map<String, String> env = Map.of("KEEP", "k", "DROP", "d");
        Result r = lstar(env, "run", "--unset-env", "DROP", "--env", "NEW=1", "--env", "KEEP=changed", ENV.toString());
        assertEquals(0, r.status(), r.stderr());
        List<String> lines = r.stdout().lines().toList();
        assertTrue(lines.contains("KEEP=changed") && lines.contains("NEW=1") && !lines.contains("KEEP=k"), r.stdout());
        assertTrue(lines.stream().noneMatch(l -> l.startsWith("DROP=")), r.stdout());

        r = lstar(env, "run", "--clear-env", "--env", "A=1", "--env", "B=2", "--unset-env", "A", "--env", "B=3", "--env", "C==x", ENV.toString());
        assertEquals(0, r.status(), r.stderr());
        assertEquals("B=3\nC==x\n", r.stdout(), "only the flags' variables, the last value of B");
    }

    @Test
    void badEnvFlagsAreUsageErrors() throws Exception {
        assertEquals(2, lstar(Map.of(), "run", "--env", "NOEQUALS", "/bin/true").status());
        assertEquals(2, lstar(Map.of(), "run", "--env", "=x", "/bin/true").status());
        assertEquals(2, lstar(Map.of(), "run", "--unset-env", "A=B", "/bin/true").status());
        assertEquals(2, lstar(Map.of(), "run", "--env").status());
    }

    @Test
    void rootHoldsTheInterpreter() throws Exception {
        assumeDynamicEnv();
        Path libc = Path.of("/lib/x86_64-linux-gnu/libc.so.6");
        assumeTrue(Files.exists(libc), "no " + libc);
        Path root = Files.createDirectories(tmp.resolve("root"));
        Files.createDirectories(root.resolve("lib64"));
        Files.createDirectories(root.resolve("lib/x86_64-linux-gnu"));
        Path exe = Files.copy(ENV.toRealPath(), root.resolve("env"));
        Result r = lstar(Map.of(), "run", "--root", root.toString(), exe.toString());
        assertEquals(127, r.status(), r.stderr());
        assertTrue(r.stderr().contains("interpreter /lib64/ld-linux-x86-64.so.2: No such file or directory"), r.stderr());

        Files.copy(LD.toRealPath(), root.resolve("lib64/ld-linux-x86-64.so.2"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(libc.toRealPath(), root.resolve("lib/x86_64-linux-gnu/libc.so.6"), StandardCopyOption.REPLACE_EXISTING);
        r = lstar(Map.of("HOSTVAR", "1"), "run", "--root", root.toString(), "--env", "IN_ROOT=yes", exe.toString());
        assertEquals(0, r.status(), r.stderr());
        assertTrue(r.stdout().lines().toList().contains("IN_ROOT=yes"), r.stdout());

        // an interpreter that is not an ELF file: ELIBBAD (126)
        Files.writeString(root.resolve("lib64/ld-linux-x86-64.so.2"), "not an ELF file\n");
        r = lstar(Map.of(), "run", "--root", root.toString(), exe.toString());
        assertEquals(126, r.status(), r.stderr());
        assertTrue(r.stderr().contains("is not a usable ELF interpreter"), r.stderr());
    }
}
