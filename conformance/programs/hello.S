# hello: the smallest complete program: write(1, ...) and exit_group(42).
	.include "lib.inc"
	.text
	START
	SAY "hello, world\n"
	SAY "exiting with status 42\n"
	mov	$42, %edi
	jmp	exit_with
