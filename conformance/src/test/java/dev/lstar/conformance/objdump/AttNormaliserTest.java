package dev.lstar.conformance.objdump;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Inputs are objdump 2.x output shapes seen on this host (see ObjdumpTest for a live run). */
class AttNormaliserTest {
    static String n(String s) {
        return AttNormaliser.normalise(s);
    }

    @Test
    void whitespaceAndCase() {
        assertEquals("add %rbx,%rax", n("add    %rbx,%rax"));
        assertEquals("add %rbx,%rax", n("  ADD %RBX , %RAX  "));
        assertEquals("mov $0xff,%eax", n("mov\t$0XFF,%eax"));
    }

    @Test
    void commentsAndSymbols() {
        assertEquals("lea 0x10(%rip),%rax", n("lea    0x10(%rip),%rax        # 1a <foo+0x1a>"));
        assertEquals("call 0x0", n("call   0 <foo>"));
        assertEquals("jmp 0x401020", n("jmp    401020 <main+0x10>"));
        assertEquals("jne 0x1f", n("jne    1f <bar+0x3>"));
        assertEquals("call *0x8(%rax)", n("call   *0x8(%rax)"));
    }

    @Test
    void noisePrefixes() {
        assertEquals("nopw (%rax,%rax,1)", n("cs nopw 0x0(%rax,%rax,1)"));
        assertEquals("nopw (%rax,%rax,1)", n("data16 cs nopw 0x0(%rax,%rax,1)"));
        assertEquals("nopw (%rax,%rax,1)", n("nopw   (%rax,%rax,1)"));
        assertEquals("nopl (%rax)", n("nopl   0x0(%rax)"));
        assertEquals("jmp *%rax", n("notrack jmp *%rax"));
        assertEquals("ret", n("bnd ret"));
        assertEquals("ret", n("repz ret"));
        assertEquals("add %rbx,%rax", n("ds add %rbx,%rax"));
        assertEquals("nop", n("rex.W nop"));
        assertEquals("lock cmpxchg %rcx,(%rdx)", n("lock cmpxchg %rcx,(%rdx)"));
    }

    @Test
    void stringOperandsAndKeptSegments() {
        assertEquals("movsb (%rsi),(%rdi)", n("movsb  %ds:(%rsi),%es:(%rdi)"));
        assertEquals("rep stos %al,(%rdi)", n("rep stos %al,%es:(%rdi)"));
        assertEquals("mov %fs:0x28,%rax", n("mov    %fs:0x28,%rax"));
        assertEquals("mov %fs:(%rax),%rax", n("mov    %fs:0x0(%rax),%rax"));
        assertEquals("mov 0x8(%rbp),%rax", n("mov    0x8(%rbp),%rax"));
        assertEquals("mov -0x8(%rbp),%rax", n("mov    -0x8(%rbp),%rax"));
        assertEquals("mov 0x0,%eax", n("mov    0x0,%eax")); // absolute address 0: not a displacement
    }
}
