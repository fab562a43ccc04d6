package dev.lstar.translator;

import dev.lstar.runtime.setup.FlatImage;
import static org.junit.jupiter.api.Assertions.*;

import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.engine.RunResult;
import dev.lstar.runtime.engine.StopReason;
import dev.lstar.runtime.setup.BareMachine;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The bounded translation cache: eviction, retranslation, class unloading, flush, statistics. */
class CodeCacheTest {
    @Test
    void tinyCacheEvictsRetranslatesAndAgrees() {
        JitEngine[] j = new JitEngine[1];
        BareMachine bm = Guests.compare("calls", m -> m.machine.cpu.r[Cpu.RDI] = 18,
                m -> j[0] = new JitEngine(m.machine, JitEngine.Options.defaults().withMaxCacheBytes(1024)));
        assertEquals(2584, bm.machine.cpu.r[Cpu.RAX]);
        JitEngine jit = j[0];
        assertTrue(jit.evictions > 10, jit.stats());
        assertTrue(jit.translations > jit.liveTranslations() + 10, "blocks were translated again after eviction:\n" + jit.stats());
        assertTrue(jit.liveTranslations() <= 8, jit.stats());
    }

    @Test
    void evictedClassesAreUnloaded() throws Exception {
        BareMachine bm = Guests.machine("calls", 3);
        bm.machine.cpu.r[Cpu.RDI] = 12;
        JitEngine jit = new JitEngine(bm.machine, JitEngine.Options.defaults().withMaxCacheBytes(1024));
        List<WeakReference<Class<?>>> classes = new ArrayList<>();
        jit.onTranslate = t -> classes.add(new WeakReference<>(t.code.getClass()));
        RunResult r = jit.run(bm.machine, 1L << 30, FlatImage.load("calls").sym("done"));
        assertEquals(StopReason.UNTIL_REACHED, r.reason());
        jit.onTranslate = null;
        assertTrue(classes.size() > 20);
        int unloaded = 0;
        for (int attempt = 0; attempt < 20 && unloaded < classes.size() - 10; attempt++) {
            System.gc();
            Thread.sleep(20);
            unloaded = (int) classes.stream().filter(w -> w.get() == null).count();
        }
        // at most the live translations (and the few still reachable from JIT frames) stay loaded
        assertTrue(unloaded >= classes.size() - 10, unloaded + " of " + classes.size() + " hidden classes unloaded");
    }

    @Test
    void flushDropsEverythingAndRunsAgain() {
        BareMachine bm = Guests.machine("xorshift", 3);
        Cpu c = bm.machine.cpu;
        c.r[Cpu.RAX] = 3;
        c.r[Cpu.RCX] = 100;
        JitEngine jit = new JitEngine(bm.machine);
        long done = FlatImage.load("xorshift").sym("done");
        jit.run(bm.machine, 600, -1);
        long before = jit.translations;
        assertEquals(1, before);
        jit.flush();
        assertEquals(0, jit.liveTranslations());
        assertEquals(StopReason.UNTIL_REACHED, jit.run(bm.machine, 1L << 30, done).reason());
        assertEquals(before + 1, jit.translations, "translated again after the flush");
        assertEquals(0, c.r[Cpu.RCX]);
        String s = jit.stats();
        for (String k : new String[] {"cache hits:", "cache misses:", "translations:", "evictions:", "invalidations:",
                "translation time:", "bytecode generated:"}) {
            assertTrue(s.contains(k), s);
        }
    }
}
