/*
 * lstar guest kernel text: the x86-64 system-call, exception and int $0x80 entry paths.
 *
 * This file is lstar's own GNU as (AT&T) source.  It follows, instruction by instruction where
 * it matters, the behaviour of Linux 6.6's arch/x86/entry/entry_64.S, entry_64_compat.S and the
 * macros of arch/x86/entry/calling.h, so that a guest SYSCALL runs the same machine code path a
 * real 6.6 kernel would run: the same pushes in the same order, the same register clearing, the
 * same six SYSRET eligibility checks, the same CR3 arithmetic for page-table isolation.  The C
 * parts of the kernel (do_syscall_64 and friends) are not guest code: they are "native stubs"
 * whose bodies are `ud2`; the lstar runtime intercepts a call to their address and runs Java.
 *
 * It is assembled and linked by kernel-model/tools/build-entry.sh with tools/entry.lds; the output
 * (entry.bin, entry.sym, entry.alt) is committed under src/main/resources/dev/lstar/kernel/ so
 * that the Maven build never needs an assembler.  Nothing here is copied from Linux: the
 * instruction sequences are the documented behaviour; the prose is ours.
 *
 * ------------------------------------------------------------------------------------------
 * Address map (see tools/entry.lds)
 *
 *   0xffffffff81000000  .text: all guest kernel code (entry.bin starts here).  Within it,
 *                       [__native_stubs_start, __native_stubs_end) holds the native stubs.
 *   0xffffffff81e00000  .altinstr_replacement: replacement bytes of the alternatives.  Never
 *                       mapped in the guest; only read by the build script (-> entry.alt).
 *   0xffffffff81f00000  .altinstructions: the alternatives table (-> entry.alt).  Not mapped.
 *   0x0000000000000000  .bss..percpu: zero-based per-CPU template (NOBITS, all zero).  Like
 *                       Linux on x86-64, per-CPU symbols are offsets and are addressed as
 *                       %gs:sym; the boot code allocates one copy per CPU anywhere it likes and
 *                       puts that copy's address in GS.base (IA32_GS_BASE while in the kernel,
 *                       IA32_KERNEL_GS_BASE while in user mode).
 *
 * ------------------------------------------------------------------------------------------
 * Alternatives (boot-time patching, the analogue of Linux's ALTERNATIVE() / apply_alternatives)
 *
 *   ALTERNATIVE feature, "original", "replacement"
 *
 * emits "original" inline, padded with long NOPs (SDM Vol. 2B, NOP: recommended multi-byte
 * sequences) to the length of "replacement" if that is longer, and records one entry in
 * .altinstructions:
 *
 *   u32 site offset from _stext | u32 replacement offset from __altinstr_replacement_start |
 *   u16 feature id | u8 site length | u8 replacement length
 *
 * The image ships with every ORIGINAL in place, i.e. the state of a CPU that has none of the
 * features.  At boot the Java KernelImage.patchAlternatives() does, for every entry whose
 * feature is enabled: copy the replacement bytes over the site and fill the rest of the site
 * with long NOPs.  Replacements must not contain relative branches (they are not relocated);
 * the build script checks the two lengths.  Feature ids (entry.alt spells them by name):
 *
 *   1 PTI        X86_FEATURE_PTI: page-table isolation.  The CR3 switch blocks begin with a
 *                `jmp` over themselves; PTI replaces that jump with NOPs.
 *   2 PCID       X86_FEATURE_PCID: the NOFLUSH bit (`bts $63`) on kernel entry, and the user
 *                PCID / flush-mask logic on exit (which is otherwise jumped over).
 *   3 LA57       X86_FEATURE_LA57: 5-level paging; the SYSRET canonical check shifts by 7
 *                (64-57) instead of 16 (64-48).
 *   4 NOCANON    lstar only (`--no-canonical-check`, a debugging aid): the `jne` taken when
 *                the SYSRET canonical check fails becomes NOPs, so a non-canonical RCX reaches
 *                SYSRET (on Intel semantics: #GP at CPL0 on the user stack, CVE-2012-0217).
 *
 * ------------------------------------------------------------------------------------------
 * Native stubs
 *
 * do_syscall_64, do_exception, do_int80_syscall_32 are entered only by `call`.  The runtime
 * recognises RIP == stub address, runs the Java function with System V arguments (RDI, RSI,
 * RDX, ...), puts the result (if any) in RAX and then behaves exactly like `ret` (pops the
 * return address into RIP).  Java must preserve RBX, RBP, RSP (apart from the ret), R12-R15;
 * the asm below assumes every other GPR is clobbered.  If no Java hook is installed the body,
 * `ud2`, raises #UD in kernel mode, which must fail loudly.
 */

