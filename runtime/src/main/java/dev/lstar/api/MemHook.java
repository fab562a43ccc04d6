package dev.lstar.api;

/**
 * Called for guest data accesses (READ, WRITE) whose first byte lies in the hook's range, and for
 * instruction fetches (FETCH) of instructions starting in it (Unicorn {@code UC_HOOK_MEM_READ /
 * WRITE / FETCH}).
 *
 * <ul>
 *   <li>READ: before the instruction executes, with {@code value} = the bytes currently at the
 *       address (little-endian, at most 8 bytes).</li>
 *   <li>WRITE: after the instruction completed, with {@code value} = the bytes it stored. (Unicorn
 *       calls write hooks before the store; lstar reports the stored value afterwards, so a write
 *       that faults is not reported.)</li>
 *   <li>FETCH: before the instruction executes; {@code size} is its length, {@code value} 0.</li>
 * </ul>
 * Explicit memory operands, PUSH/POP/CALL/RET/PUSHF/POPF/LEAVE stack accesses and the string
 * instructions are reported; a REP string instruction is reported as one access covering the
 * whole range it will touch. Implicit system accesses (descriptor tables, page tables, exception
 * frames) are not reported.
 */
@FunctionalInterface
public interface MemHook {
    void onAccess(Emulator emu, MemAccess access, long address, int size, long value);
}
