# writev: gathers several buffers (an empty one among them) into one write and returns the
# total; bad counts and vectors are refused.
	.include "lib.inc"
	.text
	START
	mov	$1, %edi
	lea	iov(%rip), %rsi
	mov	$4, %edx
	mov	$SYS_writev, %eax
	syscall
	CHECK "writev 4 iovecs returns the total", %rax, 26
	mov	$1, %edi
	lea	iov(%rip), %rsi
	mov	$-1, %edx
	mov	$SYS_writev, %eax
	syscall
	CHECK "writev count -1 -> -EINVAL", %rax, -22
	mov	$1, %edi
	lea	iov(%rip), %rsi
	mov	$1025, %edx
	mov	$SYS_writev, %eax
	syscall
	CHECK "writev count 1025 -> -EINVAL", %rax, -22
	mov	$1, %edi
	lea	iov_bad_len(%rip), %rsi
	mov	$2, %edx
	mov	$SYS_writev, %eax
	syscall
	CHECK "writev negative length -> -EINVAL, nothing written", %rax, -22
	mov	$1, %edi
	lea	iov_bad_base(%rip), %rsi
	mov	$2, %edx
	mov	$SYS_writev, %eax
	syscall
	CHECK "writev kernel-address base -> -EFAULT, nothing written", %rax, -14
	mov	$1, %edi
	lea	part1(%rip), %rsi
	mov	$-1, %rdx
	mov	$SYS_write, %eax
	syscall
	CHECK "write count -1 -> -EFAULT", %rax, -14
	xor	%edi, %edi
	lea	scratch(%rip), %rsi
	mov	$-1, %rdx
	mov	$SYS_read, %eax
	syscall
	CHECK "read count -1 -> -EFAULT", %rax, -14
	mov	$1, %edi
	xor	%esi, %esi
	xor	%edx, %edx
	mov	$SYS_write, %eax
	syscall
	CHECK "write(1, NULL, 0) -> 0", %rax, 0
	mov	$1, %edi
	mov	$8, %esi
	mov	$1, %edx
	mov	$SYS_writev, %eax
	syscall
	CHECK "writev bad vector -> -EFAULT", %rax, -14
	mov	$1, %edi
	lea	iov(%rip), %rsi
	xor	%edx, %edx
	mov	$SYS_writev, %eax
	syscall
	CHECK "writev count 0", %rax, 0
	mov	$7, %edi
	lea	iov(%rip), %rsi
	mov	$1, %edx
	mov	$SYS_writev, %eax
	syscall
	CHECK "writev to a closed fd -> -EBADF", %rax, -9
	FINISH

	.section .rodata
part1:	.ascii "gathered: "
part2:	.ascii "one, "
part3:	.ascii "two, three\n"
	.p2align 3
iov:
	.quad part1, 10
	.quad part2, 5
	.quad part3, 0
	.quad part3, 11
iov_bad_len:
	.quad part1, 10
	.quad part2, -1
iov_bad_base:
	.quad part1, 10
	.quad 0xffff888000000000, 4
	.bss
scratch:	.skip 16
