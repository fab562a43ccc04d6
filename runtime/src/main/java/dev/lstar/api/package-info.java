/**
 * The embedding API: {@link dev.lstar.api.Emulator} runs guest x86-64 code on a bare long-mode
 * machine with Unicorn-style memory, register, hook, run-control, context and snapshot calls.
 * {@link dev.lstar.api.EngineProvider} lets other modules offer engines by name;
 * {@link dev.lstar.api.HookSet} is the hook registry engines read (contract in
 * {@link dev.lstar.runtime.Machine.Hooks}).
 */
package dev.lstar.api;
