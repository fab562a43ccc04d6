package dev.lstar.conformance.lstar;

import dev.lstar.conformance.gen.Report;
import dev.lstar.conformance.objdump.AttNormaliser;
import dev.lstar.conformance.objdump.ObjdumpListing;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * lstar's decoder against objdump over real code: every instruction objdump decodes must get the
 * same length; an instruction lstar implements must also get the same normalised text; one it
 * does not implement (decoded INVALID, executed as #UD) is counted under objdump's mnemonic so the
 * gap is visible. Differences lstar makes on purpose are accepted only with the reason below.
 */
public final class DecoderConformance {
    /** Accepted differences: a predicate on objdump's text, and why. */
    record Accepted(String objdumpPrefix, String reason) {}

    /** objdump prints FWAIT (9B) and the FNSTCW/FNSTSW/FNSTENV/FNSAVE/FNINIT/FNCLEX after it as one line. */
    static final String FWAIT_FOLDED = "objdump folds FWAIT (9B) into the following no-wait x87 instruction (fstcw = fwait; fnstcw); "
            + "the CPU, and lstar, decode two instructions";

    static final List<Accepted> ACCEPTED = List.of(
            new Accepted("bnd ", "MPX bnd prefix: objdump prints it, lstar decodes F2 as ignored before branches (no MPX on current CPUs)"),
            new Accepted("data16 ", "objdump's data16 spelling of a redundant 66 prefix"),
            new Accepted("rex", "objdump prints a REX byte followed by a legacy prefix as its own line; lstar ignores such a REX as the CPU does"),
            new Accepted("fstcw ", FWAIT_FOLDED), new Accepted("fstsw ", FWAIT_FOLDED), new Accepted("fstenv ", FWAIT_FOLDED),
            new Accepted("fsave ", FWAIT_FOLDED), new Accepted("finit", FWAIT_FOLDED), new Accepted("fclex", FWAIT_FOLDED));

    public int instructions, matched, invalidCounted, accepted, mismatches;
    public final Map<String, Integer> invalidByMnemonic = new TreeMap<>();
    public final Map<String, Integer> acceptedByReason = new TreeMap<>();
    public final List<String> details = new ArrayList<>();

    private final LstarDecoder decoder = new LstarDecoder();

    public void compare(ObjdumpListing listing) {
        for (ObjdumpListing.Insn i : listing.instructions()) {
            if (i.bad()) continue;
            instructions++;
            var d = decoder.decode(i.bytes(), 0, i.address());
            String want = AttNormaliser.normalise(i.text());
            String reason = acceptedReason(i.text());
            if (decoder.lastInvalid()) {
                if (d.length() == i.length()) {
                    invalidCounted++;
                    invalidByMnemonic.merge(mnemonic(i.text()), 1, Integer::sum);
                    continue;
                }
            } else if (d.length() == i.length() && AttNormaliser.normalise(d.att()).equals(want)) {
                matched++;
                continue;
            }
            if (reason != null) {
                accepted++;
                acceptedByReason.merge(reason, 1, Integer::sum);
                continue;
            }
            mismatches++;
            if (details.size() < 20) {
                details.add(String.format("%s+%x [%s] objdump '%s' (len %d) lstar '%s' (len %d)", i.section(), i.address(),
                        HexFormat.ofDelimiter(" ").formatHex(i.bytes()), i.text(), i.length(), d.att(), d.length()));
            }
        }
    }

    private static String acceptedReason(String objdumpText) {
        for (Accepted a : ACCEPTED) if (objdumpText.startsWith(a.objdumpPrefix)) return a.reason;
        return null;
    }

    static String mnemonic(String text) {
        String t = text.trim();
        for (String p : new String[] {"lock ", "rep ", "repz ", "repnz ", "notrack ", "bnd ", "data16 ", "cs ", "ds "}) {
            if (t.startsWith(p)) t = t.substring(p.length());
        }
        int sp = t.indexOf(' ');
        return sp < 0 ? t : t.substring(0, sp);
    }

    /** Adds this comparison to a conformance report (family "decoder vs objdump"). */
    public void addTo(Report report, int files) {
        report.add("decoder vs objdump", files, instructions, mismatches, details);
    }

    public String summary() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("decoder vs objdump: %,d instructions: %,d identical, %,d lstar-INVALID with objdump's length, %,d accepted differences, %,d mismatches%n",
                instructions, matched, invalidCounted, accepted, mismatches));
        acceptedByReason.forEach((r, n) -> sb.append(String.format("  accepted %,d: %s%n", n, r)));
        if (!invalidByMnemonic.isEmpty()) {
            sb.append("  not implemented by lstar (executes as #UD), by objdump mnemonic:\n   ");
            invalidByMnemonic.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue()).limit(40)
                    .forEach(e -> sb.append(' ').append(e.getKey()).append('=').append(e.getValue()));
            if (invalidByMnemonic.size() > 40) sb.append(" ... (").append(invalidByMnemonic.size()).append(" mnemonics)");
            sb.append('\n');
        }
        for (String d : details) sb.append("  mismatch: ").append(d).append('\n');
        return sb.toString();
    }
}
