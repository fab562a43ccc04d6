package dev.lstar.runtime.mem;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.SwitchPoint;
import java.lang.invoke.VarHandle;

/**
 * The load-load order of x86-TSO for the guest loads that runtime code makes (the interpreter's
 * {@code Exec}/{@code Operands} through the {@link Mmu} data reads, and what translated code calls
 * into: the interpreter fallback, SSE and x87 helpers). Translated code orders its own loads itself
 * ({@code OperandEmitter.ordered}).
 *
 * <p>{@link #fence} is {@link VarHandle#loadLoadFence()} — no host instruction on x86, but the
 * JVM's compiler may then not move a later load before an earlier one — once any
 * {@link PhysicalMemory} of this JVM is shared by several CPUs ({@link PhysicalMemory#shareBetweenCpus}),
 * and nothing before: the choice is a {@link SwitchPoint}, which compiled code folds to a constant
 * (a JVM with no SMP machine pays nothing; once one exists the code that used it is recompiled with
 * the fences, for every machine of the JVM — a compiler-only barrier, correct for one CPU too).
 */
public final class LoadOrder {
    private LoadOrder() {}

    private static final SwitchPoint ONE_CPU = new SwitchPoint();
    private static final MethodHandle FENCE;

    static {
        try {
            MethodHandle fence = MethodHandles.lookup().findStatic(VarHandle.class, "loadLoadFence", MethodType.methodType(void.class));
            FENCE = ONE_CPU.guardWithTest(MethodHandles.empty(MethodType.methodType(void.class)), fence);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** After a guest load: keeps it before every later load once several CPUs share some memory. */
    public static void fence() {
        try {
            FENCE.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Whether the fences are on (some memory of this JVM was shared by several CPUs). */
    public static boolean enabled() {
        return ONE_CPU.hasBeenInvalidated();
    }

    /** Turns the fences on for good (the first SMP machine of the JVM). */
    static synchronized void enable() {
        if (!ONE_CPU.hasBeenInvalidated()) SwitchPoint.invalidateAll(new SwitchPoint[] {ONE_CPU});
    }
}
