package dev.lstar.kernel;

import static dev.lstar.kernel.Errno.*;
import static org.junit.jupiter.api.Assertions.*;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import dev.lstar.kernel.vfs.Vfs;

import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The file system calls on an in-memory (Jimfs) file system: success and error paths with Linux
 * 6.6's errno values. The guest's root is /jail of the Jimfs; /secret lies outside it.
 */
class FileSyscallsTest extends FileSyscallsTestBase {
    FileSystem fs;
    Path jail;

    @BeforeEach
    void setUp() throws Exception {
        fs = Jimfs.newFileSystem(Configuration.unix().toBuilder().setAttributeViews("basic", "owner", "posix", "unix").build());
        jail = fs.getPath("/jail");
        Files.createDirectories(jail.resolve("d"));
        Files.writeString(jail.resolve("d/f"), "in the jail\n");
        Files.writeString(fs.getPath("/secret"), "outside the root\n");
        boot(Vfs.confined(jail));
    }

    @AfterEach
    void tearDown() throws Exception {
        fs.close();
    }

    // ------------------------------------------------------------------ open, read, write, lseek, close

    @Test
    void createWriteReadBack() throws Exception {
        long fd = open("/new.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);
        assertEquals(3, fd, "the lowest free descriptor");
        assertEquals(6, writeString(fd, "hello\n"));
        assertEquals(0, call(CLOSE, fd));
        assertEquals("hello\n", Files.readString(jail.resolve("new.txt")), "the file is on the embedder's file system");
        long r = open("/new.txt", O_RDONLY, 0);
        assertEquals("hello\n", readAll(r));
        assertEquals("", readAll(r), "end of file");
        assertEquals(2, call(LSEEK, r, 2, 0));
        assertEquals("llo\n", readAll(r));
        assertEquals(1, call(LSEEK, r, -5, 2), "SEEK_END");
        assertEquals(3, call(LSEEK, r, 2, 1), "SEEK_CUR");
        assertEquals(-EINVAL, call(LSEEK, r, -10, 0), "negative offset");
        assertEquals(-EINVAL, call(LSEEK, r, 0, 5), "bad whence");
        assertEquals(-ENXIO, call(LSEEK, r, 100, 3), "SEEK_DATA past the end");
        assertEquals(6, call(LSEEK, r, 0, 4), "SEEK_HOLE: the end");
        assertEquals(-EBADF, call(WRITE, r, str("x"), 1), "read-only descriptor");
        assertEquals(0, call(CLOSE, r));
        assertEquals(-EBADF, call(CLOSE, r));
        assertEquals(-EBADF, call(READ, 99, buf(8), 8));
    }

    @Test
    void openFlags() throws Exception {
        assertEquals(-ENOENT, open("/nope", O_RDONLY, 0));
        assertEquals(-ENOENT, open("/nodir/x", O_CREAT | O_WRONLY, 0644), "missing parent");
        assertEquals(-ENOTDIR, open("/d/f/x", O_RDONLY, 0), "a file in the middle");
        assertEquals(-EEXIST, open("/d/f", O_CREAT | O_EXCL | O_WRONLY, 0644));
        assertEquals(-EISDIR, open("/d", O_WRONLY, 0));
        assertEquals(-EISDIR, open("/d", O_CREAT | O_RDONLY, 0644), "O_CREAT on a directory");
        assertEquals(-EISDIR, open("/x/", O_CREAT | O_WRONLY, 0644), "O_CREAT with a trailing slash");
        assertEquals(-ENOTDIR, open("/d/f", O_RDONLY | O_DIRECTORY, 0));
        assertEquals(-ENOTDIR, open("/d/f/", O_RDONLY, 0), "trailing slash on a file");
        assertTrue(open("/d", O_RDONLY | O_DIRECTORY, 0) >= 0);
        Files.createSymbolicLink(jail.resolve("lnk"), fs.getPath("d/f"));
        assertEquals(-ELOOP, open("/lnk", O_RDONLY | O_NOFOLLOW, 0));
        long pfd = open("/lnk", O_PATH | O_NOFOLLOW, 0);
        assertTrue(pfd >= 0, "O_PATH|O_NOFOLLOW opens the link itself");
        assertEquals(-EBADF, call(READ, pfd, buf(4), 4));
        assertEquals(-EOPNOTSUPP, open("/d", O_TMPFILE | O_RDWR, 0600));
        assertEquals(-EINVAL, open("/d", O_TMPFILE | O_RDONLY, 0600), "O_TMPFILE needs write access");
        assertEquals(-EINVAL, open("/d", 020000000 | O_RDWR, 0600), "__O_TMPFILE without O_DIRECTORY");
        // O_TRUNC truncates even a read-only open
        long fd = open("/d/f", O_RDONLY | O_TRUNC, 0);
        assertTrue(fd >= 0);
        assertEquals(0, Files.size(jail.resolve("d/f")));
        // O_APPEND: every write at the end, whatever the offset
        Files.writeString(jail.resolve("a"), "12345");
        long a = open("/a", O_WRONLY | O_APPEND, 0);
        assertEquals(0, call(LSEEK, a, 0, 0));
        writeString(a, "67");
        assertEquals("1234567", Files.readString(jail.resolve("a")));
        assertEquals(O_WRONLY | O_APPEND | O_LARGEFILE, call(FCNTL, a, 3, 0), "F_GETFL");
        // creat = O_CREAT|O_WRONLY|O_TRUNC
        long c = call(CREAT, str("/c"), 0600);
        assertTrue(c >= 0);
        assertEquals(O_WRONLY | O_LARGEFILE, call(FCNTL, c, 3, 0));
    }

    @Test
    void createModeHonoursUmask() {
        assertEquals(022, call(UMASK, 027));
        assertTrue(open("/m", O_CREAT | O_WRONLY, 0666) >= 0);
        assertEquals(0, stat("/m", true));
        assertEquals(0100640, stMode());
        assertEquals(0, call(MKDIR, str("/md"), 0777));
        assertEquals(0, stat("/md", true));
        assertEquals(040750, stMode());
        assertEquals(027, call(UMASK, 022));
        assertEquals(0, call(CHMOD, str("/m"), 0604));
        assertEquals(0, stat("/m", true));
        assertEquals(0100604, stMode());
        long fd = open("/m", O_RDONLY, 0);
        assertEquals(0, call(FCHMOD, fd, 0400));
        assertEquals(0, stat("/m", true));
        assertEquals(0100400, stMode());
        assertEquals(0, call(FCHMODAT, AT_FDCWD, str("m"), 0644));
        assertEquals(-ENOENT, call(CHMOD, str("/zz"), 0644));
    }

    @Test
    void badUserPointersAndLongNames() {
        long unmapped = 0x10000L; // below the ELF image: nothing is mapped there
        assertEquals(-EFAULT, call(OPENAT, AT_FDCWD, unmapped, O_RDONLY, 0));
        assertEquals(-EFAULT, call(OPENAT, AT_FDCWD, -1L, O_RDONLY, 0), "a kernel address");
        assertEquals(-ENOENT, call(OPENAT, AT_FDCWD, str(""), O_RDONLY, 0), "empty path");
        long fd = open("/d/f", O_RDONLY, 0);
        assertEquals(-EFAULT, call(READ, fd, unmapped, 4));
        assertEquals(-EFAULT, call(FSTAT, fd, unmapped));
        assertEquals(-EFAULT, call(NEWFSTATAT, AT_FDCWD, str("/d/f"), unmapped, 0));
        assertEquals(-EFAULT, call(GETCWD, unmapped, 100));
        assertEquals(-EFAULT, call(PIPE, unmapped));
        assertEquals(4, k.fds().size(), "the failed pipe's descriptors were closed again");
        assertEquals(-EFAULT, call(GETDENTS64, open("/d", O_RDONLY, 0), unmapped, 4096));
        // PATH_MAX: no NUL within 4096 bytes
        long big = bytes("a/".repeat(2048).getBytes(StandardCharsets.US_ASCII));
        bytes(new byte[] {'a', 0});
        assertEquals(-ENAMETOOLONG, call(OPENAT, AT_FDCWD, big, O_RDONLY, 0));
        assertEquals(-ENAMETOOLONG, open("/" + "n".repeat(256), O_CREAT | O_WRONLY, 0644), "NAME_MAX");
        assertTrue(open("/" + "n".repeat(255), O_CREAT | O_WRONLY, 0644) >= 0, "255 bytes is allowed");
    }

    // ------------------------------------------------------------------ stat

    @Test
    void statFamily() throws Exception {
        assertEquals(0, stat("/d/f", true));
        assertEquals(0100000, stMode() & 0170000);
        assertEquals(12, stSize());
        assertEquals(1, stNlink());
        long ino = stIno();
        long fd = open("/d/f", O_RDONLY, 0);
        long sb = buf(144);
        assertEquals(0, call(FSTAT, fd, sb));
        assertEquals(ino, u64(sb, 8), "fstat and stat agree");
        assertEquals(0, call(NEWFSTATAT, fd, str(""), sb, 0x1000), "AT_EMPTY_PATH");
        assertEquals(ino, u64(sb, 8));
        assertEquals(-ENOENT, call(NEWFSTATAT, fd, str(""), sb, 0), "empty path without AT_EMPTY_PATH");
        assertEquals(-EINVAL, call(NEWFSTATAT, AT_FDCWD, str("/d/f"), sb, 0x4), "unknown flag");
        long dfd = open("/d", O_RDONLY | O_DIRECTORY, 0);
        assertEquals(0, call(NEWFSTATAT, dfd, str("f"), sb, 0), "relative to a dirfd");
        assertEquals(ino, u64(sb, 8));
        assertEquals(-ENOTDIR, call(NEWFSTATAT, fd, str("x"), sb, 0), "a dirfd that is a file");
        assertEquals(-EBADF, call(NEWFSTATAT, 77, str("x"), sb, 0));
        assertEquals(0, call(NEWFSTATAT, 77, str("/d/f"), sb, 0), "an absolute path ignores the dirfd");
        Files.createSymbolicLink(jail.resolve("l"), fs.getPath("/d/f"));
        assertEquals(0, stat("/l", false));
        assertEquals(0120000, stMode() & 0170000, "lstat sees the link");
        assertEquals(4, stSize(), "a link's size is its target's length (\"/d/f\")");
        assertEquals(0, call(LSTAT, str("/l"), sb));
        assertEquals(0120000, u32(sb, 24) & 0170000);
        assertEquals(0, call(STAT, str("/l"), sb));
        assertEquals(ino, u64(sb, 8), "stat follows");
        assertEquals(-ENOENT, call(STAT, str("/nope"), sb));
        assertEquals(0, stat("/d", true));
        assertEquals(040000, stMode() & 0170000);
        // mtime with nanoseconds from the file system
        java.nio.file.attribute.FileTime t = java.nio.file.attribute.FileTime.from(java.time.Instant.ofEpochSecond(1_700_000_000L, 123_456_789));
        Files.setLastModifiedTime(jail.resolve("d/f"), t);
        assertEquals(0, stat("/d/f", true));
        assertEquals(1_700_000_000L, u64(statBuf, 88));
        assertEquals(123_456_789L, u64(statBuf, 96));
        // statx
        long sx = buf(256);
        assertEquals(0, call(STATX, AT_FDCWD, str("/d/f"), 0, 0x7ff, sx));
        assertEquals(0x7ff, u32(sx, 0) & 0x7ff, "basic stats");
        assertEquals(12, u64(sx, 40));
        assertEquals(ino, u64(sx, 32));
        assertEquals(1_700_000_000L, u64(sx, 112), "stx_mtime");
        assertEquals(0100000, u32(sx, 28) & 0170000);
        assertEquals(-EINVAL, call(STATX, AT_FDCWD, str("/d/f"), 0x6000, 0x7ff, sx), "both sync types");
        assertEquals(-EINVAL, call(STATX, AT_FDCWD, str("/d/f"), 0, 0x80000000L, sx), "STATX__RESERVED");
        assertEquals(0, call(STATX, fd, str(""), 0x1000, 0x7ff, sx));
    }

    // ------------------------------------------------------------------ directories

    @Test
    void getdentsListsDotDotDotAndTypes() throws Exception {
        Files.createDirectory(jail.resolve("d/sub"));
        Files.createSymbolicLink(jail.resolve("d/ln"), fs.getPath("f"));
        List<String> names = list("/d");
        assertEquals(List.of("..:4", ".:4", "f:8", "ln:10", "sub:4"), names.stream().sorted().toList());
        long fd = open("/d", O_RDONLY, 0);
        assertEquals(-EINVAL, call(GETDENTS64, fd, buf(16), 16), "buffer too small for one entry");
        assertEquals(-EISDIR, call(READ, fd, buf(16), 16));
        assertEquals(-ENOTDIR, call(GETDENTS64, open("/d/f", O_RDONLY, 0), buf(512), 512));
        assertEquals(-EBADF, call(GETDENTS64, 55, buf(512), 512));
        // a seek back to 0 lists again, with what changed in between
        long b = buf(1024);
        assertTrue(call(GETDENTS64, fd, b, 1024) > 0);
        assertEquals(0, call(GETDENTS64, fd, b, 1024));
        Files.writeString(jail.resolve("d/g"), "");
        assertEquals(0, call(LSEEK, fd, 0, 0));
        assertEquals(6, list("/d").size());
        assertEquals(List.of("..:4", ".:4", "d:4", "dev:4", "proc:4"),
                list("/").stream().filter(s -> !s.startsWith("n")).sorted().toList(), "root: lstar's /dev and /proc besides the jail's own");
    }

    @Test
    void mkdirRmdirUnlink() throws Exception {
        assertEquals(0, call(MKDIR, str("/e"), 0755));
        assertEquals(-EEXIST, call(MKDIR, str("/e"), 0755));
        assertEquals(-EEXIST, call(MKDIR, str("/d/f"), 0755));
        assertEquals(-EEXIST, call(MKDIR, str("/d/f/"), 0755), "a file named with a trailing slash: EEXIST, not ENOTDIR");
        assertEquals(-ENOTDIR, call(UNLINK, str("/d/f/")));
        assertEquals(-ENOENT, call(MKDIR, str("/x/y"), 0755));
        assertEquals(-ENOTDIR, call(MKDIR, str("/d/f/y"), 0755));
        assertEquals(0, call(MKDIRAT, open("/e", O_RDONLY, 0), str("sub/"), 0755), "mkdirat with a trailing slash");
        assertTrue(Files.isDirectory(jail.resolve("e/sub")));
        assertEquals(-ENOTEMPTY, call(RMDIR, str("/e")));
        assertEquals(-EINVAL, call(RMDIR, str("/e/sub/.")));
        assertEquals(-ENOTEMPTY, call(RMDIR, str("/e/sub/..")));
        assertEquals(-ENOTDIR, call(RMDIR, str("/d/f")));
        assertEquals(-EBUSY, call(RMDIR, str("/")));
        assertEquals(-EISDIR, call(UNLINK, str("/e")));
        assertEquals(-ENOENT, call(UNLINK, str("/e/none")));
        assertEquals(-EINVAL, call(UNLINKAT, AT_FDCWD, str("/e/sub"), 0x1), "unknown unlinkat flag");
        assertEquals(0, call(UNLINKAT, AT_FDCWD, str("/e/sub"), 0x200), "AT_REMOVEDIR");
        assertEquals(0, call(RMDIR, str("/e")));
        assertFalse(Files.exists(jail.resolve("e")));
        long fd = open("/d/f", O_RDONLY, 0);
        assertEquals(0, call(UNLINK, str("/d/f")));
        assertFalse(Files.exists(jail.resolve("d/f")));
        long sb = buf(144);
        assertEquals(0, call(FSTAT, fd, sb), "fstat of an unlinked open file");
        assertEquals(0, u64(sb, 16), "nlink 0");
        assertEquals("in the jail\n", readAll(fd), "still readable");
    }

    @Test
    void cwdChdirFchdir() {
        long b = buf(256);
        assertEquals(2, call(GETCWD, b, 256));
        assertEquals("/", peekString(b, 1));
        assertEquals(0, call(CHDIR, str("d")));
        assertEquals(3, call(GETCWD, b, 256));
        assertEquals("/d\0", peekString(b, 3));
        assertEquals(-ERANGE, call(GETCWD, b, 2));
        assertEquals("in the jail\n", readAll(open("f", O_RDONLY, 0)), "relative to the new cwd");
        assertEquals(-ENOTDIR, call(CHDIR, str("f")));
        assertEquals(-ENOENT, call(CHDIR, str("nope")));
        long root = open("/", O_RDONLY | O_DIRECTORY, 0);
        assertEquals(0, call(FCHDIR, root));
        assertEquals("/", k.vfs().cwd());
        assertEquals(-ENOTDIR, call(FCHDIR, open("/d/f", O_RDONLY, 0)));
        assertEquals(-EBADF, call(FCHDIR, 99));
    }

    @Test
    void renames() throws Exception {
        assertEquals(0, call(RENAME, str("/d/f"), str("/g")));
        assertEquals("in the jail\n", Files.readString(jail.resolve("g")));
        assertEquals(-ENOENT, call(RENAME, str("/d/f"), str("/g")));
        Files.writeString(jail.resolve("h"), "h");
        assertEquals(-EEXIST, call(RENAMEAT2, AT_FDCWD, str("/g"), AT_FDCWD, str("/h"), 1), "RENAME_NOREPLACE");
        assertEquals(-EINVAL, call(RENAMEAT2, AT_FDCWD, str("/g"), AT_FDCWD, str("/h"), 3), "NOREPLACE|EXCHANGE");
        assertEquals(-EINVAL, call(RENAMEAT2, AT_FDCWD, str("/g"), AT_FDCWD, str("/h"), 8));
        assertEquals(0, call(RENAMEAT2, AT_FDCWD, str("/g"), AT_FDCWD, str("/h"), 0), "replaces");
        assertEquals("in the jail\n", Files.readString(jail.resolve("h")));
        assertEquals(-EISDIR, call(RENAME, str("/h"), str("/d")));
        assertEquals(-ENOTDIR, call(RENAME, str("/d"), str("/h")));
        assertEquals(-EINVAL, call(RENAME, str("/d"), str("/d/inner")), "into itself");
        Files.createDirectory(jail.resolve("full"));
        Files.writeString(jail.resolve("full/x"), "");
        assertEquals(-ENOTEMPTY, call(RENAME, str("/d"), str("/full")));
        assertEquals(0, call(RENAMEAT, open("/", O_RDONLY, 0), str("d"), AT_FDCWD, str("/d2")));
        assertTrue(Files.isDirectory(jail.resolve("d2")));
        assertEquals(-EBUSY, call(RENAME, str("/d2/."), str("/d3")));
        assertEquals(-ENOTDIR, call(RENAME, str("/h/"), str("/h2")));
        assertEquals(0, call(LINK, str("/h"), str("/h-link")));
        assertEquals(0, call(RENAME, str("/h"), str("/h-link")), "two names of one file: nothing happens");
        assertTrue(Files.exists(jail.resolve("h")));
    }

    @Test
    void linksAndSymlinks() throws Exception {
        assertEquals(0, call(LINK, str("/d/f"), str("/hard")));
        assertEquals(0, stat("/hard", true));
        assertEquals(2, stNlink());
        assertEquals(-EEXIST, call(LINK, str("/d/f"), str("/hard")));
        assertEquals(-EPERM, call(LINK, str("/d"), str("/dl")), "no hard links to directories");
        assertEquals(-ENOENT, call(LINK, str("/none"), str("/x")));
        assertEquals(-EINVAL, call(LINKAT, AT_FDCWD, str("/d/f"), AT_FDCWD, str("/x"), 0x1));
        assertEquals(0, call(SYMLINK, str("d/f"), str("/sym")));
        assertEquals(-EEXIST, call(SYMLINK, str("x"), str("/sym")));
        assertEquals(-ENOENT, call(SYMLINK, str(""), str("/empty")));
        long b = buf(64);
        assertEquals(3, call(READLINK, str("/sym"), b, 64));
        assertEquals("d/f", peekString(b, 3));
        assertEquals(2, call(READLINK, str("/sym"), b, 2), "truncated to the buffer, no NUL");
        assertEquals(-EINVAL, call(READLINK, str("/d/f"), b, 64), "not a link");
        assertEquals(-EINVAL, call(READLINK, str("/sym"), b, 0));
        assertEquals(-ENOENT, call(READLINK, str("/nope"), b, 64));
        assertEquals(3, call(READLINKAT, open("/", O_RDONLY, 0), str("sym"), b, 64));
        assertEquals("in the jail\n", readAll(open("/sym", O_RDONLY, 0)));
        // a link followed with AT_SYMLINK_FOLLOW links the target
        assertEquals(0, call(LINKAT, AT_FDCWD, str("/sym"), AT_FDCWD, str("/hard2"), 0x400));
        assertEquals(0, stat("/hard2", false));
        assertEquals(0100000, stMode() & 0170000);
        // loops
        assertEquals(0, call(SYMLINK, str("loop2"), str("/loop1")));
        assertEquals(0, call(SYMLINK, str("loop1"), str("/loop2")));
        assertEquals(-ELOOP, open("/loop1", O_RDONLY, 0));
        assertEquals(-ELOOP, stat("/loop1/x", true));
        assertEquals(0, stat("/loop1", false), "lstat of a looping link is fine");
        // a chain of 40 links resolves, 41 is ELOOP
        for (int i = 0; i < 41; i++) Files.createSymbolicLink(jail.resolve("c" + i), fs.getPath(i == 0 ? "d/f" : "c" + (i - 1)));
        assertEquals(0, stat("/c39", true));
        assertEquals(-ELOOP, stat("/c40", true));
        // a dangling link: O_CREAT creates its target
        assertEquals(0, call(SYMLINK, str("/d/made"), str("/dangling")));
        assertEquals(-ENOENT, open("/dangling", O_RDONLY, 0));
        assertEquals(-EEXIST, open("/dangling", O_CREAT | O_EXCL | O_WRONLY, 0644), "O_EXCL does not follow");
        assertTrue(open("/dangling", O_CREAT | O_WRONLY, 0644) >= 0);
        assertTrue(Files.exists(jail.resolve("d/made")));
    }

    @Test
    void utimensatSetsTimes() throws Exception {
        long ts = bytes(new byte[32]);
        assertTrue(k.process.mm.putUser64(ts, 1_000_000_000L));
        assertTrue(k.process.mm.putUser64(ts + 8, 5));
        assertTrue(k.process.mm.putUser64(ts + 16, 1_600_000_000L));
        assertTrue(k.process.mm.putUser64(ts + 24, 999_999_999L));
        assertEquals(0, call(280, AT_FDCWD, str("/d/f"), ts, 0));
        assertEquals(0, stat("/d/f", true));
        assertEquals(1_600_000_000L, u64(statBuf, 88));
        assertEquals(999_999_999L, u64(statBuf, 96));
        assertEquals(1_000_000_000L, u64(statBuf, 72));
        assertEquals(5, u64(statBuf, 80));
        assertTrue(k.process.mm.putUser64(ts + 24, 1_000_000_000L));
        assertEquals(-EINVAL, call(280, AT_FDCWD, str("/d/f"), ts, 0), "nsec out of range");
        assertTrue(k.process.mm.putUser64(ts + 8, (1L << 30) - 2));
        assertTrue(k.process.mm.putUser64(ts + 24, (1L << 30) - 1));
        long before = java.time.Instant.now().getEpochSecond();
        assertEquals(0, call(280, open("/d/f", O_RDONLY, 0), 0, ts, 0), "futimens: UTIME_OMIT atime, UTIME_NOW mtime");
        assertEquals(0, stat("/d/f", true));
        assertTrue(u64(statBuf, 88) >= before);
        assertEquals(1_000_000_000L, u64(statBuf, 72), "atime omitted");
        assertEquals(-ENOENT, call(280, AT_FDCWD, str("/nope"), 0, 0));
        assertEquals(-EINVAL, call(280, AT_FDCWD, str("/d/f"), 0, 0x2));
        assertEquals(-EFAULT, call(280, AT_FDCWD, str("/d/f"), 0x10000, 0));
    }

    @Test
    void accessChecks() {
        assertEquals(0, call(ACCESS, str("/d/f"), 0));
        assertEquals(0, call(ACCESS, str("/d/f"), 4));
        assertEquals(-ENOENT, call(ACCESS, str("/nope"), 0));
        assertEquals(-EINVAL, call(ACCESS, str("/d/f"), 8));
        assertEquals(-EINVAL, call(FACCESSAT2, AT_FDCWD, str("/d/f"), 0, 0x4));
        assertEquals(0, call(FACCESSAT, AT_FDCWD, str("/d/f"), 0));
        assertEquals(0, call(CHMOD, str("/d/f"), 0644));
        assertEquals(-EACCES, call(FACCESSAT2, AT_FDCWD, str("/d/f"), 1, 0), "no x bit: not executable, even for root");
        assertEquals(0, call(CHMOD, str("/d/f"), 0755));
        assertEquals(0, call(FACCESSAT2, AT_FDCWD, str("/d/f"), 1, 0));
    }

    @Test
    void truncateAndPositionalIo() throws Exception {
        assertEquals(0, call(TRUNCATE, str("/d/f"), 2));
        assertEquals("in", Files.readString(jail.resolve("d/f")));
        assertEquals(0, call(TRUNCATE, str("/d/f"), 5));
        assertArrayEquals(new byte[] {'i', 'n', 0, 0, 0}, Files.readAllBytes(jail.resolve("d/f")), "extended with zeros");
        assertEquals(-EISDIR, call(TRUNCATE, str("/d"), 0));
        assertEquals(-EINVAL, call(TRUNCATE, str("/d/f"), -1));
        long ro = open("/d/f", O_RDONLY, 0);
        assertEquals(-EINVAL, call(FTRUNCATE, ro, 0), "not open for writing");
        assertEquals(-EINVAL, call(FTRUNCATE, 99, -1), "the length is checked before the descriptor");
        assertEquals(-EBADF, call(FTRUNCATE, 99, 0));
        long rw = open("/d/f", O_RDWR, 0);
        assertEquals(0, call(FTRUNCATE, rw, 0));
        assertEquals(5, call(PWRITE, rw, str("abcde"), 5, 10));
        assertEquals(0, call(LSEEK, rw, 0, 1), "pwrite leaves the offset alone");
        long b = buf(8);
        assertEquals(3, call(PREAD, rw, b, 3, 11));
        assertEquals("bcd", peekString(b, 3));
        assertEquals(-EINVAL, call(PREAD, rw, b, 3, -1));
        assertEquals(15, Files.size(jail.resolve("d/f")));
        assertEquals(0, call(FSYNC, rw));
        assertEquals(0, call(FDATASYNC, rw));
        assertEquals(-EINVAL, call(FSYNC, 1), "stdout is a pipe");
        // readv/writev on files
        long iov = buf(32);
        long p1 = str("one"), p2 = str("two");
        assertTrue(k.process.mm.putUser64(iov, p1));
        assertTrue(k.process.mm.putUser64(iov + 8, 3));
        assertTrue(k.process.mm.putUser64(iov + 16, p2));
        assertTrue(k.process.mm.putUser64(iov + 24, 3));
        long w = open("/v", O_CREAT | O_RDWR, 0644);
        assertEquals(6, call(WRITEV, w, iov, 2));
        assertEquals(0, call(LSEEK, w, 0, 0));
        long r1 = buf(2), r2 = buf(8);
        assertTrue(k.process.mm.putUser64(iov, r1));
        assertTrue(k.process.mm.putUser64(iov + 8, 2));
        assertTrue(k.process.mm.putUser64(iov + 16, r2));
        assertTrue(k.process.mm.putUser64(iov + 24, 8));
        assertEquals(6, call(READV, w, iov, 2));
        assertEquals("on", peekString(r1, 2));
        assertEquals("etwo", peekString(r2, 4));
        assertEquals(-EINVAL, call(READV, w, iov, -1));
    }

    // ------------------------------------------------------------------ descriptors

    @Test
    void dupFcntlCloseRange() {
        long fd = open("/d/f", O_RDONLY | O_CLOEXEC, 0);
        assertEquals(1, call(FCNTL, fd, 1, 0), "F_GETFD: FD_CLOEXEC");
        long d = call(DUP, fd);
        assertEquals(fd + 1, d);
        assertEquals(0, call(FCNTL, d, 1, 0), "dup clears close-on-exec");
        assertEquals(2, call(LSEEK, fd, 2, 0));
        assertEquals(2, call(LSEEK, d, 0, 1), "dup'ed descriptors share the offset");
        assertEquals(10, call(DUP2, fd, 10));
        assertEquals(10, call(DUP2, 10, 10));
        assertEquals(-EBADF, call(DUP2, 55, 56));
        assertEquals(-EINVAL, call(DUP3, fd, fd, 0));
        assertEquals(-EINVAL, call(DUP3, fd, 11, 1));
        assertEquals(11, call(DUP3, fd, 11, O_CLOEXEC));
        assertEquals(1, call(FCNTL, 11, 1, 0));
        assertEquals(-EBADF, call(DUP2, fd, 1 << 20), "beyond RLIMIT_NOFILE");
        assertEquals(20, call(FCNTL, fd, 0, 20), "F_DUPFD: the lowest at or above 20");
        assertEquals(21, call(FCNTL, fd, 1030, 20), "F_DUPFD_CLOEXEC");
        assertEquals(1, call(FCNTL, 21, 1, 0));
        assertEquals(-EINVAL, call(FCNTL, fd, 0, 1 << 20));
        assertEquals(0, call(FCNTL, fd, 2, 0), "F_SETFD");
        assertEquals(0, call(FCNTL, fd, 1, 0));
        assertEquals(0, call(FCNTL, fd, 4, O_NONBLOCK | O_APPEND | O_WRONLY), "F_SETFL ignores the access mode");
        assertEquals(O_RDONLY | O_NONBLOCK | O_APPEND | O_LARGEFILE, call(FCNTL, fd, 3, 0));
        assertEquals(-EINVAL, call(FCNTL, fd, 9999, 0));
        assertEquals(0, call(IOCTL, fd, 0x5451, 0), "FIOCLEX");
        assertEquals(1, call(FCNTL, fd, 1, 0));
        assertEquals(0, call(IOCTL, fd, 0x5450, 0), "FIONCLEX");
        assertEquals(0, call(FCNTL, fd, 1, 0));
        assertEquals(-ENOTTY, call(IOCTL, fd, 0x5401, buf(64)), "TCGETS on a file");
        assertEquals(-ENOTTY, call(IOCTL, fd, 0x5413, buf(8)), "TIOCGWINSZ on a file");
        assertEquals(-ENOTTY, call(IOCTL, 1, 0x5401, buf(64)), "stdout is not a terminal");
        assertEquals(-EBADF, call(IOCTL, 77, 0x5401, 0));
        assertEquals(-EINVAL, call(CLOSE_RANGE, 5, 4, 0));
        assertEquals(-EINVAL, call(CLOSE_RANGE, 3, 100, 1));
        assertEquals(0, call(CLOSE_RANGE, 11, ~0L, 4), "CLOSE_RANGE_CLOEXEC");
        assertEquals(1, call(FCNTL, 20, 1, 0));
        assertEquals(0, call(CLOSE_RANGE, 10, ~0L, 0));
        assertEquals(-EBADF, call(FCNTL, 20, 1, 0));
        assertEquals(-EBADF, call(FCNTL, 10, 1, 0));
        assertEquals(0, call(FCNTL, fd, 1, 0), "below the range: still open");
    }

    @Test
    void stdioPassThroughAndRedirection() throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        k = LinuxKernel.boot(LinuxKernelBootTest.quiet().withIo(new java.io.ByteArrayInputStream("typed\n".getBytes()),
                new java.io.PrintStream(out, true), new java.io.PrintStream(new java.io.ByteArrayOutputStream())), 64L << 20);
        k.setFileSystem(Vfs.confined(jail));
        k.exec(Files.readAllBytes(Path.of("src/test/resources/dev/lstar/kernel/elf/hello")), "/bin/hello", List.of("hello"), List.of());
        scratch = next = call(9, 0, 1 << 16, 3, 0x22, -1, 0);
        assertEquals(3, writeString(1, "out"));
        assertEquals("typed\n", readAll(0));
        long fd = open("/redir", O_CREAT | O_WRONLY, 0644);
        assertEquals(1, call(DUP2, fd, 1));
        writeString(1, "to the file");
        assertEquals("out", out.toString());
        assertEquals("to the file", Files.readString(jail.resolve("redir")));
        assertEquals(0, call(CLOSE, 1));
        assertEquals(-EBADF, writeString(1, "x"));
        long sb = buf(144);
        assertEquals(0, call(FSTAT, 0, sb));
        assertEquals(0010000, u32(sb, 24) & 0170000, "the standard streams are pipes");
        assertEquals(-ESPIPE, call(LSEEK, 0, 0, 1));
    }

