package dev.lstar.translator;

import static org.junit.jupiter.api.Assertions.*;
import static org.objectweb.asm.Opcodes.*;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;

/**
 * The stack-map frames FrameWriter writes while code is emitted: methods with forward jumps that
 * merge different local states, a loop, and an exception handler pass the JVM's verifier and
 * run; code outside its rules is refused when it is generated.
 */
class FrameWriterTest {
    static final String NAME = "dev/lstar/translator/FrameWriterProbe";

    /** A class with one static method {@code long f(long)} whose body {@code body} emits. */
    static MethodHandles.Lookup define(java.util.function.Consumer<FrameWriter> body) throws Exception {
        return MethodHandles.lookup().defineHiddenClass(generate(body), true);
    }

    /** The class file of {@link #define}. */
    static byte[] generate(java.util.function.Consumer<FrameWriter> body) {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_MAXS);
        cw.visit(V21, ACC_PUBLIC | ACC_FINAL | ACC_SUPER, NAME, null, "java/lang/Object", null);
        FrameWriter fw = new FrameWriter(cw.visitMethod(ACC_PUBLIC | ACC_STATIC, "f", "(J)J", null, null), new Object[] {LONG});
        fw.visitCode();
        body.accept(fw);
        fw.visitMaxs(0, 0);
        fw.visitEnd();
        cw.visitEnd();
        return cw.toByteArray();
    }

    static long call(MethodHandles.Lookup h, long x) throws Throwable {
        return (long) h.findStatic(h.lookupClass(), "f", MethodType.methodType(long.class, long.class)).invokeExact(x);
    }

    @Test
    void mergesLocalsAtForwardJumpsAndLoops() throws Throwable {
        // long f(long x) { long acc = 0; int i = 3; do { if (x < 0) { int t = 1; acc -= t; } acc += x; } while (--i != 0); return acc; }
        MethodHandles.Lookup h = define(m -> {
            m.visitInsn(LCONST_0);
            m.visitVarInsn(LSTORE, 2); // acc
            m.visitInsn(ICONST_3);
            m.visitVarInsn(ISTORE, 4); // i
            Label loop = new Label(), skip = new Label();
            m.loopHead(loop);
            m.visitLabel(loop);
            m.visitVarInsn(LLOAD, 0);
            m.visitInsn(LCONST_0);
            m.visitInsn(LCMP);
            m.visitJumpInsn(IFGE, skip);
            m.visitInsn(ICONST_1);
            m.visitVarInsn(ISTORE, 5); // only on this path: TOP at `skip`
            m.visitVarInsn(LLOAD, 2);
            m.visitVarInsn(ILOAD, 5);
            m.visitInsn(I2L);
            m.visitInsn(LSUB);
            m.visitVarInsn(LSTORE, 2);
            m.visitLabel(skip);
            m.visitVarInsn(LLOAD, 2);
            m.visitVarInsn(LLOAD, 0);
            m.visitInsn(LADD);
            m.visitVarInsn(LSTORE, 2);
            m.visitIincInsn(4, -1);
            m.visitVarInsn(ILOAD, 4);
            m.visitJumpInsn(IFNE, loop);
            m.visitVarInsn(LLOAD, 2);
            m.visitInsn(LRETURN);
        });
        assertEquals(30, call(h, 10));
        assertEquals(-33, call(h, -10));
    }

    @Test
    void doubleLocalsAcrossALoopAndAMerge() throws Throwable {
        // long f(long x) { double acc = 0.5; int i = 4; do { acc += (double) x; } while (--i != 0);
        //                  if (x < 0) { long w = 7 in acc's slots (acc unset after the merge) } else { ... }
        //                  return x < 0 ? 7 : raw bits of acc }
        MethodHandles.Lookup h = define(m -> {
            m.visitLdcInsn(0.5);
            m.visitVarInsn(DSTORE, 2); // acc: a double in slots 2-3
            m.visitInsn(ICONST_4);
            m.visitVarInsn(ISTORE, 4);
            Label loop = new Label(), neg = new Label(), join = new Label();
            m.loopHead(loop);
            m.visitLabel(loop);
            m.visitVarInsn(DLOAD, 2);
            m.visitVarInsn(LLOAD, 0);
            m.visitInsn(L2D);
            m.visitInsn(DADD);
            m.visitVarInsn(DSTORE, 2);
            m.visitIincInsn(4, -1);
            m.visitVarInsn(ILOAD, 4);
            m.visitJumpInsn(IFNE, loop);
            m.visitVarInsn(DLOAD, 2);
            m.visitMethodInsn(INVOKESTATIC, "java/lang/Double", "doubleToRawLongBits", "(D)J", false);
            m.visitVarInsn(LSTORE, 5); // the bits, in slots 5-6
            m.visitVarInsn(LLOAD, 0);
            m.visitInsn(LCONST_0);
            m.visitInsn(LCMP);
            m.visitJumpInsn(IFLT, neg);
            m.visitJumpInsn(GOTO, join);
            m.visitLabel(neg);
            m.visitLdcInsn(7L);
            m.visitVarInsn(LSTORE, 2); // a long over the double: slots 2-3 hold different kinds at the join
            m.visitLdcInsn(7L);
            m.visitVarInsn(LSTORE, 5);
            m.visitLabel(join);
            m.visitVarInsn(LLOAD, 5);
            m.visitInsn(LRETURN);
        });
        assertEquals(Double.doubleToRawLongBits(40.5), call(h, 10));
        assertEquals(7, call(h, -10));
    }

    /**
     * Frames are written compressed, relative to the one before: a target with the same locals
     * (F_SAME), with locals added at the end (F_APPEND), with the last ones gone (F_CHOP), with one
     * changed in the middle (F_FULL), the handler with the last frame's locals (F_SAME1) — and the
     * class still verifies and runs.
     */
    @Test
    void writesCompressedFrames() throws Throwable {
        // long f(long x): a chain of forward jumps over code that sets, and on some paths does not set, locals 2..7
        java.util.function.Consumer<FrameWriter> body = m -> {
            Label start = new Label(), end = new Label(), handler = new Label();
            Label same = new Label(), append = new Label(), chop = new Label(), full = new Label();
            m.visitTryCatchBlock(start, end, handler, "java/lang/ArithmeticException");
            m.declare(8, "java/lang/ArithmeticException");
            m.visitLabel(start);
            m.visitVarInsn(LLOAD, 0);
            m.visitInsn(L2I);
            m.visitJumpInsn(IFEQ, same);        // locals: x
            m.visitLabel(same);                 // F_SAME
            m.visitInsn(LCONST_1);
            m.visitVarInsn(LSTORE, 2);
            m.visitInsn(ICONST_2);
            m.visitVarInsn(ISTORE, 4);
            m.visitVarInsn(LLOAD, 0);
            m.visitInsn(L2I);
            m.visitJumpInsn(IFEQ, append);      // locals: x, long, int
            m.visitLabel(append);               // F_APPEND 2
            m.visitVarInsn(LLOAD, 0);
            m.visitInsn(L2I);
            m.visitJumpInsn(IFLT, chop);        // with local 4 an int
            m.visitInsn(LCONST_0);
            m.visitVarInsn(LSTORE, 4);          // local 4 a long on this path: TOP after the merge
            m.visitLabel(chop);                 // F_CHOP 1: x, long
            m.visitInsn(ICONST_5);
            m.visitVarInsn(ISTORE, 2);          // local 2 now an int (its long gone): x, int, TOP...
            m.visitInsn(ICONST_5);
            m.visitVarInsn(ISTORE, 3);
            m.visitVarInsn(LLOAD, 0);
            m.visitInsn(L2I);
            m.visitJumpInsn(IFEQ, full);
            m.visitLabel(full);                 // F_FULL: x, int, int
            m.visitLdcInsn(100L);
            m.visitVarInsn(LLOAD, 0);
            m.visitInsn(LDIV);                  // may throw: the handler
            m.visitVarInsn(ILOAD, 2);
            m.visitInsn(I2L);
            m.visitInsn(LADD);
            m.visitInsn(LRETURN);
            m.visitLabel(end);
            m.visitLabel(handler);
            m.visitVarInsn(ASTORE, 8);
            m.visitLdcInsn(-1L);
            m.visitInsn(LRETURN);
        };
        byte[] bytes = generate(body);
        java.util.List<Integer> kinds = new java.util.ArrayList<>();
        new org.objectweb.asm.ClassReader(bytes).accept(new org.objectweb.asm.ClassVisitor(ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String desc, String sig, String[] exc) {
                return new MethodVisitor(ASM9) {
                    @Override
                    public void visitFrame(int type, int nLocal, Object[] local, int nStack, Object[] stack) {
                        kinds.add(type);
                    }
                };
            }
        }, 0);
        assertTrue(kinds.contains(F_SAME), kinds::toString);
        assertTrue(kinds.contains(F_APPEND), kinds::toString);
        assertTrue(kinds.contains(F_CHOP), kinds::toString);
        assertTrue(kinds.contains(F_FULL), kinds::toString);
        MethodHandles.Lookup h = MethodHandles.lookup().defineHiddenClass(bytes, true);
        assertEquals(30, call(h, 4));
        assertEquals(-1, call(h, 0));
        assertEquals(-95, call(h, -1));
    }

    @Test
    void handlerFrameIsTheMeetOverTheProtectedRange() throws Throwable {
        // long f(long x) { long r = 7; try { r = 100 / x (as int); long s = r; } catch (ArithmeticException e) { return r; } return r; }
        MethodHandles.Lookup h = define(m -> {
            Label start = new Label(), end = new Label(), handler = new Label();
            m.visitTryCatchBlock(start, end, handler, "java/lang/ArithmeticException");
            m.declare(6, "java/lang/ArithmeticException");
            m.visitLdcInsn(7L);
            m.visitVarInsn(LSTORE, 2);
            m.visitLabel(start);
            m.visitLdcInsn(100L);
            m.visitVarInsn(LLOAD, 0);
            m.visitInsn(LDIV);
            m.visitVarInsn(LSTORE, 2);
            m.visitVarInsn(LLOAD, 2);
            m.visitVarInsn(LSTORE, 4); // set inside the range only: TOP in the handler
            m.visitVarInsn(LLOAD, 4);
            m.visitInsn(LRETURN);
            m.visitLabel(end);
            m.visitLabel(handler);
            m.visitVarInsn(ASTORE, 6);
            m.visitVarInsn(LLOAD, 2);
            m.visitInsn(LRETURN);
        });
        assertEquals(20, call(h, 5));
        assertEquals(7, call(h, 0));
    }

    /**
     * {@code handlerReadsBelow}: the handler's frame declares no local from the limit on, so a
     * handler that reads only locals below it verifies and runs, and one that reads a local past
     * it is rejected by the JVM's verifier (the frame really is cut there).
     */
    @Test
    void handlerFrameStopsAtTheLimit() throws Throwable {
        // long f(long x) { long a = 3; long b = 4; try { return 100 / x; } catch (ArithmeticException e) { return a (or b); } }
        java.util.function.Function<Integer, java.util.function.Consumer<FrameWriter>> body = read -> m -> {
            Label start = new Label(), end = new Label(), handler = new Label();
            m.handlerReadsBelow(4); // x (0-1) and a (2-3) are read by the handler; b (4-5) is not
            m.visitTryCatchBlock(start, end, handler, "java/lang/ArithmeticException");
            m.declare(6, "java/lang/ArithmeticException");
            m.visitLdcInsn(3L);
            m.visitVarInsn(LSTORE, 2);
            m.visitLdcInsn(4L);
            m.visitVarInsn(LSTORE, 4);
            m.visitLabel(start);
            m.visitLdcInsn(100L);
            m.visitVarInsn(LLOAD, 0);
            m.visitInsn(LDIV);
            m.visitInsn(LRETURN);
            m.visitLabel(end);
            m.visitLabel(handler);
            m.visitVarInsn(ASTORE, 6);
            m.visitVarInsn(LLOAD, read);
            m.visitInsn(LRETURN);
        };
        MethodHandles.Lookup h = define(body.apply(2));
        assertEquals(25, call(h, 4));
        assertEquals(3, call(h, 0));
        assertThrows(VerifyError.class, () -> define(body.apply(4)));
    }

    /**
     * The handler's entry before the protected range (MethodEmitter's layout: a stub that keeps the
     * exception and jumps to the handler's code after the body) verifies and catches; a part of
     * the range left out with {@code pauseRange} is not protected (its exception passes through),
     * the part after {@code resumeRange} is, and a part with no instruction is left out of the
     * exception table (an empty entry would not load).
     */
    @Test
    void handlerFirstAndPausedParts() throws Throwable {
        // long f(long x) { long a = 3; [handler stub]; if (x == 1) return 7 / (x - 1) [paused: not caught];
        //                  return 100 / (x - 2) [caught: returns a] }
        MethodHandles.Lookup h = define(m -> {
            Label start = new Label(), end = new Label(), handler = new Label(), code = new Label(), second = new Label();
            m.handlerReadsBelow(4);
            handlerStubFirst(m, start, end, handler);
            m.visitJumpInsn(GOTO, code);
            m.visitLabel(start);
            m.pauseRange(); // an empty part
            m.resumeRange();
            m.visitVarInsn(LLOAD, 0);
            m.visitInsn(LCONST_1);
            m.visitInsn(LCMP);
            m.visitJumpInsn(IFNE, second);
            m.pauseRange();
            m.visitLdcInsn(7L);
            m.visitVarInsn(LLOAD, 0);
            m.visitInsn(LCONST_1);
            m.visitInsn(LSUB);
            m.visitInsn(LDIV);
            m.visitInsn(LRETURN);
            m.resumeRange();
            m.visitLabel(second);
            m.visitLdcInsn(100L);
            m.visitVarInsn(LLOAD, 0);
            m.visitLdcInsn(2L);
            m.visitInsn(LSUB);
            m.visitInsn(LDIV);
            m.visitInsn(LRETURN);
            m.visitLabel(end);
            m.visitLabel(code);
            m.visitVarInsn(LLOAD, 2);
            m.visitInsn(LRETURN);
        });
        assertEquals(50, call(h, 4));
        assertEquals(3, call(h, 2)); // caught
        assertThrows(ArithmeticException.class, () -> call(h, 1)); // in the paused part
    }

    /**
     * Local 2 = 3L, then the handler's entry before the protected range [start, end) (as
     * MethodEmitter lays it out): a jump over it, and the handler keeping the exception in local 4.
     */
    private static void handlerStubFirst(FrameWriter m, Label start, Label end, Label handler) {
        m.declare(4, "java/lang/ArithmeticException");
        m.visitLdcInsn(3L);
        m.visitVarInsn(LSTORE, 2);
        m.visitTryCatchBlock(start, end, handler, "java/lang/ArithmeticException");
        m.visitJumpInsn(GOTO, start);
        m.visitLabel(handler);
        m.visitVarInsn(ASTORE, 4);
    }

    /** With the handler first, its frame is fixed before the range: a store there that changes a slot it holds is refused. */
    @Test
    void handlerFirstRefusesATypeChangeInTheRange() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> define(m -> {
            Label start = new Label(), end = new Label(), handler = new Label();
            handlerStubFirst(m, start, end, handler);
            m.visitVarInsn(LLOAD, 2);
            m.visitInsn(LRETURN);
            m.visitLabel(start);
            m.visitInsn(ICONST_0);
            m.visitVarInsn(ISTORE, 2); // a long in the handler's frame
            m.visitVarInsn(LLOAD, 0);
            m.visitInsn(LRETURN);
            m.visitLabel(end);
        }));
        assertTrue(e.getMessage().contains("changes type"), e.getMessage());
    }

    /**
     * {@code stackDepth} (what OperandEmitter.cachedFrame asks before it branches): the operand
     * stack's size in words through loads, calls, field accesses and conditional jumps; 0 at a
     * jump target (jumps carry empty stacks), 1 in the handler; -1 after an opcode it does not model.
     */
    @Test
    void tracksTheOperandStacksDepth() throws Throwable {
        java.util.List<Integer> seen = new java.util.ArrayList<>();
        MethodHandles.Lookup h = define(m -> {
            Label start = new Label(), end = new Label(), handler = new Label(), target = new Label();
            m.declare(2, "java/lang/ArithmeticException");
            m.visitTryCatchBlock(start, end, handler, "java/lang/ArithmeticException");
            m.visitLabel(start);
            seen.add(m.stackDepth());                               // 0
            m.visitVarInsn(LLOAD, 0);
            seen.add(m.stackDepth());                               // 2
            m.visitMethodInsn(INVOKESTATIC, "java/lang/Long", "bitCount", "(J)I", false);
            seen.add(m.stackDepth());                               // 1: an int
            m.visitFieldInsn(GETSTATIC, "java/lang/Long", "MAX_VALUE", "J");
            seen.add(m.stackDepth());                               // 3
            m.visitInsn(POP2);
            m.visitJumpInsn(IFEQ, target);
            seen.add(m.stackDepth());                               // 0
            m.visitLdcInsn(7L);
            m.visitVarInsn(LLOAD, 0);
            m.visitInsn(LDIV);
            m.visitInsn(LRETURN);
            m.visitLabel(target);
            seen.add(m.stackDepth());                               // 0
            m.visitInsn(LCONST_1);
            m.visitInsn(LRETURN);
            m.visitLabel(end);
            m.visitLabel(handler);
            seen.add(m.stackDepth());                               // 1: the exception
            m.visitVarInsn(ASTORE, 2);
            m.visitInsn(LCONST_0);
            m.visitInsn(L2D);                                       // an opcode it does not model
            seen.add(m.stackDepth());                               // -1
            m.visitInsn(D2L);
            m.visitInsn(LRETURN);
        });
        assertEquals(java.util.List.of(0, 2, 1, 3, 0, 0, 1, -1), seen);
        assertEquals(1, call(h, 0)); // bitCount 0: the jump
    }

    @Test
    void refusesUnreachableCode() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> define(m -> {
            m.visitVarInsn(LLOAD, 0);
            m.visitInsn(LRETURN);
            m.visitInsn(LCONST_0); // nothing jumps here
            m.visitInsn(LRETURN);
        }));
        assertTrue(e.getMessage().contains("unreachable"), e.getMessage());
    }

    @Test
    void refusesABackEdgeThatDoesNotFitTheLoopHead() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> define(m -> {
            Label loop = new Label();
            m.visitInsn(LCONST_0);
            m.visitVarInsn(LSTORE, 2);
            m.loopHead(loop);
            m.visitLabel(loop);
            m.visitInsn(ICONST_0);
            m.visitVarInsn(ISTORE, 2); // slot 2 was a long at the head
            m.visitJumpInsn(GOTO, loop);
        }));
        assertTrue(e.getMessage().contains("back-edge"), e.getMessage());
    }

    @Test
    void anEntryOnlyLoopHeadReachedByAForwardJumpKeepsOnlyTheEntrysLocals() throws Throwable {
        // A loop nest's segment start: reached by a forward jump whose path set a temp (slot 4),
        // not by falling in (the code before it returned), and by a back-edge whose path did not
        // set the temp. Its frame holds only what the entry had (slot 2).
        // long f(long x) { long acc = x; if (x >= 0) { long t = 7; goto head; } return -1;
        //                  head: do { acc += 1; if (acc odd) { int u = 0; } } while (acc < 10); return acc; }
        MethodHandles.Lookup h = define(m -> {
            m.visitVarInsn(LLOAD, 0);
            m.visitVarInsn(LSTORE, 2);
            m.markEntry();
            Label head = new Label();
            m.entryOnly(head);
            m.loopHead(head);
            m.visitVarInsn(LLOAD, 0);
            m.visitInsn(LCONST_0);
            m.visitInsn(LCMP);
            Label neg = new Label();
            m.visitJumpInsn(IFLT, neg);
            m.visitLdcInsn(7L);
            m.visitVarInsn(LSTORE, 4); // the temp, only on the jump's path
            m.visitJumpInsn(GOTO, head);
            m.visitLabel(neg);
            m.visitLdcInsn(-1L);
            m.visitInsn(LRETURN);
            m.visitLabel(head); // after a return: only the jump comes here
            m.visitVarInsn(LLOAD, 2);
            m.visitInsn(LCONST_1);
            m.visitInsn(LADD);
            m.visitVarInsn(LSTORE, 2);
            Label skip = new Label();
            m.visitVarInsn(LLOAD, 2);
            m.visitInsn(LCONST_1);
            m.visitInsn(LAND);
            m.visitInsn(L2I);
            m.visitJumpInsn(IFEQ, skip);
            m.visitInsn(ICONST_0);
            m.visitVarInsn(ISTORE, 4); // slot 4 an int on this path: unset after the join
            m.visitLabel(skip);
            m.visitVarInsn(LLOAD, 2);
            m.visitLdcInsn(10L);
            m.visitInsn(LCMP);
            m.visitJumpInsn(IFLT, head); // a head frame with the jump's temp would not fit
            m.visitVarInsn(LLOAD, 2);
            m.visitInsn(LRETURN);
        });
        assertEquals(10, call(h, 3));
        assertEquals(-1, call(h, -5));
    }

    @Test
    void refusesReferencesInUndeclaredSlots() {
        assertThrows(IllegalStateException.class, () -> define(m -> {
            m.visitInsn(ACONST_NULL);
            m.visitVarInsn(ASTORE, 2);
        }));
    }
}
