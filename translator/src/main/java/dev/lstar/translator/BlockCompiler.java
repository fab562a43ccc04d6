package dev.lstar.translator;

import static org.objectweb.asm.Opcodes.*;

import dev.lstar.decoder.Access;
import dev.lstar.decoder.Instruction;
import dev.lstar.decoder.Mnemonic;
import dev.lstar.decoder.OpcodeTable;
import dev.lstar.runtime.Machine;
import dev.lstar.runtime.interp.Block;
import java.lang.invoke.MethodHandles;
import java.util.concurrent.atomic.AtomicLong;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;

/**
 * Translates decoded {@link Block}s into hidden classes extending {@link CompiledBlock}: one
 * block, a superblock or a region into a class of its own ({@link #compile}), or several blocks
 * into one batch class ({@link #compileBatch}). This class owns the class side — class writer
 * setup, the attempts that keep a method under {@link #HUGE_METHOD_LIMIT} (fewer segments, the
 * compact all-fallback form, no region), the method cut ({@link #methodCut}), defining the hidden
 * class, its instance fields, and dumping classes for debugging; each method's code is emitted by
 * a {@link MethodEmitter}, which hands the instructions to the family emitters (see there).
 *
 * <p>Shape of a generated method ({@code run(Cpu c, long limit)}, or a static batch member):
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
 *       ({@code LazyFlags.condSub}/{@code condLogic}; see {@link ConditionEmitter}).</li>
 *   <li>Every other instruction calls {@link JitRt#exec} (the interpreter's {@code Exec}) on the
 *       {@link Instruction} object, read from the {@link CompiledBlock#insns} array of the
 *       instance (the generated class has no static state and no {@code <clinit>}, hooked code
 *       aside: that keeps defining it cheap).</li>
 *   <li>After an instruction that may write memory, the block's {@code valid} flag is checked;
 *       if the write hit the block's own code the block exits to the next instruction.</li>
 *   <li>A self-loop block (its final branch targets its own first instruction) can be compiled as
 *       a region: the back-edge stays inside the method, with a check of the instruction limit
 *       and of stop requests.</li>
 *   <li>A block covered by embedder hooks ({@code Block.hooked}) gets the {@code Machine.Hooks}
 *       calls of the engine contract compiled in (see {@link HookedCode}); blocks no hook
 *       covers are generated without any of it. Hooked blocks never join a superblock or a
 *       region.</li>
 *   <li>Several blocks can be compiled as one superblock ({@link #continuation}; the engine
 *       picks them): a conditional branch between them becomes a side exit, a later block's
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

    /**
     * Inline memory accesses per generated method (see {@link #methodCut}): 16, or the system
     * property {@code lstar.jit.memOpsPerMethod} (4 to 256). The budget it keeps is HotSpot's
     * DesiredMethodLimit, which a JVM started with {@code -XX:-ClipInlining} does not apply: then
     * a larger value lets a whole loop body be one method (a region) — the launcher passes both,
     * 48 (n-body's 45-instruction loop with 20 memory operands is one region instead of three
     * translations; see the README's measurements). Without the flag, 20 or more measured slower
     * than 16: the accesses past the budget are calls.
     */
    static final int MEM_OPS_PER_METHOD = memOpsPerMethodOrDefault();

    private static int memOpsPerMethodOrDefault() {
        try {
            return memOpsPerMethod(System.getProperty("lstar.jit.memOpsPerMethod"));
        } catch (IllegalArgumentException e) { // a typo in a JVM option must not stop the emulator
            System.err.println("lstar: warning: " + e.getMessage() + "; using 16");
            return 16;
        }
    }

    /** {@link #MEM_OPS_PER_METHOD} from the property's value (null: the default). */
    static int memOpsPerMethod(String v) {
        if (v == null) return 16;
        try {
            int n = Integer.parseInt(v.trim());
            if (n >= 4 && n <= 256) return n;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("lstar.jit.memOpsPerMethod: expected a number from 4 to 256, got \"" + v + "\"");
    }

    /** HotSpot does not JIT methods larger than this (HugeMethodLimit). */
    static final int HUGE_METHOD_LIMIT = 8000;

    /** Test-only: when set, inline ADD adds one too many (to prove lockstep catches a bug; see {@link AluEmitter}). */
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

    /** Internal names of the classes the generated code refers to. */
    static final String CPU = "dev/lstar/runtime/Cpu", MMU = "dev/lstar/runtime/mem/Mmu",
            INSN = "dev/lstar/decoder/Instruction", BLOCK = "dev/lstar/runtime/interp/Block",
            MACHINE = "dev/lstar/runtime/Machine", RT = "dev/lstar/translator/JitRt",
            ALU = "dev/lstar/runtime/ops/Alu", SHIFTS = "dev/lstar/runtime/ops/Shifts",
            MULDIV = "dev/lstar/runtime/ops/MulDiv", LAZY = "dev/lstar/runtime/LazyFlags",
            CPUEX = "dev/lstar/runtime/CpuException", BASE = "dev/lstar/translator/CompiledBlock";

    /**
     * The result of a translation. {@code insns}: how many instructions of the segments the
     * method covers (it may end inside the last one).
     */
    record Result(CompiledBlock code, int codeBytes, int classBytes, int inlined, int fallbacks, boolean region, int segments, int insns,
                  boolean reused, int cacheEntries) {
        Result(CompiledBlock code, int codeBytes, int classBytes, int inlined, int fallbacks, boolean region, int segments, int insns) {
            this(code, codeBytes, classBytes, inlined, fallbacks, region, segments, insns, false, 0);
        }

        /** {@code cacheEntries}: the {@link PageCache} entries of the method (its address registers with one). */
        Result(CompiledBlock code, int codeBytes, int classBytes, int inlined, int fallbacks, boolean region, int segments, int insns,
               int cacheEntries) {
            this(code, codeBytes, classBytes, inlined, fallbacks, region, segments, insns, false, cacheEntries);
        }
    }

    /** Whether {@code b} ends in a branch back to its own start (a candidate for a region). */
    static boolean isSelfLoop(Block b) {
        return branchesTo(b.insns[b.insns.length - 1], b.la);
    }

    /** Whether {@code i} is a direct JMP to {@code la}, or a Jcc with {@code la} as either direction. */
    private static boolean branchesTo(Instruction i, long la) {
        if (i.kind[0] != Instruction.OP_REL) return false;
        return i.mnemonic == Mnemonic.JMP ? i.target == la : i.mnemonic == Mnemonic.JCC && (i.target == la || i.next() == la);
    }

    /**
     * Whether the blocks {@code segs} (one block, or a superblock's path) form a loop that a
     * region can keep inside its method: the last one ends in a direct JMP to the first block's
     * start or a Jcc with that start as either direction, and no block before it ends in SWAPGS
     * or a MOV to CR3 (a region's back-edge re-checks only the code's validity, not its mapping).
     */
    static boolean closesLoop(Block[] segs) {
        Block last = segs[segs.length - 1];
        if (!branchesTo(last.insns[last.insns.length - 1], segs[0].la)) return false;
        for (int s = 0; s < segs.length - 1; s++) {
            Mnemonic m = segs[s].insns[segs[s].insns.length - 1].mnemonic;
            if (m == Mnemonic.SWAPGS || m == Mnemonic.MOV_TO_CR) return false;
        }
        return true;
    }

    /**
     * Whether the blocks {@code segs} can be one region: they close a loop ({@link #closesLoop})
     * or make a loop nest ({@link #loopNest}), and no block before the last ends in SWAPGS or a
     * MOV to CR3.
     */
    static boolean formsRegion(Block[] segs) {
        return closesLoop(segs) || (loopNest(segs) && noMappingChange(segs));
    }

    private static boolean noMappingChange(Block[] segs) {
        for (int s = 0; s < segs.length - 1; s++) {
            Mnemonic m = segs[s].insns[segs[s].insns.length - 1].mnemonic;
            if (m == Mnemonic.SWAPGS || m == Mnemonic.MOV_TO_CR) return false;
        }
        return true;
    }

    /**
     * Where a block ending in {@code last} may go on that a loop nest keeps inside its method
     * when another of its blocks starts there: a direct Jcc's two directions, a direct JMP's
     * target, the next instruction after one that is no branch; nothing for calls, returns,
     * indirect branches and the other block ends.
     */
    static long[] innerWays(Instruction last) {
        if ((last.attributes & OpcodeTable.A_TOO_LONG) != 0) return NO_WAYS;
        boolean direct = last.kind[0] == Instruction.OP_REL;
        return switch (last.mnemonic) {
            case JCC -> direct ? new long[] {last.target, last.next()} : NO_WAYS;
            case JMP -> direct ? new long[] {last.target} : NO_WAYS;
            case CALL, RET, INVALID, SWAPGS, MOV_TO_CR -> NO_WAYS;
            default -> (last.attributes & OpcodeTable.A_BLOCK_END) == 0 ? new long[] {last.next()} : NO_WAYS;
        };
    }

    private static final long[] NO_WAYS = {};

    /**
     * Whether a method over {@code segs} is a loop nest: a block goes on to the start of one of
     * the blocks ({@link #innerWays}) other than the next one, besides the last block's way back
     * to the first (that alone is a plain region's loop), and the ways make a loop ({@link #loops}).
     */
    static boolean loopNest(Block[] segs) {
        boolean[] inner = {false};
        innerEdges(segs, (s, t) -> inner[0] = true);
        return inner[0] && loops(segs);
    }

    /** A way of segment {@code from} to the start of segment {@code to} ({@link #innerEdges}). */
    interface Edge {
        void at(int from, int to);
    }

    /**
     * Calls {@code edge} for every way ({@link #innerWays}) of one of {@code segs} to the start of
     * one of them, but its way on into the next one and the last one's way back to the first
     * (a plain region's loop): the ways a loop nest's method keeps inside.
     */
    static void innerEdges(Block[] segs, Edge edge) {
        for (int s = 0; s < segs.length; s++) {
            for (long w : innerWays(segs[s].insns[segs[s].insns.length - 1])) {
                if (s + 1 < segs.length && w == segs[s + 1].la) continue;
                int t = indexOf(segs, w);
                if (t >= 0 && !(t == 0 && s == segs.length - 1)) edge.at(s, t);
            }
        }
    }

    /** The index of the block of {@code segs} that starts at {@code la}, or -1. */
    static int indexOf(Block[] segs, long la) {
        for (int s = 0; s < segs.length; s++) if (segs[s].la == la) return s;
        return -1;
    }

    /**
     * Whether the ways between {@code segs} ({@link #innerWays}, and each one's way on into the
     * next when {@link #goesOnInto}) make a cycle: a loop, not only an if/else whose arms join (a
     * function body like that stays a path, which a caller's superblock goes on into).
     */
    static boolean loops(Block[] segs) {
        int n = segs.length;
        int[] state = new int[n]; // 0 not seen, 1 on the path, 2 done
        for (int s = 0; s < n; s++) if (state[s] == 0 && cycleFrom(segs, s, state)) return true;
        return false;
    }

    private static boolean cycleFrom(Block[] segs, int s, int[] state) {
        state[s] = 1;
        Block b = segs[s];
        long[] ways = innerWays(b.insns[b.insns.length - 1]);
        long[] all = java.util.Arrays.copyOf(ways, ways.length + 1);
        all[ways.length] = s + 1 < segs.length && goesOnInto(b, segs[s + 1].la) ? segs[s + 1].la : -1;
        for (long w : all) {
            int t = w == -1 ? -1 : indexOf(segs, w);
            if (t >= 0 && (state[t] == 1 || (state[t] == 0 && cycleFrom(segs, t, state)))) return true;
        }
        state[s] = 2;
        return false;
    }

    /**
     * How many of {@code segs} form a path from the first: each goes on into the next as a
     * superblock's code does (a Jcc in either direction, a direct JMP or CALL to it, an indirect
     * one behind its guard, the next instruction). A loop nest's blocks need not; outside a
     * region only the path is compiled.
     */
    static int pathLength(Block[] segs) {
        int s = 1;
        while (s < segs.length && goesOnInto(segs[s - 1], segs[s].la)) s++;
        return s;
    }

    private static boolean goesOnInto(Block b, long la) {
        Instruction last = b.insns[b.insns.length - 1];
        boolean direct = last.kind[0] == Instruction.OP_REL;
        return switch (last.mnemonic) {
            case JCC -> direct && (last.target == la || last.next() == la);
            case JMP, CALL -> !direct || last.target == la;
            default -> continuation(b) == la;
        };
    }

    /** The linear pages (numbers) of {@code b}'s code: one, or two for an instruction over a page end. */
    static long[] codePages(Block b) {
        long p0 = b.la >>> 12, p1 = (b.la + Math.max(b.byteLen, 1) - 1) >>> 12;
        return p0 == p1 ? new long[] {p0} : new long[] {p0, p1};
    }

    /** Whether linear page {@code page} holds some of {@code b}'s code. */
    static boolean covers(Block b, long page) {
        for (long p : codePages(b)) if (p == page) return true;
        return false;
    }

    /** Where a superblock may go on after block {@code b}, or -1 (see {@link InsnTraits#continuation}). */
    static long continuation(Block b) {
        return InsnTraits.continuation(b);
    }

    /** Whether {@code b} is compiled with hook calls: the embedder's hooks cover it (see Machine.Hooks). */
    static boolean hookCalls(Block b, Machine m) {
        return b.hooked && m.hooks != null;
    }

    static Result compile(MethodHandles.Lookup lookup, Block b, Machine m, boolean region) {
        return compile(lookup, new Block[] {b}, m, region);
    }

    /**
     * Compiles {@code segs} (a superblock when more than one: each block continues into the next,
     * see {@link #continuation}; or a loop nest's blocks, {@link #loopNest}) into one method;
     * {@code region}: as a loop if {@link #formsRegion} (a self-loop block, a superblock whose path
     * comes back to its start, a loop nest) and the whole loop fits one method without a cut
     * (else only the path from the first block, {@link #pathLength}, as a superblock).
     * A superblock too large for one method is compiled as its first block alone
     * ({@link Result#segments} says how many were used).
     */
    static Result compile(MethodHandles.Lookup lookup, Block[] segs, Machine m, boolean region) {
        return compile(lookup, segs, m, region, false);
    }

    /** What {@link #compile} returns for a loop nest that is not one region whole (no code: not a translation). */
    static final Result NO_NEST = new Result(null, 0, 0, 0, 0, false, 0, 0);

    /**
     * As {@link #compile(MethodHandles.Lookup, Block[], Machine, boolean)}; {@code nestOnly}: the
     * blocks of a loop nest, compiled only as one region whole (no method cut, one page, under
     * {@link #HUGE_METHOD_LIMIT}, no hooks), else {@link #NO_NEST}.
     */
    static Result compile(MethodHandles.Lookup lookup, Block[] segs, Machine m, boolean region, boolean nestOnly) {
        boolean allFallback = forceFallbackForTest;
        Block b = segs[0];
        if (nestOnly && (allFallback || !formsRegion(segs) || !MethodEmitter.fitsWhole(segs, false))) return NO_NEST;
        for (Block s : segs) if (nestOnly && hookCalls(s, m)) return NO_NEST;
        while (true) {
            boolean hooks = hookCalls(b, m);
            if (hooks && segs.length > 1) segs = new Block[] {b}; // hooked blocks are never merged
            MethodEmitter g = new MethodEmitter(segs, region && formsRegion(segs) && !hooks, allFallback);
            g.ordered = m.phys.smp;
            if (hooks) g.enableHooks(m.hooks);
            byte[] bytes = generateClass(g);
            if (nestOnly && (!g.region || g.codeSize > HUGE_METHOD_LIMIT)) return NO_NEST;
            if (DUMP_DIR != null) dump(g.className, bytes);
            boolean hooked = g.hooks != null;
            if (hooked && g.codeSize > HUGE_METHOD_LIMIT && allFallback) {
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
                JitRt.HookSite site = hooked ? new JitRt.HookSite(g.hooks.embedderHooks, m, b) : null;
                CompiledBlock cb = Instantiator.create(hooked
                        ? lookup.defineHiddenClassWithClassData(bytes, new Object[] {site, g.insns}, true)
                        : lookup.defineHiddenClass(bytes, false));
                setFields(cb, g, m);
                if (site != null) cb.site = site;
                return new Result(cb, g.codeSize, bytes.length, g.inlinedCount, g.fallbackCount, g.region, g.segments.length, g.insns.length,
                        g.cacheEntries());
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

    /** A class of its own for {@code g}'s method: {@code run}, and for hooked code the constants' initialiser. */
    static byte[] generateClass(MethodEmitter g) {
        g.className = "dev/lstar/translator/Block_" + Long.toHexString(g.block.la) + "_" + SEQ.incrementAndGet();
        ClassWriter cw = newClass(g.className);
        g.emitMethod(cw, ACC_PUBLIC | ACC_FINAL, "run", "(L" + CPU + ";J)J");
        if (g.hooks != null) g.hooks.emitConstants(cw);
        cw.visitEnd();
        return cw.toByteArray();
    }

    /**
     * Compiles several single blocks into one hidden class (a batch): block {@code k} becomes
     * static method {@code bk}, and {@code run} calls the one its instance's {@link CompiledBlock#id}
     * names. Defining a class has a large fixed cost (parsing, the class loader data HotSpot keeps
     * per hidden class and scans at every young GC, linking), which a batch pays once. Returns
     * one result per block; a block too large for a method even in the compact form gets a
     * result without code (it is interpreted). A member with hook calls ({@link #hookCalls}: only
     * {@code JitEngine.precompile} batches them) keeps its constants in static fields of its own,
     * set by the class's one {@code <clinit>} from the class data ({@link HookedCode#prefix}).
     */
    static Result[] compileBatch(MethodHandles.Lookup lookup, Block[] blocks, Machine m) {
        int n = blocks.length;
        String name = "dev/lstar/translator/Batch_" + Long.toHexString(blocks[0].la) + "_" + SEQ.incrementAndGet();
        ClassWriter cw = newClass(name);
        // the instance as the base type: a hidden class cannot name itself in a descriptor
        String desc = "(L" + BASE + ";L" + CPU + ";J)J";
        MethodEmitter[] gens = new MethodEmitter[n];
        String[] methods = new String[n];
        boolean anyHooked = false;
        for (int k = 0; k < n; k++) {
            boolean hooked = hookCalls(blocks[k], m);
            anyHooked |= hooked;
            boolean compact = forceFallbackForTest;
            while (true) {
                MethodEmitter g = new MethodEmitter(new Block[] {blocks[k]}, false, compact);
                g.ordered = m.phys.smp;
                g.className = name;
                if (hooked) {
                    g.enableHooks(m.hooks);
                    g.hooks.prefix = "m" + k + "_"; // its constants' fields, set by <clinit> from class data 2k, 2k + 1
                }
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
        Object[] data = null;
        if (anyHooked) { // the hooked members' constants (see HookedCode): their fields and one <clinit> from the class data
            data = new Object[2 * n];
            MethodVisitor init = cw.visitMethod(ACC_STATIC, "<clinit>", "()V", null, null);
            init.visitCode();
            HookedCode.loadClassData(init);
            for (int k = 0; k < n; k++) {
                MethodEmitter g = gens[k];
                if (g == null || g.hooks == null) continue;
                data[2 * k] = new JitRt.HookSite(g.hooks.embedderHooks, m, blocks[k]);
                data[2 * k + 1] = g.insns;
                g.hooks.emitFields(cw);
                g.hooks.emitInit(init, 2 * k);
            }
            init.visitInsn(RETURN);
            init.visitMaxs(0, 0);
            init.visitEnd();
        }
        cw.visitEnd();
        byte[] bytes = cw.toByteArray();
        if (DUMP_DIR != null) dump(name, bytes);
        try {
            MethodHandles.Lookup h = data != null ? lookup.defineHiddenClassWithClassData(bytes, data, true) : lookup.defineHiddenClass(bytes, false);
            Result[] out = new Result[n];
            for (int k = 0; k < n; k++) {
                MethodEmitter g = gens[k];
                if (g == null) {
                    out[k] = new Result(null, 0, 0, 0, 0, false, 1, blocks[k].insns.length);
                    continue;
                }
                CompiledBlock cb = Instantiator.create(h);
                cb.id = k;
                cb.inBatch = true;
                setFields(cb, g, m);
                if (data != null && data[2 * k] != null) cb.site = (JitRt.HookSite) data[2 * k];
                out[k] = new Result(cb, g.codeSize, bytes.length / n, g.inlinedCount, g.fallbackCount, false, 1, g.insns.length,
                        g.cacheEntries());
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

    /** The objects the generated code of {@code g} refers to (a hooked block's site is set by {@link #compile}). */
    private static void setFields(CompiledBlock cb, MethodEmitter g, Machine m) {
        setFields(cb, g.segments, g.insns, m);
    }

    /**
     * The objects the generated code refers to: the blocks it was compiled from ({@code segments},
     * the first one's {@code valid} flag and physical address), their instructions it covers
     * ({@code insns}), the machine. The code itself depends only on the instructions (their
     * bytes and addresses), so an instance of the same class with another machine's equal blocks
     * runs correctly there ({@link SharedTranslations}).
     */
    static void setFields(CompiledBlock cb, Block[] segments, dev.lstar.decoder.Instruction[] insns, Machine m) {
        long[] addrs = new long[insns.length];
        for (int k = 0; k < addrs.length; k++) addrs[k] = insns[k].address;
        Block[] later = new Block[segments.length];
        for (int s = 1; s < segments.length; s++) later[s] = segments[s];
        cb.block = segments[0];
        cb.addrs = addrs;
        cb.machine = m;
        cb.insns = insns;
        cb.segs = later;
    }

    /**
     * How many of {@code all} to compile into one method: at most {@link #MEM_OPS_PER_METHOD}
     * inline memory accesses (an SSE instruction counts by {@link SseEmitter#budgetQuarters}:
     * its 16-byte accesses and floating-point lanes). Each inline access costs several hundred bytecodes of HotSpot's
     * inlining budget for one compiled method (the page-cache compare and refill, the frame access);
     * past the budget the accesses become out-of-line calls, which cost more than ending the
     * translation there and dispatching the rest as the next one.
     */
    static int methodCut(Instruction[] all) {
        return methodCut(all, MEM_OPS_PER_METHOD);
    }

    /** {@link #methodCut(Instruction[])} with a budget of {@code memOps} accesses. */
    static int methodCut(Instruction[] all, int memOps) {
        int mem = 0;
        for (int k = 0; k < all.length; k++) {
            Instruction i = all[k];
            if (!InsnTraits.inlinable(i)) continue;
            boolean touches = Access.accessesMemory(i); // explicit operand or the stack (table access columns)
            // a run of pushes or pops is one access (see StackRunEmitter)
            int kind = StackRunEmitter.stackKind(i);
            if (touches && k > 0 && kind != StackRunEmitter.NONE && StackRunEmitter.stackKind(all[k - 1]) == kind) touches = false;
            int quarters = SseEmitter.forms(i) ? SseEmitter.budgetQuarters(i) : touches ? 4 : 0; // SSE: lanes and 16-byte accesses weigh more
            if (quarters > 0 && (mem += quarters) > 4 * memOps && k > 0) return k;
        }
        return all.length;
    }
}
