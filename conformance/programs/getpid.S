# getpid: 1000 getpid system calls must all return the same positive pid, equal to gettid's
# (a single-threaded process); rax's upper half is ignored in the number (0x1_0000_0027 is getpid).
	.include "lib.inc"
	.text
	START
	mov	$SYS_getpid, %eax
	syscall
	mov	%rax, %rbx			# the pid
	test	%rbx, %rbx
	setg	%al
	movzbl	%al, %eax
	CHECK "pid > 0", %rax, 1

	mov	$1000, %r12d
	xor	%r13d, %r13d			# count of mismatches
1:	mov	$SYS_getpid, %eax
	syscall
	cmp	%rbx, %rax
	je	2f
	inc	%r13
2:	dec	%r12d
	jnz	1b
	CHECK "1000 getpid calls agree", %r13, 0

	mov	$SYS_gettid, %eax
	syscall
	cmp	%rbx, %rax
	CHECK_FLAGS "gettid == getpid", %rax

	movabs	$0x100000027, %rax		# only eax selects the call
	syscall
	cmp	%rbx, %rax
	CHECK_FLAGS "rax 0x100000027 is getpid", %rax

	movabs	$0xffffffff00000027, %rax
	syscall
	cmp	%rbx, %rax
	CHECK_FLAGS "rax 0xffffffff00000027 is getpid", %rax
	FINISH
