package dev.lstar.conformance.objdump;

import dev.lstar.conformance.gen.Report;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Compares a {@link DecoderUnderTest} against objdump, instruction by instruction: the decoded
 * length must equal objdump's, and the {@link AttNormaliser normalised} texts must be equal.
 * Instructions objdump cannot decode ({@code (bad)}, {@code .byte}) are skipped.
 */
public final class DecoderComparison {
    private DecoderComparison() {}

    /** Adds one row, family {@code family}, to {@code report}. */
    public static void compare(ObjdumpListing listing, DecoderUnderTest decoder, String family, Report report) {
        int cases = 0, mismatches = 0;
        List<String> details = new ArrayList<>();
        for (ObjdumpListing.Insn i : listing.instructions()) {
            if (i.bad()) {
                continue;
            }
            cases++;
            String problem;
            try {
                DecoderUnderTest.Decoded d = decoder.decode(i.bytes(), 0, i.address());
                String want = AttNormaliser.normalise(i.text());
                if (d.length() != i.length()) {
                    problem = "length " + d.length() + " (objdump " + i.length() + "), text " + d.att();
                } else if (!AttNormaliser.normalise(d.att()).equals(want)) {
                    problem = "text '" + AttNormaliser.normalise(d.att()) + "' (objdump '" + want + "')";
                } else {
                    problem = null;
                }
            } catch (RuntimeException e) {
                problem = "decoder threw " + e;
            }
            if (problem != null) {
                mismatches++;
                if (details.size() < Report.DETAILS_PER_FAMILY) {
                    details.add(String.format("%s %s+%x [%s] %s: %s%n", listing.file() == null ? "" : listing.file().getFileName(),
                            i.section(), i.address(), HexFormat.ofDelimiter(" ").formatHex(i.bytes()), i.text(), problem));
                }
            }
        }
        report.add(family, 1, cases, mismatches, details);
    }
}
