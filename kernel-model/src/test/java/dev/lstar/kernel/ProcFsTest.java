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
import org.junit.jupiter.api.Test;

/**
 * lstar's /proc/PID (= /proc/self): the guest's own descriptors, command line, environment and
 * status, never the JVM's; names lstar does not model are ENOENT. Through the system call table,
 * on a Jimfs jail (with /secret outside it) and on the host's own file system.
 */
class ProcFsTest extends FileSyscallsTestBase {
    static final int RT_SIGPROCMASK = 14, EVENTFD2 = 290, MEMFD_CREATE = 319, OPENAT2 = 437;
    FileSystem fs;
    Path jail;

    void bootJail(List<String> argv, List<String> envp) throws Exception {
        fs = Jimfs.newFileSystem(Configuration.unix().toBuilder().setAttributeViews("basic", "owner", "posix", "unix").build());
        jail = fs.getPath("/jail");
        Files.createDirectories(jail.resolve("d"));
        Files.writeString(jail.resolve("d/f"), "in the jail\n");
        Files.writeString(fs.getPath("/secret"), "outside the root\n");
        k = LinuxKernel.boot(LinuxKernelBootTest.quiet(), 64L << 20);
        k.setFileSystem(Vfs.confined(jail));
        byte[] hello = Files.readAllBytes(Path.of("src/test/resources/dev/lstar/kernel/elf/hello"));
        k.exec(hello, "/bin/hello", argv, envp);
        scratch = call(9, 0, 256 << 10, 3, 0x22, -1, 0);
        assertTrue(scratch > 0);
        next = scratch;
    }

    @AfterEach
    void tearDown() throws Exception {
        if (fs != null) fs.close();
    }

    String readlink(String path) {
        long b = buf(256);
        long n = call(READLINK, str(path), b, 256);
        return n < 0 ? "errno " + -n : peekString(b, (int) n);
    }

    @Test
    void selfIsALinkToThePidDirectory() throws Exception {
        bootJail(List.of("hello"), List.of());
        assertEquals("1", readlink("/proc/self"));
        assertEquals("1/task/1", readlink("/proc/thread-self"));
        assertEquals(0, stat("/proc/self", false));
        assertEquals(0120777, stMode(), "lstat: a symbolic link");
        assertEquals(0, stat("/proc/self", true));
        assertEquals(0040555, stMode());
        assertEquals(0, stat("/proc/thread-self", true));
        assertEquals(0040555, stMode());
        assertEquals(cat("/proc/self/maps"), cat("/proc/1/maps"), "/proc/PID is /proc/self");
        assertEquals("hello\n", cat("/proc/1/task/1/comm"));
        assertEquals(List.of("1:4", "self:10", "thread-self:10"), // and the system-wide files (SystemProcFsTest)
                list("/proc").stream().filter(s -> !s.startsWith(".") && (s.startsWith("1") || s.contains("self"))).sorted().toList());
        assertEquals(List.of("auxv:8", "cmdline:8", "comm:8", "cwd:10", "environ:8", "exe:10", "fd:4", "fdinfo:4", "maps:8", "root:10",
                "stat:8", "statm:8", "status:8", "task:4"), list("/proc/self").stream().filter(s -> !s.startsWith(".")).sorted().toList());
        assertEquals(List.of("1:4"), list("/proc/self/task").stream().filter(s -> !s.startsWith(".")).toList());
    }

    @Test
    void unmodelledNamesAreENOENT() throws Exception {
        bootJail(List.of("hello"), List.of());
        for (String p : new String[] {"/proc/self/limits", "/proc/self/mountinfo", "/proc/1/mem", "/proc/self/fd/99", "/proc/self/fd/03",
            "/proc/self/fdinfo/42", "/proc/self/task/2", "/proc/self/nope/x"}) {
            assertEquals(-ENOENT, open(p, O_RDONLY, 0), p);
            assertEquals(-ENOENT, stat(p, true), p);
        }
        assertEquals(-ENOENT, open("/proc/self/new", O_CREAT | O_WRONLY, 0644), "no new names in /proc/PID");
        assertEquals(-ENOENT, call(MKDIR, str("/proc/self/dir"), 0755));
        assertEquals(-ENOENT, call(SYMLINK, str("/d/f"), str("/proc/self/l")));
        assertEquals(-EACCES, open("/proc/self/status", O_WRONLY, 0));
        assertEquals(-ENOTDIR, open("/proc/self/fd/0/", O_RDONLY, 0), "a pipe is no directory");
    }

