package dev.lstar.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** strace's symbolic rendering of mmap, signal, clone and wait arguments. */
class StraceFormatTest {
    @Test
    void mmapProtectionAndFlags() {
        assertEquals("PROT_READ|PROT_WRITE", StraceFormat.arg('P', 3, null));
        assertEquals("PROT_NONE", StraceFormat.arg('P', 0, null));
        assertEquals("MAP_PRIVATE|MAP_ANONYMOUS", StraceFormat.arg('M', 0x22, null));
        assertEquals("MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE", StraceFormat.arg('M', 0x812, null));
        assertEquals("MAP_SHARED|0x80000000", StraceFormat.arg('M', 0x8000_0001L, null));
    }

    @Test
    void signalsCloneFlagsAndWaitOptions() {
        assertEquals("SIGCHLD", StraceFormat.arg('S', 17, null));
        assertEquals("99", StraceFormat.arg('S', 99, null));
        assertEquals("SIG_SETMASK", StraceFormat.arg('H', 2, null));
        assertEquals("CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD", StraceFormat.arg('C', 0x1200011, null));
        assertEquals("CLONE_VM|CLONE_VFORK|SIGCHLD", StraceFormat.arg('C', 0x4111, null));
        assertEquals("0", StraceFormat.arg('C', 0, null));
        assertEquals("WNOHANG|__WALL", StraceFormat.arg('W', 0x4000_0001, null));
    }
}
