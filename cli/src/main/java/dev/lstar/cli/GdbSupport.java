package dev.lstar.cli;

import dev.lstar.api.gdb.GdbStub;
import dev.lstar.kernel.LinuxKernel;
import dev.lstar.kernel.UserProcess;
import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.CpuException;
import dev.lstar.runtime.engine.Engine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;

/**
 * {@code lstar run --gdb}: puts a {@link GdbStub} in front of the engine, with what the kernel
 * model knows about the process: its executable's path, its auxiliary vector (read back from the
 * initial stack the loader built), its load bias, and which user faults become signals (every
 * exception except a page fault that demand paging resolves).
 */
final class GdbSupport {
    private GdbSupport() {}

    static GdbStub attach(LinuxKernel kernel, UserProcess process, Engine engine, InetSocketAddress at,
                          String path, boolean kernelToo, PrintStream log) throws IOException {
        GdbStub stub = GdbStub.listen(kernel.machine, engine, at);
        stub.setLog(log).setKernelToo(kernelToo).setExecFile(Path.of(path).toAbsolutePath().toString())
                .setAuxv(auxv(kernel.cpu)).setTextOffset(process.loadBias)
                .setFaultPolicy((vector, error, address) ->
                        vector != CpuException.PF || !process.mm.resolvesFault(address, error));
        if (kernelToo) {
            Path symbols = java.nio.file.Files.createTempFile("lstar-kernel-", ".elf");
            symbols.toFile().deleteOnExit();
            java.nio.file.Files.write(symbols, KernelSymbolFile.elf(kernel.image));
            log.println("lstar: kernel symbols for gdb: add-symbol-file " + symbols);
        }
        return stub;
    }

    /**
     * The auxiliary vector at process start: after argc, argv[] and envp[] (each NULL-terminated)
     * on the initial stack, pairs of words up to and including AT_NULL. Null if it cannot be read.
     */
    static byte[] auxv(Cpu cpu) {
        long sp = cpu.r[Cpu.RSP];
        long argc = read64(cpu, sp);
        if (argc < 0 || argc > 1 << 20) return null;
        long p = sp + 8 * (argc + 2); // argc, argv[argc], NULL
        for (int n = 0; read64(cpu, p) != 0; n++, p += 8) {
            if (n > 1 << 20) return null;
        }
        p += 8;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int n = 0; n < 64; n++, p += 16) {
            long type = read64(cpu, p), value = read64(cpu, p + 8);
            for (int k = 0; k < 8; k++) out.write((int) (type >>> (8 * k)));
            for (int k = 0; k < 8; k++) out.write((int) (value >>> (8 * k)));
            if (type == 0) return out.toByteArray();
        }
        return null;
    }

    private static long read64(Cpu cpu, long la) {
        long v = 0;
        for (int k = 7; k >= 0; k--) {
            long pa = cpu.mmu.peek(la + k);
            if (pa < 0) return 0;
            v = v << 8 | (cpu.mmu.phys().read8(pa) & 0xFF);
        }
        return v;
    }
}
