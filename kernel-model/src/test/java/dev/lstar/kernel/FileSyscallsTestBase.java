package dev.lstar.kernel;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lstar.kernel.vfs.Vfs;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A booted kernel with the {@code hello} fixture loaded and a file system of the test's choosing; calls go straight to the table. */
abstract class FileSyscallsTestBase {
    static final int AT_FDCWD = -100;
    static final int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0100, O_EXCL = 0200, O_TRUNC = 01000, O_APPEND = 02000,
            O_NONBLOCK = 04000, O_DIRECTORY = 0200000, O_NOFOLLOW = 0400000, O_CLOEXEC = 02000000, O_PATH = 010000000,
            O_TMPFILE = 020200000, O_LARGEFILE = 0100000;
    static final int READ = 0, WRITE = 1, OPEN = 2, CLOSE = 3, STAT = 4, FSTAT = 5, LSTAT = 6, LSEEK = 8, IOCTL = 16, PREAD = 17,
            PWRITE = 18, READV = 19, WRITEV = 20, ACCESS = 21, PIPE = 22, DUP = 32, DUP2 = 33, SENDFILE = 40, FCNTL = 72, FSYNC = 74,
            FDATASYNC = 75, TRUNCATE = 76, FTRUNCATE = 77, GETCWD = 79, CHDIR = 80, FCHDIR = 81, RENAME = 82, MKDIR = 83, RMDIR = 84,
            CREAT = 85, LINK = 86, UNLINK = 87, SYMLINK = 88, READLINK = 89, CHMOD = 90, FCHMOD = 91, UMASK = 95, GETDENTS64 = 217,
            OPENAT = 257, MKDIRAT = 258, NEWFSTATAT = 262, UNLINKAT = 263, RENAMEAT = 264, LINKAT = 265, SYMLINKAT = 266,
            READLINKAT = 267, FCHMODAT = 268, FACCESSAT = 269, DUP3 = 292, PIPE2 = 293, RENAMEAT2 = 316, STATX = 332,
            CLOSE_RANGE = 436, FACCESSAT2 = 439;

    LinuxKernel k;
    /** A scratch area of user memory (256 KiB, read-write) and the next free byte in it. */
    long scratch, next;

    /** The kernel's configuration: randomised layouts, as Linux's default (tests of fixed addresses pin it). */
    KernelConfig config() {
        return LinuxKernelBootTest.quiet();
    }

    void boot(Vfs vfs) throws Exception {
        k = LinuxKernel.boot(config(), 64L << 20);
        k.setFileSystem(vfs);
        byte[] hello = Files.readAllBytes(Path.of("src/test/resources/dev/lstar/kernel/elf/hello"));
        k.exec(hello, "/bin/hello", List.of("hello"), List.of());
        scratch = call(9, 0, 256 << 10, 3, 0x22, -1, 0);
        assertTrue(scratch > 0);
        next = scratch;
    }

    long call(int nr, long... args) {
        return k.syscalls.call(nr, args);
    }

    /** A NUL-terminated string in user memory. */
    long str(String s) {
        return bytes((s + "\0").getBytes(StandardCharsets.UTF_8));
    }

    long bytes(byte[] b) {
        long a = next;
        assertTrue(k.process.mm.copyToUser(a, b, 0, b.length));
        next += (b.length + 15) & ~15;
        return a;
    }

    long buf(int n) {
        long a = next;
        next += (n + 15) & ~15;
        return a;
    }

    byte[] peek(long addr, int n) {
        byte[] b = new byte[n];
        assertTrue(k.process.mm.copyFromUser(addr, b, 0, n));
        return b;
    }

    String peekString(long addr, int n) {
        return new String(peek(addr, n), StandardCharsets.UTF_8);
    }

    long u64(long addr, int off) {
        return Syscalls.le64(peek(addr + off, 8), 0);
    }

    int u32(long addr, int off) {
        byte[] b = peek(addr + off, 4);
        return (b[0] & 0xFF) | (b[1] & 0xFF) << 8 | (b[2] & 0xFF) << 16 | (b[3] & 0xFF) << 24;
    }

    long open(String path, int flags, int mode) {
        return call(OPENAT, AT_FDCWD, str(path), flags, mode);
    }

    long writeString(long fd, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return call(WRITE, fd, bytes(b), b.length);
    }

    /** The whole content of {@code path}: open, read until EOF, close. */
    String cat(String path) {
        long fd = open(path, O_RDONLY, 0);
        assertTrue(fd >= 0, "open " + path + ": " + fd);
        StringBuilder sb = new StringBuilder();
        String s;
        while (!(s = readAll(fd)).isEmpty()) sb.append(s);
        call(CLOSE, fd);
        return sb.toString();
    }

    String readAll(long fd) {
        long b = buf(4096);
        long n = call(READ, fd, b, 4096);
        assertTrue(n >= 0, "read: " + n);
        return peekString(b, (int) n);
    }

    /** struct stat of {@code path} (fields by offset), or null with the errno in {@link #lastErr}. */
    long statBuf;
    long lastErr;

    long stat(String path, boolean follow) {
        statBuf = buf(144);
        lastErr = call(NEWFSTATAT, AT_FDCWD, str(path), statBuf, follow ? 0 : 0x100);
        return lastErr;
    }

    int stMode() { return u32(statBuf, 24); }
    long stSize() { return u64(statBuf, 48); }
    long stNlink() { return u64(statBuf, 16); }
    long stIno() { return u64(statBuf, 8); }

    /** The names getdents64 returns for {@code path}, with their d_type after a ':'. */
    List<String> list(String path) {
        long fd = open(path, O_RDONLY | O_DIRECTORY, 0);
        assertTrue(fd >= 0, "open " + path + ": " + fd);
        List<String> out = new java.util.ArrayList<>();
        long b = buf(512);
        while (true) {
            long n = call(GETDENTS64, fd, b, 512);
            assertTrue(n >= 0, "getdents64: " + n);
            if (n == 0) break;
            byte[] d = peek(b, (int) n);
            for (int off = 0; off < n; ) {
                int reclen = (d[off + 16] & 0xFF) | (d[off + 17] & 0xFF) << 8;
                int type = d[off + 18];
                int end = off + 19;
                while (d[end] != 0) end++;
                out.add(new String(d, off + 19, end - off - 19, StandardCharsets.UTF_8) + ":" + type);
                off += reclen;
            }
        }
        call(CLOSE, fd);
        return out;
    }
}