    @Test
    void pipes() {
        long fds = buf(8);
        assertEquals(0, call(PIPE, fds));
        int r = u32(fds, 0), w = u32(fds, 4);
        assertEquals(3, r);
        assertEquals(4, w);
        assertEquals(5, writeString(w, "hello"));
        assertEquals("hello", readAll(r));
        assertEquals(-ESPIPE, call(LSEEK, r, 0, 0));
        assertEquals(-ESPIPE, call(PREAD, r, buf(4), 4, 0));
        assertEquals(-EBADF, call(WRITE, r, str("x"), 1));
        assertEquals(-EINVAL, call(PIPE2, fds, 1));
        assertEquals(0, call(PIPE2, fds, O_NONBLOCK | O_CLOEXEC));
        int r2 = u32(fds, 0), w2 = u32(fds, 4);
        assertEquals(1, call(FCNTL, r2, 1, 0));
        assertEquals(-EAGAIN, call(READ, r2, buf(4), 4), "empty, writer open, O_NONBLOCK");
        long sb = buf(144);
        assertEquals(0, call(FSTAT, r2, sb));
        assertEquals(0010000, u32(sb, 24) & 0170000);
        assertEquals(0, call(CLOSE, w2));
        assertEquals(0, call(READ, r2, buf(4), 4), "no writer left: end of file");
        // dup2 onto stdout, as a shell pipeline sets it up
        assertEquals(1, call(DUP2, w, 1));
        assertEquals(3, writeString(1, "abc"));
        assertEquals("abc", readAll(r));
        // a blocking read that nothing can ever satisfy ends the process with a report
        call(READ, r, buf(4), 4);
        assertNotNull(k.exit);
        assertTrue(k.exit.message().contains("deadlock"), k.exit.message());
    }

