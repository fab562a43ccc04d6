/*
 * Signal handling as a Linux program sees it, printed so that a native run and an lstar run can
 * be compared line by line (no addresses, no timings: only facts relative to the program).
 *
 *   signals            every test below, exit status 0
 *   signals die-NAME   a default action or a delivery failure ends the process (status 128 + N)
 *
 * Built with gcc -static (glibc) and musl-gcc -static by StaticSignalsTest.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31)
#endif

static sigjmp_buf jb;
static volatile int got, got_sig, got_code, got_count;
static volatile long got_val;
static int failures;

#define CHECK(cond) do { if (!(cond)) { printf("  FAILED: %s (line %d)\n", #cond, __LINE__); failures++; } } while (0)

static void on(int sig, void (*h)(int, siginfo_t *, void *), int flags) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = h;
    sa.sa_flags = SA_SIGINFO | flags;
    sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, 0)) { printf("sigaction %d: %s\n", sig, strerror(errno)); exit(2); }
}

static void dfl(int sig) { signal(sig, SIG_DFL); }

/* ---------------------------------------------------------------- faults */

static char *fault_expect;
static void fault_handler(int sig, siginfo_t *si, void *ucv) {
    ucontext_t *uc = ucv;
    printf("  sig %d code %d addr %s trapno %lld err 0x%llx uc_flags&6 %lu\n", sig, si->si_code,
           si->si_addr == 0 ? "null" : si->si_addr == (void *)fault_expect ? "expected" :
           (char *)si->si_addr == (char *)(uintptr_t)uc->uc_mcontext.gregs[REG_RIP] ? "rip" : "other",
           (long long)uc->uc_mcontext.gregs[REG_TRAPNO], (long long)uc->uc_mcontext.gregs[REG_ERR],
           uc->uc_flags & 6);
    siglongjmp(jb, 1);
}

