/*
 * lstar's vDSO: the small shared object the kernel model maps into every process (announced by
 * AT_SYSINFO_EHDR), exporting, under the version LINUX_2.6 as Linux's x86-64 vDSO does:
 *
 *   __vdso_clock_gettime (alias clock_gettime)   __vdso_gettimeofday (alias gettimeofday)
 *   __vdso_time          (alias time)            __vdso_getcpu       (alias getcpu)
 *
 * Lstar's own GNU as source (nothing is copied from Linux; the calling conventions and the
 * fallback rules are Linux 6.6's documented behaviour).  tools/build-vdso.sh assembles and links
 * it with tools/vdso.lds into src/main/resources/dev/lstar/kernel/vdso.so, which is committed;
 * VdsoBuildTest rebuilds it and compares byte for byte.
 *
 * ------------------------------------------------------------------------------------------
 * The time source.  Lstar's guest TSC counts guest instructions, not time, so this vDSO cannot
 * interpolate from a clocksource counter as Linux's does.  Instead the kernel model keeps, in
 * the vvar page, the current value of every clock it serves as ONE signed 64-bit nanosecond
 * count (one aligned 8-byte word per clock id), refreshed by a host timer thread (1 kHz) and
 * at every return from a system call.  A reader's value is therefore at most one refresh period
 * old (like the _COARSE clocks), never older than what the last system call returned, and
 * never goes backwards for the monotonic clocks (the writer publishes increasing values).
 *
 * The vvar page (the first of the four [vvar] pages; the vDSO lies 4 pages above it):
 *
 *   0x00  u32 seq          Linux's seqcount: odd while the kernel model updates the page
 *   0x08  s32 tz_minuteswest, s32 tz_dsttime   (gettimeofday's struct timezone)
 *   0x40  s64 ns[16]       the clock value by clock id (0 REALTIME, 1 MONOTONIC, ...)
 *
 * Readers follow the seqcount protocol: read seq (retry while odd), read the value, re-read seq
 * and retry if it changed.  Each clock value is a single aligned 8-byte load, which is atomic
 * by itself; the seqcount keeps the page's fields mutually consistent as on Linux.
 *
 * Clocks served here (as Linux 6.6's VDSO_HRES | VDSO_COARSE | VDSO_RAW): REALTIME (0),
 * MONOTONIC (1), MONOTONIC_RAW (4), REALTIME_COARSE (5), MONOTONIC_COARSE (6), BOOTTIME (7),
 * TAI (11).  Any other clock id (the CPU-time clocks, the ALARM clocks, invalid or negative
 * ids) is passed to the real clock_gettime system call, so EINVAL and friends come from the
 * kernel exactly as with Linux's vDSO fallback.
 */

	.equ VVAR_OFFSET, 4 * 4096	/* the vvar page lies this far below the vDSO's ELF header */
	.equ VV_SEQ, 0x00
	.equ VV_TZ, 0x08
	.equ VV_NS, 0x40
	.equ VDSO_CLOCKS, (1 << 0) | (1 << 1) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 11)
	.equ NSEC_PER_SEC, 1000000000
	.equ NR_clock_gettime, 228

	.text

/*
 * Loads clock slot \slot (a register holding the clock id, or an immediate displacement form)
 * under the seqcount into %rax.  \vv holds the vvar page address; clobbers %ecx.
 */
	.macro READ_CLOCK vv, mem
9:	movl	VV_SEQ(\vv), %ecx
	testl	$1, %ecx
	jnz	8f
	movq	\mem, %rax
	cmpl	VV_SEQ(\vv), %ecx
	je	7f
8:	pause
	jmp	9b
7:
	.endm

/* %rax (signed ns) -> %rax = floor(ns / 1e9), %rdx = ns mod 1e9 in [0, 1e9); clobbers %rcx. */
	.macro SPLIT_NS
	cqto
	movl	$NSEC_PER_SEC, %ecx
	idivq	%rcx
	testq	%rdx, %rdx
	jns	6f
	addq	%rcx, %rdx
	decq	%rax
6:
	.endm

/* int __vdso_clock_gettime(clockid_t clk (%edi), struct timespec *ts (%rsi)) */
	.globl	__vdso_clock_gettime
	.type	__vdso_clock_gettime, @function
	.p2align 4
