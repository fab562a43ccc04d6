# uname: the fields that do not depend on the host: sysname and machine (release, version and
# nodename differ between kernels).
	.include "lib.inc"
	.text
	START
	lea	utsname(%rip), %rdi
	mov	$SYS_uname, %eax
	syscall
	CHECK "uname", %rax, 0
	SAY "sysname: "
	lea	utsname(%rip), %rsi
	call	print_field
	SAY "machine: "
	lea	utsname+4*65(%rip), %rsi
	call	print_field
	lea	utsname+2*65(%rip), %rsi
	movzbl	(%rsi), %eax
	sub	$'0', %eax
	cmp	$9, %eax
	setbe	%al
	movzbl	%al, %eax
	CHECK "release starts with a digit", %rax, 1
	mov	$1, %edi			# a bad pointer
	mov	$SYS_uname, %eax
	syscall
	CHECK "uname(1) -> -EFAULT", %rax, -14
	FINISH

# print_field(rsi = NUL-terminated field of at most 65 bytes) and a newline.
print_field:
	xor	%edx, %edx
1:	cmpb	$0, (%rsi, %rdx)
	je	2f
	inc	%edx
	cmp	$65, %edx
	jb	1b
2:	call	write_out
	SAY "\n"
	ret

	.bss
utsname:	.skip 6*65
