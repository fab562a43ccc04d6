package dev.lstar.conformance.fuzz;

import dev.lstar.api.Emulator;
import dev.lstar.api.MemAccess;
import dev.lstar.api.Perm;
import dev.lstar.api.Reg;
import dev.lstar.api.Snapshot;
import dev.lstar.api.StopInfo;
import dev.lstar.conformance.State;

import java.util.EnumSet;

/**
 * Runs streams on one engine in one configuration (user/kernel mode, hooks off/on) through the
 * embedding API and captures an {@link Outcome}. With {@code reuse} one emulator is set up once
 * and reset to a snapshot before each stream (restore + code write); otherwise every stream gets
 * a fresh emulator. An exception escaping {@code start()} is caught and recorded (and the
 * emulator is rebuilt).
 *
 * <p>Hooks (when on): an interrupt hook that records (vector, error code, RIP) and handles INT3
 * (returns true for vector 3: execution continues after it) and declines everything else; a code
 * hook on the code page recording each (address, size); a READ/WRITE memory hook on DATA and
 * STACK recording (kind, address, size, value). The events are folded into the "hooks" hash.
 */
public final class Runner {
    /** {@code -Dlstar.fuzz.verbose=true}: print the message of every STOPPED run (lockstep's divergence reports). */
    private static final boolean VERBOSE = Boolean.getBoolean("lstar.fuzz.verbose");

    private final String engine;
    private final boolean kernel, hooks, reuse;
    private final long timeoutMicros;
    private final long hostBase;
    private Emulator emu;
    private Snapshot base;
    private long hookHash;

    public Runner(String engine, boolean kernel, boolean hooks, boolean reuse, long timeoutMicros, long hostBase) {
        this.engine = engine;
        this.kernel = kernel;
        this.hooks = hooks;
        this.reuse = reuse;
        this.timeoutMicros = timeoutMicros;
        this.hostBase = hostBase;
    }

    public String engine() {
        return engine;
    }

    private void mix(long v) {
        hookHash = (hookHash ^ v) * 0x100000001B3L;
    }

    private Emulator build() {
        Emulator.Builder b = Emulator.builder().engine(engine);
        Emulator e = (kernel ? b.kernelMode() : b.flatUserMode()).build();
        e.map(Layout.CODE, Layout.CODE_SIZE, Layout.CODE_PERMS);
        e.map(Layout.DATA, Layout.DATA_SIZE, Layout.DATA_PERMS);
        e.map(Layout.STACK, Layout.STACK_SIZE, Layout.DATA_PERMS);
        if (hostBase >= 0) e.map(hostBase, State.MEMORY_SIZE, Layout.DATA_PERMS);
        if (hooks) {
            e.hookInterrupt((x, v, err) -> {
                mix(0x1000 + v);
                mix(err);
                mix(x.regRead(Reg.RIP));
                return v == 3;
            });
            e.hookCode(Layout.CODE, Layout.CODE + Layout.CODE_SIZE - 1, (x, a, s) -> { mix(a); mix(s); });
            e.hookMem(EnumSet.of(MemAccess.READ, MemAccess.WRITE), Layout.DATA, Layout.STACK + Layout.STACK_SIZE - 1,
                    (x, k, a, s, v) -> { mix(k.ordinal()); mix(a); mix(s); mix(v); });
        }
        return e;
    }

    /** The code page: the stream, then UD2 (0F 0B) to the end. */
    static byte[] codePage(byte[] code) {
        byte[] p = UD2_PAGE.clone();
        System.arraycopy(code, 0, p, 0, code.length);
        return p;
    }

    private static final byte[] UD2_PAGE = new byte[Layout.CODE_SIZE];
    private static final Reg[] XMM = new Reg[16], ST = new Reg[8];
    private static final Reg[] REGS = Reg.values();

    static {
        for (int i = 0; i < UD2_PAGE.length; i++) UD2_PAGE[i] = (byte) ((i & 1) == 0 ? 0x0F : 0x0B);
        for (int n = 0; n < 16; n++) XMM[n] = Reg.valueOf("XMM" + n);
        for (int n = 0; n < 8; n++) ST[n] = Reg.valueOf("ST" + n);
    }