static void test_faults(void) {
    printf("faults\n");
    char *ro = mmap(0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    stack_t ss = {.ss_sp = malloc(65536), .ss_size = 65536};
    sigaltstack(&ss, 0);
    int sigs[] = {SIGTRAP, SIGILL, SIGFPE, SIGSEGV, SIGBUS};
    for (int i = 0; i < 5; i++) on(sigs[i], fault_handler, SA_NODEFER | SA_ONSTACK);
    for (int t = 0; t < 9; t++) {
        if (sigsetjmp(jb, 1)) continue;
        printf(" case %d:", t);
        fflush(stdout);
        fault_expect = 0;
        switch (t) {
        case 0: __asm__ volatile("int3"); break;
        case 1: __asm__ volatile("ud2"); break;
        case 2: { volatile int z = 0, y = 7; printf("%d", y / z); } break;
        case 3: fault_expect = (char *)8; *(volatile int *)8 = 1; break;
        case 4: fault_expect = ro; *(volatile char *)ro = 1; break;
        case 5: __asm__ volatile("hlt"); break;
        case 6: __asm__ volatile("mov %%rsp,%%rbx; movabs $0x8000000000000000,%%rsp; push %%rax; mov %%rbx,%%rsp" ::: "rbx", "memory"); break;
        case 7: __asm__ volatile("int $0x81"); break;
        case 8: { /* #XM: divide by zero unmasked in MXCSR */
            unsigned mx = 0x1f80 & ~0x200;
            double a = 1.0, b = 0.0;
            __asm__ volatile("ldmxcsr %0; divsd %2, %1" : : "m"(mx), "x"(a), "x"(b));
        } break;
        }
        printf(" no fault\n");
    }
    unsigned mx = 0x1f80;
    __asm__ volatile("ldmxcsr %0" : : "m"(mx));
    ss.ss_flags = SS_DISABLE;
    sigaltstack(&ss, 0);
    for (int i = 0; i < 5; i++) dfl(sigs[i]);
}

/* ---------------------------------------------------------------- a file mapping past the file's end */

static void test_sigbus(void) {
    printf("sigbus\n");
    char path[] = "/tmp/lstar-sigbus-XXXXXX";
    int fd = mkstemp(path);
    unlink(path);
    write(fd, "0123456789", 10);
    char *p = mmap(0, 8192, PROT_READ, MAP_PRIVATE, fd, 0);
    on(SIGBUS, fault_handler, SA_NODEFER);
    on(SIGSEGV, fault_handler, SA_NODEFER);
    printf(" in the last page: %c%c\n", p[9], p[100] ? '?' : '0');
    for (int t = 0; t < 2; t++) {
        if (sigsetjmp(jb, 1)) continue;
        printf(" case %d:", t);
        fault_expect = t == 0 ? p + 4096 : p;
        if (t == 0) (void)*(volatile char *)(p + 4096); /* past the end: SIGBUS BUS_ADRERR */
        else *(volatile char *)p = 1;                   /* a write to PROT_READ: SIGSEGV first */
        printf(" no fault\n");
    }
    dfl(SIGBUS);
    dfl(SIGSEGV);
    munmap(p, 8192);
    close(fd);
}

/* ---------------------------------------------------------------- sending */

static void info_handler(int sig, siginfo_t *si, void *uc) {
    got++;
    got_sig = sig;
    got_code = si->si_code;
    got_val = si->si_value.sival_int;
    CHECK(si->si_pid == getpid());
    CHECK(si->si_uid == getuid());
}

static void test_sending(void) {
    printf("sending\n");
    on(SIGUSR1, info_handler, 0);
    got = 0;
    kill(getpid(), SIGUSR1);
    printf(" kill: got %d sig %d code %d\n", got, got_sig, got_code);
    raise(SIGUSR1);
    printf(" raise: got %d code %d\n", got, got_code);
    syscall(SYS_tgkill, getpid(), getpid(), SIGUSR1);
    printf(" tgkill: got %d code %d\n", got, got_code);
    union sigval v = {.sival_int = 42};
    sigqueue(getpid(), SIGUSR1, v);
    printf(" sigqueue: got %d code %d value %ld\n", got, got_code, got_val);
    int k0 = kill(getpid(), 0);
    int k65 = kill(getpid(), 65), e65 = errno;
    long t0 = syscall(SYS_tgkill, getpid(), 0, SIGUSR1);
    printf(" kill(sig 0) %d, kill(sig 65) %d errno %d, tgkill(tid 0) %ld errno %d\n", k0, k65, e65, t0, errno);
    dfl(SIGUSR1);
}

/* ---------------------------------------------------------------- masks and flags */

static volatile sigset_t in_handler_mask;
static void mask_handler(int sig, siginfo_t *si, void *uc) {
    got++;
    sigset_t m;
    sigprocmask(SIG_BLOCK, 0, &m);
    in_handler_mask = m;
}

static void test_masks(void) {
    printf("masks\n");
    on(SIGUSR1, mask_handler, 0);
    sigset_t s, old, pend;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    got = 0;
    sigprocmask(SIG_BLOCK, &s, &old);
    raise(SIGUSR1);
    raise(SIGUSR1); /* a standard signal is pending once */
    sigpending(&pend);
    printf(" blocked: got %d pending %d\n", got, sigismember(&pend, SIGUSR1));
    sigprocmask(SIG_SETMASK, &old, 0);
    printf(" unblocked: got %d\n", got);
    printf(" in handler: USR1 blocked %d, USR2 blocked %d\n", sigismember((sigset_t *)&in_handler_mask, SIGUSR1),
           sigismember((sigset_t *)&in_handler_mask, SIGUSR2));
    on(SIGUSR1, mask_handler, SA_NODEFER);
    raise(SIGUSR1);
    printf(" SA_NODEFER: USR1 blocked %d\n", sigismember((sigset_t *)&in_handler_mask, SIGUSR1));
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = mask_handler;
    sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR2);
    sigaction(SIGUSR1, &sa, 0);
    raise(SIGUSR1);
    printf(" sa_mask: USR2 blocked %d\n", sigismember((sigset_t *)&in_handler_mask, SIGUSR2));
    sigaction(SIGUSR1, 0, &sa);
    printf(" SA_RESETHAND: now %s\n", sa.sa_handler == SIG_DFL ? "SIG_DFL" : "handler");
    /* rt signals queue, standard ones do not */
    on(SIGRTMIN + 1, mask_handler, 0);
    sigemptyset(&s);
    sigaddset(&s, SIGRTMIN + 1);
    sigprocmask(SIG_BLOCK, &s, &old);
    got = 0;
    raise(SIGRTMIN + 1);
    raise(SIGRTMIN + 1);
    raise(SIGRTMIN + 1);
    sigprocmask(SIG_SETMASK, &old, 0);
    printf(" rt queued: got %d\n", got);
    /* SIGKILL and SIGSTOP */
    errno = 0;
    int r = sigaction(SIGKILL, &sa, 0);
    printf(" sigaction(SIGKILL) %d errno %d\n", r, errno);
    sigemptyset(&s);
    sigaddset(&s, SIGKILL);
    sigprocmask(SIG_BLOCK, &s, 0);
    sigprocmask(SIG_BLOCK, 0, &old);
    printf(" SIGKILL blockable %d\n", sigismember(&old, SIGKILL));
    errno = 0;
    r = syscall(SYS_rt_sigprocmask, 7, &s, 0, 8);
    printf(" bad how %d errno %d\n", r, errno);
    r = syscall(SYS_rt_sigprocmask, SIG_BLOCK, &s, 0, 4);
    printf(" bad size %d errno %d\n", r, errno);
    r = syscall(SYS_rt_sigaction, SIGUSR1, (void *)8, 0, 8);
    printf(" bad act %d errno %d\n", r, errno);
    dfl(SIGUSR1);
    dfl(SIGRTMIN + 1);
    /* ignoring discards a pending signal */
    sigemptyset(&s);
    sigaddset(&s, SIGUSR2);
    sigprocmask(SIG_BLOCK, &s, &old);
    raise(SIGUSR2);
    signal(SIGUSR2, SIG_IGN);
    sigpending(&pend);
    printf(" ignored pending: %d\n", sigismember(&pend, SIGUSR2));
    sigprocmask(SIG_SETMASK, &old, 0);
    dfl(SIGUSR2);
}

