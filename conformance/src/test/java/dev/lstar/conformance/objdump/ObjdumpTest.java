package dev.lstar.conformance.objdump;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ObjdumpTest {
    @TempDir
    Path dir;

    static boolean asAvailable() {
        try {
            Process p = new ProcessBuilder("as", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    Path assemble(String src) throws Exception {
        Path s = dir.resolve("t.s"), o = dir.resolve("t.o");
        Files.writeString(s, src);
        Process p = new ProcessBuilder("as", "--64", "-o", o.toString(), s.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, out);
        return o;
    }

    @Test
    void parsesAnAssembledObject() throws Exception {
        assumeTrue(asAvailable() && Objdump.available(), "GNU as and objdump are needed");
        Path o = assemble("""
                .text
                .globl foo
                foo:
                  add %rbx,%rax
                  lea 0x10(%rip),%rax
                  call foo
                  movabs $0x1122334455667788,%rax
                  .byte 0x2e,0x66,0x0f,0x1f,0x84,0,0,0,0,0
                  notrack jmp *%rax
                bar:
                  lock cmpxchg %rcx,(%rdx)
                  ret
                """);
        ObjdumpListing l = Objdump.parse(o);
        List<ObjdumpListing.Insn> in = l.instructions();
        assertEquals(8, in.size(), in.toString());
        assertEquals(".text", in.get(0).section());
        assertEquals("foo", in.get(0).symbol());
        assertEquals(0, in.get(0).address());
        assertArrayEquals(new byte[] {0x48, 0x01, (byte) 0xd8}, in.get(0).bytes());
        assertEquals("add    %rbx,%rax", in.get(0).text());
        assertEquals(10, in.get(3).length()); // movabs: REX.W B8 + imm64, all on one line thanks to -w
        assertEquals("movabs $0x1122334455667788,%rax", Objdump.normalise(in.get(3).text()));
        assertEquals("nopw (%rax,%rax,1)", Objdump.normalise(in.get(4).text()));
        assertEquals("jmp *%rax", Objdump.normalise(in.get(5).text()));
        assertEquals("bar", in.get(6).symbol());
        assertEquals("ret", Objdump.normalise(in.get(7).text()));
        // addresses are contiguous: each instruction starts where the previous one ended
        for (int i = 1; i < in.size(); i++) {
            assertEquals(in.get(i - 1).address() + in.get(i - 1).length(), in.get(i).address(), in.get(i).toString());
        }
    }

    @Test
    void disassemblesRawBytes() throws Exception {
        assumeTrue(Objdump.available(), "objdump is needed");
        ObjdumpListing l = Objdump.disassemble(new byte[] {0x48, 0x01, (byte) 0xd8, (byte) 0xc3}, "intel");
        assertEquals(List.of("add    rax,rbx", "ret"), l.texts());
    }

    @Test
    void parsesObjectsFromLibcArchive() throws Exception {
        assumeTrue(Objdump.available(), "objdump is needed");
        List<Path> archives = ObjdumpInputs.archives();
        assumeTrue(!archives.isEmpty(), "no libc.a on this host (install libc6-dev)");
        Path a = archives.get(0);
        List<String> members = ObjdumpInputs.members(a);
        assertFalse(members.isEmpty());
        List<String> pick = members.stream().filter(m -> m.equals("memcpy.o") || m.equals("strlen.o")
                || m.equals("qsort.o") || m.equals("vfprintf-internal.o")).toList();
        List<Path> objs = ObjdumpInputs.extract(a, dir, pick.isEmpty() ? members.subList(0, 3) : pick);
        assertFalse(objs.isEmpty());
        int total = 0;
        for (Path obj : objs) {
            List<ObjdumpListing.Insn> in = Objdump.parse(obj).instructions();
            for (ObjdumpListing.Insn i : in) {
                assertTrue(i.length() >= 1 && i.length() <= 15, i.toString());
                String norm = Objdump.normalise(i.text());
                assertFalse(norm.contains("#") || norm.contains("<") || norm.contains("  "), i + " -> " + norm);
            }
            total += in.size();
        }
        assertTrue(total > 50, "instructions parsed: " + total);
    }

    @Test
    void staticElfDetection() {
        // the JVM's own launcher is dynamically linked (has PT_INTERP)
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        assertFalse(ObjdumpInputs.isStaticElf64(java));
        assertFalse(ObjdumpInputs.isStaticElf64(dir.resolve("missing")));
    }
}
