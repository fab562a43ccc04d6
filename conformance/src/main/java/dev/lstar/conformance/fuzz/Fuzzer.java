package dev.lstar.conformance.fuzz;

import dev.lstar.api.Emulator;
import dev.lstar.api.StopInfo;
import dev.lstar.conformance.State;
import dev.lstar.conformance.gen.Case;
import dev.lstar.conformance.host.HostCpu;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a stream on every selected engine and turns the outcomes into {@link Finding}s:
 * <ul>
 *   <li>DIVERGENCE: any {@link Outcome} value (GPRs, RIP, RFLAGS, CR0/2/3/4, EFER, CPL, memory hash,
 *       hook-event hash, StopInfo reason/count/vector/error/address) or the escaping exception
 *       differs from the first engine's;</li>
 *   <li>INVARIANT: UNTIL_REACHED without an until (or at another RIP), more instructions than the
 *       count, COUNT_EXHAUSTED with fewer, TIMEOUT although the count should have stopped the run;</li>
 *   <li>EXCEPTION: a Java exception escaped start();</li>
 *   <li>HOST (HOST streams): the engine differs from the host CPU on the GPRs but RSP and the
 *       registers the case marks undefined, the defined flags of the instruction, the data page,
 *       or the expected fault vector.</li>
 * </ul>
 */
public final class Fuzzer {
    public record Config(boolean kernel, boolean hooks) {
        @Override
        public String toString() {
            return (kernel ? "kernel" : "user") + ", hooks " + (hooks ? "on" : "off");
        }
    }

    private final List<String> engines;
    private final boolean reuse;
    private final long timeoutMicros;
    private final HostCpu host;
    private final Map<Config, List<Runner>> runners = new LinkedHashMap<>();

    /** @param host the host harness for HOST streams, or null */
    public Fuzzer(List<String> engines, boolean reuse, long timeoutMicros, HostCpu host) {
        this.engines = List.copyOf(engines);
        this.reuse = reuse;
        this.timeoutMicros = timeoutMicros;
        this.host = host;
    }

    public List<String> engines() {
        return engines;
    }

    public long hostBase() {
        return host == null ? -1 : host.dataBase();
    }

    /** A fuzzer with the same engines and host that builds a fresh emulator per run (for minimizing). */
    public Fuzzer fresh() {
        return new Fuzzer(engines, false, timeoutMicros, host);
    }

    public List<Finding> check(Stream s, Config cfg) {
        List<Runner> rs = runners.computeIfAbsent(cfg, c -> {
            List<Runner> l = new ArrayList<>();
            for (String e : engines) l.add(new Runner(e, c.kernel(), c.hooks(), reuse, timeoutMicros, hostBase()));
            return l;
        });
        Map<String, Outcome> outs = new LinkedHashMap<>();
        Map<String, byte[]> pages = new LinkedHashMap<>();
        for (Runner r : rs) {
            Outcome o = r.run(s);
            if (o.reason() == StopInfo.Reason.TIMEOUT && s.count() > 0) {
                // a wall-clock time-out on a loaded machine is not a finding: only a run that still
                // times out, alone and with twenty times the time, is reported
                r = new Runner(r.engine(), cfg.kernel(), cfg.hooks(), false, timeoutMicros * 20, hostBase());
                o = r.run(s);
            }
            outs.put(r.engine(), o);
            if (s.host() != null) pages.put(r.engine(), r.hostPage());
        }
        List<Finding> f = new ArrayList<>();
        String ref = engines.get(0);
        Outcome o0 = outs.get(ref);
        boolean threw = false;
        for (var en : outs.entrySet()) {
            Outcome o = en.getValue();
            if (o.exception() != null) {
                threw = true;
                f.add(new Finding("EXCEPTION", List.of(en.getKey()), List.of(o.exceptionClass()), s, cfg.kernel(), cfg.hooks(), outs,
                        en.getKey() + ": " + o.exception()));
            }
            for (String inv : invariants(s, o)) {
                f.add(new Finding("INVARIANT", List.of(en.getKey()), List.of(inv), s, cfg.kernel(), cfg.hooks(), outs,
                        en.getKey() + ": " + o.stop()));
            }
        }
        if (!threw) {
            for (var en : outs.entrySet()) {
                if (en.getKey().equals(ref)) continue;
                List<String> d = o0.diff(en.getValue());
                if (!d.isEmpty()) {
                    f.add(new Finding("DIVERGENCE", List.of(ref, en.getKey()), d, s, cfg.kernel(), cfg.hooks(), outs,
                            ref + ": " + o0.show(d) + " | " + en.getKey() + ": " + en.getValue().show(d)));
                }
            }
        }
        if (s.host() != null && host != null) {
            // the host's result, once for every engine (a case that faults is not run natively)
            State want = s.host().expectedFault() < 0 ? host.run(s.host().insn(), s.host().in().copy()) : null;
            for (var en : outs.entrySet()) {
                String d = compareHost(s.host(), want, en.getValue(), pages.get(en.getKey()));
                if (d != null) {
                    f.add(new Finding("HOST", List.of("host", en.getKey()), List.of(d.split(":", 2)[0]), s, cfg.kernel(), cfg.hooks(), outs,
                            en.getKey() + ": " + d));
                }
            }
        }
        return f;
    }

