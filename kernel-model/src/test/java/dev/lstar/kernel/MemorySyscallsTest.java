package dev.lstar.kernel;

import static dev.lstar.kernel.Errno.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lstar.kernel.vfs.Vfs;
import dev.lstar.runtime.sys.Cpuid;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * mmap of files (private and shared), write-back, mremap, madvise, msync, mincore, the auxiliary
 * vector and /proc/self/{maps,auxv}, and the start-up calls (futex, prctl...), called straight
 * through the system-call table on a booted kernel with the guest confined to a temporary directory.
 */
class MemorySyscallsTest extends FileSyscallsTestBase {
    /** The fixed layout of setarch -R (the mmap base and ELF_ET_DYN_BASE are checked as such). */
    @Override
    KernelConfig config() {
        return super.config().withAslr(false);
    }

    static final int MMAP = 9, MPROTECT = 10, MUNMAP = 11, MREMAP = 25, MSYNC = 26, MINCORE = 27, MADVISE = 28, FUTEX = 202,
            PRCTL = 157, SCHED_GETAFFINITY = 204, SET_ROBUST_LIST = 273, RSEQ = 334, EXIT_GROUP = 231;
    static final int R = 1, RW = 3, X = 4;
    static final int SHARED = 1, PRIVATE = 2, SHARED_VALIDATE = 3, FIXED = 0x10, ANON = 0x20, FIXED_NOREPLACE = 0x100000;

    @TempDir
    Path root;

    @BeforeEach
    void setUp() throws Exception {
        boot(Vfs.confined(root));
    }

