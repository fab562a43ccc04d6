package dev.lstar.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lstar.api.Emulator;
import dev.lstar.api.Perm;
import dev.lstar.api.Reg;
import dev.lstar.api.StopInfo;
import dev.lstar.api.gdb.GdbStub;

import java.util.HexFormat;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The gdb stub through the embedding API ({@link Emulator#gdbServer}), driven by a Java client of
 * the protocol on both engines: framing (acks, wrong checksums, escapes, malformed packets),
 * registers and memory, breakpoints, a step, a watchpoint, Ctrl-C of a loop, a fault stop with
 * its signal, kill, and a disconnect in the middle of a run.
 */
class GdbApiTest {
    /**
     * <pre>
     * 400000: 48 ff c0                 inc %rax
     * 400003: 48 89 04 25 00 00 60 00  mov %rax,0x600000
     * 40000b: 48 ff c9                 dec %rcx
     * 40000e: 75 f0                    jne 400000
     * 400010: f4                       hlt
     * 400011: c7 04 25 00 00 70 00 01 00 00 00   movl $1,0x700000   (unmapped: #PF)
     * 40001c: f4                       hlt
     * </pre>
     */
    static final byte[] CODE = HexFormat.of().parseHex("48ffc0488904250000600048ffc975f0f4c7042500007000010000" + "00f4");

    record Session(Emulator emu, RspClient gdb, FutureTask<StopInfo> run) {
        StopInfo end() throws Exception {
            return run.get(60, TimeUnit.SECONDS);
        }
    }

    static Session open(String engine, long rcx, long begin) throws Exception {
        Emulator emu = Emulator.builder().engine(engine).build();
        emu.map(0x400000, 0x1000, Perm.READ | Perm.EXEC);
        emu.map(0x600000, 0x1000, Perm.READ | Perm.WRITE);
        emu.write(0x400000, CODE);
        emu.regWrite(Reg.RCX, rcx);
        GdbStub stub = emu.gdbServer(0).setLog(null);
        FutureTask<StopInfo> run = new FutureTask<>(() -> emu.start(begin, Emulator.NO_UNTIL));
        Thread t = new Thread(run, "guest");
        t.setDaemon(true);
        t.start();
        return new Session(emu, new RspClient(stub.port()), run);
    }

    static long rip(RspClient c) throws Exception {
        return RspClient.le(c.ask("p10"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void framingRegistersAndMemory(String engine) throws Exception {
        Session s = open(engine, 3, 0x400000);
        RspClient c = s.gdb();
        String sup = c.ask("qSupported:multiprocess+;swbreak+;hwbreak+;xmlRegisters=i386");
        assertTrue(sup.contains("qXfer:features:read+") && sup.contains("swbreak+"), sup);
        assertTrue(c.ask("?").startsWith("T05"));
        // the target description, read in pieces
        StringBuilder xml = new StringBuilder();
        for (int off = 0; ; off += 0x100) {
            String part = c.ask("qXfer:features:read:target.xml:" + Integer.toHexString(off) + ",100");
            xml.append(part.substring(1));
            if (part.startsWith("l")) break;
            assertTrue(part.startsWith("m"), part);
        }
        assertTrue(xml.toString().contains("org.gnu.gdb.i386.sse") && xml.toString().endsWith("</target>\n"));
        // registers: g is 560 bytes (GPRs, rip, eflags, 6 selectors, st0-7, 8 x87 control, xmm0-15, mxcsr, orig_rax, fs/gs base)
        assertEquals(1120, c.ask("g").length());
        assertEquals(0x400000, rip(c));
        assertEquals("OK", c.ask("P0=efbeadde00000000"));
        assertEquals(0xdeadbeefL, RspClient.le(c.ask("p0")));
        assertEquals(0xdeadbeefL, s.emu().machine().cpu.r[0]);
        assertEquals("OK", c.ask("P28=00112233445566778899aabbccddeeff")); // xmm0
        assertEquals(0x7766554433221100L, s.emu().machine().cpu.xmm[0]);
        assertEquals("E00", c.ask("p99"));
        // a wrong checksum is refused with '-'; the next good packet works
        c.sendRaw("$g#00");
        assertEquals('-', c.readByte());
        assertEquals(0x400000, rip(c));
        // malformed packets get an error, unknown ones the empty reply
        assertEquals("E01", c.ask("mzz,4"));
        assertEquals("E01", c.ask("P"));
        assertEquals("", c.ask("qNoSuchThing"));
        // binary write with escapes ('}', '#', '$', '*'), read back as hex; unmapped memory is an error
        String x = "X600000,4:" + "}" + (char) (0x7d ^ 0x20) + "}" + (char) (0x23 ^ 0x20) + "}" + (char) (0x24 ^ 0x20) + "}" + (char) (0x2a ^ 0x20);
        assertEquals("OK", c.ask(x));
        assertEquals("7d23242a", c.ask("m600000,4"));
        assertEquals("OK", c.ask("M600004,2:beef"));
        assertEquals("beef", c.ask("m600004,2"));
        assertEquals("E14", c.ask("m900000,4"));
        assertEquals('+', c.send("k"));
        assertEquals(StopInfo.Reason.STOPPED, s.end().reason());
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void breakpointStepWatchpointAndExit(String engine) throws Exception {
        Session s = open(engine, 3, 0x400000);
        RspClient c = s.gdb();
        assertEquals("OK", c.ask("Z0,40000b,1"));
        String stop = c.ask("vCont;c");
        assertTrue(stop.startsWith("T05") && stop.contains("swbreak:"), stop);
        assertEquals(0x40000b, rip(c));
        assertEquals(1, RspClient.le(c.ask("p0")));
        // continuing from the breakpoint runs it (not stuck on it) and stops there next time round
        stop = c.ask("c");
        assertTrue(stop.contains("swbreak:"), stop);
        assertEquals(2, RspClient.le(c.ask("p0")));
        assertEquals("OK", c.ask("z0,40000b,1"));
        stop = c.ask("vCont;s:1");
        assertTrue(stop.startsWith("T05"), stop);
        assertEquals(0x40000e, rip(c));
        assertEquals(1, RspClient.le(c.ask("p2"))); // rcx
        // a write watchpoint stops after the storing instruction
        assertEquals("OK", c.ask("Z2,600000,8"));
        stop = c.ask("c");
        assertTrue(stop.contains("watch:600000;"), stop);
        assertEquals(0x40000b, rip(c));
        assertEquals("0300000000000000", c.ask("m600000,8"));
        assertEquals("OK", c.ask("z2,600000,8"));
        assertEquals("W00", c.ask("c"));
        StopInfo end = s.end();
        assertEquals(StopInfo.Reason.HALTED, end.reason());
        assertEquals(3, s.emu().regRead(Reg.RAX));
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void ctrlCStopsALoop(String engine) throws Exception {
        Session s = open(engine, Long.MAX_VALUE, 0x400000);
        RspClient c = s.gdb();
        assertEquals('+', c.send("c"));
        Thread.sleep(300);
        c.sendRaw("\u0003");
        String stop = c.reply();
        assertTrue(stop.startsWith("T02"), stop);
        long rip = rip(c);
        assertTrue(rip >= 0x400000 && rip < 0x400010, Long.toHexString(rip));
        assertTrue(RspClient.le(c.ask("p0")) > 1000, "the loop ran");
        assertEquals('+', c.send("k"));
        assertEquals(StopInfo.Reason.STOPPED, s.end().reason());
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void faultStopsWithItsSignalThenPassesIt(String engine) throws Exception {
        Session s = open(engine, 0, 0x400011);
        RspClient c = s.gdb();
        String stop = c.ask("c");
        assertTrue(stop.startsWith("T0b"), stop); // SIGSEGV at the faulting instruction
        assertEquals(0x400011, rip(c));
        assertEquals("X0b", c.ask("C0b"));
        StopInfo end = s.end();
        assertEquals(StopInfo.Reason.FAULT, end.reason());
        assertEquals(14, end.vector());
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void disconnectMidRunIsSurvived(String engine) throws Exception {
        Session s = open(engine, 2_000_000, 0x400000);
        RspClient c = s.gdb();
        assertEquals("OK", c.ask("Z0,400010,1"));
        assertEquals('+', c.send("c"));
        c.close(); // gdb goes away while the guest runs: the stub detaches and the run goes on
        StopInfo end = s.end();
        assertEquals(StopInfo.Reason.HALTED, end.reason());
        assertEquals(2_000_000, s.emu().regRead(Reg.RAX));
    }

    /** Steps run on the stub's own interpreter: the JIT's cache and counters are exactly as before them. */
    @org.junit.jupiter.api.Test
    void steppingLeavesTheJitCacheAlone() throws Exception {
        Session s = open("jit", 100, 0x400000);
        RspClient c = s.gdb();
        assertEquals("OK", c.ask("Z0,40000b,1"));
        for (int k = 0; k < 3; k++) assertTrue(c.ask("c").contains("swbreak:"));
        String before = s.emu().engine().stats();
        long rax = RspClient.le(c.ask("p0"));
        for (int k = 0; k < 20; k++) assertTrue(c.ask("s").startsWith("T05"));
        assertEquals(rax + 5, RspClient.le(c.ask("p0"))); // 20 steps = 5 iterations of 4 instructions
        assertEquals(before, s.emu().engine().stats());
        assertEquals("OK", c.ask("z0,40000b,1"));
        assertEquals("W00", c.ask("c"));
        assertEquals(StopInfo.Reason.HALTED, s.end().reason());
        assertEquals(100, s.emu().regRead(Reg.RAX));
    }

    /**
     * A breakpoint in the second block of a hot superblock (the JIT joins a block and the block it
     * jumps to in the same page into one method) stops there: the superblock is not used once one
     * of its blocks is rebuilt with the breakpoint.
     * <pre>
     * 400000: inc %rax; jmp 400020; (nops)
     * 400020: mov %rax,0x600000; dec %rcx; jne 400000
     * 40002d: hlt
     * </pre>
     */
    @org.junit.jupiter.api.Test
    void breakpointInsideAHotSuperblock() throws Exception {
        Emulator emu = Emulator.builder().engine("jit").build();
        emu.map(0x400000, 0x1000, Perm.READ | Perm.EXEC);
        emu.map(0x600000, 0x1000, Perm.READ | Perm.WRITE);
        emu.write(0x400000, HexFormat.of().parseHex(
                "48ffc0eb1b909090909090909090909090909090909090909090909090909090488904250000600048ffc975d3f4"));
        emu.regWrite(Reg.RCX, 1L << 40);
        GdbStub stub = emu.gdbServer(0).setLog(null);
        FutureTask<StopInfo> run = new FutureTask<>(() -> emu.start(0x400000, Emulator.NO_UNTIL));
        Thread t = new Thread(run, "guest");
        t.setDaemon(true);
        t.start();
        RspClient c = new RspClient(stub.port());
        assertEquals('+', c.send("c")); // the loop runs hot, with no breakpoint anywhere
        Thread.sleep(300);
        c.sendRaw("\u0003");
        assertTrue(c.reply().startsWith("T02"));
        long rax = RspClient.le(c.ask("p0"));
        assertTrue(rax > 1000, "ran hot: " + rax);
        String stats = emu.engine().stats();
        assertTrue(java.util.regex.Pattern.compile("superblocks: [1-9]").matcher(stats).find(), stats); // the JIT joined the two blocks
        assertEquals("OK", c.ask("Z0,400028,1")); // inside the second segment
        assertTrue(c.ask("c").contains("swbreak:"));
        assertEquals(0x400028, rip(c));
        long at = RspClient.le(c.ask("p0"));
        assertTrue(at == rax || at == rax + 1, rax + " then " + at);
        assertEquals('+', c.send("k"));
        assertEquals(StopInfo.Reason.STOPPED, run.get(60, TimeUnit.SECONDS).reason());
    }

    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void detachLetsTheRunFinishWithoutBreakpoints(String engine) throws Exception {
        Session s = open(engine, 50, 0x400000);
        RspClient c = s.gdb();
        assertEquals("OK", c.ask("Z0,40000b,1"));
        assertTrue(c.ask("c").contains("swbreak:"));
        assertEquals("OK", c.ask("D")); // the breakpoint goes with gdb
        StopInfo end = s.end();
        assertEquals(StopInfo.Reason.HALTED, end.reason());
        assertEquals(50, s.emu().regRead(Reg.RAX));
        assertTrue(s.emu().machine().hooks == null || !(s.emu().machine().hooks.getClass().getName().contains("gdb")));
    }

    /** Z3 (read) does not fire on a store, Z4 (access) does; Z1 is a breakpoint as Z0 is. */
    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void readAndAccessWatchpointsAndHardwareBreakpoints(String engine) throws Exception {
        Session s = open(engine, 2, 0x400000);
        RspClient c = s.gdb();
        assertEquals("OK", c.ask("Z3,600000,8"));
        assertEquals("OK", c.ask("Z1,400010,1"));
        String stop = c.ask("c");
        assertTrue(stop.contains("hwbreak:"), stop); // the loop only stores: no read watch stop
        assertEquals(0x400010, rip(c));
        assertEquals("OK", c.ask("z3,600000,8"));
        assertEquals("OK", c.ask("z1,400010,1"));
        assertEquals("OK", c.ask("P10=0000400000000000"));
        assertEquals("OK", c.ask("P2=0200000000000000"));
        assertEquals("OK", c.ask("Z4,600004,2"));
        stop = c.ask("c");
        assertTrue(stop.contains("awatch:600004;"), stop);
        assertEquals(0x40000b, rip(c));
        assertEquals("OK", c.ask("z4,600004,2"));
        assertEquals("W00", c.ask("c"));
        assertEquals(StopInfo.Reason.HALTED, s.end().reason());
    }

    /** vCont;r steps while RIP stays in the range, then reports one stop. */
    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void rangeStepping(String engine) throws Exception {
        Session s = open(engine, 5, 0x400000);
        RspClient c = s.gdb();
        assertTrue(c.ask("vCont?").contains(";r"));
        String stop = c.ask("vCont;r400000,400010:1");
        assertTrue(stop.startsWith("T05"), stop);
        assertEquals(0x400010, rip(c)); // the loop ran to its end inside the range
        assertEquals(5, RspClient.le(c.ask("p0")));
        assertEquals("W00", c.ask("c"));
        assertEquals(StopInfo.Reason.HALTED, s.end().reason());
    }

    /** gdb's memory writes to code (read-only to the guest) reach both engines' caches. */
    @ParameterizedTest
    @ValueSource(strings = {"interp", "jit"})
    void patchingCodeTakesEffect(String engine) throws Exception {
        Session s = open(engine, 3, 0x400000);
        RspClient c = s.gdb();
        assertEquals("OK", c.ask("Z0,40000b,1"));
        assertTrue(c.ask("c").contains("swbreak:")); // the loop's block has run (and on the JIT, been seen)
        assertEquals("OK", c.ask("M400000,3:48ffc8")); // inc %rax -> dec %rax
        assertEquals("48ffc8", c.ask("m400000,3"));
        assertEquals("OK", c.ask("z0,40000b,1"));
        assertEquals("W00", c.ask("c"));
        assertEquals(StopInfo.Reason.HALTED, s.end().reason());
        assertEquals(-1, s.emu().regRead(Reg.RAX)); // 1, then two decrements
    }
}
