/*
 * Alignment checking (#AC) as a Linux program sees it: with RFLAGS.AC set (Linux sets CR0.AM), a
 * misaligned access by user code raises SIGBUS with si_code BUS_ADRALN, si_addr 0, trapno 17 and
 * err 0; byte accesses, MOVUPS-style SSE forms and instructions that are not data accesses never
 * do; 16-byte-aligned SSE operands raise SIGSEGV (#GP) first. Printed so that a native run and an
 * lstar run can be compared line by line.
 *
 *   alignment          every case below, exit status 0
 *   alignment fixup    the handler clears AC in the saved context and returns: the access reruns
 *   alignment raise    a SIGUSR1 handler sets AC in its frame, raise returns with AC set and
 *                      the C library's memcpy and printf run with it: killed by SIGBUS
 *
 * Built with gcc -static (glibc) and musl-gcc -static by StaticAlignmentTest.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

static sigjmp_buf jb;
static volatile int got_sig, got_code, got_trap, got_err, got_ac, got_ctx_ac;
static volatile long got_addr;
static char buf[256] __attribute__((aligned(64)));
static char buf2[256] __attribute__((aligned(64)));

static void handler(int sig, siginfo_t *si, void *ctx) {
    unsigned long f;
    __asm__ volatile("pushfq; popq %0" : "=r"(f));
    __asm__ volatile("pushfq; andq $~0x40000, (%%rsp); popfq" ::: "memory", "cc");
    ucontext_t *uc = ctx;
    got_ac = (f >> 18) & 1;
    got_ctx_ac = (uc->uc_mcontext.gregs[REG_EFL] >> 18) & 1;
    got_sig = sig; got_code = si->si_code; got_addr = (long) si->si_addr;
    got_trap = (int) uc->uc_mcontext.gregs[REG_TRAPNO]; got_err = (int) uc->uc_mcontext.gregs[REG_ERR];
    siglongjmp(jb, 1);
}

static void fixup(int sig, siginfo_t *si, void *ctx) {
    ucontext_t *uc = ctx;
    (void) sig;
    got_sig = sig; got_code = si->si_code; got_trap = (int) uc->uc_mcontext.gregs[REG_TRAPNO];
    uc->uc_mcontext.gregs[REG_EFL] &= ~0x40000L;
}

static void set_ac(int sig, siginfo_t *si, void *ctx) {
    ucontext_t *uc = ctx;
    (void) si;
    got_sig = sig;
    uc->uc_mcontext.gregs[REG_EFL] |= 0x40000; /* rt_sigreturn keeps AC (FIX_EFLAGS) */
}

#define AC_ON  __asm__ volatile("pushfq; orq $0x40000, (%%rsp); popfq" ::: "memory", "cc")
#define AC_OFF __asm__ volatile("pushfq; andq $~0x40000, (%%rsp); popfq" ::: "memory", "cc")

#define TEST(name, body) do { \
    got_sig = 0; \
    if (sigsetjmp(jb, 1) == 0) { AC_ON; body; AC_OFF; printf("%-28s ok\n", name); } \
    else printf("%-28s sig=%d code=%d addr=%s trap=%d err=%d ac=%d/%d\n", name, got_sig, got_code, \
                got_addr == 0 ? "0" : (got_addr == (long) p ? "p" : "other"), got_trap, got_err, got_ac, got_ctx_ac); \
} while (0)

