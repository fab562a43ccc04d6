package dev.lstar.kernel;

/**
 * How a guest process ended: a normal exit with a code, or killed by a signal (from a fault, or
 * after a kernel oops, as Linux's make_task_dead does), with a one-line explanation.
 */
public record ExitStatus(int code, Signal signal, String message, boolean oops) {
    public static ExitStatus exited(int code) {
        return new ExitStatus(code & 0xFF, null, "exited with status " + (code & 0xFF), false);
    }

    public static ExitStatus killed(Signal s, String message) {
        return new ExitStatus(s.exitStatus(), s, message, false);
    }

    /** The guest did something lstar does not model; lstar stops it (status 70, EX_SOFTWARE) rather than guess. */
    public static ExitStatus unsupported(String message) {
        return new ExitStatus(70, null, "unsupported: " + message, false);
    }

    public static ExitStatus oops(String message, Signal s) {
        return new ExitStatus(s.exitStatus(), s, message, true);
    }

    /** The status a shell would report: the exit code, or 128 + signal number. */
    public int shellStatus() {
        return code;
    }
}