    @Test
    void writeToPipeWithoutReaderIsSigpipe() {
        long fds = buf(8);
        assertEquals(0, call(PIPE, fds));
        assertEquals(0, call(CLOSE, u32(fds, 0)));
        assertEquals(-EPIPE, call(WRITE, u32(fds, 4), str("x"), 1));
        // send_sig(SIGPIPE): pending now, delivered (or killing, by default) on the way back to user mode
        assertEquals(Signal.bit(Signal.SIGPIPE.number), k.signals.pending());
        assertNull(k.exit);
    }

    @Test
    void devicesAndProcSelfExe() throws Exception {
        long n = open("/dev/null", O_RDWR, 0);
        assertEquals(5, writeString(n, "gone!"));
        assertEquals("", readAll(n));
        long z = open("/dev/zero", O_RDONLY, 0);
        long b = buf(64);
        bytes(new byte[64]);
        assertEquals(64, call(READ, z, b, 64));
        assertArrayEquals(new byte[64], peek(b, 64));
        long u = open("/dev/urandom", O_RDONLY, 0);
        long b1 = buf(32), b2 = buf(32);
        assertEquals(32, call(READ, u, b1, 32));
        assertEquals(32, call(READ, u, b2, 32));
        assertFalse(java.util.Arrays.equals(peek(b1, 32), peek(b2, 32)), "two reads of 256 random bits differ");
        assertEquals(0, stat("/dev/null", true));
        assertEquals(0020666, stMode());
        assertEquals(0x103, u64(statBuf, 40), "rdev 1:3");
        assertEquals(0, stat("/dev/zero", true));
        assertEquals(0x105, u64(statBuf, 40));
        long rl = buf(256);
        long len = call(READLINK, str("/proc/self/exe"), rl, 256);
        assertEquals(k.vfs().exePath, peekString(rl, (int) len));
        // sendfile: file to stdout-like pipe and file to file, with and without an offset
        long in = open("/d/f", O_RDONLY, 0);
        long out = open("/copy", O_CREAT | O_WRONLY, 0644);
        long off = bytes(new byte[8]);
        assertTrue(k.process.mm.putUser64(off, 3));
        assertEquals(5, call(SENDFILE, out, in, off, 5));
        assertEquals(8, u64(off, 0), "the offset moved, the file position did not");
        assertEquals(0, call(LSEEK, in, 0, 1));
        assertEquals(12, call(SENDFILE, out, in, 0, 100));
        assertEquals("the jin the jail\n", Files.readString(jail.resolve("copy")));
        assertEquals(-EBADF, call(SENDFILE, in, out, 0, 1), "in must be readable");
    }