/* ---------------------------------------------------------------- nesting */

static volatile char order[16];
static volatile int norder;
static void nest2(int sig, siginfo_t *si, void *uc) { order[norder++] = '2'; }
static void nest1(int sig, siginfo_t *si, void *uc) {
    order[norder++] = '1';
    raise(SIGUSR2);
    order[norder++] = 'a';
}

static void test_nesting(void) {
    printf("nesting\n");
    on(SIGUSR1, nest1, 0);
    on(SIGUSR2, nest2, 0);
    norder = 0;
    raise(SIGUSR1);
    order[norder] = 0;
    printf(" order %s\n", (char *)order);
    /* two pending at once: both delivered on one exit, the lower number's handler runs last */
    sigset_t s, old;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    sigaddset(&s, SIGUSR2);
    on(SIGUSR1, nest2, 0);
    sigprocmask(SIG_BLOCK, &s, &old);
    raise(SIGUSR2);
    raise(SIGUSR1);
    norder = 0;
    sigprocmask(SIG_SETMASK, &old, 0);
    printf(" both delivered: %d\n", norder);
    dfl(SIGUSR1);
    dfl(SIGUSR2);
}

/* ---------------------------------------------------------------- the alternate stack */

static char *alt;
static size_t altsize = 65536;
static void alt_handler(int sig, siginfo_t *si, void *uc) {
    char here;
    stack_t cur;
    sigaltstack(0, &cur);
    printf(" in handler: on alt stack %d, ss_flags %d\n", &here > alt && &here < alt + altsize, cur.ss_flags);
    stack_t n = {.ss_sp = alt, .ss_size = altsize};
    errno = 0;
    int r = sigaltstack(&n, 0);
    printf(" change while on it: %d errno %d\n", r, errno);
    ucontext_t *u = uc;
    printf(" uc_stack.ss_flags %d size ok %d\n", u->uc_stack.ss_flags, u->uc_stack.ss_size == altsize);
}

static void test_altstack(void) {
    printf("altstack\n");
    alt = malloc(altsize);
    stack_t ss = {.ss_sp = alt, .ss_size = altsize}, old;
    printf(" set %d\n", sigaltstack(&ss, &old));
    printf(" old ss_flags %d\n", old.ss_flags);
    on(SIGUSR1, alt_handler, SA_ONSTACK);
    raise(SIGUSR1);
    stack_t small = {.ss_sp = alt, .ss_size = 1024};
    int r = sigaltstack(&small, 0);
    printf(" too small %d errno %d\n", r, errno);
    stack_t bad = {.ss_sp = alt, .ss_size = altsize, .ss_flags = 5};
    r = sigaltstack(&bad, 0);
    printf(" bad flags %d errno %d\n", r, errno);
    stack_t dis = {.ss_flags = SS_AUTODISARM, .ss_sp = alt, .ss_size = altsize};
    printf(" autodisarm %d\n", sigaltstack(&dis, 0));
    raise(SIGUSR1);
    ss.ss_flags = SS_DISABLE;
    sigaltstack(&ss, &old);
    sigaltstack(0, &old);
    printf(" disabled: ss_flags %d\n", old.ss_flags);
    dfl(SIGUSR1);
}

