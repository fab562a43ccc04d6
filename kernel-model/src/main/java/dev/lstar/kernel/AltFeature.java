package dev.lstar.kernel;

/**
 * CPU features that select an alternative at boot, mirroring Linux's X86_FEATURE_* bits used by
 * {@code ALTERNATIVE()} in the entry code. The numeric ids are those of {@code entry_64.S}; the
 * names are those written in {@code entry.alt}.
 */
public enum AltFeature {
    /** X86_FEATURE_PTI: page-table isolation; enables the CR3 switch blocks. */
    PTI(1),
    /** X86_FEATURE_PCID: NOFLUSH on kernel entry, user PCID and flush-mask logic on exit. */
    PCID(2),
    /** X86_FEATURE_LA57: 5-level paging; the SYSRET canonical check shifts by 7, not 16. */
    LA57(3),
    /**
     * lstar only ({@code --no-canonical-check}): removes the jump taken when the SYSRET canonical
     * check fails, so a non-canonical RCX reaches SYSRET. A debugging aid, never a default.
     */
    NOCANON(4);

    /** The id used in the assembler source. */
    public final int id;

    AltFeature(int id) {
        this.id = id;
    }
}
