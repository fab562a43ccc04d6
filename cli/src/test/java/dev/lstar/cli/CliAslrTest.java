package dev.lstar.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lstar.cli.CliBadInputTest.Result;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@code lstar run} lays the guest out at random unless told otherwise: the host's dynamic
 * {@code cat /proc/self/maps} shows a new layout per run, the same one under {@code --no-aslr}
 * (ld.so just below the mmap base 0x7ffff7fff000, the stack ending at 0x7ffffffff000) and under
 * one {@code --aslr-seed}.
 */
class CliAslrTest {
    static String maps(String... opts) throws Exception {
        String[] args = new String[opts.length + 3];
        args[0] = "run";
        System.arraycopy(opts, 0, args, 1, opts.length);
        args[opts.length + 1] = "/bin/cat";
        args[opts.length + 2] = "/proc/self/maps";
        Result r = CliBadInputTest.lstar(args);
        assertEquals(0, r.status(), r.stderr());
        return r.stdout();
    }

    @Test
    void layoutsDifferUnlessFixedOrSeeded() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/bin/cat")), "no /bin/cat");
        String fixed = maps("--no-aslr");
        assertEquals(fixed, maps("--no-aslr"));
        assertTrue(fixed.contains("7ffff7fff000"), fixed); // ld.so's last page ends at the mmap base
        assertTrue(fixed.contains("-7ffffffff000 rw-p 00000000 00:00 0") && fixed.contains("[stack]"), fixed);
        String seeded = maps("--aslr-seed", "12345");
        assertEquals(seeded, maps("--aslr-seed", "12345"));
        assertNotEquals(fixed, seeded);
        assertNotEquals(seeded, maps());
    }
}
