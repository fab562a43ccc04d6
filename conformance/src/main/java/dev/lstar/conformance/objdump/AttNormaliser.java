package dev.lstar.conformance.objdump;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Normalises AT&amp;T instruction text so that objdump's output and lstar's disassembler can be
 * compared as strings. Deliberately lossy about things that do not change what the instruction
 * does (compare bytes and lengths separately for those):
 *
 * <ul>
 *   <li>lower case; runs of blanks become one space; no blank after a comma;</li>
 *   <li>objdump's trailing comment ({@code # 1a <foo+0x1a>}) and symbolic branch targets
 *       ({@code call 0 <foo>}) are dropped; a bare branch target becomes {@code 0x...};</li>
 *   <li>ignored or purely advisory prefixes printed as words are dropped: {@code ds cs ss es}
 *       (segment overrides are ignored in 64-bit mode, SDM Vol. 1 §3.3.7.1), {@code notrack}
 *       (CET), {@code bnd} (MPX), {@code data16}/{@code addr32} (objdump prints them only for an
 *       unused 66/67), {@code rex*} (an unused REX), and {@code repz}/{@code rep} before
 *       {@code ret};</li>
 *   <li>the default segments in string operands ({@code %ds:(%rsi)}, {@code %es:(%rdi)}) lose
 *       their segment;</li>
 *   <li>a zero displacement is dropped: {@code 0x0(%rax,%rax,1)} becomes {@code (%rax,%rax,1)}.</li>
 * </ul>
 *
 * FS/GS overrides, {@code lock}, {@code rep}/{@code repz}/{@code repnz} on string instructions and
 * operand-size suffixes are kept.
 */
public final class AttNormaliser {
    private AttNormaliser() {}

    private static final Set<String> NOISE = Set.of("ds", "cs", "ss", "es", "notrack", "bnd", "data16", "addr32");
    private static final Pattern REX = Pattern.compile("rex(\\.w?r?x?b?)?");
    private static final Pattern SYMBOL = Pattern.compile("\\s*<[^>]*>");
    private static final Pattern BRANCH = Pattern.compile("^(j[a-z]+|call[a-z]?|loop[a-z]*|jrcxz|jecxz|xbegin)\\s+([0-9a-f]+)$");
    private static final Pattern ZERO_DISP = Pattern.compile("(^|[\\s,:])0x0\\(");

    /** The normal form of {@code att}. */
    public static String normalise(String att) {
        String s = att.toLowerCase(Locale.ROOT).replace("0X", "0x").trim();
        int hash = s.indexOf('#');
        if (hash >= 0) {
            s = s.substring(0, hash);
        }
        s = SYMBOL.matcher(s).replaceAll("");
        s = s.replaceAll("\\s+", " ").replaceAll("\\s*,\\s*", ",").trim();
        // drop noise prefix words at the front
        while (true) {
            int sp = s.indexOf(' ');
            if (sp < 0) {
                break;
            }
            String w = s.substring(0, sp);
            if (NOISE.contains(w) || REX.matcher(w).matches()) {
                s = s.substring(sp + 1);
            } else if ((w.equals("repz") || w.equals("rep")) && s.substring(sp + 1).startsWith("ret")) {
                s = s.substring(sp + 1);
            } else {
                break;
            }
        }
        s = s.replace("%ds:(%rsi)", "(%rsi)").replace("%es:(%rdi)", "(%rdi)")
                .replace("%ds:(%esi)", "(%esi)").replace("%es:(%edi)", "(%edi)");
        s = ZERO_DISP.matcher(s).replaceAll("$1(");
        Matcher m = BRANCH.matcher(s);
        if (m.matches()) {
            s = m.group(1) + " 0x" + m.group(2);
        }
        return s;
    }
}
