package dev.lstar.api.gdb;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The framing of the GDB Remote Serial Protocol over one byte stream: {@code $payload#cs}
 * packets with a two-digit hex checksum, {@code +}/{@code -} acknowledgements (a {@code -} makes
 * the last packet go out again; {@code QStartNoAckMode} turns both off), {@code }} escapes (the
 * next byte XOR 0x20) in both directions, and the out-of-band interrupt byte 0x03.
 *
 * <p>A daemon thread reads the stream all the time, so a 0x03 reaches {@link #onInterrupt} while
 * the guest runs; whole packets wait in a queue for {@link #next()}. A packet with a wrong
 * checksum is answered with {@code -} and dropped; bytes outside a packet that mean nothing are
 * ignored; run-length encoding is never sent.
 */
final class RspChannel {
    /** What {@link #next()} returns once the stream has ended. */
    static final byte[] EOF = new byte[0];

    private final InputStream in;
    private final OutputStream out;
    private final Runnable onInterrupt;
    private final BlockingQueue<byte[]> packets = new LinkedBlockingQueue<>();
    private volatile boolean noAck;
    private byte[] lastSent;
    /** Checksum failures seen (tests read it). */
    volatile int badChecksums;

    RspChannel(InputStream in, OutputStream out, Runnable onInterrupt) {
        this.in = in;
        this.out = out;
        this.onInterrupt = onInterrupt;
        Thread t = new Thread(this::readLoop, "lstar-gdb-reader");
        t.setDaemon(true);
        t.start();
    }

    void setNoAck(boolean on) {
        noAck = on;
    }

    /** The next packet's payload (escapes removed), or {@link #EOF}. */
    byte[] next() {
        try {
            return packets.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return EOF;
        }
    }

    private void readLoop() {
        try {
            while (true) {
                int b = in.read();
                if (b < 0) break;
                if (b == 0x03) {
                    onInterrupt.run();
                } else if (b == '-') {
                    byte[] again = lastSent;
                    if (again != null && !noAck) writeRaw(again);
                } else if (b == '$') {
                    readPacket();
                }
                // '+' and stray bytes: nothing to do
            }
        } catch (IOException e) {
            // the connection is gone: same as its end
        } finally {
            packets.add(EOF);
        }
    }

    private void readPacket() throws IOException {
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        int sum = 0;
        while (true) {
            int b = in.read();
            if (b < 0) throw new IOException("end of stream inside a packet");
            if (b == '#') break;
            if (b == '$') { // a new packet starts: the broken one is dropped
                raw.reset();
                sum = 0;
                continue;
            }
            raw.write(b);
            sum += b;
        }
        int h = in.read(), l = in.read();
        if (h < 0 || l < 0) throw new IOException("end of stream inside a checksum");
        int want = hex(h) << 4 | hex(l);
        if (hex(h) < 0 || hex(l) < 0 || want != (sum & 0xFF)) {
            badChecksums++;
            if (!noAck) writeRaw(new byte[] {'-'});
            return;
        }
        if (!noAck) writeRaw(new byte[] {'+'});
        packets.add(unescape(raw.toByteArray()));
    }

    private static byte[] unescape(byte[] b) {
        ByteArrayOutputStream o = new ByteArrayOutputStream(b.length);
        for (int k = 0; k < b.length; k++) {
            if (b[k] == '}' && k + 1 < b.length) o.write(b[++k] ^ 0x20);
            else o.write(b[k]);
        }
        return o.toByteArray();
    }

    static int hex(int c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }

    void send(String payload) {
        send(payload.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Sends one packet; '$', '#', '}' and '*' in the payload are escaped. */
    void send(byte[] payload) {
        ByteArrayOutputStream o = new ByteArrayOutputStream(payload.length + 8);
        o.write('$');
        int sum = 0;
        for (byte b : payload) {
            if (b == '$' || b == '#' || b == '}' || b == '*') {
                o.write('}');
                sum += '}';
                b ^= 0x20;
            }
            o.write(b);
            sum += b & 0xFF;
        }
        o.write('#');
        String cs = String.format("%02x", sum & 0xFF);
        o.write(cs.charAt(0));
        o.write(cs.charAt(1));
        byte[] bytes = o.toByteArray();
        lastSent = bytes;
        writeRaw(bytes);
    }

    private synchronized void writeRaw(byte[] b) {
        try {
            out.write(b);
            out.flush();
        } catch (IOException e) {
            // the reader sees the end of the connection and reports it
        }
    }
}
