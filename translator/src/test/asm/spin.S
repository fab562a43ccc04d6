# Endless loops for the back-edge's checks (MethodEmitter.CHECK_INTERVAL): another thread
# stops the run, or rewrites the loop's code, while the loop runs as a region.
# Ring 0, flat image at 0x400000.
    .text
    .globl start
start:
    xor   %eax, %eax
    xor   %ecx, %ecx
spin:
    inc   %rax                      # (patched to inc %rcx: 48 ff c1)
    jmp   spin
