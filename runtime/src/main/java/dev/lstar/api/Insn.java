package dev.lstar.api;

/** Instructions an {@link InsnHook} can intercept. */
public enum Insn {
    /** SYSCALL (0F 05). Without a hook it really enters ring 0 at IA32_LSTAR. */
    SYSCALL,
    /** SYSENTER (0F 34). lstar does not implement it (#UD without a hook); a hook may emulate it. */
    SYSENTER,
    /** INT 0x80 (CD 80). */
    INT80,
    CPUID, RDTSC, RDMSR, WRMSR
}