/* ---------------------------------------------------------------------------------------- */
/* Constants                                                                                 */

/* Segment selectors (Linux asm/segment.h, 64-bit GDT layout). */
	.equ __KERNEL_CS, 0x10
	.equ __KERNEL_DS, 0x18
	.equ __USER32_CS, 0x23
	.equ __USER_DS, 0x2b
	.equ __USER_CS, 0x33
	.equ ENOSYS, 38
/* RFLAGS bits (SDM Vol. 1 §3.4.3). */
	.equ X86_EFLAGS_TF, 0x00000100
	.equ X86_EFLAGS_RF, 0x00010000
/* CR3 bits used by page-table isolation (Linux asm/processor-flags.h, calling.h). */
	.equ X86_CR3_PCID_NOFLUSH_BIT, 63
	.equ PTI_USER_PCID_BIT, 11		/* user PCID = kernel PCID | 0x800 */
	.equ PTI_USER_PGTABLE_BIT, 12		/* user PGD = kernel PGD + 4 KiB */
	.equ PTI_USER_PCID_MASK, (1 << PTI_USER_PCID_BIT)
	.equ PTI_USER_PGTABLE_MASK, (1 << PTI_USER_PGTABLE_BIT)
	.equ PTI_USER_PGTABLE_AND_PCID_MASK, (PTI_USER_PCID_MASK | PTI_USER_PGTABLE_MASK)
	.equ CR3_ASID_MASK, 0x7ff
/* struct pt_regs offsets (Linux asm/ptrace.h); 21 quadwords. */
	.equ R15, 0x00
	.equ R14, 0x08
	.equ R13, 0x10
	.equ R12, 0x18
	.equ RBP, 0x20
	.equ RBX, 0x28
	.equ R11, 0x30
	.equ R10, 0x38
	.equ R9, 0x40
	.equ R8, 0x48
	.equ RAX, 0x50
	.equ RCX, 0x58
	.equ RDX, 0x60
	.equ RSI, 0x68
	.equ RDI, 0x70
	.equ ORIG_RAX, 0x78
	.equ RIP, 0x80
	.equ CS, 0x88
	.equ EFLAGS, 0x90
	.equ RSP, 0x98
	.equ SS, 0xa0
	.equ PTREGS_SIZE, 0xa8
/* Alternative feature ids (see the header comment; KernelImage.Feature mirrors them). */
	.equ ALT_FEATURE_PTI, 1
	.equ ALT_FEATURE_PCID, 2
	.equ ALT_FEATURE_LA57, 3
	.equ ALT_FEATURE_NOCANON, 4
/* Per-CPU layout, all offsets from the per-CPU base (GS.base).  Exported as absolute
 * symbols so the Java boot code reads them from entry.sym instead of repeating them. */
	.equ FIXED_PERCPU_DATA_SIZE, 48
	.equ FIXED_stack_canary, 40
	.equ X86_current_task, 0
	.equ X86_preempt_count, 8
	.equ X86_cpu_number, 12
	.equ X86_top_of_stack, 16
	.equ X86_hardirq_stack_ptr, 24
	.equ X86_softirq_pending, 32
	.equ X86_hardirq_stack_inuse, 34
	.equ PCPU_HOT_SIZE, 64
	.equ TLB_STATE_loaded_mm, 0
	.equ TLB_STATE_last_user_mm, 8
	.equ TLB_STATE_loaded_mm_asid, 16
	.equ TLB_STATE_next_asid, 18
	.equ TLB_STATE_invalidate_other, 20
	.equ TLB_STATE_user_pcid_flush_mask, 22
	.equ TLB_STATE_cr4, 24
	.equ TLB_STATE_ctxs, 32
	.equ TLB_NR_DYN_ASIDS, 6
	.equ TLB_STATE_SIZE, (32 + 16 * TLB_NR_DYN_ASIDS)
