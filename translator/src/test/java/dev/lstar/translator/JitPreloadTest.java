package dev.lstar.translator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

/**
 * {@link JitEngine#preload} runs on the CLI's start-up thread while the guest may already run and
 * translate on its own: it must be callable from several threads at once and leave the
 * translator's tables as a translation needs them (the SSE binding, the helpers).
 */
class JitPreloadTest {
    @Test
    void preloadsFromSeveralThreadsAtOnce() throws InterruptedException {
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int k = 0; k < 4; k++) {
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    JitEngine.preload();
                } catch (Throwable t) {
                    failures.add(t);
                }
            }));
        }
        for (Thread t : threads) t.join();
        assertEquals(List.of(), failures);
        // the tables the preload made are the ones translations use
        assertNotNull(SseEmitter.directMethod(dev.lstar.decoder.Mnemonic.ADDSD));
        assertEquals(1, Helpers.publicStatic(dev.lstar.runtime.ops.SseFloat.class, "nonZero").size());
        assertEquals(List.of(), Helpers.publicStatic(dev.lstar.runtime.ops.SseFloat.class, "noSuchHelper"));
    }
}
