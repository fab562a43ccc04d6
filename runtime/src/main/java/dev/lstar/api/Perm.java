package dev.lstar.api;

/**
 * Page permissions for {@link Emulator#map}, as bit flags (the values of Unicorn's
 * {@code UC_PROT_*}). x86-64 paging has no write-only or execute-only pages: any page that is
 * mapped with some permission is readable. {@link #NONE} maps the memory but leaves the page
 * not present, so every guest access faults as a protection fault.
 */
public final class Perm {
    private Perm() {}

    public static final int NONE = 0, READ = 1, WRITE = 2, EXEC = 4, ALL = READ | WRITE | EXEC;
    /**
     * Not a Unicorn flag: the page is supervisor-only (U/S = 0), so CPL 3 code cannot touch it.
     * Without it pages are user-accessible (U/S = 1), which ring-0 code may use too (no SMEP/SMAP
     * unless the embedder enables them in CR4).
     */
    public static final int SUPERVISOR = 8;

    /** e.g. "rwx", "r-x", "---" (+ "s" for supervisor-only). */
    public static String toString(int perms) {
        return ((perms & READ) != 0 ? "r" : "-") + ((perms & WRITE) != 0 ? "w" : "-") + ((perms & EXEC) != 0 ? "x" : "-")
                + ((perms & SUPERVISOR) != 0 ? "s" : "");
    }
}