/* struct x86_hw_tss, packed (Linux asm/processor.h; SDM Vol. 3A §8.7, 64-bit TSS). */
	.equ TSS_sp0, 4
	.equ TSS_sp1, 12
	.equ TSS_sp2, 20
	.equ TSS_ist, 36
	.equ TSS_io_bitmap_base, 102
	.equ TSS_HW_SIZE, 0x68
	.equ ENTRY_STACK_SIZE, 4096
	.globl X86_top_of_stack
	.globl X86_current_task
	.globl X86_preempt_count
	.globl X86_cpu_number
	.globl X86_hardirq_stack_ptr
	.globl TSS_sp0
	.globl TSS_sp1
	.globl TSS_sp2
	.globl TSS_ist
	.globl TSS_io_bitmap_base
	.globl TSS_HW_SIZE
	.globl FIXED_stack_canary
	.globl TLB_STATE_loaded_mm_asid
	.globl TLB_STATE_user_pcid_flush_mask
	.globl TLB_STATE_cr4
	.globl PTREGS_SIZE
	.globl ENTRY_STACK_SIZE

/* ---------------------------------------------------------------------------------------- */
/* Macros                                                                                    */

/* A global code symbol with a size, like Linux's SYM_CODE_START/END. */
	.macro SYM_START name
	.globl \name
	.type \name, @function
\name:
	.endm
	.macro SYM_END name
	.size \name, . - \name
	.endm
/* A global label inside another symbol (Linux SYM_INNER_LABEL ..., SYM_L_GLOBAL). */
	.macro INNER_LABEL name
	.globl \name
\name:
	.endm

/* See "Alternatives" in the header comment. */
	.macro ALTERNATIVE feature:req, orig, repl
.Lalt_site_\@:
	\orig
.Lalt_orig_end_\@:
	.pushsection .altinstr_replacement, "a"
.Lalt_repl_\@:
	\repl
.Lalt_repl_end_\@:
	.popsection
	/* pad the original up to the replacement's length: max(0, repl - orig) long NOPs */
	.nops -(((.Lalt_repl_end_\@ - .Lalt_repl_\@) - (.Lalt_orig_end_\@ - .Lalt_site_\@)) > 0) * ((.Lalt_repl_end_\@ - .Lalt_repl_\@) - (.Lalt_orig_end_\@ - .Lalt_site_\@))
.Lalt_site_end_\@:
	.pushsection .altinstructions, "a"
	.long .Lalt_site_\@ - _stext
	.long .Lalt_repl_\@ - __altinstr_replacement_start
	.short \feature
	.byte .Lalt_site_end_\@ - .Lalt_site_\@
	.byte .Lalt_repl_end_\@ - .Lalt_repl_\@
	.popsection
	.endm

/*
 * Kernel CR3 on entry under PTI: clear the user-PCID bit (11) and the user-PGD bit (12); with
 * PCID also set NOFLUSH (bit 63) so the kernel PCID's TLB entries survive the write.
 * Clobbers \scratch.  Without PTI the whole block is jumped over.
 */
	.macro SWITCH_TO_KERNEL_CR3 scratch:req
	ALTERNATIVE ALT_FEATURE_PTI, "jmp .Lkcr3_end_\@", ""
	movq	%cr3, \scratch
	ALTERNATIVE ALT_FEATURE_PCID, "", "bts $X86_CR3_PCID_NOFLUSH_BIT, \scratch"
	andq	$(~PTI_USER_PGTABLE_AND_PCID_MASK), \scratch
	movq	\scratch, %cr3
.Lkcr3_end_\@:
	.endm

/*
 * User CR3 on exit under PTI.  With PCID: if this ASID's bit is set in
 * cpu_tlbstate.user_pcid_flush_mask, clear it and write CR3 without NOFLUSH (flushing the user
 * PCID, which the kernel invalidated lazily); otherwise write with NOFLUSH.  Then select the
 * user PCID (bit 11).  Always select the user PGD (bit 12).  Clobbers \scratch and \scratch2.
 */
	.macro SWITCH_TO_USER_CR3_NOSTACK scratch:req, scratch2:req
	ALTERNATIVE ALT_FEATURE_PTI, "jmp .Lucr3_end_\@", ""
	movq	%cr3, \scratch
	ALTERNATIVE ALT_FEATURE_PCID, "jmp .Lucr3_wrcr3_\@", ""
	movq	\scratch, \scratch2
	andq	$CR3_ASID_MASK, \scratch
	btq	\scratch, %gs:cpu_tlbstate + TLB_STATE_user_pcid_flush_mask
	jnc	.Lucr3_noflush_\@
	btrq	\scratch, %gs:cpu_tlbstate + TLB_STATE_user_pcid_flush_mask
	movq	\scratch2, \scratch
	jmp	.Lucr3_pcid_\@
