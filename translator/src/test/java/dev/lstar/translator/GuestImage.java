package dev.lstar.translator;

import dev.lstar.runtime.setup.BareMachine;
import dev.lstar.runtime.setup.PageTables;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** A flat guest image assembled from translator/src/test/asm (copied from runtime/src/test/asm)/NAME.S (see build.sh there), linked at 0x400000. */
record GuestImage(byte[] code, Map<String, Long> symbols) {
    static final long BASE = 0x400000;

    static GuestImage load(String name) {
        try (InputStream bin = GuestImage.class.getResourceAsStream("/asm/" + name + ".bin");
             InputStream sym = GuestImage.class.getResourceAsStream("/asm/" + name + ".sym")) {
            if (bin == null || sym == null) throw new IllegalArgumentException("no guest image " + name);
            Map<String, Long> syms = new HashMap<>();
            for (String line : new String(sym.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
                String[] f = line.trim().split("\\s+");
                if (f.length == 2) syms.put(f[0], Long.parseUnsignedLong(f[1], 16));
            }
            return new GuestImage(bin.readAllBytes(), syms);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    long sym(String name) {
        Long v = symbols.get(name);
        if (v == null) throw new IllegalArgumentException("no symbol " + name);
        return v;
    }

    /** Maps the image at BASE (user-accessible, executable) and sets RIP to its start. */
    void install(BareMachine bm) {
        bm.map(BASE, code.length, PageTables.US);
        bm.poke(BASE, code);
        bm.machine.cpu.rip = BASE;
    }
}
