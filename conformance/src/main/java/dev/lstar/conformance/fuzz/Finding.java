package dev.lstar.conformance.fuzz;

import java.util.List;
import java.util.Map;

/**
 * Something the fuzzer found on one stream.
 *
 * @param kind      DIVERGENCE (two engines ended differently), INVARIANT (an engine's StopInfo
 *                  contradicts the run's bounds), EXCEPTION (a Java exception escaped start()),
 *                  HOST (an engine differs from the host CPU on a conformance instruction)
 * @param engines   the engines involved (reference first for DIVERGENCE; "host" for HOST)
 * @param what      the differing value names, the invariant's name or the exception class
 * @param stream    the input
 * @param kernel    ring 0 rather than ring 3
 * @param hooks     hooks installed
 * @param outcomes  each engine's outcome
 * @param detail    one line: what each side reported
 */
public record Finding(String kind, List<String> engines, List<String> what, Stream stream, boolean kernel, boolean hooks,
                      Map<String, Outcome> outcomes, String detail) {
    /** What stays the same while a finding is minimized, and what deduplicates findings: kind, engines, what, mode, hooks. */
    public String signature() {
        return kind + " " + String.join("/", engines) + " " + what + " " + (kernel ? "kernel" : "user") + (hooks ? " hooks" : "");
    }

    /** One line: signature, bytes, detail. */
    public String summary() {
        return signature() + " | code " + stream.hex() + " | " + detail;
    }
}