    static List<String> invariants(Stream s, Outcome o) {
        List<String> v = new ArrayList<>();
        StopInfo.Reason r = o.reason();
        long n = o.values()[Outcome.COUNT];
        if (r == StopInfo.Reason.UNTIL_REACHED && s.until() == Emulator.NO_UNTIL) v.add("until-reached-without-until");
        if (r == StopInfo.Reason.UNTIL_REACHED && s.until() != Emulator.NO_UNTIL && o.values()[Outcome.RIP] != s.until()) v.add("until-reached-elsewhere");
        if (r != null && s.count() > 0 && n > s.count()) v.add("count-over-limit");
        if (r == StopInfo.Reason.COUNT_EXHAUSTED && n != s.count()) v.add("count-exhausted-early");
        if (r == StopInfo.Reason.TIMEOUT && s.count() > 0) v.add("timeout-before-count");
        return v;
    }

    /** Null if the engine agrees with the host CPU on what the case compares; else "what: details". */
    private static String compareHost(Case c, State want, Outcome o, byte[] page) {
        if (o.exception() != null) return null; // reported as EXCEPTION
        if (c.expectedFault() >= 0) {
            if (o.reason() != StopInfo.Reason.FAULT || o.values()[Outcome.VECTOR] != c.expectedFault()) {
                return "fault: expected vector " + c.expectedFault() + ", got " + o.stop();
            }
            return null;
        }
        if (o.reason() != StopInfo.Reason.UNTIL_REACHED) return "stop: expected completion, got " + o.stop();
        StringBuilder b = new StringBuilder();
        for (int r = 0; r < 16; r++) {
            if (r == State.RSP || (c.skipRegs() & (1 << r)) != 0) continue;
            if (want.gpr[r] != o.values()[r]) b.append(String.format(" %s host %x engine %x", State.regName(r), want.gpr[r], o.values()[r]));
        }
        long m = c.comparedFlags();
        if ((want.rflags & m) != (o.values()[Outcome.RFLAGS] & m)) {
            b.append(String.format(" flags host [%s] engine [%s]", State.flagString(want.rflags & m), State.flagString(o.values()[Outcome.RFLAGS] & m)));
        }
        if (page != null && !java.util.Arrays.equals(page, want.memory)) b.append(" memory");
        if (Outcome.xmmHash(want.xmm, want.mxcsr) != o.values()[Outcome.XMM]) b.append(" xmm/mxcsr");
        return b.isEmpty() ? null : "state:" + b;
    }
}
