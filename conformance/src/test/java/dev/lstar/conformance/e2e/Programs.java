package dev.lstar.conformance.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The ring-3 test programs of {@code conformance/programs/*.S}, built by
 * {@code conformance/programs/build.sh} and committed as test resources under
 * {@code /programs/NAME}.
 */
final class Programs {
    private Programs() {}

    /** Program names (one per .S file). */
    static final List<String> NAMES = List.of("hello", "getpid", "enosys", "regs", "toppage", "mm", "archprctl",
            "uname", "clock", "getrandom", "writev", "int80", "fault", "sysret", "selfcheck_insns");

    /** The programs whose output depends only on lstar (sysret needs a test-installed system call). */
    static final List<String> LSTAR_ONLY = List.of("sysret");

    /** The cases of {@code fault CASE} and the signal each dies of (128 + N). */
    static final List<Object[]> FAULTS = List.of(
            new Object[] {"null-read", 139}, new Object[] {"null-write", 139}, new Object[] {"null-jump", 139},
            new Object[] {"ud2", 132}, new Object[] {"lock-nop", 132}, new Object[] {"into", 132},
            new Object[] {"div-zero", 136}, new Object[] {"idiv-overflow", 136},
            new Object[] {"int3", 133}, new Object[] {"int-3", 133}, new Object[] {"int-0x40", 139},
            new Object[] {"hlt", 139}, new Object[] {"cli", 139}, new Object[] {"in", 139},
            new Object[] {"wrmsr", 139}, new Object[] {"rdmsr", 139}, new Object[] {"mov-cr3", 139},
            new Object[] {"read-cr0", 139}, new Object[] {"swapgs", 139}, new Object[] {"sysret", 139},
            new Object[] {"noncanonical-jump", 139}, new Object[] {"noncanonical-read", 139},
            new Object[] {"kernel-read", 139}, new Object[] {"kernel-jump", 139},
            new Object[] {"top-page-read", 139}, new Object[] {"exec-data", 139}, new Object[] {"write-text", 139},
            new Object[] {"trap-flag", 133});

    static byte[] bytes(String name) {
        try (InputStream in = Programs.class.getResourceAsStream("/programs/" + name)) {
            if (in == null) throw new IllegalStateException("missing test program /programs/" + name
                    + " (run conformance/programs/build.sh)");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
