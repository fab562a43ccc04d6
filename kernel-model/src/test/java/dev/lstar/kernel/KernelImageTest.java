package dev.lstar.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KernelImageTest {
    private final KernelImage k = KernelImage.load();

    private byte[] at(byte[] image, long address, int n) {
        int off = Math.toIntExact(address - k.base());
        byte[] b = new byte[n];
        System.arraycopy(image, off, b, 0, n);
        return b;
    }

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    @Test
    void linkedAtTheFixedAddress() {
        assertEquals(KernelImage.LINK_BASE, k.base());
        assertEquals(k.base(), k.address("entry_SYSCALL_64"));
        assertTrue(k.size() > 0x400 && k.size() < 0x10000, "image size " + k.size());
    }

    @Test
    void symbolsTheBootCodeNeedsArePresent() {
        for (String name : List.of("entry_SYSCALL_64", "entry_SYSCALL_64_after_hwframe", "syscall_return_via_sysret",
                "entry_SYSRETQ_unsafe_stack", "entry_SYSRETQ_end", "swapgs_restore_regs_and_return_to_usermode",
                "restore_regs_and_return_to_kernel", "native_irq_return_iret", "entry_INT80_compat",
                "error_entry", "lstar_canonical_check_jump")) {
            assertEquals(KernelSymbol.Kind.TEXT, k.symbol(name).kind(), name);
        }
        for (ExceptionVector v : ExceptionVector.values()) {
            assertEquals(KernelSymbol.Kind.TEXT, k.symbol(v.symbol).kind(), v.symbol);
        }
        assertEquals(KernelSymbol.Kind.TEXT, k.symbol(ExceptionVector.INT80_SYMBOL).kind());
    }

    @Test
    void missingSymbolFailsWithItsName() {
        NoSuchElementException e = assertThrows(NoSuchElementException.class, () -> k.symbol("sysenter_that_does_not_exist"));
        assertTrue(e.getMessage().contains("'sysenter_that_does_not_exist'"), e.getMessage());
        assertTrue(k.find("sysenter_that_does_not_exist").isEmpty());
        IllegalArgumentException wrongKind = assertThrows(IllegalArgumentException.class, () -> k.address("cpu_tss_rw"));
        assertTrue(wrongKind.getMessage().contains("PERCPU"), wrongKind.getMessage());
    }

    @Test
    void syscallEntryStartsWithEndbr64AndSwapgs() {
        assertArrayEquals(hex("f30f1efa 0f01f8"), at(k.bytes(), k.address("entry_SYSCALL_64"), 7));
        // movq %rsp, %gs:cpu_tss_rw+TSS_sp2 with the absolute disp32 per-CPU offset
        long sp2 = k.perCpuOffset("cpu_tss_rw") + k.constant("TSS_sp2");
        byte[] mov = at(k.bytes(), k.address("entry_SYSCALL_64") + 7, 9);
        assertArrayEquals(hex("65 48 89 24 25"), java.util.Arrays.copyOf(mov, 5));
        assertEquals(sp2, (mov[5] & 0xff) | (mov[6] & 0xff) << 8 | (mov[7] & 0xff) << 16 | (long) (mov[8] & 0xff) << 24);
    }

    @Test
    void hardwareFrameAndPtRegsPushOrder() {
        // push $0x2b; push %gs:sp2; push %r11; push $0x33; push %rcx
        byte[] frame = at(k.bytes(), k.address("entry_SYSCALL_64_safe_stack"), 15);
        assertArrayEquals(hex("6a2b 65ff3425"), java.util.Arrays.copyOf(frame, 6));
        assertArrayEquals(hex("4153 6a33 51"), java.util.Arrays.copyOfRange(frame, 10, 15));
        // push %rax (orig_ax); di si dx cx $-ENOSYS r8 r9 r10 r11 bx bp r12 r13 r14 r15
        assertArrayEquals(hex("50 57 56 52 51 6ada 4150 4151 4152 4153 53 55 4154 4155 4156 4157"),
                at(k.bytes(), k.address("entry_SYSCALL_64_after_hwframe"), 25));
    }

    @Test
    void sysretqFollowedByInt3() {
        assertArrayEquals(hex("0f01f8 480f07 cc"), at(k.bytes(), k.address("entry_SYSRETQ_unsafe_stack"), 7));
        assertEquals(k.address("entry_SYSRETQ_unsafe_stack") + 6, k.address("entry_SYSRETQ_end"));
    }

    @Test
    void iretqAtNativeIrqReturnIret() {
        assertArrayEquals(hex("48cf"), at(k.bytes(), k.address("native_irq_return_iret"), 2));
    }

    @Test
    void nativeStubsAreUd2() {
        List<KernelSymbol> stubs = k.nativeStubs();
        assertEquals(List.of("do_syscall_64", "do_exception", "do_int80_syscall_32"),
                stubs.stream().map(KernelSymbol::name).toList());
        for (KernelSymbol s : stubs) {
            assertArrayEquals(hex("0f0b"), at(k.bytes(), s.value(), 2), s.name());
            assertEquals(s, k.nativeStubAt(s.value()).orElseThrow());
        }
        assertTrue(k.nativeStubAt(k.address("entry_SYSCALL_64")).isEmpty());
    }

    @Test
    void exceptionStubsPushADummyOnlyWithoutHardwareErrorCode() {
        byte[] img = k.bytes();
        for (ExceptionVector v : ExceptionVector.values()) {
            byte[] head = at(img, k.address(v.symbol), 7);
            assertArrayEquals(hex("f30f1efa fc"), java.util.Arrays.copyOf(head, 5), v.symbol);
            boolean pushesDummy = (head[5] & 0xff) == 0x6a && head[6] == (byte) 0xff;
            assertEquals(!v.hasErrorCode, pushesDummy, v.symbol);
        }
        assertArrayEquals(hex("f30f1efa 0f01f8"), at(img, k.address(ExceptionVector.INT80_SYMBOL), 7));
    }

    @Test
    void perCpuLayout() {
        assertEquals(0, k.perCpuOffset("fixed_percpu_data"));
        assertEquals(48, k.symbol("fixed_percpu_data").size());
        assertEquals(40, k.constant("FIXED_stack_canary"));
        assertEquals(16, k.constant("X86_top_of_stack"));
        assertEquals(4, k.constant("TSS_sp0"));
        assertEquals(12, k.constant("TSS_sp1"));
        assertEquals(20, k.constant("TSS_sp2"));
        assertEquals(36, k.constant("TSS_ist"));
        assertEquals(0x66, k.constant("TSS_io_bitmap_base"));
        assertEquals(0x68, k.constant("TSS_HW_SIZE"));
        assertEquals(0xa8, k.constant("PTREGS_SIZE"));
        assertEquals(0, k.perCpuOffset("cpu_tss_rw") % 4096);
        assertEquals(0, k.perCpuOffset("entry_stack_storage") % 4096);
        assertEquals(k.perCpuOffset("__per_cpu_end"), k.perCpuSize());
        for (String v : List.of("pcpu_hot", "cpu_tlbstate", "cpu_tss_rw", "entry_stack_storage")) {
            KernelSymbol s = k.symbol(v);
            assertTrue(s.value() + s.size() <= k.perCpuSize(), v);
        }
    }

    @Test
    void everyFeatureHasSitesAndUnpatchedImageIsOriginal() {
        for (AltFeature f : AltFeature.values()) {
            assertTrue(k.alternatives().stream().anyMatch(a -> a.feature() == f), "no site for " + f);
        }
        assertArrayEquals(k.bytes(), k.patchAlternatives(false, false, false, true));
    }

    @Test
    void patchedImagesDifferExactlyAtEnabledSites() {
        byte[] orig = k.bytes();
        for (int mask = 0; mask < 16; mask++) {
            Set<AltFeature> on = EnumSet.noneOf(AltFeature.class);
            for (AltFeature f : AltFeature.values()) {
                if ((mask & 1 << f.ordinal()) != 0) {
                    on.add(f);
                }
            }
            byte[] p = k.patchAlternatives(on);
            assertEquals(orig.length, p.length);
            boolean[] inSite = new boolean[orig.length];
            for (Alternative a : k.alternatives()) {
                if (on.contains(a.feature())) {
                    boolean differs = false;
                    for (int i = a.offset(); i < a.offset() + a.length(); i++) {
                        inSite[i] = true;
                        differs |= p[i] != orig[i];
                    }
                    assertTrue(differs, "site unchanged: " + a + " with " + on);
                }
            }
            for (int i = 0; i < orig.length; i++) {
                if (!inSite[i]) {
                    assertEquals(orig[i], p[i], "byte +0x" + Integer.toHexString(i) + " changed outside a site with " + on);
                }
            }
        }
    }

    @Test
    void ptiRemovesTheJumpOverTheKernelCr3Switch() {
        long entry = k.address("entry_SYSCALL_64");
        // after swapgs (7) and the sp2 store (9): "jmp over" originally
        assertEquals((byte) 0xeb, k.bytes()[Math.toIntExact(entry + 16 - k.base())]);
        byte[] pti = k.patchAlternatives(true, false, false, true);
        assertArrayEquals(hex("6690 0f20dc"), at(pti, entry + 16, 5)); // nop; mov %cr3,%rsp
        // no PCID: the NOFLUSH slot stays a 5-byte NOP; then andq $~0x1800,%rsp; mov %rsp,%cr3
        assertArrayEquals(hex("0f1f440000 4881e4ffe7ffff 0f22dc"), at(pti, entry + 21, 15));
        byte[] ptiPcid = k.patchAlternatives(true, true, false, true);
        assertArrayEquals(hex("480fbaec3f"), at(ptiPcid, entry + 21, 5)); // bts $63,%rsp
    }

    @Test
    void la57AndCanonicalCheckSites() {
        long jne = k.address("lstar_canonical_check_jump");
        byte[] orig = k.bytes();
        // shl $16,%rcx; sar $16,%rcx; cmp %rcx,%r11; jne rel32
        assertArrayEquals(hex("48c1e110 48c1f910 4939cb 0f85"), at(orig, jne - 11, 13));
        assertArrayEquals(hex("48c1e107 48c1f907"), at(k.patchAlternatives(false, false, true, true), jne - 11, 8));
        byte[] nocanon = k.patchAlternatives(false, false, false, false);
        assertArrayEquals(hex("66 0f1f440000"), at(nocanon, jne, 6));
        assertNotEquals(orig[Math.toIntExact(jne - k.base())], nocanon[Math.toIntExact(jne - k.base())]);
    }

    @Test
    void malformedSymbolFileIsRejectedWithLineNumber() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KernelImage.parse(new byte[16], "ffffffff81000000 0 text\n", ""));
        assertTrue(e.getMessage().contains("line 1"), e.getMessage());
        IllegalArgumentException noBase = assertThrows(IllegalArgumentException.class,
                () -> KernelImage.parse(new byte[16], "ffffffff81000000 0 text foo\n", ""));
        assertTrue(noBase.getMessage().contains("_stext"), noBase.getMessage());
        IllegalArgumentException badAlt = assertThrows(IllegalArgumentException.class,
                () -> KernelImage.parse(new byte[16], "ffffffff81000000 0 text _stext\n", "SMAP 0 2 -\n"));
        assertTrue(badAlt.getMessage().contains("SMAP"), badAlt.getMessage());
        assertFalse(KernelImage.parse(new byte[16], "ffffffff81000000 0 text _stext\n", "PTI 0 2 -\n").alternatives().isEmpty());
    }
}
