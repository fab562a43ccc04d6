package dev.lstar.api;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * A code cache several engines share: emulators built with the same {@code SharedCode}
 * ({@link Emulator.Builder#sharedCode}), or the CPUs of one emulated system. An engine that
 * supports sharing (the JIT) translates a piece of guest code once; another engine that meets the
 * same code (the same instruction bytes at the same addresses) reuses that translation instead of
 * generating and loading a class of its own. Each engine keeps its own decoded blocks, links and
 * per-machine state, so what one guest does (self-modifying code, unmapping, hooks) never changes
 * what another runs: a translation is found by its code's content, not by where it came from.
 * Engines that do not share (the interpreter: decoding is cheap) ignore it.
 *
 * <p>Thread-safe: engines on different threads use it at the same time. It holds translations
 * until its size bound evicts them (instances already running keep their code).
 */
public final class SharedCode {
    /** Default bound: bytecode bytes of the translations kept (as the JIT's own cache). */
    public static final long DEFAULT_MAX_BYTES = 64L << 20;

    private final long maxBytes;
    private final ConcurrentHashMap<Class<?>, Object> parts = new ConcurrentHashMap<>();

    private SharedCode(long maxBytes) {
        if (maxBytes <= 0) throw new IllegalArgumentException("maxBytes must be positive: " + maxBytes);
        this.maxBytes = maxBytes;
    }

    /** A new, empty shared code cache of {@link #DEFAULT_MAX_BYTES}. */
    public static SharedCode create() {
        return new SharedCode(DEFAULT_MAX_BYTES);
    }

    /** A new, empty shared code cache keeping at most about {@code maxBytes} of translated code. */
    public static SharedCode create(long maxBytes) {
        return new SharedCode(maxBytes);
    }

    /** The size bound. */
    public long maxBytes() {
        return maxBytes;
    }

    /**
     * For engine implementations: this cache's part of type {@code type} (one per engine kind),
     * made by {@code make} on first use.
     */
    public <T> T part(Class<T> type, Supplier<? extends T> make) {
        return type.cast(parts.computeIfAbsent(type, k -> make.get()));
    }
}
