package dev.lstar.api.gdb;

import dev.lstar.api.AccessModel;
import dev.lstar.decoder.Instruction;
import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.CpuException;
import dev.lstar.runtime.Machine;
import dev.lstar.runtime.engine.Engine;
import dev.lstar.runtime.engine.RunResult;
import dev.lstar.runtime.engine.StopReason;
import dev.lstar.runtime.interp.Interpreter;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * A gdb remote stub (GDB Remote Serial Protocol over TCP) in front of any {@link Engine}.
 *
 * <p>The stub <em>is</em> an engine: it wraps the real one, and whoever drives the machine (the
 * kernel model's run loop for {@code lstar run --gdb}, {@link dev.lstar.api.Emulator#start} for an
 * embedder) calls it as usual. On the first {@link #run} it waits for gdb and serves its
 * commands; "continue" runs the wrapped engine, "step" runs one instruction on a private
 * interpreter (so stepping neither translates, counts nor links anything in the JIT's cache), and
 * every stop the wrapped engine reports for someone else (a process exit, a CPU-time check, the
 * caller's budget) is handed back to the caller unchanged.
 *
 * <p>Breakpoints and watchpoints are {@link Machine.Hooks} chained in front of the embedder's:
 * no {@code int3} is written into guest memory. A block containing a breakpoint is rebuilt as a
 * hooked block (interpreted, or translated with the hook calls compiled in) and stops before the
 * instruction; watchpoints predict each instruction's data accesses ({@link AccessModel}) and stop
 * after the accessing instruction, as debug registers do. A guest exception that the guest's
 * kernel would turn into a signal ({@link FaultPolicy}) stops at the faulting instruction before
 * the IDT delivery; resuming with that signal delivers it, resuming without re-executes it.
 *
 * <p>Range stepping ({@code vCont;r}) steps on the private interpreter while RIP stays in the
 * range. Syscall catchpoints ({@code QCatchSyscalls}) stop before a user SYSCALL instruction and
 * at the user instruction it returns to.
 *
 * <p>User mode only by default ({@link #setKernelToo}): breakpoints, watchpoints and steps act in
 * ring 3, a step over SYSCALL ends at the next user instruction, and an interrupt that lands in
 * the kernel is reported at the next user instruction.
 */
public final class GdbStub implements Engine, AutoCloseable {
    /** Whether a user-mode exception becomes a signal (true) or is resolved by the guest's kernel (false, e.g. demand paging). */
    @FunctionalInterface
    public interface FaultPolicy {
        boolean isSignal(int vector, int errorCode, long address);
    }

    private enum State { WAITING, STOPPED, RUNNING, DETACHED, KILLED, ENDED }

    private static final int NONE = 0, BREAK = 1, HWBREAK = 2, WATCH = 3, SIGNAL = 4, STEP = 5, INTERRUPT = 6,
            SYSCALL_ENTRY = 7, SYSCALL_RETURN = 8;
    private static final int W_WRITE = 2, W_READ = 3, W_ACCESS = 4;

    private final Machine machine;
    private final Cpu cpu;
    private final Engine inner;
    private final ServerSocket server;
    private final Interpreter stepper;
    private final Machine.Hooks embedderHooks;
    private final GdbHooks hooks = new GdbHooks();

    private volatile State state = State.WAITING;
    private Socket socket;
    private RspChannel chan;
    private PrintStream log = System.err;

    // configuration
    private boolean kernelToo;
    private FaultPolicy faultPolicy;
    private String execFile;
    private byte[] auxv;
    private long textOffset = -1;

    // breakpoints and watchpoints
    private final TreeMap<Long, Integer> breakpoints = new TreeMap<>(); // address -> 0 (Z0) or 1 (Z1)
    private final List<long[]> watchpoints = new ArrayList<>(); // {addr, len, kind}
    // syscall catchpoints (QCatchSyscalls): null = off; empty = every call
    private java.util.Set<Long> catchSyscalls;
    private long syscallNr = -1;
    private long syscallReturnRip = -1;

    // the current stop
    private int stopCause = NONE;
    private int stopSignal = 5;
    private long watchHitAddr;
    private int watchHitKind;
    private volatile boolean interrupted;
    private RunResult fatal; // an undeliverable fault reported as a signal stop
    private String lastStop = "S05";
    private long origRax = -1;
    // resuming
    private boolean stepping;
    /** vCont;r: keep stepping while RIP is in [rangeStart, rangeEnd). */
    private long rangeStart, rangeEnd;
    private long skipRip = -1, skipCount = -1;
    private int passVector = -1;
    private long passRip;

    /** Statistics for tests. */
    public volatile int packetsServed;

    private GdbStub(Machine machine, Engine inner, ServerSocket server) {
        this.machine = machine;
        this.cpu = machine.cpu;
        this.inner = inner;
        this.server = server;
        this.stepper = new Interpreter(machine);
        this.embedderHooks = machine.hooks;
        machine.hooks = hooks;
        machine.invalidateBlocks((la, pa, len, insns) -> true); // the field changes only with a full invalidation
    }

    /**
     * Listens on {@code address} (port 0: any free port, see {@link #port()}) for one gdb
     * connection, in front of {@code engine} on {@code machine}. Use the returned stub as the
     * machine's engine; its first {@link #run} waits for gdb.
     */
    public static GdbStub listen(Machine machine, Engine engine, InetSocketAddress address) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(address, 1);
        return new GdbStub(machine, engine, s);
    }

    /** {@link #listen(Machine, Engine, InetSocketAddress)} on the loopback address. */
    public static GdbStub listen(Machine machine, Engine engine, int port) throws IOException {
        return listen(machine, engine, new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    }

    public int port() {
        return server.getLocalPort();
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    /** Stop in ring 0 as well (kernel-level debugging); default: user mode only. */
    public GdbStub setKernelToo(boolean on) { kernelToo = on; return this; }

    /** Which user exceptions are signals gdb should see; null (default): only faults the engine cannot deliver. */
    public GdbStub setFaultPolicy(FaultPolicy p) { faultPolicy = p; return this; }

    /** The executable's path for {@code qXfer:exec-file:read}. */
    public GdbStub setExecFile(String path) { execFile = path; return this; }

    /** The auxiliary vector's bytes for {@code qXfer:auxv:read} (null: not offered). */
    public GdbStub setAuxv(byte[] bytes) { auxv = bytes; return this; }

    /** The load bias for {@code qOffsets} (static-pie programs); -1: not offered. */
    public GdbStub setTextOffset(long bias) { textOffset = bias; return this; }

    /** Where the stub says what it does (default: System.err); null for nothing. */
    public GdbStub setLog(PrintStream p) { log = p; return this; }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public String stats() {
        return inner.stats();
    }

    @Override
    public void flush() {
        inner.flush();
        stepper.flush();
    }

    /** The engine behind the stub. */
    public Engine inner() {
        return inner;
    }

    // ================================================================== the run loop

    @Override
    public RunResult run(Machine m, long budget, long until) {
        if (m != machine) throw new IllegalArgumentException("this gdb stub belongs to another machine");
        long start = cpu.instructions;
        long limit = budget >= Long.MAX_VALUE - start ? Long.MAX_VALUE : start + budget;
        if (state == State.WAITING) {
            accept();
            if (state == State.WAITING) state = State.STOPPED;
            lastStop = stopReply(5, "");
        }
        while (true) {
            switch (state) {
                case DETACHED, ENDED, WAITING -> {
                    return inner.run(machine, remaining(limit), until);
                }
                case KILLED -> {
                    return new RunResult(StopReason.REQUESTED, cpu.instructions - start, null, 0, "killed by gdb");
                }
                case STOPPED -> {
                    serve();
                    if (state == State.STOPPED) state = State.RUNNING; // resumed
                }
                case RUNNING -> {
                    if (cpu.instructions >= limit) return RunResult.of(StopReason.BUDGET, cpu.instructions - start);
                    if (passFatal) { // gdb passed the signal of a fault the engine cannot deliver: the caller gets it
                        passFatal = false;
                        RunResult f = fatal;
                        fatal = null;
                        return f;
                    }
                    RunResult r = stepping ? stepOnce() : inner.run(machine, remaining(limit), until);
                    if (stepping && r.reason() == StopReason.BUDGET && stopCause == NONE && !interrupted
                            && Long.compareUnsigned(cpu.rip - rangeStart, rangeEnd - rangeStart) < 0) {
                        continue; // range stepping: still inside the range
                    }
                    RunResult out = afterRun(r);
                    if (out != null) {
                        return new RunResult(out.reason(), cpu.instructions - start, out.fault(), out.faultRip(), out.message());
                    }
                }
            }
        }
    }

    private long remaining(long limit) {
        return limit == Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(0, limit - cpu.instructions);
    }

    /** What to do with an engine result while gdb controls the run: null when it became a stop gdb sees. */
    private RunResult afterRun(RunResult r) {
        switch (r.reason()) {
            case REQUESTED -> {
                if (stopCause != NONE) {
                    reportStop();
                    return null;
                }
                if (interrupted) {
                    interrupted = false;
                    if (!kernelToo && cpu.cpl != 3) {
                        RunResult u = toUser();
                        if (u != null) return u;
                        if (stopCause != NONE) { reportStop(); return null; }
                    }
                    stopCause = INTERRUPT;
                    reportStop();
                    return null;
                }
                return r; // the caller's stop (process exit, CPU-time check, Emulator.stop())
            }
            case BUDGET -> {
                if (stepping && stopCause == NONE) {
                    stopCause = STEP;
                    reportStop();
                    return null;
                }
                if (stepping) { reportStop(); return null; }
                return r;
            }
            case UNHANDLED_FAULT -> {
                if (r.fault() != null && !r.fault().trap) cpu.rip = r.faultRip();
                fatal = r;
                stopCause = SIGNAL;
                stopSignal = r.fault() == null ? 11 : signalFor(r.fault().vector);
                lastSignalVector = r.fault() == null ? 14 : r.fault().vector;
                reportStop();
                return null;
            }
            default -> {
                return r;
            }
        }
    }

    /** One instruction on the private interpreter (then, in user mode only, on to the next user instruction). */
    private RunResult stepOnce() {
        long rip0 = cpu.rip;
        for (int attempt = 0; ; attempt++) {
            RunResult r = stepper.run(machine, 1, NO_UNTIL);
            if (r.reason() != StopReason.BUDGET || stopCause != NONE || kernelToo || cpu.cpl == 3) return r;
            RunResult u = toUser();
            if (u != null) return u;
            // back in user mode at the same instruction: a fault the kernel resolved (demand paging),
            // after which the instruction runs again; as under Linux, the step includes that run
            if (cpu.rip != rip0 || stopCause != NONE || attempt == 2) return RunResult.of(StopReason.BUDGET, 1);
            skipRip = cpu.rip;
            skipCount = cpu.instructions;
        }
    }

    /** Runs ring-0 code one instruction at a time until user mode; null when there, else the stop that came first. */
    private RunResult toUser() {
        while (cpu.cpl != 3) {
            RunResult r = stepper.run(machine, 1, NO_UNTIL);
            if (r.reason() != StopReason.BUDGET) return r;
            if (stopCause != NONE) return null;
        }
        return null;
    }

    // ================================================================== connection and commands

    private void accept() {
        try {
            if (log != null) log.println("lstar: waiting for gdb on " + addressText());
            socket = server.accept();
            socket.setTcpNoDelay(true);
            server.close();
            chan = new RspChannel(socket.getInputStream(), socket.getOutputStream(), this::interrupt);
            if (log != null) log.println("lstar: gdb connected from " + socket.getRemoteSocketAddress());
        } catch (IOException e) {
            if (log != null) log.println("lstar: gdb stub: " + e.getMessage() + "; running without gdb");
            detachHooks();
            state = State.DETACHED;
        }
    }

    private String addressText() {
        InetSocketAddress a = address();
        return a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    /** Ctrl-C from gdb (the reader thread). */
    private void interrupt() {
        if (state == State.RUNNING) {
            interrupted = true;
            machine.requestStop("gdb interrupt");
        }
    }

    private void reportStop() {
        String reply;
        switch (stopCause) {
            case BREAK -> reply = stopReply(5, "swbreak:;");
            case HWBREAK -> reply = stopReply(5, "hwbreak:;");
            case WATCH -> reply = stopReply(5, (watchHitKind == W_WRITE ? "watch" : watchHitKind == W_READ ? "rwatch" : "awatch")
                    + ":" + Long.toHexString(watchHitAddr) + ";");
            case SIGNAL -> reply = stopReply(gdbSignal(stopSignal), "");
            case INTERRUPT -> reply = stopReply(2, "");
            case SYSCALL_ENTRY -> reply = stopReply(5, "syscall_entry:" + Long.toHexString(syscallNr) + ";");
            case SYSCALL_RETURN -> reply = stopReply(5, "syscall_return:" + Long.toHexString(syscallNr) + ";");
            default -> reply = stopReply(5, "");
        }
        stopCause = NONE;
        lastStop = reply;
        if (reply.contains("syscall_")) origRax = syscallNr;
        state = State.STOPPED;
        chan.send(reply);
    }

    private String stopReply(int sig, String why) {
        StringBuilder sb = new StringBuilder(String.format("T%02x", sig));
        sb.append("thread:1;").append(why);
        for (int n : new int[] {6, 7, X86Registers.RIP}) {
            sb.append(Integer.toHexString(n)).append(':').append(hex(X86Registers.read(cpu, n, origRax))).append(';');
        }
        return sb.toString();
    }

    /** Serves packets while the guest is stopped; returns when gdb resumes, kills or detaches. */
    private void serve() {
        while (state == State.STOPPED) {
            byte[] p = chan.next();
            if (p == RspChannel.EOF) {
                if (log != null) log.println("lstar: gdb disconnected; the guest runs on without it");
                detach();
                return;
            }
            packetsServed++;
            String s = new String(p, StandardCharsets.ISO_8859_1);
            String reply;
            try {
                reply = handle(s, p);
            } catch (RuntimeException e) {
                reply = "E01"; // a malformed packet
            }
            if (reply != null) chan.send(reply);
        }
    }

    /** Answers one packet; null when the answer is a stop reply sent later (resume) or nothing. */
    private String handle(String s, byte[] raw) {
        if (s.isEmpty()) return "";
        char c = s.charAt(0);
        switch (c) {
            case '?' -> { return lastStop; }
            case 'g' -> {
                StringBuilder sb = new StringBuilder();
                for (int n = 0; n < X86Registers.COUNT; n++) sb.append(hex(X86Registers.read(cpu, n, origRax)));
                return sb.toString();
            }
            case 'G' -> {
                byte[] b = unhex(s.substring(1));
                int off = 0;
                boolean ok = true;
                for (int n = 0; n < X86Registers.COUNT && off + X86Registers.size(n) <= b.length; n++) {
                    ok &= writeReg(n, b, off);
                    off += X86Registers.size(n);
                }
                return ok ? "OK" : "E01";
            }
            case 'p' -> {
                int n = Integer.parseInt(s.substring(1), 16);
                if (X86Registers.size(n) < 0) return "E00";
                return hex(X86Registers.read(cpu, n, origRax));
            }
            case 'P' -> {
                int eq = s.indexOf('=');
                int n = Integer.parseInt(s.substring(1, eq), 16);
                if (X86Registers.size(n) < 0) return "E00";
                byte[] b = unhex(s.substring(eq + 1));
                if (b.length < X86Registers.size(n)) return "E01";
                return writeReg(n, b, 0) ? "OK" : "E01";
            }
            case 'm' -> {
                int comma = s.indexOf(',');
                long a = Long.parseUnsignedLong(s.substring(1, comma), 16);
                int len = Integer.parseInt(s.substring(comma + 1), 16);
                if (len < 0 || len > 0x10000) return "E01";
                StringBuilder sb = new StringBuilder();
                for (int k = 0; k < len; k++) {
                    int b = readByte(a + k);
                    if (b < 0) break;
                    sb.append(Character.forDigit(b >>> 4, 16)).append(Character.forDigit(b & 15, 16));
                }
                return sb.isEmpty() && len > 0 ? "E14" : sb.toString();
            }
            case 'M', 'X' -> {
                int comma = s.indexOf(','), colon = s.indexOf(':');
                long a = Long.parseUnsignedLong(s.substring(1, comma), 16);
                int len = Integer.parseInt(s.substring(comma + 1, colon), 16);
                byte[] data;
                if (c == 'M') data = unhex(s.substring(colon + 1));
                else data = java.util.Arrays.copyOfRange(raw, colon + 1, raw.length);
                if (data.length < len) return "E01";
                for (int k = 0; k < len; k++) if (peek(a + k) < 0) return "E14";
                for (int k = 0; k < len; k++) {
                    byte[] one = {data[k]};
                    machine.phys.write(peek(a + k), one, 0, 1); // code frames: stale blocks are dropped
                }
                return "OK";
            }
            case 'Z', 'z' -> { return breakpoint(c == 'Z', s); }
            case 'c', 'C', 's', 'S' -> {
                int sig = 0;
                String rest = s.substring(1);
                if (c == 'C' || c == 'S') {
                    int semi = rest.indexOf(';');
                    sig = Integer.parseInt(semi < 0 ? rest : rest.substring(0, semi), 16);
                    rest = semi < 0 ? "" : rest.substring(semi + 1);
                }
                if (!rest.isEmpty()) cpu.rip = Long.parseUnsignedLong(rest, 16);
                resume(c == 's' || c == 'S', sig);
                rangeStart = rangeEnd = 0;
                return null;
            }
            case 'k' -> {
                kill();
                return null;
            }
            case 'D' -> {
                chan.send("OK");
                detach();
                return null;
            }
            case 'H' -> { return "OK"; }
            case 'T' -> { return "OK"; }
            case 'q', 'Q', 'v' -> { return query(s); }
            default -> { return ""; }
        }
    }

    private String query(String s) {
        if (s.startsWith("qSupported")) {
            return "PacketSize=4000;QCatchSyscalls+;qXfer:features:read+;qXfer:exec-file:read" + (execFile != null ? "+" : "-")
                    + ";qXfer:auxv:read" + (auxv != null ? "+" : "-") + ";QStartNoAckMode+;swbreak+;hwbreak+;vContSupported+";
        }
        if (s.startsWith("QCatchSyscalls:")) {
            String[] f = s.substring("QCatchSyscalls:".length()).split(";");
            java.util.Set<Long> was = catchSyscalls;
            if (f[0].equals("0")) catchSyscalls = null;
            else if (f[0].equals("1")) {
                catchSyscalls = new java.util.HashSet<>();
                for (int k = 1; k < f.length; k++) catchSyscalls.add(Long.parseLong(f[k], 16));
            } else return "E01";
            if ((was == null) != (catchSyscalls == null)) {
                machine.invalidateBlocks((la, pa, len, insns) -> hasSyscall(insns));
            }
            return "OK";
        }
        if (s.equals("QStartNoAckMode")) {
            chan.send("OK");
            chan.setNoAck(true);
            return null;
        }
        if (s.startsWith("qXfer:features:read:")) {
            String[] f = s.substring("qXfer:features:read:".length()).split(":");
            if (!f[0].equals("target.xml")) return "E00";
            return xfer(X86Registers.TARGET_XML.getBytes(StandardCharsets.UTF_8), f[1]);
        }
        if (s.startsWith("qXfer:exec-file:read:")) {
            if (execFile == null) return "E00";
            String args = s.substring("qXfer:exec-file:read:".length());
            return xfer(execFile.getBytes(StandardCharsets.UTF_8), args.substring(args.indexOf(':') + 1));
        }
        if (s.startsWith("qXfer:auxv:read:")) {
            if (auxv == null) return "E00";
            String args = s.substring("qXfer:auxv:read:".length());
            return xfer(auxv, args.substring(args.indexOf(':') + 1));
        }
        if (s.equals("qAttached") || s.startsWith("qAttached:")) return "0"; // the stub started the guest: quitting gdb kills it
        if (s.equals("qC")) return "QC1";
        if (s.equals("qfThreadInfo")) return "m1";
        if (s.equals("qsThreadInfo")) return "l";
        if (s.equals("qOffsets")) {
            if (textOffset < 0) return "";
            String o = Long.toHexString(textOffset);
            return "Text=" + o + ";Data=" + o + ";Bss=" + o;
        }
        if (s.startsWith("qSymbol")) return "OK";
        if (s.equals("vCont?")) return "vCont;c;C;s;S;r";
        if (s.startsWith("vCont;")) {
            // one thread: the first action applies (a step wins over a continue for "the rest")
            boolean step = false;
            int sig = 0;
            String action = null;
            for (String a : s.substring(6).split(";")) {
                String verb = a.contains(":") ? a.substring(0, a.indexOf(':')) : a;
                if (action == null || verb.startsWith("s") || verb.startsWith("S") || verb.startsWith("r")) {
                    if (action != null && (action.startsWith("s") || action.startsWith("S") || action.startsWith("r"))) continue;
                    action = verb;
                }
            }
            if (action == null) return "E01";
            long rs = 0, re = 0;
            switch (action.charAt(0)) {
                case 'c' -> { }
                case 'C' -> sig = Integer.parseInt(action.substring(1), 16);
                case 's' -> step = true;
                case 'S' -> { step = true; sig = Integer.parseInt(action.substring(1), 16); }
                case 'r' -> {
                    String[] r = action.substring(1).split(",");
                    rs = Long.parseUnsignedLong(r[0], 16);
                    re = Long.parseUnsignedLong(r[1], 16);
                    step = true;
                }
                default -> { return ""; } // t (stop a thread): there is one thread, and it is stopped
            }
            resume(step, sig);
            rangeStart = rs;
            rangeEnd = re;
            return null;
        }
        if (s.startsWith("vKill")) {
            chan.send("OK");
            kill();
            return null;
        }
        return "";
    }

    private static String xfer(byte[] data, String offLen) {
        int comma = offLen.indexOf(',');
        int off = Integer.parseInt(offLen.substring(0, comma), 16);
        int len = Integer.parseInt(offLen.substring(comma + 1), 16);
        if (off >= data.length) return "l";
        int n = Math.min(len, data.length - off);
        return (off + n >= data.length ? "l" : "m") + new String(data, off, n, StandardCharsets.ISO_8859_1);
    }

    private String breakpoint(boolean insert, String s) {
        String[] f = s.substring(1).split("[,;]");
        int type = Integer.parseInt(f[0]);
        long addr = Long.parseUnsignedLong(f[1], 16);
        int kind = Integer.parseInt(f[2], 16);
        if (type == 0 || type == 1) {
            if (insert) breakpoints.put(addr, type);
            else breakpoints.remove(addr);
            machine.invalidateBlocks((la, pa, len, insns) -> la <= addr && addr - la < Math.max(len, 1));
            return "OK";
        }
        if (type >= 2 && type <= 4) {
            if (kind <= 0) return "E01";
            if (insert) watchpoints.add(new long[] {addr, kind, type});
            else watchpoints.removeIf(w -> w[0] == addr && w[1] == kind && w[2] == type);
            machine.invalidateBlocks((la, pa, len, insns) -> true);
            return "OK";
        }
        return "";
    }

    private boolean writeReg(int n, byte[] b, int off) {
        if (n == X86Registers.ORIG_RAX) {
            origRax = X86Registers.get(b, off, 8);
            return true;
        }
        return X86Registers.write(cpu, n, b, off);
    }

    private static boolean hasSyscall(Instruction[] insns) {
        for (Instruction i : insns) if (i.mnemonic == dev.lstar.decoder.Mnemonic.SYSCALL) return true;
        return false;
    }

    private void resume(boolean step, int gdbSig) {
        if (lastStop.contains("syscall_entry:") && !step) {
            // the call runs; the next user instruction after it is its return
            syscallReturnRip = cpu.rip + 2;
            long r = syscallReturnRip;
            machine.invalidateBlocks((la, pa, len, insns) -> la <= r && r - la < Math.max(len, 1));
        }
        if (!lastStop.contains("syscall_")) origRax = -1;
        stepping = step;
        skipRip = cpu.rip;
        skipCount = cpu.instructions;
        stopCause = NONE;
        passVector = -1;
        if (gdbSig != 0 && gdbSig != 2 && lastSignalVector >= 0 && gdbSig == gdbSignal(signalFor(lastSignalVector))) {
            // deliver the fault this time (the instruction faults again; the guest's kernel takes it)
            if (fatal != null) passFatal = true;
            else {
                passVector = lastSignalVector;
                passRip = cpu.rip;
            }
        } else if (gdbSig != 0 && gdbSig != 2 && log != null) {
            log.println("lstar: gdb stub: resuming with signal " + gdbSig + " is not supported; resuming without it");
        }
        if (!passFatal) fatal = null;
        lastSignalVector = -1;
        state = State.RUNNING;
    }

    private int lastSignalVector = -1;
    private boolean passFatal;

    private void kill() {
        state = State.KILLED;
        detachHooks();
        closeQuietly();
    }

    private void detach() {
        detachHooks();
        closeQuietly();
        state = State.DETACHED;
    }

    private void detachHooks() {
        breakpoints.clear();
        catchSyscalls = null;
        syscallReturnRip = -1;
        watchpoints.clear();
        if (machine.hooks == hooks) {
            machine.hooks = embedderHooks;
            machine.invalidateBlocks((la, pa, len, insns) -> true);
        }
    }

    /**
     * The guest's end: sends gdb W (exit code) or, with {@code linuxSignal} &gt; 0, X (killed by
     * that signal), and closes the connection. The owner calls it after the last {@link #run}.
     */
    public void exited(int exitCode, int linuxSignal) {
        if (chan != null && (state == State.RUNNING || state == State.STOPPED)) {
            chan.send(linuxSignal > 0 ? String.format("X%02x", gdbSignal(linuxSignal)) : String.format("W%02x", exitCode & 0xFF));
        }
        if (state != State.KILLED) state = State.ENDED;
        detachHooks();
        closeQuietly();
    }

    @Override
    public void close() {
        detachHooks();
        closeQuietly();
        if (state != State.KILLED) state = State.ENDED;
    }

    private void closeQuietly() {
        try {
            if (socket != null) socket.close();
            server.close();
        } catch (IOException e) {
            // nothing left to do
        }
    }

    /**
     * A byte of guest memory as the guest would read it, or -1. A page the guest's kernel would
     * fill with zeros on first touch (demand paging, per the fault policy) reads as zeros, as
     * ptrace shows it, without being populated.
     */
    private int readByte(long la) {
        long pa = peek(la);
        if (pa >= 0) return machine.phys.read8(pa) & 0xFF;
        if (faultPolicy != null && cpu.canonical(la) && la >= 0 && !faultPolicy.isSignal(CpuException.PF, 4, la)) return 0;
        return -1;
    }

    private long peek(long la) {
        if (!cpu.canonical(la)) return -1;
        long pa = cpu.mmu.peek(la & ~0xFFFL);
        return pa < 0 ? -1 : pa + (la & 0xFFF);
    }

    // ================================================================== signals

    /** The Linux signal for an unhandled user-mode exception (arch/x86/kernel/traps.c). */
    public static int signalFor(int vector) {
        return switch (vector) {
            case 0, 16, 19 -> 8; // SIGFPE
            case 1, 3 -> 5; // SIGTRAP
            case 6 -> 4; // SIGILL
            case 17 -> 7; // SIGBUS
            default -> 11; // SIGSEGV
        };
    }

    /** gdb's signal numbers differ from Linux's above 9 for some. */
    static int gdbSignal(int linux) {
        return switch (linux) {
            case 7 -> 10; // SIGBUS
            case 10 -> 30; // SIGUSR1
            case 12 -> 31; // SIGUSR2
            case 17 -> 20; // SIGCHLD
            case 18 -> 19; // SIGCONT
            case 19 -> 17; // SIGSTOP
            case 20 -> 18; // SIGTSTP
            case 23 -> 16; // SIGURG
            case 29 -> 23; // SIGIO
            case 30 -> 32; // SIGPWR
            case 31 -> 12; // SIGSYS
            default -> linux;
        };
    }

    private static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder(b.length * 2);
        for (byte x : b) sb.append(Character.forDigit(x >>> 4 & 15, 16)).append(Character.forDigit(x & 15, 16));
        return sb.toString();
    }

    private static byte[] unhex(String s) {
        byte[] b = new byte[s.length() / 2];
        for (int k = 0; k < b.length; k++) {
            int h = RspChannel.hex(s.charAt(2 * k)), l = RspChannel.hex(s.charAt(2 * k + 1));
            if (h < 0 || l < 0) throw new IllegalArgumentException("not hex");
            b[k] = (byte) (h << 4 | l);
        }
        return b;
    }

    // ================================================================== the hooks

    /** Breakpoints, watchpoints and signal stops, in front of the embedder's hooks. */
    private final class GdbHooks implements Machine.Hooks, AccessModel.Sink {
        private boolean pendingWatch;

        private boolean here() {
            return kernelToo || cpu.cpl == 3;
        }

        @Override
        public boolean covers(long la, int byteLen, Instruction[] insns) {
            if (embedderHooks != null && embedderHooks.covers(la, byteLen, insns)) return true;
            Long bp = breakpoints.ceilingKey(la);
            if (bp != null && bp - la < Math.max(byteLen, 1)) return true;
            if (syscallReturnRip >= 0 && la <= syscallReturnRip && syscallReturnRip - la < Math.max(byteLen, 1)) return true;
            if (catchSyscalls != null && hasSyscall(insns)) return true;
            return !watchpoints.isEmpty() && AccessModel.anyMemoryAccess(insns);
        }

        @Override
        public int enterBlock(Machine m, long la, int byteLen) {
            return embedderHooks == null ? EXECUTE : embedderHooks.enterBlock(m, la, byteLen);
        }

        @Override
        public int beforeInstruction(Machine m, Instruction i) {
            long a = i.address;
            if (!breakpoints.isEmpty() && here() && breakpoints.containsKey(a) && !(a == skipRip && cpu.instructions == skipCount)) {
                stopCause = breakpoints.get(a) == 1 ? HWBREAK : BREAK;
                m.requestStop("gdb breakpoint");
                return LEAVE;
            }
            if (syscallReturnRip == a && cpu.cpl == 3) {
                syscallReturnRip = -1;
                stopCause = SYSCALL_RETURN;
                m.requestStop("gdb syscall return");
                return LEAVE;
            }
            if (catchSyscalls != null && i.mnemonic == dev.lstar.decoder.Mnemonic.SYSCALL && cpu.cpl == 3
                    && !(a == skipRip && cpu.instructions == skipCount)
                    && (catchSyscalls.isEmpty() || catchSyscalls.contains(cpu.r[Cpu.RAX]))) {
                syscallNr = cpu.r[Cpu.RAX];
                stopCause = SYSCALL_ENTRY;
                m.requestStop("gdb syscall entry");
                return LEAVE;
            }
            pendingWatch = false;
            if (!watchpoints.isEmpty() && here()) AccessModel.predict(cpu, i, this);
            int act = embedderHooks == null ? EXECUTE : embedderHooks.beforeInstruction(m, i);
            if (act != EXECUTE) pendingWatch = false;
            return act;
        }

        @Override
        public void afterInstruction(Machine m, Instruction i) {
            if (embedderHooks != null) embedderHooks.afterInstruction(m, i);
            if (pendingWatch) {
                pendingWatch = false;
                stopCause = WATCH;
                m.requestStop("gdb watchpoint");
            }
        }

        @Override
        public void read(long la, int size) {
            hit(la, size, W_READ);
        }

        @Override
        public void write(long la, int size) {
            hit(la, size, W_WRITE);
        }

        private void hit(long la, int size, int access) {
            if (pendingWatch || size <= 0) return;
            for (long[] w : watchpoints) {
                int kind = (int) w[2];
                if (kind != W_ACCESS && kind != access) continue;
                if (la < w[0] + w[1] && w[0] < la + size) {
                    pendingWatch = true;
                    watchHitKind = kind;
                    watchHitAddr = Math.max(la, w[0]);
                    return;
                }
            }
        }

        @Override
        public int onException(Machine m, CpuException e, long faultRip, long nextRip) {
            if (faultPolicy != null && here() && state == State.RUNNING) {
                boolean passing = passVector == e.vector && passRip == faultRip;
                passVector = -1;
                if (!passing && faultPolicy.isSignal(e.vector, e.hasErrorCode ? e.errorCode : 0, e.address)) {
                    stopCause = SIGNAL;
                    stopSignal = signalFor(e.vector);
                    lastSignalVector = e.trap ? -1 : e.vector;
                    if (e.trap) {
                        cpu.instructions++;
                        if (cpu.rip == faultRip) cpu.rip = nextRip;
                    } else {
                        cpu.rip = faultRip;
                    }
                    cpu.halted = false;
                    m.requestStop("gdb signal");
                    return CONTINUE;
                }
            }
            return embedderHooks == null ? DELIVER : embedderHooks.onException(m, e, faultRip, nextRip);
        }
    }
}
