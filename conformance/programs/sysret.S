# sysret: lstar-only (SysretPathTest).  Calls system call 335, which the test installs with
# SyscallTable.override to rewrite pt_regs the way sigreturn or ptrace would, and reports where
# and how the kernel returned: at the next instruction (exit 0) or at `alt` (exit 11), with r11
# and RFLAGS.  Arguments to 335: rdi = the address of alt, rsi = the user RSP at the syscall.
	.include "lib.inc"
	.text
	START
	SAY "calling 335\n"
	lea	alt(%rip), %rdi
	mov	%rsp, %rsi
	pushq	$0x202
	popfq
	mov	$335, %eax
	syscall
	mov	%r11, saved_r11(%rip)
	pushfq
	popq	saved_flags(%rip)
	SAY "back at the next instruction\n"
	call	report
	xor	%edi, %edi
	jmp	exit_with

alt:
	mov	%r11, saved_r11(%rip)
	pushfq
	popq	saved_flags(%rip)
	SAY "back at alt\n"
	call	report
	mov	$11, %edi
	jmp	exit_with

report:
	SAY "rax "
	mov	%rax, %rdi
	call	print_hex
	SAY " r11 "
	mov	saved_r11(%rip), %rdi
	call	print_hex
	SAY " rflags "
	mov	saved_flags(%rip), %rdi
	call	print_hex
	SAY "\n"
	ret

	.bss
saved_r11:	.quad 0
saved_flags:	.quad 0