/* ---------------------------------------------------------------- editing the context */

extern char after_fault[], fault_insn[];
static void skip_handler(int sig, siginfo_t *si, void *ucv) {
    ucontext_t *uc = ucv;
    CHECK(uc->uc_mcontext.gregs[REG_RIP] == (long long)(uintptr_t)fault_insn);
    uc->uc_mcontext.gregs[REG_RIP] = (long long)(uintptr_t)after_fault;
    uc->uc_mcontext.gregs[REG_RAX] = 0x1234;
    got++;
}

static volatile uint32_t fp_in_handler_mxcsr, fp_frame_mxcsr, fp_magic;
static void fp_handler(int sig, siginfo_t *si, void *ucv) {
    ucontext_t *uc = ucv;
    uint32_t mx;
    __asm__ volatile("stmxcsr %0" : "=m"(mx));
    fp_in_handler_mxcsr = mx;
    fp_frame_mxcsr = uc->uc_mcontext.fpregs->mxcsr;
    fp_magic = ((uint32_t *)uc->uc_mcontext.fpregs)[116];
    uc->uc_mcontext.fpregs->_xmm[5].element[0] = 0xCAFEF00D;
    uc->uc_mcontext.fpregs->mxcsr = 0x1f80 | 0x6000; /* round toward zero */
}

static void test_context(void) {
    printf("context\n");
    on(SIGSEGV, skip_handler, 0);
    long rax;
    got = 0;
    __asm__ volatile("xor %%eax,%%eax\n"
                     ".globl fault_insn\nfault_insn: movl $1, 0\n"
                     ".globl after_fault\nafter_fault: mov %%rax, %0" : "=r"(rax) : : "rax", "memory");
    printf(" skipped the fault: got %d rax 0x%lx\n", got, rax);
    dfl(SIGSEGV);

    on(SIGUSR1, fp_handler, 0);
    uint32_t mx = 0x1f80 | 0x2000; /* round down */
    __asm__ volatile("ldmxcsr %0" : : "m"(mx));
    __asm__ volatile("pxor %%xmm5,%%xmm5" ::: "xmm5");
    raise(SIGUSR1);
    uint32_t x5, after;
    __asm__ volatile("movd %%xmm5,%0; stmxcsr %1" : "=r"(x5), "=m"(after));
    printf(" handler mxcsr 0x%x, frame mxcsr 0x%x, magic 0x%x, xmm5 after 0x%x, mxcsr after 0x%x\n", fp_in_handler_mxcsr,
           fp_frame_mxcsr, fp_magic, x5, after);
    mx = 0x1f80;
    __asm__ volatile("ldmxcsr %0" : : "m"(mx));
    dfl(SIGUSR1);
}

/* ---------------------------------------------------------------- waiting and timers */

static void count_handler(int sig, siginfo_t *si, void *uc) { got++; got_sig = sig; got_code = si->si_code; }

