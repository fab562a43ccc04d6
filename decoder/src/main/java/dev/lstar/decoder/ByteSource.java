package dev.lstar.decoder;

/**
 * Where the decoder reads instruction bytes from. The decoder knows no machine: a runtime
 * implements this over guest memory (and may throw its own fault exception from {@link #fetch},
 * which the decoder lets propagate untouched); tests implement it over a byte array.
 */
@FunctionalInterface
public interface ByteSource {
    /** The byte at {@code address}, as 0..255. May throw to signal that the byte cannot be fetched. */
    int fetch(long address);

    /** A source over {@code bytes}, where {@code bytes[0]} lives at {@code base}. Reading outside throws. */
    static ByteSource of(long base, byte... bytes) {
        return address -> {
            long i = address - base;
            if (i < 0 || i >= bytes.length) {
                throw new IndexOutOfBoundsException("no code byte at 0x" + Long.toHexString(address));
            }
            return bytes[(int) i] & 0xFF;
        };
    }
}
