package dev.lstar.cli;

import dev.lstar.kernel.LinuxKernel;

import java.util.ArrayList;
import java.util.List;

/**
 * Forwards the host's SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 to the guest while
 * {@code lstar run} runs it, as the guest would receive them running natively (Ctrl-C, a
 * {@code kill}, a closed terminal): the guest's handler runs, or its default action ends it with
 * 128 + N. Only the launcher's own process does this (an in-process caller keeps its JVM's
 * handlers); a signal the JVM itself reserves is left alone.
 */
final class HostSignals implements AutoCloseable {
    private static final String[] FORWARDED = {"INT", "TERM", "HUP", "QUIT", "USR1", "USR2"};
    private static volatile boolean enabled;

    private final List<sun.misc.Signal> signals = new ArrayList<>();
    private final List<sun.misc.SignalHandler> previous = new ArrayList<>();

    /** Called by {@code main}: this JVM is lstar's own, its signals are the guest's. */
    static void enable() {
        enabled = true;
    }

    private HostSignals(LinuxKernel kernel) {
        for (String name : FORWARDED) {
            try {
                sun.misc.Signal s = new sun.misc.Signal(name);
                previous.add(sun.misc.Signal.handle(s, sig -> kernel.postSignal(sig.getNumber())));
                signals.add(s);
            } catch (IllegalArgumentException reservedByTheJvm) {
                // e.g. SIGQUIT (thread dumps) or SIGUSR2 on some JVMs: not forwarded
            }
        }
    }

    /** Starts forwarding to {@code kernel} if this is the launcher's JVM; close() restores the JVM's handlers. */
    static HostSignals forward(LinuxKernel kernel) {
        return enabled ? new HostSignals(kernel) : null;
    }

    @Override
    public void close() {
        for (int i = 0; i < signals.size(); i++) sun.misc.Signal.handle(signals.get(i), previous.get(i));
    }
}