static void test_waiting(void) {
    printf("waiting\n");
    on(SIGALRM, count_handler, 0);
    /* periodic, so that a slow start (an expiry before the call sleeps) cannot make the test hang */
    struct itimerval it = {.it_value = {0, 20000}}, tick = {.it_interval = {0, 20000}, .it_value = {0, 20000}},
                     stop = {{0, 0}, {0, 0}};
    got = 0;
    setitimer(ITIMER_REAL, &tick, 0);
    struct timespec req = {10, 0}, rem = {0, 0};
    int r = nanosleep(&req, &rem);
    int e = errno;
    setitimer(ITIMER_REAL, &stop, 0);
    printf(" nanosleep %d errno %d got %d code %d rem>=9s %d\n", r, e, got > 0, got_code, rem.tv_sec >= 9);
    got = 0;
    setitimer(ITIMER_REAL, &tick, 0);
    errno = 0;
    r = pause();
    e = errno;
    setitimer(ITIMER_REAL, &stop, 0);
    printf(" pause %d errno %d got %d\n", r, e, got > 0);
    got = 2;
    sigset_t s, old, empty;
    sigemptyset(&s);
    sigaddset(&s, SIGALRM);
    sigprocmask(SIG_BLOCK, &s, &old);
    setitimer(ITIMER_REAL, &it, 0);
    sigemptyset(&empty);
    r = sigsuspend(&empty);
    sigset_t now;
    sigprocmask(SIG_BLOCK, 0, &now);
    printf(" sigsuspend %d errno %d got %d, ALRM blocked again %d\n", r, errno, got, sigismember(&now, SIGALRM));
    /* periodic */
    struct itimerval per = {.it_interval = {0, 5000}, .it_value = {0, 5000}}, q;
    got = 0;
    setitimer(ITIMER_REAL, &per, 0);
    while (got < 3) sigsuspend(&empty);
    getitimer(ITIMER_REAL, &q);
    printf(" periodic: got %d interval %ld us\n", got, (long)q.it_interval.tv_usec);
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, 0);
    sigprocmask(SIG_SETMASK, &old, 0);
    printf(" alarm(100) %u, alarm(0) %u\n", alarm(100), alarm(0));
    struct itimerval badv = {.it_value = {0, 1000000}};
    r = setitimer(ITIMER_REAL, &badv, 0);
    printf(" bad usec %d errno %d\n", r, errno);
    /* sigtimedwait */
    sigprocmask(SIG_BLOCK, &s, &old);
    sigaddset(&s, SIGUSR1);
    sigprocmask(SIG_BLOCK, &s, 0);
    raise(SIGUSR1);
    siginfo_t si;
    r = sigtimedwait(&s, &si, 0);
    printf(" sigtimedwait %d code %d\n", r, si.si_code);
    struct timespec ten = {0, 10000000};
    errno = 0;
    r = sigtimedwait(&s, &si, &ten);
    printf(" sigtimedwait timeout %d errno %d\n", r, errno);
    /* CPU-time timer */
    on(SIGPROF, count_handler, 0);
    got = 0;
    struct itimerval prof = {.it_value = {0, 10000}};
    setitimer(ITIMER_PROF, &prof, 0);
    volatile unsigned long spin = 0;
    while (!got && spin < 4000000000UL) spin++;
    printf(" SIGPROF %d\n", got_sig == SIGPROF && got == 1);
    sigprocmask(SIG_SETMASK, &old, 0);
    dfl(SIGALRM);
    dfl(SIGPROF);
}

/* ---------------------------------------------------------------- SIGPIPE */

static void test_pipe(void) {
    printf("pipe\n");
    on(SIGPIPE, count_handler, 0);
    int p[2];
    pipe(p);
    close(p[0]);
    got = 0;
    errno = 0;
    long r = write(p[1], "x", 1);
    printf(" write %ld errno %d got %d code %d\n", r, errno, got, got_code);
    close(p[1]);
    dfl(SIGPIPE);
}

/* ---------------------------------------------------------------- SA_RESTART */

static int restart_pipe[2];
static void feed_handler(int sig, siginfo_t *si, void *uc) {
    got++;
    write(restart_pipe[1], "x", 1);
}

static void test_restart(void) {
    printf("restart\n");
    for (int restart = 0; restart < 2; restart++) {
        pipe(restart_pipe);
        on(SIGALRM, feed_handler, restart ? SA_RESTART : 0);
        struct itimerval it = {.it_value = {0, 200000}};
        got = 0;
        setitimer(ITIMER_REAL, &it, 0);
        char c = 0;
        errno = 0;
        long r = read(restart_pipe[0], &c, 1);
        printf(" SA_RESTART %d: read %ld errno %d got %d byte %c\n", restart, r, errno, got, c ? c : '-');
        close(restart_pipe[0]);
        close(restart_pipe[1]);
    }
    dfl(SIGALRM);
}

/* ---------------------------------------------------------------- the SYSRET checks */

