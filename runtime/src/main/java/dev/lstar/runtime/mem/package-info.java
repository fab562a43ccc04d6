/**
 * Guest memory: {@link dev.lstar.runtime.mem.PhysicalMemory} (lazily allocated RAM with
 * code-frame write tracking) and {@link dev.lstar.runtime.mem.Mmu} (x86-64 4/5-level paging, access
 * rights, #PF error codes and a PCID-tagged software TLB, Intel SDM Vol. 3A chapter 4).
 */
package dev.lstar.runtime.mem;
