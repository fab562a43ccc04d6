package dev.lstar.conformance.gen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lstar.conformance.objdump.Objdump;
import dev.lstar.conformance.objdump.ObjdumpListing;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks the encoder against GNU as: the generator's Intel text, assembled by {@code as}, and the
 * encoder's bytes must disassemble (objdump) to the same instruction. Text is compared rather than
 * bytes because as may pick another valid encoding (83 vs 81, 01 vs 03, D1 vs C1 ..).
 */
class EncoderAsTest {
    @TempDir
    Path dir;

    static boolean tool(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    static void assemble(Path src, Path obj) throws Exception {
        Process p = new ProcessBuilder("as", "--64", "-o", obj.toString(), src.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "as failed:\n" + out);
    }

    private static final Pattern HEX = Pattern.compile("0x[0-9a-f]+");

    /** Blank runs collapsed, comments dropped, hex numbers in decimal (objdump prints 1 and 0x1 variously). */
    static String canon(String intel) {
        String s = intel.replaceAll("#.*", "").replaceAll("<[^>]*>", "").trim().replaceAll("\\s+", " ").replaceAll(" ?, ?", ",");
        Matcher m = HEX.matcher(s);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(b, Long.toUnsignedString(Long.parseUnsignedLong(m.group().substring(2), 16)));
        }
        m.appendTail(b);
        String r = b.toString();
        if (r.startsWith("xchg ")) { // symmetric: as may swap the operands (and use 90+r)
            String[] ops = r.substring(5).split(",");
            java.util.Arrays.sort(ops);
            r = "xchg " + String.join(",", ops);
        }
        if (r.equals("xchg rax,rax")) { // as emits the one-byte 90 for it: the same operation
            r = "nop";
        }
        return r;
    }

    @Test
    void encoderAgreesWithGnuAs() throws Exception {
        assumeTrue(tool("as", "--version") && Objdump.available(), "GNU as and objdump are needed");
        List<Case> cases = new ArrayList<>();
        // 16 cases per form cycle through every register placement of the form
        CaseGenerator gen = new CaseGenerator(0x10_0000_0000L, 7, 16);
        for (Form f : Forms.all()) {
            cases.addAll(gen.cases(f));
        }
        StringBuilder text = new StringBuilder(".intel_syntax noprefix\n.text\n");
        StringBuilder bytes = new StringBuilder(".text\n");
        for (Case c : cases) {
            text.append(c.text()).append('\n');
            bytes.append(".byte ");
            for (int i = 0; i < c.insn().length; i++) {
                bytes.append(i == 0 ? "" : ",").append(c.insn()[i] & 0xFF);
            }
            bytes.append('\n');
        }
        Files.writeString(dir.resolve("text.s"), text);
        Files.writeString(dir.resolve("bytes.s"), bytes);
        assemble(dir.resolve("text.s"), dir.resolve("text.o"));
        assemble(dir.resolve("bytes.s"), dir.resolve("bytes.o"));
        List<ObjdumpListing.Insn> a = intel(dir.resolve("text.o"));
        List<ObjdumpListing.Insn> b = intel(dir.resolve("bytes.o"));
        assertEquals(cases.size(), a.size(), "as output count");
        assertEquals(cases.size(), b.size(), "encoder output count");
        List<String> bad = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            String x = canon(a.get(i).text()), y = canon(b.get(i).text());
            if (!x.equals(y)) {
                bad.add(cases.get(i).text() + " | as: " + a.get(i) + " | encoder: " + b.get(i));
            }
        }
        assertTrue(bad.isEmpty(), bad.size() + " of " + cases.size() + " differ:\n" + String.join("\n", bad.subList(0, Math.min(40, bad.size()))));
    }

    private static List<ObjdumpListing.Insn> intel(Path obj) throws Exception {
        Process p = new ProcessBuilder("objdump", "-d", "-w", "-M", "intel", obj.toString()).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0);
        return Objdump.parseOutput(out);
    }
}
