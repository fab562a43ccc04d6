package dev.lstar.translator;

import static dev.lstar.translator.OperandEmitter.L_CPU;
import static dev.lstar.translator.OperandEmitter.L_REGS;
import static org.objectweb.asm.Opcodes.*;

import dev.lstar.decoder.Access;
import dev.lstar.decoder.Instruction;
import dev.lstar.decoder.Mnemonic;
import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.ops.X87;
import java.lang.reflect.Method;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Type;

/**
 * The x87 instructions in translated code: a direct call of the {@link X87} method the
 * interpreter's {@code Exec} calls, with the same constant arguments, instead of the block's
 * interpreter fallback. Only the general registers the instruction reads or writes (a memory
 * operand's base and index, AX for FNSTSW AX) go through {@code cpu.r}: the dirty ones among
 * them are stored before the call, the written ones reloaded after it; the other registers stay
 * in their locals, and the flags stay where they are (FCOMI and its kin write RFLAGS through the
 * CPU, so the method forgets its known flag record). Every call may fault (#NM, #MF, page faults),
 * so the fault index is set before it ({@link InsnTraits#mayFault}) and faults stay precise;
 * X87's methods change nothing before they fault.
 *
 * <p>FXSAVE/FXRSTOR (they read and write the XMM registers), FNSAVE/FRSTOR and FNSTENV/FLDENV
 * stay on the fallback.
 */
final class X87Emitter {
    private X87Emitter() {}

    /** One binding: the X87 method, and the int/boolean constants after (Cpu, Instruction); cond >= 0: FCMOVcc's condition, pushed as cpu.cond(cc). */
    private record Call(String name, String descriptor, int[] args, int cond, boolean withInsn) {}

    private static final String OWNER = Type.getInternalName(X87.class);
    private static final Map<Mnemonic, Call> CALLS = new EnumMap<>(Mnemonic.class);

    /** Binds {@code m} to X87.name(Cpu, Instruction, params...) with the constants {@code args}. */
    private static void bind(Mnemonic m, String name, Class<?>[] params, int... args) {
        bind(m, name, params, -1, true, args);
    }

    private static void bind(Mnemonic m, String name, Class<?>[] params, int cond, boolean withInsn, int... args) {
        Class<?>[] all = new Class<?>[params.length + (withInsn ? 2 : 1)];
        all[0] = Cpu.class;
        if (withInsn) all[1] = Instruction.class;
        System.arraycopy(params, 0, all, withInsn ? 2 : 1, params.length);
        Method method;
        try {
            method = X87.class.getMethod(name, all);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException("X87." + name + " with " + java.util.Arrays.toString(all), e);
        }
        if (params.length != args.length + (cond >= 0 ? 1 : 0)) throw new IllegalStateException(m + ": argument count");
        if (CALLS.put(m, new Call(name, Type.getMethodDescriptor(method), args, cond, withInsn)) != null) {
            throw new IllegalStateException(m + " bound twice");
        }
    }

    private static final Class<?>[] NONE = {}, Z = {boolean.class}, I = {int.class}, ZZ = {boolean.class, boolean.class},
            IZZ = {int.class, boolean.class, boolean.class}, ZI = {boolean.class, int.class};

