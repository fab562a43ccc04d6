# String instructions: rep movsb copy, rep stosq fill, repne scasb strlen, repe cmpsb compare.
# in: rsi = source (a NUL-terminated string), rdi = destination buffer (>= 256 bytes), rdx = scratch (>= 64 bytes)
# out: r8 = strlen(source), r9 = 0 if copy equals source, r10 = rdi after stosq, r11 = first qword of scratch
    .text
    .globl start
start:
    cld
    mov  %rdi, %r12          # dst
    mov  %rsi, %r13          # src
    # strlen: repne scasb over src
    mov  %r13, %rdi
    xor  %eax, %eax
    mov  $-1, %rcx
    repne scasb
    not  %rcx
    dec  %rcx
    mov  %rcx, %r8
    # copy len+1 bytes src -> dst
    lea  1(%r8), %rcx
    mov  %r13, %rsi
    mov  %r12, %rdi
    rep movsb
    # compare
    lea  1(%r8), %rcx
    mov  %r13, %rsi
    mov  %r12, %rdi
    repe cmpsb
    setne %al
    movzbl %al, %r9d
    # fill 8 qwords of scratch with a pattern
    mov  %rdx, %rdi
    mov  $0x1122334455667788, %rax
    mov  $8, %ecx
    rep stosq
    mov  %rdi, %r10
    mov  (%rdx), %r11
done:
    hlt
