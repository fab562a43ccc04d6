# Reads through a TLB entry the test makes stale: the test remaps the data page (no INVLPG)
# while the guest stands at `second`; a CPU keeps using the cached translation.
# in: rsi = the data page.  out: rax = first read, rbx = second read (through the stale entry).
    .text
    .globl start
start:
    mov  (%rsi), %rax
    jmp  second
second:
    mov  (%rsi), %rbx
done:
    hlt
