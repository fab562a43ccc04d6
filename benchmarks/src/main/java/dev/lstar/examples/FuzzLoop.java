package dev.lstar.examples;

import dev.lstar.api.Emulator;
import dev.lstar.api.Perm;
import dev.lstar.api.Reg;
import dev.lstar.api.Snapshot;
import dev.lstar.api.StopInfo;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Example: a tiny coverage-guided fuzz loop with snapshots. The guest "parser" crashes (writes
 * to address 0) only for inputs starting with {@code "LST!"}. Each iteration restores memory and
 * CPU state from one snapshot (only the frames the last run dirtied are copied back), writes a
 * mutated input into guest memory and runs; a block hook collects coverage, and inputs that
 * reach new blocks join the corpus, so the four-byte magic is found byte by byte.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar dev.lstar.examples.FuzzLoop [seed]}
 */
public final class FuzzLoop {
    private FuzzLoop() {}

    static final long CODE = 0x400000, INPUT = 0x600000, COUNTER = 0x601000, DONE = 0x400028;

    /**
     * rdi = input, rdx = counter:
     * <pre>
     * 400000: incq (%rdx)
     * 400003: cmpb $'L',(%rdi);  jne ok
     * 400008: cmpb $'S',1(%rdi); jne ok
     * 40000e: cmpb $'T',2(%rdi); jne ok
     * 400014: cmpb $'!',3(%rdi); jne ok
     * 40001a: movq $0xdead,0x0          (the planted crash: #PF on the unmapped page 0)
     * 400026: ok: xor %eax,%eax
     * 400028: done: nop
     * </pre>
     */
    static final byte[] PARSER = HexFormat.of().parseHex(
            "48ff02803f4c751e807f01537518807f02547512807f0321750c48c7042500000000adde000031c090");

    public static void main(String[] args) {
        long seed = args.length > 0 ? Long.parseLong(args[0]) : 1;
        Emulator emu = Emulator.builder().flatUserMode().build();
        emu.map(CODE, 0x1000, Perm.READ | Perm.EXEC);
        emu.write(CODE, PARSER);
        emu.map(INPUT, 0x2000, Perm.READ | Perm.WRITE);
        emu.regWrite(Reg.RDI, INPUT);
        emu.regWrite(Reg.RDX, COUNTER);
        emu.regWrite(Reg.RIP, CODE);
        Snapshot snap = emu.snapshot();

        Set<Long> coverage = new HashSet<>();
        Set<Long> run = new HashSet<>();
        emu.hookBlock((e, address, size) -> run.add(address));
        List<byte[]> corpus = new ArrayList<>();
        corpus.add("hello...".getBytes());
        Random rnd = new Random(seed);
        long t0 = System.nanoTime();
        for (int iter = 1; iter <= 2_000_000; iter++) {
            emu.restore(snap);
            if (emu.readLong(COUNTER) != 0) throw new AssertionError("restore did not bring memory back");
            byte[] input = corpus.get(rnd.nextInt(corpus.size())).clone();
            input[rnd.nextInt(input.length)] = (byte) rnd.nextInt(256);
            emu.write(INPUT, input);
            run.clear();
            StopInfo s = emu.start(CODE, DONE, 0, 1000);
            if (s.reason() == StopInfo.Reason.FAULT) {
                double ms = (System.nanoTime() - t0) / 1e6;
                System.out.printf("crash after %d iterations (%.0f ms, %.1f µs per iteration): input \"%s\"%n",
                        iter, ms, ms * 1000 / iter, new String(input));
                System.out.println("  " + s);
                System.out.println("  corpus " + corpus.size() + " inputs, " + coverage.size() + " blocks covered");
                return;
            }
            if (coverage.addAll(run)) corpus.add(input);
        }
        System.err.println("no crash found");
        System.exit(1);
    }
}
