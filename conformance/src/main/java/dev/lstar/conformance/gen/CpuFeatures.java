package dev.lstar.conformance.gen;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/** The host's CPU feature flags, from the "flags" line of /proc/cpuinfo (Linux). */
public final class CpuFeatures {
    private final Set<String> flags;

    public CpuFeatures(Set<String> flags) {
        this.flags = Set.copyOf(flags);
    }

    /**
     * Pseudo-flag: the host's RCPSS/RSQRTSS approximations are the ones lstar models
     * ({@code runtime ops/Approx}, read from the host lstar was developed on). The SDM bounds
     * only their error, and Intel and AMD processors give different values, so on another host
     * the RCP/RSQRT forms are not compared.
     */
    public static final String LSTAR_RCP_TABLES = "lstar_rcp_tables";

    /** Reads /proc/cpuinfo (plus {@link #LSTAR_RCP_TABLES}, probed); an empty set if unreadable. */
    public static CpuFeatures host() {
        Set<String> flags = new java.util.HashSet<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("flags")) {
                    String v = line.substring(line.indexOf(':') + 1).trim();
                    flags.addAll(Arrays.stream(v.split("\\s+")).collect(Collectors.toSet()));
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through: no features known
        }
        if (flags.contains("sse2") && rcpTablesMatch()) {
            flags.add(LSTAR_RCP_TABLES);
        }
        return new CpuFeatures(flags);
    }

    /**
     * Whether the host's approximations identify as the table lstar models: a fingerprint of a
     * few entries (RCP and RSQRT of 1.0, 1.5, 2.0 and 2 - ulp, as lstar's table has them). It only
     * selects the host; the conformance cases then compare every RCP/RSQRT form in full.
     */
    private static boolean rcpTablesMatch() {
        if (!dev.lstar.conformance.host.HostCpu.supported()) {
            return false;
        }
        int[][] probes = { // {opcode byte (53 RCPSS, 52 RSQRTSS), input, this table's result}
            {0x53, 0x3F800000, 0x3F7FF000}, {0x53, 0x3FC00000, 0x3F2AA000}, {0x53, 0x3FFFFFFF, 0x3F000800},
            {0x52, 0x3F800000, 0x3F7FF000}, {0x52, 0x40000000, 0x3F34F800}, {0x52, 0x3FFFFFFF, 0x3F350800}};
        try (dev.lstar.conformance.host.HostCpu h = new dev.lstar.conformance.host.HostCpu()) {
            for (int[] p : probes) {
                dev.lstar.conformance.State in = new dev.lstar.conformance.State(h.dataBase());
                in.xmm[2] = p[1] & 0xFFFFFFFFL;
                dev.lstar.conformance.State out = h.run(new byte[] {(byte) 0xF3, 0x0F, (byte) p[0], (byte) 0xC1}, in);
                if ((int) out.xmm[0] != p[2]) {
                    return false;
                }
            }
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** True if {@code flag} is null (no requirement) or present. */
    public boolean has(String flag) {
        return flag == null || flags.contains(flag);
    }
}
