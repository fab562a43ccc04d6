# fault NAME: prints the case name, then makes one user-mode fault that Linux turns into a
# signal; the process has no handlers, so it dies of it and the shell sees 128 + signal:
#   SIGSEGV 139: page faults, #GP from privileged instructions at CPL 3 (IOPL 0), non-canonical
#                addresses (a jump to one faults on the fetch at CPL 3)
#   SIGILL 132: #UD.  SIGFPE 136: #DE.  SIGTRAP 133: #BP.
# Unknown NAME: exit status 2.
	.include "lib.inc"

	.macro CASE name
	.pushsection .rodata
.Lname\@:
	.asciz "\name"
	.popsection
	.pushsection .data.cases, "aw"
	.quad .Lname\@, .Lcase\@
	.popsection
	.text
.Lcase\@:
	.endm

	.section .data.cases, "aw"		# the table: (name, code) pairs, ended by a zero name
	.p2align 3
cases:

	.text
	START
	mov	$1, %edi
	call	arg
	test	%rax, %rax
	jz	usage
	mov	%rax, %rdi
	lea	cases(%rip), %rbx
1:	mov	(%rbx), %rsi
	test	%rsi, %rsi
	jz	usage
	call	streq
	je	2f
	add	$16, %rbx
	jmp	1b
2:	SAY "fault: "
	mov	%rdi, %rsi
	xor	%edx, %edx
3:	cmpb	$0, (%rsi, %rdx)
	je	4f
	inc	%edx
	jmp	3b
4:	call	write_out
	SAY "\n"
	mov	8(%rbx), %rax
	xor	%ecx, %ecx			# known register values at the fault
	xor	%edx, %edx
	jmp	*%rax

usage:
	SAY "usage: fault CASE\n"
	mov	$2, %edi
	jmp	exit_with

	CASE null-read
	mov	0, %rax
	CASE null-write
	movq	$1, 0
	CASE null-jump
	xor	%eax, %eax
	jmp	*%rax
	CASE ud2
	ud2
	CASE lock-nop
	.byte 0xf0, 0x90			# lock nop: #UD
	CASE into
	.byte 0xce				# into does not exist in 64-bit mode: #UD
	CASE div-zero
	mov	$1, %eax
	div	%ecx
	CASE idiv-overflow
	mov	$0x80000000, %eax
	mov	$0xffffffff, %edx		# edx:eax = INT32_MIN, sign-extended
	mov	$-1, %ecx
	idiv	%ecx				# INT32_MIN / -1 does not fit: #DE
	CASE int3
	int3
	CASE int-3
	int	$3				# CD 03: DPL 3 gate, #BP as well
	CASE int-0x40
	int	$0x40				# no DPL 3 gate: #GP
	CASE hlt
	hlt
	CASE cli
	cli				# CPL 3 > IOPL 0: #GP
	CASE in
	in	$0x60, %al			# no I/O permission: #GP
	CASE wrmsr
	mov	$0xc0000082, %ecx
	wrmsr
	CASE rdmsr
	mov	$0xc0000082, %ecx
	rdmsr
	CASE mov-cr3
	mov	%rcx, %cr3
	CASE read-cr0
	mov	%cr0, %rax
	CASE swapgs
	swapgs
	CASE sysret
	sysretq
	CASE noncanonical-jump
	movabs	$0x800000000000, %rax
	jmp	*%rax
	CASE noncanonical-read
	movabs	$0x800000000000, %rax
	mov	(%rax), %rax
	CASE kernel-read
	movabs	$0xffffffff81000000, %rax
	mov	(%rax), %rax
	CASE kernel-jump
	movabs	$0xffffffff81000000, %rax
	jmp	*%rax
	CASE top-page-read
	movabs	$0x7ffffffff000, %rax
	mov	(%rax), %rax
	CASE exec-data
	lea	data_code(%rip), %rax
	jmp	*%rax
	CASE trap-flag
	pushfq
	orq	$0x100, (%rsp)
	popfq				# TF: #DB after the next instruction
	nop
	nop
	CASE write-text
	lea	_start(%rip), %rax
	movb	$0x90, (%rax)

	.section .data.cases, "aw"
	.quad 0, 0

	.data
data_code:	.byte 0xc3
