package dev.lstar.conformance.host;

import dev.lstar.conformance.Emulator;
import dev.lstar.conformance.State;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Runs one x86-64 instruction natively on the host CPU, in-process, through the Foreign Function
 * &amp; Memory API: the reference oracle of the differential conformance tests.
 *
 * <p>How: a code page (mapped read/write, flipped to read/execute around each call with mprotect)
 * holds a trampoline called with the System V ABI, {@code rdi} = pointer to a native state block
 * ({@code gpr[16]} at offset 0, RFLAGS at 128, XMM0-15 at 144, MXCSR at 400, the guest's FXSAVE
 * area at 432 and the JVM's at 944). The trampoline saves the JVM's x87/SSE state with FXSAVE64,
 * loads the guest's x87 registers with FXRSTOR64 (and stores them back with FXSAVE64 after the
 * instruction, then restores the JVM's); it saves
 * the callee-saved registers, the JVM's MXCSR and the block pointer on the real stack, loads MXCSR,
 * XMM0-15 (MOVDQU), RFLAGS (CF PF AF ZF SF OF DF only; POPFQ cannot change
 * IF/IOPL at CPL 3, and TF/AC/ID are deliberately kept clear) and the 15 GPRs other than RSP,
 * executes the instruction bytes, stores the 15 GPRs, RFLAGS, XMM0-15 and MXCSR back, restores the JVM's MXCSR, clears DF (the ABI requires
 * DF=0 on return, System V AMD64 ABI §3.2.1), restores the callee-saved registers and returns.
 *
 * <p>The data buffer is a 4 KiB page at {@link #dataBase()} between two PROT_NONE guard pages; we
 * ask for a fixed address ({@link #PREFERRED_DATA_BASE}, MAP_FIXED_NOREPLACE) so that reports are
 * reproducible, and accept whatever the kernel gives if that address is taken.
 *
 * <p><b>Not a sandbox.</b> RSP stays the real stack pointer, so instructions that use RSP
 * (explicitly or implicitly) are refused by {@link HostSafety#check}, as are control transfers,
 * RIP-relative operands and privileged instructions. Everything else is the caller's duty: an
 * instruction that faults on the host (divide by zero, a memory operand outside the data buffer,
 * #UD) kills the JVM with SIGSEGV/SIGFPE/SIGILL in native code. The case generator therefore only
 * produces host-safe inputs; faulting cases (#DE) are checked against emulators only, with the
 * expectation taken from the SDM.
 *
 * <p>Not thread-safe: one instance per thread (calls are serialised with {@code synchronized}).
 */
public final class HostCpu implements Emulator, AutoCloseable {
    /** Where the data page is requested (64 GiB; unlikely to collide with the JVM's heap). */
    public static final long PREFERRED_DATA_BASE = 0x10_0000_0000L;

    private static final int PAGE = 4096;
    private static final int OFF_RFLAGS = 128;
    /** XMM0..15 (16 bytes each, low quadword first) and MXCSR in the state block. */
    private static final int OFF_XMM = 144, OFF_MXCSR = OFF_XMM + 256;
    /**
     * FXSAVE areas (16-byte aligned): the guest's x87 state (FCW, FSW, abridged FTW, ST0-7) loaded
     * with FXRSTOR before the instruction and stored with FXSAVE after it, and the JVM's own x87/SSE
     * state kept around the call.
     */
    private static final int OFF_FX = 432, OFF_FX_JVM = OFF_FX + 512;
    private static final int STATE_BYTES = OFF_FX_JVM + 512;
    /** Flags loaded into and reported from the host: the six arithmetic flags and DF. */
    public static final long FLAG_MASK = 0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x400 | 0x800;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment block;
    private final long codeAddr;
    private final MemorySegment code;
    private final long dataMapping;
    private final long dataBase;
    private final MemorySegment data;
    private final MethodHandle call;
    private final byte[] prologue;
    private final byte[] epilogue;
    private boolean closed;

    /** True if this JVM runs on Linux x86-64, the only host this class supports. */
    public static boolean supported() {
        String os = System.getProperty("os.name", "").toLowerCase();
        String arch = System.getProperty("os.arch", "");
        return os.startsWith("linux") && (arch.equals("amd64") || arch.equals("x86_64"));
    }

    /** Why {@link #supported()} is false, for test assumptions. */
    public static String unsupportedReason() {
        return "HostCpu needs Linux x86-64, this is " + System.getProperty("os.name") + "/" + System.getProperty("os.arch");
    }

    /** Maps the code and data pages. Throws UnsupportedOperationException when not {@link #supported()}. */
    public HostCpu() {
        if (!supported()) {
            throw new UnsupportedOperationException(unsupportedReason());
        }
        block = arena.allocate(STATE_BYTES, 16);
        codeAddr = Libc.mmap(0, PAGE, Libc.PROT_READ | Libc.PROT_WRITE, 0);
        code = MemorySegment.ofAddress(codeAddr).reinterpret(PAGE);
        long m;
        try {
            m = Libc.mmap(PREFERRED_DATA_BASE - PAGE, 3 * PAGE, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_FIXED_NOREPLACE);
        } catch (IllegalStateException taken) {
            m = Libc.mmap(0, 3 * PAGE, Libc.PROT_READ | Libc.PROT_WRITE, 0);
        }
        dataMapping = m;
        Libc.mprotect(m, PAGE, Libc.PROT_NONE);
        Libc.mprotect(m + 2 * PAGE, PAGE, Libc.PROT_NONE);
        dataBase = m + PAGE;
        data = MemorySegment.ofAddress(dataBase).reinterpret(PAGE);
        call = Linker.nativeLinker().downcallHandle(MemorySegment.ofAddress(codeAddr),
                FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
        prologue = prologue();
        epilogue = epilogue();
    }

    /** Virtual address of the data buffer; states passed to {@link #run} must use it as memBase. */
    public long dataBase() {
        return dataBase;
    }

    /** A zeroed state whose memBase is this host's data buffer. */
    public State newState() {
        return new State(dataBase);
    }

    /**
     * Executes {@code insn} natively. The result has RSP copied from {@code in} and RFLAGS masked to
     * {@link #FLAG_MASK}.
     *
     * @throws IllegalArgumentException if {@link HostSafety#check} refuses the bytes or
     *     {@code in.memBase != dataBase()}
     */
    public synchronized State run(byte[] insn, State in) {
        if (closed) {
            throw new IllegalStateException("HostCpu closed");
        }
        String refusal = HostSafety.check(insn);
        if (refusal != null) {
            throw new IllegalArgumentException("host refuses " + hex(insn) + ": " + refusal);
        }
        if (in.memBase != dataBase) {
            throw new IllegalArgumentException("state memBase " + Long.toHexString(in.memBase)
                    + " is not the host data buffer " + Long.toHexString(dataBase));
        }
        writeCode(insn);
        for (int r = 0; r < 16; r++) {
            block.set(ValueLayout.JAVA_LONG, r * 8L, in.gpr[r]);
        }
        block.set(ValueLayout.JAVA_LONG, OFF_RFLAGS, (in.rflags & FLAG_MASK) | 0x2);
        if ((in.mxcsr & ~0xFFFF) != 0) {
            throw new IllegalArgumentException("MXCSR 0x" + Integer.toHexString(in.mxcsr) + " has reserved bits (the host would #GP)");
        }
        for (int k = 0; k < 32; k++) {
            block.set(ValueLayout.JAVA_LONG, OFF_XMM + k * 8L, in.xmm[k]);
        }
        block.set(ValueLayout.JAVA_INT, OFF_MXCSR, in.mxcsr);
        // an exception the instruction raises unmasked only sets ES: nothing after it in the
        // trampoline waits (FXSAVE does not), and the JVM's state is restored; a pending one would #MF
        if ((in.fsw & ~in.fcw & 0x3F) != 0 || (in.fsw & 0x8080) != 0) {
            throw new IllegalArgumentException(String.format("x87 fcw %04x fsw %04x: an unmasked exception is pending (the host would #MF)", in.fcw, in.fsw));
        }
        block.asSlice(OFF_FX, 512).fill((byte) 0);
        block.set(ValueLayout.JAVA_SHORT_UNALIGNED, OFF_FX, (short) in.fcw);
        block.set(ValueLayout.JAVA_SHORT_UNALIGNED, OFF_FX + 2, (short) in.fsw);
        block.set(ValueLayout.JAVA_BYTE, OFF_FX + 4, (byte) in.ftw);
        block.set(ValueLayout.JAVA_INT_UNALIGNED, OFF_FX + 24, in.mxcsr);
        for (int k = 0; k < 8; k++) {
            block.set(ValueLayout.JAVA_LONG_UNALIGNED, OFF_FX + 32 + 16L * k, in.stm[k]);
            block.set(ValueLayout.JAVA_SHORT_UNALIGNED, OFF_FX + 40 + 16L * k, (short) in.ste[k]);
        }
        for (int k = 0; k < 32; k++) {
            block.set(ValueLayout.JAVA_LONG_UNALIGNED, OFF_FX + 160 + k * 8L, in.xmm[k]);
        }
        MemorySegment.copy(in.memory, 0, data, ValueLayout.JAVA_BYTE, 0, State.MEMORY_SIZE);
        try {
            call.invokeExact(block);
        } catch (Throwable t) {
            throw new IllegalStateException("native call failed", t);
        }
        State out = new State(dataBase);
        for (int r = 0; r < 16; r++) {
            out.gpr[r] = block.get(ValueLayout.JAVA_LONG, r * 8L);
        }
        out.gpr[State.RSP] = in.gpr[State.RSP];
        out.rflags = block.get(ValueLayout.JAVA_LONG, OFF_RFLAGS) & FLAG_MASK;
        for (int k = 0; k < 32; k++) {
            out.xmm[k] = block.get(ValueLayout.JAVA_LONG, OFF_XMM + k * 8L);
        }
        out.mxcsr = block.get(ValueLayout.JAVA_INT, OFF_MXCSR);
        out.fcw = block.get(ValueLayout.JAVA_SHORT_UNALIGNED, OFF_FX) & 0xFFFF;
        out.fsw = block.get(ValueLayout.JAVA_SHORT_UNALIGNED, OFF_FX + 2) & 0xFFFF;
        out.ftw = block.get(ValueLayout.JAVA_BYTE, OFF_FX + 4) & 0xFF;
        for (int k = 0; k < 8; k++) {
            out.stm[k] = block.get(ValueLayout.JAVA_LONG_UNALIGNED, OFF_FX + 32 + 16L * k);
            out.ste[k] = block.get(ValueLayout.JAVA_SHORT_UNALIGNED, OFF_FX + 40 + 16L * k) & 0xFFFF;
        }
        MemorySegment.copy(data, ValueLayout.JAVA_BYTE, 0, out.memory, 0, State.MEMORY_SIZE);
        return out;
    }

    private void writeCode(byte[] insn) {
        Libc.mprotect(codeAddr, PAGE, Libc.PROT_READ | Libc.PROT_WRITE);
        int p = 0;
        MemorySegment.copy(prologue, 0, code, ValueLayout.JAVA_BYTE, p, prologue.length);
        p += prologue.length;
        MemorySegment.copy(insn, 0, code, ValueLayout.JAVA_BYTE, p, insn.length);
        p += insn.length;
        MemorySegment.copy(epilogue, 0, code, ValueLayout.JAVA_BYTE, p, epilogue.length);
        // x86 keeps instruction fetch coherent with stores (SDM Vol. 3A §11.6), and the mprotect
        // below is a serialising kernel entry/exit anyway.
        Libc.mprotect(codeAddr, PAGE, Libc.PROT_READ | Libc.PROT_EXEC);
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            Libc.munmap(codeAddr, PAGE);
            Libc.munmap(dataMapping, 3 * PAGE);
            arena.close();
        }
    }

    // ---- trampoline (hand-assembled; rdi = state block) ----

    private static final int[] CALLEE_SAVED = {State.RBX, State.RBP, State.R12, State.R13, State.R14, State.R15};

    private static byte[] prologue() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int r : CALLEE_SAVED) {
            pushReg(b, r);
        }
        b.write(0x48); b.write(0x83); b.write(0xEC); b.write(0x08); // sub rsp,8
        b.write(0x0F); b.write(0xAE); b.write(0x1C); b.write(0x24); // stmxcsr [rsp]: the JVM's MXCSR (callee-saved, ABI §3.2.1)
        pushReg(b, State.RDI);                                     // keep the block pointer
        fx(b, 0, OFF_FX_JVM);                                      // fxsave64 [rdi+OFF_FX_JVM]: the JVM's x87 state
        fx(b, 1, OFF_FX);                                          // fxrstor64 [rdi+OFF_FX]: the guest's
        b.write(0x0F); b.write(0xAE); modrmDisp(b, 2, State.RDI, OFF_MXCSR); // ldmxcsr [rdi+OFF_MXCSR]
        for (int x = 0; x < 16; x++) {
            xmmMove(b, 0x6F, x, OFF_XMM + 16 * x);                  // movdqu xmmN,[rdi+..]
        }
        b.write(0xFF); modrmDisp(b, 6, State.RDI, OFF_RFLAGS);      // push qword [rdi+128]
        b.write(0x9D);                                             // popfq
        for (int r = 0; r < 16; r++) {
            if (r != State.RSP && r != State.RDI) {
                movLoad(b, r, State.RDI, r * 8);
            }
        }
        movLoad(b, State.RDI, State.RDI, State.RDI * 8);           // rdi last
        return b.toByteArray();
    }

    private static byte[] epilogue() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        pushReg(b, State.RDI);                                     // guest rdi
        b.write(0x48); b.write(0x8B); b.write(0x7C); b.write(0x24); b.write(0x08); // mov rdi,[rsp+8]
        for (int r = 0; r < 16; r++) {
            if (r != State.RSP && r != State.RDI) {
                movStore(b, r, State.RDI, r * 8);
            }
        }
        b.write(0x8F); modrmDisp(b, 0, State.RDI, State.RDI * 8);  // pop qword [rdi+56]
        b.write(0x9C);                                             // pushfq
        b.write(0x8F); modrmDisp(b, 0, State.RDI, OFF_RFLAGS);      // pop qword [rdi+128]
        for (int x = 0; x < 16; x++) {
            xmmMove(b, 0x7F, x, OFF_XMM + 16 * x);                  // movdqu [rdi+..],xmmN
        }
        b.write(0x0F); b.write(0xAE); modrmDisp(b, 3, State.RDI, OFF_MXCSR); // stmxcsr [rdi+OFF_MXCSR]
        fx(b, 0, OFF_FX);                                          // fxsave64 [rdi+OFF_FX]: the guest's x87 state
        fx(b, 1, OFF_FX_JVM);                                      // fxrstor64 [rdi+OFF_FX_JVM]: the JVM's back
        b.write(0xFC);                                             // cld
        popReg(b, State.RDI);
        b.write(0x0F); b.write(0xAE); b.write(0x14); b.write(0x24); // ldmxcsr [rsp]: the JVM's MXCSR back
        b.write(0x48); b.write(0x83); b.write(0xC4); b.write(0x08); // add rsp,8
        for (int i = CALLEE_SAVED.length - 1; i >= 0; i--) {
            popReg(b, CALLEE_SAVED[i]);
        }
        b.write(0xC3);                                             // ret
        return b.toByteArray();
    }

    /** REX.W 0F AE /0 (FXSAVE64) or /1 (FXRSTOR64) with [rdi+disp]. */
    private static void fx(ByteArrayOutputStream b, int ext, int disp) {
        b.write(0x48);
        b.write(0x0F);
        b.write(0xAE);
        modrmDisp(b, ext, State.RDI, disp);
    }

    /** F3 [REX.R] 0F op /r with [rdi+disp]: MOVDQU load (6F) or store (7F) of XMM{@code x}. */
    private static void xmmMove(ByteArrayOutputStream b, int op, int x, int disp) {
        b.write(0xF3);
        if (x >= 8) {
            b.write(0x44);
        }
        b.write(0x0F);
        b.write(op);
        modrmDisp(b, x & 7, State.RDI, disp);
    }

    private static void pushReg(ByteArrayOutputStream b, int r) {
        if (r >= 8) {
            b.write(0x41);
        }
        b.write(0x50 + (r & 7));
    }

    private static void popReg(ByteArrayOutputStream b, int r) {
        if (r >= 8) {
            b.write(0x41);
        }
        b.write(0x58 + (r & 7));
    }

    private static void movLoad(ByteArrayOutputStream b, int reg, int base, int disp) {
        b.write(0x48 | (reg >= 8 ? 4 : 0));
        b.write(0x8B);
        modrmDisp(b, reg & 7, base, disp);
    }

    private static void movStore(ByteArrayOutputStream b, int reg, int base, int disp) {
        b.write(0x48 | (reg >= 8 ? 4 : 0));
        b.write(0x89);
        modrmDisp(b, reg & 7, base, disp);
    }

    /** ModRM for [base+disp] with base in RAX..RDI other than RSP/RBP (no SIB needed). */
    private static void modrmDisp(ByteArrayOutputStream b, int reg, int base, int disp) {
        if (disp >= -128 && disp <= 127) {
            b.write(0x40 | reg << 3 | base);
            b.write(disp);
        } else {
            b.write(0x80 | reg << 3 | base);
            for (int i = 0; i < 4; i++) {
                b.write(disp >>> (8 * i));
            }
        }
    }

    static String hex(byte[] insn) {
        StringBuilder s = new StringBuilder();
        for (byte x : insn) {
            s.append(s.isEmpty() ? "" : " ").append(String.format("%02x", x & 0xFF));
        }
        return s.toString();
    }
}
