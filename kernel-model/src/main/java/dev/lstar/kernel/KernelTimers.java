package dev.lstar.kernel;

import java.util.concurrent.ScheduledThreadPoolExecutor;

/**
 * The one host thread on which the kernel model's timers run, for every {@link LinuxKernel} in
 * the JVM: interval timers and alarm ({@link SignalSyscalls}), the RLIMIT_CPU check
 * ({@link LinuxKernel}) and the vvar page's refresh ({@link Vdso}). Each task is a few
 * microseconds of work that posts a signal, asks an engine to stop or rewrites the vvar page; a
 * daemon thread, so it never keeps the JVM alive, and cancelled tasks leave its queue at once.
 */
final class KernelTimers {
    private KernelTimers() {}

    static final ScheduledThreadPoolExecutor EXECUTOR = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "lstar-kernel-timers");
        t.setDaemon(true);
        return t;
    });

    static {
        EXECUTOR.setRemoveOnCancelPolicy(true);
    }
}
