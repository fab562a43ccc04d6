package dev.lstar.runtime;

/** Placeholder: lazy arithmetic flags land with the instruction-semantics work. */
public final class LazyFlags {
    private LazyFlags() {}

    public static long materialize(Cpu cpu) {
        throw new UnsupportedOperationException("lazy flags not written yet");
    }

    public static boolean cond(Cpu cpu, int cc) {
        return Flags.test(cpu.getRflags(), cc);
    }
}
