package dev.lstar.kernel.elf;

/**
 * An executable lstar cannot load, with a one-line reason meant for the user
 * (for example "truncated ELF file: program header 3 runs past the end of the 812-byte file").
 */
public final class ElfException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String interpreter;

    public ElfException(String message) {
        this(message, null);
    }

    /** A dynamically linked executable, refused, with the interpreter path its PT_INTERP names. */
    public ElfException(String message, String interpreter) {
        super(message);
        this.interpreter = interpreter;
    }

    /**
     * The interpreter a refused dynamic executable asks for (exactly as in its PT_INTERP, up to the
     * NUL), or null: a caller that can see the host's files may report a missing one as Linux
     * does (ENOENT).
     */
    public String interpreter() {
        return interpreter;
    }
}