    static {
        bind(Mnemonic.FLD, "fld", NONE);
        bind(Mnemonic.FILD, "fild", NONE);
        for (Mnemonic m : new Mnemonic[] {Mnemonic.FLD1, Mnemonic.FLDL2T, Mnemonic.FLDL2E, Mnemonic.FLDPI, Mnemonic.FLDLG2,
                Mnemonic.FLDLN2, Mnemonic.FLDZ}) bind(m, "fldConst", NONE);
        bind(Mnemonic.FST, "fst", Z, 0);
        bind(Mnemonic.FSTP, "fst", Z, 1);
        bind(Mnemonic.FIST, "fist", Z, 0);
        bind(Mnemonic.FISTP, "fist", Z, 1);
        bind(Mnemonic.FISTTP, "fist", ZZ, 1, 1);
        bind(Mnemonic.FXCH, "fxch", NONE);
        bind(Mnemonic.FADD, "arith", IZZ, 0, 0, 0);
        bind(Mnemonic.FIADD, "arith", IZZ, 0, 0, 0);
        bind(Mnemonic.FADDP, "arith", IZZ, 0, 0, 1);
        bind(Mnemonic.FSUB, "arith", IZZ, 1, 0, 0);
        bind(Mnemonic.FISUB, "arith", IZZ, 1, 0, 0);
        bind(Mnemonic.FSUBP, "arith", IZZ, 1, 0, 1);
        bind(Mnemonic.FSUBR, "arith", IZZ, 1, 1, 0);
        bind(Mnemonic.FISUBR, "arith", IZZ, 1, 1, 0);
        bind(Mnemonic.FSUBRP, "arith", IZZ, 1, 1, 1);
        bind(Mnemonic.FMUL, "arith", IZZ, 2, 0, 0);
        bind(Mnemonic.FIMUL, "arith", IZZ, 2, 0, 0);
        bind(Mnemonic.FMULP, "arith", IZZ, 2, 0, 1);
        bind(Mnemonic.FDIV, "arith", IZZ, 3, 0, 0);
        bind(Mnemonic.FIDIV, "arith", IZZ, 3, 0, 0);
        bind(Mnemonic.FDIVP, "arith", IZZ, 3, 0, 1);
        bind(Mnemonic.FDIVR, "arith", IZZ, 3, 1, 0);
        bind(Mnemonic.FIDIVR, "arith", IZZ, 3, 1, 0);
        bind(Mnemonic.FDIVRP, "arith", IZZ, 3, 1, 1);
        bind(Mnemonic.FSQRT, "unary", I, 0);
        bind(Mnemonic.FRNDINT, "unary", I, 1);
        bind(Mnemonic.FCHS, "unary", I, 2);
        bind(Mnemonic.FABS, "unary", I, 3);
        bind(Mnemonic.FSCALE, "fscale", NONE);
        bind(Mnemonic.FXTRACT, "fxtract", NONE);
        bind(Mnemonic.FPREM, "fprem", Z, 0);
        bind(Mnemonic.FPREM1, "fprem", Z, 1);
        bind(Mnemonic.FSIN, "trig", I, 0);
        bind(Mnemonic.FCOS, "trig", I, 1);
        bind(Mnemonic.F2XM1, "trig", I, 2);
        bind(Mnemonic.FPTAN, "trig2", Z, 0);
        bind(Mnemonic.FSINCOS, "trig2", Z, 1);
        bind(Mnemonic.FYL2X, "binaryPop", I, 0);
        bind(Mnemonic.FYL2XP1, "binaryPop", I, 1);
        bind(Mnemonic.FPATAN, "binaryPop", I, 2);
        bind(Mnemonic.FCOM, "fcom", ZI, 0, 0);
        bind(Mnemonic.FICOM, "fcom", ZI, 0, 0);
        bind(Mnemonic.FTST, "fcom", ZI, 0, 0);
        bind(Mnemonic.FCOMP, "fcom", ZI, 0, 1);
        bind(Mnemonic.FICOMP, "fcom", ZI, 0, 1);
        bind(Mnemonic.FCOMPP, "fcom", ZI, 0, 2);
        bind(Mnemonic.FUCOM, "fcom", ZI, 1, 0);
        bind(Mnemonic.FUCOMP, "fcom", ZI, 1, 1);
        bind(Mnemonic.FUCOMPP, "fcom", ZI, 1, 2);
        bind(Mnemonic.FCOMI, "fcomi", ZZ, 0, 0);
        bind(Mnemonic.FCOMIP, "fcomi", ZZ, 0, 1);
        bind(Mnemonic.FUCOMI, "fcomi", ZZ, 1, 0);
        bind(Mnemonic.FUCOMIP, "fcomi", ZZ, 1, 1);
        bind(Mnemonic.FXAM, "fxam", NONE);
        // FCMOVcc: the condition as Exec evaluates it (cpu.cond with the Jcc condition number)
        bind(Mnemonic.FCMOVB, "fcmov", Z, 2, true);
        bind(Mnemonic.FCMOVE, "fcmov", Z, 4, true);
        bind(Mnemonic.FCMOVBE, "fcmov", Z, 6, true);
        bind(Mnemonic.FCMOVU, "fcmov", Z, 10, true);
        bind(Mnemonic.FCMOVNB, "fcmov", Z, 3, true);
        bind(Mnemonic.FCMOVNE, "fcmov", Z, 5, true);
        bind(Mnemonic.FCMOVNBE, "fcmov", Z, 7, true);
        bind(Mnemonic.FCMOVNU, "fcmov", Z, 11, true);
        bind(Mnemonic.FLDCW, "fldcw", NONE);
        bind(Mnemonic.FNSTCW, "fnstcw", NONE);
        bind(Mnemonic.FNSTSW, "fnstsw", NONE);
        bind(Mnemonic.FNCLEX, "fnclex", NONE, -1, false);
        bind(Mnemonic.FNINIT, "fninit", NONE, -1, false);
        bind(Mnemonic.FWAIT, "fwait", NONE, -1, false);
        bind(Mnemonic.FFREE, "ffree", Z, 0);
        bind(Mnemonic.FFREEP, "ffree", Z, 1);
        bind(Mnemonic.FINCSTP, "fincstp", I, 1);
        bind(Mnemonic.FDECSTP, "fincstp", I, -1);
        bind(Mnemonic.FNOP, "fnop", NONE);
    }

