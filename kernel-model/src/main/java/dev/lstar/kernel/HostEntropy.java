package dev.lstar.kernel;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.SecureRandom;
import java.util.Random;

/**
 * The kernel model's random source when no seed is set: getrandom, /dev/urandom and /dev/random,
 * AT_RANDOM and the address-space layout draw from the host's {@code /dev/urandom} (as
 * qemu-user's getrandom reaches the host kernel), read in blocks. Creating a
 * {@link SecureRandom} costs ~20 ms in a fresh JVM (the security providers load), a fifth of a
 * short program's whole run; reading the device costs well under a millisecond. A
 * {@link SecureRandom} is used only if the device cannot be read.
 */
final class HostEntropy extends Random {
    private static final long serialVersionUID = 1L;
    private static final String DEVICE = "/dev/urandom";

    private final byte[] pool = new byte[512];
    private int used = pool.length;
    private transient InputStream in;
    private transient SecureRandom fallback;

    HostEntropy() {
        super(0); // (Random's own state is never used)
    }

    @Override
    protected synchronized int next(int bits) {
        int v = 0;
        for (int k = 0; k < 4; k++) v = v << 8 | (take() & 0xFF);
        return v >>> (32 - bits);
    }

    @Override
    public synchronized void nextBytes(byte[] bytes) {
        int off = 0;
        while (off < bytes.length) {
            if (used == pool.length) refill();
            int n = Math.min(bytes.length - off, pool.length - used);
            System.arraycopy(pool, used, bytes, off, n);
            java.util.Arrays.fill(pool, used, used + n, (byte) 0); // each byte is handed out once
            used += n;
            off += n;
        }
    }

    private byte take() {
        if (used == pool.length) refill();
        byte b = pool[used];
        pool[used++] = 0;
        return b;
    }

    private void refill() {
        if (fallback == null) {
            try {
                if (in == null) in = new FileInputStream(DEVICE);
                if (in.readNBytes(pool, 0, pool.length) == pool.length) {
                    used = 0;
                    return;
                }
            } catch (IOException e) {
                // no readable device: the JDK's generator below
            }
            fallback = new SecureRandom();
        }
        fallback.nextBytes(pool);
        used = 0;
    }
}