static volatile unsigned long bad_rip;
static greg_t saved[NGREG];
static void set_rip(int sig, siginfo_t *si, void *ucv) {
    ucontext_t *uc = ucv;
    memcpy(saved, uc->uc_mcontext.gregs, sizeof saved);
    uc->uc_mcontext.gregs[REG_RIP] = bad_rip;
    uc->uc_mcontext.gregs[REG_RCX] = bad_rip;
}
static void segv_at(int sig, siginfo_t *si, void *ucv) {
    ucontext_t *uc = ucv;
    printf(" rip 0x%llx: sig %d code %d trapno %lld\n", (unsigned long long)uc->uc_mcontext.gregs[REG_RIP], sig, si->si_code,
           (long long)uc->uc_mcontext.gregs[REG_TRAPNO]);
    memcpy(uc->uc_mcontext.gregs, saved, sizeof saved);
}

/* what rt_sigreturn takes from the frame: FIX_EFLAGS only; CS/SS forced to RPL 3 */
static volatile int seg_case;
static void edit_flags(int sig, siginfo_t *si, void *ucv) {
    ucontext_t *uc = ucv;
    unsigned short *csgsfs = (unsigned short *)&uc->uc_mcontext.gregs[REG_CSGSFS];
    switch (seg_case) {
    case 0: uc->uc_mcontext.gregs[REG_EFL] |= 0x40000 | 0x3000 | 0x4000; /* AC kept; IOPL, NT ignored */
            uc->uc_mcontext.gregs[REG_EFL] &= ~0x200L; break;             /* IF ignored */
    case 1: csgsfs[0] = 0x2b; break;  /* a data segment as CS: the IRET faults, SIGSEGV */
    case 2: csgsfs[0] = 0x30; break;  /* RPL 0 becomes 3: 0x33, a normal return */
    case 3: csgsfs[3] = 0; break;     /* SS 0 | 3: a null SS for CPL 3, the IRET faults */
    }
}
static void seg_fault(int sig, siginfo_t *si, void *ucv) {
    ucontext_t *uc = ucv;
    printf(" case %d: sig %d code %d trapno %lld err 0x%llx\n", seg_case, sig, si->si_code,
           (long long)uc->uc_mcontext.gregs[REG_TRAPNO], (long long)uc->uc_mcontext.gregs[REG_ERR]);
    siglongjmp(jb, 1);
}

static void test_sigreturn_flags(void) {
    printf("sigreturn flags and segments\n");
    on(SIGUSR1, edit_flags, 0);
    on(SIGSEGV, seg_fault, SA_NODEFER);
    for (seg_case = 0; seg_case < 4; seg_case++) {
        if (sigsetjmp(jb, 1)) continue;
        /* tgkill and the flags read in one asm statement: with AC set, any misaligned access the C
           library makes before it is cleared would be #AC (SIGBUS) */
        unsigned long fl;
        long pid = getpid();
        __asm__ volatile("mov $234, %%eax; syscall; pushf; pop %0; pushf; andl $~0x40000, (%%rsp); popf"
                         : "=r"(fl) : "D"(pid), "S"(pid), "d"((long)SIGUSR1) : "rax", "rcx", "r11", "memory");
        printf(" case %d: returned, AC %d IOPL %lu NT %d IF %d\n", seg_case, (fl & 0x40000) != 0, (fl >> 12) & 3,
               (fl & 0x4000) != 0, (fl & 0x200) != 0);
    }
    dfl(SIGUSR1);
    dfl(SIGSEGV);
}

extern char tf_start[], tf_end[];
static long tf_rips[32];
static int ntf;
static void trap_handler(int sig, siginfo_t *si, void *ucv) {
    ucontext_t *uc = ucv;
    if (ntf < 32) tf_rips[ntf++] = uc->uc_mcontext.gregs[REG_RIP] - (long)(uintptr_t)tf_start;
    got_code = si->si_code;
}

