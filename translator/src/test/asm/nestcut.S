# A loop nest with a block cut at 64 instructions (BlockCache.MAX_INSNS) that ends in a store and
# falls into a block the nest found before it: in the nest's method another segment follows it,
# so the store's self-modifying-code exit must resume at the store's own next instruction.
# Ring 0, flat image at 0x400000 mapped writable, data page at rsi set up by the test.
# Per iteration (rcx down to 0): 1 in 4 `epath`, else `cpath`, which goes on to `apath` (64
# instructions) 1 in 8 and to `dpath` otherwise; all three end in `dpath`. On iteration r14 (it
# must take `apath`) apath's last instruction patches the immediate of `add $1, %r8` in dpath.
# in:  rcx = iterations, rsi = data page, r14 = patching iteration (0: never)
# out: r8, r9, r12
    .text
    .globl start
start:
    xor  %r8d, %r8d
    xor  %r9d, %r9d
    xor  %r12d, %r12d
head:
    test $3, %rcx
    jz   epath
cpath:
    test $0x1c, %rcx
    jnz  dpath
apath:
    mov  %rsi, %r11
    lea  patch+3(%rip), %rbx
    cmp  %r14, %rcx
    cmove %rbx, %r11
    mov  $3, %r10d
    .rept 58
    add  $1, %r12
    .endr
    mov  %r10b, (%r11)              # the block's 64th instruction
dpath:
patch:
    add  $1, %r8
    dec  %rcx
    jnz  head
done:
    hlt
epath:
    add  $5, %r9
    jmp  dpath
