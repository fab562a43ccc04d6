# Four regions whose flag record crosses the back-edge: the compare that closes each loop is
# deferred (kept in locals) and carried into the next iteration, where the loop head reads it
# before any flag writer (SETcc, CMOVcc) and a load may fault. In the first iteration those
# flags are the ones from before the loop (nothing deferred yet); in later ones the previous
# iteration's compare (loop C: a DEC, and an INC before it, keep CF from the compare before; the
# INC's SETC/SETL go through the Cpu; loop D: an ADD closes it, whose CF only the Cpu answers,
# and INCs keep the CF of ADDs of a 16-bit register and of memory). The loops run twice, so
# that the second round enters regions already made with flags from outside them.
# Ring 0, flat image at 0x400000, data page at rsi set up by the test: per round (r15 = rsi, then
# rsi+0x400) qword tables at r15 (loop A, by rcx), r15+0x800 (loop B, by r14), r15+0x2e0 (loop
# C, by r14) and r15+0xb20 (loop D, by r14) of offsets into the page, or 0x40000000 (not
# mapped) where the load shall fault.
# in:  rdx, rbx = the operands of the compare before loop A; rdi = loop A's end (<= 100)
# out: r8 (SETB of loop A, SETL and the final SETC of C, SETE/SETS of D), r9 (CMOVA and CMOVS,
#      D's INCs), r10 (SETP of B, SETC of C and D), rax (D's memory sum), RFLAGS.
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
    mov   $20, %r14d
    mov   %rdx, %r13
    add   %rbx, %r13                # the flags loop D's first iteration reads: an ADD's
loopd:
    mov   0xb20(%r15,%r14,8), %rbp
    mov   (%rsi,%rbp), %r12         # may fault: the carried ADD's record
    setc  %al                       # CF of the carried ADD: through the Cpu (an ADD record answers ZF/SF only)
    sete  %cl                       # ZF of it: from the slots
    movzbl %al, %eax
    lea   (%rax,%r10,2), %r10
    movzbl %cl, %ecx
    lea   (%rcx,%r8,2), %r8
    add   %r12w, %r13w              # ADD_RB, 16 bits
    inc   %r9                       # keeps the ADD's CF, taken from the slots
    setc  %al
    movzbl %al, %eax
    lea   (%rax,%r10,2), %r10
    add   %r13, -8(%rsp)            # ADD_AB: a memory destination (r13 grows: carries)
    inc   %r9                       # keeps its CF
    seto  %cl                       # (the INC's own flags are read: its record is deferred too)
    adc   %r13, %r13                # reads the CF kept: through the Cpu
    movzbl %cl, %ecx
    add   %rcx, %r13
    add   %r13, %r13                # ADD_RB of a register with itself
    sets  %cl
    movzbl %cl, %ecx
    lea   (%rcx,%r8,2), %r8
    add   $-1, %r14d                # ADD_RB with an immediate: the record the loop closes with
    jnz   loopd
    setc  %al                       # after the loop: the CF of the last ADD
    movzbl %al, %eax
    lea   (%rax,%r10,2), %r10
    lea   0x400(%r15), %r15
    sub   $1, %r11d
    jnz   round
    mov   -8(%rsp), %rax            # the sum loop D's memory ADDs left
done:
    hlt
