/**
 * lstar's JIT: {@link dev.lstar.translator.JitEngine} translates the interpreter's decoded
 * basic blocks to JVM bytecode (one hidden class per block, ASM), caches them by physical
 * address in a Caffeine cache bounded by bytecode size, links blocks to their successors and
 * turns hot self-loops into JVM loops; instructions it does not translate inline run through
 * the interpreter's {@code Exec}, so both engines share one definition of every instruction.
 * {@link dev.lstar.translator.LockstepEngine} runs every block on both engines and stops at the
 * first difference.
 */
package dev.lstar.translator;