.Lucr3_noflush_\@:
	movq	\scratch2, \scratch
	btsq	$X86_CR3_PCID_NOFLUSH_BIT, \scratch
.Lucr3_pcid_\@:
	orq	$PTI_USER_PCID_MASK, \scratch
.Lucr3_wrcr3_\@:
	orq	$PTI_USER_PGTABLE_MASK, \scratch
	movq	\scratch, %cr3
.Lucr3_end_\@:
	.endm

/* The same with RAX as second scratch, preserved around the switch on the current stack. */
	.macro SWITCH_TO_USER_CR3_STACK scratch:req
	pushq	%rax
	SWITCH_TO_USER_CR3_NOSTACK \scratch, %rax
	popq	%rax
	.endm

/*
 * Build the register part of struct pt_regs below an existing orig_ax slot, in Linux's order
 * (di first, r15 last), with \rax as the value stored in pt_regs->ax.  save_ret=1 is the
 * error_entry flavour: the caller's return address sits where pt_regs->di belongs, so it is
 * moved out of the way and pushed again on top.
 */
	.macro PUSH_REGS rax=%rax, save_ret=0
	.if \save_ret
	pushq	%rsi
	movq	8(%rsp), %rsi
	movq	%rdi, 8(%rsp)
	.else
	pushq	%rdi
	pushq	%rsi
	.endif
	pushq	%rdx
	pushq	%rcx
	pushq	\rax
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%rbx
	pushq	%rbp
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	.if \save_ret
	pushq	%rsi
	.endif
	.endm

/* Zero the user values the kernel does not need (speculation hygiene); RDI and RAX stay. */
	.macro CLEAR_REGS
	xorl	%esi, %esi
	xorl	%edx, %edx
	xorl	%ecx, %ecx
	xorl	%r8d, %r8d
	xorl	%r9d, %r9d
	xorl	%r10d, %r10d
	xorl	%r11d, %r11d
	xorl	%ebx, %ebx
	xorl	%ebp, %ebp
	xorl	%r12d, %r12d
	xorl	%r13d, %r13d
	xorl	%r14d, %r14d
	xorl	%r15d, %r15d
	.endm

	.macro PUSH_AND_CLEAR_REGS rax=%rax, save_ret=0
	PUSH_REGS rax=\rax, save_ret=\save_ret
	CLEAR_REGS
	.endm

/* Inverse of PUSH_REGS; pop_rdi=0 leaves RSP pointing at pt_regs->di. */
	.macro POP_REGS pop_rdi=1
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbp
	popq	%rbx
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rax
	popq	%rcx
	popq	%rdx
	popq	%rsi
	.if \pop_rdi
	popq	%rdi
	.endif
	.endm

/* ---------------------------------------------------------------------------------------- */
/* Text                                                                                      */

	/* Section anchors: alternative records are offsets from these two labels. */
	.section .altinstr_replacement, "a"
	.globl __altinstr_replacement_start
__altinstr_replacement_start:

	.section .text, "ax"
	.globl _stext
_stext:

/*
 * 64-bit SYSCALL entry (IA32_LSTAR).  SYSCALL (SDM Vol. 2B, SYSCALL) left: RCX = user RIP,
 * R11 = user RFLAGS (RF clear), RFLAGS masked by IA32_FMASK (IF=DF=AC=TF=0), CS=0x10 SS=0x18,
 * CPL 0, and nothing else: RSP, GS.base and CR3 are still the user's.
 */
	.p2align 6
SYM_START entry_SYSCALL_64
	endbr64
	swapgs
	/* No register is free yet: park the user RSP in the per-CPU TSS's unused sp2 slot. */
	movq	%rsp, %gs:cpu_tss_rw + TSS_sp2
	SWITCH_TO_KERNEL_CR3 scratch=%rsp
	movq	%gs:pcpu_hot + X86_top_of_stack, %rsp

INNER_LABEL entry_SYSCALL_64_safe_stack
	/* The frame an interrupt gate would have pushed, rebuilt by hand. */
	pushq	$__USER_DS				/* pt_regs->ss */
	pushq	%gs:cpu_tss_rw + TSS_sp2		/* pt_regs->sp */
	pushq	%r11					/* pt_regs->flags */
	pushq	$__USER_CS				/* pt_regs->cs */
	pushq	%rcx					/* pt_regs->ip */
