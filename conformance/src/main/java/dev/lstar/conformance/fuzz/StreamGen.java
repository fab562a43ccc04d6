package dev.lstar.conformance.fuzz;

import dev.lstar.api.Emulator;
import dev.lstar.conformance.gen.Case;
import dev.lstar.conformance.gen.CaseGenerator;
import dev.lstar.conformance.gen.CpuFeatures;
import dev.lstar.conformance.gen.Form;
import dev.lstar.conformance.gen.Forms;
import dev.lstar.decoder.ByteSource;
import dev.lstar.decoder.Decoder;
import dev.lstar.decoder.Instruction;
import dev.lstar.decoder.Mnemonic;
import dev.lstar.decoder.OpcodeTable;
import dev.lstar.decoder.OpcodeTable.Row;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Generates {@link Stream}s: random bytes; random valid instruction sequences from every
 * {@link OpcodeTable} row ({@link RowEncoder}) with branches forward and backward inside the
 * stream, indirect jumps/calls/returns to instructions of the stream, RCX set up before
 * REP/LOOP, ECX set to a modelled MSR before RDMSR/WRMSR and interesting values before MOV to CR;
 * and (user mode, when a host harness is given) single instructions from the conformance forms
 * that the host CPU runs too. Registers start random with a bias to pointers into the data pages.
 */
public final class StreamGen {
    private static final List<Row> ROWS = OpcodeTable.rows();
    /** Privileged rows (MOV CR, RDMSR/WRMSR, SWAPGS, LGDT, HLT ...): a fifth of the picks in kernel mode. */
    private static final List<Row> SYSTEM = ROWS.stream().filter(r -> (r.attributes & OpcodeTable.A_PRIV) != 0).toList();
    /** Indirect branch targets that are not in the stream: -1 (the top of the address space), non-canonical, unmapped, the padding. */
    private static final long[] ODD_TARGETS = {-1L, 1L << 63, 0x0000_8000_0000_0000L, 0x50_0000L, Layout.CODE + 0xFF0, 0};
    private static final int[] MSRS = {0xC000_0080, 0xC000_0081, 0xC000_0082, 0xC000_0084, 0xC000_0100, 0xC000_0101,
            0xC000_0102, 0x10, 0x1B, 0x174, 0x175, 0x176, 0xC000_0103, 0x277, 0x12345};
    private static final long[] CR_VALUES = {0, 0x1000, 0x40000000L, 0x2000, 0x80050033L, 0x6F0, 0x3406F0, 0xF, 1L << 63,
            0x80000011L};

    private final long hostBase;
    private final List<Form> hostForms;

    /** @param hostBase the host harness's data buffer address, or -1 for no HOST streams */
    public StreamGen(long hostBase) {
        this.hostBase = hostBase;
        if (hostBase >= 0) {
            CpuFeatures f = CpuFeatures.host();
            hostForms = Forms.all().stream().filter(x -> f.has(x.requires())).toList();
        } else {
            hostForms = List.of();
        }
    }

    public Stream next(SplittableRandom rnd, boolean kernel, long count) {
        int k = rnd.nextInt(10);
        if (!kernel && !hostForms.isEmpty() && k == 0) return host(rnd);
        return k < 4 ? bytes(rnd, kernel, count) : valid(rnd, kernel, count);
    }

    private static long[] registers(SplittableRandom rnd) {
        long[] g = new long[16];
        for (int r = 0; r < 16; r++) g[r] = Values.reg(rnd);
        for (int r : RowEncoder.POINTERS) if (rnd.nextInt(4) != 0) g[r] = Layout.DATA + 128 + rnd.nextInt(Layout.DATA_SIZE - 256);
        for (int r : RowEncoder.INDEXES) if (rnd.nextInt(5) < 3) g[r] = rnd.nextInt(16);
        if (rnd.nextInt(10) != 0) g[4] = Layout.RSP;
        return g;
    }

    private static long flags(SplittableRandom rnd) {
        long f = (rnd.nextLong() & 0x8D5) | 0x202;
        if (rnd.nextInt(8) == 0) f |= 0x400; // DF
        if (rnd.nextInt(20) == 0) f |= 0x100; // TF: single-step traps
        if (rnd.nextInt(16) == 0) f |= 0x40000; // AC: alignment checks in user mode (engines vs each other only)
        return f;
    }

    private static long until(SplittableRandom rnd, int len) {
        return rnd.nextInt(3) == 0 ? Emulator.NO_UNTIL : Layout.CODE + len;
    }

    Stream bytes(SplittableRandom rnd, boolean kernel, long count) {
        byte[] c = new byte[1 + rnd.nextInt(40)];
        rnd.nextBytes(c);
        return new Stream(Stream.Kind.BYTES, kernel, c, registers(rnd), flags(rnd), rnd.nextLong() | 1, until(rnd, c.length), count, null);
    }

    private record Item(byte[] bytes, List<RowEncoder.Reloc> relocs) {}

