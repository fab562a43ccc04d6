# SSE2 string loops as glibc's x86-64 strlen/memcpy/memchr write them (movdqa/movdqu, pcmpeqb,
# pmovmskb, bsf). Each entry ends at "done" (hlt).
# start (strlen): rdi = 16-byte aligned NUL-terminated string.  out: rax = its length.
# copy (memcpy): rsi = source, rdi = destination, rcx = byte count (a multiple of 16).  out: rax = rcx.
# chr (memchr): rdi = buffer, rcx = byte count (a multiple of 16), edx = the byte.  out: rax = its address, or 0.
    .text
    .globl start
start:
    pxor     %xmm0, %xmm0
    mov      %rdi, %rax
slen:
    movdqa   (%rax), %xmm1
    pcmpeqb  %xmm0, %xmm1
    pmovmskb %xmm1, %edx
    add      $16, %rax
    test     %edx, %edx
    jz       slen
    bsf      %edx, %edx
    lea      -16(%rax,%rdx), %rax
    sub      %rdi, %rax
    jmp      done
copy:
    xor      %eax, %eax
cpy:
    movdqu   (%rsi,%rax), %xmm0
    movdqu   %xmm0, (%rdi,%rax)
    add      $16, %rax
    cmp      %rcx, %rax
    jb       cpy
    jmp      done
chr:
    movd     %edx, %xmm0
    punpcklbw %xmm0, %xmm0
    punpcklwd %xmm0, %xmm0
    pshufd   $0, %xmm0, %xmm0
    mov      %rdi, %rax
    add      %rdi, %rcx
mchr:
    movdqu   (%rax), %xmm1
    pcmpeqb  %xmm0, %xmm1
    pmovmskb %xmm1, %edx
    test     %edx, %edx
    jnz      found
    add      $16, %rax
    cmp      %rcx, %rax
    jb       mchr
    xor      %eax, %eax
    jmp      done
found:
    bsf      %edx, %edx
    add      %rdx, %rax
done:
    hlt
