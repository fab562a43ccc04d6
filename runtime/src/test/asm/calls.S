# Recursion and the stack: rax = fib(rdi) computed recursively (push/pop/call/ret/cmp/jcc/lea).
    .text
    .globl start
start:
    call fib
done:
    hlt
fib:
    cmp  $2, %rdi
    jb   1f
    push %rbx
    push %rdi
    lea  -1(%rdi), %rdi
    call fib
    mov  %rax, %rbx
    pop  %rdi
    push %rdi
    sub  $2, %rdi
    call fib
    add  %rbx, %rax
    pop  %rdi
    pop  %rbx
    ret
1:  mov  %rdi, %rax
    ret
