package dev.lstar.cli;

import java.io.PrintStream;
import java.util.List;

/**
 * {@code lstar demo}: runs the built-in guest (cli/src/main/asm/demo.S), which makes COUNT getpid
 * system calls through the whole modelled path, and reports the rate.
 */
final class Demo {
    private Demo() {}

    static int run(Main.Options o, PrintStream out, PrintStream err) {
        if (o.rest.size() > 1) {
            throw new Main.UsageException("demo takes one optional COUNT, and options go before it: lstar demo [OPTIONS] [COUNT]");
        }
        String count = o.rest.isEmpty() ? "2000000" : o.rest.get(0);
        if (!count.matches("[0-9]{1,12}")) throw new Main.UsageException("demo: COUNT must be a number, not '" + count + "'");
        byte[] elf = Main.resource("/dev/lstar/cli/demo.elf");
        out.printf("lstar demo: a static x86-64 Linux program calls getpid %s times.%n", count);
        out.printf("Each call: SYSCALL -> entry_SYSCALL_64 (Linux 6.6 entry code, run as guest machine code: swapgs,%n"
                + "CR3 switch, pt_regs) -> do_syscall_64 (Java) -> the six SYSRET checks -> SYSRETQ.%n");
        out.printf("machine: cpu %s, kpti %s, pcid %s, engine %s%n%n", o.vendor.name().toLowerCase(), o.kpti ? "on" : "off",
                o.pcid ? "on" : "off", o.engine);
        out.flush();
        Main.Outcome r = Main.runGuest(o, elf, "demo", List.of("demo", count), out, err, System.in);
        double secs = r.nanos() / 1e9;
        out.printf("%nguest exit status %d; %,d syscalls and %,d guest instructions in %.3f s%n", r.status(), r.syscalls(), r.instructions(), secs);
        out.printf("%s: %,.0f syscalls/s (%.0f ns per round trip), %,.1f M guest instructions/s%n", r.stats().isEmpty() ? o.engine : o.engine,
                r.syscalls() / secs, r.nanos() / (double) Math.max(1, r.syscalls()), r.instructions() / secs / 1e6);
        return r.status();
    }
}
