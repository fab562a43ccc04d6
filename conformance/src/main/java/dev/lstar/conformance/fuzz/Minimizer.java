package dev.lstar.conformance.fuzz;

import dev.lstar.decoder.ByteSource;
import dev.lstar.decoder.Decoder;
import dev.lstar.decoder.Instruction;

import java.util.ArrayList;
import java.util.List;

/**
 * Shrinks a finding's stream while a finding with the same {@link Finding#signature()} persists
 * (each try runs every engine on fresh emulators): drops whole instructions (decoder boundaries),
 * then single bytes, then sets registers to 0 (or 1), RFLAGS to 0x202 (0x2 in kernel mode) and
 * the data pages to zero; finally tries without hooks (a repro without hooks is simpler; the
 * signature then changes only in its "hooks" part). Bounded by a number of tries.
 */
public final class Minimizer {
    private final Fuzzer fuzzer;
    private final int maxTries;
    private int tries;

    public Minimizer(Fuzzer fresh, int maxTries) {
        this.fuzzer = fresh;
        this.maxTries = maxTries;
    }

    private Finding holds(Stream s, Finding f, boolean hooks) {
        if (tries >= maxTries) return null;
        tries++;
        String want = f.signature();
        Fuzzer.Config cfg = new Fuzzer.Config(f.kernel(), hooks);
        for (Finding g : fuzzer.check(s, cfg)) {
            String sig = hooks == f.hooks() ? g.signature() : g.signature().replace(" hooks", "");
            String w = hooks == f.hooks() ? want : want.replace(" hooks", "");
            if (sig.equals(w)) return g;
        }
        return null;
    }

    /** The minimized finding (the original if nothing could be removed or it does not reproduce on fresh emulators). */
    public Finding minimize(Finding f) {
        tries = 0;
        Finding best = holds(f.stream(), f, f.hooks());
        if (best == null) return f; // does not reproduce on fresh emulators: keep as found
        if (f.stream().kind() == Stream.Kind.HOST) return best; // one conformance instruction: already minimal
        boolean progress = true;
        while (progress && tries < maxTries) {
            progress = false;
            List<int[]> spans = spans(best.stream().code());
            for (int i = spans.size() - 1; i >= 0 && tries < maxTries; i--) {
                Stream t = best.stream().withCode(cut(best.stream().code(), spans.get(i)[0], spans.get(i)[1]));
                if (t.code().length == 0) continue;
                Finding g = holds(t, best, best.hooks());
                if (g != null) { best = g; progress = true; spans = spans(t.code()); i = Math.min(i, spans.size()); }
            }
        }
        byte[] code = best.stream().code();
        for (int i = code.length - 1; i >= 0 && code.length > 1 && tries < maxTries; i--) {
            Stream t = best.stream().withCode(cut(code, i, 1));
            Finding g = holds(t, best, best.hooks());
            if (g != null) { best = g; code = t.code(); i = Math.min(i, code.length); }
        }
        for (int r = 0; r < 16 && tries < maxTries; r++) {
            for (long v : new long[] {0, 1}) {
                if (best.stream().gpr()[r] == v) break;
                Finding g = holds(best.stream().withGpr(r, v), best, best.hooks());
                if (g != null) { best = g; break; }
            }
        }
        long plain = best.kernel() ? 0x2 : 0x202;
        if (best.stream().rflags() != plain) {
            Finding g = holds(best.stream().withRflags(plain), best, best.hooks());
            if (g != null) best = g;
        }
        if (best.stream().dataSeed() != 0) {
            Finding g = holds(best.stream().withDataSeed(0), best, best.hooks());
            if (g != null) best = g;
        }
        if (best.hooks()) {
            Finding g = holds(best.stream(), best, false);
            if (g != null) best = g;
        }
        return best;
    }

    /** Instruction boundaries by a linear decode: {offset, length} each. */
    static List<int[]> spans(byte[] code) {
        List<int[]> out = new ArrayList<>();
        Instruction insn = new Instruction();
        int off = 0;
        while (off < code.length) {
            int len = 1;
            try {
                byte[] rest = java.util.Arrays.copyOfRange(code, off, code.length);
                Decoder.decode(ByteSource.of(0, rest), 0, insn);
                len = Math.max(1, Math.min(insn.length, code.length - off));
            } catch (RuntimeException e) {
                len = code.length - off; // runs off the end: the tail is one piece
            }
            out.add(new int[] {off, len});
            off += len;
        }
        return out;
    }

    static byte[] cut(byte[] b, int off, int len) {
        byte[] out = new byte[b.length - len];
        System.arraycopy(b, 0, out, 0, off);
        System.arraycopy(b, off + len, out, off, b.length - off - len);
        return out;
    }

    public int tries() {
        return tries;
    }
}
