package dev.lstar.api;

import static dev.lstar.api.Guest.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.lstar.runtime.sys.Msrs;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Instruction rules every engine must follow the same way, written once and run on the
 * interpreter ({@link InterpScenariosTest}) and on "jit" and "lockstep" (the translator's
 * tests extend this class through this module's test jar):
 * <ul>
 *   <li>a read-modify-write instruction accesses its memory operand with write intent: on a page it
 *       may read but not write, or one that is not present, it faults with the W bit in the #PF
 *       error code before anything changes — registers, RFLAGS (also with the per-instruction
 *       trace on) and memory stay as they were. The host CPU (an Intel Xeon on 2026-12-03) reports error code 6 (not
 *       present) and 7 (read-only) for every such instruction here, with RFLAGS untouched;</li>
 *   <li>the single-step trap (#DB) after SYSRET that loads TF = 1 comes right after SYSRET, before
 *       the user instruction runs (Linux relies on it: {@code entry_SYSCALL_64} takes IRET when R11
 *       has TF); after POPF or IRET that sets TF it comes after the next instruction (SDM Vol. 3A
 *       §18.3.1.4: the trap follows an instruction that began with TF = 1);</li>
 *   <li>a REP string instruction retires once, however many iterations it takes;</li>
 *   <li>alignment checking (CR0.AM, RFLAGS.AC, CPL 3): a misaligned access raises #AC(0) at the
 *       instruction with nothing changed, the SSE forms that allow any alignment never do, and
 *       with AC or AM clear nothing is checked (the cases and outcomes of the Intel Xeon host,
 *       2026-12-03, {@code alignment.c} in the conformance tests).</li>
 * </ul>
 */
public abstract class EngineRuleScenarios implements EngineUnderTest {
    /** {@code xor %eax,%eax; mov $0x600000,%edi} before the instruction under test, then {@code nop}. */
    private static final String PROLOGUE = "31c0bf00006000";

    /**
     * Read-modify-write forms with a memory destination (assembled with GNU as): add, inc, shl $3,
     * bts $1, bts %rax (bit string), xadd, neg, not, cmpxchg, xchg, sbb $1, lock add, rol %cl
     * (count 0: still a write access on the host), shld $4, cmpxchg16b, cmpxchg8b.
     */
    private static final String[] RMW = {"480107", "48ff07", "48c12703", "480fba2f01", "480fab07", "480fc107", "48f71f",
        "48f717", "480fb11f", "488707", "48831f01", "f0830701", "66d307", "480fa40704", "480fc70f", "0fc70f"};

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    public void readModifyWriteFaultsWithWriteIntentAndChangesNothing(boolean traced) {
        for (String insn : RMW) {
            for (boolean present : new boolean[] {false, true}) {
                String what = insn + (present ? " on a read-only page" : " on a missing page") + (traced ? ", traced" : "");
                Emulator emu = prepared(user(engine(), hex(PROLOGUE + insn + "90")));
                if (present) {
                    emu.map(DATA, 0x1000, Perm.READ);
                    emu.writeLong(DATA, 5);
                }
                List<Long> seen = new ArrayList<>();
                if (traced) emu.machine().tracer = (cpu, i) -> seen.add(i.address);
                emu.regWrite(Reg.RBX, 0x1234);
                emu.regWrite(Reg.RDX, 0x77);
                StopInfo s = emu.start(CODE, Emulator.NO_UNTIL);
                assertEquals(StopInfo.Reason.FAULT, s.reason(), what + ": " + s);
                assertEquals(14, s.vector(), what);
                assertEquals(present ? 7 : 6, s.errorCode(), what + ": #PF error code (W | U, and P on the read-only page)");
                assertEquals(DATA, s.faultAddress(), what);
                assertEquals(CODE + 7, s.rip(), what);
                assertEquals(CODE + 7, emu.regRead(Reg.RIP), what);
                assertEquals(2, s.instructions(), what);
                assertEquals(0x46, emu.regRead(Reg.RFLAGS), what + ": RFLAGS as xor left them (ZF PF)");
                assertEquals(0, emu.regRead(Reg.RAX), what);
                assertEquals(0x1234, emu.regRead(Reg.RBX), what);
                assertEquals(0x77, emu.regRead(Reg.RDX), what);
                assertEquals(DATA, emu.regRead(Reg.RDI), what);
                if (present) assertEquals(5, emu.readLong(DATA), what + ": memory unchanged");
                if (traced) assertEquals(List.of(CODE, CODE + 2, CODE + 7), seen, what + ": traced instructions");
                checked(emu);
            }
        }
    }

    @Test
    public void readModifyWriteOnAWritablePageStillWorks() {
        // add %rax,(%rdi); incq (%rdi); shlq $3,(%rdi); xadd %rax,(%rdi): ((0+5)+1)<<3 = 48, rax = 48, mem = 48
        Emulator emu = prepared(user(engine(), hex(PROLOGUE + "480107" + "48ff07" + "48c12703" + "480fc107" + "90")));
        emu.map(DATA, 0x1000, Perm.READ | Perm.WRITE);
        emu.writeLong(DATA, 5);
        StopInfo s = emu.start(CODE, CODE + 0x15);
        assertEquals(StopInfo.Reason.UNTIL_REACHED, s.reason(), s.toString());
        assertEquals(48, emu.readLong(DATA));
        assertEquals(48, emu.regRead(Reg.RAX));
        assertEquals(6, s.instructions());
        checked(emu);
    }

    /**
     * <pre>
     * 400000: 0f 05                 syscall
     * 400002: 48 ff c3              inc %rbx
     * 400005: 90                    nop
     * 401000: 48 83 c0 64           add $100,%rax        (LSTAR)
     * 401004: 49 81 cb 00 01 00 00  or $0x100,%r11       (TF into the RFLAGS SYSRET loads)
     * 40100b: 48 0f 07              sysretq
     * </pre>
     */
    @Test
    public void sysretThatLoadsTfTrapsBeforeTheUserInstruction() {
        Emulator emu = prepared(Emulator.builder().flatUserMode().engine(engine()).build());
        emu.map(CODE, 0x1000, Perm.READ | Perm.EXEC);
        emu.write(CODE, hex("0f0548ffc390"));
        emu.map(SYS_KENTRY, 0x1000, Perm.READ | Perm.EXEC | Perm.SUPERVISOR);
        emu.write(SYS_KENTRY, hex("4883c0644981cb000100" + "00480f07"));
        emu.msrWrite(Msrs.STAR, 0x0023_0010_0000_0000L);
        emu.msrWrite(Msrs.LSTAR, SYS_KENTRY);
        emu.msrWrite(Msrs.FMASK, 0x700);
        // twice: the second run finds every block translated (the JIT's own code must trap too)
        for (int round = 0; round < 2; round++) {
            emu.regWrite(Reg.RAX, 1);
            emu.regWrite(Reg.RBX, 0);
            emu.regWrite(Reg.RFLAGS, 0x202);
            StopInfo s = emu.start(CODE, Emulator.NO_UNTIL);
            assertEquals(StopInfo.Reason.FAULT, s.reason(), "round " + round + ": " + s);
            assertEquals(1, s.vector(), "round " + round + ": #DB");
            assertEquals(CODE + 2, s.rip(), "round " + round + ": a trap reports the next instruction");
            assertEquals(CODE + 2, emu.regRead(Reg.RIP));
            assertEquals(0, emu.regRead(Reg.RBX), "round " + round + ": the user instruction did not run");
            assertEquals(101, emu.regRead(Reg.RAX));
            assertEquals(3, emu.regRead(Reg.CPL));
            assertEquals(4, s.instructions(), "round " + round + ": syscall, add, or, sysretq");
            assertTrue((emu.regRead(Reg.RFLAGS) & 0x100) != 0, "TF loaded from R11");
        }
        checked(emu);
    }

    /**
     * <pre>
     * 400000: 9c                           pushf
     * 400001: 48 81 0c 24 00 01 00 00      orq $0x100,(%rsp)
     * 400009: 9d                           popf
     * 40000a: 48 ff c3                     inc %rbx
     * 40000d: 48 ff c1                     inc %rcx
     * 400010: 90                           nop
     * </pre>
     */
    @Test
    public void popfThatSetsTfTrapsAfterTheNextInstruction() {
        trapsAfterTheNextInstruction(prepared(user(engine(), hex("9c48810c24000100009d48ffc348ffc190"))), CODE + 0xd, 4);
    }

    /**
     * Runs from CODE twice (the second time from translated code) with TF clear: the code sets TF
     * and then runs {@code inc %rbx; inc %rcx}; the trap must come after the first inc.
     */
    private void trapsAfterTheNextInstruction(Emulator emu, long trapRip, long instructions) {
        for (int round = 0; round < 2; round++) {
            emu.regWrite(Reg.RBX, 0);
            emu.regWrite(Reg.RCX, 0);
            emu.regWrite(Reg.RSP, STACK_TOP);
            emu.regWrite(Reg.RFLAGS, 0x202);
            StopInfo s = emu.start(CODE, Emulator.NO_UNTIL);
            assertEquals(StopInfo.Reason.FAULT, s.reason(), "round " + round + ": " + s);
            assertEquals(1, s.vector());
            assertEquals(trapRip, s.rip(), "round " + round);
            assertEquals(1, emu.regRead(Reg.RBX), "round " + round + ": the instruction after the one that set TF ran");
            assertEquals(0, emu.regRead(Reg.RCX), "round " + round + ": the one after it did not");
            assertEquals(instructions, s.instructions(), "round " + round);
        }
        checked(emu);
    }

    /**
     * <pre>
     * 400000: 48 89 e0                 mov %rsp,%rax
     * 400003: 6a 2b                    push $0x2b
     * 400005: 50                       push %rax
     * 400006: 9c                       pushf
     * 400007: 48 81 0c 24 00 01 00 00  orq $0x100,(%rsp)
     * 40000f: 6a 33                    push $0x33
     * 400011: 48 8d 05 03 00 00 00     lea 0x3(%rip),%rax     (0x40001b)
     * 400018: 50                       push %rax
     * 400019: 48 cf                    iretq
     * 40001b: 48 ff c3                 inc %rbx
     * 40001e: 48 ff c1                 inc %rcx
     * 400021: 90                       nop
     * </pre>
     */
    @Test
    public void iretThatSetsTfTrapsAfterTheNextInstruction() {
        trapsAfterTheNextInstruction(prepared(user(engine(),
                hex("4889e06a2b509c48810c24000100006a33488d05030000005048cf48ffc348ffc190"))), CODE + 0x1e, 10);
    }

    /**
     * RF (resume flag) clears when an instruction completes, except IRET, which loads it from its
     * frame (SDM Vol. 3A §18.3.1.1). The IRET code of {@link #iretThatSetsTfTrapsAfterTheNextInstruction}
     * with RF instead of TF in the frame, started with RF = 1 at the iretq itself.
     */
    @Test
    public void rfClearsAfterAnInstructionExceptAnIretThatLoadsIt() {
        // mov %rsp,%rax; push $0x2b; push %rax; pushf; orq $0x10000,(%rsp); push $0x33; lea 3(%rip),%rax; push %rax; iretq; nop
        Emulator emu = prepared(user(engine(), hex("4889e06a2b509c48810c24000001006a33488d050300000050" + "48cf" + "90")));
        StopInfo s = emu.start(CODE, CODE + 0x19);
        assertEquals(StopInfo.Reason.UNTIL_REACHED, s.reason(), s.toString());
        emu.regWrite(Reg.RFLAGS, emu.regRead(Reg.RFLAGS) | 0x10000);
        s = emu.start(CODE + 0x19, Emulator.NO_UNTIL, 0, 1);
        assertEquals(StopInfo.Reason.COUNT_EXHAUSTED, s.reason(), s.toString());
        assertEquals(CODE + 0x1b, emu.regRead(Reg.RIP));
        assertEquals(0x10000, emu.regRead(Reg.RFLAGS) & 0x10000, "RF loaded by iretq stays for the next instruction");
        s = emu.start(CODE + 0x1b, Emulator.NO_UNTIL, 0, 1);
        assertEquals(0, emu.regRead(Reg.RFLAGS) & 0x10000, "and clears once that one completes");
        checked(emu);
    }

    /**
     * <pre>
     * 400000: b9 40 0d 03 00   mov $200000,%ecx
     * 400005: bf 00 00 60 00   mov $0x600000,%edi
     * 40000a: f3 aa            rep stos %al,(%rdi)      (more than one engine chunk of iterations)
     * 40000c: eb 00            jmp 40000e               (ends the block: translated code runs it whole)
     * 40000e: 90               nop
     * </pre>
     */
    @Test
    public void repStringInstructionRetiresOnce() {
        byte[] code = hex("b9400d0300bf00006000f3aaeb0090");
        for (int round = 0; round < 2; round++) { // the second run finds the block translated
            Emulator emu = prepared(user(engine(), code));
            emu.map(DATA, 0x31000, Perm.READ | Perm.WRITE);
            emu.regWrite(Reg.RAX, 0xab);
            StopInfo s = emu.start(CODE, CODE + 0xe);
            assertEquals(StopInfo.Reason.UNTIL_REACHED, s.reason(), s.toString());
            assertEquals(4, s.instructions(), "mov, mov, rep stosb, jmp: 200,000 iterations are one instruction");
            assertEquals(0, emu.regRead(Reg.RCX));
            assertEquals(DATA + 200_000, emu.regRead(Reg.RDI));
            assertEquals(0xab, emu.read(DATA + 199_999, 1)[0] & 0xff);
            assertEquals(0, emu.read(DATA + 200_000, 1)[0]);
            emu.regWrite(Reg.RCX, 200_000);
            emu.regWrite(Reg.RDI, DATA);
            s = emu.start(CODE + 0xa, CODE + 0xe);
            assertEquals(2, s.instructions(), "again from the rep: " + s);
            checked(emu);
        }

        // a count that ends right after the repeated instruction stops after it, with the work done
        Emulator counted = prepared(user(engine(), code));
        counted.map(DATA, 0x31000, Perm.READ | Perm.WRITE);
        StopInfo s = counted.start(CODE, Emulator.NO_UNTIL, 0, 3);
        assertEquals(StopInfo.Reason.COUNT_EXHAUSTED, s.reason(), s.toString());
        assertEquals(3, s.instructions());
        assertEquals(CODE + 0xc, counted.regRead(Reg.RIP));
        assertEquals(0, counted.regRead(Reg.RCX));
        checked(counted);

        // and a count that ends before it does not start it
        Emulator before = prepared(user(engine(), code));
        before.map(DATA, 0x31000, Perm.READ | Perm.WRITE);
        s = before.start(CODE, Emulator.NO_UNTIL, 0, 2);
        assertEquals(StopInfo.Reason.COUNT_EXHAUSTED, s.reason(), s.toString());
        assertEquals(2, s.instructions());
        assertEquals(CODE + 0xa, before.regRead(Reg.RIP));
        assertEquals(200_000, before.regRead(Reg.RCX));
        checked(before);
    }

    /**
     * {@code mov $DATA+off,%edi; mov $DATA+0x100,%esi; mov $2,%ecx}, the instruction, {@code nop}:
     * the instruction's hex, the offset of its operand from a 64-byte boundary, and the vector the
     * host raises with alignment checking on (-1: none). 16-byte #GP (MOVAPS, PTEST, CMPXCHG16B)
     * comes before #AC; the environment of FNSTENV and the FNSAVE area need 4-byte alignment
     * whatever their fields' sizes.
     */
    private static final String LEA_RSP = "488da700010000"; // lea 0x100(%rdi),%rsp (a whole instruction before the one tested)

    private static final Object[][] ALIGNMENT = {
        {"668b07", 1, 17}, {"668b07", 2, -1}, {"8b07", 2, 17}, {"8b07", 4, -1}, {"488907", 4, 17}, {"488907", 8, -1},
        {"830701", 1, 17}, {"f0830701", 2, 17}, {"8a07", 1, -1}, {LEA_RSP + "50", 4, 17}, {LEA_RSP + "58", 4, 17},
        {LEA_RSP + "50", 8, -1}, {LEA_RSP + "6650", 2, -1}, {LEA_RSP + "e800000000", 4, 17}, {"0f1007", 1, -1}, {"f30f7f07", 3, -1}, {"f20ff007", 1, -1}, {"660f3a610700", 1, -1},
        {"0f2807", 8, 13}, {"660f381707", 1, 13}, {"480fc70f", 8, 13}, {"f20f1007", 4, 17}, {"0f1607", 4, 17},
        {"dd07", 4, 17}, {"db2f", 4, 17}, {"db2f", 8, -1}, {"d937", 2, 17}, {"dd37", 4, -1}, {"dd37", 2, 17},
        {"f348a5", 4, 17}, {"66f3ab", 1, 17}, {"66f3ab", 2, -1}};

    @ParameterizedTest
    @ValueSource(strings = {"on", "ac-clear", "am-clear"})
    public void misalignedAccessesRaiseAlignmentCheckOnlyWhenItIsOn(String mode) {
        for (Object[] c : ALIGNMENT) {
            String insn = (String) c[0];
            int off = (Integer) c[1], vector = (Integer) c[2];
            if (!mode.equals("on") && vector == 17) vector = -1;
            String what = insn + " at +" + off + " (" + mode + ")";
            int pre = insn.startsWith(LEA_RSP) ? 1 : 0;
            for (int round = 0; round < 2; round++) { // the second run finds the block translated
                Emulator emu = prepared(user(engine(), hex("bf" + le32(DATA + off) + "be" + le32(DATA + 0x100) + "b902000000" + insn + "90")));
                emu.map(DATA, 0x1000, Perm.READ | Perm.WRITE);
                byte[] pattern = new byte[0x200];
                for (int k = 0; k < pattern.length; k++) pattern[k] = (byte) (k * 7 + 1);
                emu.write(DATA, pattern);
                if (mode.equals("am-clear")) emu.regWrite(Reg.CR0, emu.regRead(Reg.CR0) & ~(1L << 18));
                emu.regWrite(Reg.RFLAGS, mode.equals("ac-clear") ? 0x2 : 0x2 | (1L << 18));
                emu.regWrite(Reg.RAX, 0x1111);
                long end = CODE + 15 + insn.length() / 2;
                StopInfo s = emu.start(CODE, end);
                if (vector < 0) {
                    assertEquals(StopInfo.Reason.UNTIL_REACHED, s.reason(), what + ": " + s);
                    assertEquals(4 + pre, s.instructions(), what + ": three movs and the instruction");
                } else {
                    assertEquals(StopInfo.Reason.FAULT, s.reason(), what + ": " + s);
                    assertEquals(vector, s.vector(), what + ": " + s);
                    assertEquals(0, s.errorCode(), what);
                    assertEquals(CODE + 15 + 7 * pre, s.rip(), what);
                    assertEquals(3 + pre, s.instructions(), what);
                    assertEquals(0x1111, emu.regRead(Reg.RAX), what + ": RAX unchanged");
                    assertEquals(DATA + off, emu.regRead(Reg.RDI), what + ": RDI unchanged");
                    assertEquals(2, emu.regRead(Reg.RCX), what + ": RCX unchanged");
                    assertArrayEquals(pattern, emu.read(DATA, pattern.length), what + ": memory unchanged");
                }
                checked(emu);
            }
        }
    }

    /**
     * The m128 operands that may lie anywhere (MOVUPS load, MOVDQU store, LDDQU, PCMPESTRI) with
     * alignment checking on: an Intel CPU raises no #AC (the table above), an AMD one #AC(0) unless
     * the operand is 16-byte aligned (an AMD EPYC host: at +1, +2, +4, +8 and +12), with nothing changed.
     */
    @Test
    public void anAmdCpuChecksTheAlignmentOfAnyM128() {
        for (String insn : new String[] {"0f1007", "f30f7f07", "f20ff007", "660f3a610700"}) {
            for (int off : new int[] {1, 4, 8, 12, 16}) {
                int vector = off == 16 ? -1 : 17;
                String what = insn + " at +" + off + " (AMD)";
                for (int round = 0; round < 2; round++) { // the second run finds the block translated
                    byte[] code = hex("bf" + le32(DATA + off) + "be" + le32(DATA + 0x100) + "b902000000" + insn + "90");
                    Emulator emu = Emulator.builder().flatUserMode().engine(engine()).vendor(dev.lstar.runtime.Vendor.AMD).build();
                    emu.map(CODE, 0x1000, Perm.READ | Perm.EXEC);
                    emu.write(CODE, code);
                    emu.map(STACK_TOP - 0x4000, 0x4000, Perm.READ | Perm.WRITE);
                    emu.regWrite(Reg.RSP, STACK_TOP);
                    prepared(emu);
                    emu.map(DATA, 0x1000, Perm.READ | Perm.WRITE);
                    byte[] pattern = new byte[0x200];
                    for (int k = 0; k < pattern.length; k++) pattern[k] = (byte) (k * 5 + 3);
                    emu.write(DATA, pattern);
                    emu.regWrite(Reg.RFLAGS, 0x2 | (1L << 18));
                    StopInfo s = emu.start(CODE, CODE + 15 + insn.length() / 2);
                    if (vector < 0) {
                        assertEquals(StopInfo.Reason.UNTIL_REACHED, s.reason(), what + ": " + s);
                    } else {
                        assertEquals(StopInfo.Reason.FAULT, s.reason(), what + ": " + s);
                        assertEquals(17, s.vector(), what + ": " + s);
                        assertEquals(0, s.errorCode(), what);
                        assertEquals(CODE + 15, s.rip(), what);
                        assertEquals(3, s.instructions(), what);
                        assertArrayEquals(pattern, emu.read(DATA, pattern.length), what + ": memory unchanged");
                    }
                    checked(emu);
                }
            }
        }
    }

    /**
     * The flags a guest exception shows at an SSE instruction are the last integer op's, also
     * where the translator skips flags nothing reads: first an #NM (CR0.TS) at the method's SSE
     * rules check, which follows an IMUL whose CF/OF a SAR would overwrite — the check is a fault
     * point, so IMUL's flags are computed; then a #PF at ADDSD's memory operand after a MOVAPD
     * (no fault point: moves raise nothing once the rules hold), where SAR's flags must show.
     * <pre>
     * 0f af ca     imul %edx,%ecx           66 0f ef db  pxor %xmm3,%xmm3
     * 66 0f 28 c1  movapd %xmm1,%xmm0       0f af ca     imul %edx,%ecx
     * d1 f8        sar %eax                 66 0f 28 c1  movapd %xmm1,%xmm0
     * 90           nop                      d1 f8        sar %eax
     *                                       f2 0f 58 07  addsd (%rdi),%xmm0   (unmapped)
     * </pre>
     */
    @Test
    public void anSseFaultSeesTheFlagsOfTheLastIntegerOp() {
        for (int round = 0; round < 2; round++) { // the second run finds the blocks translated
            Emulator emu = prepared(Emulator.builder().flatUserMode().engine(engine()).build());
            emu.map(CODE, 0x1000, Perm.READ | Perm.EXEC);
            emu.write(CODE, hex("0fafca660f28c1d1f890"));
            emu.write(CODE + 0x100, hex("660fefdb0fafca660f28c1d1f8f20f580790"));
            emu.map(STACK_TOP - 0x4000, 0x4000, Perm.READ | Perm.WRITE);
            emu.regWrite(Reg.RSP, STACK_TOP);
            for (int pass = 0; pass < 2; pass++) {
                emu.regWrite(Reg.CR0, emu.regRead(Reg.CR0) | 8); // TS: the first SSE instruction raises #NM
                emu.regWrite(Reg.RCX, 0x10000);
                emu.regWrite(Reg.RDX, 0x10000);
                emu.regWrite(Reg.RAX, 0x8000_0001L);
                emu.regWrite(Reg.RFLAGS, 0x2);
                StopInfo s = emu.start(CODE, Emulator.NO_UNTIL); // (an end inside the block would have it interpreted)
                assertEquals(StopInfo.Reason.FAULT, s.reason(), "#NM: " + s);
                assertEquals(7, s.vector(), "#NM: " + s);
                assertEquals(CODE + 3, s.rip());
                assertEquals(0x803, emu.regRead(Reg.RFLAGS) & 0x8D7, "IMUL's CF and OF at the #NM");
            }
            emu.regWrite(Reg.CR0, emu.regRead(Reg.CR0) & ~8L);
            for (int pass = 0; pass < 2; pass++) {
                emu.regWrite(Reg.RCX, 0x10000);
                emu.regWrite(Reg.RDX, 0x10000);
                emu.regWrite(Reg.RAX, 0x8000_0001L);
                emu.regWrite(Reg.RDI, DATA + 0x10_0000);
                emu.regWrite(Reg.RFLAGS, 0x2);
                StopInfo s = emu.start(CODE + 0x100, Emulator.NO_UNTIL);
                assertEquals(StopInfo.Reason.FAULT, s.reason(), "#PF: " + s);
                assertEquals(14, s.vector(), "#PF: " + s);
                assertEquals(CODE + 0x10d, s.rip());
                assertEquals(0xC000_0000L, emu.regRead(Reg.RAX));
                assertEquals(0x87, emu.regRead(Reg.RFLAGS) & 0x8C7, "SAR's CF, PF, SF (not IMUL's OF) at the #PF");
            }
            checked(emu);
        }
    }

    /** Supervisor accesses are never alignment-checked (RFLAGS.AC is SMAP's override in ring 0). */
    @Test
    public void alignmentCheckAppliesInRingThreeOnly() {
        Emulator emu = prepared(Emulator.builder().engine(engine()).build());
        emu.map(CODE, 0x1000, Perm.READ | Perm.EXEC | Perm.SUPERVISOR);
        emu.write(CODE, hex("bf" + le32(DATA + 1) + "8b07" + "488907" + "90"));
        emu.map(DATA, 0x1000, Perm.READ | Perm.WRITE | Perm.SUPERVISOR);
        emu.regWrite(Reg.RFLAGS, 0x2 | (1L << 18));
        StopInfo s = emu.start(CODE, CODE + 10);
        assertEquals(StopInfo.Reason.UNTIL_REACHED, s.reason(), s.toString());
        checked(emu);
    }

    private static String le32(long v) {
        return String.format("%02x%02x%02x%02x", v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >> 24) & 0xff);
    }
}
