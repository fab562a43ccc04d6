/*
 * Tiny static x86-64 Linux program used by ElfFileTest: write(1, msg, len); exit_group(0).
 * It also has a .data word, a .bss buffer and a TLS variable so that the linked executable has
 * R, RX, R and RW PT_LOAD segments, a PT_TLS and a PT_GNU_STACK.  Built by build-hello.sh.
 */
	.section .text
	.globl _start
_start:
	movl	$1, %eax			/* write */
	movl	$1, %edi
	leaq	msg(%rip), %rsi
	movl	$(msg_end - msg), %edx
	syscall
	movl	$231, %eax			/* exit_group */
	xorl	%edi, %edi
	syscall
	hlt

	.section .rodata
msg:	.ascii "hello from lstar\n"
msg_end:

	.section .data
counter: .quad 42

	.section .bss
buffer:	.zero 8192

	.section .tdata, "awT", @progbits
tls_var: .quad 7

	.section .note.GNU-stack, "", @progbits
