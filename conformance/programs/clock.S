# clock: clock_gettime through the system call (not the vDSO): monotonic time does not go
# backwards, nanoseconds are below 10^9, the real-time clock is past 2020, bad ids are -EINVAL.
	.include "lib.inc"
	.set CLOCK_REALTIME, 0
	.set CLOCK_MONOTONIC, 1
	.set CLOCK_PROCESS_CPUTIME_ID, 2
	.set CLOCK_BOOTTIME, 7

	.macro GETTIME clk, buf
	mov	$\clk, %edi
	lea	\buf(%rip), %rsi
	mov	$SYS_clock_gettime, %eax
	syscall
	.endm

	.macro NSEC_OK name, buf
	mov	\buf+8(%rip), %rax
	cmp	$999999999, %rax
	setbe	%al
	movzbl	%al, %eax
	CHECK "\name", %rax, 1
	.endm

	.text
	START
	GETTIME CLOCK_MONOTONIC, t1
	CHECK "CLOCK_MONOTONIC", %rax, 0
	NSEC_OK "  tv_nsec < 10^9", t1
	mov	$SYS_getpid, %eax		# something in between
	syscall
	GETTIME CLOCK_MONOTONIC, t2
	CHECK "CLOCK_MONOTONIC again", %rax, 0
	mov	t2(%rip), %rax
	mov	t2+8(%rip), %rdx
	sub	t1(%rip), %rax
	sub	t1+8(%rip), %rdx
	imul	$1000000000, %rax, %rax
	add	%rdx, %rax			# t2 - t1 in ns
	sar	$63, %rax			# -1 if negative
	CHECK "  does not go backwards", %rax, 0

	GETTIME CLOCK_REALTIME, t1
	CHECK "CLOCK_REALTIME", %rax, 0
	mov	t1(%rip), %rax
	cmp	$1577836800, %rax		# 2020-01-01
	setge	%al
	movzbl	%al, %eax
	CHECK "  after 2020", %rax, 1
	NSEC_OK "  tv_nsec < 10^9", t1

	GETTIME CLOCK_BOOTTIME, t1
	CHECK "CLOCK_BOOTTIME", %rax, 0
	GETTIME CLOCK_PROCESS_CPUTIME_ID, t1
	CHECK "CLOCK_PROCESS_CPUTIME_ID", %rax, 0
	NSEC_OK "  tv_nsec < 10^9", t1
	GETTIME 100, t1
	CHECK "clock 100 -> -EINVAL", %rax, -22
	mov	$CLOCK_MONOTONIC, %edi
	mov	$8, %esi			# a bad pointer
	mov	$SYS_clock_gettime, %eax
	syscall
	CHECK "bad pointer -> -EFAULT", %rax, -14
	FINISH

	.bss
t1:	.quad 0, 0
t2:	.quad 0, 0
