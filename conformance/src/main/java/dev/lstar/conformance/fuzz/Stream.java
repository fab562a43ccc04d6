package dev.lstar.conformance.fuzz;

import dev.lstar.conformance.gen.Case;

import java.util.HexFormat;

/**
 * One fuzz input: code bytes placed at {@link Layout#CODE}, the initial GPRs and RFLAGS, the seed
 * of the data/stack page contents ({@link Values#fill}; 0 = zeros), and how the run is bounded.
 *
 * @param kind     how it was generated
 * @param kernel   ring 0 ({@code kernelMode()}) rather than ring 3 ({@code flatUserMode()})
 * @param code     the instruction bytes
 * @param gpr      RAX..R15 at the start
 * @param rflags   RFLAGS at the start (as written through the API)
 * @param dataSeed contents of DATA and STACK
 * @param until    the until address passed to start(), or {@link dev.lstar.api.Emulator#NO_UNTIL}
 * @param count    the instruction limit passed to start()
 * @param host     for {@link Kind#HOST} streams: the conformance case (data at the host buffer), else null
 */
public record Stream(Kind kind, boolean kernel, byte[] code, long[] gpr, long rflags, long dataSeed, long until,
                     long count, Case host) {
    public enum Kind {
        /** Random bytes. */
        BYTES,
        /** Random valid instructions from the opcode table rows, with branches within the stream. */
        VALID,
        /** One instruction from a conformance form, also run on the host CPU. */
        HOST
    }

    public Stream withCode(byte[] c) {
        return new Stream(kind, kernel, c, gpr, rflags, dataSeed, until == dev.lstar.api.Emulator.NO_UNTIL ? until : Layout.CODE + c.length, count, host);
    }

    public Stream withGpr(int r, long v) {
        long[] g = gpr.clone();
        g[r] = v;
        return new Stream(kind, kernel, code, g, rflags, dataSeed, until, count, host);
    }

    public Stream withRflags(long f) {
        return new Stream(kind, kernel, code, gpr, f, dataSeed, until, count, host);
    }

    public Stream withDataSeed(long s) {
        return new Stream(kind, kernel, code, gpr, rflags, s, until, count, host);
    }

    public String hex() {
        return HexFormat.ofDelimiter(" ").formatHex(code);
    }
}
