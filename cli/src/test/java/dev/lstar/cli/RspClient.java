package dev.lstar.cli;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A minimal gdb-side client of the Remote Serial Protocol for the stub's tests (ack mode). */
final class RspClient implements Closeable {
    final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    RspClient(int port) throws IOException, InterruptedException {
        Socket s = null;
        for (int attempt = 0; s == null; attempt++) {
            try {
                s = new Socket(InetAddress.getLoopbackAddress(), port);
            } catch (ConnectException e) {
                if (attempt > 200) throw e;
                Thread.sleep(50);
            }
        }
        socket = s;
        socket.setSoTimeout(60_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    static String frame(String payload) {
        int sum = 0;
        for (byte b : payload.getBytes(StandardCharsets.ISO_8859_1)) sum += b & 0xFF;
        return "$" + payload + "#" + String.format("%02x", sum & 0xFF);
    }

    void sendRaw(String bytes) throws IOException {
        out.write(bytes.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** Sends a packet and returns the acknowledgement byte ('+' or '-'). */
    int send(String payload) throws IOException {
        sendRaw(frame(payload));
        return readByte();
    }

    /** Sends a packet, expects '+', returns the reply. */
    String ask(String payload) throws IOException {
        int ack = send(payload);
        if (ack != '+') throw new IOException("no ack for " + payload + ": " + (char) ack);
        return reply();
    }

    int readByte() throws IOException {
        int b = in.read();
        if (b < 0) throw new IOException("connection closed");
        return b;
    }

    /** The next packet's payload (checked and acknowledged). */
    String reply() throws IOException {
        int b;
        do {
            b = readByte();
        } while (b != '$');
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        int sum = 0;
        while ((b = readByte()) != '#') {
            p.write(b);
            sum += b;
        }
        int cs = Integer.parseInt("" + (char) readByte() + (char) readByte(), 16);
        if (cs != (sum & 0xFF)) throw new IOException("bad checksum from the stub");
        sendRaw("+");
        return p.toString(StandardCharsets.ISO_8859_1);
    }

    /** A register from a 'p' reply, little-endian hex, as a long (first 8 bytes). */
    static long le(String hex) {
        long v = 0;
        int n = Math.min(hex.length() / 2, 8);
        for (int k = n - 1; k >= 0; k--) v = v << 8 | Integer.parseInt(hex.substring(2 * k, 2 * k + 2), 16);
        return v;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
