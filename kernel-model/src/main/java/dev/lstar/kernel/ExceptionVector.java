package dev.lstar.kernel;

/**
 * The exception vectors for which the guest kernel has an entry stub, with the facts the boot
 * code needs to build the IDT (Intel SDM Vol. 3A §6.15, Table 6-1 "Protected-Mode Exceptions and
 * Interrupts"; gate privilege as Linux's {@code def_idts[]} in arch/x86/kernel/idt.c: #BP and #OF
 * are system gates callable from ring 3, everything else DPL 0). Use interrupt gates (IF cleared)
 * and IST 0: the stubs handle whatever stack the CPU gives them.
 */
public enum ExceptionVector {
    DE(0, "asm_exc_divide_error", false, 0),
    DB(1, "asm_exc_debug", false, 0),
    NMI(2, "asm_exc_nmi", false, 0),
    BP(3, "asm_exc_int3", false, 3),
    OF(4, "asm_exc_overflow", false, 3),
    BR(5, "asm_exc_bounds", false, 0),
    UD(6, "asm_exc_invalid_op", false, 0),
    NM(7, "asm_exc_device_not_available", false, 0),
    DF(8, "asm_exc_double_fault", true, 0),
    CSO(9, "asm_exc_coproc_segment_overrun", false, 0),
    TS(10, "asm_exc_invalid_tss", true, 0),
    NP(11, "asm_exc_segment_not_present", true, 0),
    SS(12, "asm_exc_stack_segment", true, 0),
    GP(13, "asm_exc_general_protection", true, 0),
    PF(14, "asm_exc_page_fault", true, 0),
    SPURIOUS(15, "asm_exc_spurious_interrupt_bug", false, 0),
    MF(16, "asm_exc_coprocessor_error", false, 0),
    AC(17, "asm_exc_alignment_check", true, 0),
    MC(18, "asm_exc_machine_check", false, 0),
    XM(19, "asm_exc_simd_coprocessor_error", false, 0),
    VE(20, "asm_exc_virtualization_exception", false, 0),
    CP(21, "asm_exc_control_protection", true, 0);

    /**
     * The reschedule IPI (Linux's RESCHEDULE_VECTOR, DPL 0): how the run loop interrupts running
     * guest code for a signal posted from outside, as another CPU's signal_wake_up would.
     */
    public static final int RESCHED_VECTOR = 0xFD;
    public static final String RESCHED_SYMBOL = "asm_sysvec_reschedule_ipi";

    /** The int $0x80 gate: vector, stub and DPL (3, callable from user mode). */
    public static final int INT80_VECTOR = 0x80;
    public static final String INT80_SYMBOL = "entry_INT80_compat";
    public static final int INT80_DPL = 3;

    /** The IDT vector. */
    public final int vector;
    /** The stub's symbol in {@code entry.sym}. */
    public final String symbol;
    /** Whether the CPU pushes an error code (the stub then pushes no dummy). */
    public final boolean hasErrorCode;
    /** The gate's DPL. */
    public final int dpl;

    ExceptionVector(int vector, String symbol, boolean hasErrorCode, int dpl) {
        this.vector = vector;
        this.symbol = symbol;
        this.hasErrorCode = hasErrorCode;
        this.dpl = dpl;
    }
}
