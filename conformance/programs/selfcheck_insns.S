# Instruction self-check: runs a mix of integer instructions (stack, strings, bit strings,
# cmpxchg, enter/leave, partial registers, multiply/divide, rotates...) and folds every general
# register and the defined flags after each step into a hash, printed in hex at the end.
# Run natively and under lstar: the output must be identical. No libc.
    .equ SYS_write, 1
    .equ SYS_exit_group, 231
    .equ FLAGMASK, 0x8c5            # CF PF ZF SF OF (AF left out: undefined after several ops)

    .macro SAVE_REGS
    mov   %rax, save+0(%rip)
    mov   %rbx, save+8(%rip)
    mov   %rcx, save+16(%rip)
    mov   %rdx, save+24(%rip)
    mov   %rsi, save+32(%rip)
    mov   %rdi, save+40(%rip)
    mov   %rbp, save+48(%rip)
    mov   %r8,  save+56(%rip)
    mov   %r9,  save+64(%rip)
    mov   %r10, save+72(%rip)
    mov   %r11, save+80(%rip)
    mov   %r12, save+88(%rip)
    mov   %r13, save+96(%rip)
    mov   %r14, save+104(%rip)
    mov   %r15, save+112(%rip)
    .endm

    # CHECK: fold registers and defined flags; CHECKR: registers only (flags undefined here)
    .macro CHECK
    pushfq
    SAVE_REGS
    pop   %rax
    and   $FLAGMASK, %eax
    mov   %rax, save+120(%rip)
    call  fold
    mov   save+0(%rip), %rax
    .endm
    .macro CHECKR
    SAVE_REGS
    movq  $0, save+120(%rip)
    call  fold
    mov   save+0(%rip), %rax
    .endm

    .text
    .globl _start
