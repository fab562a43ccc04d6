package dev.lstar.translator;

import dev.lstar.api.Emulator;
import dev.lstar.api.MemAccess;
import dev.lstar.api.Perm;
import dev.lstar.api.Reg;
import dev.lstar.api.StopInfo;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Found by the differential fuzzer (./lstar fuzz --seed 1001, kernel, hooks off, stream 17611 (VALID), minimized in 60 runs).
 * DIVERGENCE interp/jit [rip, count] kernel
 * interp: rip=0x400006 count=2 | jit: rip=0x400008 count=1
 *
 * Code:
 *   400000: 42 0f 01 5c d7 de              lidt   -0x22(%rdi,%r10,8)
 *   400006: f6 ed                          imul   %ch
 *   400008: cd 03                          int    $0x3
 */
class FuzzRepro255C28BETest {
    static final byte[] CODE = {(byte) 0x42, (byte) 0x0f, (byte) 0x01, (byte) 0x5c, (byte) 0xd7, (byte) 0xde, (byte) 0xf6, (byte) 0xed, (byte) 0xcd, (byte) 0x03};
    static final long[] GPR = { // RAX RCX RDX RBX RSP RBP RSI RDI R8..R15
        0x0L, 0x0L, 0x0L, 0x0L,
        0x0L, 0x0L, 0x0L, 0x600d8eL,
        0x0L, 0x0L, 0xcL, 0x0L,
        0x0L, 0x0L, 0x0L, 0x0L};
    static final long RFLAGS = 0x2L, DATA_SEED = 0xfc3cabd341a18f35L, UNTIL = 0x40000aL, COUNT = 1000;
    static final boolean KERNEL = true, HOOKS = false;

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
        for (String engine : List.of("jit", "lockstep")) {
            String actual = run(engine);
            assertFalse(actual.contains("VIOLATION"), engine + ": " + actual);
            assertEquals(reference, actual, engine + " vs interp");
        }
    }
}