    // ------------------------------------------------------------------ the root cannot be left

    @Test
    void noPathLeavesTheRoot() throws Exception {
        assertEquals(-ENOENT, open("/secret", O_RDONLY, 0));
        assertEquals(-ENOENT, open("/../secret", O_RDONLY, 0), ".. at the root stays at the root");
        assertEquals(-ENOENT, open("../../../../secret", O_RDONLY, 0));
        assertEquals(-ENOENT, open("/d/../../secret", O_RDONLY, 0));
        assertEquals(0, call(CHDIR, str("/../..")));
        assertEquals("/", k.vfs().cwd());
        assertEquals(-ENOENT, open("secret", O_RDONLY, 0));
        long root = open("/", O_RDONLY | O_DIRECTORY, 0);
        assertEquals(-ENOENT, call(OPENAT, root, str("../secret"), O_RDONLY, 0), "openat from the root's dirfd");
        long d = open("/d", O_RDONLY | O_DIRECTORY, 0);
        assertEquals(-ENOENT, call(OPENAT, d, str("../../secret"), O_RDONLY, 0));
        assertEquals(-ENOENT, call(NEWFSTATAT, d, str("../../../secret"), buf(144), 0));
    }

    @Test
    void noSymlinkLeavesTheRoot() throws Exception {
        // links made by the host, pointing outside: the guest follows them inside its root
        Files.createSymbolicLink(jail.resolve("abs"), fs.getPath("/secret"));
        Files.createSymbolicLink(jail.resolve("rel"), fs.getPath("../secret"));
        Files.createSymbolicLink(jail.resolve("d/deep"), fs.getPath("../../../../secret"));
        Files.createSymbolicLink(jail.resolve("up"), fs.getPath(".."));
        Files.createSymbolicLink(jail.resolve("slash"), fs.getPath("/"));
        for (String p : List.of("/abs", "/rel", "/d/deep", "/up/secret", "/up/up/secret", "/slash/../secret", "/d/../up/../secret")) {
            assertEquals(-ENOENT, open(p, O_RDONLY, 0), p);
        }
        // the guest's own link, followed by a directory stream of the jail, not the host's
        assertEquals(0, call(SYMLINK, str("../../secret"), str("/mine")));
        assertEquals(-ENOENT, open("/mine", O_RDONLY, 0));
        // a file named like the outside one, inside: that is what the links reach
        Files.writeString(jail.resolve("secret"), "the jail's own\n");
        for (String p : List.of("/abs", "/rel", "/d/deep", "/up/secret", "/slash/../secret", "/mine")) {
            assertEquals("the jail's own\n", readAll(open(p, O_RDONLY, 0)), p);
        }
        assertEquals(List.of(".", "..", "d", "dev", "proc"), list("/up").stream().map(s -> s.substring(0, s.indexOf(':')))
                .filter(s -> !s.equals("abs") && !s.equals("rel") && !s.equals("up") && !s.equals("slash") && !s.equals("mine") && !s.equals("secret"))
                .sorted().toList(), "/up lists the guest's root");
        // creating through a link that points outside creates inside
        Files.createSymbolicLink(jail.resolve("mk"), fs.getPath("/../made-outside"));
        assertTrue(open("/mk", O_CREAT | O_WRONLY, 0644) >= 0);
        assertFalse(Files.exists(fs.getPath("/made-outside")));
        assertTrue(Files.exists(jail.resolve("made-outside")));
        assertEquals("outside the root\n", Files.readString(fs.getPath("/secret")), "untouched");
    }