    Stream valid(SplittableRandom rnd, boolean kernel, long count) {
        int n = 1 + rnd.nextInt(rnd.nextBoolean() ? 6 : 24);
        List<Item> items = new ArrayList<>();
        while (items.size() < n) {
            Row r = kernel && rnd.nextInt(5) == 0 ? SYSTEM.get(rnd.nextInt(SYSTEM.size())) : ROWS.get(rnd.nextInt(ROWS.size()));
            if (!kernel && (r.attributes & OpcodeTable.A_PRIV) != 0 && rnd.nextInt(3) != 0) continue; // fewer #GP in user mode
            int target = rnd.nextInt(4) == 0 ? rnd.nextInt(items.size() + 1) : items.size() + 1 + rnd.nextInt(n - items.size() + 1);
            RowEncoder.Enc e = RowEncoder.encode(r, rnd, target);
            if (e == null) continue;
            addSetup(rnd, r, e, items, n);
            items.add(new Item(e.bytes(), e.relocs()));
        }
        byte[] code = layout(items);
        return new Stream(Stream.Kind.VALID, kernel, code, registers(rnd), flags(rnd), rnd.nextLong() | 1, until(rnd, code.length), count, null);
    }

    /** Instructions that make the next one interesting: code addresses, loop counts, MSR numbers, CR values. */
    private static void addSetup(SplittableRandom rnd, Row r, RowEncoder.Enc e, List<Item> items, int n) {
        Mnemonic m = r.mnemonic;
        int target = rnd.nextInt(n + 1);
        if ((m == Mnemonic.JMP || m == Mnemonic.CALL) && r.hasModrm) {
            Instruction insn = Decoder.decode(ByteSource.of(0, e.bytes()), 0, new Instruction());
            if (insn.kind[0] == Instruction.OP_REG && rnd.nextInt(4) == 0) {
                items.add(new Item(RowEncoder.movImm64(insn.reg[0], ODD_TARGETS[rnd.nextInt(ODD_TARGETS.length)]), List.of()));
            } else if (insn.kind[0] == Instruction.OP_REG && rnd.nextInt(3) != 0) {
                items.add(new Item(RowEncoder.movImm64(insn.reg[0], 0), List.of(new RowEncoder.Reloc(RowEncoder.Reloc.ABS64, 2, 8, target))));
            }
        } else if ((m == Mnemonic.RET) && rnd.nextBoolean()) {
            items.add(new Item(new byte[] {0x68, 0, 0, 0, 0}, List.of(new RowEncoder.Reloc(RowEncoder.Reloc.ABS32, 1, 4, target))));
        } else if ((r.attributes & OpcodeTable.A_STRING) != 0 || m == Mnemonic.LOOP || m == Mnemonic.LOOPE || m == Mnemonic.LOOPNE) {
            if (rnd.nextBoolean()) items.add(new Item(movEcx(rnd.nextInt(40)), List.of()));
        } else if (m == Mnemonic.RDMSR || m == Mnemonic.WRMSR) {
            if (rnd.nextInt(5) != 0) items.add(new Item(movEcx(MSRS[rnd.nextInt(MSRS.length)]), List.of()));
        } else if (m == Mnemonic.MOV_TO_CR && rnd.nextBoolean()) {
            Instruction insn = Decoder.decode(ByteSource.of(0, e.bytes()), 0, new Instruction());
            items.add(new Item(RowEncoder.movImm64(insn.reg[1], CR_VALUES[rnd.nextInt(CR_VALUES.length)]), List.of()));
        }
    }

    private static byte[] movEcx(int v) {
        return new byte[] {(byte) 0xB9, (byte) v, (byte) (v >> 8), (byte) (v >> 16), (byte) (v >> 24)};
    }

    /** Places the items one after the other and resolves their relocations (targets are item indexes; past the end = the stream end). */
    private static byte[] layout(List<Item> items) {
        int total = 0, n = 0;
        while (n < items.size() && total + items.get(n).bytes.length <= Layout.MAX_STREAM) total += items.get(n++).bytes.length;
        long[] addr = new long[n + 1];
        long a = Layout.CODE;
        for (int i = 0; i < n; i++) { addr[i] = a; a += items.get(i).bytes.length; }
        addr[n] = a;
        ByteArrayOutputStream out = new ByteArrayOutputStream(total);
        for (int i = 0; i < n; i++) {
            byte[] b = items.get(i).bytes.clone();
            long end = addr[i] + b.length;
            for (RowEncoder.Reloc rl : items.get(i).relocs) {
                long v = switch (rl.kind()) {
                    case RowEncoder.Reloc.REL -> addr[(int) Math.min(Math.max(rl.target(), 0), n)] - end;
                    case RowEncoder.Reloc.RIPDATA -> rl.target() - end;
                    default -> addr[(int) Math.min(Math.max(rl.target(), 0), n)];
                };
                if (rl.size() == 1 && (v < -128 || v > 127)) v = 0;
                for (int k = 0; k < rl.size(); k++) b[rl.offset() + k] = (byte) (v >>> (8 * k));
            }
            out.writeBytes(b);
        }
        return out.toByteArray();
    }

    Stream host(SplittableRandom rnd) {
        List<Case> cases;
        do { // (cases with unmasked SIMD FP exceptions would be SIGFPE on the host: not streamed)
            Form f = hostForms.get(rnd.nextInt(hostForms.size()));
            cases = new CaseGenerator(hostBase, rnd.nextLong(), 2).cases(f).stream()
                    .filter(x -> x.expectedFault() != Case.XM_IF_RAISED).toList();
        } while (cases.isEmpty());
        Case c = cases.get(rnd.nextInt(cases.size()));
        long fl = (c.in().rflags & 0xCD5) | 0x202;
        return new Stream(Stream.Kind.HOST, false, c.insn(), c.in().gpr.clone(), fl, 0, Layout.CODE + c.insn().length, 16, c);
    }
}