INNER_LABEL entry_SYSCALL_64_after_hwframe
	pushq	%rax					/* pt_regs->orig_ax */

	PUSH_AND_CLEAR_REGS rax=$-ENOSYS

	/* do_syscall_64(struct pt_regs *regs, int nr): nr is the sign-extended low half of RAX. */
	movq	%rsp, %rdi
	movslq	%eax, %rsi
	call	do_syscall_64

	/*
	 * Return with SYSRET only when it reproduces exactly what IRET would: otherwise take the
	 * general IRET path.  Six checks, in this order.
	 */
	/* 1. SYSRET loads RIP from RCX. */
	movq	RCX(%rsp), %rcx
	movq	RIP(%rsp), %r11
	cmpq	%rcx, %r11
	jne	swapgs_restore_regs_and_return_to_usermode

	/*
	 * 2. RIP must be canonical: Intel's SYSRET faults at CPL 0 (after the user RSP and GS are
	 * live again) on a non-canonical RCX.  Sign-extend from bit 47 (bit 56 under LA57) and see
	 * whether the value changed.
	 */
	ALTERNATIVE ALT_FEATURE_LA57, "shlq $(64 - 48), %rcx; sarq $(64 - 48), %rcx", "shlq $(64 - 57), %rcx; sarq $(64 - 57), %rcx"
	cmpq	%rcx, %r11
INNER_LABEL lstar_canonical_check_jump
	ALTERNATIVE ALT_FEATURE_NOCANON, "jne swapgs_restore_regs_and_return_to_usermode", ""

	/* 3. SYSRET loads a fixed 64-bit user CS. */
	cmpq	$__USER_CS, CS(%rsp)
	jne	swapgs_restore_regs_and_return_to_usermode

	/* 4. SYSRET loads RFLAGS from R11. */
	movq	R11(%rsp), %r11
	cmpq	%r11, EFLAGS(%rsp)
	jne	swapgs_restore_regs_and_return_to_usermode

	/*
	 * 5. SYSRET always clears RF, and a TF restored by SYSRET traps right after it (a
	 * single-stepped task would never progress): both need IRET.
	 */
	testq	$(X86_EFLAGS_RF | X86_EFLAGS_TF), %r11
	jnz	swapgs_restore_regs_and_return_to_usermode

	/* 6. SYSRET loads a fixed user SS.  (RSP is restored as is: nothing to check.) */
	cmpq	$__USER_DS, SS(%rsp)
	jne	swapgs_restore_regs_and_return_to_usermode

INNER_LABEL syscall_return_via_sysret
	POP_REGS pop_rdi=0
	/* Everything but RDI and RSP is the user's again.  Move to the entry stack. */
	movq	%rsp, %rdi
	movq	%gs:cpu_tss_rw + TSS_sp0, %rsp
	pushq	RSP - RDI(%rdi)				/* user RSP */
	pushq	(%rdi)					/* user RDI */
	SWITCH_TO_USER_CR3_STACK scratch=%rdi
	popq	%rdi
	popq	%rsp
INNER_LABEL entry_SYSRETQ_unsafe_stack
	swapgs
	sysretq
INNER_LABEL entry_SYSRETQ_end
	int3
SYM_END entry_SYSCALL_64

/*
 * Return to user mode with IRETQ from a complete pt_regs at RSP (the first part of Linux's
 * common_interrupt_return), then the shared IRETQ tail used by the kernel-mode return too.
 */
	.p2align 4
SYM_START common_interrupt_return
INNER_LABEL swapgs_restore_regs_and_return_to_usermode
	POP_REGS pop_rdi=0
	/* RSP -> pt_regs->di; orig_ax, ip, cs, flags, sp, ss follow.  Copy the IRET frame and
	 * the user RDI to the entry stack, which stays mapped in the user page tables. */
	movq	%rsp, %rdi
	movq	%gs:cpu_tss_rw + TSS_sp0, %rsp
	pushq	SS - RDI(%rdi)
	pushq	RSP - RDI(%rdi)
	pushq	EFLAGS - RDI(%rdi)
	pushq	CS - RDI(%rdi)
	pushq	RIP - RDI(%rdi)
	pushq	(%rdi)
	SWITCH_TO_USER_CR3_STACK scratch=%rdi
	popq	%rdi
	swapgs
	jmp	.Lnative_iret

