package dev.lstar.conformance.lstar;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lstar.conformance.objdump.Objdump;
import dev.lstar.conformance.objdump.ObjdumpInputs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** lstar's decoder against GNU objdump over objects of the system's libc.a that no one here wrote. */
class DecoderVsObjdumpTest {
    static final int OBJECTS = Integer.getInteger("lstar.conformance.objects", 60);

    @Test
    void libcObjectsDecodeLikeObjdump() throws Exception {
        List<Path> archives = ObjdumpInputs.archives();
        assumeTrue(Objdump.available() && !archives.isEmpty(), "needs objdump and a libc.a (apt-get install binutils libc6-dev)");
        List<String> members = ObjdumpInputs.members(archives.get(0));
        List<String> pick = new ArrayList<>();
        for (int i = 0; i < OBJECTS && i < members.size(); i++) pick.add(members.get((int) ((long) i * members.size() / OBJECTS)));
        Path dir = Files.createTempDirectory("lstar-objdump");
        DecoderConformance cmp = new DecoderConformance();
        for (Path o : ObjdumpInputs.extract(archives.get(0), dir, pick)) cmp.compare(Objdump.parse(o));
        System.out.println(cmp.summary());
        assertTrue(cmp.instructions > 1000, "instructions compared: " + cmp.instructions);
        assertEquals(0, cmp.mismatches, cmp.summary());
    }
}
