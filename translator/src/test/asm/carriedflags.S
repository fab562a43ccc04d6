# Three regions whose flag record crosses the back-edge: the compare that closes each loop is
# deferred (kept in locals) and carried into the next iteration, where the loop head reads it
# before any flag writer (SETcc, CMOVcc) and a load may fault. In the first iteration those
# flags are the ones from before the loop (nothing deferred yet); in later ones the previous
# iteration's compare (loop C: a DEC, and an INC before it, keep CF from the compare before; the
# INC's SETC/SETL go through the Cpu). The loops run twice, so that the second
# round enters regions already made with flags from outside them.
# Ring 0, flat image at 0x400000, data page at rsi set up by the test: per round (r15 = rsi, then
# rsi+0x400) qword tables at r15 (loop A, by rcx), r15+0x800 (loop B, by r14) and r15+0x2e0 (loop
# C, by r14) of offsets into the page, or 0x40000000 (not mapped) where the load shall fault.
# in:  rdx, rbx = the operands of the compare before loop A; rdi = loop A's end (<= 100)
# out: r8 (SETB of loop A, SETL and the final SETC of C), r9 (CMOVA and CMOVS), r10 (SETP of B,
#      SETC of C), RFLAGS.
    .text
    .globl start
start:
    xor   %eax, %eax
    xor   %r8d, %r8d
    xor   %r9d, %r9d
    xor   %r10d, %r10d
    mov   $2, %r11d
    mov   %rsi, %r15
round:
    mov   $1, %ecx
    mov   $100, %r14d
    cmp   %rbx, %rdx                # the flags loop A's first iteration reads
    jmp   loopa
loopa:
    mov   (%r15,%rcx,8), %rbp
    mov   (%rsi,%rbp), %r12         # may fault
    setb  %al                       # CF of the carried CMP (first: of the CMP above)
    movzbl %al, %eax
    lea   (%rax,%r8,2), %r8
    cmova %r12, %r9                 # CF and ZF of the carried CMP
    lea   1(%rcx), %rcx
    cmp   %rdi, %rcx                # SUB_AB, both registers
    jb    loopa
    xor   %r12d, %r12d
    add   %rdx, %r12                # (the flags loop B's first iteration reads: an ADD's)
loopb:
    mov   0x800(%r15,%r14,8), %rbp
    mov   (%rsi,%rbp), %r12         # may fault
    setp  %al                       # PF of the carried NEG (first: of the ADD above)
    movzbl %al, %eax
    lea   (%rax,%r10,2), %r10
    cmovs %r12, %r9                 # SF of the carried NEG
    lea   -1(%r14), %r14
    mov   %r14, %r13
    imul  $0x5e3779b1, %r13, %r13
    test  %r13, %r14                # (flags dead: the NEG writes them all)
    mov   %r13, %r12
    neg   %r12                      # NEG_R: the record the loop closes with (ZF: r14 == 0)
    jnz   loopb
    mov   $30, %r14d
    cmp   %rbx, %rdx                # the flags before loop C (dead: the TEST writes them all)
    jmp   loopc
loopc:
    mov   0x2e0(%r15,%r14,8), %rbp
    mov   (%rsi,%rbp), %r12         # may fault: the carried DEC's flags
    test  %r12, %r12                # LOGIC: CF = 0
    inc   %r13                      # keeps the TEST's CF
    setc  %al                       # CF and SF != OF of the INC: through the Cpu, not the slots
    setl  %cl
    movzbl %al, %eax
    lea   (%rax,%r10,2), %r10
    movzbl %cl, %ecx
    lea   (%rcx,%r8,2), %r8
    cmp   %rsi, %rbp                # CF = 1 (rbp, an offset, < rsi)
    inc   %r13                      # keeps the CMP's CF
    sets  %r9b                      # (SF of the INC, from the slots: the INC's record stays deferred)
    dec   %r14d                     # DEC_R, keeps the INC's kept CF: the record the loop closes with
    jnz   loopc
    setc  %al                       # after the loop: the CF the last DEC kept
    movzbl %al, %eax
    lea   (%rax,%r8,2), %r8
    lea   0x400(%r15), %r15
    sub   $1, %r11d
    jnz   round
done:
    hlt
