package dev.lstar.api;

/**
 * Called for every guest exception and software interrupt (INT n, INT3) before it is delivered
 * through the guest IDT (Unicorn {@code UC_HOOK_INTR}). {@code errorCode} is the exception's
 * error code, or -1 when it has none. Registers are precise: RIP is the faulting (or INT)
 * instruction; for a #PF, CR2 already holds the faulting address (as delivery would set it).
 *
 * <p>Return true when handled: a software interrupt then continues after the INT instruction,
 * a fault at RIP as the hook left it (so the hook must have fixed the cause or moved RIP).
 * Return false to continue as without the hook: delivery through the guest IDT, or, with no IDT,
 * a stop with {@link StopInfo.Reason#FAULT}.
 */
@FunctionalInterface
public interface InterruptHook {
    boolean onInterrupt(Emulator emu, int vector, int errorCode);
}
