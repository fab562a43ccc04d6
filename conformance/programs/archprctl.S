# archprctl: arch_prctl(ARCH_SET_FS) then %fs:-relative loads see the new base; ARCH_GET_FS
# reads it back; bad codes and non-user bases are refused.
	.include "lib.inc"
	.set ARCH_SET_GS, 0x1001
	.set ARCH_SET_FS, 0x1002
	.set ARCH_GET_FS, 0x1003
	.set ARCH_GET_GS, 0x1004

	.macro PRCTL code, addr
	mov	$\code, %edi
	movabs	$\addr, %rsi
	mov	$SYS_arch_prctl, %eax
	syscall
	.endm

	.text
	START
	mov	$ARCH_SET_FS, %edi
	lea	tls_block(%rip), %rsi
	mov	$SYS_arch_prctl, %eax
	syscall
	CHECK "ARCH_SET_FS", %rax, 0
	mov	%fs:0, %rax
	CHECK "  %fs:0", %rax, 0x1122334455667788
	mov	%fs:8, %rax
	CHECK "  %fs:8", %rax, 0x99aabbccddeeff00
	mov	$8, %ecx
	mov	%fs:(%rcx), %rax
	CHECK "  %fs:(%rcx)", %rax, 0x99aabbccddeeff00
	movq	$0x4242, %fs:16
	mov	tls_block+16(%rip), %rax
	CHECK "  store through %fs lands in the block", %rax, 0x4242

	mov	$ARCH_GET_FS, %edi
	lea	got(%rip), %rsi
	mov	$SYS_arch_prctl, %eax
	syscall
	CHECK "ARCH_GET_FS", %rax, 0
	mov	got(%rip), %rax
	lea	tls_block(%rip), %rdx
	cmp	%rdx, %rax
	CHECK_FLAGS "  returns the base", %rax

	mov	$ARCH_SET_GS, %edi
	lea	tls_block+8(%rip), %rsi
	mov	$SYS_arch_prctl, %eax
	syscall
	CHECK "ARCH_SET_GS", %rax, 0
	mov	%gs:0, %rax
	CHECK "  %gs:0", %rax, 0x99aabbccddeeff00
	mov	$ARCH_GET_GS, %edi
	lea	got(%rip), %rsi
	mov	$SYS_arch_prctl, %eax
	syscall
	mov	got(%rip), %rax
	lea	tls_block+8(%rip), %rdx
	cmp	%rdx, %rax
	CHECK_FLAGS "ARCH_GET_GS returns the base", %rax

	PRCTL 0x1234, 0
	CHECK "unknown code -> -EINVAL", %rax, -22
	PRCTL ARCH_SET_FS, 0xffff888000000000
	CHECK "ARCH_SET_FS kernel address -> -EPERM", %rax, -1
	PRCTL ARCH_SET_FS, 0x800000000000
	CHECK "ARCH_SET_FS non-canonical -> -EPERM", %rax, -1
	PRCTL ARCH_GET_FS, 0
	CHECK "ARCH_GET_FS to NULL -> -EFAULT", %rax, -14
	mov	%fs:0, %rax
	CHECK "%fs base unchanged by the failures", %rax, 0x1122334455667788
	FINISH

	.data
	.p2align 4
tls_block:
	.quad 0x1122334455667788, 0x99aabbccddeeff00, 0, 0
got:	.quad 0
