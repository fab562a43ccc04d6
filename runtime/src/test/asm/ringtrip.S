# Ring-0 -> SYSRET -> ring 3 -> SYSCALL -> ring 0 round trip.
# Starts in ring 0 with STAR/LSTAR/FMASK/EFER.SCE set by the test, LSTAR = kentry.
# rcx = user entry (user_code), r11 = user rflags, rsp = user stack (set by the test).
    .text
    .globl start
start:
    sysretq
user_code:
    mov  $0x1234, %rax
    mov  $0x77, %rdi
    syscall
after_syscall:
    ud2
kentry:
    # ring 0 again: rcx = after_syscall, r11 = user rflags
    mov  %rcx, %r12
    mov  %r11, %r13
done:
    hlt
