package dev.lstar.conformance.gen;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Results of a differential run, per instruction family. */
public final class Report {
    /** How many mismatch details are kept per family. */
    public static final int DETAILS_PER_FAMILY = 3;

    /** Counters and the first mismatch details of one family. */
    public static final class Family {
        public final String name;
        final Set<String> forms = new LinkedHashSet<>();
        public int cases;
        public int faultCases;
        public int mismatches;
        /** Cases equal only within {@link X87Tolerance} (the x87 transcendentals' last bit). */
        public int tolerated;
        public final List<String> details = new ArrayList<>();

        Family(String name) {
            this.name = name;
        }

        /** Number of distinct forms run. */
        public int forms() {
            return forms.size();
        }
    }

    private final Map<String, Family> families = new LinkedHashMap<>();

    Family family(String name) {
        return families.computeIfAbsent(name, Family::new);
    }

    /** Adds a family row computed elsewhere (e.g. the host self-check or a decoder comparison). */
    public Family add(String name, int forms, int cases, int mismatches, List<String> details) {
        Family f = family(name);
        for (int i = 0; i < forms; i++) {
            f.forms.add(name + "#" + i);
        }
        f.cases += cases;
        f.mismatches += mismatches;
        for (String d : details) {
            if (f.details.size() < DETAILS_PER_FAMILY) {
                f.details.add(d);
            }
        }
        return f;
    }

    /** The families in first-seen order. */
    public List<Family> families() {
        return List.copyOf(families.values());
    }

    public int totalCases() {
        return families.values().stream().mapToInt(f -> f.cases).sum();
    }

    public int totalMismatches() {
        return families.values().stream().mapToInt(f -> f.mismatches).sum();
    }

    /** The table: family, forms, cases (of which expected faults), mismatches. */
    public String table() {
        StringBuilder b = new StringBuilder();
        b.append(String.format("%-12s %6s %8s %7s %10s %9s%n", "family", "forms", "cases", "faults", "mismatches", "tolerated"));
        int forms = 0;
        for (Family f : families.values()) {
            b.append(String.format("%-12s %6d %8d %7d %10d %9d%n", f.name, f.forms(), f.cases, f.faultCases, f.mismatches, f.tolerated));
            forms += f.forms();
        }
        b.append(String.format("%-12s %6d %8d %7d %10d %9d%n", "TOTAL", forms, totalCases(),
                families.values().stream().mapToInt(f -> f.faultCases).sum(), totalMismatches(),
                families.values().stream().mapToInt(f -> f.tolerated).sum()));
        if (families.values().stream().anyMatch(f -> f.tolerated > 0)) {
            b.append(String.format("tolerated: x87 transcendentals within %d ulp of the 64-bit significand, FSW differing only in"
                    + " C1/PE; FXSAVE's MXCSR_MASK without the host's MM bit (17), which lstar does not implement"
                    + " (conformance/gen/X87Tolerance)%n", X87Tolerance.ULPS));
        }
        return b.toString();
    }

    /** The table followed by the kept mismatch details. */
    public String full() {
        StringBuilder b = new StringBuilder(table());
        for (Family f : families.values()) {
            for (String d : f.details) {
                b.append("\n[").append(f.name).append("] ").append(d).append('\n');
            }
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return table();
    }
}
