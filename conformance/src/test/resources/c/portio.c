/*
 * Port I/O from user mode: IN, OUT, INS, OUTS (byte/word/doubleword, REP with RCX 0 and 3, a
 * segment override, a bad source pointer) all raise #GP at CPL 3 without an I/O bitmap that
 * allows the port — SIGSEGV with si_code SI_KERNEL (0x80) and si_addr 0 — before any memory is
 * touched and before RCX is looked at (the buffer keeps its bytes).
 */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static sigjmp_buf jb;
static volatile int sig, code;
static volatile void *addr;

static void handler(int s, siginfo_t *si, void *uc) {
    (void) uc;
    sig = s;
    code = si->si_code;
    addr = si->si_addr;
    siglongjmp(jb, 1);
}

static unsigned char buf[64];

#define TRY(name, body)                                                                         \
    do {                                                                                        \
        unsigned long rdi = (unsigned long) buf, rsi = (unsigned long) buf + 8, rcx = 0;        \
        sig = 0;                                                                                \
        memset(buf, 0x5a, sizeof buf);                                                          \
        if (!sigsetjmp(jb, 1)) {                                                                \
            __asm__ volatile(body : "+D"(rdi), "+S"(rsi), "+c"(rcx) : : "rax", "rdx", "memory"); \
        }                                                                                       \
        printf("%-28s sig %d code %#x addr %p buf %02x\n", name, sig, code, (void *) addr, buf[0]); \
    } while (0)

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGILL, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    TRY("in $0x80,%al", "in $0x80,%%al");
    TRY("in (%dx),%eax", "mov $0x3f8,%%edx; in (%%dx),%%eax");
    TRY("out %al,$0x80", "out %%al,$0x80");
    TRY("out %ax,(%dx)", "mov $0x3f8,%%edx; out %%ax,(%%dx)");
    TRY("insb", "mov $0x80,%%edx; insb");
    TRY("insw", "mov $0x80,%%edx; insw");
    TRY("insl", "mov $0x80,%%edx; insl");
    TRY("rep insb rcx=0", "mov $0x80,%%edx; xor %%ecx,%%ecx; rep insb");
    TRY("rep insl rcx=3", "mov $0x80,%%edx; mov $3,%%ecx; rep insl");
    TRY("outsb", "mov $0x80,%%edx; outsb");
    TRY("outsl fs", "mov $0x80,%%edx; outsl %%fs:(%%rsi),(%%dx)");
    TRY("rep outsw rcx=0", "mov $0x80,%%edx; xor %%ecx,%%ecx; rep outsw");
    TRY("outsb from NULL", "mov $0x80,%%edx; xor %%esi,%%esi; outsb");
    TRY("insb to NULL", "mov $0x80,%%edx; xor %%edi,%%edi; insb");
    printf("done\n");
    return 0;
}
