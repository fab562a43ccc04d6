package dev.lstar.api;

/**
 * Called when a guest access faults on an address in the hook's range (Unicorn
 * {@code UC_HOOK_MEM_UNMAPPED} / {@code UC_HOOK_MEM_PROT}): the page is not mapped
 * (*_UNMAPPED) or the access is not allowed (*_PROT). Registers are as before the faulting
 * instruction. {@code size} is the operand size (the instruction length for fetches) and
 * {@code value} 0.
 *
 * <p>Return true after fixing the cause (e.g. {@link Emulator#map} the page): the instruction is
 * re-executed. Return false to let the fault go on: to the interrupt hooks, then to the guest
 * IDT if there is one, else the run stops with {@link StopInfo.Reason#FAULT}. If the retried
 * instruction faults again in the same way, the hook is not asked a second time.
 */
@FunctionalInterface
public interface MemFaultHook {
    boolean onFault(Emulator emu, MemAccess access, long address, int size, long value);
}
