package dev.lstar.api;

/**
 * A run of mapped guest pages with the same permissions: {@code [begin, end]}, both inclusive
 * (like Unicorn's {@code uc_mem_region}).
 */
public record MemRegion(long begin, long end, int perms) {
    public long size() {
        return end - begin + 1;
    }

    @Override
    public String toString() {
        return "0x" + Long.toHexString(begin) + "-0x" + Long.toHexString(end) + " " + Perm.toString(perms);
    }
}
