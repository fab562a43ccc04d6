package dev.lstar.kernel;

/** The Linux x86-64 signals lstar delivers (arch/x86/include/uapi/asm/signal.h). */
public enum Signal {
    SIGILL(4), SIGTRAP(5), SIGABRT(6), SIGBUS(7), SIGFPE(8), SIGKILL(9), SIGSEGV(11), SIGPIPE(13), SIGXCPU(24), SIGSYS(31);

    public final int number;

    Signal(int number) {
        this.number = number;
    }

    /** Exit status of a process killed by this signal, as a shell reports it. */
    public int exitStatus() {
        return 128 + number;
    }

    /**
     * The signal Linux sends for an unhandled user-mode exception (arch/x86/kernel/traps.c):
     * #DE → SIGFPE, #DB/#BP → SIGTRAP, #UD → SIGILL, #GP/#SS/#NP/#TS/#PF → SIGSEGV,
     * #AC → SIGBUS, #MF/#XM → SIGFPE.
     */
    public static Signal forVector(int vector) {
        return switch (vector) {
            case 0, 16, 19 -> SIGFPE;
            case 1, 3 -> SIGTRAP;
            case 6 -> SIGILL;
            case 17 -> SIGBUS;
            default -> SIGSEGV;
        };
    }
}
