package dev.lstar.conformance.objdump;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs GNU objdump and parses its disassembly: the reference for lstar's decoder and
 * disassembler. Uses {@code objdump -d -w -M att}: wide mode keeps all the bytes of an
 * instruction on one line. Runs of zero bytes that objdump elides as "..." are not listed.
 */
public final class Objdump {
    private Objdump() {}

    private static final Pattern SECTION = Pattern.compile("^Disassembly of section (\\S+):$");
    private static final Pattern SYMBOL = Pattern.compile("^[0-9a-f]+ <(.*)>:$");
    private static final Pattern INSN = Pattern.compile("^\\s*([0-9a-f]+):\\t([0-9a-f]{2}(?: [0-9a-f]{2})*)\\s*(?:\\t(.*))?$");

    /** True if an {@code objdump} executable runs. */
    public static boolean available() {
        return Tools.runs("objdump", "--version");
    }

    /** Disassembles {@code file} (object, executable or archive) and parses every instruction. */
    public static ObjdumpListing parse(Path file) throws IOException {
        String out = Tools.run(List.of("objdump", "-d", "-w", "-M", "att", file.toString()), 300);
        return new ObjdumpListing(file, parseOutput(out));
    }

    /** Disassembles raw x86-64 bytes (as if at address 0) with the given syntax ("att" or "intel"). */
    public static ObjdumpListing disassemble(byte[] code, String syntax) throws IOException {
        Path tmp = Files.createTempFile("lstar-objdump", ".bin");
        try {
            Files.write(tmp, code);
            String out = Tools.run(List.of("objdump", "-D", "-w", "-b", "binary", "-m", "i386:x86-64", "-M", syntax,
                    tmp.toString()), 120);
            return new ObjdumpListing(null, parseOutput(out));
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** AT&amp;T normal form, see {@link AttNormaliser}. */
    public static String normalise(String att) {
        return AttNormaliser.normalise(att);
    }

    /** Parses captured {@code objdump -d -w} output. */
    public static List<ObjdumpListing.Insn> parseOutput(String out) {
        List<ObjdumpListing.Insn> list = new ArrayList<>();
        String section = "", symbol = "";
        for (String line : out.split("\n")) {
            Matcher m;
            if ((m = SECTION.matcher(line)).matches()) {
                section = m.group(1);
                symbol = "";
            } else if ((m = SYMBOL.matcher(line)).matches()) {
                symbol = m.group(1);
            } else if ((m = INSN.matcher(line)).matches()) {
                String[] hex = m.group(2).split(" ");
                byte[] bytes = new byte[hex.length];
                for (int i = 0; i < hex.length; i++) {
                    bytes[i] = (byte) Integer.parseInt(hex[i], 16);
                }
                String text = m.group(3) == null ? "" : m.group(3).trim();
                list.add(new ObjdumpListing.Insn(section, symbol, Long.parseUnsignedLong(m.group(1), 16), bytes, text));
            }
        }
        return list;
    }

    /** Process helpers shared with {@link ObjdumpInputs}. */
    static final class Tools {
        private Tools() {}

        static boolean runs(String... cmd) {
            try {
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }

        /** Runs {@code cmd}, returns stdout; throws with stderr on a non-zero exit. */
        static String run(List<String> cmd, int timeoutSeconds) throws IOException {
            return run(cmd, null, timeoutSeconds);
        }

        static String run(List<String> cmd, Path dir, int timeoutSeconds) throws IOException {
            ProcessBuilder pb = new ProcessBuilder(cmd);
            if (dir != null) {
                pb.directory(dir.toFile());
            }
            Path err = Files.createTempFile("lstar-tool", ".err");
            pb.redirectError(err.toFile());
            Process p = pb.start();
            try (InputStream in = p.getInputStream()) {
                String out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IOException(cmd + " timed out");
                }
                if (p.exitValue() != 0) {
                    throw new IOException(cmd + " exited " + p.exitValue() + ": " + Files.readString(err));
                }
                return out;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            } finally {
                Files.deleteIfExists(err);
            }
        }
    }
}
