package dev.lstar.api;

/** The kind of a guest memory access reported to {@link MemHook} and {@link MemFaultHook}. */
public enum MemAccess {
    READ, WRITE, FETCH,
    /** The page is not mapped (a not-present #PF). */
    READ_UNMAPPED, WRITE_UNMAPPED, FETCH_UNMAPPED,
    /** The page is mapped but the access is not allowed (read-only, no-execute, supervisor-only, {@link Perm#NONE}). */
    READ_PROT, WRITE_PROT, FETCH_PROT;

    /** Whether this is one of the fault kinds. */
    public boolean isFault() {
        return ordinal() >= READ_UNMAPPED.ordinal();
    }
}
