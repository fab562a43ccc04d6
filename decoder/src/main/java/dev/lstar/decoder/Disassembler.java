package dev.lstar.decoder;

/** Placeholder: AT&T-syntax disassembly like objdump -d lands with the decoder work. */
public final class Disassembler {
    private Disassembler() {}

    public static String format(Instruction insn) {
        return insn.mnemonic.name().toLowerCase();
    }
}
