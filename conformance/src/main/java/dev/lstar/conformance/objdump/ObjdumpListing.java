package dev.lstar.conformance.objdump;

import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;

/**
 * The instructions GNU objdump printed for one file, in output order.
 *
 * @param file         the disassembled file (null for a byte-array disassembly)
 * @param instructions every instruction line
 */
public record ObjdumpListing(Path file, List<Insn> instructions) {

    /**
     * One disassembled instruction.
     *
     * @param section section name (".text")
     * @param symbol  the enclosing symbol as objdump labelled it ("foo" from {@code <foo>:}), or ""
     * @param address address (section offset in a relocatable object)
     * @param bytes   the instruction's bytes
     * @param text    objdump's AT&amp;T text as printed (may be ".byte 0x.." or "(bad)")
     */
    public record Insn(String section, String symbol, long address, byte[] bytes, String text) {
        public int length() {
            return bytes.length;
        }

        /** True if objdump could not decode these bytes. */
        public boolean bad() {
            return text.startsWith("(bad)") || text.startsWith(".byte");
        }

        @Override
        public String toString() {
            return String.format("%s:%x [%s] %s", section, address, HexFormat.ofDelimiter(" ").formatHex(bytes), text);
        }
    }

    /** Convenience: just the texts. */
    public List<String> texts() {
        return instructions.stream().map(Insn::text).toList();
    }
}