    /** The mnemonics translated by a direct call. */
    static Set<Mnemonic> mnemonics() {
        return Collections.unmodifiableSet(CALLS.keySet());
    }

    /** The call as Exec's source writes it ("X87.arith(c, i, 1, true, false)"), or null when {@code m} is not bound (for the tests). */
    static String describe(Mnemonic m) {
        Call call = CALLS.get(m);
        if (call == null) return null;
        StringBuilder b = new StringBuilder("X87.").append(call.name).append(call.withInsn ? "(c, i" : "(c");
        Type[] params = Type.getArgumentTypes(call.descriptor);
        int p = call.withInsn ? 2 : 1;
        if (call.cond >= 0) {
            b.append(", c.cond(").append(call.cond).append(')');
            p++;
        }
        for (int a : call.args) {
            b.append(", ").append(params[p++].getSort() == Type.BOOLEAN ? String.valueOf(a != 0) : String.valueOf(a));
        }
        return b.append(')').toString();
    }

    /** Whether {@code i} is an x87 instruction called directly (every form of a bound mnemonic). */
    static boolean handles(Instruction i) {
        return CALLS.containsKey(i.mnemonic);
    }

    /** Emits instruction {@code k}: the GPRs it touches exact in {@code cpu.r}, the call, the written ones reloaded. */
    static void emit(MethodEmitter e, int k, Instruction i) {
        Call call = CALLS.get(i.mnemonic);
        MethodVisitor mv = e.mv;
        int read = Access.regsRead(i) & e.cachedRegs, written = Access.regsWritten(i) & e.cachedRegs;
        int spill = (read | written) & e.dirtyRegs; // a written register too: FNSTSW writes AX only
        e.spill(spill);
        e.dirtyRegs &= ~spill;
        mv.visitVarInsn(ALOAD, L_CPU);
        if (call.withInsn) e.pushInsn(k);
        if (call.cond >= 0) {
            mv.visitVarInsn(ALOAD, L_CPU);
            e.iconst(call.cond);
            mv.visitMethodInsn(INVOKEVIRTUAL, BlockCompiler.CPU, "cond", "(I)Z", false);
        }
        for (int a : call.args) e.iconst(a);
        mv.visitMethodInsn(INVOKESTATIC, OWNER, call.name, call.descriptor, false);
        for (int r = 0; r < 16; r++) {
            if ((written & (1 << r)) == 0) continue;
            mv.visitVarInsn(ALOAD, L_REGS);
            e.iconst(r);
            mv.visitInsn(LALOAD);
            mv.visitVarInsn(LSTORE, e.slot(r));
        }
        if (i.flagsWritten != 0 || call.name.equals("fcomi")) e.conditions.forget();
    }
}
