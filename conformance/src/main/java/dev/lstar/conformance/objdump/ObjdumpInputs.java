package dev.lstar.conformance.objdump;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds real x86-64 machine code on the host for decoder comparisons: glibc's static archive
 * ({@code libc.a}, object members extracted with {@code ar x}) and statically linked executables
 * (busybox-static, musl-built programs) if installed.
 */
public final class ObjdumpInputs {
    private ObjdumpInputs() {}

    private static final List<String> ARCHIVES = List.of("/usr/lib/x86_64-linux-gnu/libc.a", "/usr/lib64/libc.a",
            "/usr/lib/libc.a", "/usr/lib/musl/lib/libc.a", "/usr/lib/x86_64-linux-musl/libc.a");
    private static final List<String> STATIC_BINARIES = List.of("/bin/busybox", "/usr/bin/busybox",
            "/usr/lib/initramfs-tools/bin/busybox");

    /** Existing static archives of x86-64 code. */
    public static List<Path> archives() {
        return existing(ARCHIVES);
    }

    /** Existing statically linked ELF executables (no PT_INTERP program header). */
    public static List<Path> staticBinaries() {
        List<Path> out = new ArrayList<>();
        for (Path p : existing(STATIC_BINARIES)) {
            if (isStaticElf64(p)) {
                out.add(p);
            }
        }
        return out;
    }

    /** Member names of an archive ({@code ar t}). */
    public static List<String> members(Path archive) throws IOException {
        return List.of(Objdump.Tools.run(List.of("ar", "t", archive.toString()), 60).split("\n")).stream()
                .filter(s -> !s.isBlank()).toList();
    }

    /** Extracts the named members of {@code archive} into {@code dir} ({@code ar x}); returns their paths. */
    public static List<Path> extract(Path archive, Path dir, List<String> names) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ar", "x", archive.toAbsolutePath().toString()));
        cmd.addAll(names);
        Objdump.Tools.run(cmd, dir, 120);
        return names.stream().map(dir::resolve).filter(Files::exists).toList();
    }

    private static List<Path> existing(List<String> paths) {
        return paths.stream().map(Path::of).filter(Files::isRegularFile).toList();
    }

    /** ELF64 little-endian x86-64 with no PT_INTERP (3) program header. */
    static boolean isStaticElf64(Path p) {
        try {
            byte[] b = Files.readAllBytes(p);
            if (b.length < 64 || b[0] != 0x7f || b[1] != 'E' || b[2] != 'L' || b[3] != 'F' || b[4] != 2 || b[5] != 1) {
                return false;
            }
            java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            if (bb.getShort(18) != 62) { // EM_X86_64
                return false;
            }
            long phoff = bb.getLong(32);
            int phentsize = bb.getShort(54) & 0xFFFF, phnum = bb.getShort(56) & 0xFFFF;
            for (int i = 0; i < phnum; i++) {
                long off = phoff + (long) i * phentsize;
                if (off + 4 > b.length) {
                    return false;
                }
                if (bb.getInt((int) off) == 3) {
                    return false;
                }
            }
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
