package dev.lstar.kernel;

/**
 * A Linux x86-64 signal number, 1..64 (arch/x86/include/uapi/asm/signal.h; 32 and 33 are glibc's
 * internal real-time signals, SIGRTMIN..SIGRTMAX 34..64 as libc numbers them), with its default
 * action (kernel/signal.c: SIG_KERNEL_*_MASK). Instances are unique per number, so {@code ==}
 * compares them.
 */
public final class Signal {
    public static final int NSIG = 64;

    private static final String[] NAMES = {null, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS",
            "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD",
            "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF",
            "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS"};
    private static final Signal[] ALL = new Signal[NSIG + 1];

    static {
        for (int i = 1; i <= NSIG; i++) ALL[i] = new Signal(i);
    }

    public static final Signal SIGHUP = of(1), SIGINT = of(2), SIGQUIT = of(3), SIGILL = of(4), SIGTRAP = of(5),
            SIGABRT = of(6), SIGBUS = of(7), SIGFPE = of(8), SIGKILL = of(9), SIGUSR1 = of(10), SIGSEGV = of(11),
            SIGUSR2 = of(12), SIGPIPE = of(13), SIGALRM = of(14), SIGTERM = of(15), SIGCHLD = of(17), SIGCONT = of(18),
            SIGSTOP = of(19), SIGTSTP = of(20), SIGTTIN = of(21), SIGTTOU = of(22), SIGURG = of(23), SIGXCPU = of(24),
            SIGXFSZ = of(25), SIGVTALRM = of(26), SIGPROF = of(27), SIGWINCH = of(28), SIGSYS = of(31);

    /** SIG_KERNEL_COREDUMP_MASK: the default action dumps core. */
    private static final long COREDUMP = bits(3, 4, 5, 6, 7, 8, 11, 24, 25, 31);
    /** SIG_KERNEL_IGNORE_MASK: the default action is to ignore. */
    private static final long IGNORED = bits(17, 18, 23, 28);
    /** SIG_KERNEL_STOP_MASK: the default action stops the process. */
    private static final long STOP = bits(19, 20, 21, 22);
    /** SYNCHRONOUS_MASK: fault signals, dequeued before the others. */
    static final long SYNCHRONOUS = bits(4, 5, 7, 8, 11, 31);

    public final int number;

    private Signal(int number) {
        this.number = number;
    }

    /** The signal with this number (1..64). */
    public static Signal of(int number) {
        if (number < 1 || number > NSIG) throw new IllegalArgumentException("no signal " + number);
        return ALL[number];
    }

    /** The bit of signal {@code n} in a kernel sigset_t. */
    static long bit(int n) {
        return 1L << (n - 1);
    }

    private static long bits(int... ns) {
        long m = 0;
        for (int n : ns) m |= bit(n);
        return m;
    }

    /** Exit status of a process killed by this signal, as a shell reports it. */
    public int exitStatus() {
        return 128 + number;
    }

    public boolean dumpsCore() {
        return (COREDUMP & bit(number)) != 0;
    }

    public boolean ignoredByDefault() {
        return (IGNORED & bit(number)) != 0;
    }

    public boolean stopsByDefault() {
        return (STOP & bit(number)) != 0;
    }

    /** SIGKILL and SIGSTOP: cannot be caught, blocked or ignored. */
    public boolean unblockable() {
        return number == 9 || number == 19;
    }

    public String name() {
        if (number < NAMES.length) return NAMES[number];
        return number < 34 ? "SIG" + number : number == 34 ? "SIGRTMIN" : number == NSIG ? "SIGRTMAX" : "SIGRTMIN+" + (number - 34);
    }

    @Override
    public String toString() {
        return name();
    }

    /**
     * The signal Linux sends for an unhandled user-mode exception (arch/x86/kernel/traps.c, checked
     * against the host): #DE, #MF, #XM → SIGFPE; #DB, #BP → SIGTRAP; #UD → SIGILL; #NP, #SS,
     * #AC → SIGBUS; #GP, #TS, #PF and the rest → SIGSEGV.
     */
    public static Signal forVector(int vector) {
        return switch (vector) {
            case 0, 16, 19 -> SIGFPE;
            case 1, 3 -> SIGTRAP;
            case 6 -> SIGILL;
            case 11, 12, 17 -> SIGBUS;
            default -> SIGSEGV;
        };
    }
}