INNER_LABEL restore_regs_and_return_to_kernel
	POP_REGS
	addq	$8, %rsp				/* drop orig_ax */
.Lnative_iret:
	/* A stack segment from the LDT would need espfix64, which lstar does not model. */
	testb	$4, SS - RIP(%rsp)
	jnz	native_irq_return_ldt
INNER_LABEL native_irq_return_iret
	/*
	 * May fault (#GP on a non-canonical RIP, bad selectors...) at CPL 0 with user GS and CR3:
	 * error_entry recognises this exact address and makes it look like a user-mode fault.
	 */
	iretq
INNER_LABEL native_irq_return_ldt
	ud2
SYM_END common_interrupt_return

/*
 * Exceptions.  Each stub makes the frame uniform (a dummy orig_ax when the CPU pushes no
 * error code), calls error_entry to save registers and get onto the thread stack, then calls
 * do_exception(regs, vector, error_code) and leaves through error_return.  The paranoid
 * variants Linux uses for NMI, #DB, #MC and #DF (which cannot trust CS to tell whether GS was
 * swapped) are not modelled: every vector uses this path.
 */
	.macro IDTENTRY vector:req, name:req, has_error_code:req
	.p2align 4
SYM_START \name
	endbr64
	cld
	.if \has_error_code == 0
	pushq	$-1					/* orig_ax: no syscall to restart */
	.endif
	call	error_entry
	movq	%rax, %rsp
	movq	%rsp, %rdi
	movl	$\vector, %esi
	.if \has_error_code
	movq	ORIG_RAX(%rsp), %rdx
	.else
	xorl	%edx, %edx
	.endif
	movq	$-1, ORIG_RAX(%rsp)
	call	do_exception
	jmp	error_return
SYM_END \name
	.endm

	/* SDM Vol. 3A §6.15 (Table 6-1): which vectors push an error code. */
	IDTENTRY  0, asm_exc_divide_error, 0
	IDTENTRY  1, asm_exc_debug, 0
	IDTENTRY  2, asm_exc_nmi, 0
	IDTENTRY  3, asm_exc_int3, 0
	IDTENTRY  4, asm_exc_overflow, 0
	IDTENTRY  5, asm_exc_bounds, 0
	IDTENTRY  6, asm_exc_invalid_op, 0
	IDTENTRY  7, asm_exc_device_not_available, 0
	IDTENTRY  8, asm_exc_double_fault, 1
	IDTENTRY  9, asm_exc_coproc_segment_overrun, 0
	IDTENTRY 10, asm_exc_invalid_tss, 1
	IDTENTRY 11, asm_exc_segment_not_present, 1
	IDTENTRY 12, asm_exc_stack_segment, 1
	IDTENTRY 13, asm_exc_general_protection, 1
	IDTENTRY 14, asm_exc_page_fault, 1
	IDTENTRY 15, asm_exc_spurious_interrupt_bug, 0
	IDTENTRY 16, asm_exc_coprocessor_error, 0
	IDTENTRY 17, asm_exc_alignment_check, 1
	IDTENTRY 18, asm_exc_machine_check, 0
	IDTENTRY 19, asm_exc_simd_coprocessor_error, 0
	IDTENTRY 20, asm_exc_virtualization_exception, 0
	IDTENTRY 21, asm_exc_control_protection, 1

	/*
	 * The reschedule IPI: how a signal posted while this CPU runs user code gets delivered (the
	 * C side does only the exit-to-user work).  Linux's DEFINE_IDTENTRY_SYSVEC stubs push the
	 * same dummy orig_ax and share the exception path's error_entry and return.
	 */
	IDTENTRY 0xfd, asm_sysvec_reschedule_ipi, 0

/*
 * Save the registers into pt_regs (under the return address) and return in RAX where pt_regs
 * lives from now on.  From user mode (CS RPL != 0): swapgs, kernel CR3, and a copy of pt_regs
 * at the top of the thread stack (sync_regs).  From kernel mode pt_regs stays in place, except
 * for a fault on native_irq_return_iret, which is really a user-mode fault (bad IRET).
 */
	.p2align 4
SYM_START error_entry
	PUSH_AND_CLEAR_REGS save_ret=1
	testb	$3, CS + 8(%rsp)
	jz	.Lerror_kernelspace
	swapgs
	SWITCH_TO_KERNEL_CR3 scratch=%rax
	leaq	8(%rsp), %rdi
	jmp	sync_regs

