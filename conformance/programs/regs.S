# regs: across SYSCALL every general register except rax, rcx and r11 keeps its value; rcx holds
# the address of the instruction after the syscall and r11 the RFLAGS at the syscall (RF clear),
# and the flags themselves are restored (SDM Vol. 2B SYSCALL/SYSRET; the x86-64 syscall ABI).
# Three cases: the arithmetic flags and DF set, all clear, and NT|CF (Linux's syscall_nt test:
# FMASK clears NT inside the kernel, SYSRET/IRET give it back).
	.include "lib.inc"

	.set P_RBX, 0xb0b1b2b3b4b5b6b7
	.set P_RDX, 0xd0d1d2d3d4d5d6d7
	.set P_RSI, 0x5150525354555657
	.set P_RDI, 0xd1d0d3d2d5d4d7d6
	.set P_RBP, 0xbebfbcbdbabbb8b9
	.set P_R8,  0x8081828384858687
	.set P_R9,  0x9091929394959697
	.set P_R10, 0xa0a1a2a3a4a5a6a7
	.set P_R12, 0xc0c1c2c3c4c5c6c7
	.set P_R13, 0x1d1c1b1a19181716
	.set P_R14, 0xe0e1e2e3e4e5e6e7
	.set P_R15, 0xf0f1f2f3f4f5f6f7

	.macro GOT reg, name, value
	mov	got_\reg(%rip), %rax
	CHECK "\name \reg", %rax, \value
	.endm

# CASE title, rflags to set, syscall number, expected r11
	.macro CASE title, flags, nr, r11
	SAY "\title\n"
	mov	%rsp, sp_before(%rip)
	pushq	$\flags
	popfq
	movabs	$P_RBX, %rbx
	movabs	$P_RDX, %rdx
	movabs	$P_RSI, %rsi
	movabs	$P_RDI, %rdi
	movabs	$P_RBP, %rbp
	movabs	$P_R8, %r8
	movabs	$P_R9, %r9
	movabs	$P_R10, %r10
	movabs	$P_R12, %r12
	movabs	$P_R13, %r13
	movabs	$P_R14, %r14
	movabs	$P_R15, %r15
	mov	$\nr, %eax
	syscall
.Lret\@:
	mov	%rbx, got_rbx(%rip)
	mov	%rdx, got_rdx(%rip)
	mov	%rsi, got_rsi(%rip)
	mov	%rdi, got_rdi(%rip)
	mov	%rbp, got_rbp(%rip)
	mov	%r8, got_r8(%rip)
	mov	%r9, got_r9(%rip)
	mov	%r10, got_r10(%rip)
	mov	%r12, got_r12(%rip)
	mov	%r13, got_r13(%rip)
	mov	%r14, got_r14(%rip)
	mov	%r15, got_r15(%rip)
	mov	%rsp, got_rsp(%rip)
	mov	%rcx, got_rcx(%rip)
	mov	%r11, got_r11(%rip)
	pushfq
	popq	got_flags(%rip)
	pushq	$0x202
	popfq
	GOT rbx, "  kept", P_RBX
	GOT rdx, "  kept", P_RDX
	GOT rsi, "  kept", P_RSI
	GOT rdi, "  kept", P_RDI
	GOT rbp, "  kept", P_RBP
	GOT r8, "  kept", P_R8
	GOT r9, "  kept", P_R9
	GOT r10, "  kept", P_R10
	GOT r12, "  kept", P_R12
	GOT r13, "  kept", P_R13
	GOT r14, "  kept", P_R14
	GOT r15, "  kept", P_R15
	mov	got_rsp(%rip), %rax
	cmp	sp_before(%rip), %rax
	CHECK_FLAGS "  kept rsp", %rax
	mov	got_rcx(%rip), %rax
	lea	.Lret\@(%rip), %rdx
	cmp	%rdx, %rax
	CHECK_FLAGS "  rcx = return address", %rax
	mov	got_r11(%rip), %rax
	CHECK "  r11 = rflags at the syscall", %rax, \r11
	mov	got_flags(%rip), %rax
	CHECK "  rflags restored", %rax, \r11
	.endm

	.text
	START
	CASE "getpid with CF PF AF ZF SF DF OF set", 0xcd5, SYS_getpid, 0xed7
	CASE "getpid with the flags clear", 0, SYS_getpid, 0x202
	CASE "unknown syscall 1000 with NT and CF set", 0x4001, 1000, 0x4203
	FINISH

	.bss
sp_before:	.quad 0
got_rbx:	.quad 0
got_rdx:	.quad 0
got_rsi:	.quad 0
got_rdi:	.quad 0
got_rbp:	.quad 0
got_r8:		.quad 0
got_r9:		.quad 0
got_r10:	.quad 0
got_r12:	.quad 0
got_r13:	.quad 0
got_r14:	.quad 0
got_r15:	.quad 0
got_rsp:	.quad 0
got_rcx:	.quad 0
got_r11:	.quad 0
got_flags:	.quad 0
