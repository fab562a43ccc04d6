package dev.lstar.translator;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.lstar.api.SharedCode;
import dev.lstar.decoder.Instruction;
import dev.lstar.runtime.Machine;
import dev.lstar.runtime.interp.Block;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The JIT's part of a {@link SharedCode}: block classes several {@link JitEngine}s use, so that
 * a block is translated once (generated, verified, defined) however many CPUs or emulators run it.
 *
 * <p>A generated class depends only on the instructions it was compiled from — their bytes and
 * addresses — and on how it was asked for (a region or not, which blocks a superblock joins,
 * the SMP load fences, the test switches); everything per machine (the blocks and their
 * {@code valid} flags, the frame, the machine for stop requests) is in the instance's fields
 * ({@link CompiledBlock}). So the key is that content ({@link #key}) and an engine that misses
 * its own cache makes a new instance of a class found here, with its own blocks
 * ({@link BlockCompiler#setFields}): no class is generated. Content keys need no invalidation:
 * code written in one machine is other bytes, so another key; the engine's own blocks and
 * translations are invalidated as before. Blocks with compiled hook calls are not shared (their
 * class data names one machine's hooks).
 *
 * <p>Two engines that miss the same code at the same time (two threads starting the same worker
 * on two CPUs) do not both translate it: the first claims the key ({@link #claim}); the other
 * leaves a batch member it cannot claim untranslated for now (it stays pending and is found here
 * at its next execution), and waits for a single translation it cannot claim ({@link #await}).
 * An engine never waits while it holds claims of its own, so two engines cannot wait for each
 * other.
 */
final class SharedTranslations {
    /** One shared class (or a batch class's member): what an engine needs to instantiate it. */
    record Entry(Class<?> cls, int id, boolean inBatch, int codeBytes, int inlined, int fallbacks, boolean region,
                 int segments, int insns) {}

    /** The content a translation was compiled from, as bytes. */
    static final class Key {
        final byte[] sig;
        final int hash;

        Key(byte[] sig) {
            this.sig = sig;
            this.hash = Arrays.hashCode(sig);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.hash == hash && Arrays.equals(k.sig, sig);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    private final Cache<Key, Entry> cache;
    /** Statistics over every engine using this part. */
    final AtomicLong published = new AtomicLong(), reused = new AtomicLong();

    private SharedTranslations(long maxBytes) {
        cache = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .weigher((Key k, Entry e) -> Math.max(1, e.codeBytes()))
                .executor(Runnable::run)
                .build();
    }

    /** The JIT's part of {@code sc}. */
    static SharedTranslations of(SharedCode sc) {
        return sc.part(SharedTranslations.class, () -> new SharedTranslations(sc.maxBytes()));
    }

    /**
     * The key of compiling {@code segs} (one block, or a superblock's blocks) as
     * {@code region} on {@code m}; null when the translation must not be shared (compiled hook
     * calls, see {@link BlockCompiler#hookCalls}).
     */
    static Key key(Block[] segs, boolean region, boolean nestOnly, Machine m) {
        int n = 8;
        for (Block b : segs) {
            if (BlockCompiler.hookCalls(b, m)) return null;
            n += 16;
            for (Instruction i : b.insns) n += 1 + i.length;
        }
        byte[] sig = new byte[n];
        int p = 0;
        sig[p++] = (byte) ((region ? 1 : 0) | (m.phys.smp ? 2 : 0) | (BlockCompiler.forceFallbackForTest ? 4 : 0)
                | (BlockCompiler.injectAddBugForTest ? 8 : 0) | (nestOnly ? 16 : 0));
        sig[p++] = (byte) segs.length;
        p += 6;
        for (Block b : segs) {
            p = putLong(sig, p, b.la);
            p = putLong(sig, p, (long) b.insns.length << 32 | (b.pa2 >= 0 ? 1 : 0));
            for (Instruction i : b.insns) {
                sig[p++] = (byte) i.length;
                System.arraycopy(i.bytes, 0, sig, p, i.length);
                p += i.length;
            }
        }
        return new Key(sig);
    }

    private static int putLong(byte[] a, int p, long v) {
        for (int k = 0; k < 8; k++) a[p++] = (byte) (v >>> (8 * k));
        return p;
    }

    /**
     * A new instance of the class shared under {@code key}, bound to {@code segs} (the engine's
     * own blocks, equal in content to those it was compiled from) and {@code m}; null if none.
     */
    BlockCompiler.Result instantiate(Key key, Block[] segs, Machine m) {
        Entry e = cache.getIfPresent(key);
        if (e == null) return null;
        reused.incrementAndGet();
        if (e.cls() == null) return new BlockCompiler.Result(null, 0, 0, 0, 0, false, 1, e.insns(), true, 0);
        Block[] used = e.segments() == segs.length ? segs : Arrays.copyOf(segs, e.segments());
        Instruction[] insns;
        if (used.length == 1 && e.insns() == used[0].insns.length) {
            insns = used[0].insns;
        } else {
            insns = new Instruction[e.insns()];
            int n = 0;
            for (Block s : used) {
                int c = Math.min(s.insns.length, insns.length - n);
                System.arraycopy(s.insns, 0, insns, n, c);
                n += c;
            }
        }
        CompiledBlock cb = Instantiator.create(e.cls());
        cb.id = e.id();
        cb.inBatch = e.inBatch();
        BlockCompiler.setFields(cb, used, insns, m);
        return new BlockCompiler.Result(cb, e.codeBytes(), 0, e.inlined(), e.fallbacks(), e.region(), e.segments(), e.insns(), true, 0);
    }

    /**
     * Publishes translation {@code r} (just compiled, not reused) under {@code key}. A class of
     * its own replaces a batch member (it runs without the member dispatch); a batch member does
     * not replace anything.
     */
    void publish(Key key, BlockCompiler.Result r) {
        if (key == null || r.reused()) return;
        CompiledBlock cb = r.code();
        Entry e = new Entry(cb == null ? null : cb.getClass(), cb == null ? 0 : cb.id, cb != null && cb.inBatch,
                r.codeBytes(), r.inlined(), r.fallbacks(), r.region(), r.segments(), r.insns());
        published.incrementAndGet();
        if (cb != null && !cb.inBatch) cache.put(key, e);
        else cache.asMap().putIfAbsent(key, e);
    }

    /** Keys being translated now, each completed when its translation is published (or abandoned). */
    private final java.util.concurrent.ConcurrentHashMap<Key, java.util.concurrent.CompletableFuture<Void>> inFlight =
            new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Claims the translation of {@code key} for the calling engine: true if nobody else is
     * translating it now (then the caller must {@link #release} it when done, published or not).
     */
    boolean claim(Key key) {
        return inFlight.putIfAbsent(key, new java.util.concurrent.CompletableFuture<>()) == null;
    }

    /** Ends a {@link #claim}: engines waiting for the key go on. */
    void release(Key key) {
        java.util.concurrent.CompletableFuture<Void> f = inFlight.remove(key);
        if (f != null) f.complete(null);
    }

    /**
     * Waits (at most {@code millis}) until nobody is translating {@code key}; the caller then looks
     * it up again. Only for a caller that holds no claims.
     */
    void await(Key key, long millis) {
        java.util.concurrent.CompletableFuture<Void> f = inFlight.get(key);
        if (f == null) return;
        try {
            f.get(millis, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            // translate it ourselves
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Entries held now (tests, statistics). */
    long size() {
        cache.cleanUp();
        return cache.estimatedSize();
    }
}
