# mm: anonymous mmap, munmap, mprotect and brk, then a write to a read-only page, which the
# kernel turns into SIGSEGV (exit status 139).
	.include "lib.inc"

	.macro MMAP addr, len, prot, flags
	movabs	$\addr, %rdi
	mov	$\len, %rsi
	mov	$\prot, %edx
	mov	$\flags, %r10d
	mov	$-1, %r8
	xor	%r9d, %r9d
	mov	$SYS_mmap, %eax
	syscall
	.endm

	.macro SYS3 nr, a0, a1, a2
	mov	\a0, %rdi
	mov	\a1, %rsi
	mov	\a2, %rdx
	mov	$\nr, %eax
	syscall
	.endm

	.text
	START
	# --- mmap argument checks
	MMAP 0, 0, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS
	CHECK "mmap length 0 -> -EINVAL", %rax, -22
	MMAP 0, 4096, PROT_READ, MAP_ANONYMOUS
	CHECK "mmap without MAP_PRIVATE/SHARED -> -EINVAL", %rax, -22
	MMAP 0x10001, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED
	CHECK "mmap MAP_FIXED unaligned -> -EINVAL", %rax, -22
	MMAP 0, 4096, PROT_READ, MAP_PRIVATE
	CHECK "mmap of fd -1 without MAP_ANONYMOUS -> -EBADF", %rax, -9

	MMAP 0, 4096, PROT_READ|PROT_WRITE|0x8, MAP_PRIVATE|MAP_ANONYMOUS
	test	$0xfff, %eax			# an address, not -errno
	setz	%al
	movzbl	%al, %eax
	CHECK "mmap ignores unknown prot bits (PROT_SEM)", %rax, 1

	# --- a 3-page read/write mapping: zero-filled, writable, page aligned
	MMAP 0, 3*4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS
	mov	%rax, %rbx
	test	$0xfff, %ebx
	setnz	%al
	movzbl	%al, %eax
	CHECK "mmap 3 pages: page aligned", %rax, 0
	mov	4096(%rbx), %rax
	or	8184(%rbx), %rax
	CHECK "  zero filled", %rax, 0
	movq	$0x55aa, 8(%rbx)
	movq	$0x66bb, 2*4096+8(%rbx)
	mov	8(%rbx), %rax
	CHECK "  writable", %rax, 0x55aa

	# --- munmap the middle page; the outer pages stay
	lea	4096(%rbx), %r12
	SYS3 SYS_munmap, %r12, $4096, $0
	CHECK "munmap the middle page", %rax, 0
	mov	2*4096+8(%rbx), %rax
	CHECK "  last page kept its data", %rax, 0x66bb
	lea	1(%rbx), %r12
	SYS3 SYS_munmap, %r12, $4096, $0
	CHECK "munmap unaligned -> -EINVAL", %rax, -22
	SYS3 SYS_munmap, %rbx, $0, $0
	CHECK "munmap length 0 -> -EINVAL", %rax, -22

	# --- mprotect
	lea	4096(%rbx), %r12
	SYS3 SYS_mprotect, %r12, $4096, $PROT_READ
	CHECK "mprotect the unmapped hole -> -ENOMEM", %rax, -12
	lea	1(%rbx), %r12
	SYS3 SYS_mprotect, %r12, $4096, $PROT_READ
	CHECK "mprotect unaligned -> -EINVAL", %rax, -22
	SYS3 SYS_mprotect, %rbx, $4096, $0x1000
	CHECK "mprotect unknown prot bit -> -EINVAL", %rax, -22
	SYS3 SYS_mprotect, %rbx, $4096, $0x03000000
	CHECK "mprotect GROWSDOWN|GROWSUP -> -EINVAL", %rax, -22
	SYS3 SYS_mprotect, %rbx, $4096, $(PROT_READ|PROT_WRITE|0x8)
	CHECK "mprotect accepts PROT_SEM", %rax, 0
	SYS3 SYS_mprotect, %rbx, $4096, $PROT_READ
	CHECK "mprotect first page read-only", %rax, 0
	mov	8(%rbx), %rax
	CHECK "  still readable", %rax, 0x55aa

	# --- brk: grow by two pages, use them, shrink back
	SYS3 SYS_brk, $0, $0, $0
	mov	%rax, %r13			# current break
	lea	8192(%r13), %r12
	SYS3 SYS_brk, %r12, $0, $0
	cmp	%r12, %rax
	CHECK_FLAGS "brk grows by 8192", %rax
	movq	$0x77, (%r13)
	movq	$0x88, 8184(%r13)
	mov	(%r13), %rax
	add	8184(%r13), %rax
	CHECK "  new heap is writable", %rax, 0xff
	SYS3 SYS_brk, %r13, $0, $0
	cmp	%r13, %rax
	CHECK_FLAGS "brk shrinks back", %rax
	SYS3 SYS_brk, $0, $0, $0
	cmp	%r13, %rax
	CHECK_FLAGS "brk(0) reports it", %rax
	SYS3 SYS_brk, $0x1000, $0, $0
	cmp	%r13, %rax
	CHECK_FLAGS "brk below the start is refused", %rax

	# --- the end: a write to the read-only page
	SAY "writing to the read-only page\n"
	movq	$1, 16(%rbx)
	SAY "not reached\n"
	FINISH
