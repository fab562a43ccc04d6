package dev.lstar.api;

import static dev.lstar.api.Guest.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

/** Several emulators in one JVM, each on its own thread, with hooks and snapshots, sharing nothing. */
class ThreadIsolationTest {
    @Test
    void fourThreadsFourMachines() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<long[]>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                long seed = 0x9E3779B97F4A7C15L * (t + 1);
                long iters = 20_000 + t * 1_000;
                results.add(pool.submit(() -> {
                    Emulator emu = user(LOOP);
                    long[] blocks = new long[1];
                    emu.hookBlock(CODE, CODE, (e, a, n) -> blocks[0]++);
                    Snapshot snap = emu.snapshot();
                    long[] out = null;
                    for (int round = 0; round < 5; round++) {
                        emu.restore(snap);
                        emu.regWrite(Reg.RAX, seed);
                        emu.regWrite(Reg.RCX, iters);
                        StopInfo s = emu.start(CODE, LOOP_DONE);
                        assertEquals(StopInfo.Reason.UNTIL_REACHED, s.reason());
                        long[] r = {emu.regRead(Reg.RAX), emu.regRead(Reg.RBX), blocks[0]};
                        if (out != null) assertEquals(out[1], r[1], "rounds agree");
                        out = r;
                    }
                    return out;
                }));
            }
            for (int t = 0; t < 4; t++) {
                long seed = 0x9E3779B97F4A7C15L * (t + 1);
                long iters = 20_000 + t * 1_000;
                long[] got = results.get(t).get();
                long[] want = xorshift(seed, iters);
                assertEquals(want[0], got[0], "thread " + t);
                assertEquals(want[1], got[1], "thread " + t);
                assertEquals(5 * iters, got[2], "thread " + t + " block hook count");
            }
        } finally {
            pool.shutdown();
        }
    }
}