__vdso_clock_gettime:
	.cfi_startproc
	cmpl	$15, %edi
	ja	1f			/* unsigned: negative ids (CPU clocks of a pid/thread) too */
	movl	$VDSO_CLOCKS, %eax
	btl	%edi, %eax
	jnc	1f
	movl	%edi, %edx
	leaq	__ehdr_start - VVAR_OFFSET(%rip), %r8
	READ_CLOCK %r8, "VV_NS(%r8,%rdx,8)"
	SPLIT_NS
	movq	%rax, 0(%rsi)
	movq	%rdx, 8(%rsi)
	xorl	%eax, %eax
	ret
1:	movl	$NR_clock_gettime, %eax	/* the fallback: the real system call, its result as is */
	syscall
	ret
	.cfi_endproc
	.size	__vdso_clock_gettime, . - __vdso_clock_gettime

/* int __vdso_gettimeofday(struct timeval *tv (%rdi), struct timezone *tz (%rsi)) */
	.globl	__vdso_gettimeofday
	.type	__vdso_gettimeofday, @function
	.p2align 4
__vdso_gettimeofday:
	.cfi_startproc
	leaq	__ehdr_start - VVAR_OFFSET(%rip), %r8
	testq	%rdi, %rdi
	jz	2f
	READ_CLOCK %r8, "VV_NS(%r8)"
	SPLIT_NS
	movq	%rax, 0(%rdi)
	movq	%rdx, %rax
	xorl	%edx, %edx
	movl	$1000, %ecx
	divq	%rcx
	movq	%rax, 8(%rdi)
2:	testq	%rsi, %rsi
	jz	3f
	movq	VV_TZ(%r8), %rax
	movq	%rax, 0(%rsi)
3:	xorl	%eax, %eax
	ret
	.cfi_endproc
	.size	__vdso_gettimeofday, . - __vdso_gettimeofday

/* time_t __vdso_time(time_t *tloc (%rdi)): one load, no seqcount needed (as on Linux) */
	.globl	__vdso_time
	.type	__vdso_time, @function
	.p2align 4
__vdso_time:
	.cfi_startproc
	movq	__ehdr_start - VVAR_OFFSET + VV_NS(%rip), %rax
	SPLIT_NS
	testq	%rdi, %rdi
	jz	4f
	movq	%rax, 0(%rdi)
4:	ret
	.cfi_endproc
	.size	__vdso_time, . - __vdso_time

/* long __vdso_getcpu(unsigned *cpu (%rdi), unsigned *node (%rsi), void *unused): the CPU number and
 * node from TSC_AUX ((node << 12) | cpu, as Linux's setup_getcpu writes it on every CPU), read by
 * RDTSCP (Linux reads the same value with RDPID or LSL of the per-CPU segment) */
	.globl	__vdso_getcpu
	.type	__vdso_getcpu, @function
	.p2align 4
__vdso_getcpu:
	.cfi_startproc
	rdtscp
	testq	%rdi, %rdi
	jz	5f
	movl	%ecx, %eax
	andl	$0xfff, %eax
	movl	%eax, 0(%rdi)
5:	testq	%rsi, %rsi
	jz	6f
	shrl	$12, %ecx
	movl	%ecx, 0(%rsi)
6:	xorl	%eax, %eax
	ret
	.cfi_endproc
	.size	__vdso_getcpu, . - __vdso_getcpu

/* the plain names, weak, as Linux's vDSO also exports them */
	.weak	clock_gettime
	.set	clock_gettime, __vdso_clock_gettime
	.weak	gettimeofday
	.set	gettimeofday, __vdso_gettimeofday
	.weak	time
	.set	time, __vdso_time
	.weak	getcpu
	.set	getcpu, __vdso_getcpu

/* The "Linux" note with LINUX_VERSION_CODE (6.6.0), as Linux's vDSO carries one. */
	.section .note.Linux, "a", @note
	.p2align 2
	.long	6f - 5f		/* namesz */
	.long	8f - 7f		/* descsz */
	.long	0		/* type */
5:	.asciz	"Linux"
6:	.p2align 2
7:	.long	0x060600
8:	.p2align 2

	.section .note.GNU-stack, "", @progbits
