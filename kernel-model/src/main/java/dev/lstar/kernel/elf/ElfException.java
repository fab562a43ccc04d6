package dev.lstar.kernel.elf;

/**
 * An executable lstar cannot load, with a one-line reason meant for the user
 * (for example "too many program headers: 80 (4480 bytes; Linux reads at most one 4 KiB page)"),
 * the errno Linux's execve fails with ({@link #errno}), or, for a failure Linux only meets
 * after exec's point of no return ({@link #fatal}), the process is killed with SIGSEGV instead.
 */
public final class ElfException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** errno values execve reports for executables (include/uapi/asm-generic/errno*.h). */
    public static final int ENOENT = 2, EIO = 5, ENOEXEC = 8, EACCES = 13, EINVAL = 22, ELIBBAD = 80;

    private final String interpreter;
    private final boolean interpreterMissing;
    private final int errno;
    private final boolean fatal;

    /** The file is refused at execve with ENOEXEC. */
    public ElfException(String message) {
        this(message, null, ENOEXEC, false);
    }

    /** The file is refused at execve with {@code errno}. */
    public ElfException(String message, int errno) {
        this(message, null, errno, false);
    }

    /** A dynamic executable whose interpreter (the path its PT_INTERP names) cannot be used (ENOEXEC). */
    public ElfException(String message, String interpreter) {
        this(message, interpreter, ENOEXEC, false);
    }

    /** ... with {@code missing}: the interpreter does not exist in the guest's file system (execve's ENOENT). */
    public ElfException(String message, String interpreter, boolean missing) {
        this(message, interpreter, missing ? ENOENT : ENOEXEC, false);
    }

    /** A refusal with {@code errno}, naming {@code interpreter} (may be null). */
    public ElfException(String message, String interpreter, int errno, boolean fatal) {
        super(message);
        this.interpreter = interpreter;
        this.interpreterMissing = errno == ENOENT && interpreter != null;
        this.errno = errno;
        this.fatal = fatal;
    }

    /**
     * A failure Linux's load_elf_binary meets after begin_new_exec (a segment it cannot map, an
     * entry point outside user space...): the old image is already gone, execve does not return
     * and the process is killed with SIGSEGV.
     */
    public static ElfException fatal(String message) {
        return new ElfException(message, null, EINVAL, true);
    }

    /** The interpreter does not exist (Linux's execve fails with ENOENT: the shell's 127). */
    public boolean interpreterMissing() {
        return interpreterMissing;
    }

    /** The errno execve fails with (ENOEXEC, EIO, EINVAL, ENOENT, EACCES, ELIBBAD...). */
    public int errno() {
        return errno;
    }

    /** Past exec's point of no return: the process dies with SIGSEGV rather than execve failing. */
    public boolean fatal() {
        return fatal;
    }

    /**
     * The interpreter a refused dynamic executable asks for (exactly as in its PT_INTERP, up to the
     * NUL), or null.
     */
    public String interpreter() {
        return interpreter;
    }
}