_start:
    and   $-16, %rsp                   # (no stack address may reach the hash: it differs run to run)
    mov   $0x0bad0bad0bad0bad, %rbp
    # distinct register patterns
    mov   $0x0123456789abcdef, %rax
    mov   $0xfedcba9876543210, %rbx
    mov   $0x8000000000000001, %rcx
    mov   $0x7fffffffffffffff, %rdx
    lea   buf(%rip), %rsi
    lea   buf+256(%rip), %rdi
    mov   $0x00000000ffffffff, %r8
    mov   $-2, %r9
    mov   $0x5555aaaa5555aaaa, %r10
    mov   $0x1000, %r11
    mov   $3, %r12
    mov   $0xdeadbeef, %r13
    mov   $0xcafef00d12345678, %r14
    xor   %r15d, %r15d
    CHECKR

    # ---- partial registers and extensions
    mov   $0x1122334455667788, %rax
    mov   $0x99, %ah
    mov   $0x77, %al
    movw  $0xbeef, %bx
    movl  $0x80000000, %ecx            # zero-extends
    movsbq %al, %rdx
    movzwl %bx, %r8d
    movslq %ecx, %r9
    movsbw %ah, %si
    CHECKR
    cbw
    cwde
    cdqe
    mov   %rax, %rbx
    mov   $0x8000, %eax
    cwd
    cdq
    mov   $-5, %rax
    cqo
    CHECKR

    # ---- arithmetic with defined flags
    mov   $0x7fffffff, %eax
    add   $1, %eax
    CHECK
    mov   $0, %ebx
    sub   $1, %rbx
    CHECK
    stc
    adc   %rbx, %rbx
    CHECK
    stc
    sbb   $0x10, %bl
    CHECK
    neg   %r13
    CHECK
    not   %r13d
    inc   %r13w
    CHECK
    dec   %r12b
    CHECK

    # ---- multiply / divide (flags after them are partly undefined: CHECKR)
    mov   $0x123456789, %rax
    mov   $0x987654321, %rbx
    mul   %rbx
    CHECKR
    mov   $-7, %rax
    mov   $3, %rcx
    imul  %rcx
    CHECKR
    imul  $-3, %rbx, %r8
    imul  %r8w, %r9w
    CHECKR
    mov   $1000001, %eax
    xor   %edx, %edx
    mov   $7, %ecx
    div   %ecx
    CHECKR
    mov   $-1000001, %rax
    cqo
    mov   $13, %rcx
    idiv  %rcx
    CHECKR
    mov   $0x1234, %ax
    mov   $0x56, %cl
    div   %cl
    CHECKR

    # ---- shifts and rotates by 1 (all flags defined except AF)
    mov   $0x8000000000000001, %rax
    shl   $1, %rax
    CHECK
    sar   $1, %rax
    CHECK
    rcr   $1, %rax
    CHECKR
    mov   $0x81, %bl
    rol   $1, %bl
    CHECKR
    mov   $0xf0f0, %cx
    mov   $0x0ff0, %dx
    shld  $4, %dx, %cx
    CHECKR
    shrd  $8, %rdx, %rax
    CHECKR
    mov   $5, %cl
    rcl   %cl, %r10
    CHECKR

    # ---- bit instructions, including the memory bit-string forms
    movq  $0, bits(%rip)
    movq  $0, bits+8(%rip)
    movq  $0, bits+16(%rip)
    mov   $77, %rcx
    bts   %rcx, bits+8(%rip)           # bit 77 of the string at bits+8
    mov   $-3, %rcx
    bts   %rcx, bits+8(%rip)           # bit -3: bits+7 byte, bit 5
    btcq  $63, bits(%rip)
    mov   $64, %ecx
    btr   %ecx, bits(%rip)             # 32-bit form: offset 64 -> dword at bits+8
    mov   bits(%rip), %rax
    mov   bits+8(%rip), %rbx
    mov   bits+16(%rip), %rdx
    CHECKR
    mov   $0x00f0, %eax
    bsf   %eax, %ebx
    bsr   %eax, %ecx
    popcnt %rax, %rdx
    CHECKR
    bswap %rax
    bswap %ebx
    CHECKR

    # ---- conditional moves / sets from memory
    movq  $0x4444, tmp(%rip)
    cmp   $1, %eax
    cmovne tmp(%rip), %r11
    sete  tmp2(%rip)
    setb  %r12b
    movzbl tmp2(%rip), %r13d
    CHECK

    # ---- exchange family
    movq  $100, tmp(%rip)
    mov   $5, %rax
    xchg  %rax, tmp(%rip)
    CHECKR
    mov   $100, %eax
    mov   $200, %ebx
    lock cmpxchg %ebx, tmp(%rip)       # tmp == 5 != 100: eax <- 5
    CHECK
    mov   $5, %eax
    lock cmpxchg %ebx, tmp(%rip)       # equal: tmp <- 200
    mov   tmp(%rip), %rcx
    CHECK
    mov   $7, %eax
    lock xadd %eax, tmp(%rip)
    mov   tmp(%rip), %rdx
    CHECK
    movq  $1, pair(%rip)
    movq  $2, pair+8(%rip)
    mov   $1, %eax
    mov   $2, %edx
    mov   $0x11, %ebx
    mov   $0x22, %ecx
    lock cmpxchg16b pair(%rip)
    mov   pair(%rip), %r8
    mov   pair+8(%rip), %r9
    CHECKR

    # ---- stack: push/pop forms, pushf/popf, call/ret imm, enter/leave
    mov   %rsp, %r14
    push  $-1
    pushq tmp(%rip)
    push  %rbx
    pushw $0x1234
    popw  %ax
    pop   %rcx
    popq  tmp(%rip)
    pop   %rdx
    sub   %rsp, %r14                   # 0 when balanced
    CHECKR
    push  $0x8d5
    popfq
    pushfq
    pop   %rbx
    and   $0x8d5, %ebx
    CHECKR
    push  $42
    call  add_ret8
    CHECKR
    push  %rbp
    mov   %rsp, %rbp
    enter $32, $0
    mov   %rsp, %rax
    sub   %rbp, %rax
    leave
    mov   %rsp, %rbx
    sub   %rbp, %rbx
    enter $16, $3
    mov   %rbp, %rcx
    sub   %rsp, %rcx
    leave
    pop   %rbp
    CHECKR

    # ---- strings forward and backward, rep with rcx = 0, repe/repne
    cld
    lea   src(%rip), %rsi
    lea   buf(%rip), %rdi
    mov   $19, %ecx
    rep movsb
    mov   %rsi, %rax
    lea   src(%rip), %rbx
    sub   %rbx, %rax
    CHECKR
    std
    lea   buf+300(%rip), %rdi
    mov   $0x0102030405060708, %rax
    mov   $4, %ecx
    rep stosq
    cld
    mov   buf+276(%rip), %rbx
    mov   buf+292(%rip), %rdx
    CHECKR
    xor   %ecx, %ecx
    lea   buf(%rip), %rdi
    mov   $0x55, %al
    rep stosb                          # nothing happens
    mov   %rdi, %rdx
    lea   buf(%rip), %rbx
    sub   %rbx, %rdx
    CHECKR
    lea   src(%rip), %rsi
    lea   buf(%rip), %rdi
    mov   $19, %ecx
    repe cmpsb                         # equal all the way
    CHECK
    lea   src(%rip), %rdi
    mov   $'q', %al
    mov   $100, %ecx
    repne scasb
    CHECK
    lea   src(%rip), %rsi
    lodsw
    lodsl
    lodsq
    CHECKR
    lea   src(%rip), %rbx
    mov   $3, %eax
    xlat
    CHECKR
    lea   src(%rip), %esi              # addr32 string op through esi/edi/ecx
    lea   buf+400(%rip), %edi
    mov   $5, %ecx
    addr32 rep movsb
    mov   buf+400(%rip), %rax
    CHECKR

    # ---- loops and flags transfer
    mov   $10, %ecx
    xor   %eax, %eax