.Lerror_kernelspace:
	leaq	native_irq_return_iret(%rip), %rcx
	cmpq	%rcx, RIP + 8(%rsp)
	je	.Lerror_bad_iret
	leaq	8(%rsp), %rax
	ret

.Lerror_bad_iret:
	/* The IRETQ to user mode faulted: GS and CR3 are the user's. */
	swapgs
	SWITCH_TO_KERNEL_CR3 scratch=%rax
	leaq	8(%rsp), %rdi
	call	fixup_bad_iret
	movq	%rax, %rdi
	jmp	sync_regs
SYM_END error_entry

/* Back from an exception: the IRET path matching the mode that was interrupted. */
	.p2align 4
SYM_START error_return
	testb	$3, CS(%rsp)
	jz	restore_regs_and_return_to_kernel
	jmp	swapgs_restore_regs_and_return_to_usermode
SYM_END error_return

/*
 * sync_regs(eregs): RAX = the pt_regs slot at the top of this task's stack, with *eregs copied
 * there unless it already is there.  Clobbers RCX, RSI, RDI.  DF is clear (the stub did cld).
 */
	.p2align 4
SYM_START sync_regs
	movq	%gs:pcpu_hot + X86_top_of_stack, %rax
	subq	$PTREGS_SIZE, %rax
	cmpq	%rdi, %rax
	je	1f
	movq	%rdi, %rsi
	movq	%rax, %rdi
	movl	$(PTREGS_SIZE / 8), %ecx
	rep movsq
	subq	$PTREGS_SIZE, %rdi
	movq	%rdi, %rax
1:	ret
SYM_END sync_regs

/*
 * fixup_bad_iret(bad): the faulting IRETQ's frame is the user context the exception really
 * belongs to.  Build a pt_regs with the general registers of *bad and ip/cs/flags/sp/ss from
 * the 5-quadword IRET frame that bad->sp points at, place it at the top of the entry stack
 * (where a user-mode exception would have put the hardware frame) and return it in RAX.
 * The two areas can overlap, so the record is assembled in a temporary on this stack first.
 * A non-user CS here means the kernel itself is broken: ud2.
 */
	.p2align 4
SYM_START fixup_bad_iret
	subq	$PTREGS_SIZE, %rsp
	movq	%rdi, %rdx
	/* tmp.ip .. tmp.ss <- the IRET frame */
	movq	RSP(%rdx), %rsi
	leaq	RIP(%rsp), %rdi
	movl	$5, %ecx
	rep movsq
	/* tmp.r15 .. tmp.orig_ax <- bad */
	movq	%rdx, %rsi
	movq	%rsp, %rdi
	movl	$(RIP / 8), %ecx
	rep movsq
	/* new = TSS.sp0 - sizeof(pt_regs); *new = tmp */
	movq	%gs:cpu_tss_rw + TSS_sp0, %rax
	subq	$PTREGS_SIZE, %rax
	movq	%rsp, %rsi
	movq	%rax, %rdi
	movl	$(PTREGS_SIZE / 8), %ecx
	rep movsq
	addq	$PTREGS_SIZE, %rsp
	testb	$3, CS(%rax)
	jz	1f
	ret
1:	ud2
SYM_END fixup_bad_iret

/*
 * int $0x80 from user mode (IDT gate DPL 3), the 32-bit system call ABI as Linux 6.6 with
 * IA32_EMULATION serves it.  The CPU switched to TSS.rsp0 (the entry stack) and pushed
 * ss, rsp, rflags, cs, rip.  r8-r15 are saved in pt_regs and cleared like every other entry;
 * they are restored on the way out.
 */
	.p2align 4
SYM_START entry_INT80_compat
	endbr64
	swapgs
	/* A 32-bit syscall number: zero-extend, in case the upper half of RAX is set. */
	movl	%eax, %eax
	pushq	%rax					/* orig_ax, on the entry stack */
	SWITCH_TO_KERNEL_CR3 scratch=%rax
	/* Move to the thread stack, taking the hardware frame and orig_ax along. */
	movq	%rsp, %rax
	movq	%gs:pcpu_hot + X86_top_of_stack, %rsp
	pushq	5*8(%rax)				/* ss */
	pushq	4*8(%rax)				/* sp */
	pushq	3*8(%rax)				/* flags */
	pushq	2*8(%rax)				/* cs */
	pushq	1*8(%rax)				/* ip */
	pushq	(%rax)					/* orig_ax */
	PUSH_AND_CLEAR_REGS rax=$-ENOSYS
	cld
	movq	%rsp, %rdi
	call	do_int80_syscall_32
	jmp	swapgs_restore_regs_and_return_to_usermode
