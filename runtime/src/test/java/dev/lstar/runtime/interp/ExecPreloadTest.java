package dev.lstar.runtime.interp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.constantpool.ClassEntry;
import java.lang.classfile.constantpool.PoolEntry;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

/**
 * {@link Exec#preload} must load every lstar class the interpreter's {@code execute} refers to:
 * one it misses is still unloaded when C2 first compiles {@code execute}, and its first use then
 * deoptimises the compiled method (see {@link Exec#preload}). The list is checked against the
 * class file's constant pool, so a new ops class used by {@code execute} fails here until listed.
 */
class ExecPreloadTest {
    @Test
    void listsEveryLstarClassExecRefersTo() throws IOException {
        byte[] bytes;
        try (InputStream in = Exec.class.getResourceAsStream("Exec.class")) {
            bytes = in.readAllBytes();
        }
        Set<String> referenced = new TreeSet<>();
        for (PoolEntry e : ClassFile.of().parse(bytes).constantPool()) {
            if (!(e instanceof ClassEntry c)) continue;
            String name = c.asInternalName().replace('/', '.');
            // Exec itself and its nested classes (the enum switch's map) load with it
            if (name.startsWith("dev.lstar.") && !name.equals(Exec.class.getName()) && !name.startsWith(Exec.class.getName() + "$")) {
                referenced.add(name);
            }
        }
        Set<String> listed = Arrays.stream(Exec.REFERENCED).map(Class::getName).collect(Collectors.toCollection(TreeSet::new));
        Set<String> missing = new TreeSet<>(referenced);
        missing.removeAll(listed);
        assertEquals(Set.of(), missing, "classes Exec refers to that Exec.preload does not load");
        assertTrue(referenced.size() >= 30, "the constant pool was read: " + referenced);
    }

    @Test
    void preloadRunsOnItsOwnThread() throws InterruptedException {
        Throwable[] failure = new Throwable[1];
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                Exec.preload();
            } catch (Throwable x) {
                failure[0] = x;
            }
        });
        t.join();
        assertEquals(null, failure[0]);
    }
}