    @Test
    void unmodelledNamesNeverReachTheHostsProc() throws Exception {
        k = LinuxKernel.boot(LinuxKernelBootTest.quiet(), 64L << 20);
        k.setFileSystem(Vfs.host());
        byte[] hello = Files.readAllBytes(Path.of("src/test/resources/dev/lstar/kernel/elf/hello"));
        k.exec(hello, "/bin/hello", List.of("hello"), List.of());
        scratch = call(9, 0, 256 << 10, 3, 0x22, -1, 0);
        next = scratch;
        assumeHostProc();
        assertEquals(-ENOENT, open("/proc/self/limits", O_RDONLY, 0), "the JVM's /proc/self/limits is not the guest's");
        assertEquals(-ENOENT, open("/proc/self/oom_score", O_RDONLY, 0));
        assertEquals(List.of("0:10", "1:10", "2:10", "3:10"), list("/proc/self/fd").stream().filter(s -> !s.startsWith(".")).sorted().toList(),
                "the guest's three descriptors and the listing's own, not the JVM's");
        assertEquals("pipe:[4000]", readlink("/proc/self/fd/0"));
        assertEquals("hello\n", cat("/proc/self/comm"));
        assertTrue(cat("/proc/1/status").contains("\nPid:\t1\n"), "/proc/1 is the guest, not the host's init");
    }

