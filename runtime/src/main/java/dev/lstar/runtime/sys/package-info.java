/**
 * The system side of the lstar CPU: static helpers, called by the interpreter and by translated
 * code alike, for MSRs ({@link dev.lstar.runtime.sys.Msrs}), control registers
 * ({@link dev.lstar.runtime.sys.ControlRegs}), segment and descriptor-table instructions
 * ({@link dev.lstar.runtime.sys.Segments}), SYSCALL/SYSRET/SWAPGS
 * ({@link dev.lstar.runtime.sys.FastSyscall}), IDT event delivery
 * ({@link dev.lstar.runtime.sys.Interrupts}), IRET ({@link dev.lstar.runtime.sys.Iret}), CPUID
 * ({@link dev.lstar.runtime.sys.Cpuid}) and small privileged instructions
 * ({@link dev.lstar.runtime.sys.SystemInsns}).
 *
 * <p>Common contract: a helper that throws {@link dev.lstar.runtime.CpuException} has changed no
 * register state (memory writes already done by a partially pushed interrupt frame excepted, as on
 * hardware); the engine then delivers the exception with
 * {@link dev.lstar.runtime.sys.Interrupts#deliver}. Helpers that transfer control (SYSCALL,
 * SYSRET, IRET, INT n, event delivery) set {@code cpu.rip} themselves; all others leave RIP to the
 * engine. Anything that changes CPL, paging, CR0/CR4/EFER or the TLB should end a translated block.
 * {@link dev.lstar.runtime.sys.TripleFault} means machine shutdown.
 */
package dev.lstar.runtime.sys;
