# Runs of pushes and pops (the JIT stores and loads a run with one look-up when it lies in one
# page the MMU's fast path holds; otherwise one by one). Every case ends at `done`; the tests
# set RSP (and the mapping) to steer each run through the fast or the slow path.
    .text
    .globl start
start:                              # in: registers as set by the test
    push %rax
    push %rbx
    push $-5
    push %rcx
    push %r8
    push %r15
    push $0x1234
pops:
    pop  %rdx
    pop  %rsi
    pop  %rdi
    pop  %r9
    pop  %r10
    pop  %r11
    pop  %r12
    jmp  done

smc:                                # rsp = patchend: the first push overwrites `patch`
    push %rbx                       # rbx = 0x909000000007bc41: mov $7, %r12d; nop; nop
    push %rcx
patch:
    mov  $1, %r12d
    nop
    nop
patchend:
    mov  %r12, %r13
    jmp  done

    .balign 64
done:
    hlt