    private static void assumeHostProc() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "needs a Linux host");
    }

    @Test
    void fdDirectoryListsTheGuestsDescriptorsAsLinks() throws Exception {
        bootJail(List.of("hello"), List.of());
        long f = open("/d/f", O_RDONLY, 0);
        assertEquals(3, f);
        long pfd = buf(8);
        assertEquals(0, call(PIPE2, pfd, 0));
        int r = u32(pfd, 0), w = u32(pfd, 4);
        long e = call(EVENTFD2, 0, 0);
        long m = call(MEMFD_CREATE, str("buf"), 0);
        long dir = open("/d", O_RDONLY | O_DIRECTORY, 0);
        assertEquals(List.of("0:10", "1:10", "2:10", "3:10", "4:10", "5:10", "6:10", "7:10", "8:10", "9:10"),
                list("/proc/self/fd").stream().filter(s -> !s.startsWith(".")).sorted().toList(), "9: the listing's own, as on Linux");
        assertEquals("/d/f", readlink("/proc/self/fd/3"));
        assertEquals("pipe:[" + (readlink("/proc/self/fd/" + r).replaceAll("\\D", "")) + "]", readlink("/proc/self/fd/" + w));
        assertTrue(readlink("/proc/self/fd/" + r).matches("pipe:\\[\\d+]"));
        assertEquals("anon_inode:[eventfd]", readlink("/proc/self/fd/" + e));
        assertEquals("/memfd:buf (deleted)", readlink("/proc/self/fd/" + m));
        assertEquals("/d", readlink("/proc/self/fd/" + dir));
        // the link's own attributes: the descriptor's access in the owner bits, size 64
        assertEquals(0, stat("/proc/self/fd/3", false));
        assertEquals(0120500, stMode());
        assertEquals(64, stSize());
        assertEquals(0, stat("/proc/self/fd/" + w, false));
        assertEquals(0120300, stMode());
        assertEquals(0, stat("/proc/self/fd/" + m, false));
        assertEquals(0120700, stMode());
        assertEquals(0, stat("/proc/self/fd", true));
        assertEquals(0040500, stMode());
        // stat follows the link to the file
        assertEquals(0, stat("/proc/self/fd/3", true));
        assertEquals(0100000, stMode() & 0170000);
        assertEquals(12, stSize());
        assertEquals(0, stat("/proc/self/fd/" + r, true));
        assertEquals(0010000, stMode() & 0170000, "the pipe itself");
        assertEquals(0, stat("/proc/self/fd/" + dir, true));
        assertEquals(0040000, stMode() & 0170000);
        assertEquals(-EINVAL, call(READLINK, str("/proc/self/fd"), buf(16), 16));
    }

    @Test
    void openingAnFdLinkReopensTheFile() throws Exception {
        bootJail(List.of("hello"), List.of());
        long f = open("/d/f", O_RDONLY, 0);
        assertEquals(3, call(LSEEK, f, 3, 0));
        long again = open("/proc/self/fd/" + f, O_RDONLY, 0);
        assertTrue(again > f);
        assertEquals("in the jail\n", readAll(again), "a new open file description: its own offset");
        assertEquals("the jail\n", readAll(f));
        long pfd = buf(8);
        assertEquals(0, call(PIPE2, pfd, 0));
        int r = u32(pfd, 0), w = u32(pfd, 4);
        assertEquals(4, writeString(w, "ping"));
        long r2 = open("/proc/self/fd/" + r, O_RDONLY, 0);
        assertEquals("pi", peekString(readInto(r2, 2), 2), "the same pipe");
        long w2 = open("/proc/self/fd/" + r, O_WRONLY, 0);
        assertEquals(4, writeString(w2, "pong"), "the other end, opened through the read end's link (fifo_open)");
        assertEquals("ngpong", readAll(r));
        long e = call(EVENTFD2, 0, 0);
        assertEquals(-ENXIO, open("/proc/self/fd/" + e, O_RDWR, 0), "an anonymous inode cannot be reopened");
        // a memfd: a new description of the same file, with its own offset, alive after the first closes
        long m = call(MEMFD_CREATE, str("m"), 0);
        assertEquals(6, writeString(m, "memory"));
        long m2 = open("/proc/self/fd/" + m, O_RDONLY, 0);
        assertEquals("memory", readAll(m2));
        assertEquals(-EBADF, writeString(m2, "x"), "opened read-only");
        assertEquals(0, call(CLOSE, m));
        assertEquals(2, call(LSEEK, m2, 2, 0));
        assertEquals("mory", readAll(m2));
        long m3 = open("/proc/self/fd/" + m2, O_RDWR | O_APPEND, 0);
        assertEquals(1, writeString(m3, "!"));
        assertEquals(0, call(LSEEK, m2, 0, 0));
        assertEquals("memory!", readAll(m2));
        // /proc/self/fd/N of a /proc file: a new snapshot of the same file
        long st = open("/proc/self/comm", O_RDONLY, 0);
        assertEquals("hello\n", cat("/proc/self/fd/" + st));
        assertEquals(-ENOTDIR, open("/proc/self/fd/" + st + "/x", O_RDONLY, 0));
    }

    long readInto(long fd, int n) {
        long b = buf(n);
        assertEquals(n, call(READ, fd, b, n));
        return b;
    }

    @Test
    void fdinfoShowsPositionFlagsAndInode() throws Exception {
        bootJail(List.of("hello"), List.of());
        long f = open("/d/f", O_RDONLY | O_CLOEXEC, 0);
        assertEquals(5, call(LSEEK, f, 5, 0));
        assertEquals(0, stat("/d/f", true));
        long ino = stIno();
        assertEquals("pos:\t5\nflags:\t02100000\nmnt_id:\t1\nino:\t" + ino + "\n", cat("/proc/self/fdinfo/" + f));
        assertTrue(list("/proc/self/fdinfo").contains(f + ":8"));
        assertEquals(0, stat("/proc/self/fdinfo/" + f, true));
        assertEquals(0100444, stMode());
    }

    @Test
    void cmdlineEnvironAndComm() throws Exception {
        bootJail(List.of("hello", "a b", "", "c"), List.of("X=1", "PATH=/bin"));
        assertEquals("hello\0a b\0\0c\0", cat("/proc/self/cmdline"));
        assertEquals("X=1\0PATH=/bin\0", cat("/proc/self/environ"));
        assertEquals("hello\n", cat("/proc/self/comm"));
        assertEquals(0, stat("/proc/self/environ", true));
        assertEquals(0100400, stMode());
        // setproctitle: the program overwrites its argv strings and the final NUL; Linux then reads up to the first NUL
        UserProcess p = k.process;
        byte[] title = "a-much-longer-title".getBytes(StandardCharsets.UTF_8);
        assertTrue(p.mm.copyToUser(p.argStart, title, 0, title.length));
        assertEquals("a-much-longer-title" + "TH=/bin", cat("/proc/self/cmdline"), "runs on into the environment area up to its first NUL");
    }

    @Test
    void statusAndStatDescribeTheGuest() throws Exception {
        bootJail(List.of("hello"), List.of());
        long set = bytes(new byte[] {0, 2, 0, 0, 0, 0, 0, 0}); // SIGUSR1 (10): bit 9
        assertEquals(0, call(RT_SIGPROCMASK, 0, set, 0, 8));
        call(UMASK, 027);
        String status = cat("/proc/self/status");
        for (String line : new String[] {"Name:\thello", "Umask:\t0027", "State:\tR (running)", "Tgid:\t1", "Pid:\t1", "PPid:\t0",
            "Uid:\t" + Ids.uid() + "\t" + Ids.uid() + "\t" + Ids.uid() + "\t" + Ids.uid(), "Threads:\t1", "SigPnd:\t0000000000000000",
            "SigBlk:\t0000000000000200", "SigIgn:\t0000000000000000", "Cpus_allowed:\t1", "Cpus_allowed_list:\t0"}) {
            assertTrue(status.contains("\n" + line + "\n") || status.startsWith(line + "\n"), line + " in\n" + status);
        }
        assertTrue(status.matches("(?s).*\nVmSize:\t +\\d+ kB\n.*"), status);
        assertTrue(status.matches("(?s).*\nVmRSS:\t +[1-9]\\d* kB\n.*"), status);
        String stat = cat("/proc/self/stat");
        assertTrue(stat.startsWith("1 (hello) R 0 1 1 0 -1 "), stat);
        assertTrue(stat.endsWith(" 0\n"));
        String[] f = stat.substring(stat.indexOf(") ") + 2).trim().split(" ");
        assertEquals(50, f.length, "52 fields: pid, comm and 50 more");
        assertEquals("1", f[17], "num_threads");
        assertEquals(Long.toString(k.process.mm.totalVmPages() * 4096), f[20], "vsize");
        assertEquals(Long.toString(1L << 9), f[29], "blocked");
        assertEquals(Long.toUnsignedString(k.process.argStart), f[45], "arg_start");
        String[] statm = cat("/proc/self/statm").trim().split(" ");
        assertEquals(7, statm.length);
        assertEquals(Long.toString(k.process.mm.totalVmPages()), statm[0]);
    }

    @Test
    void cwdAndRootStayInsideTheGuestsRoot() throws Exception {
        bootJail(List.of("hello"), List.of());
        assertEquals("/", readlink("/proc/self/cwd"));
        assertEquals(0, call(CHDIR, str("/d")));
        assertEquals("/d", readlink("/proc/self/cwd"));
        assertEquals("/", readlink("/proc/self/root"));
        assertEquals("in the jail\n", cat("/proc/self/cwd/f"));
        assertEquals("in the jail\n", cat("/proc/self/root/d/f"));
        assertEquals(-ENOENT, open("/proc/self/root/secret", O_RDONLY, 0), "the root link is the jail's root");
        assertEquals(-ENOENT, open("/proc/self/root/../secret", O_RDONLY, 0));
        assertEquals(-ENOENT, open("/proc/self/root/../../../secret", O_RDONLY, 0));
        assertEquals(-ENOENT, open("/proc/self/cwd/../../secret", O_RDONLY, 0));
        // openat2: these are magic links (RESOLVE_NO_MAGICLINKS), /proc/self is an ordinary one
        assertEquals(-ELOOP, openat2("/proc/self/root/d/f", Vfs.RESOLVE_NO_MAGICLINKS));
        assertEquals(-ELOOP, openat2("/proc/self/cwd", Vfs.RESOLVE_NO_MAGICLINKS));
        assertTrue(openat2("/proc/self/comm", Vfs.RESOLVE_NO_MAGICLINKS) >= 0);
        assertEquals(-ELOOP, openat2("/proc/self/comm", Vfs.RESOLVE_NO_SYMLINKS));
    }

    long openat2(String path, long resolve) {
        long how = bytes(new byte[24]);
        assertTrue(k.process.mm.putUser64(how + 16, resolve));
        return call(OPENAT2, AT_FDCWD, str(path), how, 24);
    }
}
