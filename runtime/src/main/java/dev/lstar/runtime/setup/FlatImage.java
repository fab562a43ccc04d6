package dev.lstar.runtime.setup;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * A flat guest code image on the classpath: {@code DIR/NAME.bin} (raw bytes linked at
 * {@link #BASE}) and {@code DIR/NAME.sym} ("name hexaddress" per line), as tools/asm-flat.sh
 * writes them. Used by tests, benchmarks and examples to run small hand-written guests.
 */
public record FlatImage(byte[] code, Map<String, Long> symbols) {
    /** Where tools/asm-flat.sh links the images. */
    public static final long BASE = 0x400000;

    /** Loads {@code /asm/NAME} (the runtime's test images and their copies). */
    public static FlatImage load(String name) {
        return load("/asm/", name);
    }

    public static FlatImage load(String dir, String name) {
        try (InputStream bin = FlatImage.class.getResourceAsStream(dir + name + ".bin");
             InputStream sym = FlatImage.class.getResourceAsStream(dir + name + ".sym")) {
            if (bin == null || sym == null) throw new IllegalArgumentException("no guest image " + dir + name + " on the classpath");
            Map<String, Long> syms = new HashMap<>();
            for (String line : new String(sym.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
                String[] f = line.trim().split("\\s+");
                if (f.length == 2) syms.put(f[0], Long.parseUnsignedLong(f[1], 16));
            }
            return new FlatImage(bin.readAllBytes(), syms);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The address of symbol {@code name}; a clear error if the image has none. */
    public long sym(String name) {
        Long v = symbols.get(name);
        if (v == null) throw new IllegalArgumentException("no symbol " + name);
        return v;
    }

    /** Maps the image at BASE (user-accessible, executable) and sets RIP to its start. */
    public void install(BareMachine bm) {
        bm.map(BASE, code.length, PageTables.US);
        bm.poke(BASE, code);
        bm.machine.cpu.rip = BASE;
    }
}