static void test_sysret(void) {
    printf("sysret\n");
    on(SIGUSR1, set_rip, 0);
    on(SIGSEGV, segv_at, SA_NODEFER);
    unsigned long rips[] = {1UL << 47, 1UL << 48, 1UL << 63, 0x00007ffffffff000UL};
    for (int i = 0; i < 4; i++) {
        bad_rip = rips[i];
        raise(SIGUSR1);
    }
    dfl(SIGUSR1);
    dfl(SIGSEGV);

    /* TF across a system call, then NT */
    on(SIGTRAP, trap_handler, 0);
    ntf = 0;
    __asm__ volatile(
        "pushf; orl $0x100, (%%rsp); popf\n"
        ".globl tf_start\ntf_start: nop\n"
        "mov $39, %%eax; syscall\n"
        "nop\n"
        "pushf; andl $~0x100, (%%rsp); popf\n"
        ".globl tf_end\ntf_end: nop" : : : "rax", "rcx", "r11", "memory");
    printf(" TF traps %d code %d:", ntf, got_code);
    for (int i = 0; i < ntf; i++) printf(" %ld", tf_rips[i]);
    printf("\n");
    dfl(SIGTRAP);
    unsigned long fl;
    __asm__ volatile("pushf; orl $0x4000, (%%rsp); popf; mov $39, %%eax; syscall; pushf; pop %0; pushf; andl $~0x4000, (%%rsp); popf"
                     : "=r"(fl) : : "rax", "rcx", "r11", "memory");
    printf(" NT kept across syscall %d\n", (fl & 0x4000) != 0);
}

/* ---------------------------------------------------------------- deaths */

static void host_handler(int sig, siginfo_t *si, void *uc) {
    printf("got %d code %d\n", sig, si->si_code);
    _exit(sig);
}

static void die(const char *how) {
    if (!strcmp(how, "wait-host")) {
        /* signals from outside: the handler reports and exits with the signal's number */
        on(SIGINT, host_handler, 0);
        on(SIGTERM, host_handler, 0);
        on(SIGHUP, host_handler, 0);
        printf("ready\n");
        for (;;) pause();
    }
    if (!strcmp(how, "sigreturn-noncanonical")) {
        /* the sysret_rip selftest's first part, once: a handler returns to RIP = RCX = 1 << 47 */
        on(SIGUSR1, set_rip, 0);
        on(SIGSEGV, segv_at, SA_NODEFER);
        bad_rip = 1UL << 47;
        raise(SIGUSR1);
        printf("back\n");
        exit(0);
    }
    if (!strcmp(how, "wait-host-default")) { printf("ready\n"); for (;;) pause(); }
    if (!strcmp(how, "die-segv")) *(volatile int *)8 = 1;
    if (!strcmp(how, "die-abort")) abort();
    if (!strcmp(how, "die-alarm")) { alarm(1); for (;;) pause(); }
    if (!strcmp(how, "die-pipe")) { int p[2]; pipe(p); close(p[0]); write(p[1], "x", 1); }
    if (!strcmp(how, "die-term")) raise(SIGTERM);
    if (!strcmp(how, "die-blocked-segv")) {
        /* a fault signal that is blocked kills, whatever the handler */
        on(SIGSEGV, count_handler, 0);
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, SIGSEGV);
        sigprocmask(SIG_BLOCK, &s, 0);
        *(volatile int *)8 = 1;
    }
    if (!strcmp(how, "die-badstack")) {
        on(SIGUSR1, count_handler, 0);
        __asm__ volatile("mov %%rsp, %%rbx; mov $8, %%rsp; mov $62, %%eax; mov %0, %%rdi; mov $10, %%esi; syscall; mov %%rbx, %%rsp"
                         : : "r"((long)getpid()) : "rax", "rbx", "rcx", "rdi", "rsi", "r11", "memory");
    }
    if (!strcmp(how, "die-norestorer")) {
        /* x86-64 requires SA_RESTORER: without it the frame is not set up and SIGSEGV follows */
        struct { void *h; unsigned long flags; void *restorer; unsigned long mask; } ka = {(void *)count_handler, SA_SIGINFO, 0, 0};
        syscall(SYS_rt_sigaction, SIGUSR1, &ka, 0, 8);
        raise(SIGUSR1);
    }
    if (!strcmp(how, "die-ignored-then-default")) {
        signal(SIGUSR1, SIG_IGN);
        raise(SIGUSR1);
        printf("ignored\n");
        fflush(stdout);
        signal(SIGUSR1, SIG_DFL);
        raise(SIGUSR1);
    }
    printf("still alive\n");
    exit(3);
}

int main(int argc, char **argv) {
    setvbuf(stdout, 0, _IONBF, 0);
    if (argc > 1) die(argv[1]);
    test_faults();
    test_sigbus();
    test_sending();
    test_masks();
    test_nesting();
    test_altstack();
    test_context();
    test_waiting();
    test_pipe();
    test_restart();
    test_sigreturn_flags();
    test_sysret();
    printf("failures %d\n", failures);
    return failures != 0;
}
