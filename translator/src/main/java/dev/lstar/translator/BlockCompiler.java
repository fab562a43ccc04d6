package dev.lstar.translator;

import static org.objectweb.asm.Opcodes.*;

import dev.lstar.decoder.Instruction;
import dev.lstar.decoder.Mnemonic;
import dev.lstar.runtime.Machine;
import dev.lstar.runtime.interp.Block;
import dev.lstar.runtime.interp.Exec;
import dev.lstar.runtime.interp.Operands;

import java.lang.invoke.MethodHandles;
import java.util.concurrent.atomic.AtomicLong;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;

/**
 * Translates one decoded {@link Block} into a hidden class extending {@link CompiledBlock}.
 *
 * <p>Shape of the generated {@code run(Cpu c, long limit)}:
 * <ul>
 *   <li>The guest registers the inline-translated instructions use are loaded from {@code cpu.r}
 *       into long locals at entry; only the ones written are stored back, at each exit.</li>
 *   <li>An int local holds the index of the instruction that may fault next (its one's
 *       complement for interpreter fallbacks); one exception handler for {@code CpuException}
 *       covers the body, spills the register locals (unless the fault came from a fallback, which
 *       works on {@code cpu.r} directly), points RIP at the faulting instruction, counts the
 *       retired ones and rethrows. Nothing is paid on the normal path.</li>
 *   <li>Instructions {@link InsnTraits#inlinable} accepts are emitted as bytecode. Flags go to the
 *       lazy record through the same {@code dev.lstar.runtime.ops} helpers the interpreter uses when
 *       {@link Liveness} says a flag written by the instruction is live; otherwise only the plain
 *       arithmetic is emitted. A Jcc/SETcc/CMOVcc whose flags come from an inline
 *       CMP/SUB/TEST/logic op of the same block is evaluated from the operands kept in locals
 *       ({@code LazyFlags.condSub}/{@code condLogic}).</li>
 *   <li>Every other instruction calls {@link JitRt#exec} (the interpreter's {@code Exec}) on the
 *       {@link Instruction} object, read from the {@link CompiledBlock#insns} array of the
 *       instance (the generated class has no static state and no {@code <clinit>}: that keeps
 *       defining it cheap).</li>
 *   <li>After an instruction that may write memory, the block's {@code valid} flag is checked;
 *       if the write hit the block's own code the block exits to the next instruction.</li>
 *   <li>A self-loop block (its final branch targets its own first instruction) can be compiled as
 *       a region: the back-edge stays inside the method, with a check of the instruction limit
 *       and of stop requests.</li>
 *   <li>A block covered by embedder hooks ({@code Block.hooked}) gets the {@code Machine.Hooks}
 *       calls of the engine contract compiled in (see the "compiled hooks" section of the
 *       generator); blocks no hook covers are generated without any of it. Hooked blocks never
 *       join a superblock or a region.</li>
 *   <li>Several blocks can be compiled as one superblock ({@link #continuation}; the engine picks
 *       them): a conditional branch between them becomes a side exit, a later block's
 *       {@code valid} flag is checked when the code reaches it, and after a MOV to CR3 the code
 *       mapping is re-checked ({@link JitRt#sameCode}). Instruction counts, RIP and the precise
 *       fault state index the concatenated instruction list, so they stay exact.</li>
 *   <li>The system instructions of the kernel entry path are emitted by {@link SysInline}.</li>
 *   <li>A method holds at most {@link #MEM_OPS_PER_METHOD} inline memory accesses; the rest of
 *       the block is left to the next translation.</li>
 * </ul>
 */
final class BlockCompiler {
    private BlockCompiler() {}

    /** Inline memory accesses per generated method (see {@code Gen.methodCut}). */
    static final int MEM_OPS_PER_METHOD = 16;

    /** HotSpot does not JIT methods larger than this (HugeMethodLimit). */
    static final int HUGE_METHOD_LIMIT = 8000;

    /** Test-only: when set, inline ADD adds one too many (to prove lockstep catches a bug). */
    static volatile boolean injectAddBugForTest;

    /** Test/debug: when set, every instruction goes through the interpreter fallback. */
    static volatile boolean forceFallbackForTest;

    private static final AtomicLong SEQ = new AtomicLong();

    /** Debug: when the system property {@code lstar.jit.dump} names a directory, every generated class is written there. */
    private static final String DUMP_DIR = System.getProperty("lstar.jit.dump");

    private static void dump(String name, byte[] bytes) {
        try {
            java.nio.file.Path p = java.nio.file.Path.of(DUMP_DIR, name.substring(name.lastIndexOf('/') + 1) + ".class");
            java.nio.file.Files.createDirectories(p.getParent());
            java.nio.file.Files.write(p, bytes);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("lstar.jit.dump: cannot write " + name, e);
        }
    }

    static final String CPU = "dev/lstar/runtime/Cpu", MMU = "dev/lstar/runtime/mem/Mmu",
            INSN = "dev/lstar/decoder/Instruction", BLOCK = "dev/lstar/runtime/interp/Block",
            MACHINE = "dev/lstar/runtime/Machine", RT = "dev/lstar/translator/JitRt",
            ALU = "dev/lstar/runtime/ops/Alu", SHIFTS = "dev/lstar/runtime/ops/Shifts",
            MULDIV = "dev/lstar/runtime/ops/MulDiv", LAZY = "dev/lstar/runtime/LazyFlags",
            CPUEX = "dev/lstar/runtime/CpuException", BASE = "dev/lstar/translator/CompiledBlock";



    /** The result of a translation. */
    /** {@code insns}: how many instructions of the segments the method covers (it may end inside the last one). */
    record Result(CompiledBlock code, int codeBytes, int classBytes, int inlined, int fallbacks, boolean region, int segments, int insns) {}

    /** Whether {@code b} ends in a branch back to its own start (a candidate for a region). */
    static boolean isSelfLoop(Block b) {
        Instruction last = b.insns[b.insns.length - 1];
        return (last.mnemonic == Mnemonic.JCC || last.mnemonic == Mnemonic.JMP) && last.kind[0] == Instruction.OP_REL
                && last.target == b.la;
    }

    static Result compile(MethodHandles.Lookup lookup, Block b, Machine m, boolean region) {
        return compile(lookup, new Block[] {b}, m, region);
    }