    public Outcome run(Stream s) {
        if (!reuse || emu == null) {
            emu = build();
            base = reuse ? emu.snapshot() : null;
        } else {
            emu.restore(base);
        }
        Emulator e = emu;
        e.write(Layout.CODE, codePage(s.code()));
        e.write(Layout.DATA, Values.fillShared(s.dataSeed(), Layout.DATA_SIZE));
        e.write(Layout.STACK, Values.fillShared(s.dataSeed() * 31 + 7, Layout.STACK_SIZE));
        if (s.host() != null) e.write(hostBase, s.host().in().memory);
        for (int r = 0; r < 16; r++) e.regWrite(REGS[r], s.gpr()[r]);
        long[] xmm = s.host() != null ? s.host().in().xmm : new long[32];
        for (int n = 0; n < 16; n++) e.regWrite128(XMM[n], xmm[2 * n], xmm[2 * n + 1]);
        e.regWrite(Reg.MXCSR, s.host() != null ? s.host().in().mxcsr : 0x1F80);
        // the x87 state of a HOST stream's case (the host loads it with FXRSTOR), else FNINIT's
        State x87 = s.host() != null ? s.host().in() : new State();
        e.regWrite(Reg.FSW, x87.fsw);
        int tags = 0;
        for (int st = 0; st < 8; st++) {
            e.regWrite128(ST[st], x87.stm[st], x87.ste[st]);
            int p = (((x87.fsw >>> 11) & 7) + st) & 7;
            if ((x87.ftw >>> p & 1) == 0) tags |= 3 << (2 * p);
        }
        e.regWrite(Reg.FTW, tags);
        e.regWrite(Reg.FCW, x87.fcw);
        e.regWrite(Reg.RFLAGS, s.rflags());
        if (!engine.equals("interp")) {
            try {
                e.precompile(Layout.CODE, s.code().length);
            } catch (RuntimeException ignored) {
                // an engine without ahead-of-time translation, or code that does not decode
            }
        }
        hookHash = 0xCBF29CE484222325L;
        StopInfo st = null;
        String exc = null;
        try {
            st = e.start(Layout.CODE, s.until(), timeoutMicros, s.count());
        } catch (Throwable t) {
            if (t instanceof VirtualMachineError && !(t instanceof StackOverflowError)) throw (VirtualMachineError) t;
            exc = t.getClass().getSimpleName() + ": " + t.getMessage();
        }
        if (VERBOSE && st != null && st.message() != null && st.reason() == StopInfo.Reason.STOPPED) {
            System.err.println(engine + ": " + st.message()); // e.g. lockstep's divergence report
        }
        long[] v = new long[Outcome.NAMES.size()];
        for (int r = 0; r < 16; r++) v[r] = e.regRead(REGS[r]);
        v[Outcome.RIP] = e.regRead(Reg.RIP);
        v[Outcome.RFLAGS] = e.regRead(Reg.RFLAGS);
        v[18] = e.regRead(Reg.CR0);
        v[Outcome.CR2] = e.regRead(Reg.CR2);
        v[20] = e.regRead(Reg.CR3);
        v[21] = e.regRead(Reg.CR4);
        v[22] = e.regRead(Reg.EFER);
        v[23] = e.regRead(Reg.CPL);
        long h = 0xCBF29CE484222325L;
        h = hash(h, pageBytes(e, Layout.CODE, Layout.CODE_SIZE));
        h = hash(h, pageBytes(e, Layout.DATA, Layout.DATA_SIZE));
        h = hash(h, pageBytes(e, Layout.STACK, Layout.STACK_SIZE));
        if (hostBase >= 0) h = hash(h, pageBytes(e, hostBase, State.MEMORY_SIZE));
        v[Outcome.MEMHASH] = h;
        v[Outcome.HOOKS] = hooks ? hookHash : 0;
        long[] xmmOut = new long[32];
        for (int n = 0; n < 16; n++) {
            long[] x = e.regRead128(XMM[n]);
            xmmOut[2 * n] = x[0];
            xmmOut[2 * n + 1] = x[1];
        }
        v[Outcome.XMM] = Outcome.xmmHash(xmmOut, (int) e.regRead(Reg.MXCSR));
        if (st != null) {
            v[Outcome.REASON] = st.reason().ordinal();
            v[Outcome.COUNT] = st.instructions();
            v[Outcome.VECTOR] = st.vector();
            v[Outcome.ERROR] = st.errorCode();
            v[Outcome.FAULTADDR] = st.faultAddress();
        } else {
            v[Outcome.REASON] = -1;
            emu = null; // do not trust an emulator that threw
        }
        return new Outcome(v, exc);
    }

    private final java.util.Map<Integer, byte[]> scratch = new java.util.HashMap<>();

    /** The guest bytes at [a, a+n) in a buffer this runner reuses. */
    private byte[] pageBytes(Emulator e, long a, int n) {
        byte[] b = scratch.computeIfAbsent(n, byte[]::new);
        e.read(a, b, 0, n);
        return b;
    }

    /** The data page of a HOST stream after the run (for the host comparison). */
    byte[] hostPage() {
        return emu == null ? null : emu.read(hostBase, State.MEMORY_SIZE);
    }

    private static final java.lang.invoke.VarHandle LONGS =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

    /** FNV-style over 8-byte words (then the tail bytes): the pages are hashed three times per stream, bytewise was a fifth of the fuzzer's time. */
    static long hash(long h, byte[] b) {
        int i = 0;
        for (; i + 8 <= b.length; i += 8) h = (h ^ (long) LONGS.get(b, i)) * 0x100000001B3L;
        for (; i < b.length; i++) h = (h ^ (b[i] & 0xFF)) * 0x100000001B3L;
        return h;
    }
}
