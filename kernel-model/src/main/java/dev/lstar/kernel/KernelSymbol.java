package dev.lstar.kernel;

/**
 * One global symbol of the guest kernel image, as listed in {@code entry.sym}.
 *
 * @param name    the symbol name, e.g. {@code entry_SYSCALL_64}
 * @param value   for {@link Kind#TEXT} and {@link Kind#NATIVE}: the guest virtual address; for
 *                {@link Kind#PERCPU}: the offset from the per-CPU base (GS.base); for
 *                {@link Kind#ABS}: the constant itself (a structure offset or size)
 * @param size    the size in bytes recorded by the assembler's {@code .size}, or 0 for labels
 * @param kind    what {@code value} means
 */
public record KernelSymbol(String name, long value, long size, Kind kind) {

    /** The meaning of a symbol's value. */
    public enum Kind {
        /** Guest code or a label inside {@code entry.bin}. */
        TEXT,
        /** A native stub: guest address whose call the runtime replaces by a Java function. */
        NATIVE,
        /** A per-CPU variable: offset from the per-CPU area's base (GS.base in the kernel). */
        PERCPU,
        /** An absolute constant such as {@code TSS_sp0}. */
        ABS;

        static Kind parse(String s) {
            return switch (s) {
                case "text" -> TEXT;
                case "native" -> NATIVE;
                case "percpu" -> PERCPU;
                case "abs" -> ABS;
                default -> throw new IllegalArgumentException("unknown symbol kind '" + s + "'");
            };
        }
    }
}
