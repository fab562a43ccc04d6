package dev.lstar.kernel.elf;

/**
 * An executable lstar cannot load, with a one-line reason meant for the user
 * (for example "truncated ELF file: program header 3 runs past the end of the 812-byte file").
 */
public final class ElfException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String interpreter;
    private final boolean interpreterMissing;

    public ElfException(String message) {
        this(message, null);
    }

    /** A dynamic executable whose interpreter (the path its PT_INTERP names) cannot be used. */
    public ElfException(String message, String interpreter) {
        this(message, interpreter, false);
    }

    /** ... with {@code missing}: the interpreter does not exist in the guest's file system (execve's ENOENT). */
    public ElfException(String message, String interpreter, boolean missing) {
        super(message);
        this.interpreter = interpreter;
        this.interpreterMissing = missing;
    }

    /** The interpreter does not exist (Linux's execve fails with ENOENT: the shell's 127). */
    public boolean interpreterMissing() {
        return interpreterMissing;
    }

    /**
     * The interpreter a refused dynamic executable asks for (exactly as in its PT_INTERP, up to the
     * NUL), or null.
     */
    public String interpreter() {
        return interpreter;
    }
}
