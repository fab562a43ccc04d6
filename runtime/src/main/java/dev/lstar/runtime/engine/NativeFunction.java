package dev.lstar.runtime.engine;

import dev.lstar.runtime.Machine;

/**
 * Java code standing at a guest address. When guest control reaches the address (normally through
 * a {@code call}), the engine runs {@link #invoke} instead of guest instructions and then returns as
 * {@code ret} would (pops the return address into RIP). Arguments are in the System V registers
 * (RDI, RSI, RDX, RCX, R8, R9); the function writes its result to RAX itself if it has one.
 *
 * <p>A native function may change any guest state, raise a {@link dev.lstar.runtime.CpuException}
 * (delivered as if raised by the {@code ret}), or call {@link Machine#requestStop}.
 */
@FunctionalInterface
public interface NativeFunction {
    void invoke(Machine machine);
}
