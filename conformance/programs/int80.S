# int80: the i386 system-call ABI from 64-bit code through int $0x80 (IA32 emulation): number in
# eax, arguments in ebx, ecx, edx truncated to 32 bits, i386 numbers (write 4, getpid 20,
# exit 1); r8-r15 survive (Linux 4.17+ preserves them); the last call exits with status 7.
	.include "lib.inc"
	.text
	START
	mov	$SYS_getpid, %eax
	syscall
	mov	%rax, %r15			# the 64-bit answer

	movabs	$0x8888888888888888, %r8
	movabs	$0x9999999999999999, %r9
	movabs	$0xaaaaaaaaaaaaaaaa, %r10
	movabs	$0xbbbbbbbbbbbbbbbb, %r11
	movabs	$0xcccccccccccccccc, %r12
	mov	$4, %eax			# i386 write
	mov	$1, %ebx
	lea	msg(%rip), %rcx
	movabs	$0xdead000000000000, %rdx
	or	%rdx, %rcx			# upper half ignored: ecx is the pointer
	mov	$(msg_end - msg), %edx
	int	$0x80
	mov	%rax, saved(%rip)		# print nothing before saving: SYSCALL clobbers r11
	mov	%r8, saved+8(%rip)
	mov	%r9, saved+16(%rip)
	mov	%r10, saved+24(%rip)
	mov	%r11, saved+32(%rip)
	mov	%r12, saved+40(%rip)
	mov	saved(%rip), %rax
	CHECK "int $0x80 write returns the length", %rax, (msg_end-msg)
	mov	saved+8(%rip), %rax
	CHECK "  r8 kept", %rax, 0x8888888888888888
	mov	saved+16(%rip), %rax
	CHECK "  r9 kept", %rax, 0x9999999999999999
	mov	saved+24(%rip), %rax
	CHECK "  r10 kept", %rax, 0xaaaaaaaaaaaaaaaa
	mov	saved+32(%rip), %rax
	CHECK "  r11 kept", %rax, 0xbbbbbbbbbbbbbbbb
	mov	saved+40(%rip), %rax
	CHECK "  r12 kept", %rax, 0xcccccccccccccccc

	mov	$20, %eax			# i386 getpid
	int	$0x80
	cmp	%r15, %rax
	CHECK_FLAGS "int $0x80 getpid (20) matches syscall getpid (39)", %rax

	mov	$224, %eax			# i386 gettid
	int	$0x80
	cmp	%r15, %rax
	CHECK_FLAGS "int $0x80 gettid (224) matches too", %rax

	mov	$102, %eax			# 64-bit getuid
	syscall
	mov	%rax, %r14
	mov	$199, %eax			# i386 getuid32
	int	$0x80
	cmp	%r14, %rax
	CHECK_FLAGS "int $0x80 getuid32 (199) matches syscall getuid (102)", %rax

	mov	$5000, %eax
	int	$0x80
	CHECK "int $0x80 number 5000 -> -ENOSYS", %rax, -38

	SAY "exiting through int $0x80 with status 7\n"
	mov	$1, %eax			# i386 exit
	movabs	$0x1234567800000007, %rbx
	int	$0x80
	SAY "not reached\n"
	FINISH

	.section .rodata
msg:	.ascii "written by int $0x80\n"
msg_end:
	.bss
saved:	.skip 48
