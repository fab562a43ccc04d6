package dev.lstar.decoder;

/** Placeholder: the table-driven decoder lands with the decoder work. */
public final class Decoder {
    private Decoder() {}

    /**
     * Decodes the instruction at {@code address} into {@code out} (cleared first) and returns it.
     * Unknown encodings decode to {@link Mnemonic#INVALID} with the length consumed so far; an
     * instruction longer than 15 bytes decodes to INVALID with {@link OpcodeTable#A_TOO_LONG}.
     * Exceptions thrown by {@code src} propagate unchanged.
     */
    public static Instruction decode(ByteSource src, long address, Instruction out) {
        throw new UnsupportedOperationException("decoder not written yet");
    }
}