    /**
     * Compiles {@code segs} (a superblock when more than one: each block continues into the next,
     * see {@link #continuation}) into one method; {@code region} only for a single self-loop block.
     * A superblock too large for one method is compiled as its first block alone
     * ({@link Result#segments} says how many were used).
     */
    static Result compile(MethodHandles.Lookup lookup, Block[] segs, Machine m, boolean region) {
        boolean allFallback = forceFallbackForTest;
        Block b = segs[0];
        while (true) {
            boolean hooks = hookCalls(b, m);
            if (hooks && segs.length > 1) segs = new Block[] {b}; // hooked blocks are never merged
            Gen g = new Gen(segs, region && segs.length == 1 && isSelfLoop(b) && !hooks, allFallback);
            if (hooks) g.enableHooks(m.hooks);
            byte[] bytes = g.generate();
            if (DUMP_DIR != null) dump(g.name, bytes);
            if (g.hooked && g.codeSize > HUGE_METHOD_LIMIT && allFallback) {
                return new Result(null, 0, 0, 0, 0, false, 1, b.insns.length); // too big even in the compact form: interpreted
            }
            if (g.codeSize > HUGE_METHOD_LIMIT && segs.length > 1) {
                segs = new Block[] {b};
                continue;
            }
            if (g.codeSize > HUGE_METHOD_LIMIT && !allFallback) {
                allFallback = true; // the compact form: one Exec call per instruction
                continue;
            }
            if (g.codeSize > HUGE_METHOD_LIMIT && g.region) {
                region = false;
                continue;
            }
            try {
                JitRt.HookSite site = g.hooked ? new JitRt.HookSite(g.hooks, m, b) : null;
                CompiledBlock cb = Instantiator.create(g.hooked
                        ? lookup.defineHiddenClassWithClassData(bytes, new Object[] {site, g.insns}, true)
                        : lookup.defineHiddenClass(bytes, false));
                setFields(cb, g, m);
                if (site != null) cb.site = site;
                return new Result(cb, g.codeSize, bytes.length, g.inlined, g.fallbacks, g.region, g.segs.length, g.insns.length);
            } catch (VerifyError | ClassFormatError e) {
                throw new IllegalStateException("translator produced invalid bytecode for block at 0x"
                        + Long.toHexString(b.la) + ": " + e.getMessage(), e);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }
    }

    /**
     * Compiles several single blocks into one hidden class (a batch): block {@code k} becomes
     * static method {@code bk}, and {@code run} calls the one its instance's {@link CompiledBlock#id}
     * names. Defining a class has a large fixed cost (parsing, the class loader data HotSpot keeps
     * per hidden class and scans at every young GC, linking), which a batch pays once. Returns
     * one result per block; a block too large for a method even in the compact form gets a
     * result without code (it is interpreted). Hooked blocks are compiled alone.
     */
    static Result[] compileBatch(MethodHandles.Lookup lookup, Block[] blocks, Machine m) {
        int n = blocks.length;
        String name = "dev/lstar/translator/Batch_" + Long.toHexString(blocks[0].la) + "_" + SEQ.incrementAndGet();
        ClassWriter cw = Gen.newClass(name);
        // the instance as the base type: a hidden class cannot name itself in a descriptor
        String desc = "(L" + BASE + ";L" + CPU + ";J)J";
        Gen[] gens = new Gen[n];
        String[] methods = new String[n];
        for (int k = 0; k < n; k++) {
            if (hookCalls(blocks[k], m)) throw new IllegalArgumentException("hooked blocks are compiled alone");
            boolean compact = forceFallbackForTest;
            while (true) {
                Gen g = new Gen(new Block[] {blocks[k]}, false, compact);
                g.name = name;
                String method = "b" + k + (compact ? "c" : "");
                g.emitMethod(cw, ACC_PRIVATE | ACC_STATIC, method, desc);
                if (g.codeSize <= HUGE_METHOD_LIMIT) {
                    gens[k] = g;
                    methods[k] = method;
                    break;
                }
                if (compact) break; // too big even in the compact form: interpreted (the method stays, never called)
                compact = true;
            }
        }
        // run(): switch on the instance's id
        FrameWriter run = new FrameWriter(cw.visitMethod(ACC_PUBLIC | ACC_FINAL, "run", "(L" + CPU + ";J)J", null, null),
                name, new Object[] {CPU, LONG});
        run.visitCode();
        Label[] cases = new Label[n];
        Label dflt = null;
        for (int k = 0; k < n; k++) {
            if (gens[k] == null) continue;
            cases[k] = new Label();
            if (dflt == null) dflt = cases[k];
        }
        if (dflt == null) {
            Result[] none = new Result[n];
            for (int k = 0; k < n; k++) none[k] = new Result(null, 0, 0, 0, 0, false, 1, blocks[k].insns.length);
            return none;
        }
        for (int k = 0; k < n; k++) if (cases[k] == null) cases[k] = dflt;
        run.visitVarInsn(ALOAD, 0);
        run.visitFieldInsn(GETFIELD, BASE, "id", "I");
        run.visitTableSwitchInsn(0, n - 1, dflt, cases);
        for (int k = 0; k < n; k++) {
            if (gens[k] == null) continue;
            run.visitLabel(cases[k]);
            run.visitVarInsn(ALOAD, 0);
            run.visitVarInsn(ALOAD, 1);
            run.visitVarInsn(LLOAD, 2);
            run.visitMethodInsn(INVOKESTATIC, name, methods[k], desc, false);
            run.visitInsn(LRETURN);
        }
        run.visitMaxs(0, 0);
        run.visitEnd();
        cw.visitEnd();
        byte[] bytes = cw.toByteArray();
        if (DUMP_DIR != null) dump(name, bytes);
        try {
            MethodHandles.Lookup h = lookup.defineHiddenClass(bytes, false);
            Result[] out = new Result[n];
            for (int k = 0; k < n; k++) {
                Gen g = gens[k];
                if (g == null) {
                    out[k] = new Result(null, 0, 0, 0, 0, false, 1, blocks[k].insns.length);
                    continue;
                }
                CompiledBlock cb = Instantiator.create(h);
                cb.id = k;
                cb.inBatch = true;
                setFields(cb, g, m);
                out[k] = new Result(cb, g.codeSize, bytes.length / n, g.inlined, g.fallbacks, false, 1, g.insns.length);
            }
            return out;
        } catch (VerifyError | ClassFormatError e) {
            throw new IllegalStateException("translator produced invalid bytecode for the batch at 0x"
                    + Long.toHexString(blocks[0].la) + ": " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** The objects the generated code of {@code g} refers to (a hooked block's site is set by {@link #compile}). */
    private static void setFields(CompiledBlock cb, Gen g, Machine m) {
        long[] addrs = new long[g.insns.length];
        for (int k = 0; k < addrs.length; k++) addrs[k] = g.insns[k].address;
        Block[] later = new Block[g.segs.length];
        for (int s = 1; s < g.segs.length; s++) later[s] = g.segs[s];
        cb.block = g.b;
        cb.addrs = addrs;
        cb.machine = m;
        cb.insns = g.insns;
        cb.segs = later;
    }

    /** Where a superblock may go on after block {@code b}, or -1 (see {@link InsnTraits#continuation}). */
    static long continuation(Block b) {
        return InsnTraits.continuation(b);
    }

    // ======================================================================================

    /** One generation run. */
    static final class Gen {
        final Block b;
        final Block[] segs;
        final int[] segStart;
        final Instruction[] insns;
        final boolean region;
        final boolean[] inline;
        final int[] liveAfter;
        int codeSize, inlined, fallbacks;

        MethodVisitor mv;
        // locals
        static final int L_THIS = 0, L_CPU = 1, L_LIMIT = 2, L_MMU = 4, L_AT = 5, L_R = 6, L_DONE = 7, L_CC = 9, L_OFF = 10, L_FRAME = 11, L_REG0 = 12;
        int nextTemp;
        /**
         * Temps are reused from one instruction to the next (fewer locals: smaller frames, faster
         * frame computation and verification). The temps of the instruction that produced the
         * flag operands in {@code knownA/B/Res} stay reserved (below {@code pinnedTop}) until
         * another producer replaces them.
         */
        int tempBase, pinnedTop, knownSeq, maxTemp;
        int cached; // registers held in locals
        int dirty;  // registers whose local differs from cpu.r
        int tW;     // scratch for partial register writes

        // the flag record last produced inline in this block, for fused conditions
        static final int K_NONE = 0, K_SUB = 1, K_LOGIC = 2, K_ADD = 3, K_INCDEC = 4;
        int knownKind, knownSize, knownA, knownB, knownRes;

        Gen(Block[] segs, boolean region, boolean allFallback) {
            this.b = segs[0];
            int[] start = new int[segs.length];
            int total = 0;
            for (int s = 0; s < segs.length; s++) {
                start[s] = total;
                total += segs[s].insns.length;
            }
            Instruction[] all = segs.length == 1 ? b.insns : new Instruction[total];
            if (segs.length > 1) {
                for (int s = 0; s < segs.length; s++) System.arraycopy(segs[s].insns, 0, all, start[s], segs[s].insns.length);
            }
            int cut = region || allFallback ? all.length : methodCut(all);
            if (cut < all.length) {
                all = java.util.Arrays.copyOf(all, cut);
                int used = 0;
                while (used < segs.length && start[used] < cut) used++;
                segs = java.util.Arrays.copyOf(segs, used);
                start = java.util.Arrays.copyOf(start, used);
            }
            this.segs = segs;
            this.segStart = start;
            this.insns = all;
            this.region = region;
            int n = insns.length;
            inline = new boolean[n];
            boolean[] opaque = new boolean[n];
            boolean[] exitAfter = new boolean[n];
            for (int k = 0; k < n; k++) {
                inline[k] = !allFallback && InsnTraits.inlinable(insns[k]);
                opaque[k] = !inline[k] || InsnTraits.mayFault(insns[k]) || SysInline.opaque(insns[k]);
                exitAfter[k] = k < n - 1 && (!inline[k] || InsnTraits.writesMemory(insns[k]) || InsnTraits.mayLeaveAfter(insns[k]));
            }
            for (int s = 1; s < segs.length; s++) exitAfter[segStart[s] - 1] = true; // the segment check
            // in a region the back-edge re-enters the block; everything live at the end stays correct
            liveAfter = Liveness.liveAfter(insns, opaque, exitAfter);
        }

        /**
         * How many of {@code all} to compile into this method: at most {@link #MEM_OPS_PER_METHOD}
         * inline memory accesses. Each inline access costs several hundred bytecodes of HotSpot's
         * inlining budget for one compiled method (the MMU fast path with its VarHandle access);
         * past the budget the accesses become out-of-line calls, which cost more than ending the
         * translation there and dispatching the rest as the next one.
         */
        static int methodCut(Instruction[] all) {
            int mem = 0;
            for (int k = 0; k < all.length; k++) {
                Instruction i = all[k];
                if (!InsnTraits.inlinable(i)) continue;
                boolean touches = i.hasMemoryOperand() || switch (i.mnemonic) {
                    case PUSH, POP, CALL, RET -> true;
                    default -> false;
                };
                // a run of pushes or pops is one access (see emitStackRun)
                if (touches && k > 0 && stackKind(i) != 0 && stackKind(all[k - 1]) == stackKind(i)) touches = false;
                if (touches && ++mem > MEM_OPS_PER_METHOD && k > 0) return k;
            }
            return all.length;
        }

        /** Whether instruction {@code k} starts segment 1, 2, ... (returns its index, else 0). */
        int segmentAt(int k) {
            for (int s = 1; s < segStart.length; s++) if (segStart[s] == k) return s;
            return 0;
        }

        int temp() {
            int t = nextTemp;
            nextTemp += 2;
            maxTemp = Math.max(maxTemp, nextTemp);
            return t;
        }

        /** Local slot of each cached register (packed: fewer locals make verification cheaper), -1 if not cached. */
        final int[] regSlot = {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1};

        int slot(int reg) {
            int s = regSlot[reg];
            if (s < 0) throw new IllegalStateException("register " + reg + " is not held in a local");
            return s;
        }

        /** The class being generated. */
        String name;
        FrameWriter frames;

        byte[] generate() {
            name = "dev/lstar/translator/Block_" + Long.toHexString(b.la) + "_" + SEQ.incrementAndGet();
            ClassWriter cw = newClass(name);
            emitMethod(cw, ACC_PUBLIC | ACC_FINAL, "run", "(L" + CPU + ";J)J");
            if (hooked) hookConstants(cw);
            cw.visitEnd();
            return cw.toByteArray();
        }

        /** Instructions whose object hooked code reads from a static constant. */
        final java.util.BitSet staticInsns = new java.util.BitSet();

        /**
         * Hooked code calls the hook helpers with the hook site and the instruction as arguments
         * on every instruction; as static finals (set by {@code <clinit>} from the class data
         * {@code {site, insns}}) HotSpot treats them as constants and folds what the helpers read
         * from them (about 2 ns per hook call against instance fields). Only hooked classes pay
         * for the initialiser.
         */
        private void hookConstants(ClassWriter cw) {
            cw.visitField(ACC_PRIVATE | ACC_STATIC | ACC_FINAL, "site", "L" + SITE + ";", null, null).visitEnd();
            MethodVisitor c = cw.visitMethod(ACC_STATIC, "<clinit>", "()V", null, null);
            c.visitCode();
            c.visitMethodInsn(INVOKESTATIC, "java/lang/invoke/MethodHandles", "lookup", "()Ljava/lang/invoke/MethodHandles$Lookup;", false);
            c.visitLdcInsn("_");
            c.visitLdcInsn(org.objectweb.asm.Type.getType("[Ljava/lang/Object;"));
            c.visitMethodInsn(INVOKESTATIC, "java/lang/invoke/MethodHandles", "classData",
                    "(Ljava/lang/invoke/MethodHandles$Lookup;Ljava/lang/String;Ljava/lang/Class;)Ljava/lang/Object;", false);
            c.visitTypeInsn(CHECKCAST, "[Ljava/lang/Object;");
            c.visitVarInsn(ASTORE, 0);
            c.visitVarInsn(ALOAD, 0);
            c.visitInsn(ICONST_0);
            c.visitInsn(AALOAD);
            c.visitTypeInsn(CHECKCAST, SITE);
            c.visitFieldInsn(PUTSTATIC, name, "site", "L" + SITE + ";");
            c.visitVarInsn(ALOAD, 0);
            c.visitInsn(ICONST_1);
            c.visitInsn(AALOAD);
            c.visitTypeInsn(CHECKCAST, "[L" + INSN + ";");
            c.visitVarInsn(ASTORE, 1);
            for (int k = staticInsns.nextSetBit(0); k >= 0; k = staticInsns.nextSetBit(k + 1)) {
                cw.visitField(ACC_PRIVATE | ACC_STATIC | ACC_FINAL, "i" + k, "L" + INSN + ";", null, null).visitEnd();
                c.visitVarInsn(ALOAD, 1);
                iconst(c, k);
                c.visitInsn(AALOAD);
                c.visitFieldInsn(PUTSTATIC, name, "i" + k, "L" + INSN + ";");
            }
            c.visitInsn(RETURN);
            c.visitMaxs(0, 0);
            c.visitEnd();
        }

        static void iconst(MethodVisitor m, int v) {
            if (v >= -1 && v <= 5) m.visitInsn(ICONST_0 + v);
            else if (v >= Byte.MIN_VALUE && v <= Byte.MAX_VALUE) m.visitIntInsn(BIPUSH, v);
            else if (v >= Short.MIN_VALUE && v <= Short.MAX_VALUE) m.visitIntInsn(SIPUSH, v);
            else m.visitLdcInsn(v);
        }

        /** A class extending {@link CompiledBlock}, with its constructor. */
        static ClassWriter newClass(String name) {
            ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_MAXS); // frames: FrameWriter
            cw.visit(V21, ACC_PUBLIC | ACC_FINAL | ACC_SUPER, name, null, BASE, null);
            MethodVisitor init = cw.visitMethod(ACC_PUBLIC, "<init>", "()V", null, null);
            init.visitCode();
            init.visitVarInsn(ALOAD, 0);
            init.visitMethodInsn(INVOKESPECIAL, BASE, "<init>", "()V", false);
            init.visitInsn(RETURN);
            init.visitMaxs(0, 0);
            init.visitEnd();
            return cw;
        }

        /**
         * Emits the block's code as method {@code method} of class {@link #name}: an instance
         * method {@code (Cpu, long)}, or a static one taking the instance first (the locals are the
         * same: 0 the instance, 1 the CPU, 2 the limit).
         */
        void emitMethod(ClassWriter cw, int access, String method, String desc) {
            frames = new FrameWriter(cw.visitMethod(access, method, desc, null, null),
                    (access & ACC_STATIC) != 0 ? BASE : name, new Object[] {CPU, LONG});
            frames.declare(L_MMU, MMU);
            frames.declare(L_R, "[J");
            frames.declare(L_FRAME, "[B");
            mv = frames;
            mv.visitCode();
            body();
            Label end = new Label();
            mv.visitLabel(end);
            mv.visitMaxs(0, 0);
            mv.visitEnd();
            codeSize = end.getOffset();
        }

        // ---------------------------------------------------------------- body

        void body() {
            // which registers the inline instructions touch
            for (int k = 0; k < insns.length; k++) if (inline[k]) cached |= InsnTraits.regsOf(insns[k]);
            int next = L_REG0;
            for (int r = 0; r < 16; r++) {
                regSlot[r] = (cached & (1 << r)) != 0 ? next : -1;
                if (regSlot[r] >= 0) next += 2;
            }
            nextTemp = maxTemp = next;
            tW = temp();
            tempBase = pinnedTop = nextTemp;
            // prologue
            mv.visitVarInsn(ALOAD, L_CPU);
            mv.visitFieldInsn(GETFIELD, CPU, "mmu", "L" + MMU + ";");
            mv.visitVarInsn(ASTORE, L_MMU);
            mv.visitVarInsn(ALOAD, L_CPU);
            mv.visitFieldInsn(GETFIELD, CPU, "r", "[J");
            mv.visitVarInsn(ASTORE, L_R);
            iconst(0);
            mv.visitVarInsn(ISTORE, L_AT);
            mv.visitInsn(LCONST_0);
            mv.visitVarInsn(LSTORE, L_DONE);
            reloadAll();
            if (hooked) saveBase();
            if (region) dirty = cached; // the back-edge arrives with any of them written
            Label tryStart = new Label(), tryEnd = new Label(), handler = new Label();
            mv.visitTryCatchBlock(tryStart, tryEnd, handler, CPUEX);
            Label loopHead = new Label();
            if (region) frames.loopHead(loopHead);
            mv.visitLabel(tryStart);
            mv.visitLabel(loopHead);
            int n = insns.length;
            for (int k = 0; k < n; k++) {
                int run = hooked ? 0 : stackRun(k);
                if (run > 1) {
                    emitStackRun(k, run, loopHead);
                    k += run - 1;
                    continue;
                }
                if (emitInstruction(k, loopHead)) break;
            }
            nextTemp = maxTemp;
            mv.visitLabel(tryEnd);
            // handler: precise state, rethrow
            mv.visitLabel(handler);
            int exc = nextTemp++;
            frames.declare(exc, CPUEX);
            mv.visitVarInsn(ASTORE, exc);
            Label fromFallback = new Label();
            mv.visitVarInsn(ILOAD, L_AT);
            mv.visitJumpInsn(IFLT, fromFallback);
            if (!hooked) spill(cached); // hooked: cpu.r is already exact (see HookedCode)
            mv.visitLabel(fromFallback);
            if (hooked) restoreBase();
            if (region) {
                mv.visitVarInsn(ALOAD, L_CPU);
                mv.visitInsn(DUP);
                mv.visitFieldInsn(GETFIELD, CPU, "instructions", "J");
                mv.visitVarInsn(LLOAD, L_DONE);
                mv.visitInsn(LADD);
                mv.visitFieldInsn(PUTFIELD, CPU, "instructions", "J");
            }
            mv.visitVarInsn(ALOAD, L_CPU);
            field("addrs", "[J");
            mv.visitVarInsn(ILOAD, L_AT);
            mv.visitMethodInsn(INVOKESTATIC, RT, "fault", "(L" + CPU + ";[JI)V", false);
            mv.visitVarInsn(ALOAD, exc);
            mv.visitInsn(ATHROW);
        }

        /** Emits instruction {@code k} (its checks, hooks, inline code or fallback); true if it left the method. */
        boolean emitInstruction(int k, Label loopHead) {
            int n = insns.length;
            Instruction i = insns[k];
            boolean producer = inline[k] && producesKnown(k, i);
            nextTemp = producer || knownKind == K_NONE ? tempBase : pinnedTop;
            int seq = knownSeq;
            int seg = segmentAt(k);
            if (seg > 0) segmentCheck(seg, k);
            if (hooked) hookBefore(k, i);
            if (inline[k]) {
                inlined++;
                if (InsnTraits.mayFault(i)) { iconst(k); mv.visitVarInsn(ISTORE, L_AT); }
                boolean exited = emitInline(k, i, loopHead);
                if (exited) {
                    if (k != n - 1) throw new IllegalStateException("block continues after a branch");
                    return true;
                }
                if (k == n - 1) {
                    exit(() -> lconst(i.next()), n);
                } else if (InsnTraits.writesMemory(i)) {
                    validCheck(i.next(), k + 1);
                }
                if (k != n - 1 && i.mnemonic == Mnemonic.MOV_TO_CR) fetchCheck(k + 1);
            } else {
                fallbacks++;
                emitFallback(k, i);
            }
            if (hooked && k < n - 1) hookAfter(k);
            if (knownSeq != seq) pinnedTop = nextTemp;
            return false;
        }

        // ---------------------------------------------------------------- runs of pushes and pops

        /**
         * How many instructions from {@code k} form a stack run (0 if none): consecutive 64-bit
         * PUSHes of a register other than RSP or an immediate, or consecutive 64-bit POPs to a
         * register other than RSP, inline-translated, inside one superblock segment and before
         * the method's last instruction.
         */
        int stackRun(int k) {
            int kind = stackKind(k);
            if (kind == 0) return 0;
            int m = 1;
            while (k + m < insns.length - 1 && stackKind(k + m) == kind && segmentAt(k + m) == 0) m++;
            return k + m <= insns.length - 1 ? m : m - 1;
        }

        private int stackKind(int k) {
            if (!inline[k]) return 0;
            return stackKind(insns[k]);
        }

        /** 1: a PUSH a run can hold, 2: such a POP, 0: neither. */
        static int stackKind(Instruction i) {
            if (i.opSize != 8 || (i.prefixes & ~(Instruction.P_REX | Instruction.P_REXW)) != 0) return 0;
            if (i.mnemonic == Mnemonic.PUSH) {
                if (i.kind[0] == Instruction.OP_IMM) return 1;
                return i.kind[0] == Instruction.OP_REG && i.reg[0] != 4 ? 1 : 0;
            }
            if (i.mnemonic == Mnemonic.POP) return i.kind[0] == Instruction.OP_REG && i.reg[0] != 4 ? 2 : 0;
            return 0;
        }

        /**
         * A run of {@code m} pushes or pops from instruction {@code k}: when the whole run lies in
         * one page that the MMU's fast path holds for this access (for writes that also means the
         * frame holds no code and no snapshot or watch needs to see the stores), the values go
         * straight to the frame's array with one look-up and no per-instruction checks (no fault
         * is possible, and no write can hit translated code); otherwise the instructions run one
         * by one as usual (precise faults, self-modifying-code checks). HotSpot turns the
         * never-taken slow path into a trap, so the run costs one memory access of the method's
         * inlining budget ({@link Gen#methodCut}).
         */
        void emitStackRun(int k, int m, Label loopHead) {
            boolean push = insns[k].mnemonic == Mnemonic.PUSH;
            int saveDirty = dirty;
            nextTemp = knownKind == K_NONE ? tempBase : pinnedTop;
            int base = temp();
            Label slow = new Label(), done = new Label();
            // base: the lowest address of the run
            mv.visitVarInsn(LLOAD, slot(4));
            if (push) {
                lconst(8L * m);
                mv.visitInsn(LSUB);
            }
            mv.visitVarInsn(LSTORE, base);
            mv.visitVarInsn(ALOAD, L_MMU);
            mv.visitVarInsn(LLOAD, base);
            mv.visitMethodInsn(INVOKEVIRTUAL, MMU, push ? "writeFrame" : "readFrame", "(J)[B", false);
            mv.visitVarInsn(ASTORE, L_FRAME);
            mv.visitVarInsn(ALOAD, L_FRAME);
            mv.visitJumpInsn(IFNULL, slow);
            // the run's last byte in the same page (also rules out wrapping)
            mv.visitVarInsn(LLOAD, base);
            lconst(8L * m - 1);
            mv.visitInsn(LADD);
            mv.visitVarInsn(LLOAD, base);
            mv.visitInsn(LXOR);
            lconst(~0xFFFL);
            mv.visitInsn(LAND);
            lconst(0);
            mv.visitInsn(LCMP);
            mv.visitJumpInsn(IFNE, slow);
            mv.visitVarInsn(LLOAD, base);
            mv.visitInsn(L2I);
            iconst(0xFFF);
            mv.visitInsn(IAND);
            mv.visitVarInsn(ISTORE, L_OFF);
            for (int j = 0; j < m; j++) {
                Instruction i = insns[k + j];
                inlined++;
                mv.visitVarInsn(ALOAD, L_FRAME);
                mv.visitVarInsn(ILOAD, L_OFF);
                iconst(push ? 8 * (m - 1 - j) : 8 * j);
                mv.visitInsn(IADD);
                if (push) {
                    read(i, 0, -1);
                    mv.visitMethodInsn(INVOKESTATIC, RT, "put64", "([BIJ)V", false);
                } else {
                    mv.visitMethodInsn(INVOKESTATIC, RT, "get64", "([BI)J", false);
                    writeReg(i.reg[0], 8);
                }
            }
            mv.visitVarInsn(LLOAD, base);
            if (!push) {
                lconst(8L * m);
                mv.visitInsn(LADD);
            }
            mv.visitVarInsn(LSTORE, slot(4));
            dirty |= 1 << 4;
            int fastDirty = dirty;
            mv.visitJumpInsn(GOTO, done);
            mv.visitLabel(slow);
            dirty = saveDirty;
            inlined -= m; // counted again by the one-by-one path
            for (int j = 0; j < m; j++) {
                if (emitInstruction(k + j, loopHead)) throw new IllegalStateException("a push or pop left the method");
            }
            dirty |= fastDirty;
            mv.visitLabel(done);
        }

        // ---------------------------------------------------------------- exits and spills

        void spill(int regs) {
            for (int r = 0; r < 16; r++) {
                if ((regs & (1 << r)) == 0) continue;
                mv.visitVarInsn(ALOAD, L_R);
                iconst(r);
                mv.visitVarInsn(LLOAD, slot(r));
                mv.visitInsn(LASTORE);
            }
        }

        void reloadAll() {
            for (int r = 0; r < 16; r++) {
                if ((cached & (1 << r)) == 0) continue;
                mv.visitVarInsn(ALOAD, L_R);
                iconst(r);
                mv.visitInsn(LALOAD);
                mv.visitVarInsn(LSTORE, slot(r));
            }
            dirty = 0;
        }

        /** Leaves the block: stores dirty registers, RIP and the retired count, returns RIP. */
        void exit(Runnable pushRip, int retired) {
            spill(dirty & cached);
            mv.visitVarInsn(ALOAD, L_CPU);
            pushRip.run();
            mv.visitFieldInsn(PUTFIELD, CPU, "rip", "J");
            mv.visitVarInsn(ALOAD, L_CPU);
            mv.visitInsn(DUP);
            mv.visitFieldInsn(GETFIELD, CPU, "instructions", "J");
            lconst(retired);
            mv.visitInsn(LADD);
            if (region) {
                mv.visitVarInsn(LLOAD, L_DONE);
                mv.visitInsn(LADD);
            }
            mv.visitFieldInsn(PUTFIELD, CPU, "instructions", "J");
            if (hooked) {
                exitAfterHook();
                return;
            }
            pushRip.run();
            mv.visitInsn(LRETURN);
        }

        /** After a memory write: if the block's code was overwritten, leave at the next instruction. */
        void validCheck(long next, int retired) {
            if (hooked) return; // JitRt.hookBefore checks before the next instruction (the last one exits anyway)
            Label ok = new Label();
            field("block", "L" + BLOCK + ";");
            mv.visitFieldInsn(GETFIELD, BLOCK, "valid", "Z");
            mv.visitJumpInsn(IFNE, ok);
            int saveDirty = dirty;
            exit(() -> lconst(next), retired);
            dirty = saveDirty;
            mv.visitLabel(ok);
        }

        void emitFallback(int k, Instruction i) {
            int n = insns.length;
            spill(dirty & cached);
            dirty = 0;
            iconst(~k);
            mv.visitVarInsn(ISTORE, L_AT);
            mv.visitVarInsn(ALOAD, L_CPU);
            insn(k);
            mv.visitMethodInsn(INVOKESTATIC, RT, "exec", "(L" + CPU + ";L" + INSN + ";)J", false);
            int t = temp();
            mv.visitVarInsn(LSTORE, t);
            reloadAll();
            knownKind = K_NONE;
            Label fall = new Label();
            mv.visitVarInsn(LLOAD, t);
            lconst(Exec.FALLTHROUGH);
            mv.visitInsn(LCMP);
            mv.visitJumpInsn(IFEQ, fall);
            exit(() -> mv.visitVarInsn(LLOAD, t), k + 1);
            mv.visitLabel(fall);
            if (k == n - 1) {
                exit(() -> lconst(i.next()), n);
            } else {
                validCheck(i.next(), k + 1);
                if (i.mnemonic == Mnemonic.MOV_TO_CR) fetchCheck(k + 1);
            }
        }

        /**
         * Entry of superblock segment {@code s} (instruction {@code k}): if its block was dropped
         * (hooks changed, code written) leave to its first instruction for a fresh look-up.
         */
        void segmentCheck(int s, int k) {
            Label ok = new Label();
            field("segs", "[L" + BLOCK + ";");
            iconst(s);
            mv.visitInsn(AALOAD);
            mv.visitFieldInsn(GETFIELD, BLOCK, "valid", "Z");
            mv.visitJumpInsn(IFNE, ok);
            int saveDirty = dirty;
            long at = insns[k].address;
            exit(() -> lconst(at), k);
            dirty = saveDirty;
            mv.visitLabel(ok);
        }

        /**
         * After a MOV to CR3 inside a superblock: the rest of the superblock lies in the same
         * linear page; go on only if that page still maps to the same frame for execution,
         * else leave to instruction {@code k} (the engine's look-up then fetches it properly).
         */
        void fetchCheck(int k) {
            Label ok = new Label();
            long at = insns[k].address;
            mv.visitVarInsn(ALOAD, L_MMU);
            lconst(at);
            lconst(b.pa + (at - b.la));
            mv.visitMethodInsn(INVOKESTATIC, RT, "sameCode", "(L" + MMU + ";JJ)Z", false);
            mv.visitJumpInsn(IFNE, ok);
            int saveDirty = dirty;
            exit(() -> lconst(at), k);
            dirty = saveDirty;
            mv.visitLabel(ok);
        }

        // ---------------------------------------------------------------- operands

        void iconst(int v) {
            iconst(mv, v);
        }

        void lconst(long v) {
            if (v == 0) mv.visitInsn(LCONST_0);
            else if (v == 1) mv.visitInsn(LCONST_1);
            else mv.visitLdcInsn(v);
        }

        /** Pushes one of the {@link CompiledBlock} fields the code refers to. */
        void field(String f, String desc) {
            mv.visitVarInsn(ALOAD, L_THIS);
            mv.visitFieldInsn(GETFIELD, BASE, f, desc);
        }

        /** Pushes instruction {@code k}'s {@link Instruction} object. */
        void insn(int k) {
            if (hooked) {
                staticInsns.set(k);
                mv.visitFieldInsn(GETSTATIC, name, "i" + k, "L" + INSN + ";");
                return;
            }
            field("insns", "[L" + INSN + ";");
            iconst(k);
            mv.visitInsn(AALOAD);
        }

        /** Truncates the long on the stack to {@code size} bytes (zero-extended). */
        void mask(int size) {
            switch (size) {
                case 8 -> { }
                case 4 -> { lconst(0xFFFF_FFFFL); mv.visitInsn(LAND); }
                case 2 -> { lconst(0xFFFFL); mv.visitInsn(LAND); }
                default -> { lconst(0xFFL); mv.visitInsn(LAND); }
            }
        }

        /** Sign-extends the low {@code size} bytes of the long on the stack. */
        void sext(int size) {
            if (size == 8) return;
            int sh = 64 - size * 8;
            iconst(sh);
            mv.visitInsn(LSHL);
            iconst(sh);
            mv.visitInsn(LSHR);
        }

        void readReg(int reg, int size) {
            if (reg >= 16) {
                mv.visitVarInsn(LLOAD, slot(reg - 16));
                iconst(8);
                mv.visitInsn(LUSHR);
                mask(1);
            } else {
                mv.visitVarInsn(LLOAD, slot(reg));
                mask(size);
            }
        }

        /** Writes the long on the stack to a register with the x86-64 partial-register rules (SDM Vol. 1 §3.4.1.1). */
        void writeReg(int reg, int size) {
            int r = reg >= 16 ? reg - 16 : reg;
            switch (size) {
                case 8 -> mv.visitVarInsn(LSTORE, slot(r));
                case 4 -> { mask(4); mv.visitVarInsn(LSTORE, slot(r)); }
                default -> {
                    long m = size == 2 ? 0xFFFFL : 0xFFL;
                    int shift = reg >= 16 ? 8 : 0;
                    mask(size);
                    if (shift != 0) { iconst(shift); mv.visitInsn(LSHL); }
                    mv.visitVarInsn(LSTORE, tW);
                    mv.visitVarInsn(LLOAD, slot(r));
                    lconst(~(m << shift));
                    mv.visitInsn(LAND);
                    mv.visitVarInsn(LLOAD, tW);
                    mv.visitInsn(LOR);
                    mv.visitVarInsn(LSTORE, slot(r));
                }
            }
            dirty |= 1 << r;
        }

        /** Pushes the effective address (no segment base, no canonical check), truncated to the address size. */
        void effectiveAddress(Instruction i) {
            boolean any = false;
            if (i.base >= 0 && i.base != Instruction.BASE_RIP) {
                mv.visitVarInsn(LLOAD, slot(i.base));
                any = true;
            }
            if (i.index >= 0) {
                mv.visitVarInsn(LLOAD, slot(i.index));
                if (i.scale != 0) { iconst(i.scale); mv.visitInsn(LSHL); }
                if (any) mv.visitInsn(LADD);
                any = true;
            }
            if (!any) {
                lconst(i.disp);
            } else if (i.disp != 0) {
                lconst(i.disp);
                mv.visitInsn(LADD);
            }
            if (i.addrSize == 4) mask(4);
        }

        /** Pushes the canonical-checked linear address of the memory operand (as Operands.linear). */
        void linear(Instruction i) {
            mv.visitVarInsn(ALOAD, L_CPU);
            effectiveAddress(i);
            if (i.segment == Instruction.SEG_FS || i.segment == Instruction.SEG_GS) {
                mv.visitVarInsn(ALOAD, L_CPU);
                mv.visitFieldInsn(GETFIELD, CPU, "segBase", "[J");
                iconst(i.segment);
                mv.visitInsn(LALOAD);
                mv.visitInsn(LADD);
            }
            iconst(Operands.isStackReference(i) ? 1 : 0);
            mv.visitMethodInsn(INVOKESTATIC, RT, "canon", "(L" + CPU + ";JZ)J", false);
        }

        /** Stack: mmu, la -> value (zero-extended long). */
        void memRead(int size) {
            switch (size) {
                case 8 -> mv.visitMethodInsn(INVOKEVIRTUAL, MMU, "read64", "(J)J", false);
                case 4 -> { mv.visitMethodInsn(INVOKEVIRTUAL, MMU, "read32", "(J)I", false); mv.visitInsn(I2L); mask(4); }
                case 2 -> { mv.visitMethodInsn(INVOKEVIRTUAL, MMU, "read16", "(J)I", false); mv.visitInsn(I2L); }
                default -> { mv.visitMethodInsn(INVOKEVIRTUAL, MMU, "read8", "(J)I", false); mv.visitInsn(I2L); }
            }
        }

        /** Stack: mmu, la, value(long) -> . */
        void memWrite(int size) {
            switch (size) {
                case 8 -> mv.visitMethodInsn(INVOKEVIRTUAL, MMU, "write64", "(JJ)V", false);
                case 4 -> { mv.visitInsn(L2I); mv.visitMethodInsn(INVOKEVIRTUAL, MMU, "write32", "(JI)V", false); }
                case 2 -> { mv.visitInsn(L2I); mv.visitMethodInsn(INVOKEVIRTUAL, MMU, "write16", "(JI)V", false); }
                default -> { mv.visitInsn(L2I); mv.visitMethodInsn(INVOKEVIRTUAL, MMU, "write8", "(JI)V", false); }
            }
        }

        /**
         * Pushes operand {@code n} zero-extended from its size (as Operands.read). For a memory
         * operand, {@code laTemp} >= 0 holds the linear address already computed.
         */
        void read(Instruction i, int n, int laTemp) {
            switch (i.kind[n]) {
                case Instruction.OP_REG -> readReg(i.reg[n], i.size[n]);
                case Instruction.OP_MEM -> {
                    mv.visitVarInsn(ALOAD, L_MMU);
                    if (laTemp >= 0) mv.visitVarInsn(LLOAD, laTemp);
                    else linear(i);
                    memRead(i.size[n]);
                }
                case Instruction.OP_IMM -> {
                    long v = n > 0 && i.kind[n - 1] == Instruction.OP_IMM ? i.imm2 : i.imm;
                    lconst(Operands.mask(v, i.opSize));
                }
                default -> throw new IllegalStateException("operand " + n + " of " + i + " is not readable");
            }
        }

        /** Computes the linear address of {@code i}'s memory operand into a new temp. */
        int linearToTemp(Instruction i) {
            int t = temp();
            linear(i);
            mv.visitVarInsn(LSTORE, t);
            return t;
        }

        /** Writes the long in {@code valTemp} to operand 0 (register or memory at laTemp). */
        void writeOp0(Instruction i, int valTemp, int laTemp) {
            if (i.kind[0] == Instruction.OP_REG) {
                mv.visitVarInsn(LLOAD, valTemp);
                writeReg(i.reg[0], i.size[0]);
            } else {
                mv.visitVarInsn(ALOAD, L_MMU);
                mv.visitVarInsn(LLOAD, laTemp);
                mv.visitVarInsn(LLOAD, valTemp);
                memWrite(i.size[0]);
            }
        }

        // ---------------------------------------------------------------- conditions

        /** Pushes an int 0/1: condition {@code cc} on the current flags. */
        void cond(int cc) {
            int sz = knownSize;
            switch (knownKind) {
                case K_SUB -> {
                    mv.visitVarInsn(LLOAD, knownA); mask(sz);
                    mv.visitVarInsn(LLOAD, knownB); mask(sz);
                    mv.visitVarInsn(LLOAD, knownRes);
                    iconst(sz);
                    iconst(cc);
                    mv.visitMethodInsn(INVOKESTATIC, LAZY, "condSub", "(JJJII)Z", false);
                    return;
                }
                case K_LOGIC -> {
                    mv.visitVarInsn(LLOAD, knownRes);
                    iconst(sz);
                    iconst(cc);
                    mv.visitMethodInsn(INVOKESTATIC, LAZY, "condLogic", "(JII)Z", false);
                    return;
                }
                case K_ADD, K_INCDEC -> {
                    if ((cc >> 1) == 2 || (cc >> 1) == 4) {
                        // ZF / SF come straight from the (truncated) result
                        Label t = new Label(), done = new Label();
                        mv.visitVarInsn(LLOAD, knownRes);
                        if ((cc >> 1) == 2) {
                            lconst(0);
                            mv.visitInsn(LCMP);
                            mv.visitJumpInsn((cc & 1) == 0 ? IFEQ : IFNE, t);
                        } else {
                            iconst(64 - sz * 8);
                            mv.visitInsn(LSHL);
                            lconst(0);
                            mv.visitInsn(LCMP);
                            mv.visitJumpInsn((cc & 1) == 0 ? IFLT : IFGE, t);
                        }
                        // through an int local: jumps carry no operand stack (see FrameWriter)
                        iconst(0);
                        mv.visitVarInsn(ISTORE, L_CC);
                        mv.visitJumpInsn(GOTO, done);
                        mv.visitLabel(t);
                        iconst(1);
                        mv.visitVarInsn(ISTORE, L_CC);
                        mv.visitLabel(done);
                        mv.visitVarInsn(ILOAD, L_CC);
                        return;
                    }
                }
                default -> { }
            }
            mv.visitVarInsn(ALOAD, L_CPU);
            iconst(cc);
            mv.visitMethodInsn(INVOKESTATIC, LAZY, "cond", "(L" + CPU + ";I)Z", false);
        }

        // ---------------------------------------------------------------- instructions

        /** Whether instruction k will set {@code knownA/B/Res} (see {@link #binary}, {@link #unary}). */
        boolean producesKnown(int k, Instruction i) {
            return switch (i.mnemonic) {
                case ADD, SUB, AND, OR, XOR, CMP, TEST, INC, DEC, NEG -> live(k, i);
                default -> false;
            };
        }

        boolean live(int k, Instruction i) {
            return (liveAfter[k] & i.flagsWritten & Liveness.ALL) != 0;
        }

        /** Emits instruction k; returns true if it ended the block (emitted its own exits). */
        boolean emitInline(int k, Instruction i, Label loopHead) {
            int size = i.opSize;
            if (SysInline.handles(i)) return SysInline.emit(this, k, i);
            switch (i.mnemonic) {
                case NOP, ENDBR64, PAUSE -> { }
                case MOV, MOVZX -> {
                    if (i.kind[0] == Instruction.OP_REG) {
                        read(i, 1, -1);
                        writeReg(i.reg[0], i.size[0]);
                    } else {
                        mv.visitVarInsn(ALOAD, L_MMU);
                        linear(i);
                        read(i, 1, -1);
                        memWrite(i.size[0]);
                    }
                }
                case MOVSX, MOVSXD -> {
                    read(i, 1, -1);
                    sext(i.size[1]);
                    writeReg(i.reg[0], size);
                }
                case LEA -> {
                    effectiveAddress(i);
                    writeReg(i.reg[0], size);
                }
                case ADD, SUB, AND, OR, XOR, CMP, TEST -> binary(k, i);
                case INC, DEC, NEG, NOT -> unary(k, i);
                case SHL, SHR, SAR -> shift(k, i);
                case IMUL -> {
                    int a = i.nOperands == 2 ? 0 : 1;
                    boolean lv = live(k, i);
                    if (lv) mv.visitVarInsn(ALOAD, L_CPU);
                    read(i, a, -1);
                    read(i, a + 1, -1);
                    if (lv) {
                        iconst(size);
                        mv.visitMethodInsn(INVOKESTATIC, MULDIV, "imul", "(L" + CPU + ";JJI)J", false);
                        knownKind = K_NONE;
                    } else {
                        mv.visitInsn(LMUL);
                    }
                    writeReg(i.reg[0], size);
                }
                case CMOVCC -> {
                    int v = temp();
                    read(i, 1, -1); // read whatever the condition (SDM CMOVcc)
                    mv.visitVarInsn(LSTORE, v);
                    Label no = new Label(), done = new Label();
                    cond(i.cond);
                    mv.visitJumpInsn(IFEQ, no);
                    mv.visitVarInsn(LLOAD, v);
                    writeReg(i.reg[0], size);
                    mv.visitJumpInsn(GOTO, done);
                    mv.visitLabel(no);
                    if (size == 4) { // the 32-bit form zero-extends even when the condition is false
                        readReg(i.reg[0], 4);
                        writeReg(i.reg[0], 4);
                    }
                    mv.visitLabel(done);
                    dirty |= 1 << i.reg[0];
                }
                case SETCC -> {
                    int v = temp();
                    int la = i.kind[0] == Instruction.OP_MEM ? linearToTemp(i) : -1;
                    cond(i.cond);
                    mv.visitInsn(I2L);
                    mv.visitVarInsn(LSTORE, v);
                    writeOp0(i, v, la);
                }
                case PUSH -> {
                    int v = temp();
                    read(i, 0, -1);
                    mv.visitVarInsn(LSTORE, v);
                    push(v, size);
                }
                case POP -> {
                    int sp = temp(), v = temp();
                    mv.visitVarInsn(ALOAD, L_CPU);
                    mv.visitVarInsn(LLOAD, slot(4));
                    mv.visitMethodInsn(INVOKESTATIC, RT, "stack", "(L" + CPU + ";J)J", false);
                    mv.visitVarInsn(LSTORE, sp);
                    mv.visitVarInsn(ALOAD, L_MMU);
                    mv.visitVarInsn(LLOAD, sp);
                    memRead(size);
                    mv.visitVarInsn(LSTORE, v);
                    mv.visitVarInsn(LLOAD, sp);
                    lconst(size);
                    mv.visitInsn(LADD);
                    mv.visitVarInsn(LSTORE, slot(4));
                    dirty |= 1 << 4;
                    mv.visitVarInsn(LLOAD, v);
                    writeReg(i.reg[0], size);
                }
                case CALL -> {
                    int t = branchTarget(i);
                    int ret = temp();
                    lconst(i.next());
                    mv.visitVarInsn(LSTORE, ret);
                    push(ret, size);
                    exitTo(t, k + 1, loopHead);
                    return true;
                }
                case JMP -> {
                    if (k != insns.length - 1) {
                        // a superblock continues at the target (same page, so canonical): nothing to do
                        if (i.kind[0] != Instruction.OP_REL || insns[k + 1].address != i.target) { // see continuation()
                            throw new IllegalStateException("superblock continues past a jump elsewhere");
                        }
                        return false;
                    }
                    int t = branchTarget(i);
                    exitTo(t, k + 1, loopHead);
                    return true;
                }
                case RET -> {
                    int sp = temp(), t = temp();
                    mv.visitVarInsn(ALOAD, L_CPU);
                    mv.visitVarInsn(LLOAD, slot(4));
                    mv.visitMethodInsn(INVOKESTATIC, RT, "stack", "(L" + CPU + ";J)J", false);
                    mv.visitVarInsn(LSTORE, sp);
                    mv.visitVarInsn(ALOAD, L_CPU);
                    mv.visitVarInsn(ALOAD, L_MMU);
                    mv.visitVarInsn(LLOAD, sp);
                    memRead(size);
                    mv.visitMethodInsn(INVOKESTATIC, RT, "branch", "(L" + CPU + ";J)J", false);
                    mv.visitVarInsn(LSTORE, t);
                    mv.visitVarInsn(LLOAD, sp);
                    lconst(size + (i.nOperands > 0 ? (i.imm & 0xFFFF) : 0));
                    mv.visitInsn(LADD);
                    mv.visitVarInsn(LSTORE, slot(4));
                    dirty |= 1 << 4;
                    exit(() -> mv.visitVarInsn(LLOAD, t), k + 1);
                    return true;
                }
                case JCC -> {
                    if (k != insns.length - 1 && insns[k + 1].address == i.target && i.target != i.next()) {
                        // a superblock goes on with the taken path: the fall-through is the side exit
                        Label taken = new Label();
                        cond(i.cond);
                        mv.visitJumpInsn(IFNE, taken);
                        int saveDirty = dirty;
                        exit(() -> lconst(i.next()), k + 1);
                        dirty = saveDirty;
                        mv.visitLabel(taken);
                        return false;
                    }
                    Label no = new Label();
                    cond(i.cond);
                    mv.visitJumpInsn(IFEQ, no);
                    int saveDirty = dirty;
                    int t = temp();
                    lconst(i.target); // Exec does not check a Jcc target; the fetch at the target faults
                    mv.visitVarInsn(LSTORE, t);
                    exitTo(t, k + 1, loopHead);
                    dirty = saveDirty;
                    mv.visitLabel(no);
                    if (k != insns.length - 1) { // a superblock goes on with the fall-through
                        if (insns[k + 1].address != i.next()) throw new IllegalStateException("superblock continues elsewhere after a Jcc");
                        return false;
                    }
                    exit(() -> lconst(i.next()), k + 1);
                    return true;
                }
                default -> throw new IllegalStateException("not inlinable: " + i);
            }
            return false;
        }

        /** Pushes the value in temp {@code v} (size bytes) like Operands.push: write first, then RSP. */
        void push(int v, int size) {
            int sp = temp();
            mv.visitVarInsn(ALOAD, L_CPU);
            mv.visitVarInsn(LLOAD, slot(4));
            lconst(size);
            mv.visitInsn(LSUB);
            mv.visitMethodInsn(INVOKESTATIC, RT, "stack", "(L" + CPU + ";J)J", false);
            mv.visitVarInsn(LSTORE, sp);
            mv.visitVarInsn(ALOAD, L_MMU);
            mv.visitVarInsn(LLOAD, sp);
            mv.visitVarInsn(LLOAD, v);
            memWrite(size);
            mv.visitVarInsn(LLOAD, sp);
            mv.visitVarInsn(LSTORE, slot(4));
            dirty |= 1 << 4;
        }

        /** Computes a JMP/CALL target (canonical-checked, as Exec's branchTarget) into a temp. */
        int branchTarget(Instruction i) {
            int t = temp();
            mv.visitVarInsn(ALOAD, L_CPU);
            if (i.kind[0] == Instruction.OP_REL) lconst(i.target);
            else read(i, 0, -1);
            mv.visitMethodInsn(INVOKESTATIC, RT, "branch", "(L" + CPU + ";J)J", false);
            mv.visitVarInsn(LSTORE, t);
            return t;
        }

        /** Exit to the target in temp {@code t}; in a region, a branch to the block start loops. */
        void exitTo(int t, int retired, Label loopHead) {
            Instruction last = insns[insns.length - 1];
            if (region && last.kind[0] == Instruction.OP_REL && last.target == b.la && retired == insns.length) {
                // back-edge: count the iteration; leave when another whole iteration would pass the
                // budget (the engine then interprets the rest exactly) or a stop is requested
                Label leave = new Label();
                mv.visitVarInsn(LLOAD, L_DONE);
                lconst(retired);
                mv.visitInsn(LADD);
                mv.visitVarInsn(LSTORE, L_DONE);
                mv.visitVarInsn(ALOAD, L_CPU);
                mv.visitFieldInsn(GETFIELD, CPU, "instructions", "J");
                mv.visitVarInsn(LLOAD, L_DONE);
                mv.visitInsn(LADD);
                lconst(retired);
                mv.visitInsn(LADD);
                mv.visitVarInsn(LLOAD, L_LIMIT);
                mv.visitInsn(LCMP);
                mv.visitJumpInsn(IFGT, leave);
                field("machine", "L" + MACHINE + ";");
                mv.visitMethodInsn(INVOKEVIRTUAL, MACHINE, "stopRequested", "()Z", false);
                mv.visitJumpInsn(IFNE, leave);
                field("block", "L" + BLOCK + ";");
                mv.visitFieldInsn(GETFIELD, BLOCK, "valid", "Z");
                mv.visitJumpInsn(IFEQ, leave);
                knownKind = K_NONE;
                mv.visitJumpInsn(GOTO, loopHead);
                mv.visitLabel(leave);
                exit(() -> mv.visitVarInsn(LLOAD, t), 0);
                return;
            }
            exit(() -> mv.visitVarInsn(LLOAD, t), retired);
        }

        /** Pushes locals {@code a} OP {@code bb} as plain arithmetic (no flags): ADD, SUB, AND, OR, XOR. */
        void plainOp(Mnemonic op, int a, int bb) {
            mv.visitVarInsn(LLOAD, a);
            mv.visitVarInsn(LLOAD, bb);
            mv.visitInsn(switch (op) {
                case ADD -> LADD;
                case SUB -> LSUB;
                case AND -> LAND;
                case OR -> LOR;
                default -> LXOR;
            });
            if (op == Mnemonic.ADD && injectAddBugForTest) { lconst(1); mv.visitInsn(LADD); }
        }

        void binary(int k, Instruction i) {
            int size = i.opSize;
            Mnemonic op = i.mnemonic;
            boolean lv = live(k, i);
            boolean writes = op != Mnemonic.CMP && op != Mnemonic.TEST;
            boolean mem = i.kind[0] == Instruction.OP_MEM;
            int la = mem ? linearToTemp(i) : -1;
            int a = temp(), bb = temp(), res = temp();
            read(i, 0, la);
            mv.visitVarInsn(LSTORE, a);
            read(i, 1, -1);
            mv.visitVarInsn(LSTORE, bb);
            if (!lv) {
                if (!writes) return; // only the memory read (and its faults) remains
                plainOp(op, a, bb);
                mv.visitVarInsn(LSTORE, res);
                writeOp0(i, res, la);
                return;
            }
            String helper = switch (op) {
                case ADD -> "add";
                case SUB -> "sub";
                case AND -> "and";
                case OR -> "or";
                case XOR -> "xor";
                case CMP -> "cmp";
                default -> "test";
            };
            if (mem && writes) {
                // store first (it may fault), then record the flags: a faulting store leaves flags alone
                plainOp(op, a, bb);
                mask(size);
                mv.visitVarInsn(LSTORE, res);
                writeOp0(i, res, la);
                mv.visitVarInsn(ALOAD, L_CPU);
                mv.visitVarInsn(LLOAD, a);
                mv.visitVarInsn(LLOAD, bb);
                iconst(size);
                mv.visitMethodInsn(INVOKESTATIC, ALU, helper, "(L" + CPU + ";JJI)J", false);
                mv.visitInsn(POP2);
            } else if (writes) {
                mv.visitVarInsn(ALOAD, L_CPU);
                mv.visitVarInsn(LLOAD, a);
                mv.visitVarInsn(LLOAD, bb);
                iconst(size);
                mv.visitMethodInsn(INVOKESTATIC, ALU, helper, "(L" + CPU + ";JJI)J", false);
                if (op == Mnemonic.ADD && injectAddBugForTest) { lconst(1); mv.visitInsn(LADD); }
                mv.visitVarInsn(LSTORE, res);
                writeOp0(i, res, la);
            } else {
                mv.visitVarInsn(ALOAD, L_CPU);
                mv.visitVarInsn(LLOAD, a);
                mv.visitVarInsn(LLOAD, bb);
                iconst(size);
                mv.visitMethodInsn(INVOKESTATIC, ALU, helper, "(L" + CPU + ";JJI)V", false);
                // the result for fused conditions
                mv.visitVarInsn(LLOAD, a);
                mv.visitVarInsn(LLOAD, bb);
                mv.visitInsn(op == Mnemonic.CMP ? LSUB : LAND);
                mask(size);
                mv.visitVarInsn(LSTORE, res);
            }
            knownSeq++;
            knownKind = switch (op) {
                case SUB, CMP -> K_SUB;
                case ADD -> K_ADD;
                default -> K_LOGIC;
            };
            knownSize = size;
            knownA = a;
            knownB = bb;
            knownRes = res;
        }

        void unary(int k, Instruction i) {
            int size = i.opSize;
            Mnemonic op = i.mnemonic;
            boolean lv = op != Mnemonic.NOT && live(k, i);
            boolean mem = i.kind[0] == Instruction.OP_MEM;
            int la = mem ? linearToTemp(i) : -1;
            int a = temp(), res = temp();
            read(i, 0, la);
            mv.visitVarInsn(LSTORE, a);
            // plain result
            mv.visitVarInsn(LLOAD, a);
            switch (op) {
                case INC -> { lconst(1); mv.visitInsn(LADD); }
                case DEC -> { lconst(1); mv.visitInsn(LSUB); }
                case NEG -> mv.visitInsn(LNEG);
                default -> { lconst(-1); mv.visitInsn(LXOR); }
            }
            mask(size);
            mv.visitVarInsn(LSTORE, res);
            writeOp0(i, res, la); // a faulting store leaves the flags alone: record them after it
            if (lv) {
                mv.visitVarInsn(ALOAD, L_CPU);
                mv.visitVarInsn(LLOAD, a);
                iconst(size);
                String h = switch (op) {
                    case INC -> "inc";
                    case DEC -> "dec";
                    default -> "neg";
                };
                mv.visitMethodInsn(INVOKESTATIC, ALU, h, "(L" + CPU + ";JI)J", false);
                mv.visitInsn(POP2);
                if (op == Mnemonic.NEG) {
                    int zero = temp();
                    lconst(0);
                    mv.visitVarInsn(LSTORE, zero);
                    knownSeq++;
                    knownKind = K_SUB;
                    knownA = zero;
                    knownB = a;
                } else {
                    knownSeq++;
                    knownKind = K_INCDEC;
                }
                knownSize = size;
                knownRes = res;
            }
        }

        void shift(int k, Instruction i) {
            int size = i.opSize;
            Mnemonic op = i.mnemonic;
            boolean lv = live(k, i);
            boolean mem = i.kind[0] == Instruction.OP_MEM;
            int la = mem ? linearToTemp(i) : -1;
            int a = temp(), cnt = temp(), res = temp();
            read(i, 0, la);
            mv.visitVarInsn(LSTORE, a);
            read(i, 1, -1);
            mv.visitVarInsn(LSTORE, cnt);
            // plain result with the masked count (SDM SAL/SAR/SHL/SHR: count masked to 5 or 6 bits)
            mv.visitVarInsn(LLOAD, a);
            if (op == Mnemonic.SHR) mask(size);
            if (op == Mnemonic.SAR) sext(size);
            mv.visitVarInsn(LLOAD, cnt);
            mv.visitInsn(L2I);
            iconst(size == 8 ? 63 : 31);
            mv.visitInsn(IAND);
            mv.visitInsn(op == Mnemonic.SHL ? LSHL : op == Mnemonic.SHR ? LUSHR : LSHR);
            mask(size);
            mv.visitVarInsn(LSTORE, res);
            writeOp0(i, res, la);
            if (lv) {
                mv.visitVarInsn(ALOAD, L_CPU);
                mv.visitVarInsn(LLOAD, a);
                mv.visitVarInsn(LLOAD, cnt);
                iconst(size);
                mv.visitMethodInsn(INVOKESTATIC, SHIFTS, op.name().toLowerCase(), "(L" + CPU + ";JJI)J", false);
                mv.visitInsn(POP2);
                knownKind = K_NONE;
            }
        }

        // ---------------------------------------------------------------- compiled hooks (HookedCode)
        //
        // A block that embedder hooks cover (Block.hooked) is compiled with the Machine.Hooks calls of
        // the engine contract in its bytecode; the Hooks object and each Instruction are class-data
        // constants, so HotSpot inlines the dispatch. Between instructions the registers live in
        // cpu.r (a hook may read or write any of them through the Emulator): each instruction
        // reloads the few registers it uses after its before-hook and stores the ones it wrote
        // before its after-hook, every flag it writes is computed (a hook may read RFLAGS), and
        // cpu.instructions holds the count at block entry (local lBase) except during a hook call,
        // when it is the exact retired count. Blocks no hook covers are compiled without any of it.

        /** The hooks compiled into this block, or null. */
        Machine.Hooks hooks;
        boolean hooked;
        /** Local: cpu.instructions at block entry. */
        int lBase;
        /** The instruction being emitted (its after-hook runs at the exits it emits). */
        int current;
        Label[] insnStart;

        void enableHooks(Machine.Hooks h) {
            hooks = h;
            hooked = true;
            java.util.Arrays.fill(liveAfter, Liveness.ALL); // a hook may read RFLAGS after any instruction
            insnStart = new Label[insns.length];
            for (int k = 0; k < insnStart.length; k++) insnStart[k] = new Label();
        }

        static final String SITE = RT + "$HookSite";

        void siteConst() {
            mv.visitFieldInsn(GETSTATIC, name, "site", "L" + SITE + ";");
        }

        void saveBase() {
            lBase = temp();
            mv.visitVarInsn(ALOAD, L_CPU);
            mv.visitFieldInsn(GETFIELD, CPU, "instructions", "J");
            mv.visitVarInsn(LSTORE, lBase);
        }

        /** cpu.instructions = the count at block entry. */
        void restoreBase() {
            mv.visitVarInsn(ALOAD, L_CPU);
            mv.visitVarInsn(LLOAD, lBase);
            mv.visitFieldInsn(PUTFIELD, CPU, "instructions", "J");
        }

        /** Returns cpu.rip (the engine continues with a fresh look-up there). */
        void returnRip() {
            mv.visitVarInsn(ALOAD, L_CPU);
            mv.visitFieldInsn(GETFIELD, CPU, "rip", "J");
            mv.visitInsn(LRETURN);
        }

        /**
         * Before instruction k, as BlockRunner.runHooked: enterBlock (k = 0), then
         * {@link JitRt#hookBefore} (stop/rewrite check, beforeInstruction with RIP and the count
         * exact, EXECUTE / SKIP / LEAVE), then the registers the instruction uses from cpu.r.
         */
        void hookBefore(int k, Instruction i) {
            current = k;
            knownKind = K_NONE; // a hook may change the flags: no fused conditions across instructions
            mv.visitLabel(insnStart[k]);
            if (k == 0) {
                Label go = new Label();
                siteConst();
                mv.visitMethodInsn(INVOKESTATIC, RT, "hookEnter", "(L" + SITE + ";)I", false);
                mv.visitJumpInsn(IFEQ, go);
                returnRip();
                mv.visitLabel(go);
            }
            iconst(~k); // a hook that throws (INT n with interrupt hooks) faults at this instruction
            mv.visitVarInsn(ISTORE, L_AT);
            siteConst();
            mv.visitVarInsn(ALOAD, L_CPU);
            insn(k);
            iconst(k);
            mv.visitMethodInsn(INVOKESTATIC, RT, "hookBefore", "(L" + SITE + ";L" + CPU + ";L" + INSN + ";I)I", false);
            Label execute = new Label();
            mv.visitVarInsn(ISTORE, L_CC); // jumps carry no operand stack (see FrameWriter)
            mv.visitVarInsn(ILOAD, L_CC);
            mv.visitJumpInsn(IFEQ, execute);
            if (k < insns.length - 1) { // never HOOK_NEXT for the last instruction
                mv.visitVarInsn(ILOAD, L_CC);
                iconst(JitRt.HOOK_NEXT);
                mv.visitJumpInsn(IF_ICMPEQ, insnStart[k + 1]);
            }
            returnRip();
            mv.visitLabel(execute);
            // the hook may have written registers: load the ones this instruction uses
            if (inline[k]) {
                int regs = InsnTraits.regsOf(i) & cached;
                for (int r = 0; r < 16; r++) {
                    if ((regs & (1 << r)) == 0) continue;
                    mv.visitVarInsn(ALOAD, L_R);
                    iconst(r);
                    mv.visitInsn(LALOAD);
                    mv.visitVarInsn(LSTORE, slot(r));
                }
            }
        }

        /** After instruction k (not the last) completed: registers to cpu.r, then {@link JitRt#hookAfter}. */
        void hookAfter(int k) {
            spill(dirty & cached);
            dirty = 0;
            siteConst();
            mv.visitVarInsn(ALOAD, L_CPU);
            insn(k);
            iconst(k + 1);
            mv.visitMethodInsn(INVOKESTATIC, RT, "hookAfter", "(L" + SITE + ";L" + CPU + ";L" + INSN + ";I)V", false);
        }

        void callAfter(int k) {
            siteConst();
            insn(k);
            mv.visitMethodInsn(INVOKESTATIC, RT, "hookExit", "(L" + SITE + ";L" + INSN + ";)V", false);
        }

        /** The tail of {@link #exit} in a hooked block: the instruction that ended the block completed. */
        void exitAfterHook() {
            callAfter(current);
            returnRip();
        }
    }

    /** Whether {@code b} is compiled with hook calls: the embedder's hooks cover it (see Machine.Hooks). */
    static boolean hookCalls(Block b, Machine m) {
        return b.hooked && m.hooks != null;
    }
}
