# Scalar-double loops as compiled C writes them (movsd/mulsd/addsd/cvtsi2sd/movapd).
# dot:  rsi = a[], rdi = b[] (doubles), rcx = count.  out: xmm0 = sum of a[i]*b[i], rax = its bits.
# poly (entry "poly"): rcx = count, xmm3 = a, xmm4 = b.  out: xmm0 = sum over i of (i*a + b)*i, rax = its bits.
# Both end with hlt at "done".
    .text
    .globl start
start:
    pxor    %xmm0, %xmm0
dot:
    movsd   -8(%rsi,%rcx,8), %xmm1
    mulsd   -8(%rdi,%rcx,8), %xmm1
    addsd   %xmm1, %xmm0
    dec     %rcx
    jnz     dot
    jmp     finish
poly:
    pxor    %xmm0, %xmm0
polyloop:
    cvtsi2sd %rcx, %xmm1
    movapd  %xmm1, %xmm2
    mulsd   %xmm3, %xmm2
    addsd   %xmm4, %xmm2
    mulsd   %xmm1, %xmm2
    addsd   %xmm2, %xmm0
    dec     %rcx
    jnz     polyloop
finish:
    movq    %xmm0, %rax
done:
    hlt
