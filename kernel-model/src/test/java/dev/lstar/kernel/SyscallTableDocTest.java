package dev.lstar.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * docs/SYSCALLS.md is the system-call table as the code has it: this test fails when a call was
 * added or removed without regenerating the file ({@code -Dlstar.regen=true} rewrites it).
 */
class SyscallTableDocTest {
    @Test
    void docsSyscallsMdIsUpToDate() throws Exception {
        LinuxKernel k = LinuxKernel.boot(LinuxKernelBootTest.quiet(), 64L << 20);
        String table = k.syscalls.markdownTable();
        Path doc = Path.of("..", "docs", "SYSCALLS.md");
        if (Boolean.getBoolean("lstar.regen")) Files.writeString(doc, table);
        assertEquals(table, Files.exists(doc) ? Files.readString(doc) : "",
                "docs/SYSCALLS.md is out of date: run mvn -o test -pl kernel-model -am -Dtest=SyscallTableDocTest -Dlstar.regen=true");
    }
}
