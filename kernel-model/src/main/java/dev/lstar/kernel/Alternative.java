package dev.lstar.kernel;

import java.util.HexFormat;

/**
 * One alternative site of the guest kernel image (one line of {@code entry.alt}): when
 * {@link #feature()} is enabled, the {@link #length()} bytes at {@link #offset()} are replaced by
 * {@link #replacement()} followed by NOPs.
 *
 * @param feature     the feature that selects the replacement
 * @param offset      the site's offset from the image base ({@code _stext})
 * @param length      the site's length in bytes (at least the replacement's length)
 * @param replacement the replacement bytes (possibly empty: the site becomes NOPs); never
 *                    contains relative branches, so it is copied unchanged
 */
public record Alternative(AltFeature feature, int offset, int length, byte[] replacement) {

    public Alternative {
        replacement = replacement.clone();
        if (offset < 0 || length <= 0 || replacement.length > length) {
            throw new IllegalArgumentException("bad alternative site " + feature + " at +0x"
                    + Integer.toHexString(offset) + " length " + length + " replacement " + replacement.length);
        }
    }

    @Override
    public byte[] replacement() {
        return replacement.clone();
    }

    @Override
    public String toString() {
        return feature + "@+0x" + Integer.toHexString(offset) + "[" + length + "]"
                + (replacement.length == 0 ? " -> nops" : " -> " + HexFormat.of().formatHex(replacement));
    }
}