int main(int argc, char **argv) {
    struct sigaction sa; memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler; sa.sa_flags = SA_SIGINFO;
    if (argc > 1 && strcmp(argv[1], "fixup") == 0) {
        sa.sa_sigaction = fixup;
        sigaction(SIGBUS, &sa, 0);
        long *q = (long *) (buf + 4);
        AC_ON;
        long v = *(volatile long *) q; /* #AC: the handler clears AC in the frame, sigreturn restores it */
        unsigned long f;
        __asm__ volatile("pushfq; popq %0" : "=r"(f));
        setvbuf(stdout, 0, _IONBF, 0);
        printf("fixup: sig=%d code=%d trap=%d value=%ld ac after=%lu\n", got_sig, got_code, got_trap, v, (f >> 18) & 1);
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "raise") == 0) {
        sa.sa_sigaction = set_ac;
        sigaction(SIGUSR1, &sa, 0);
        /* stdout as the C library sets it up (a pipe: fully buffered) */
        printf("raise: the handler sets AC in the frame\n");
        raise(SIGUSR1); /* returns with AC set */
        unsigned long fl;
        __asm__ volatile("pushfq; popq %0" : "=r"(fl));
        /* the C library with AC set: musl's memcpy copies with REP MOVSQ from the misaligned
           source, SIGBUS; glibc's (the variant its ifunc picks) or its printf makes a misaligned
           access too */
        void *(*volatile copy)(void *, const void *, size_t) = memcpy; /* the library's, not an inlined copy */
        copy(buf2, buf + 1, 100);
        printf(" sig %d: returned, AC %d IOPL %lu NT %d IF %d\n", got_sig, (fl & 0x40000) != 0, (fl >> 12) & 3,
               (fl & 0x4000) != 0, (fl & 0x200) != 0);
        AC_OFF;
        printf("after printf\n");
        return 0;
    }
    setvbuf(stdout, 0, _IONBF, 0);
    sigaction(SIGBUS, &sa, 0); sigaction(SIGSEGV, &sa, 0); sigaction(SIGILL, &sa, 0);
    char *volatile p;
    p = buf + 1; TEST("mov8 +1", __asm__ volatile("movb (%0), %%al" :: "r"(p) : "rax"));
    p = buf + 1; TEST("mov16 load +1", __asm__ volatile("movw (%0), %%ax" :: "r"(p) : "rax"));
    p = buf + 2; TEST("mov16 load +2", __asm__ volatile("movw (%0), %%ax" :: "r"(p) : "rax"));
    p = buf + 2; TEST("mov32 load +2", __asm__ volatile("movl (%0), %%eax" :: "r"(p) : "rax"));
    p = buf + 4; TEST("mov64 load +4", __asm__ volatile("movq (%0), %%rax" :: "r"(p) : "rax"));
    p = buf + 4; TEST("mov64 store +4", __asm__ volatile("movq %%rax, (%0)" :: "r"(p) : "rax", "memory"));
    p = buf + 8; TEST("mov64 load +8", __asm__ volatile("movq (%0), %%rax" :: "r"(p) : "rax"));
    p = buf + 1; TEST("add32 rmw +1", __asm__ volatile("addl $1, (%0)" :: "r"(p) : "memory", "cc"));
    p = buf + 2; TEST("lock add32 +2", __asm__ volatile("lock addl $1, (%0)" :: "r"(p) : "memory", "cc"));
    p = buf + 1; TEST("xchg16 +1", __asm__ volatile("xchgw %%ax, (%0)" :: "r"(p) : "memory", "rax"));
    p = buf + 4; TEST("cmpxchg8b +4", __asm__ volatile("cmpxchg8b (%0)" :: "r"(p) : "memory", "rax", "rdx", "cc"));
    p = buf + 8; TEST("cmpxchg16b +8", __asm__ volatile("cmpxchg16b (%0)" :: "r"(p) : "memory", "rax", "rdx", "cc"));
    p = buf + 4; TEST("push rsp+4", __asm__ volatile("mov %%rsp, %%rbx; lea -4(%%rsp), %%rsp; pushq $1; mov %%rbx, %%rsp" :: "r"(p) : "rbx", "memory"));
    p = buf + 4; TEST("pop rsp+4", __asm__ volatile("mov %%rsp, %%rbx; lea -12(%%rsp), %%rsp; popq %%rax; mov %%rbx, %%rsp" :: "r"(p) : "rax", "rbx", "memory"));
    p = buf + 2; TEST("push16 rsp+2", __asm__ volatile("mov %%rsp, %%rbx; lea -2(%%rsp), %%rsp; pushw $1; mov %%rbx, %%rsp" :: "r"(p) : "rbx", "memory"));
    p = buf + 4; TEST("call rsp+4", __asm__ volatile("mov %%rsp, %%rbx; lea -68(%%rsp), %%rsp; call 1f; 1: mov %%rbx, %%rsp" :: "r"(p) : "rbx", "memory"));
    p = buf + 1; TEST("movsb rep +1", __asm__ volatile("mov $4, %%ecx; rep movsb" :: "S"(p), "D"(buf2) : "rcx", "memory"));
    p = buf + 1; TEST("movsw +1 src", __asm__ volatile("movsw" :: "S"(p), "D"(buf2) : "memory"));
    p = buf + 4; TEST("rep movsq +4 src", __asm__ volatile("mov $4, %%ecx; rep movsq" :: "S"(p), "D"(buf2) : "rcx", "memory"));
    p = buf + 4; TEST("rep movsq +4 dst", __asm__ volatile("mov $4, %%ecx; rep movsq" :: "S"(buf2), "D"(p) : "rcx", "memory"));
    p = buf + 2; TEST("rep stosl +2", __asm__ volatile("mov $4, %%ecx; rep stosl" :: "D"(p) : "rcx", "memory"));
    p = buf + 2; TEST("rep stosl +0 len 0", __asm__ volatile("xor %%ecx, %%ecx; rep stosl" :: "D"(p) : "rcx", "memory"));
    p = buf + 1; TEST("lodsw +1", __asm__ volatile("lodsw" :: "S"(p) : "rax", "memory"));
    p = buf + 1; TEST("scasw +1", __asm__ volatile("scasw" :: "D"(p) : "memory", "cc"));
    p = buf + 1; TEST("movups +1", __asm__ volatile("movups (%0), %%xmm0" :: "r"(p) : "xmm0"));
    p = buf + 1; TEST("movups store +1", __asm__ volatile("movups %%xmm0, (%0)" :: "r"(p) : "memory"));
    p = buf + 1; TEST("movdqu +1", __asm__ volatile("movdqu (%0), %%xmm0" :: "r"(p) : "xmm0"));
    p = buf + 1; TEST("lddqu +1", __asm__ volatile("lddqu (%0), %%xmm0" :: "r"(p) : "xmm0"));
    p = buf + 8; TEST("movaps +8", __asm__ volatile("movaps (%0), %%xmm0" :: "r"(p) : "xmm0"));
    p = buf + 8; TEST("movdqa +8", __asm__ volatile("movdqa (%0), %%xmm0" :: "r"(p) : "xmm0"));
    p = buf + 8; TEST("paddd m128 +8", __asm__ volatile("paddd (%0), %%xmm0" :: "r"(p) : "xmm0"));
    p = buf + 4; TEST("movsd xmm +4", __asm__ volatile("movsd (%0), %%xmm0" :: "r"(p) : "xmm0"));
    p = buf + 4; TEST("movq xmm +4", __asm__ volatile("movq (%0), %%xmm0" :: "r"(p) : "xmm0"));
    p = buf + 2; TEST("movss +2", __asm__ volatile("movss (%0), %%xmm0" :: "r"(p) : "xmm0"));
    p = buf + 2; TEST("addss +2", __asm__ volatile("addss (%0), %%xmm0" :: "r"(p) : "xmm0"));
    p = buf + 4; TEST("addsd +4", __asm__ volatile("addsd (%0), %%xmm0" :: "r"(p) : "xmm0"));
    p = buf + 4; TEST("movhps +4", __asm__ volatile("movhps (%0), %%xmm0" :: "r"(p) : "xmm0"));
    p = buf + 4; TEST("movlps store +4", __asm__ volatile("movlps %%xmm0, (%0)" :: "r"(p) : "memory"));
    p = buf + 1; TEST("pinsrw m16 +1", __asm__ volatile("pinsrw $1, (%0), %%xmm0" :: "r"(p) : "xmm0"));
    p = buf + 2; TEST("pinsrd m32 +2", __asm__ volatile("pinsrd $1, (%0), %%xmm0" :: "r"(p) : "xmm0"));
    p = buf + 1; TEST("pextrw m16 +1", __asm__ volatile("pextrw $1, %%xmm0, (%0)" :: "r"(p) : "memory"));
    p = buf + 2; TEST("pmovzxbw m64 +2", __asm__ volatile("pmovzxbw (%0), %%xmm0" :: "r"(p) : "xmm0"));
    p = buf + 2; TEST("pmovzxbd m32 +2", __asm__ volatile("pmovzxbd (%0), %%xmm0" :: "r"(p) : "xmm0"));
    p = buf + 4; TEST("movq mm +4", __asm__ volatile("movq (%0), %%mm0; emms" :: "r"(p) : "mm0"));
    p = buf + 2; TEST("movd mm +2", __asm__ volatile("movd (%0), %%mm0; emms" :: "r"(p) : "mm0"));
    p = buf + 2; TEST("ldmxcsr +2", { *(int *)(buf + 4) = 0x1f80; __asm__ volatile("movl $0x1f80, (%0); ldmxcsr (%0)" :: "r"(p) : "memory"); });
    p = buf + 2; TEST("stmxcsr +2", __asm__ volatile("stmxcsr (%0)" :: "r"(p) : "memory"));
    p = buf + 2; TEST("flds +2", __asm__ volatile("flds (%0); fstp %%st(0)" :: "r"(p)));
    p = buf + 4; TEST("fldl +4", __asm__ volatile("fldl (%0); fstp %%st(0)" :: "r"(p)));
    p = buf + 4; TEST("fldt +4", __asm__ volatile("fldt (%0); fstp %%st(0)" :: "r"(p)));
    p = buf + 8; TEST("fldt +8", __asm__ volatile("fldt (%0); fstp %%st(0)" :: "r"(p)));
    p = buf + 2; TEST("fldt +2", __asm__ volatile("fldt (%0); fstp %%st(0)" :: "r"(p)));
    p = buf + 1; TEST("filds +1", __asm__ volatile("filds (%0); fstp %%st(0)" :: "r"(p)));
    p = buf + 2; TEST("fildl +2", __asm__ volatile("fildl (%0); fstp %%st(0)" :: "r"(p)));
    p = buf + 4; TEST("fildll +4", __asm__ volatile("fildll (%0); fstp %%st(0)" :: "r"(p)));
    p = buf + 4; TEST("fstpl +4", __asm__ volatile("fld1; fstpl (%0)" :: "r"(p) : "memory"));
    p = buf + 1; TEST("fnstcw +1", __asm__ volatile("fnstcw (%0)" :: "r"(p) : "memory"));
    p = buf + 1; TEST("fldcw +1", { short cw; __asm__ volatile("fnstcw %0" : "=m"(cw)); memcpy(buf+1,&cw,2); __asm__ volatile("fldcw (%0)" :: "r"(p)); });
    p = buf + 1; TEST("fnstsw +1", __asm__ volatile("fnstsw (%0)" :: "r"(p) : "memory"));
    p = buf + 2; TEST("fnstenv +2", __asm__ volatile("fnstenv (%0); fldenv (%0)" :: "r"(p) : "memory"));
    p = buf + 1; TEST("fnstenv +1", __asm__ volatile("fnstenv (%0); fldenv (%0)" :: "r"(p) : "memory"));
    p = buf + 4; TEST("fnsave +4", __asm__ volatile("fnsave (%0); frstor (%0)" :: "r"(p) : "memory"));
    p = buf + 2; TEST("fnsave +2", __asm__ volatile("fnsave (%0); frstor (%0)" :: "r"(p) : "memory"));
    p = buf + 8; TEST("fxsave +8", __asm__ volatile("fxsave (%0)" :: "r"(p) : "memory"));
    p = buf + 2; TEST("bt m16 +1", __asm__ volatile("btw $3, (%0)" :: "r"(buf + 1) : "cc"));
    p = buf + 2; TEST("bt m32 reg +2", __asm__ volatile("mov $100, %%eax; btl %%eax, (%0)" :: "r"(p) : "rax", "cc"));
    p = buf + 2; TEST("movbe32 +2", __asm__ volatile("movbe (%0), %%eax" :: "r"(p) : "rax"));
    p = buf + 2; TEST("crc32l m32 +2", __asm__ volatile("crc32l (%0), %%eax" :: "r"(p) : "rax"));
    p = buf + 1; TEST("popcnt m16 +1", __asm__ volatile("popcntw (%0), %%ax" :: "r"(p) : "rax", "cc"));
    p = buf + 2; TEST("movnti +2", __asm__ volatile("movnti %%eax, (%0)" :: "r"(p) : "memory"));
    p = buf + 1; TEST("jmp *m64 +1", __asm__ volatile("lea 1f(%%rip), %%rax; mov %%rax, (%0); jmp *(%0); 1:" :: "r"(p) : "rax", "memory"));
    p = buf + 4; TEST("movzwl m16 +1", __asm__ volatile("movzwl 1(%0), %%eax" :: "r"(buf) : "rax"));
    p = buf + 1; TEST("clflush +1", __asm__ volatile("clflush (%0)" :: "r"(p)));
    p = buf + 1; TEST("prefetch +1", __asm__ volatile("prefetcht0 (%0)" :: "r"(p)));
    p = buf + 2; TEST("lea (no access)", __asm__ volatile("lea 1(%0), %%rax" :: "r"(p) : "rax"));
    p = buf + 1; TEST("ptest m128 +1", __asm__ volatile("ptest (%0), %%xmm0" :: "r"(p) : "cc"));
    p = buf + 1; TEST("pcmpestri m128 +1", __asm__ volatile("mov $4,%%eax; mov $4,%%edx; pcmpestri $0, (%0), %%xmm0" :: "r"(p) : "rax","rdx","rcx","cc"));
    p = buf + 4; TEST("movhpd store +4", __asm__ volatile("movhpd %%xmm0, (%0)" :: "r"(p) : "memory"));
    p = buf + 8; TEST("movntdq +8", __asm__ volatile("movntdq %%xmm0, (%0)" :: "r"(p) : "memory"));
    p = buf + 2; TEST("enter rsp+4", __asm__ volatile("mov %%rsp, %%rbx; mov %%rbp, %%rdx; lea -68(%%rsp), %%rsp; enter $8, $0; mov %%rbx, %%rsp; mov %%rdx, %%rbp" :: "r"(p) : "rbx", "rdx", "memory"));
    /* #AC comes before #PF: a misaligned access to an inaccessible or read-only page is SIGBUS */
    char *none = mmap(0, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *ro = mmap(0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    p = none + 4; TEST("mov64 +4 PROT_NONE", __asm__ volatile("movq (%0), %%rax" :: "r"(p) : "rax"));
    p = none + 8; TEST("mov64 +8 PROT_NONE", __asm__ volatile("movq (%0), %%rax" :: "r"(p) : "rax"));
    p = ro + 4; TEST("mov64 store +4 read-only", __asm__ volatile("movq %%rax, (%0)" :: "r"(p) : "memory"));
    p = ro + 8; TEST("mov64 store +8 read-only", __asm__ volatile("movq %%rax, (%0)" :: "r"(p) : "memory"));
    p = none + 4094; TEST("mov32 across pages", __asm__ volatile("movl (%0), %%eax" :: "r"(p) : "rax"));
    printf("done\n");
    return 0;
}
