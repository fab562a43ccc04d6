package dev.lstar.runtime.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.CpuException;
import dev.lstar.runtime.Flags;
import dev.lstar.runtime.LazyFlags;
import dev.lstar.runtime.Vendor;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Checks every helper against vectors recorded on the real CPU by
 * {@code src/test/native/opsgen.c} (regenerate with {@code gen-ops-vectors.sh}). Line format:
 * {@code op size fin a b c r1 r2 fout}, hex. Per family:
 * <ul>
 *   <li>ALU, shifts, BT*: r1 = destination after (operands already truncated to the size).</li>
 *   <li>shld/shrd: a = destination, b = source, c = count.</li>
 *   <li>bsf/bsr/lzcnt/tzcnt/popcnt, bswap: a = whole 64-bit destination before, b = source,
 *       r1 = whole destination after (so the test applies the caller's register-write rule).</li>
 *   <li>mul/imul/div/idiv one-operand, cbw..cqo: a = RAX, b = RDX, c = source; r1/r2 = RAX/RDX
 *       after, or r1 = DE for a divide error.</li>
 * </ul>
 * Each vector is run (1) from materialised input flags, checking the result, RFLAGS through
 * {@link Cpu#getRflags()} and every condition through {@link Cpu#cond} on a fresh run, and
 * (2) where possible, with the input flags left pending as a lazy record by an earlier vector
 * whose real-CPU output flags equal this vector's input flags.
 */
class OpsVectorTest {
    private static final long NON_ARITH = Flags.IF | Flags.DF | Flags.FIXED1 | Flags.AC;

    record V(String op, int size, long fin, long a, long b, long c, boolean de, long r1, long r2, long fout, String line) {}

    static List<V> load(String family) throws IOException {
        List<V> out = new ArrayList<>();
        try (InputStream in = OpsVectorTest.class.getResourceAsStream("/ops/" + family + ".txt.gz")) {
            if (in == null) throw new IOException("missing resource /ops/" + family + ".txt.gz");
            BufferedReader br = new BufferedReader(new InputStreamReader(new GZIPInputStream(in), StandardCharsets.US_ASCII));
            for (String line; (line = br.readLine()) != null; ) {
                if (line.startsWith("#") || line.isBlank()) continue;
                String[] p = line.split(" ");
                boolean de = p[6].equals("DE");
                out.add(new V(p[0], Integer.parseInt(p[1]), h(p[2]), h(p[3]), h(p[4]), h(p[5]), de,
                        de ? 0 : h(p[6]), h(p[7]), h(p[8]), line));
            }
        }
        return out;
    }

    private static long h(String s) {
        return Long.parseUnsignedLong(s, 16);
    }

    /** Runs the vector's operation as an engine would; returns {r1, r2}. */
    static long[] exec(Cpu cpu, V v) {
        int s = v.size;
        long a = v.a, b = v.b, c = v.c;
        switch (v.op) {
            case "add": return one(Alu.add(cpu, a, b, s));
            case "adc": return one(Alu.adc(cpu, a, b, s));
            case "sub": return one(Alu.sub(cpu, a, b, s));
            case "sbb": return one(Alu.sbb(cpu, a, b, s));
            case "and": return one(Alu.and(cpu, a, b, s));
            case "or": return one(Alu.or(cpu, a, b, s));
            case "xor": return one(Alu.xor(cpu, a, b, s));
            case "cmp": Alu.cmp(cpu, a, b, s); return one(a);
            case "test": Alu.test(cpu, a, b, s); return one(a);
            case "inc": return one(Alu.inc(cpu, a, s));
            case "dec": return one(Alu.dec(cpu, a, s));
            case "neg": return one(Alu.neg(cpu, a, s));
            case "not": return one(Alu.not(a, s));
            case "imul2": return one(MulDiv.imul(cpu, a, b, s));
            case "shl": return one(Shifts.shl(cpu, a, b, s));
            case "shr": return one(Shifts.shr(cpu, a, b, s));
            case "sar": return one(Shifts.sar(cpu, a, b, s));
            case "rol": return one(Shifts.rol(cpu, a, b, s));
            case "ror": return one(Shifts.ror(cpu, a, b, s));
            case "rcl": return one(Shifts.rcl(cpu, a, b, s));
            case "rcr": return one(Shifts.rcr(cpu, a, b, s));
            case "shld": return one(Shifts.shld(cpu, a, b, c, s));
            case "shrd": return one(Shifts.shrd(cpu, a, b, c, s));
            case "bt": Bits.bt(cpu, a, b, s); return one(a);
            case "bts": return one(Bits.bts(cpu, a, b, s));
            case "btr": return one(Bits.btr(cpu, a, b, s));
            case "btc": return one(Bits.btc(cpu, a, b, s));
            case "bsf": return one(writeOrKeep(a, Bits.bsf(cpu, b, s), s));
            case "bsr": return one(writeOrKeep(a, Bits.bsr(cpu, b, s), s));
            case "lzcnt": return one(write(a, Bits.lzcnt(cpu, b, s), s));
            case "tzcnt": return one(write(a, Bits.tzcnt(cpu, b, s), s));
            case "popcnt": return one(write(a, Bits.popcnt(cpu, b, s), s));
            case "bswap": return one(write(a, Bits.bswap(a, s), s));
            default: break;
        }
        cpu.r[Cpu.RAX] = a;
        cpu.r[Cpu.RDX] = b;
        switch (v.op + s) {
            case "mul1" -> MulDiv.mul8(cpu, c);
            case "mul2" -> MulDiv.mul16(cpu, c);
            case "mul4" -> MulDiv.mul32(cpu, c);
            case "mul8" -> MulDiv.mul64(cpu, c);
            case "imul1" -> MulDiv.imul8(cpu, c);
            case "imul2" -> MulDiv.imul16(cpu, c);
            case "imul4" -> MulDiv.imul32(cpu, c);
            case "imul8" -> MulDiv.imul64(cpu, c);
            case "div1" -> MulDiv.div8(cpu, c);
            case "div2" -> MulDiv.div16(cpu, c);
            case "div4" -> MulDiv.div32(cpu, c);
            case "div8" -> MulDiv.div64(cpu, c);
            case "idiv1" -> MulDiv.idiv8(cpu, c);
            case "idiv2" -> MulDiv.idiv16(cpu, c);
            case "idiv4" -> MulDiv.idiv32(cpu, c);
            case "idiv8" -> MulDiv.idiv64(cpu, c);
            case "cbw2" -> Ext.cbw(cpu);
            case "cwde4" -> Ext.cwde(cpu);
            case "cdqe8" -> Ext.cdqe(cpu);
            case "cwd2" -> Ext.cwd(cpu);
            case "cdq4" -> Ext.cdq(cpu);
            case "cqo8" -> Ext.cqo(cpu);
            default -> throw new AssertionError("no helper for " + v.op + " size " + s);
        }
        return new long[] {cpu.r[Cpu.RAX], cpu.r[Cpu.RDX]};
    }

    private static long[] one(long r) {
        return new long[] {r, 0};
    }

    /** The caller's register-write rule for a register destination (SDM Vol. 1 §3.4.1.1). */
    static long write(long old, long value, int size) {
        return switch (size) {
            case 1 -> (old & ~0xffL) | (value & 0xff);
            case 2 -> (old & ~0xffffL) | (value & 0xffff);
            case 4 -> value & 0xffffffffL;
            default -> value;
        };
    }

    private static long writeOrKeep(long old, long value, int size) {
        return value < 0 ? old : write(old, value, size);
    }

    private static Cpu fresh(long fin) {
        Cpu cpu = new Cpu(Vendor.AMD);
        cpu.setRflags(fin | NON_ARITH);
        return cpu;
    }

    /** Returns a failure description, or null. */
    static String check(V v, Cpu cpu, String how) {
        long[] got;
        try {
            got = exec(cpu, v);
        } catch (CpuException e) {
            if (v.de && e.vector == CpuException.DE) {
                if (cpu.r[Cpu.RAX] != v.a || cpu.r[Cpu.RDX] != v.b) return how + ": registers written before #DE";
                return null;
            }
            return how + ": unexpected " + e.describe();
        }
        if (v.de) return how + ": expected #DE, got " + Long.toHexString(got[0]);
        if (got[0] != v.r1 || got[1] != v.r2) {
            return how + ": result " + Long.toHexString(got[0]) + " " + Long.toHexString(got[1]);
        }
        long f = cpu.getRflags();
        if ((f & Flags.ARITH) != v.fout) return how + ": flags " + Long.toHexString(f & Flags.ARITH);
        if ((f & ~(long) Flags.ARITH) != NON_ARITH) return how + ": non-arithmetic flags changed: " + Long.toHexString(f);
        return null;
    }

    static String checkConds(V v, V pending) {
        if (v.de) return null;
        for (int cc = 0; cc < 16; cc++) {
            Cpu cpu = pending == null ? fresh(v.fin) : primed(pending);
            exec(cpu, v);
            boolean want = Flags.test(v.fout, cc);
            if (cpu.cond(cc) != want) return "cond " + cc + " (lzOp " + cpu.lzOp + ") != " + want;
        }
        return null;
    }

    /** A CPU whose flags are the output of {@code prev}, still pending as a lazy record when prev leaves one. */
    static Cpu primed(V prev) {
        Cpu cpu = fresh(prev.fin);
        exec(cpu, prev);
        return cpu;
    }

    @TestFactory
    List<DynamicTest> vectors() throws IOException {
        Map<String, List<V>> byOp = new TreeMap<>();
        Map<Long, V> producers = new HashMap<>();
        for (String fam : new String[] {"alu", "shifts", "muldiv", "bits"}) {
            for (V v : load(fam)) {
                byOp.computeIfAbsent(v.op + "/" + v.size, k -> new ArrayList<>()).add(v);
                // vectors that leave a lazy record behind, used to prime pending input flags
                if (!v.de && fam.equals("alu") && !v.op.equals("not") && !v.op.equals("imul2")) producers.putIfAbsent(v.fout, v);
                if (fam.equals("shifts") && (v.op.startsWith("sh") || v.op.equals("sar")) && (v.b & 31) != 0) producers.putIfAbsent(v.fout, v);
            }
        }
        assertTrue(byOp.size() >= 120, "ops x sizes loaded: " + byOp.size());
        List<DynamicTest> tests = new ArrayList<>();
        for (var e : byOp.entrySet()) {
            List<V> vs = e.getValue();
            tests.add(DynamicTest.dynamicTest(e.getKey() + " (" + vs.size() + " vectors)", () -> {
                int primedRuns = 0;
                List<String> failures = new ArrayList<>();
                for (V v : vs) {
                    String err = check(v, fresh(v.fin), "materialised input");
                    if (err == null) err = checkConds(v, null);
                    V prev = producers.get(v.fin);
                    if (err == null && prev != null) {
                        Cpu cpu = primed(prev);
                        assertEquals(v.fin, cpu.getRflags() & Flags.ARITH, "primer " + prev.line);
                        cpu = primed(prev);
                        err = check(v, cpu, "pending input from [" + prev.line + "]");
                        if (err == null) err = checkConds(v, prev);
                        primedRuns++;
                    }
                    if (err != null && failures.size() < 10) failures.add(v.line + " -> " + err);
                    else if (err != null) failures.add("");
                }
                if (!failures.isEmpty()) fail(failures.size() + " of " + vs.size() + " failed, e.g.\n" + String.join("\n", failures.subList(0, Math.min(10, failures.size()))));
                assertTrue(primedRuns > vs.size() / 2, "too few vectors with a pending lazy input: " + primedRuns);
            }));
        }
        return tests;
    }

    /** Sanity: the producer pool really leaves records pending (otherwise mode (2) tests nothing). */
    @TestFactory
    List<DynamicTest> producersLeaveRecords() throws IOException {
        V add = load("alu").stream().filter(v -> v.op.equals("add")).findFirst().orElseThrow();
        return List.of(DynamicTest.dynamicTest("add leaves a record", () -> assertTrue(primed(add).lzOp == LazyFlags.ADD)));
    }
}
