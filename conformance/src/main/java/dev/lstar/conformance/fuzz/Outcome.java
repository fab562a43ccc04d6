package dev.lstar.conformance.fuzz;

import dev.lstar.api.StopInfo;

import java.util.ArrayList;
import java.util.List;

/**
 * What one engine left after a stream: every value compared across engines, by name
 * ({@link #NAMES}), plus the exception that escaped {@code start()} if any (then the values are
 * what the emulator held afterwards).
 */
public record Outcome(long[] values, String exception) {
    /** GPRs, RIP, materialised RFLAGS, CR0/2/3/4, EFER, CPL, memory hash, hook-event hash, the StopInfo, and an XMM/MXCSR hash. */
    public static final List<String> NAMES = List.of("rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
            "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rip", "rflags", "cr0", "cr2", "cr3", "cr4", "efer",
            "cpl", "memhash", "hooks", "reason", "count", "vector", "error", "faultaddr", "xmm");
    public static final int RIP = 16, RFLAGS = 17, CR2 = 19, MEMHASH = 24, HOOKS = 25, REASON = 26, COUNT = 27,
            VECTOR = 28, ERROR = 29, FAULTADDR = 30, XMM = 31;

    /** A hash of XMM0-15 (lo, hi) and MXCSR, the value compared as "xmm". */
    public static long xmmHash(long[] xmm, int mxcsr) {
        long h = 0xCBF29CE484222325L;
        for (long v : xmm) h = (h ^ v) * 0x100000001B3L;
        return (h ^ mxcsr) * 0x100000001B3L;
    }

    public long get(String name) {
        return values[NAMES.indexOf(name)];
    }

    public StopInfo.Reason reason() {
        return values[REASON] < 0 ? null : StopInfo.Reason.values()[(int) values[REASON]];
    }

    /** Names of the values (and "exception") that differ from {@code o}. */
    public List<String> diff(Outcome o) {
        List<String> d = new ArrayList<>();
        if (!java.util.Objects.equals(exceptionClass(), o.exceptionClass())) d.add("exception");
        for (int i = 0; i < values.length; i++) if (values[i] != o.values[i]) d.add(NAMES.get(i));
        return d;
    }

    public String exceptionClass() {
        return exception == null ? null : exception.split(":", 2)[0];
    }

    public static String format(String name, long v) {
        if (name.equals("reason")) return v < 0 ? "-" : StopInfo.Reason.values()[(int) v].name();
        if (name.equals("count") || name.equals("vector") || name.equals("error") || name.equals("cpl")) return Long.toString(v);
        return "0x" + Long.toHexString(v);
    }

    /** "name=value" for the given names. */
    public String show(List<String> names) {
        StringBuilder b = new StringBuilder();
        for (String n : names) {
            if (!b.isEmpty()) b.append(' ');
            b.append(n).append('=').append(n.equals("exception") ? exception : format(n, get(n)));
        }
        return b.toString();
    }

    /** The stop in one line. */
    public String stop() {
        if (exception != null) return "exception " + exception;
        return show(List.of("reason", "count", "rip", "vector", "error", "faultaddr"));
    }
}
