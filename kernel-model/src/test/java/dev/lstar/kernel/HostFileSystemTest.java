package dev.lstar.kernel;

import static dev.lstar.kernel.Errno.*;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lstar.kernel.vfs.Vfs;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The VFS over the host's own file system: stat is true to the host file (checked against
 * coreutils' stat(1)), and a --root jail made of real directories and real symbolic links
 * pointing outside keeps the guest in.
 */
class HostFileSystemTest extends FileSyscallsTestBase {
    @TempDir
    Path tmp;

    @Test
    void statIsTrueToTheHost() throws Exception {
        Path f = tmp.resolve("data");
        Files.write(f, new byte[10_000]);
        Path dir = Files.createDirectory(tmp.resolve("dir"));
        Files.createSymbolicLink(tmp.resolve("ln"), f);
        boot(Vfs.host());
        for (Path p : List.of(f, dir, tmp.resolve("ln"))) {
            String stat1 = coreutilsStat(p);
            assumeTrue(stat1 != null, "no stat(1)");
            assertEquals(0, stat(p.toString(), false), p.toString());
            long dev = u64(statBuf, 0);
            String mine = String.format("%d %d %d %x %d %d %d %d %d %d.%09d %d.%09d %d.%09d", stIno(), stNlink(), stSize(), stMode(),
                    u32(statBuf, 28), u32(statBuf, 32), u64(statBuf, 64), u64(statBuf, 56), dev,
                    u64(statBuf, 72), u64(statBuf, 80), u64(statBuf, 88), u64(statBuf, 96), u64(statBuf, 104), u64(statBuf, 112));
            assertEquals(stat1, mine, "st_ino st_nlink st_size st_mode st_uid st_gid st_blocks st_blksize st_dev atime mtime ctime of " + p);
        }
    }

    /** stat(1)'s view of the same fields (atime could move between the two reads: the file is not read in between). */
    private static String coreutilsStat(Path p) throws Exception {
        Process proc;
        try {
            proc = new ProcessBuilder("stat", "-c", "%i %h %s %f %u %g %b %o %d %.9X %.9Y %.9Z", p.toString()).start();
        } catch (java.io.IOException e) {
            return null;
        }
        String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!proc.waitFor(10, TimeUnit.SECONDS) || proc.exitValue() != 0) return null;
        if (!out.matches("[0-9a-f. ]+")) return null; // an old stat(1) without %.9X
        return out;
    }

    @Test
    void hostCwdAndGetcwd() throws Exception {
        boot(Vfs.host());
        long b = buf(4096);
        long n = call(GETCWD, b, 4096);
        assertEquals(System.getProperty("user.dir"), peekString(b, (int) n - 1));
        assertEquals(0, call(CHDIR, str(tmp.toString())));
        Files.writeString(tmp.resolve("here"), "x");
        assertEquals("x", readAll(open("here", O_RDONLY, 0)));
    }

    @Test
    void aRootOfRealDirectoriesAndLinksKeepsTheGuestIn() throws Exception {
        Path jail = Files.createDirectory(tmp.resolve("jail"));
        Path outside = Files.createDirectory(tmp.resolve("outside"));
        Files.writeString(outside.resolve("secret"), "secret");
        Files.createDirectory(jail.resolve("sub"));
        // links the host itself would follow out of the jail
        Files.createSymbolicLink(jail.resolve("abs"), outside.resolve("secret"));
        Files.createSymbolicLink(jail.resolve("absdir"), outside);
        Files.createSymbolicLink(jail.resolve("rel"), Path.of("../outside/secret"));
        Files.createSymbolicLink(jail.resolve("sub/rel2"), Path.of("../../outside"));
        Files.createSymbolicLink(jail.resolve("etc"), Path.of("/etc"));
        assertEquals("secret", Files.readString(jail.resolve("abs")), "the host follows it out");
        boot(Vfs.confined(jail));
        for (String p : List.of("/abs", "/absdir/secret", "/rel", "/sub/rel2/secret", "/../outside/secret", "../../outside/secret",
                "/sub/../../outside/secret")) {
            assertEquals(-ENOENT, open(p, O_RDONLY, 0), p);
            assertEquals(-ENOENT, stat(p, true), p);
        }
        assertEquals(-ELOOP, open("/etc/passwd", O_RDONLY, 0), "etc -> /etc is itself inside the jail");
        long sub = open("/sub", O_RDONLY | O_DIRECTORY, 0);
        assertEquals(-ENOENT, call(OPENAT, sub, str("../../outside/secret"), O_RDONLY, 0), "dirfd");
        assertEquals(-ENOENT, call(OPENAT, sub, str("rel2/secret"), O_RDONLY, 0));
        // writes through the links land inside
        assertEquals(-ENOENT, open("/abs", O_CREAT | O_WRONLY, 0600), "the target's directories do not exist inside the jail");
        Files.createDirectories(jail.resolve(outside.toString().substring(1)));
        assertTrue(open("/abs", O_CREAT | O_WRONLY, 0600) >= 0);
        assertTrue(Files.exists(jail.resolve(outside.toString().substring(1)).resolve("secret")), "created at the link's target, inside the jail");
        assertEquals("secret", Files.readString(outside.resolve("secret")));
        assertEquals(-ENOENT, call(RENAME, str("/../outside/secret"), str("/got")));
        assertEquals(0, call(RENAME, str("/sub"), str("/../../moved")));
        assertTrue(Files.isDirectory(jail.resolve("moved")));
        assertEquals(0, call(LINK, str("/rel"), str("/hard")), "link() hard-links the symbolic link itself");
        assertTrue(Files.isSymbolicLink(jail.resolve("hard")));
        assertEquals(-ENOENT, open("/hard", O_RDONLY, 0), "and following it stays inside");
    }
}
