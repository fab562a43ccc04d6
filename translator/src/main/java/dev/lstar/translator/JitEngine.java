package dev.lstar.translator;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import dev.lstar.decoder.Instruction;
import dev.lstar.decoder.Mnemonic;
import dev.lstar.runtime.Cpu;
import dev.lstar.runtime.Flags;
import dev.lstar.runtime.CpuException;
import dev.lstar.runtime.Machine;
import dev.lstar.runtime.engine.Engine;
import dev.lstar.runtime.engine.RunResult;
import dev.lstar.runtime.engine.StopReason;
import dev.lstar.runtime.interp.Block;
import dev.lstar.runtime.interp.BlockCache;
import dev.lstar.runtime.interp.BlockRunner;
import dev.lstar.runtime.engine.UnsupportedFeatureException;
import dev.lstar.runtime.interp.Exec;
import dev.lstar.runtime.interp.Operands;
import dev.lstar.runtime.mem.MachineCheckException;
import dev.lstar.runtime.mem.Mmu;
import dev.lstar.runtime.sys.Interrupts;
import dev.lstar.runtime.sys.TripleFault;

import java.lang.invoke.MethodHandles;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The JIT engine: translates the interpreter's decoded blocks ({@link BlockCache}, keyed by
 * physical address after an execute-checked translation of RIP) into JVM bytecode with
 * {@link BlockCompiler}, caches the translations in a Caffeine cache bounded by bytecode size,
 * links blocks to their successors, and follows exactly the run-loop contract of
 * {@link dev.lstar.runtime.interp.Interpreter}: budget, stop requests and halts checked at block
 * boundaries, {@code until} exact (a block containing it is interpreted up to it), native
 * functions, precise exceptions delivered through {@link Interrupts#deliver}.
 *
 * <p>Self-modifying code: code frames are marked in physical memory; a write to one invalidates
 * every translation from it (the block that wrote its own code leaves right after the write).
 * A self-loop block that has run {@link Options#hotThreshold} times is recompiled as a region
 * (the loop runs inside one JVM method, checking the budget and stop requests at the back-edge);
 * any other block that hot is recompiled as a superblock: together with the blocks it falls or
 * jumps into in the same page ({@link #superblock}), so that a chain of short blocks (the six
 * SYSRET checks of the kernel's exit path, say) is one method and one dispatch.
 *
 * <p>Embedder hooks ({@link Machine.Hooks}): a block the hooks cover is translated with the hook
 * calls in its bytecode (never as a region or part of a superblock); other blocks are translated
 * without them. The engine registers a {@link Machine.BlockInvalidator}, so a hook change drops
 * exactly the translations whose coverage it changes, and they are translated again on their next
 * execution.
 */
public final class JitEngine implements Engine, dev.lstar.api.CodeCacheControl {
    /**
     * Tuning knobs. {@code compileThreshold}: the execution of a block at which it is translated
     * (1: at its first; {@link #COMPILE_THRESHOLD}, the default: it is interpreted until then, and
     * translated together with up to {@code batchSize - 1} other blocks that have run since the
     * last batch, into one class: see {@link BlockCompiler#compileBatch}). Interpreting a block a
     * few times costs microseconds; translating it in a cold JVM costs milliseconds: with 2, a
     * static hello (262 instructions, 16 blocks translated) spent 41 ms translating; with 8 it
     * translates nothing, and long runs do not notice (measured with nbody, sha256, qsort and a
     * busybox shell loop of fork/exec: the same or faster).
     */
    public record Options(long maxCacheBytes, boolean linking, int hotThreshold, int superblockInsns,
                          int compileThreshold, int batchSize, int sparseGap, boolean loopNests) {
        /** Default for {@link #superblockInsns}. */
        public static final int SUPERBLOCK_INSNS = 128;
        /** Default for {@link #compileThreshold}. */
        public static final int COMPILE_THRESHOLD = 8;

        public Options(long maxCacheBytes, boolean linking, int hotThreshold) {
            this(maxCacheBytes, linking, hotThreshold, SUPERBLOCK_INSNS, COMPILE_THRESHOLD, 8, 0, true);
        }

        public static Options defaults() {
            return new Options(64L << 20, true, 64, SUPERBLOCK_INSNS, COMPILE_THRESHOLD, 8, 0, true);
        }

        /**
         * {@link #compileThreshold} for whole programs ({@link #forPrograms}): a block runs
         * interpreted 127 times first. A program's start-up (ld.so, libc's initialisation, printf)
         * runs thousands of blocks a few dozen times each; in a JVM that has not compiled the
         * translator yet a translation costs 0.3-0.7 ms, interpreting a block microseconds. A
         * glibc printf("%f") hello translated 411 blocks at 8 (about 300 ms of its 0.6 s) and its
         * run took 0.55-0.71 s, at 128 0.35-0.54 s; busybox ls 0.77-1.03 s -> 0.58-0.73 s;
         * qsort 1 M, n-body 1 M and busybox gzip 8 MiB were as fast or faster (2026-12-04).
         */
        public static final int PROGRAM_COMPILE_THRESHOLD = 128;

        /**
         * {@link #withSparseGap} for whole programs: a block is translated at the threshold when its
         * runs came at most 1,000 guest instructions apart, else after 16 thresholds (2,048 runs).
         * python3 -c 'print(sum(range(300000)))' (70 M instructions, 40 K blocks, mostly start-up)
         * translated 10,800 blocks in 3.2 s of an 8.8 s run; with the gap 3,550 (5.8 s), and with
         * only blocks halfway to the threshold as batch companions 913 (5.8 s; hello 24 -> 8
         * translations, busybox ls 167 -> 62); n-body, qsort, sha256 and gzip unchanged (2026-12-04).
         */
        public static final int PROGRAM_SPARSE_GAP = 1000;

        /**
         * The options for running whole programs (the CLI): {@link #defaults} with
         * {@link #PROGRAM_COMPILE_THRESHOLD} and {@link #PROGRAM_SPARSE_GAP}.
         */
        public static Options forPrograms() {
            return defaults().withCompileThreshold(PROGRAM_COMPILE_THRESHOLD).withSparseGap(PROGRAM_SPARSE_GAP);
        }

        public Options withMaxCacheBytes(long bytes) {
            return new Options(bytes, linking, hotThreshold, superblockInsns, compileThreshold, batchSize, sparseGap, loopNests);
        }

        public Options withLinking(boolean on) {
            return new Options(maxCacheBytes, on, hotThreshold, superblockInsns, compileThreshold, batchSize, sparseGap, loopNests);
        }

        /** Executions after which a block is recompiled as a region or superblock; 0 disables both. */
        public Options withHotThreshold(int n) {
            return new Options(maxCacheBytes, linking, n, superblockInsns, compileThreshold, batchSize, sparseGap, loopNests);
        }

        /** Longest superblock in instructions; 0 or 1 compiles every block alone. */
        public Options withSuperblocks(int maxInsns) {
            return new Options(maxCacheBytes, linking, hotThreshold, maxInsns, compileThreshold, batchSize, sparseGap, loopNests);
        }

        /** The execution at which a block is translated (1 = at the first, no interpretation first). */
        public Options withCompileThreshold(int n) {
            return new Options(maxCacheBytes, linking, hotThreshold, superblockInsns, Math.max(1, n), batchSize, sparseGap, loopNests);
        }

        /**
         * With {@code gap} > 0, a block that reaches {@link #compileThreshold} is translated only
         * if those runs came at most {@code gap} guest instructions apart on average (counted in
         * windows of {@code compileThreshold} runs: a sparse window starts a new one), or once it
         * has run {@link #SPARSE_RUNS} times the threshold in all. Code that runs often but
         * spread out — a large program's start-up — stays interpreted; loops are translated at
         * the threshold.
         */
        public Options withSparseGap(int gap) {
            return new Options(maxCacheBytes, linking, hotThreshold, superblockInsns, compileThreshold, batchSize, Math.max(0, gap), loopNests);
        }

        /** With a sparse gap, the multiple of the compile threshold at which a block is translated however spread out its runs. */
        public static final int SPARSE_RUNS = 16;

        /**
         * Whether a hot block may head a loop nest ({@code JitEngine.loopNest}): inner loops and
         * both arms of branches inside one region's method (the default); off, superblocks
         * follow one path and stop at another region's start.
         */
        public Options withLoopNests(boolean on) {
            return new Options(maxCacheBytes, linking, hotThreshold, superblockInsns, compileThreshold, batchSize, sparseGap, on);
        }

        /** Most blocks translated into one class (1: a class per block). */
        public Options withBatchSize(int n) {
            return new Options(maxCacheBytes, linking, hotThreshold, superblockInsns, compileThreshold, Math.max(1, n), sparseGap, loopNests);
        }
    }

    private final Machine machine;
    /** Classes shared with other engines (other CPUs, other emulators); null: this engine's own only. */
    private final SharedTranslations shared;
    private final Cpu cpu;
    private final Mmu mmu;
    private final BlockCache blocks;
    private Options options;
    private final MethodHandles.Lookup lookup = MethodHandles.lookup();
    private final Cache<Long, Translation> cache;
    private final Translation[] front = new Translation[4096];
    private final Map<Long, ArrayList<Translation>> byPage = new HashMap<>();
    private Translation prev;
    private final BlockRunner runner;
    /** Blocks that have run (interpreted) but are not translated yet, oldest first. */
    private final ArrayList<Translation> pending = new ArrayList<>();
    /** Most pending blocks remembered; older ones are translated when they run again, alone or with newer ones. */
    private static final int MAX_PENDING = 64;
    /** Test hook: every new translation is passed here. */
    java.util.function.Consumer<Translation> onTranslate;
    /** The block the last {@link #step} ran (null if its fetch faulted); for lockstep reports. */
    Block lastBlock;
    /** The translation the last {@link #step} ran (null if none); its instructions for lockstep reports. */
    Translation lastTranslation;

    // statistics
    public long blocksExecuted, chainedBlocks, hits, misses, translations, evictions, invalidations, linksFollowed,
            nativeCalls, exceptionsDelivered, interpretedBlocks, firstRuns, batches, batchedBlocks, regions, superblocks, superblockSegments,
            /** Regions that hold inner loops (a loop nest: {@code MethodEmitter.jumpToSegment}). */
            nestedRegions,
            /** Self-loop regions whose method holds the body twice ({@link #unrolled}). */
            unrolledRegions,
            /** Translations and recompilations installed (each made anew or taken from the shared code). */
            installs,
            /** Superblocks with segments in other pages than their first block's ({@link Translation#extraPages}). */
            crossPageSuperblocks, translateNanos, bytesGenerated,
            classBytesGenerated, inlinedInsns, fallbackInsns, hookedTranslations, hookInvalidations,
            /** Translations made from a class another engine defined ({@link dev.lstar.api.SharedCode}). */
            sharedReuses,
            /** Blocks left pending for a while because another engine was translating them. */
            sharedDeferrals,
            /** {@link PageCache} entries in the generated methods, and the methods with any. */
            pageCacheEntries, pageCacheMethods;

    /**
     * Makes ahead of the first translation what every JVM's first translation otherwise makes on
     * the guest's thread: the translator's tables (the instruction bindings, the SSE and x87
     * helpers found by reflection: 20-30 ms of class initialisation in a cold JVM) and ASM's class
     * writer, loaded from the jar (its classes are not in the JDK's AOT cache). No class is
     * defined. The CLI calls it on a start-up thread while the kernel boots.
     */
    public static void preload() {
        Intrinsics.preload();
        BlockCompiler.newClass("dev/lstar/translator/Preload").toByteArray(); // ASM's writer classes, nothing defined
    }

    public JitEngine(Machine machine) {
        this(machine, Options.defaults());
    }

    public JitEngine(Machine machine, Options options) {
        this(machine, options, null);
    }

    /** A JIT engine on {@code machine} that shares its translations through {@code sharedCode}. */
    public JitEngine(Machine machine, dev.lstar.api.SharedCode sharedCode) {
        this(machine, Options.defaults(), sharedCode);
    }

    /**
     * A JIT engine with {@code options}; with a non-null {@code sharedCode}, a block another
     * engine sharing it has translated is not translated again here: the engine makes an
     * instance of that class with its own blocks (see {@link SharedTranslations}).
     */
    public JitEngine(Machine machine, Options options, dev.lstar.api.SharedCode sharedCode) {
        this.machine = machine;
        this.shared = sharedCode == null ? null : SharedTranslations.of(sharedCode);
        this.cpu = machine.cpu;
        this.mmu = machine.mmu;
        this.options = options;
        this.blocks = new BlockCache(machine);
        this.runner = new BlockRunner(machine);
        this.cache = Caffeine.newBuilder()
                .maximumWeight(options.maxCacheBytes())
                .weigher((Long k, Translation t) -> t.codeBytes)
                .executor(Runnable::run)
                .evictionListener((Long k, Translation t, RemovalCause cause) -> {
                    if (t != null && cause.wasEvicted()) evicted(t);
                })
                .build();
        machine.phys.addCodeWriteListener(this::codeWritten);
        machine.addBlockInvalidator(this::invalidateTranslations);
    }

    @Override
    public String name() {
        return "jit";
    }

    public Options options() {
        return options;
    }

    /**
     * Changes {@link Options#compileThreshold} (say to 1, to have every block translated at its
     * first execution, as tests of translated code need); takes effect for blocks seen from now on.
     */
    public void setCompileThreshold(int n) {
        options = options.withCompileThreshold(n);
    }

    @Override
    public RunResult run(Machine m, long budget, long until) {
        if (m != machine) throw new IllegalArgumentException("this JIT belongs to another machine");
        Cpu c = cpu;
        long start = c.instructions;
        long limit = budget >= Long.MAX_VALUE - start ? Long.MAX_VALUE : start + budget;
        boolean chain = until == NO_UNTIL && options.linking();
        while (true) {
            RunResult stop = runner.checkStop(start, limit, until);
            if (stop != null) return stop;
            RunResult r = step(until, limit, start);
            if (r != null) return r;
            if (chain && prev != null) {
                r = chain(limit, start);
                if (r != null) return r;
            }
        }
    }

    /**
     * The common case of the run loop, without its general bookkeeping: from the block that just
     * ran, follows block links to chainable translations ({@link Translation#chainable}) and runs
     * them, for as long as nothing needs the general path. Before each block it makes exactly the
     * checks {@link BlockRunner#checkStop} and {@link BlockRunner#mustInterpret} would make for
     * it (stop request, halt, budget, RF/TF, trace, hooks; {@code until} is never set here; a
     * native function linked like a block runs here as well), and
     * re-validates the link as {@link #resolve} does, except that a mapping already checked under
     * the same {@link Mmu#generation} and CPL is not walked again. Returns a stop result as
     * {@link #step} does, or null when the general path must take over.
     */
    private RunResult chain(long limit, long start) {
        Cpu c = cpu;
        Machine m = machine;
        Mmu mm = mmu;
        Translation p = prev, s = null;
        long n = 0;
        try {
            while (true) {
                long rip = c.rip;
                s = p.successor(rip);
                if (s == null) break;
                Block b = s.block;
                if (!s.chainable) break;
                // a native (do_syscall_64 and the other Java functions of the kernel model) runs here
                // too, as step runs it: one "instruction", after the same checks as a block
                boolean isNative = b.nativeFn != null;
                if (!b.valid || b.hooked || s.checkedGen != (mm.generation() << 2 | c.cpl)
                        || m.stopRequested() || c.halted || (c.rflags & (Flags.RF | Flags.TF)) != 0
                        || m.tracer != null || limit - c.instructions < (isNative ? 1 : s.insns.length)) break;
                if (isNative) {
                    n++;
                    nativeCalls++;
                    runner.runNative(b);
                    p = s;
                    continue;
                }
                CompiledBlock code = s.code; // null: another CPU's code write invalidated it just now
                if (code == null) break;
                runner.setPendingNext(rip);
                n++; // (no per-translation or per-block counts here: they only serve the thresholds, passed already)
                code.run(c, limit);
                runner.trapIfPending(); // a translated SYSRET that loaded TF
                p = s;
            }
            s = null;
            prev = p;
            return null;
        } catch (CpuException | MachineCheckException | TripleFault | UnsupportedFeatureException e) {
            return fault(e, s, start);
        } finally {
            blocksExecuted += n;
            chainedBlocks += n;
            linksFollowed += n;
        }
    }

    /**
     * Executes one block (or native function) at RIP and delivers its exception if it raises one.
     * Returns a stop result only for an undeliverable fault, a triple fault or an unsupported
     * mode. {@code limit} bounds the instruction count (a region checks it at its back-edge); the
     * lockstep engine passes the current count to get exactly one block.
     */
    RunResult step(long until, long limit, long start) {
        Cpu c = cpu;
        long rip = c.rip;
        runner.setPendingNext(rip);
        Translation t = null;
        lastBlock = null;
        lastTranslation = null;
        try {
            t = resolve(rip);
            lastBlock = t.block;
            lastTranslation = t;
            blocksExecuted++;
            t.execCount++;
            Block b = t.block;
            if (t.pending && t.execCount >= options.compileThreshold() && denseEnough(t)) translatePending(t);
            CompiledBlock code = t.code;
            if (b.nativeFn != null) {
                nativeCalls++;
                runner.runNative(b);
                if (t.valid && !b.hooked) t.chainable = true; // (linked natives run from the chain loop too)
            } else if (code == null || mustInterpret(t, b, until, blockLimit(limit))) {
                if (t.pending) firstRuns++;
                else interpretedBlocks++;
                runner.interpret(b, until, blockLimit(limit)); // the shared rules: until, exact budget, RF, TF, hooks, trace
            } else {
                CompiledBlock single = code;
                // checked once, when the block becomes hot (not on every later execution)
                if (!t.hotChecked && options.hotThreshold() > 0 && t.execCount >= options.hotThreshold()) {
                    t.hotChecked = true;
                    // (a region would loop without re-checking the second page of a page-crossing block)
                    if (!t.region) code = BlockCompiler.isSelfLoop(b) && b.pa2 < 0 ? recompileAsRegion(t) : recompileAsSuperblock(t);
                }
                if (t.isSuperblock() && tailBlocked(t, until, blockLimit(limit))) {
                    code = t.firstOnly != null ? t.firstOnly : single; // (null only if t was evicted just now)
                }
                if (code == null) code = single; // invalidated meanwhile (another CPU's code write): this run still has it
                code.run(c, until == b.la && until != NO_UNTIL ? c.instructions : limit);
                runner.trapIfPending(); // a translated SYSRET that loaded TF
                // past its tiering decisions: later runs may come from the chain loop
                if (!t.chainable && t.valid && !t.pending && !t.hookCalls && !b.hooked && t.code != null
                        && (t.hotChecked || options.hotThreshold() <= 0)) t.chainable = true;
            }
            prev = t;
        } catch (CpuException | MachineCheckException | TripleFault | UnsupportedFeatureException e) {
            return fault(e, t, start);
        }
        return null;
    }

    /**
     * What {@link #step} and {@link #chain} do when translation {@code t} (null: none was
     * resolved) ends with {@code e}: a CPU exception is delivered, the other aborts stop the run.
     */
    private RunResult fault(RuntimeException e, Translation t, long start) {
        Cpu c = cpu;
        prev = null;
        if (e instanceof CpuException ce) {
            if (t != null && t.block.nativeFn == null) {
                int k = t.indexOf(c.rip);
                // a fault: RIP is the faulting instruction (a single-step trap already set its own)
                if (k >= 0 && !ce.hardwareTrap) runner.setPendingNext(t.insns[k].next());
            }
            exceptionsDelivered++;
            return runner.deliver(ce, c.rip, start);
        }
        if (e instanceof MachineCheckException mc) return runner.machineCheck(mc, start);
        if (e instanceof TripleFault tf) {
            return new RunResult(StopReason.TRIPLE_FAULT, c.instructions - start, null, c.rip, tf.getMessage());
        }
        UnsupportedFeatureException u = (UnsupportedFeatureException) e;
        return new RunResult(StopReason.UNSUPPORTED, c.instructions - start, null, c.rip, u.getMessage());
    }

    /**
     * The superblock's share of the run-loop rules (the first block's is
     * {@link BlockRunner#mustInterpret}): the whole superblock must fit in the budget, and
     * {@code until} must not lie in a later segment; otherwise its first block runs alone.
     */
    private boolean tailBlocked(Translation t, long until, long limit) {
        return limit - cpu.instructions < t.insns.length || (until != NO_UNTIL && t.tailCovers(until));
    }

    /** A limit at or below the current count is the lockstep engine's "exactly one block". */
    private long blockLimit(long limit) {
        return limit <= cpu.instructions ? Long.MAX_VALUE : limit;
    }

    // ------------------------------------------------------------------ lookup, linking, cache

    private Translation resolve(long rip) {
        Translation p = prev;
        if (p != null && options.linking()) {
            Translation s = p.successor(rip);
            // re-validate: same physical page(s) under the current CR3/PCID and privilege
            if (s != null && s.usable() && mmu.fetchPhys(rip) == s.pa && pagesSame(s)) {
                linksFollowed++;
                s.checkedGen = mmu.generation() << 2 | cpu.cpl;
                return s;
            }
        }
        Translation t = lookup(rip);
        t.checkedGen = mmu.generation() << 2 | cpu.cpl; // the look-up checked the fetch mapping
        if (p != null && p.valid && options.linking()) p.link(rip, t);
        return t;
    }

    /**
     * Whether the second page of a block with an instruction over a page end still maps
     * (executably) to the frame it was decoded from; false if its fetch faults (the look-up then
     * decodes again and raises the fault where the fetch would).
     */
    private boolean secondPageSame(Block b) {
        try {
            return mmu.fetchPhys((b.la + b.byteLen - 1) & ~0xFFFL) == b.pa2;
        } catch (CpuException e) {
            return false;
        }
    }

    /**
     * Whether the pages of {@code t}'s code beyond its first one still map (executably) to the
     * frames it was decoded from: the second page of a first block with an instruction over a
     * page end, and the pages of a superblock's later segments ({@link Translation#extraPages}).
     */
    private boolean pagesSame(Translation t) {
        return (t.block.pa2 < 0 || secondPageSame(t.block)) && extraPagesSame(t);
    }

    /** The {@link Translation#extraPages} part of {@link #pagesSame} (the look-up has checked the first block's pages). */
    private boolean extraPagesSame(Translation t) {
        long[] x = t.extraPages;
        if (x == null) return true;
        try {
            for (int k = 0; k < x.length; k += 2) if (mmu.fetchPhys(x[k]) != x[k + 1]) return false;
            return true;
        } catch (CpuException e) {
            return false;
        }
    }

    private Translation lookup(long rip) {
        Block b = blocks.lookup(rip); // execute-checked translation of RIP; may fault
        if (!b.valid || b.nativeFn != null) {
            // never translated: interpreted, or a native function
            return new Translation(rip, b.pa, b);
        }
        int slot = (int) (b.pa ^ (b.pa >>> 12)) & (front.length - 1);
        Translation t = front[slot];
        // (a superblock into other pages is used only while they map as they did: else dropped)
        if (t != null && t.block == b && t.valid && extraPagesSame(t)) {
            hits++;
            return t;
        }
        t = cache.getIfPresent(b.pa);
        if (t != null && t.block == b && t.valid && extraPagesSame(t)) {
            hits++;
            front[slot] = t;
            return t;
        }
        misses++;
        if (t != null) dropTranslation(t);
        // translated now: at threshold 1 and blocks with hook calls, unless precompile gathers a range to translate together
        boolean now = options.compileThreshold() <= 1 || BlockCompiler.hookCalls(b, machine);
        t = now && !inPrecompile ? translate(b) : pendingTranslation(b);
        front[slot] = t;
        synchronized (byPage) { // the code-write listener may run on another CPU's thread
            byPage.computeIfAbsent(b.pa >>> 12, k -> new ArrayList<>()).add(t);
            // one instruction over a page end (pa2): its second frame's writes drop it too
            if (b.pa2 >= 0) byPage.computeIfAbsent(b.pa2 >>> 12, k -> new ArrayList<>()).add(t);
        }
        cache.put(b.pa, t);
        return t;
    }

    private Translation translate(Block b) {
        return translate(b, true);
    }

    private Translation translate(Block b, boolean share) {
        long t0 = System.nanoTime();
        BlockCompiler.Result r = share ? compile(new Block[] {b}, false, false) : BlockCompiler.compile(lookup, b, machine, false);
        Translation t = new Translation(b.la, b.pa, b);
        install(t, r);
        translateNanos += System.nanoTime() - t0;
        return t;
    }

    /** Fills in {@code t} from its translation and counts it. */
    private void install(Translation t, BlockCompiler.Result r) {
        Block b = t.block;
        t.pending = false;
        if (r.insns() < b.insns.length) t.insns = Arrays.copyOf(b.insns, r.insns()); // ends early: see BlockCompiler.methodCut
        t.code = r.code();
        markHookCalls(t);
        t.codeBytes = r.codeBytes();
        translations++;
        counted(r);
        inlinedInsns += r.inlined();
        fallbackInsns += r.fallbacks();
        if (onTranslate != null) onTranslate.accept(t);
    }

    /** Counts the code {@code r} generated, or its reuse of a shared class. */
    private void counted(BlockCompiler.Result r) {
        installs++;
        if (r.reused()) {
            sharedReuses++;
        } else {
            bytesGenerated += r.codeBytes();
            classBytesGenerated += r.classBytes();
            pageCacheEntries += r.cacheEntries();
            if (r.cacheEntries() > 0) pageCacheMethods++;
        }
    }

    /**
     * {@link BlockCompiler#compile} through the shared classes: an instance of a class another
     * engine made for the same code, else a new translation, published for the others.
     * {@code ownClass}: a batch member found there does not do (see {@link #alone}).
     */
    private BlockCompiler.Result compile(Block[] segs, boolean region, boolean ownClass) {
        return compile(segs, region, ownClass, false);
    }

    /** {@code nestOnly}: a loop nest's blocks, compiled only as a region whole ({@link BlockCompiler#compile}). */
    private BlockCompiler.Result compile(Block[] segs, boolean region, boolean ownClass, boolean nestOnly) {
        SharedTranslations.Key key = shared == null ? null : SharedTranslations.key(segs, region, nestOnly, machine);
        if (key == null) return BlockCompiler.compile(lookup, segs, machine, region, nestOnly);
        for (int attempt = 0; ; attempt++) {
            BlockCompiler.Result r = shared.instantiate(key, segs, machine);
            if (r != null && !(ownClass && r.code() != null && r.code().inBatch)) return r;
            if (shared.claim(key)) {
                try {
                    r = shared.instantiate(key, segs, machine); // published between the look-up and the claim
                    if (r != null && !(ownClass && r.code() != null && r.code().inBatch)) return r;
                    r = BlockCompiler.compile(lookup, segs, machine, region, nestOnly);
                    shared.publish(key, r);
                    return r;
                } finally {
                    shared.release(key);
                }
            }
            if (attempt > 0) return BlockCompiler.compile(lookup, segs, machine, region, nestOnly); // waited once already
            shared.await(key, 10_000); // another engine translates it now (this one holds no claims)
        }
    }

    /**
     * Whether pending {@code t}, at or past the compile threshold, is translated now
     * ({@link Options#withSparseGap}): always without a gap; else when its current window of
     * threshold runs came densely enough, or it has run {@link Options#SPARSE_RUNS} thresholds.
     */
    private boolean denseEnough(Translation t) {
        int gap = options.sparseGap(), threshold = options.compileThreshold();
        if (gap <= 0 || t.execCount >= (long) Options.SPARSE_RUNS * threshold) return true;
        long runs = t.execCount - t.windowRuns;
        if (runs < threshold) return false;
        if (cpu.instructions - t.windowStart <= gap * runs) return true;
        t.windowStart = cpu.instructions; // too spread out: a new window
        t.windowRuns = t.execCount;
        return false;
    }

    /** A block seen for the first time: interpreted until {@link Options#compileThreshold}. */
    private Translation pendingTranslation(Block b) {
        Translation t = new Translation(b.la, b.pa, b);
        t.windowStart = cpu.instructions;
        t.pending = true;
        t.codeBytes = PENDING_WEIGHT;
        pending.add(t);
        if (pending.size() > MAX_PENDING) pending.remove(0);
        return t;
    }

    /** Cache weight of a translation not made yet (so that pending entries are bounded too). */
    private static final int PENDING_WEIGHT = 64;

    /**
     * {@code t} reached the compile threshold: translate it, together with the most recent other
     * pending blocks (up to {@link Options#batchSize} in all), into one class.
     */
    private void translatePending(Translation t) {
        long t0 = System.nanoTime();
        ArrayList<Translation> batch = new ArrayList<>(options.batchSize());
        batch.add(t);
        for (int k = pending.size() - 1; k >= 0 && batch.size() < options.batchSize(); k--) {
            Translation q = pending.get(k);
            // (blocks with hook calls are pending only in precompile; with a sparse gap, only blocks
            // halfway to the threshold come along)
            if (q != t && q.pending && q.valid && q.block.valid
                    && (options.sparseGap() <= 0 || 2 * q.execCount >= options.compileThreshold())) batch.add(q);
        }
        pending.removeIf(q -> !q.pending || !q.valid || batch.contains(q));
        java.util.List<Translation> all = java.util.List.copyOf(batch);
        ArrayList<SharedTranslations.Key> claimed = shared == null ? null : new ArrayList<>();
        try {
            if (shared != null) { // the blocks another engine translated: instances of its classes
                for (int k = batch.size() - 1; k >= 0; k--) {
                    Translation q = batch.get(k);
                    Block[] one = {q.block};
                    SharedTranslations.Key key = SharedTranslations.key(one, false, false, machine);
                    if (key == null) continue;
                    BlockCompiler.Result r = shared.instantiate(key, one, machine);
                    if (r == null && shared.claim(key)) {
                        r = shared.instantiate(key, one, machine); // published between the look-up and the claim
                        if (r == null) {
                            claimed.add(key);
                            continue;
                        }
                        shared.release(key);
                    }
                    if (r != null) install(q, r);
                    else sharedDeferrals++; // another engine is translating it: it stays pending, found there next time
                    batch.remove(k);
                }
            }
            if (batch.size() == 1) {
                Translation q = batch.get(0);
                BlockCompiler.Result r = BlockCompiler.compile(lookup, q.block, machine, false);
                if (shared != null) shared.publish(SharedTranslations.key(new Block[] {q.block}, false, false, machine), r);
                install(q, r);
            } else if (batch.size() > 1) {
                installBatch(batch, true);
            }
        } finally {
            if (claimed != null) for (SharedTranslations.Key key : claimed) shared.release(key);
        }
        for (Translation q : all) if (q.valid && !q.pending) cache.put(q.pa, q); // re-weigh (may evict: the objects stay usable)
        translateNanos += System.nanoTime() - t0;
    }

    /**
     * Translates the blocks of {@code ts} into one batch class and installs each result;
     * {@code share}: publishes the members (unless one has hook calls: the class data would keep
     * this machine's hooks reachable).
     */
    private void installBatch(java.util.List<Translation> ts, boolean share) {
        Block[] blocks = new Block[ts.size()];
        for (int k = 0; k < blocks.length; k++) blocks[k] = ts.get(k).block;
        BlockCompiler.Result[] rs = BlockCompiler.compileBatch(lookup, blocks, machine);
        SharedTranslations.Key[] keys = new SharedTranslations.Key[blocks.length];
        if (share && shared != null) {
            for (int k = 0; k < blocks.length; k++) {
                keys[k] = SharedTranslations.key(new Block[] {blocks[k]}, false, false, machine);
                if (keys[k] == null) {
                    keys = new SharedTranslations.Key[blocks.length];
                    break;
                }
            }
        }
        for (int k = 0; k < blocks.length; k++) {
            if (keys[k] != null) shared.publish(keys[k], rs[k]);
            install(ts.get(k), rs[k]);
        }
        batches++;
        batchedBlocks += blocks.length;
    }

    /**
     * The blocks to translate together with {@code b} (a superblock): while the last one can go on
     * ({@link BlockCompiler#continuation}: a conditional branch's likely direction
     * ({@link #likelySuccessor}), a direct jump or call, SWAPGS, MOV to CR3, and in user code an
     * indirect call's or jump's one observed target, {@link #observedCallee}) to an address in the same
     * 4 KiB page — or, for user code, in up to {@link #MAX_SUPERBLOCK_PAGES} pages in all —, that
     * block follows unless it is already in. Stops at natives, blocks the embedder's hooks cover,
     * kernel blocks decoded across a page end, the start of
     * a region ({@link #headsLoop}), and at {@link Options#superblockInsns} instructions. A path
     * that comes back to {@code b} is a loop ({@link BlockCompiler#closesLoop}: compiled as a
     * region when it fits one method). A self-loop block stays alone (it may become a region).
     * The translation is registered under every page its segments cover, so a code write to any
     * of them drops it; the generated code also checks each later segment's {@code valid} flag
     * when it reaches it, and the other pages' mappings are checked as the first one's
     * ({@link #pagesSame}, {@code MethodEmitter.pagesCheck}).
     */
    private Block[] superblock(Block b) {
        int max = options.superblockInsns();
        if (max <= 1 || b.hooked || BlockCompiler.isSelfLoop(b)) return new Block[] {b};
        ArrayList<Block> segs = null;
        Block cur = b;
        int count = b.insns.length;
        // user code may go on into other pages (each checked when the translation is entered);
        // kernel paths stay in one page (their MOV to CR3 changes the mapping generation)
        boolean crossPages = b.la >= 0;
        int pages = 1;
        while (true) {
            long next = BlockCompiler.continuation(cur);
            Instruction last = cur.insns[cur.insns.length - 1];
            if (last.mnemonic == Mnemonic.JCC && next != -1) next = likelySuccessor(cur, last);
            // an indirect CALL or JMP goes on to the target it has had (nearly) always, behind a guard
            if (next == -1 && crossPages && InsnTraits.isIndirectBranch(last)) next = observedCallee(cur);
            if (next == -1) break;
            boolean samePage = ((next ^ b.la) >>> 12) == 0;
            if (!samePage && (!crossPages || next < 0)) break;
            Block nb;
            try {
                nb = blocks.lookup(next);
            } catch (CpuException | UnsupportedFeatureException e) {
                break;
            }
            if (!nb.valid || nb.nativeFn != null || (nb.pa2 >= 0 && !crossPages) || nb.hooked || nb.insns.length == 0 || nb == b
                    || (segs != null && segs.contains(nb)) || (samePage && nb.pa != b.pa + (next - b.la))
                    || count + nb.insns.length > max || headsLoop(nb)) break;
            int more = newPages(b, segs, nb);
            if (pages + more > MAX_SUPERBLOCK_PAGES) break;
            pages += more;
            if (segs == null) {
                segs = new ArrayList<>(4);
                segs.add(b);
            }
            segs.add(nb);
            count += nb.insns.length;
            cur = nb;
        }
        return segs == null ? new Block[] {b} : segs.toArray(new Block[0]);
    }

    /**
     * The blocks of a loop nest headed by {@code b}, or null: from {@code b}, depth first, every
     * block a hot way leads to in {@code b}'s page — a conditional branch's likely direction
     * ({@link #likelySuccessor}) and its other one when the branch profile says that one is
     * taken too ({@link #hotWay}), a direct jump's or call's target, the next instruction —
     * up to {@link Options#superblockInsns} instructions; every way back into the blocks stays
     * inside the method ({@code MethodEmitter.jumpToSegment}). A loop whose body is a chain of
     * blocks, loops inside loops (an inner loop's exit leads on to the rest of the outer body),
     * if/else arms that both run: all in one method, entered once and left at cold ways. Blocks
     * in depth-first order, so each one's likely way is the next block when it was new. Null
     * when the ways found make no loop nest ({@link BlockCompiler#loopNest}).
     */
    private Block[] loopNest(Block b, int max) {
        if (!options.loopNests() || max <= 1 || b.hooked || b.pa2 >= 0 || BlockCompiler.isSelfLoop(b)) return null;
        ArrayList<Block> segs = new ArrayList<>(8);
        segs.add(b);
        int[] count = {b.insns.length};
        visitNest(b, b, segs, count, max);
        Block[] all = segs.toArray(new Block[0]);
        // a call in the nest returns to a block outside its method (only the head enters it): the
        // loop would leave the method every time round; the plain path follows calls further
        // (indirect ones and into other pages: qsort's comparator calls, 51 M instead of 34 M dispatches)
        for (Block x : all) if (x.insns[x.insns.length - 1].mnemonic == Mnemonic.CALL) return null;
        return all.length > 1 && BlockCompiler.loopNest(all) ? all : null;
    }

    private void visitNest(Block head, Block cur, ArrayList<Block> segs, int[] count, int max) {
        Instruction last = cur.insns[cur.insns.length - 1];
        long first = BlockCompiler.continuation(cur), second = -1;
        if (first == -1) return;
        if (last.mnemonic == Mnemonic.JCC) {
            first = likelySuccessor(cur, last);
            long other = first == last.target ? last.next() : last.target;
            if (hotWay(cur, other)) second = other;
        }
        for (long next : new long[] {first, second}) {
            if (next == -1 || ((next ^ head.la) >>> 12) != 0) continue;
            if (segs.stream().anyMatch(x -> x.la == next)) continue;
            Block nb;
            try {
                nb = blocks.lookup(next);
            } catch (CpuException | UnsupportedFeatureException e) {
                continue;
            }
            // a self-loop block stays a region of its own (the way to it leaves the nest): that one
            // carries the flag record of its back-edge in locals, which a nest's method does not
            // (sieve's marking loop inside its nest: 2.1 instead of 1.6 s)
            if (!nb.valid || nb.nativeFn != null || nb.pa2 >= 0 || nb.hooked || nb.insns.length == 0
                    || nb.pa != head.pa + (next - head.la) || count[0] + nb.insns.length > max || BlockCompiler.isSelfLoop(nb)) continue;
            segs.add(nb);
            count[0] += nb.insns.length;
            visitNest(head, nb, segs, count, max);
        }
    }

    /**
     * Whether the links of {@code b}'s translation were followed to {@code la} at least
     * {@link #HOT_WAY} of the time (none known: no).
     */
    private boolean hotWay(Block b, long la) {
        Translation t = cache.getIfPresent(b.pa);
        if (t == null || t.block != b) return false;
        long total = t.follows0 + t.follows1;
        long to = (t.succLa0 == la ? t.follows0 : 0) + (t.succLa1 == la ? t.follows1 : 0);
        return to > 0 && to * HOT_WAY >= total;
    }

    /** A conditional branch's other direction joins a loop nest when taken at least 1/32 of the time. */
    static final int HOT_WAY = 32;

    /** The most code pages one superblock spans (each is checked when the translation is entered). */
    static final int MAX_SUPERBLOCK_PAGES = 4;

    /** How many pages of {@code nb}'s code neither {@code first} nor {@code segs} cover. */
    private static int newPages(Block first, ArrayList<Block> segs, Block nb) {
        int n = 0;
        for (long p : BlockCompiler.codePages(nb)) {
            boolean seen = BlockCompiler.covers(first, p);
            if (segs != null) for (Block s : segs) seen |= BlockCompiler.covers(s, p);
            if (!seen) n++;
        }
        return n;
    }

    /**
     * The pages of segments after the first that the first block's pages do not cover, as pairs
     * (linear page address, frame address) for {@link #pagesSame}; null if there are none.
     */
    private static long[] extraPages(Block[] used) {
        long[] x = new long[4 * MAX_SUPERBLOCK_PAGES];
        int n = 0;
        for (int s = 1; s < used.length; s++) {
            Block b = used[s];
            long[] ps = BlockCompiler.codePages(b);
            for (int q = 0; q < ps.length; q++) {
                long page = ps[q];
                if (BlockCompiler.covers(used[0], page)) continue;
                boolean dup = false;
                for (int k = 0; k < n; k += 2) dup |= x[k] == page << 12;
                if (dup) continue;
                if (n == x.length) x = Arrays.copyOf(x, 2 * n);
                x[n++] = page << 12;
                x[n++] = q == 0 ? b.pa & ~0xFFFL : b.pa2 & ~0xFFFL;
            }
        }
        return n == 0 ? null : Arrays.copyOf(x, n);
    }

    /**
     * Whether {@code b} starts a region (a loop kept inside its method): a path that reaches it
     * ends there and goes on into the region, instead of copying the loop's first iteration into
     * a superblock of its own and leaving the loop at a side exit every time round.
     */
    private boolean headsLoop(Block b) {
        Translation t = cache.getIfPresent(b.pa);
        return t != null && t.block == b && t.valid && t.loop;
    }

    /**
     * The target of {@code b}'s final indirect CALL or JMP that its links were followed to at least
     * {@link #DOMINANT} of the time (counted over both link slots), else -1; the code then
     * compares the computed target with it (see {@code BranchEmitter.call}) and leaves through a
     * side exit when it differs.
     */
    private long observedCallee(Block b) {
        Translation t = cache.getIfPresent(b.pa);
        if (t == null || t.block != b) return -1;
        if (t.isSuperblock() || t.loop) return t.profiledNext; // its links are the whole path's exits
        return dominantSuccessor(t);
    }

    /** Share of the followed links one callee needs: 15/16. */
    static final int DOMINANT = 15;

    private static long dominantSuccessor(Translation t) {
        long total = t.follows0 + t.follows1;
        if (t.succ0 != null && t.follows0 * 16 >= total * DOMINANT && t.follows0 > 0) return t.succLa0;
        if (t.succ1 != null && t.follows1 * 16 >= total * DOMINANT && t.follows1 > 0) return t.succLa1;
        return -1;
    }

    /**
     * Where a superblock goes on after {@code b}, which ends in the conditional branch
     * {@code jcc}: of the directions the engine has gone on from {@code b} through its block
     * links, the one followed more often ({@link Translation#successor}), else the fall-through.
     * The other direction becomes the side exit.
     */
    private long likelySuccessor(Block b, Instruction jcc) {
        Translation t = cache.getIfPresent(b.pa);
        if (t == null || t.block != b) return jcc.next();
        if (t.isSuperblock() || t.loop) return t.profiledNext != -1 ? t.profiledNext : jcc.next();
        return profiled(t, jcc);
    }

    /**
     * The direction of {@code jcc} (ending {@code t}'s only block) that {@code t}'s links were
     * followed to more often, else the fall-through.
     */
    private static long profiled(Translation t, Instruction jcc) {
        boolean in0 = t.succ0 != null && (t.succLa0 == jcc.target || t.succLa0 == jcc.next());
        boolean in1 = t.succ1 != null && (t.succLa1 == jcc.target || t.succLa1 == jcc.next());
        if (in0 && (!in1 || t.follows0 > t.follows1)) return t.succLa0;
        if (in1 && (!in0 || t.follows1 > t.follows0)) return t.succLa1;
        return jcc.next();
    }

    /**
     * A hot block that is not a self-loop is compiled again together with the blocks it continues
     * into ({@link #superblock}); its single-block code stays as {@link Translation#firstOnly}
     * for when a stop address or the budget falls inside the superblock.
     */
    private CompiledBlock recompileAsSuperblock(Translation t) {
        CompiledBlock single = t.code;
        // a loop nest when the hot ways from here make one (inner loops and all, in one method),
        // else a path; a path that comes back to its start is a loop: kept inside the method
        // when it fits whole
        long t0 = System.nanoTime();
        BlockCompiler.Result r = null;
        Block[] segs = null;
        // a loop nest too large for one method whole is tried again with fewer instructions (the
        // blocks found last left out: an outer loop's) while there is one
        for (int max = options.superblockInsns(), tries = 0; tries < 4; tries++) {
            Block[] nest = loopNest(t.block, max);
            if (nest == null) break;
            BlockCompiler.Result n = compile(nest, true, false, true);
            if (n.region()) {
                r = n;
                segs = nest;
                nestedRegions++;
                break;
            }
            int insns = 0;
            for (Block x : nest) insns += x.insns.length;
            max = insns - 1;
        }
        if (segs == null) segs = superblock(t.block);
        Instruction end = t.block.insns[t.block.insns.length - 1];
        // before the links change
        if (end.mnemonic == Mnemonic.JCC && end.kind[0] == Instruction.OP_REL) t.profiledNext = profiled(t, end);
        else if (InsnTraits.isIndirectBranch(end)) t.profiledNext = dominantSuccessor(t);
        if (segs.length == 1) {
            translateNanos += System.nanoTime() - t0;
            return alone(t);
        }
        if (r == null) r = compile(segs, true, false);
        translateNanos += System.nanoTime() - t0;
        if (r.segments() == 1) return alone(t); // too large for one method, or cut inside the first block
        if (r.region()) {
            regions++;
            t.region = t.loop = true;
        }
        Block[] used = Arrays.copyOf(segs, r.segments());
        Instruction[] all = pathInsns(used, r.insns());
        superblocks++;
        superblockSegments += used.length;
        counted(r);
        long[] extra = extraPages(used);
        if (extra != null) {
            crossPageSuperblocks++;
            synchronized (byPage) { // code writes to those pages drop it too
                for (int k = 1; k < extra.length; k += 2) {
                    ArrayList<Translation> l = byPage.computeIfAbsent(extra[k] >>> 12, p -> new ArrayList<>());
                    if (!l.contains(t)) l.add(t);
                }
            }
        }
        t.extraPages = extra;
        t.firstOnly = single;
        t.segments = used;
        t.insns = all;
        t.code = r.code();
        t.codeBytes += r.codeBytes();
        CompiledBlock code = t.code;
        cache.put(t.pa, t); // re-weigh (may evict t: the local stays usable for this run)
        return code;
    }

    /** The first {@code count} instructions along the segments {@code segs} (a translation's {@link Translation#insns}). */
    private static Instruction[] pathInsns(Block[] segs, int count) {
        Instruction[] all = new Instruction[count];
        int n = 0;
        for (Block s : segs) {
            int m = Math.min(s.insns.length, count - n);
            System.arraycopy(s.insns, 0, all, n, m);
            n += m;
        }
        return all;
    }

    /**
     * A hot block that stays a single block: if its code is a member of a batch class, it is
     * compiled again in a class of its own (its {@code run} is then the block's code itself, not
     * a dispatch on the member index: one call less on every execution).
     */
    private CompiledBlock alone(Translation t) {
        CompiledBlock code = t.code;
        // (a hooked member stays: its hook calls cost far more than the member dispatch)
        if (code == null || !code.inBatch || t.hookCalls) return code;
        long t0 = System.nanoTime();
        BlockCompiler.Result r = compile(new Block[] {t.block}, false, true);
        translateNanos += System.nanoTime() - t0;
        if (r.code() == null || r.insns() != t.insns.length) return code;
        counted(r);
        t.code = r.code();
        return t.code;
    }

    private CompiledBlock recompileAsRegion(Translation t) {
        long t0 = System.nanoTime();
        Block b = t.block;
        Block[] segs = unrolled(b);
        BlockCompiler.Result r = null;
        if (segs != null) { // the body twice in one pass: half the back-edges' checks per guest iteration
            r = compile(segs, true, false);
            if (!r.region() || r.segments() != segs.length || r.codeBytes() > UNROLL_MAX_BYTES) r = null;
        }
        if (r == null) {
            segs = null;
            r = compile(new Block[] {b}, true, false);
        }
        translateNanos += System.nanoTime() - t0;
        t.region = true; // also when the region did not fit: do not try again
        if (!r.region()) return t.code;
        regions++;
        t.loop = true;
        counted(r);
        if (segs != null) {
            // as a superblock of the block twice: the engine enters it only where a whole pass fits
            // the budget and no stop address lies in it (else the block's own code runs, firstOnly)
            unrolledRegions++;
            t.firstOnly = t.code;
            t.segments = segs;
            t.insns = pathInsns(segs, r.insns());
        }
        t.code = r.code();
        t.codeBytes = r.codeBytes();
        cache.put(t.pa, t); // re-weigh
        return t.code;
    }

    /**
     * Self-loops of at most this many instructions are compiled with their body twice per pass
     * ({@link #unrolled}), when that method's bytecode stays within {@link #UNROLL_MAX_BYTES}.
     * (Four copies of spectral-norm's 14-instruction loop were no faster than two.)
     */
    static final int UNROLL_MAX_INSNS = 32, UNROLL_MAX_BYTES = 4000;

    /**
     * The segments of self-loop {@code b}'s region with its body twice (the first copy's way back
     * goes on into the second, the second's is the back-edge, see
     * {@code MethodEmitter.jumpToSegment}): the stop request, the code's validity and the budget
     * are checked once per two guest iterations. Null when {@code b} is too long, or does not
     * end in a direct branch back to its start taken to stay in the loop.
     */
    private static Block[] unrolled(Block b) {
        Instruction last = b.insns[b.insns.length - 1];
        boolean back = last.kind[0] == Instruction.OP_REL && last.target == b.la
                && (last.mnemonic == Mnemonic.JCC || last.mnemonic == Mnemonic.JMP);
        return back && b.insns.length <= UNROLL_MAX_INSNS ? new Block[] {b, b} : null;
    }

    private void dropTranslation(Translation t) {
        t.invalidate();
        synchronized (byPage) {
            ArrayList<Translation> l = byPage.get(t.pa >>> 12);
            if (l != null) l.remove(t);
            if (t.block.pa2 >= 0 && (l = byPage.get(t.block.pa2 >>> 12)) != null) l.remove(t);
            long[] x = t.extraPages;
            if (x != null) {
                for (int k = 1; k < x.length; k += 2) if ((l = byPage.get(x[k] >>> 12)) != null) l.remove(t);
            }
        }
        int slot = (int) (t.pa ^ (t.pa >>> 12)) & (front.length - 1);
        if (front[slot] == t) front[slot] = null;
    }

    private void evicted(Translation t) {
        evictions++;
        dropTranslation(t);
    }

    /** Physical memory tells us a code frame was written: drop every translation from it. */
    private void codeWritten(long physAddr, int len) {
        synchronized (byPage) { // on the writer's thread: with several CPUs, maybe not this engine's
            codeWrittenLocked(physAddr, len);
        }
    }

    private void codeWrittenLocked(long physAddr, int len) {
        long first = physAddr >>> 12, last = (physAddr + Math.max(len, 1) - 1) >>> 12;
        for (long pfn = first; pfn <= last; pfn++) {
            ArrayList<Translation> l = byPage.remove(pfn);
            if (l == null) continue;
            for (Translation t : l) {
                if (!t.valid) continue;
                invalidations++;
                t.invalidate();
                cache.asMap().remove(t.pa, t);
                int slot = (int) (t.pa ^ (t.pa >>> 12)) & (front.length - 1);
                if (front[slot] == t) front[slot] = null;
            }
        }
    }

    @Override
    public void flush() {
        blocks.flush();
        flushTranslations();
    }

    /**
     * Drops every translation but keeps the decoded blocks (for measuring translation alone);
     * {@link #flush} drops both.
     */
    public void flushTranslations() {
        for (Translation t : cache.asMap().values()) t.invalidate();
        cache.invalidateAll();
        synchronized (byPage) {
            byPage.clear();
        }
        pending.clear();
        Arrays.fill(front, null);
        prev = null;
    }

    /**
     * Measurement support: the decoded blocks of the live translations, in no particular order
     * (for {@link #translateAgain}).
     */
    public java.util.List<Block> translatedBlocks() {
        java.util.List<Block> l = new ArrayList<>();
        for (Translation t : cache.asMap().values()) if (t.valid && t.code != null) l.add(t.block);
        return l;
    }

    /**
     * Measurement support: translates decoded block {@code b} of this machine again, exactly as a
     * cache miss would (generate, define, instantiate), counts it in the statistics and discards
     * the result (nothing in the cache changes). Returns the bytecode size of the method.
     */
    public int translateAgain(Block b) {
        return translate(b, false).codeBytes;
    }

    /**
     * Measurement support: as {@link #translateAgain(Block)} for several blocks at once, the way
     * blocks reaching {@link Options#compileThreshold} are translated: one batch class. Returns
     * the total bytecode size.
     */
    public int translateAgain(java.util.List<Block> bs) {
        long t0 = System.nanoTime();
        ArrayList<Translation> ts = new ArrayList<>(bs.size());
        for (Block b : bs) ts.add(new Translation(b.la, b.pa, b));
        installBatch(ts, false);
        translateNanos += System.nanoTime() - t0;
        int bytes = 0;
        for (Translation t : ts) bytes += t.codeBytes;
        return bytes;
    }

    /** Tests: the cache's translations. */
    java.util.Collection<Translation> translationsForTest() {
        return cache.asMap().values();
    }

    /** Live translations (after pending evictions). */
    public long liveTranslations() {
        cache.cleanUp();
        return cache.estimatedSize();
    }

    // ------------------------------------------------------------------ embedder hooks

    /** Whether the translation of {@code t} has the hook calls compiled in (then it never becomes a region). */
    private void markHookCalls(Translation t) {
        if (t.code != null && BlockCompiler.hookCalls(t.block, machine)) {
            t.hookCalls = true;
            t.region = true; // hooked loops go round through the engine: enterBlock runs at every iteration
            hookedTranslations++;
        }
    }

    /**
     * {@link BlockRunner#mustInterpret}, except that a translation with compiled hook calls runs
     * its hooked block itself: the other reasons (trace, RF/TF, budget or {@code until} inside
     * the block) are the same rule.
     */
    private boolean mustInterpret(Translation t, Block b, long until, long limit) {
        return runner.mustInterpret(b, until, limit, t.hookCalls);
    }

    /**
     * The {@link Machine.BlockInvalidator} of the translations: a hook change or range flush drops
     * exactly the translations of the blocks the filter selects (their blocks go from the block
     * cache, which counts them; the next execution decodes and translates them again, with or
     * without hook calls). Returns 0: translations are counted through their blocks.
     */
    private int invalidateTranslations(Machine.BlockFilter f) {
        synchronized (byPage) {
            return invalidateTranslationsLocked(f);
        }
    }

    private int invalidateTranslationsLocked(Machine.BlockFilter f) {
        for (java.util.Iterator<ArrayList<Translation>> it = byPage.values().iterator(); it.hasNext(); ) {
            ArrayList<Translation> l = it.next();
            for (int k = l.size() - 1; k >= 0; k--) {
                Translation t = l.get(k);
                if (t.valid && !f.test(t.la, t.pa, t.block.byteLen, t.block.insns)) continue;
                l.remove(k);
                if (!t.valid) continue;
                invalidations++;
                hookInvalidations++;
                t.invalidate();
                cache.asMap().remove(t.pa, t);
                int slot = (int) (t.pa ^ (t.pa >>> 12)) & (front.length - 1);
                if (front[slot] == t) front[slot] = null;
            }
            if (l.isEmpty()) it.remove();
        }
        if (prev != null && !prev.valid) prev = null;
        return 0;
    }

    /**
     * {@link dev.lstar.api.CodeCacheControl}: decodes the block at {@code address}; its length. The
     * block is translated by {@link #precompileDone}, with the range's other blocks (those with
     * hook calls too), in batch classes as a run translates pending blocks.
     */
    @Override
    public int precompile(long address) {
        inPrecompile = true;
        try {
            Translation t = lookup(address);
            if (t.pending) precompiling.add(t);
            return t.block.byteLen;
        } finally {
            inPrecompile = false;
        }
    }

    /** Set during {@link #precompile}'s look-up: every new block waits for {@link #precompileDone}. */
    private boolean inPrecompile;

    /** Blocks {@link #precompile} looked up that are not translated yet. */
    private final ArrayList<Translation> precompiling = new ArrayList<>();

    /** Translates the blocks {@link #precompile} left pending, newest first (each batch takes the newest pending blocks). */
    @Override
    public void precompileDone() {
        try {
            for (int k = precompiling.size() - 1; k >= 0; k--) {
                Translation t = precompiling.get(k);
                if (t.pending && t.valid && t.block.valid) translatePending(t);
            }
        } finally {
            precompiling.clear();
        }
    }

    @Override
    public String stats() {
        cache.cleanUp();
        return "blocks executed: " + blocksExecuted
                + "\nlinks followed: " + linksFollowed + " (blocks run by the chain loop: " + chainedBlocks + ")"
                + "\ncache hits: " + hits
                + "\ncache misses: " + misses
                + "\ntranslations: " + translations + " (" + batchedBlocks + " of them in " + batches + " batch classes"
                        + (shared == null ? ")" : "; " + sharedReuses + " instances of classes from the shared code cache, which holds "
                                + shared.size() + "; " + sharedDeferrals + " deferred while another engine translated them)")
                + "\nfirst runs interpreted (before translation): " + firstRuns
                + "\nregions: " + regions + " (" + nestedRegions + " loop nests, " + unrolledRegions + " self-loops unrolled twice)"
                + "\nsuperblocks: " + superblocks + " (" + superblockSegments + " blocks; " + crossPageSuperblocks + " into other pages)"
                + "\nevictions: " + evictions
                + "\ninvalidations: " + invalidations
                + "\nlive translations: " + cache.estimatedSize()
                + "\ntranslation time: " + String.format("%.3f ms (%.1f us per block)", translateNanos / 1e6,
                        translations == 0 ? 0.0 : translateNanos / 1e3 / translations)
                + "\npage cache entries: " + pageCacheEntries + " in " + pageCacheMethods + " methods"
                + "\nmethod budget: " + BlockCompiler.MEM_OPS_PER_METHOD + " memory accesses (lstar.jit.memOpsPerMethod); frame access: "
                        + (dev.lstar.runtime.mem.FrameAccess.usesUnsafe() ? "Unsafe" : "byte-array views")
                + "\nbytecode generated: " + bytesGenerated + " bytes (class files " + classBytesGenerated + " bytes)"
                + "\ninstructions inlined: " + inlinedInsns + ", via interpreter fallback: " + fallbackInsns
                + "\ninterpreted blocks: " + interpretedBlocks
                + "\ntranslations with hook calls: " + hookedTranslations + " (dropped by hook changes/flushes: " + hookInvalidations + ")"
                + "\nnative calls: " + nativeCalls
                + "\nexceptions delivered: " + exceptionsDelivered
                + "\nsingle-step traps: " + runner.singleSteps;
    }
}
