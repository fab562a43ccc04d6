package dev.lstar.runtime;

/**
 * A guest CPU exception (fault, trap or abort) raised while executing an instruction. Engines
 * catch it, restore the precise state of the faulting instruction and deliver it through the IDT.
 * Carries no Java stack trace: it is guest control flow, not a host error.
 */
public final class CpuException extends RuntimeException {
    public static final int DE = 0, DB = 1, NMI = 2, BP = 3, OF = 4, BR = 5, UD = 6, NM = 7, DF = 8,
            TS = 10, NP = 11, SS = 12, GP = 13, PF = 14, MF = 16, AC = 17, MC = 18, XM = 19;

    public final int vector;
    public final int errorCode;
    public final boolean hasErrorCode;
    /** For #PF: the faulting linear address (goes to CR2). */
    public final long address;
    /** True for traps (INT n, INT3, INTO, single-step): the saved RIP is the next instruction. */
    public final boolean trap;
    /** A trap raised by the hardware (single-step #DB), not by an INT instruction: no gate DPL check. */
    public final boolean hardwareTrap;

    private CpuException(int vector, int errorCode, boolean hasErrorCode, long address, boolean trap, String why) {
        this(vector, errorCode, hasErrorCode, address, trap, false, why);
    }

    private CpuException(int vector, int errorCode, boolean hasErrorCode, long address, boolean trap, boolean hardwareTrap, String why) {
        super(why, null, false, false);
        this.vector = vector;
        this.errorCode = errorCode;
        this.hasErrorCode = hasErrorCode;
        this.address = address;
        this.trap = trap;
        this.hardwareTrap = hardwareTrap;
    }

    /** The single-step trap (#DB) raised after an instruction that began with RFLAGS.TF = 1 (SDM Vol. 3A §18.3.1.4). */
    public static CpuException singleStep() {
        return new CpuException(DB, 0, false, 0, true, true, "single-step trap (RFLAGS.TF)");
    }

    public static CpuException gp(int errorCode, String why) { return new CpuException(GP, errorCode, true, 0, false, why); }
    public static CpuException gp0(String why) { return gp(0, why); }
    public static CpuException ss(int errorCode, String why) { return new CpuException(SS, errorCode, true, 0, false, why); }
    public static CpuException np(int errorCode, String why) { return new CpuException(NP, errorCode, true, 0, false, why); }
    public static CpuException ts(int errorCode, String why) { return new CpuException(TS, errorCode, true, 0, false, why); }
    /** #AC(0), the alignment check (SDM Vol. 3A §6.15): a fault with error code 0. */
    public static CpuException ac(String why) { return new CpuException(AC, 0, true, 0, false, why); }
    public static CpuException ud(String why) { return new CpuException(UD, 0, false, 0, false, why); }
    public static CpuException de(String why) { return new CpuException(DE, 0, false, 0, false, why); }
    public static CpuException pf(long address, int errorCode, String why) { return new CpuException(PF, errorCode, true, address, false, why); }
    /** Software interrupt INT n / INT3 / INTO: a trap, saved RIP = next instruction. */
    public static CpuException softInt(int vector) { return new CpuException(vector, 0, false, 0, true, "int " + vector); }
    public static CpuException of(int vector, int errorCode, boolean hasErrorCode, String why) {
        return new CpuException(vector, errorCode, hasErrorCode, 0, false, why);
    }

    public static String vectorName(int v) {
        return switch (v) {
            case DE -> "#DE"; case DB -> "#DB"; case NMI -> "NMI"; case BP -> "#BP"; case OF -> "#OF";
            case BR -> "#BR"; case UD -> "#UD"; case NM -> "#NM"; case DF -> "#DF"; case TS -> "#TS";
            case NP -> "#NP"; case SS -> "#SS"; case GP -> "#GP"; case PF -> "#PF"; case MF -> "#MF";
            case AC -> "#AC"; case MC -> "#MC"; case XM -> "#XM";
            default -> "vector " + v;
        };
    }

    /** e.g. "#GP(0)", "#PF(0x6) at 0x1000", "#UD". */
    public String describe() {
        StringBuilder sb = new StringBuilder(vectorName(vector));
        if (hasErrorCode) sb.append("(0x").append(Integer.toHexString(errorCode)).append(')');
        if (vector == PF) sb.append(" at 0x").append(Long.toHexString(address));
        return sb.toString();
    }
}
