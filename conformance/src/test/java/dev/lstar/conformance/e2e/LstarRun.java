package dev.lstar.conformance.e2e;

import dev.lstar.kernel.ExitStatus;
import dev.lstar.kernel.KernelConfig;
import dev.lstar.kernel.LinuxKernel;
import dev.lstar.runtime.Vendor;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;

/**
 * Runs a guest program under lstar in this JVM: boots a {@link LinuxKernel} with the given
 * configuration, captures the guest's stdout/stderr and lstar's own log, and returns how it ended.
 */
final class LstarRun {
    private LstarRun() {}

    /** One finished run. */
    record Result(String stdout, String stderr, String log, ExitStatus exit, LinuxKernel kernel) {
        int status() {
            return exit.shellStatus();
        }
    }

    static KernelConfig config(Vendor vendor, boolean kpti) {
        return KernelConfig.defaults().withVendor(vendor).withKpti(kpti);
    }

    static Result run(String program, List<String> args, KernelConfig config, EngineFactory engine) {
        return run(program, args, config, engine, k -> {});
    }

    /** Like {@link #run(String, List, KernelConfig, EngineFactory)}, with {@code setup} called after exec. */
    static Result run(String program, List<String> args, KernelConfig config, EngineFactory engine, Consumer<LinuxKernel> setup) {
        return run(program, Programs.bytes(program), args, config, engine, setup);
    }

    /** Runs the ELF image {@code elf} (not one of {@link Programs}) as {@code /programs/NAME}. */
    static Result run(String program, byte[] elf, List<String> args, KernelConfig config, EngineFactory engine, Consumer<LinuxKernel> setup) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream(), log = new ByteArrayOutputStream();
        PrintStream po = new PrintStream(out, true, StandardCharsets.UTF_8), pe = new PrintStream(err, true, StandardCharsets.UTF_8),
                pl = new PrintStream(log, true, StandardCharsets.UTF_8);
        KernelConfig cfg = config.withIo(new ByteArrayInputStream(new byte[0]), po, pe).withLog(pl);
        LinuxKernel kernel = LinuxKernel.boot(cfg);
        List<String> argv = new java.util.ArrayList<>();
        argv.add(program);
        argv.addAll(args);
        kernel.exec(elf, "/programs/" + program, argv, List.of("PATH=/usr/bin:/bin"));
        // the lockstep engine runs each block twice: a vvar publication by the timer in between would
        // look like a divergence (as `lstar run --engine lockstep` does, the clocks move at system calls only)
        if (engine.name().equals("lockstep")) kernel.vvarRefresh(false);
        setup.accept(kernel);
        ExitStatus exit = kernel.run(engine.create().apply(kernel.machine));
        return new Result(out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8),
                log.toString(StandardCharsets.UTF_8), exit, kernel);
    }
}