    /** A file of {@code size} bytes whose byte i is (i % 251), open with {@code flags}. */
    long file(String name, int size, int flags) throws Exception {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) b[i] = (byte) (i % 251);
        Files.write(root.resolve(name), b);
        long fd = open("/" + name, flags, 0);
        assertTrue(fd >= 0, "open: " + fd);
        return fd;
    }

    @Test
    void privateFileMappingIsACopyMadeAtFaultTime() throws Exception {
        long fd = file("data", 5000, O_RDWR);
        long a = call(MMAP, 0, 3 * 4096, RW, PRIVATE, fd, 0);
        assertTrue(a > 0 && (a & 0xFFF) == 0, "mmap: " + a);
        assertEquals(77 % 251, peek(a + 77, 1)[0] & 0xFF);
        assertEquals(4999 % 251, peek(a + 4999, 1)[0] & 0xFF);
        assertEquals(0, peek(a + 5000, 1)[0], "the rest of the file's last page reads as zeros");
        assertFalse(k.process.mm.copyFromUser(a + 8192, new byte[1], 0, 1), "a page past the file's last page faults (SIGBUS on Linux)");
        assertTrue(k.process.mm.copyToUser(a, "XYZ".getBytes(StandardCharsets.US_ASCII), 0, 3));
        assertEquals("XYZ", peekString(a, 3));
        assertEquals(0, Files.readAllBytes(root.resolve("data"))[0], "a private store never reaches the file");
        // MADV_DONTNEED drops the private copy: the file's bytes come back
        assertEquals(0, call(MADVISE, a, 4096, 4));
        assertEquals(0, peek(a, 1)[0]);
        // the mapping outlives the descriptor
        assertEquals(0, call(CLOSE, fd));
        assertEquals(4096 % 251, peek(a + 4096, 1)[0] & 0xFF);
        assertEquals(0, call(MUNMAP, a, 3 * 4096));
    }

    @Test
    void offsetsSelectTheFilePage() throws Exception {
        long fd = file("data", 3 * 4096, O_RDONLY);
        long a = call(MMAP, 0, 4096, R, PRIVATE, fd, 8192);
        assertEquals(8192 % 251, peek(a, 1)[0] & 0xFF);
        assertEquals(-EINVAL, call(MMAP, 0, 4096, R, PRIVATE, fd, 100));
    }

    @Test
    void sharedMappingWritesBack() throws Exception {
        long fd = file("shared", 8192, O_RDWR);
        long a = call(MMAP, 0, 8192, RW, SHARED, fd, 0);
        assertTrue(a > 0);
        assertTrue(k.process.mm.copyToUser(a + 4100, "store".getBytes(StandardCharsets.US_ASCII), 0, 5));
        // read() through the descriptor sees it at once (one page cache on Linux)
        long b = buf(16);
        assertEquals(5, call(PREAD, fd, b, 5, 4100));
        assertEquals("store", peekString(b, 5));
        assertEquals("store", new String(Files.readAllBytes(root.resolve("shared")), 4100, 5, StandardCharsets.US_ASCII));
        // write() shows in the mapping
        assertEquals(3, call(PWRITE, fd, str("abc"), 3, 10));
        assertEquals("abc", peekString(a + 10, 3));
        // msync and munmap write back; a store after msync is written by munmap
        assertTrue(k.process.mm.copyToUser(a + 200, "msync".getBytes(StandardCharsets.US_ASCII), 0, 5));
        assertEquals(0, call(MSYNC, a, 8192, 4));
        assertEquals("msync", new String(Files.readAllBytes(root.resolve("shared")), 200, 5, StandardCharsets.US_ASCII));
        assertTrue(k.process.mm.copyToUser(a + 300, "unmap".getBytes(StandardCharsets.US_ASCII), 0, 5));
        assertEquals(0, call(MUNMAP, a, 8192));
        assertEquals("unmap", new String(Files.readAllBytes(root.resolve("shared")), 300, 5, StandardCharsets.US_ASCII));
        assertEquals(8192, Files.size(root.resolve("shared")), "a mapping never changes the file's size");
    }

    @Test
    void exitWritesSharedPagesBack() throws Exception {
        long fd = file("shared", 4096, O_RDWR);
        long a = call(MMAP, 0, 4096, RW, SHARED, fd, 0);
        assertEquals(0, call(CLOSE, fd));
        assertTrue(k.process.mm.copyToUser(a + 1, "exit".getBytes(StandardCharsets.US_ASCII), 0, 4));
        call(EXIT_GROUP, 0);
        assertEquals("exit", new String(Files.readAllBytes(root.resolve("shared")), 1, 4, StandardCharsets.US_ASCII));
    }

    @Test
    void mmapErrorsAsLinux() throws Exception {
        long rw = file("f", 4096, O_RDWR), ro = open("/f", O_RDONLY, 0), wo = open("/f", O_WRONLY, 0);
        assertEquals(-EBADF, call(MMAP, 0, 4096, R, PRIVATE, 99, 0));
        assertEquals(-EBADF, call(MMAP, 0, 4096, R, PRIVATE, open("/f", O_PATH, 0), 0), "O_PATH descriptors are not fget()'s");
        assertEquals(-EINVAL, call(MMAP, 0, 0, R, PRIVATE, rw, 0));
        assertEquals(-EINVAL, call(MMAP, 0, 4096, R, 0, rw, 0), "no MAP_TYPE");
        assertEquals(-EACCES, call(MMAP, 0, 4096, R, PRIVATE, wo, 0), "O_WRONLY");
        assertEquals(-EACCES, call(MMAP, 0, 4096, R | X, PRIVATE, wo, 0), "PROT_EXEC without read access");
        assertEquals(-EACCES, call(MMAP, 0, 4096, RW, SHARED, ro, 0), "shared writable of a read-only file");
        assertTrue(call(MMAP, 0, 4096, RW, PRIVATE, ro, 0) > 0, "private writable of a read-only file is fine");
        long shr = call(MMAP, 0, 4096, R, SHARED, ro, 0);
        assertTrue(shr > 0);
        assertEquals(-EACCES, call(MPROTECT, shr, 4096, RW), "no VM_MAYWRITE");
        assertEquals(-EOPNOTSUPP, call(MMAP, 0, 4096, R, SHARED_VALIDATE | 0x80000, rw, 0), "MAP_SYNC");
        assertTrue(call(MMAP, 0, 4096, R, SHARED | 0x80000, rw, 0) > 0, "MAP_SHARED drops unknown flags");
        assertTrue(call(MMAP, 0, 4096, R, PRIVATE | 0x800 | 0x1000, rw, 0) > 0, "MAP_DENYWRITE and MAP_EXECUTABLE are ignored");
        assertEquals(-EOVERFLOW, call(MMAP, 0, 8192, R, PRIVATE, rw, 0x7FFF_FFFF_FFFF_F000L));
        long pipe = buf(8);
        assertEquals(0, call(PIPE, pipe));
        assertEquals(-ENODEV, call(MMAP, 0, 4096, R, PRIVATE, u32(pipe, 0), 0));
        assertEquals(-ENODEV, call(MMAP, 0, 4096, R, PRIVATE, open("/", O_RDONLY | O_DIRECTORY, 0), 0));
        assertEquals(-ENODEV, call(MMAP, 0, 4096, R, PRIVATE, open("/dev/null", O_RDONLY, 0), 0));
        long z = call(MMAP, 0, 4096, RW, SHARED, open("/dev/zero", O_RDWR, 0), 0);
        assertTrue(z > 0, "/dev/zero maps as anonymous memory");
        assertEquals(0, peek(z, 1)[0]);
        long fixed = call(MMAP, 0, 8192, R, PRIVATE | ANON, -1, 0);
        assertEquals(-EEXIST, call(MMAP, fixed, 4096, R, PRIVATE | FIXED_NOREPLACE, rw, 0));
        assertEquals(fixed, call(MMAP, fixed, 4096, R, PRIVATE | FIXED, rw, 0));
        assertEquals(-EINVAL, call(MMAP, fixed + 1, 4096, R, PRIVATE | FIXED, rw, 0));
    }

    @Test
    void mremapGrowsMovesAndChecks() {
        long a = call(MMAP, 0, 4096, RW, PRIVATE | ANON, -1, 0);
        assertTrue(k.process.mm.copyToUser(a, "keep".getBytes(StandardCharsets.US_ASCII), 0, 4));
        // the page above is taken: without MAYMOVE it cannot grow
        assertEquals(a - 4096, call(MMAP, a - 4096, 4096, R, PRIVATE | ANON | FIXED, -1, 0));
        assertEquals(a + 4096, call(MMAP, a + 4096, 4096, R, PRIVATE | ANON | FIXED, -1, 0));
        assertEquals(-ENOMEM, call(MREMAP, a, 4096, 8192, 0));
        long b = call(MREMAP, a, 4096, 1 << 20, 1);
        assertTrue(b > 0 && b != a, "moved: " + Long.toHexString(b));
        assertEquals("keep", peekString(b, 4));
        assertFalse(k.process.mm.copyFromUser(a, new byte[1], 0, 1), "the old range is unmapped");
        assertEquals(b, call(MREMAP, b, 1 << 20, 4096, 0), "shrinking stays");
        // MREMAP_FIXED
        long target = call(MMAP, 0, 4096, R, PRIVATE | ANON, -1, 0);
        assertEquals(target, call(MREMAP, b, 4096, 4096, 3, target));
        assertEquals("keep", peekString(target, 4));
        // MREMAP_DONTUNMAP: the old range stays mapped, empty
        long d = call(MREMAP, target, 4096, 4096, 1 | 4);
        assertTrue(d > 0 && d != target);
        assertEquals("keep", peekString(d, 4));
        assertEquals(0, peek(target, 1)[0]);
        // argument checks
        assertEquals(-EINVAL, call(MREMAP, d, 4096, 4096, 8));
        assertEquals(-EINVAL, call(MREMAP, d, 4096, 4096, 2, 0x10000000L), "FIXED without MAYMOVE");
        assertEquals(-EINVAL, call(MREMAP, d, 4096, 8192, 1 | 4), "DONTUNMAP resizes");
        assertEquals(-EINVAL, call(MREMAP, d + 1, 4096, 4096, 1));
        assertEquals(-EINVAL, call(MREMAP, d, 4096, 0, 1));
        assertEquals(-EFAULT, call(MREMAP, 0x10000000L, 4096, 8192, 1), "nothing mapped there");
        assertEquals(-EFAULT, call(MREMAP, d, 8192, 16384, 1), "old range past the area");
        assertEquals(-EINVAL, call(MREMAP, d, 0, 4096, 1), "old length 0 of a private mapping");
    }

    @Test
    void madviseMsyncMincore() throws Exception {
        long a = call(MMAP, 0, 3 * 4096, RW, PRIVATE | ANON, -1, 0);
        assertTrue(k.process.mm.copyToUser(a + 4096, new byte[] {7}, 0, 1));
        long vec = buf(3);
        assertEquals(0, call(MINCORE, a, 3 * 4096, vec));
        assertArrayEquals(new byte[] {0, 1, 0}, peek(vec, 3));
        assertEquals(-EINVAL, call(MINCORE, a + 1, 4096, vec));
        assertEquals(-ENOMEM, call(MINCORE, 0x10000000L, 4096, vec));
        assertEquals(0, call(MADVISE, a, 3 * 4096, 4));
        assertEquals(0, peek(a + 4096, 1)[0], "MADV_DONTNEED zeroes private anonymous memory");
        assertEquals(-EINVAL, call(MADVISE, a, 4096, 999));
        assertEquals(-EINVAL, call(MADVISE, a + 1, 4096, 4));
        assertEquals(0, call(MADVISE, a, 0, 4));
        assertEquals(-ENOMEM, call(MADVISE, 0x10000000L, 4096, 0));
        assertEquals(0, call(MADVISE, a, 4096, 3), "MADV_WILLNEED: a hint");
        assertEquals(0, call(MSYNC, a, 4096, 1));
        assertEquals(-EINVAL, call(MSYNC, a, 4096, 1 | 4));
        assertEquals(-EINVAL, call(MSYNC, a, 4096, 8));
        assertEquals(-EINVAL, call(MSYNC, a + 1, 4096, 4));
        assertEquals(-ENOMEM, call(MSYNC, 0x10000000L, 4096, 4));
    }

    /** The auxv pairs of /proc/self/auxv (read through the file, which must equal the stack's copy). */
    Map<Long, Long> auxv() {
        long fd = open("/proc/self/auxv", O_RDONLY, 0);
        assertTrue(fd >= 0);
        long b = buf(1024);
        long n = call(READ, fd, b, 1024);
        assertTrue(n > 0 && n % 16 == 0);
        Map<Long, Long> m = new HashMap<>();
        for (int off = 0; off < n; off += 16) m.put(u64(b, off), u64(b, off + 8));
        assertEquals(0L, u64(b, (int) n - 16), "AT_NULL last");
        long sp = k.process.initialSp, argc = u64Stack(sp);
        long p = sp + 8 * (argc + 2);
        while (u64Stack(p) != 0) p += 8;
        p += 8;
        for (int off = 0; off < n; off += 8) assertEquals(u64(b, off), u64Stack(p + off), "auxv on the stack at +" + off);
        return m;
    }

    long u64Stack(long a) {
        return Syscalls.le64(peek(a, 8), 0);
    }

    @Test
    void auxvIsComplete() {
        Map<Long, Long> a = auxv();
        assertEquals(Cpuid.LEAF1_EDX & 0xFFFF_FFFFL, a.get(16L), "AT_HWCAP = CPUID.1:EDX");
        assertEquals(2L, a.get(26L), "AT_HWCAP2: FSGSBASE");
        assertEquals(4096L, a.get(6L));
        assertEquals(100L, a.get(17L));
        assertEquals(0L, a.get(7L), "AT_BASE: no interpreter");
        assertEquals(k.process.entry, a.get(9L));
        assertEquals(56L, a.get(4L));
        assertEquals((long) k.process.elf.phnum(), a.get(5L));
        assertEquals(Ids.uid(), a.get(11L));
        assertEquals(Ids.gid(), a.get(14L));
        assertEquals(0L, a.get(23L));
        assertEquals(0L, a.get(8L));
        assertTrue(a.get(51L) >= 1024, "AT_MINSIGSTKSZ");
        assertEquals("x86_64", peekString(a.get(15L), 6));
        assertEquals("/bin/hello", peekString(a.get(31L), 10));
        assertTrue(a.containsKey(25L) && a.containsKey(3L));
    }

    @Test
    void procSelfMapsShowsFileMappings() throws Exception {
        long fd = file("mapped.bin", 8192, O_RDWR);
        long a = call(MMAP, 0, 8192, RW, SHARED, fd, 4096);
        long m = open("/proc/self/maps", O_RDONLY, 0);
        StringBuilder sb = new StringBuilder();
        for (String s; !(s = readAll(m)).isEmpty(); ) sb.append(s);
        String line = sb.toString().lines().filter(l -> l.endsWith("/mapped.bin")).findFirst().orElseThrow(() -> new AssertionError(sb));
        long ino = (Long) Files.getAttribute(root.resolve("mapped.bin"), "unix:ino");
        assertTrue(line.startsWith(String.format("%08x-%08x rw-s 00001000 ", a, a + 8192)), line);
        assertTrue(line.contains(" " + ino + " "), line);
        assertEquals(73, line.indexOf("/mapped.bin"), "the path starts in column 73: " + line);
        assertTrue(sb.toString().contains("[stack]"), sb.toString());
        assertEquals(-EACCES, open("/proc/self/maps", O_WRONLY, 0));
    }

    @Test
    void startUpCalls() {
        long w = bytes(new byte[] {5, 0, 0, 0});
        assertEquals(-EAGAIN, call(FUTEX, w, 128, 4, 0), "FUTEX_WAIT_PRIVATE with another value");
        long ts = bytes(new byte[16]);
        assertTrue(k.process.mm.putUser64(ts + 8, 1_000_000));
        assertEquals(-ETIMEDOUT, call(FUTEX, w, 128, 5, ts), "a timed wait nobody wakes");
        assertEquals(0, call(FUTEX, w, 129, 1), "FUTEX_WAKE_PRIVATE wakes nobody");
        assertEquals(-EINVAL, call(FUTEX, w + 1, 1, 1));
        assertEquals(-EINVAL, call(SET_ROBUST_LIST, w, 23));
        assertEquals(0, call(SET_ROBUST_LIST, w, 24));
        assertEquals(-ENOSYS, call(RSEQ, w, 32, 0, 0));
        long mask = buf(16);
        assertEquals(8, call(SCHED_GETAFFINITY, 0, 16, mask));
        assertEquals(1, peek(mask, 1)[0]);
        assertEquals(-EINVAL, call(SCHED_GETAFFINITY, 0, 4, mask));
        assertEquals(0, call(PRCTL, 15, str("renamed")));
        long name = buf(16);
        assertEquals(0, call(PRCTL, 16, name));
        assertEquals("renamed", peekString(name, 7));
        assertEquals(-EINVAL, call(PRCTL, 0x7fff));
        long info = buf(112);
        assertEquals(0, call(99, info), "sysinfo");
        assertEquals(k.totalRamBytes(), u64(info, 32));
        assertEquals(1, u32(info, 104), "mem_unit");
        long sfs = buf(120);
        assertEquals(0, call(137, str("/"), sfs), "statfs");
        assertTrue(u64(sfs, 8) > 0 && u64(sfs, 16) > 0, "block size and count");
        assertEquals(-ENOENT, call(137, str("/nope"), sfs));
        long fd = open("/", O_RDONLY | O_DIRECTORY, 0);
        assertEquals(0, call(138, fd, sfs), "fstatfs");
        assertEquals(-EOPNOTSUPP, call(192, str("/"), str("user.x"), buf(8), 8), "lgetxattr: not modelled");
        assertEquals(-ENOENT, call(191, str("/nope"), str("user.x"), buf(8), 8));
        assertEquals(0, call(194, str("/"), buf(8), 8), "listxattr: none");
        assertEquals(0, call(221, fd, 0, 0, 2), "fadvise64");
        assertEquals(-EINVAL, call(221, fd, 0, 0, 9));
        assertEquals(-EBADF, call(221, 77, 0, 0, 0));
    }

    /** is_data_mapping: RLIMIT_DATA counts private writable mappings, not shared ones (anonymous or of a file). */
    @Test
    void dataVmCountsPrivateWritableOnly() throws Exception {
        AddressSpace mm = k.process.mm;
        long before = mm.dataVmPages();
        call(MMAP, 0, 4 * 4096, RW, SHARED | ANON, -1, 0);
        call(MMAP, 0, 4096, RW, SHARED, file("s", 4096, O_RDWR), 0);
        call(MMAP, 0, 4096, R, PRIVATE | ANON, -1, 0);
        assertEquals(before, mm.dataVmPages());
        call(MMAP, 0, 2 * 4096, RW, PRIVATE, file("p", 4096, O_RDWR), 0);
        assertEquals(before + 2, mm.dataVmPages());
    }

    @Test
    void mmapBaseIsLinuxsWithoutRandomisation() {
        assertEquals(0x7ffff7fff000L, k.process.mm.mmapBase());
    }

    @Test
    void dynamicExecutableGetsItsInterpreter() throws Exception {
        Path ld = Path.of("/lib64/ld-linux-x86-64.so.2");
        assumeTrue(Files.exists(ld), "no " + ld + " on this host");
        k = LinuxKernel.boot(config(), 64L << 20);
        byte[] hello = Files.readAllBytes(Path.of("src/test/resources/dev/lstar/kernel/elf/hello-dyn"));
        UserProcess p = k.exec(hello, "/bin/hello-dyn", List.of("hello-dyn"), List.of("A=1"));
        next = scratch = call(MMAP, 0, 64 << 10, RW, PRIVATE | ANON, -1, 0);
        Map<Long, Long> a = auxv();
        long base = a.get(7L);
        assertTrue(base > 0x7f0000000000L && base < 0x7ffff7fff000L && (base & 0xFFF) == 0, "AT_BASE 0x" + Long.toHexString(base));
        assertEquals(UserProcess.ET_DYN_BASE + p.elf.entry(), a.get(9L), "AT_ENTRY: the program's entry at ELF_ET_DYN_BASE");
        assertEquals(p.startPc, k.cpu.rip);
        assertTrue(p.startPc > base && p.startPc < 0x7ffff7fff000L, "starts in the interpreter");
        assertTrue(new String(p.mapsText(), StandardCharsets.UTF_8).contains("ld-linux-x86-64.so.2"));
    }
}
