# enosys: numbers outside the 64-bit table return -ENOSYS (-38).  The syscall number is the
# sign-extended low 32 bits of rax (entry_SYSCALL_64: movslq %eax); -1 is "skip the syscall",
# which also leaves -ENOSYS.  (454 is out of range in Linux 6.6 but futex_wake in 6.7+, so the
# native comparison uses numbers above every kernel's table.)
	.include "lib.inc"
	.macro NOSYS nr
	movabs	$\nr, %rax
	syscall
	CHECK "syscall \nr", %rax, -38
	.endm
	.text
	START
	NOSYS 1000
	NOSYS 4095
	NOSYS 0x7fffffff
	NOSYS 0x80000000
	NOSYS 0xffffffff
	NOSYS -1
	NOSYS -2
	NOSYS 0x100000000 + 1000
	NOSYS 0x40000000 + 1000
	NOSYS 0x40000000 + 600
	# rdi..r9 survive an unknown system call too
	mov	$0x1111, %edi
	mov	$0x2222, %esi
	mov	$0x3333, %edx
	mov	$0x4444, %r10d
	mov	$0x5555, %r8d
	mov	$0x6666, %r9d
	mov	$2000, %eax
	syscall
	CHECK "syscall 2000 keeps rdi", %rdi, 0x1111
	CHECK "syscall 2000 keeps rsi", %rsi, 0x2222
	CHECK "syscall 2000 keeps rdx", %rdx, 0x3333
	CHECK "syscall 2000 keeps r10", %r10, 0x4444
	CHECK "syscall 2000 keeps r8", %r8, 0x5555
	CHECK "syscall 2000 keeps r9", %r9, 0x6666
	FINISH
