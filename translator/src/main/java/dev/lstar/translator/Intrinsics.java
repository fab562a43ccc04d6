package dev.lstar.translator;

import dev.lstar.decoder.Instruction;
import dev.lstar.decoder.Mnemonic;
import dev.lstar.decoder.OpcodeTable;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import org.objectweb.asm.Label;

/**
 * The one binding of mnemonics to the emitters that translate them to bytecode ("intrinsics"),
 * with the operand forms each emitter takes. Every other instruction runs through the block's
 * interpreter fallback ({@link JitRt#exec}), which calls the same {@code Exec}/{@code ops}
 * semantics the interpreter runs; an intrinsic is an optional fast path, written only where it
 * pays (the register and memory loops, the kernel entry path, SSE code, x87 code as direct calls), and the conformance suite runs
 * every generated form on both engines against the host CPU.
 *
 * <p>Checked when the class loads, so a mistake fails at start-up rather than when some block
 * needs it: every bound mnemonic is one the opcode table decodes, and every flag-writing one
 * outside {@link SysInline} has the {@code ops} method that records its flags
 * ({@link Helpers#withFlags}).
 */
final class Intrinsics {
    private Intrinsics() {}

    /** Emits instruction {@code k} ({@code i}); returns true when it ended the block (its own exits). */
    @FunctionalInterface
    interface Emitter {
        boolean emit(MethodEmitter e, int k, Instruction i, Label loopHead);
    }

    private record Entry(Predicate<Instruction> forms, Emitter emitter) {}

    private static final Map<Mnemonic, Entry> TABLE = new EnumMap<>(Mnemonic.class);

    private static void bind(Set<Mnemonic> ms, Predicate<Instruction> forms, Emitter emitter) {
        for (Mnemonic m : ms) {
            if (TABLE.put(m, new Entry(forms, emitter)) != null) throw new IllegalStateException(m + " bound twice");
        }
    }

    private static final Predicate<Instruction> ALL_FORMS = i -> true;

    /** Nothing but this class's initialisation (the bindings, and with them the SSE and x87 emitters' tables): {@link JitEngine#preload}. */
    static void preload() {
    }

    static {
        bind(EnumSet.of(Mnemonic.NOP, Mnemonic.ENDBR64, Mnemonic.PAUSE), ALL_FORMS, (e, k, i, h) -> false);
        bind(EnumSet.of(Mnemonic.MOV, Mnemonic.MOVZX, Mnemonic.MOVSX, Mnemonic.MOVSXD, Mnemonic.LEA, Mnemonic.CMOVCC,
                Mnemonic.SETCC, Mnemonic.CBW, Mnemonic.CWDE, Mnemonic.CDQE, Mnemonic.CWD, Mnemonic.CDQ, Mnemonic.CQO),
                ALL_FORMS, (e, k, i, h) -> { MoveEmitter.emit(e, i); return false; });
        bind(EnumSet.of(Mnemonic.XCHG), i -> i.kind[0] == Instruction.OP_REG && i.kind[1] == Instruction.OP_REG,
                (e, k, i, h) -> { MoveEmitter.emit(e, i); return false; });
        bind(EnumSet.of(Mnemonic.ADD, Mnemonic.SUB, Mnemonic.AND, Mnemonic.OR, Mnemonic.XOR, Mnemonic.CMP, Mnemonic.TEST),
                ALL_FORMS, (e, k, i, h) -> { AluEmitter.binary(e, k, i); return false; });
        bind(EnumSet.of(Mnemonic.INC, Mnemonic.DEC, Mnemonic.NEG, Mnemonic.NOT), ALL_FORMS,
                (e, k, i, h) -> { AluEmitter.unary(e, k, i); return false; });
        bind(EnumSet.of(Mnemonic.IMUL), i -> i.nOperands >= 2, (e, k, i, h) -> { AluEmitter.imul(e, k, i); return false; });
        bind(EnumSet.of(Mnemonic.SHL, Mnemonic.SHR, Mnemonic.SAR, Mnemonic.ROL, Mnemonic.ROR), ALL_FORMS,
                (e, k, i, h) -> { ShiftEmitter.shift(e, k, i); return false; });
        bind(EnumSet.of(Mnemonic.BT, Mnemonic.BTS, Mnemonic.BTR, Mnemonic.BTC), i -> i.nOperands == 2,
                (e, k, i, h) -> { BitTestEmitter.bitTest(e, k, i); return false; });
        bind(EnumSet.of(Mnemonic.PUSH), i -> i.kind[0] != Instruction.OP_SREG, (e, k, i, h) -> { StackEmitter.push(e, i); return false; });
        bind(EnumSet.of(Mnemonic.POP), i -> i.kind[0] == Instruction.OP_REG, (e, k, i, h) -> { StackEmitter.pop(e, i); return false; });
        bind(EnumSet.of(Mnemonic.CALL, Mnemonic.JMP),
                i -> i.kind[0] == Instruction.OP_REL || i.kind[0] == Instruction.OP_REG || i.kind[0] == Instruction.OP_MEM,
                BranchEmitter::emit);
        bind(EnumSet.of(Mnemonic.RET, Mnemonic.JCC), ALL_FORMS, BranchEmitter::emit);
        bind(SysInline.SYSTEM, ALL_FORMS, (e, k, i, h) -> SysInline.emit(e, k, i));
        bind(SseEmitter.mnemonics(), SseEmitter::forms, (e, k, i, h) -> { SseEmitter.emit(e, k, i); return false; });
        bind(X87Emitter.mnemonics(), ALL_FORMS, (e, k, i, h) -> { X87Emitter.emit(e, k, i); return false; });
        check();
    }

    private static void check() {
        Set<Mnemonic> decoded = EnumSet.noneOf(Mnemonic.class), writesFlags = EnumSet.noneOf(Mnemonic.class);
        for (OpcodeTable.Row r : OpcodeTable.rows()) {
            decoded.add(r.mnemonic);
            if (r.flagsWritten != 0) writesFlags.add(r.mnemonic);
        }
        for (Mnemonic m : TABLE.keySet()) {
            if (!decoded.contains(m)) throw new IllegalStateException("intrinsic for " + m + ", which no opcode table row decodes");
            // throws when missing (SseEmitter's calls record their flags themselves, as in Exec)
            if (writesFlags.contains(m) && !SysInline.SYSTEM.contains(m) && !SseEmitter.mnemonics().contains(m)
                    && !X87Emitter.mnemonics().contains(m)) Helpers.withFlags(m);
        }
    }

    /** Whether {@code i}'s mnemonic and operand forms have an intrinsic. */
    static boolean handles(Instruction i) {
        Entry e = TABLE.get(i.mnemonic);
        return e != null && e.forms.test(i);
    }

    /** Emits {@code i} with its intrinsic ({@link #handles} must be true). */
    static boolean emit(MethodEmitter e, int k, Instruction i, Label loopHead) {
        return TABLE.get(i.mnemonic).emitter.emit(e, k, i, loopHead);
    }

    /** The bound mnemonics (for tests and reports). */
    static Set<Mnemonic> mnemonics() {
        return java.util.Collections.unmodifiableSet(TABLE.keySet());
    }
}