SYM_END entry_INT80_compat

/*
 * The compatibility-mode entries that syscall_init() points CSTAR (AMD) and SYSENTER_EIP at.
 * They are reached only from 32-bit code segments, which lstar does not execute (a far
 * transfer to a 32-bit CS is refused), so their bodies are a loud `ud2` rather than a silent
 * fall-through: if one is ever reached, the kernel oopses with a clear report.
 */
	.p2align 4
SYM_START entry_SYSCALL_compat
	ud2
SYM_END entry_SYSCALL_compat

	.p2align 4
SYM_START entry_SYSENTER_compat
	ud2
SYM_END entry_SYSENTER_compat

/*
 * Native stubs: see the header comment.  Reaching a `ud2` here means the runtime did not
 * intercept the call: a loud kernel-mode #UD.
 */
	.p2align 6
	.globl __native_stubs_start
__native_stubs_start:
	.macro NATIVE_STUB name:req
	.p2align 4, 0xcc
SYM_START \name
	ud2
SYM_END \name
	.endm

	NATIVE_STUB do_syscall_64		/* (struct pt_regs *regs, int nr) -> void */
	NATIVE_STUB do_exception		/* (struct pt_regs *regs, long vector, long error_code) -> void */
	NATIVE_STUB do_int80_syscall_32		/* (struct pt_regs *regs) -> void */
	.p2align 4, 0xcc
	.globl __native_stubs_end
__native_stubs_end:

/* ---------------------------------------------------------------------------------------- */
/* Per-CPU template (offsets from GS.base; see the address map).                             */

	.section .bss..percpu, "aw", @nobits
	.globl __per_cpu_start
__per_cpu_start:

	/* Must be first: offset 0.  The stack protector reads %gs:40. */
	.globl fixed_percpu_data
	.type fixed_percpu_data, @object
fixed_percpu_data:
	.zero FIXED_PERCPU_DATA_SIZE
	.size fixed_percpu_data, FIXED_PERCPU_DATA_SIZE

	/* struct pcpu_hot: current_task @0, preempt_count @8, cpu_number @12,
	 * top_of_stack @16 (task stack page + THREAD_SIZE), hardirq_stack_ptr @24 ... */
	.p2align 6
	.globl pcpu_hot
	.type pcpu_hot, @object
pcpu_hot:
	.zero PCPU_HOT_SIZE
	.size pcpu_hot, PCPU_HOT_SIZE

	/* struct tlb_state: loaded_mm @0, last_user_mm @8, loaded_mm_asid @16 (u16),
	 * next_asid @18, invalidate_other @20, user_pcid_flush_mask @22 (u16), cr4 @24,
	 * ctxs[6] {ctx_id, tlb_gen} @32. */
	.p2align 6
	.globl cpu_tlbstate
	.type cpu_tlbstate, @object
cpu_tlbstate:
	.zero TLB_STATE_SIZE
	.size cpu_tlbstate, TLB_STATE_SIZE

	/* struct x86_hw_tss (packed): the CPU reads rsp0..2 and ist[] from it on privilege
	 * changes and IST gates (SDM Vol. 3A §8.7).  Page-aligned so it can be mapped alone. */
	.p2align 12
	.globl cpu_tss_rw
	.type cpu_tss_rw, @object
cpu_tss_rw:
	.zero 4096
	.size cpu_tss_rw, 4096

	/* The entry ("trampoline") stack: TSS.sp0 = its top.  It is the only stack the entry
	 * code uses while user CR3/GS may still be live, so under PTI it must be mapped in the
	 * user page tables too (with cpu_tss_rw and the entry text). */
	.p2align 12
	.globl entry_stack_storage
	.type entry_stack_storage, @object
entry_stack_storage:
	.zero ENTRY_STACK_SIZE
	.size entry_stack_storage, ENTRY_STACK_SIZE

	.globl __per_cpu_end
__per_cpu_end:

	.section .note.GNU-stack, "", @progbits
