package dev.lstar.decoder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs GNU {@code as} + {@code objdump -d} on the host; the oracle for lengths and text. */
final class Objdump {
    private Objdump() {}

    /** One line of objdump output. */
    record Line(long offset, byte[] bytes, String text) {}

    /** Null when both tools are on the PATH, else the reason to skip. */
    static String unavailableReason() {
        for (String tool : new String[] {"as", "objdump"}) {
            if (!onPath(tool)) return "GNU '" + tool + "' not found on PATH; objdump comparison skipped";
        }
        return null;
    }

    private static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) return false;
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, tool))) return true;
        }
        return false;
    }

    /** Assembles {@code asm} (GNU as syntax, 64-bit) and returns objdump's instruction lines. */
    static List<Line> disassemble(String asm) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("lstar-objdump");
        try {
            Path s = dir.resolve("t.s"), o = dir.resolve("t.o");
            Files.writeString(s, asm);
            run(dir, "as", "--64", "-o", o.toString(), s.toString());
            String out = run(dir, "objdump", "-d", "-w", "--insn-width=16", o.toString());
            return parse(out);
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) Files.deleteIfExists(p);
            }
            Files.deleteIfExists(dir);
        }
    }

    /** Assembles byte sequences, one {@code .byte} line each. */
    static List<Line> disassembleBytes(List<byte[]> insns) throws IOException, InterruptedException {
        StringBuilder sb = new StringBuilder(".text\n");
        for (byte[] b : insns) {
            sb.append(".byte ");
            for (int i = 0; i < b.length; i++) sb.append(i == 0 ? "" : ",").append("0x").append(Integer.toHexString(b[i] & 0xFF));
            sb.append('\n');
        }
        return disassemble(sb.toString());
    }

    private static final Pattern LINE = Pattern.compile("^\\s*([0-9a-f]+):\\t([0-9a-f ]+?)\\s*(?:\\t(.*))?$");

    static List<Line> parse(String objdumpOutput) {
        List<Line> lines = new ArrayList<>();
        HexFormat hf = HexFormat.of();
        for (String l : objdumpOutput.split("\n")) {
            Matcher m = LINE.matcher(l);
            if (!m.matches()) continue;
            String hex = m.group(2).replace(" ", "");
            lines.add(new Line(Long.parseLong(m.group(1), 16), hf.parseHex(hex),
                    m.group(3) == null ? "" : m.group(3)));
        }
        return lines;
    }

    /** Whitespace collapsed, symbol annotations {@code <...>} removed. */
    static String normalise(String text) {
        return text.replaceAll("<[^>]*>", "").replaceAll("\\s+", " ").trim();
    }

    private static String run(Path dir, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", cmd) + " timed out");
        }
        String s = new String(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) throw new IOException(String.join(" ", cmd) + " failed:\n" + s);
        return s;
    }
}
