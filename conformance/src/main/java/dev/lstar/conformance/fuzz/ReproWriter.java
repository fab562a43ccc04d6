package dev.lstar.conformance.fuzz;

import dev.lstar.api.Emulator;
import dev.lstar.decoder.ByteSource;
import dev.lstar.decoder.Decoder;
import dev.lstar.decoder.Disassembler;
import dev.lstar.decoder.Instruction;

import java.util.List;

/**
 * Writes a finding as a self-contained JUnit 5 test (source text) that uses only
 * {@code dev.lstar.api}: it builds the same machine on each engine, runs the stream, and asserts
 * that no engine violates the StopInfo invariants or throws, and that every engine ends in the
 * interpreter's state. Paste it into {@code translator/src/test/java/dev/lstar/translator/}
 * (where the "jit" and "lockstep" engines are on the class path). HOST findings are written the
 * same way (the engines then usually agree with each other; the host's values are in the comment).
 */
public final class ReproWriter {
    private ReproWriter() {}

    public static String className(Finding f) {
        return "FuzzRepro" + Integer.toHexString(f.signature().hashCode() ^ java.util.Arrays.hashCode(f.stream().code())).toUpperCase() + "Test";
    }

    public static String write(Finding f, String origin) {
        return write(f, origin, -1, null);
    }

