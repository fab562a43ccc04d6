package dev.lstar.translator;

import static org.objectweb.asm.Opcodes.INVOKESTATIC;

import dev.lstar.decoder.Mnemonic;
import dev.lstar.runtime.ops.Alu;
import dev.lstar.runtime.ops.Bits;
import dev.lstar.runtime.ops.Moves;
import dev.lstar.runtime.ops.MulDiv;
import dev.lstar.runtime.ops.Shifts;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Type;

/**
 * The runtime methods that translated code calls for instruction semantics — the same
 * {@code dev.lstar.runtime.ops} methods the interpreter's {@code Exec} calls. Each is resolved by
 * reflection once, when the translator loads: a renamed, missing or overloaded method fails there
 * (at start-up, not when some block happens to need it), and its descriptor comes from the
 * {@link Method}, never typed by hand.
 */
final class Helpers {
    private Helpers() {}

    /** A public static method: owner's internal name, name, descriptor. */
    record Helper(String owner, String name, String descriptor, Method method) {
        /** Emits the call (its arguments are on the operand stack). */
        void invoke(MethodVisitor mv) {
            mv.visitMethodInsn(INVOKESTATIC, owner, name, descriptor, false);
        }

        /** Whether it returns a value (the result, for the flag-recording helpers). */
        boolean returnsValue() {
            return method.getReturnType() != void.class;
        }
    }

    /**
     * Each class's public static methods by name, made once per class: {@code getMethods} copies
     * every public method of the class on each call, and the translator resolves a few hundred
     * helpers, many in the large SSE classes, at its first translation (in a cold JVM the copies
     * took a large share of SseEmitter's ~30 ms class initialisation).
     */
    private static final ClassValue<Map<String, List<Method>>> STATICS = new ClassValue<>() {
        @Override
        protected Map<String, List<Method>> computeValue(Class<?> c) {
            Map<String, List<Method>> byName = new HashMap<>();
            for (Method m : c.getMethods()) {
                if (Modifier.isStatic(m.getModifiers())) byName.computeIfAbsent(m.getName(), k -> new ArrayList<>(1)).add(m);
            }
            return byName;
        }
    };

    /** The public static methods {@code name} of {@code owner} (possibly none). */
    static List<Method> publicStatic(Class<?> owner, String name) {
        return STATICS.get(owner).getOrDefault(name, List.of());
    }

    /** The unique public static method {@code name} of {@code owner}. */
    static Helper of(Class<?> owner, String name) {
        List<Method> found = publicStatic(owner, name);
        if (found.size() != 1) {
            throw new IllegalStateException(owner.getName() + "." + name + ": " + found.size() + " public static methods, expected one");
        }
        Method m = found.get(0);
        return new Helper(Type.getInternalName(owner), name, Type.getMethodDescriptor(m), m);
    }

    // ---- the flag-recording semantics of the instructions the translator emits inline: called
    // (with the operands, and the result discarded or kept) when a flag they write is live
    private static final Map<Mnemonic, Helper> WITH_FLAGS = new EnumMap<>(Mnemonic.class);

    private static void withFlags(Class<?> owner, Mnemonic... ms) {
        for (Mnemonic m : ms) WITH_FLAGS.put(m, of(owner, m.name().toLowerCase()));
    }

    static {
        withFlags(Alu.class, Mnemonic.ADD, Mnemonic.SUB, Mnemonic.AND, Mnemonic.OR, Mnemonic.XOR, Mnemonic.CMP,
                Mnemonic.TEST, Mnemonic.INC, Mnemonic.DEC, Mnemonic.NEG);
        withFlags(Shifts.class, Mnemonic.SHL, Mnemonic.SHR, Mnemonic.SAR, Mnemonic.ROL, Mnemonic.ROR);
        withFlags(Bits.class, Mnemonic.BT, Mnemonic.BTS, Mnemonic.BTR, Mnemonic.BTC);
        WITH_FLAGS.put(Mnemonic.IMUL, of(MulDiv.class, "imul"));
    }

    /** The {@code ops} method that computes {@code m} and records its flags. */
    static Helper withFlags(Mnemonic m) {
        Helper h = WITH_FLAGS.get(m);
        if (h == null) throw new IllegalStateException("no flag-recording helper for " + m);
        return h;
    }

    /** Every flag-recording helper by mnemonic (for the start-up consistency test). */
    static Map<Mnemonic, Helper> withFlagsTable() {
        return java.util.Collections.unmodifiableMap(WITH_FLAGS);
    }

    static final Helper SHIFT_COUNT = of(Shifts.class, "maskCount"), ROL_VALUE = of(Shifts.class, "rolValue"),
            ROR_VALUE = of(Shifts.class, "rorValue"), CMOV_RESULT = of(Moves.class, "cmovResult");

    static final Helper SET_BIT = of(Bits.class, "setBit"), CLEAR_BIT = of(Bits.class, "clearBit"),
            COMPLEMENT_BIT = of(Bits.class, "complementBit"), BIT_STRING_ADDRESS = of(Bits.class, "bitStringAddress");
}
