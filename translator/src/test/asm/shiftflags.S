# Shifts by constants whose flag record stays deferred (ConditionEmitter: SHL_AC, SHR_AC, SAR_AC —
# the operand before the shift and the count in two locals, stored only where someone may look):
# each shift is followed by a load that may fault (the fault must see the shift's flags), an INC
# that keeps its CF (taken from the slots), conditions read straight after it (through the Cpu),
# a count that masks to 0 (flags untouched: not deferred), counts beyond an 8-bit or 16-bit
# operand's width, a count that masks to 1, a memory destination, and in loop B a shift record
# carried over the back-edge into the loop head's faulting load. Every flag read is stored in a
# byte of its own (SETcc to memory). The loops run twice, so that the second round enters regions
# already made.
# Ring 0, flat image at 0x400000, data page at rsi set up by the test: per round (r15 = rsi, then
# rsi+0x400) qword tables at r15 and r15+0x200 (loop A's two loads, by rcx) and r15+0x800 (loop
# B, by r14) of offsets into the page, or 0x40000000 (not mapped) where the load shall fault;
# byte columns of flags at r15+0x900 (loop A: 0x40 apart) and r15+0xac0 (loop B); words at
# rsi+0xf80 that loop B shifts in memory.
# in:  rdx = a seed; rdi = loop A's end (<= 50)
# out: r9, r13, rax, RFLAGS, the data page.
    .text
    .globl start
start:
    xor   %eax, %eax
    xor   %r9d, %r9d
    mov   $2, %r11d
    mov   %rsi, %r15
    mov   %rdx, %r13
round:
    mov   $1, %ecx
loopa:
    mov   (%r15,%rcx,8), %rbp
    lea   (%rcx,%r13), %rax
    imul  $0x9e3779b1, %eax, %eax
    shl   $3, %eax                  # SHL_AC, 32 bits: CF = bit 29 before the shift
    mov   (%rsi,%rbp), %r12         # may fault: the SHL's flags
    add   %r12, %r13
    mov   %eax, %r12d
    shr   $65, %r12                 # 64 bits, the count masks to 1: CF = bit 0
    inc   %r9                       # keeps the SHR's CF (from the slots)
    setc  0x900(%r15,%rcx)
    sar   %r12w                     # SAR by 1 (D1), 16 bits
    setc  0x940(%r15,%rcx)          # its flags straight away: through the Cpu
    sets  0x980(%r15,%rcx)
    cmp   %r13, %rcx                # a record of its own, then a count that masks to 0:
    shl   $32, %eax                 # no flag changes (not deferred: the CMP's stay)
    setb  0x9c0(%r15,%rcx)
    mov   %r13d, %r12d
    sarb  $9, %r12b                 # beyond the width: the sign everywhere, CF the sign
    inc   %r9                       # keeps it
    setc  0xa00(%r15,%rcx)
    shlb  $12, %r12b                # beyond the width: 0, CF 0
    seto  %dl
    movzbl %dl, %edx
    add   %rdx, %r9
    mov   %r13d, %r12d
    shrw  $17, %r12w                # beyond the width: 0, CF 0 (a SAR's would be the sign)
    inc   %r9                       # keeps it (from the slots)
    setc  0xa40(%r15,%rcx)
    mov   %r13, %r12
    shl   $5, %r12                  # CF = bit 59
    inc   %r9                       # keeps it
    setc  0xa80(%r15,%rcx)
    shrb  $8, %r13b                 # exactly the width: 0, CF the top bit
    mov   0x200(%r15,%rcx,8), %rbx
    mov   (%rsi,%rbx), %rbx         # may fault: the SHR's flags
    lea   1(%rcx), %rcx
    add   %rbx, %r13
    cmp   %rdi, %rcx
    jb    loopa
    mov   $30, %r14d
    cmp   %rbx, %r13                # the flags loop B's first iteration reads
loopb:
    mov   0x800(%r15,%r14,8), %rbp
    mov   (%rsi,%rbp), %r12         # may fault: the carried SHR's record (first: the CMP's)
    setc  0xac0(%r15,%r14)
    seto  0xae0(%r15,%r14)
    add   %r12, %r13
    sarw  $2, 0xf80(%rsi,%r14,2)    # a memory destination
    dec   %r14d                     # keeps the SAR's CF
    jz    1f
    mov   %r13, %rax
    shr   $7, %rax                  # SHR_AC: carried over the back-edge
    jmp   loopb
1:  setc  0xb00(%r15)               # after the loop: the SAR's CF the DEC kept
    lea   0x400(%r15), %r15
    sub   $1, %r11d
    jnz   round
done:
    hlt