1:  add   %ecx, %eax
    loop  1b
    CHECKR
    mov   $0xd5, %ah
    sahf
    lahf
    CHECK
    xor   %ecx, %ecx
    jrcxz 2f
    mov   $1, %eax
2:  CHECKR

    # ---- print the hash and exit 0
    mov   hash(%rip), %rax
    lea   out+16(%rip), %rdi
    mov   $16, %ecx
3:  mov   %eax, %edx
    and   $15, %edx
    movzbl hexd(%rdx), %edx
    dec   %rdi
    mov   %dl, (%rdi)
    shr   $4, %rax
    loop  3b
    mov   $1, %edi
    lea   msg(%rip), %rsi
    mov   $msg_len, %edx
    mov   $SYS_write, %eax
    syscall
    xor   %edi, %edi
    mov   $SYS_exit_group, %eax
    syscall
    ud2

add_ret8:
    mov   8(%rsp), %rax
    add   $1, %rax
    ret   $8

# hash = (hash rol 7) ^ word, then * an odd constant, over the 16 saved words
fold:
    push  %rcx
    push  %rdx
    push  %rsi
    mov   hash(%rip), %rax
    lea   save(%rip), %rsi
    mov   $16, %ecx
4:  rol   $7, %rax
    xor   (%rsi), %rax
    mov   $0x9e3779b97f4a7c15, %rdx
    imul  %rdx, %rax
    add   $8, %rsi
    dec   %ecx
    jnz   4b
    mov   %rax, hash(%rip)
    pop   %rsi
    pop   %rdx
    pop   %rcx
    ret

    .section .rodata
hexd: .ascii "0123456789abcdef"
src:  .ascii "the quick brown fox jumps"

    .data
msg:  .ascii "selfcheck_insns hash "
out:  .ascii "0000000000000000\n"
    .equ msg_len, . - msg

    .bss
    .p2align 4
pair: .zero 16
save: .zero 128
hash: .zero 8
tmp:  .zero 8
tmp2: .zero 8
bits: .zero 24
buf:  .zero 512
