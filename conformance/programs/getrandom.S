# getrandom: fills the whole buffer with bytes that are not all zero (and differ between two
# calls); bad flags are -EINVAL, a bad buffer -EFAULT.
	.include "lib.inc"
	.set GRND_NONBLOCK, 1
	.set GRND_RANDOM, 2
	.set GRND_INSECURE, 4

	.macro GETRANDOM buf, len, flags
	lea	\buf(%rip), %rdi
	mov	$\len, %esi
	mov	$\flags, %edx
	mov	$SYS_getrandom, %eax
	syscall
	.endm

	.text
	START
	GETRANDOM buf1, 64, 0
	CHECK "getrandom 64 bytes", %rax, 64
	GETRANDOM buf2, 64, GRND_NONBLOCK
	CHECK "getrandom 64 bytes GRND_NONBLOCK", %rax, 64
	# 64 bytes all zero, or two equal draws, happen with probability 2^-512
	xor	%eax, %eax
	xor	%edx, %edx
	xor	%ecx, %ecx
1:	or	buf1(,%rcx,8), %rax
	mov	buf1(,%rcx,8), %rsi
	xor	buf2(,%rcx,8), %rsi
	or	%rsi, %rdx
	inc	%ecx
	cmp	$8, %ecx
	jb	1b
	test	%rax, %rax
	setnz	%al
	movzbl	%al, %eax
	CHECK "  not all zero", %rax, 1
	test	%rdx, %rdx
	setnz	%al
	movzbl	%al, %eax
	CHECK "  two draws differ", %rax, 1
	GETRANDOM buf1, 0, 0
	CHECK "getrandom 0 bytes", %rax, 0
	GETRANDOM buf1, 16, GRND_INSECURE
	CHECK "GRND_INSECURE", %rax, 16
	GETRANDOM buf1, 16, 8
	CHECK "unknown flag -> -EINVAL", %rax, -22
	GETRANDOM buf1, 16, GRND_INSECURE|GRND_RANDOM
	CHECK "GRND_INSECURE|GRND_RANDOM -> -EINVAL", %rax, -22
	mov	$16, %edi
	mov	$16, %esi
	xor	%edx, %edx
	mov	$SYS_getrandom, %eax
	syscall
	CHECK "bad buffer -> -EFAULT", %rax, -14
	FINISH

	.bss
	.p2align 4
buf1:	.skip 64
buf2:	.skip 64
