package dev.lstar.cli;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.List;

/**
 * {@code lstar demo}: runs the built-in guest (cli/src/main/asm/demo.S), which makes COUNT getpid
 * system calls through the whole modelled path, and reports the rate — on the chosen engine, and
 * (unless {@code --engine} was given) on the interpreter too, for comparison.
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
        out.printf("machine: cpu %s, kpti %s, pcid %s%n%n", o.vendor.name().toLowerCase(), o.kpti ? "on" : "off", o.pcid ? "on" : "off");
        out.flush();
        Main.Outcome main = Main.runGuest(o, elf, "demo", List.of("demo", count), out, err, System.in);
        out.printf("%nguest exit status %d; %,d syscalls and %,d guest instructions%n", main.status(), main.syscalls(), main.instructions());
        line(out, o.engine, main);
        if (!o.engineChosen && main.status() == 0) {
            Main.Options base = copyWith(o, "interp");
            PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
            Main.Outcome interp = Main.runGuest(base, elf, "demo", List.of("demo", count), quiet, err, InputStream.nullInputStream());
            line(out, "interp", interp);
            out.printf("%s / interp: %.1fx syscalls per second%n", o.engine,
                    (main.syscalls() / (double) main.nanos()) / (interp.syscalls() / (double) interp.nanos()));
        }
        return main.status();
    }

    private static void line(PrintStream out, String engine, Main.Outcome r) {
        double secs = r.nanos() / 1e9;
        out.printf("%-8s %,12.0f syscalls/s  %7.0f ns per round trip  %8.1f M guest instructions/s  (%.2f s)%n", engine + ":",
                r.syscalls() / secs, r.nanos() / (double) Math.max(1, r.syscalls()), r.instructions() / secs / 1e6, secs);
    }

    private static Main.Options copyWith(Main.Options o, String engine) {
        Main.Options c = new Main.Options();
        c.engine = engine;
        c.kpti = o.kpti; c.pcid = o.pcid; c.la57 = o.la57; c.canonicalCheck = o.canonicalCheck; c.vendor = o.vendor;
        return c;
    }
}
