# toppage: the last page below the non-canonical hole, 0x7ffffffff000, is never mappable
# (TASK_SIZE_MAX = (1 << 47) - 4096), so a user SYSCALL can never leave a non-canonical return
# address in rcx; the page just below it can be mapped.  Runs on START's .bss stack, so mapping
# over whatever the kernel put at the top of the address space is harmless.
	.include "lib.inc"

	.macro MMAP addr, len, prot, flags
	movabs	$\addr, %rdi
	mov	$\len, %esi
	mov	$\prot, %edx
	mov	$\flags, %r10d
	mov	$-1, %r8
	xor	%r9d, %r9d
	mov	$SYS_mmap, %eax
	syscall
	.endm

	.text
	START
	MMAP 0x7ffffffff000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED
	CHECK "mmap MAP_FIXED 0x7ffffffff000 -> -ENOMEM", %rax, -12
	MMAP 0x7ffffffff000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE
	CHECK "mmap MAP_FIXED_NOREPLACE 0x7ffffffff000 -> -ENOMEM", %rax, -12
	MMAP 0x7fffffffe000, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED
	CHECK "mmap 2 pages at 0x7fffffffe000 -> -ENOMEM", %rax, -12
	MMAP 0x7ffffffff000, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS
	movabs	$0x7ffffffff000, %rdx
	cmp	%rdx, %rax
	setne	%al
	movzbl	%al, %eax
	CHECK "mmap hint 0x7ffffffff000 is not honoured", %rax, 1

	MMAP 0x7fffffffe000, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED
	CHECK "mmap MAP_FIXED 0x7fffffffe000", %rax, 0x7fffffffe000
	movabs	$0x7fffffffeff8, %rbx		# the last quadword of the highest mappable page
	mov	(%rbx), %rax
	CHECK "  reads as zero", %rax, 0
	movabs	$0x0123456789abcdef, %rax
	mov	%rax, (%rbx)
	mov	(%rbx), %rax
	CHECK "  write then read back", %rax, 0x0123456789abcdef

	movabs	$0x7ffffffff000, %rdi
	mov	$4096, %esi
	mov	$SYS_munmap, %eax
	syscall
	CHECK "munmap 0x7ffffffff000 -> -EINVAL", %rax, -22
	movabs	$0x7ffffffff000, %rdi
	mov	$4096, %esi
	mov	$PROT_READ, %edx
	mov	$SYS_mprotect, %eax
	syscall
	CHECK "mprotect 0x7ffffffff000 -> -ENOMEM", %rax, -12
	movabs	$0x7fffffffe000, %rdi
	mov	$4096, %esi
	mov	$SYS_munmap, %eax
	syscall
	CHECK "munmap 0x7fffffffe000", %rax, 0
	FINISH
