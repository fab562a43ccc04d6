package dev.lstar.conformance.objdump;

/**
 * The seam for lstar's decoder + AT&amp;T disassembler in decoder comparisons. The lead implements
 * it on top of {@code dev.lstar.decoder.Decoder} and {@code Disassembler}.
 */
@FunctionalInterface
public interface DecoderUnderTest {
    /** Result of decoding one instruction: its length and AT&amp;T text ({@code length <= 0}: undecodable). */
    record Decoded(int length, String att) {}

    /**
     * Decodes the instruction starting at {@code code[offset]}, as if located at {@code address}
     * (branch targets are printed relative to it). Must not throw for invalid encodings: return
     * a non-positive length instead.
     */
    Decoded decode(byte[] code, int offset, long address);
}