    /** @param hostBase the host buffer address for HOST findings; {@code hostOut} the host CPU's result (or null) */
    public static String write(Finding f, String origin, long hostBase, dev.lstar.conformance.State hostOut) {
        Stream s = f.stream();
        String cls = className(f);
        StringBuilder b = new StringBuilder();
        b.append("package dev.lstar.translator;\n\n");
        b.append("import dev.lstar.api.Emulator;\nimport dev.lstar.api.MemAccess;\nimport dev.lstar.api.Perm;\nimport dev.lstar.api.Reg;\nimport dev.lstar.api.StopInfo;\n");
        b.append("import org.junit.jupiter.api.Test;\n\nimport java.util.EnumSet;\nimport java.util.List;\n\n");
        b.append("import static org.junit.jupiter.api.Assertions.assertEquals;\nimport static org.junit.jupiter.api.Assertions.assertFalse;\n\n");
        b.append("/**\n * Found by the differential fuzzer (").append(origin).append(").\n * ").append(esc(f.signature())).append("\n * ")
                .append(esc(f.detail())).append("\n *\n * Code:\n");
        for (String line : disassemble(s.code())) b.append(" *   ").append(esc(line)).append('\n');
        b.append(" */\nclass ").append(cls).append(" {\n");
        b.append("    static final byte[] CODE = {");
        for (int i = 0; i < s.code().length; i++) b.append(i == 0 ? "" : ", ").append(String.format("(byte) 0x%02x", s.code()[i] & 0xFF));
        b.append("};\n    static final long[] GPR = { // RAX RCX RDX RBX RSP RBP RSI RDI R8..R15\n        ");
        for (int r = 0; r < 16; r++) b.append(String.format("0x%xL", s.gpr()[r])).append(r == 15 ? "" : r % 4 == 3 ? ",\n        " : ", ");
        b.append("};\n");
        b.append(String.format("    static final long RFLAGS = 0x%xL, DATA_SEED = 0x%xL, UNTIL = %s, COUNT = %d;%n", s.rflags(), s.dataSeed(),
                s.until() == Emulator.NO_UNTIL ? "Emulator.NO_UNTIL" : String.format("0x%xL", s.until()), s.count()));
        b.append("    static final boolean KERNEL = ").append(f.kernel()).append(", HOOKS = ").append(f.hooks()).append(";\n");
        if (s.host() != null) {
            b.append(String.format("    static final long HOST_BASE = 0x%xL; // the conformance harness's data page, mapped in the emulator too%n", hostBase));
            b.append("    static final String HOST_PAGE = \"").append(java.util.Base64.getEncoder().encodeToString(s.host().in().memory)).append("\";\n");
        }
        b.append("""

                    /** xorshift64, as the fuzzer fills the data and stack pages (seed 0: zeros). */
                    static byte[] fill(long x, int n) {
                        byte[] b = new byte[n];
                        if (x == 0) return b;
                        for (int i = 0; i < n; i++) { x ^= x << 13; x ^= x >>> 7; x ^= x << 17; b[i] = (byte) x; }
                        return b;
                    }

                    static long hookHash;

                    static void mix(long v) { hookHash = (hookHash ^ v) * 0x100000001B3L; }

                    /** The final state, and "VIOLATION ..." where the StopInfo contradicts the run's bounds. */
                    static String run(String engine) {
                        Emulator.Builder builder = Emulator.builder().engine(engine);
                        Emulator e = (KERNEL ? builder.kernelMode() : builder.flatUserMode()).build();
                        e.map(0x400000L, 4096, Perm.ALL);
                        e.map(0x600000L, 8192, Perm.READ | Perm.WRITE);
                        e.map(0x7fe000L, 8192, Perm.READ | Perm.WRITE);
                        byte[] page = new byte[4096];
                        for (int i = 0; i < page.length; i++) page[i] = (byte) ((i & 1) == 0 ? 0x0f : 0x0b); // ud2 padding
                        System.arraycopy(CODE, 0, page, 0, CODE.length);
                        e.write(0x400000L, page);
                        e.write(0x600000L, fill(DATA_SEED, 8192));
                        e.write(0x7fe000L, fill(DATA_SEED * 31 + 7, 8192));
                        %HOSTMAP%
                        hookHash = 0xCBF29CE484222325L;
                        if (HOOKS) {
                            e.hookInterrupt((x, v, err) -> { mix(0x1000 + v); mix(err); mix(x.regRead(Reg.RIP)); return v == 3; });
                            e.hookCode(0x400000L, 0x400fffL, (x, a, s) -> { mix(a); mix(s); });
                            e.hookMem(EnumSet.of(MemAccess.READ, MemAccess.WRITE), 0x600000L, 0x7fffffL,
                                    (x, k, a, s, v) -> { mix(k.ordinal()); mix(a); mix(s); mix(v); });
                        }
                        for (int r = 0; r < 16; r++) e.regWrite(Reg.values()[r], GPR[r]);
                        e.regWrite(Reg.RFLAGS, RFLAGS);
                        if (!engine.equals("interp")) {
                            try { e.precompile(0x400000L, CODE.length); } catch (RuntimeException ignored) { }
                        }
                        StopInfo s;
                        try {
                            // the count bounds the run; the 10 s time-out only catches a hang (a cold JVM on a loaded machine once took > 0.5 s)
                            s = e.start(0x400000L, UNTIL, 10_000_000, COUNT);
                        } catch (RuntimeException ex) {
                            return "VIOLATION: exception out of start(): " + ex;
                        }
                        StringBuilder out = new StringBuilder(s.reason() + " count=" + s.instructions() + " vector=" + s.vector()
                                + " error=" + s.errorCode() + " faultaddr=0x" + Long.toHexString(s.faultAddress()));
                        if (s.reason() == StopInfo.Reason.UNTIL_REACHED && UNTIL == Emulator.NO_UNTIL) out.append(" VIOLATION: UNTIL_REACHED without until");
                        if (s.instructions() > COUNT) out.append(" VIOLATION: more instructions than the count");
                        if (s.reason() == StopInfo.Reason.TIMEOUT) out.append(" VIOLATION: timeout although the count is ").append(COUNT);
                        for (Reg r : List.of(Reg.values()).subList(0, 18)) out.append(' ').append(r).append("=0x").append(Long.toHexString(e.regRead(r)));
                        for (Reg r : List.of(Reg.CR0, Reg.CR2, Reg.CR3, Reg.CR4, Reg.EFER, Reg.CPL)) out.append(' ').append(r).append("=0x").append(Long.toHexString(e.regRead(r)));
                        out.append(" memory=").append(java.util.Arrays.hashCode(e.read(0x400000L, 4096))).append('/')
                                .append(java.util.Arrays.hashCode(e.read(0x600000L, 8192))).append('/').append(java.util.Arrays.hashCode(e.read(0x7fe000L, 8192)));
                        if (HOOKS) out.append(" hooks=0x").append(Long.toHexString(hookHash));
                        return out.toString();
                    }

                    @Test
                    void enginesAgreeAndStopsAreConsistent() {
                        String reference = run("interp");
                        assertFalse(reference.contains("VIOLATION"), "interp: " + reference);
                        for (String engine : List.of(%ENGINES%)) {
                            String actual = run(engine);
                            assertFalse(actual.contains("VIOLATION"), engine + ": " + actual);
                            assertEquals(reference, actual, engine + " vs interp");
                        }
                    }
                }
                """.replace("%ENGINES%", engines(f)).replace("%HOSTMAP%", s.host() == null ? ""
                : "e.map(HOST_BASE, 4096, Perm.READ | Perm.WRITE);\n            e.write(HOST_BASE, java.util.Base64.getDecoder().decode(HOST_PAGE));"));
        if (s.host() != null && hostOut != null) {
            b.setLength(b.length() - 2); // reopen the class
            b.append("\n    /** What the host CPU computed (registers the case compares; flags under FLAG_MASK). */\n");
            b.append("    static final long[] HOST_GPR = {");
            for (int r = 0; r < 16; r++) b.append(r == 0 ? "" : ", ").append(String.format("0x%xL", hostOut.gpr[r]));
            b.append(String.format("};%n    static final int COMPARED_REGS = 0x%x;%n    static final long HOST_RFLAGS = 0x%xL, FLAG_MASK = 0x%xL;%n",
                    0xFFFF & ~(1 << 4) & ~s.host().skipRegs(), hostOut.rflags, s.host().comparedFlags()));
            b.append("""

                        @Test
                        void agreesWithTheHostCpu() {
                            for (String engine : List.of("interp", %ENGINES%)) {
                                Emulator.Builder builder = Emulator.builder().engine(engine);
                                Emulator e = builder.flatUserMode().build();
                                e.map(0x400000L, 4096, Perm.ALL);
                                e.map(HOST_BASE, 4096, Perm.READ | Perm.WRITE);
                                e.write(HOST_BASE, java.util.Base64.getDecoder().decode(HOST_PAGE));
                                e.write(0x400000L, CODE);
                                for (int r = 0; r < 16; r++) e.regWrite(Reg.values()[r], GPR[r]);
                                e.regWrite(Reg.RFLAGS, RFLAGS);
                                StopInfo s = e.start(0x400000L, UNTIL, 10_000_000, COUNT);
                                assertEquals(StopInfo.Reason.UNTIL_REACHED, s.reason(), engine + ": " + s);
                                for (int r = 0; r < 16; r++) {
                                    if ((COMPARED_REGS >> r & 1) != 0) assertEquals(HOST_GPR[r], e.regRead(Reg.values()[r]), engine + " " + Reg.values()[r]);
                                }
                                assertEquals(HOST_RFLAGS & FLAG_MASK, e.regRead(Reg.RFLAGS) & FLAG_MASK, engine + " flags");
                            }
                        }
                    }
                    """.replace("%ENGINES%", engines(f)));
        }
        return b.toString();
    }

    private static String engines(Finding f) {
        StringBuilder b = new StringBuilder();
        for (String e : f.outcomes().keySet()) {
            if (e.equals("interp")) continue;
            b.append(b.isEmpty() ? "" : ", ").append('"').append(e).append('"');
        }
        return b.isEmpty() ? "\"jit\"" : b.toString();
    }

    private static String esc(String s) {
        return s.replace("*/", "* /");
    }

    static List<String> disassemble(byte[] code) {
        java.util.ArrayList<String> out = new java.util.ArrayList<>();
        for (int[] sp : Minimizer.spans(code)) {
            String hex = java.util.HexFormat.ofDelimiter(" ").formatHex(code, sp[0], sp[0] + sp[1]);
            String text;
            try {
                Instruction insn = Decoder.decode(ByteSource.of(Layout.CODE + sp[0], java.util.Arrays.copyOfRange(code, sp[0], code.length)),
                        Layout.CODE + sp[0], new Instruction());
                text = insn.length > sp[1] ? "(runs past the end)" : Disassembler.format(insn);
            } catch (RuntimeException e) {
                text = "(runs past the end)";
            }
            out.add(String.format("%x: %-30s %s", Layout.CODE + sp[0], hex, text));
        }
        return out;
    }
}
