package dev.lstar.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A guest that touches more RAM than the host heap can back ends {@link Emulator#start} with
 * {@link StopInfo.Reason#OUT_OF_MEMORY}, not an exception. Run in a child JVM with a 128 MiB heap (a budget of about 76 MiB of guest frames)
 * and 1 GiB of guest RAM, so the heap really runs out; the child prints the StopInfo and whether
 * the emulator is still usable afterwards.
 */
class OutOfMemoryStopTest {
    static final long CODE = 0x400000, DATA = 0x1000_0000, DATA_SIZE = 512L << 20;

    /** Child: map 512 MiB, run "1: movb $1,(%rax); add $4096,%rax; jmp 1b" from DATA. */
    public static void main(String[] args) {
        Emulator emu = Emulator.builder().flatUserMode().ramSize(1L << 30).engine(args[0]).build();
        emu.map(CODE, 0x1000, Perm.READ | Perm.EXEC);
        emu.write(CODE, Guest.hex("c60001" + "480500100000" + "ebf5")); // movb $1,(%rax); add $0x1000,%rax; jmp -11
        emu.map(DATA, DATA_SIZE, Perm.READ | Perm.WRITE);
        emu.regWrite(Reg.RAX, DATA);
        StopInfo s;
        try {
            s = emu.start(CODE, Emulator.NO_UNTIL);
        } catch (Throwable t) {
            System.out.println("THREW " + t);
            System.exit(3);
            return;
        }
        long touched = (emu.regRead(Reg.RAX) - DATA) >> 12;
        System.out.println(s.reason() + " touched=" + touched + " read=" + emu.read(DATA, 1)[0] + " " + s);
        System.exit(s.reason() == StopInfo.Reason.OUT_OF_MEMORY ? 0 : 4);
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp"})
    void exhaustingTheHeapIsAStopNotAnException(String engine) throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-XX:+UseParallelGC", "-cp", System.getProperty("java.class.path"),
                OutOfMemoryStopTest.class.getName(), engine)
                .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), out);
        System.out.println("child: " + out.strip());
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.startsWith("OUT_OF_MEMORY touched="), out);
        long touched = Long.parseLong(out.substring("OUT_OF_MEMORY touched=".length()).split(" ")[0]);
        assertTrue(touched > 1000 && touched < (DATA_SIZE >> 12), out);
        assertTrue(out.contains(" read=1 "), "memory readable after the stop: " + out);
        assertTrue(out.contains("cannot back more guest RAM"), out);
    }
}