    @Test
    void noRenameOrLinkLeavesTheRoot() throws Exception {
        assertEquals(0, call(RENAME, str("/d/f"), str("/../../f-moved")));
        assertTrue(Files.exists(jail.resolve("f-moved")), "renamed to the root's own f-moved");
        assertFalse(Files.exists(fs.getPath("/f-moved")));
        Files.createSymbolicLink(jail.resolve("out"), fs.getPath("/.."));
        assertEquals(0, call(RENAME, str("/f-moved"), str("/out/../again")));
        assertTrue(Files.exists(jail.resolve("again")));
        assertEquals(0, call(LINK, str("/again"), str("/../hard")));
        assertTrue(Files.exists(jail.resolve("hard")));
        assertEquals(-ENOENT, call(LINK, str("/../secret"), str("/stolen")), "no hard link to a file outside");
        assertEquals(-ENOENT, call(RENAME, str("/../secret"), str("/stolen")));
        assertEquals(-ENOENT, call(UNLINK, str("/../secret")));
        assertTrue(Files.exists(fs.getPath("/secret")));
        assertEquals(-ENOENT, call(MKDIR, str("/../../x/y"), 0755));
        assertEquals(0, call(MKDIR, str("/../../x"), 0755));
        assertTrue(Files.isDirectory(jail.resolve("x")));
        assertFalse(Files.exists(fs.getPath("/x")));
    }

    @Test
    void everyRegisteredNumberHasItsLinuxName() {
        int checked = 0;
        for (int nr = 0; nr < SyscallTable.NR_SYSCALLS; nr++) {
            String name = k.syscalls.x64Name(nr);
            if (name == null) continue;
            assertEquals(SyscallNames.x64(nr), name, "syscall " + nr);
            checked++;
        }
        assertTrue(checked > 70, "checked " + checked);
    }
}
