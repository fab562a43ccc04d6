package dev.lstar.conformance.lstar;

import dev.lstar.conformance.objdump.DecoderUnderTest;
import dev.lstar.decoder.ByteSource;
import dev.lstar.decoder.Decoder;
import dev.lstar.decoder.Disassembler;
import dev.lstar.decoder.Instruction;

/** lstar's decoder and AT&T disassembler behind the conformance seam. */
public final class LstarDecoder implements DecoderUnderTest {
    private final Instruction insn = new Instruction();

    @Override
    public Decoded decode(byte[] code, int offset, long address) {
        ByteSource src = a -> {
            long i = a - address + offset;
            return i >= 0 && i < code.length ? code[(int) i] & 0xFF : 0x90;
        };
        Decoder.decode(src, address, insn);
        return new Decoded(insn.length, insn.isValid() ? Disassembler.format(insn) : "(bad)");
    }

    /** Whether the last decoded instruction was one lstar does not implement (INVALID, #UD). */
    public boolean lastInvalid() {
        return !insn.isValid();
    }
}
