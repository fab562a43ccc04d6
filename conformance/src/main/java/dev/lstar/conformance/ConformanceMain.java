package dev.lstar.conformance;

import dev.lstar.conformance.gen.Case;
import dev.lstar.conformance.gen.CaseGenerator;
import dev.lstar.conformance.gen.CpuFeatures;
import dev.lstar.conformance.gen.Differential;
import dev.lstar.conformance.gen.Form;
import dev.lstar.conformance.gen.Forms;
import dev.lstar.conformance.gen.Report;
import dev.lstar.conformance.host.HostCpu;
import dev.lstar.conformance.objdump.Objdump;
import dev.lstar.conformance.objdump.ObjdumpInputs;
import dev.lstar.conformance.objdump.ObjdumpListing;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Command-line entry of the conformance suite: prints the report table (family, forms, cases,
 * mismatches) and the first mismatch details; exits 1 if anything mismatched.
 *
 * <pre>
 *   java --enable-native-access=ALL-UNNAMED -cp ... dev.lstar.conformance.ConformanceMain
 *        [--budget N] [--seed S] [--family NAME] [--objects N]
 * </pre>
 *
 * Today it runs what exists: the host CPU against itself over every generated case (a check of
 * the generator's host safety and of the host's determinism; 0 mismatches expected) and a parse
 * of objdump listings of libc.a members, then lstar's engines against the host CPU and lstar's
 * decoder against objdump.
 *
 * <p>Maven profile idea for the lead ({@code conformance-full}, not added here since the parent
 * POM is not this module's): bind {@code exec-maven-plugin:java} (or a surefire run of tests
 * tagged {@code "full"}) in the {@code verify} phase with {@code mainClass}
 * {@code dev.lstar.conformance.ConformanceMain}, arguments {@code --budget 2000 --objects 40}
 * and {@code --enable-native-access=ALL-UNNAMED}; the default build keeps the bounded JUnit
 * sample (budget 16 per form, about 13,000 cases, a few seconds).
 */
public final class ConformanceMain {
    private ConformanceMain() {}

    /** The lstar engines the suite runs, by name (the JIT translating every block at its first execution). */
    static final java.util.Map<String, java.util.function.Function<dev.lstar.runtime.Machine, dev.lstar.runtime.engine.Engine>> ENGINES =
            new java.util.LinkedHashMap<>();

    static {
        ENGINES.put("interp", dev.lstar.runtime.interp.Interpreter::new);
        ENGINES.put("jit", m -> new dev.lstar.translator.JitEngine(m,
                dev.lstar.translator.JitEngine.Options.defaults().withCompileThreshold(1)));
    }

    static List<Emulator> lstarEmulators() {
        List<Emulator> out = new ArrayList<>();
        ENGINES.forEach((name, f) -> out.add(new dev.lstar.conformance.lstar.LstarEmulator(name, f)));
        return out;
    }

    public static void main(String[] args) throws Exception {
        int budget = 64, objects = 6;
        long seed = 1;
        String family = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--budget" -> budget = Integer.parseInt(args[++i]);
                case "--seed" -> seed = Long.parseLong(args[++i]);
                case "--family" -> family = args[++i];
                case "--objects" -> objects = Integer.parseInt(args[++i]);
                default -> {
                    System.err.println("usage: ConformanceMain [--budget N] [--seed S] [--family NAME] [--objects N]");
                    System.exit(2);
                }
            }
        }
        int mismatches = 0;
        mismatches += runInstructions(budget, seed, family);
        mismatches += runDecoder(objects);
        System.exit(mismatches == 0 ? 0 : 1);
    }

    private static int runInstructions(int budget, long seed, String family) {
        if (!HostCpu.supported()) {
            System.out.println("instruction conformance skipped: " + HostCpu.unsupportedReason());
            return 0;
        }
        try (HostCpu host = new HostCpu()) {
            List<Form> forms = family == null ? Forms.all() : Forms.family(family);
            List<Case> cases = new CaseGenerator(host.dataBase(), seed, budget).cases(forms, CpuFeatures.host());
            List<Case> hostSafe = cases.stream().filter(c -> c.expectedFault() < 0).toList();
            Report self = new Differential(host, host).run(hostSafe);
            System.out.println("== host CPU self-check (host vs host, " + forms.size() + " forms, budget " + budget + ") ==");
            System.out.println(self.full());
            int bad = self.totalMismatches();
            for (Emulator lstar : lstarEmulators()) {
                String name = ((dev.lstar.conformance.lstar.LstarEmulator) lstar).name();
                Report r = new Differential(host, lstar).withDisassembler(ConformanceMain::objdumpIntel).run(cases);
                System.out.println("== lstar (" + name + ") vs host CPU: " + forms.size() + " forms, " + r.totalCases() + " cases ==");
                System.out.println(r.full());
                bad += r.totalMismatches();
            }
            return bad;
        }
    }

    private static int runDecoder(int objects) throws Exception {
        List<Path> archives = ObjdumpInputs.archives();
        if (!Objdump.available() || archives.isEmpty()) {
            System.out.println("decoder conformance skipped: needs objdump and a libc.a");
            return 0;
        }
        Path dir = Files.createTempDirectory("lstar-conformance");
        try {
            List<String> members = ObjdumpInputs.members(archives.get(0));
            List<String> pick = new ArrayList<>();
            for (int i = 0; i < objects && i < members.size(); i++) {
                pick.add(members.get((int) ((long) i * members.size() / objects)));
            }
            List<Path> objs = new ArrayList<>(ObjdumpInputs.extract(archives.get(0), dir, pick));
            objs.addAll(ObjdumpInputs.staticBinaries());
            dev.lstar.conformance.lstar.DecoderConformance cmp = new dev.lstar.conformance.lstar.DecoderConformance();
            int parsed = 0, undecodable = 0;
            for (Path o : objs) {
                ObjdumpListing l = Objdump.parse(o);
                parsed += l.instructions().size();
                undecodable += (int) l.instructions().stream().filter(ObjdumpListing.Insn::bad).count();
                cmp.compare(l);
            }
            System.out.println("== lstar decoder vs objdump: " + objs.size() + " files from " + archives.get(0) + " ("
                    + undecodable + " bytes objdump itself cannot decode were skipped) ==");
            System.out.print(cmp.summary());
            return cmp.mismatches;
        } finally {
            try (var s = Files.walk(dir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static String objdumpIntel(byte[] insn) {
        try {
            List<String> t = Objdump.disassemble(insn, "intel").texts();
            return String.join("; ", t);
        } catch (java.io.IOException e) {
            return "(objdump failed: " + e.getMessage() + ")";
        }
    }
}
