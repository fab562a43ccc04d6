package dev.lstar.kernel.elf;

/**
 * An executable lstar cannot load, with a one-line reason meant for the user
 * (for example "truncated ELF file: program header 3 runs past the end of the 812-byte file").
 */
public final class ElfException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ElfException(String message) {
        super(message);
    }
}
