package dev.lstar.runtime.engine;

import dev.lstar.runtime.CpuException;

/**
 * The outcome of {@link Engine#run}: why it stopped, how many guest instructions ran, and for a
 * fault stop the exception and the RIP of the faulting instruction.
 */
public record RunResult(StopReason reason, long instructions, CpuException fault, long faultRip, String message) {
    public static RunResult of(StopReason r, long n) {
        return new RunResult(r, n, null, 0, null);
    }
}
