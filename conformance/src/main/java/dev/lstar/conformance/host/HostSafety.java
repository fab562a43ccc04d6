package dev.lstar.conformance.host;

/**
 * A conservative structural check of one instruction before {@link HostCpu} runs it natively.
 * It is a deny-list over prefixes, opcodes and the ModRM byte, not a full decoder; the case
 * generator is the primary guard (it only emits forms it knows to be safe). Refused:
 *
 * <ul>
 *   <li>Stack users (RSP is the real stack): PUSH/POP (50-5F, 68, 6A, 8F, FF /6, 0F A0/A1/A8/A9),
 *       PUSHF/POPF (9C/9D), CALL/RET/RETF (E8, FF /2 /3, C2/C3/CA/CB), ENTER/LEAVE (C8/C9),
 *       INT/INT3/INTO/IRET (CC-CF).</li>
 *   <li>Any ModRM operand naming RSP/ESP/SP (register form, reg field, or SIB base), except the
 *       byte forms without REX, where number 4 means AH (SDM Vol. 2A §2.1.5, Table 2-2 note).</li>
 *   <li>Control transfers: Jcc (70-7F, 0F 80-8F), JMP (E9, EA, EB, FF /4 /5), LOOP/JrCXZ (E0-E3),
 *       SYSCALL/SYSENTER/SYSEXIT/SYSRET (0F 05/07/34/35).</li>
 *   <li>RIP-relative memory operands (ModRM mod=00 rm=101 in 64-bit mode, SDM Vol. 2A §2.2.1.6):
 *       the code page address differs between host and emulator.</li>
 *   <li>FS/GS segment overrides (64/65) and the address-size prefix (67): the data buffer is not
 *       addressable through them.</li>
 *   <li>Privileged or I/O instructions that fault at CPL 3: HLT, CLI/STI, IN/OUT/INS/OUTS,
 *       MOV Sreg (8E), system groups 0F 00/01, MOV CRn/DRn (0F 20-23), RDMSR/WRMSR, UD2,
 *       CLTS/INVD/WBINVD, and VEX/EVEX/XOP encoded instructions (C4/C5/62/8F-XOP; not generated).</li>
 * </ul>
 *
 * <p>Memory operands through other base registers are not checked: the caller must point them
 * into the data buffer, otherwise the JVM crashes.
 */
public final class HostSafety {
    private HostSafety() {}

    /** One-byte opcodes that take a ModRM byte in 64-bit mode (SDM Vol. 2D Table A-2). */
    private static final boolean[] MODRM1 = new boolean[256];
    /** Two-byte (0F xx) opcodes without a ModRM byte (SDM Vol. 2D Table A-3). */
    private static final boolean[] NO_MODRM2 = new boolean[256];
    /** Opcodes whose ModRM.reg is an opcode extension rather than a register. */
    private static final boolean[] GROUP1 = new boolean[256], GROUP2 = new boolean[256];
    /** Opcodes whose r/m (resp. reg) operand is a byte register when there is no REX prefix. */
    private static final boolean[] BYTE_RM1 = new boolean[256], BYTE_REG1 = new boolean[256], BYTE_RM2 = new boolean[256];

    static {
        for (int row = 0; row < 0x40; row += 8) {
            for (int c = 0; c < 4; c++) {
                MODRM1[row + c] = true; // ALU ops 00-03, 08-0B ... 38-3B
            }
            BYTE_RM1[row] = BYTE_RM1[row + 2] = BYTE_REG1[row] = BYTE_REG1[row + 2] = true;
        }
        for (int op : new int[] {0x62, 0x63, 0x69, 0x6B, 0xC0, 0xC1, 0xC4, 0xC5, 0xC6, 0xC7,
                0xD0, 0xD1, 0xD2, 0xD3, 0xF6, 0xF7, 0xFE, 0xFF}) {
            MODRM1[op] = true;
        }
        for (int op = 0x80; op <= 0x8F; op++) {
            MODRM1[op] = true;
        }
        for (int op = 0xD8; op <= 0xDF; op++) {
            MODRM1[op] = true;
        }
        for (int op : new int[] {0x80, 0x81, 0x82, 0x83, 0x8F, 0xC0, 0xC1, 0xC6, 0xC7, 0xD0, 0xD1, 0xD2, 0xD3,
                0xF6, 0xF7, 0xFE, 0xFF}) {
            GROUP1[op] = true;
        }
        for (int op = 0xD8; op <= 0xDF; op++) {
            GROUP1[op] = true; // x87: reg is an extension
        }
        for (int op : new int[] {0x84, 0x86, 0x88, 0x8A}) {
            BYTE_RM1[op] = BYTE_REG1[op] = true;
        }
        for (int op : new int[] {0x80, 0x82, 0xC0, 0xC6, 0xD0, 0xD2, 0xF6, 0xFE}) {
            BYTE_RM1[op] = true;
        }
        for (int op : new int[] {0x05, 0x06, 0x07, 0x08, 0x09, 0x0B, 0x0E, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x37,
                0x77, 0xA0, 0xA1, 0xA2, 0xA8, 0xA9, 0xAA}) {
            NO_MODRM2[op] = true;
        }
        for (int op = 0x80; op <= 0x8F; op++) {
            NO_MODRM2[op] = true;
        }
        for (int op = 0xC8; op <= 0xCF; op++) {
            NO_MODRM2[op] = true;
        }
        for (int op : new int[] {0x00, 0x01, 0x18, 0x19, 0x1A, 0x1B, 0x1C, 0x1D, 0x1E, 0x1F, 0x71, 0x72, 0x73,
                0xAE, 0xBA, 0xC7}) {
            GROUP2[op] = true;
        }
        for (int op = 0x90; op <= 0x9F; op++) {
            BYTE_RM2[op] = true; // SETcc
        }
        for (int op : new int[] {0xB0, 0xC0, 0xB6, 0xBE}) {
            BYTE_RM2[op] = true; // CMPXCHG/XADD r/m8 (reg byte too), MOVZX/MOVSX r, r/m8
        }
    }

    /**
     * SSE opcodes (0F xx) whose ModRM.reg is an XMM (or MMX) register, never a GPR, and those whose
     * register-form ModRM.rm is one (SDM Vol. 2D Table A-3); 0F 7E's r/m is a GPR with 66 (MOVD)
     * and an XMM register with F3 (MOVQ).
     */
    private static final boolean[] XMM_REG2 = new boolean[256], XMM_RM2 = new boolean[256];

    static {
        for (String range : new String[] {"10-17", "28-2F", "51-5F", "60-70", "74-7F", "C2-C2", "C4-C4", "C6-C6", "D0-D6", "D8-FF"}) {
            String[] ab = range.split("-");
            for (int op = Integer.parseInt(ab[0], 16); op <= Integer.parseInt(ab[1], 16); op++) {
                XMM_REG2[op] = true;
            }
        }
        for (String range : new String[] {"10-17", "28-2F", "50-6D", "6F-76", "7C-7D", "7F-7F", "C2-C2", "C5-C6", "D0-FF"}) {
            String[] ab = range.split("-");
            for (int op = Integer.parseInt(ab[0], 16); op <= Integer.parseInt(ab[1], 16); op++) {
                XMM_RM2[op] = true;
            }
        }
    }

    private static final int[] DENY1 = {0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5A, 0x5B,
            0x5C, 0x5D, 0x5E, 0x5F, 0x68, 0x6A, 0x6C, 0x6D, 0x6E, 0x6F, 0x8E, 0x8F, 0x9C, 0x9D,
            0xC2, 0xC3, 0xC8, 0xC9, 0xCA, 0xCB, 0xCC, 0xCD, 0xCE, 0xCF, 0xE0, 0xE1, 0xE2, 0xE3, 0xE4, 0xE5,
            0xE6, 0xE7, 0xE8, 0xE9, 0xEA, 0xEB, 0xEC, 0xED, 0xEE, 0xEF, 0xF4, 0xFA, 0xFB, 0x62, 0xC4, 0xC5};
    private static final int[] DENY2 = {0x00, 0x01, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0B, 0x20, 0x21, 0x22, 0x23,
            0x30, 0x32, 0x34, 0x35, 0xA0, 0xA1, 0xA8, 0xA9, 0xAA};

    /** Returns null if the bytes may run on the host, otherwise the reason for refusing them. */
    public static String check(byte[] insn) {
        if (insn.length == 0 || insn.length > 15) {
            return "instruction length " + insn.length + " outside 1..15";
        }
        int i = 0;
        boolean f3 = false;
        while (i < insn.length) {
            int b = insn[i] & 0xFF;
            f3 |= b == 0xF3;
            if (b == 0x64 || b == 0x65) {
                return "FS/GS segment override";
            }
            if (b == 0x67) {
                return "address-size prefix";
            }
            if (b == 0xF0 || b == 0xF2 || b == 0xF3 || b == 0x2E || b == 0x36 || b == 0x3E || b == 0x26 || b == 0x66) {
                i++;
            } else {
                break;
            }
        }
        int rex = 0;
        if (i < insn.length && (insn[i] & 0xF0) == 0x40) {
            rex = insn[i++] & 0xFF;
        }
        if (i >= insn.length) {
            return "no opcode";
        }
        int op = insn[i++] & 0xFF;
        boolean two = false;
        boolean hasModrm;
        boolean group;
        boolean byteRm;
        boolean byteReg;
        boolean xmmReg = false, xmmRm = false;
        if (op == 0x0F) {
            if (i >= insn.length) {
                return "truncated 0F opcode";
            }
            two = true;
            op = insn[i++] & 0xFF;
            if (op == 0x38 || op == 0x3A) {
                int op3 = i < insn.length ? insn[i] & 0xFF : 0;
                i++; // three-byte map: always ModRM
                hasModrm = true;
                group = false;
                byteRm = false;
                // 0F 38 / 0F 3A 00-7F: SSSE3/SSE4.1/SSE4.2 with XMM or MMX registers in both ModRM
                // fields (SDM Vol. 2D Tables ), except the r/m of PEXTRB/W/D/Q, EXTRACTPS,
                // PINSRB and PINSRD/Q (0F 3A 14-17, 20, 22), a GPR; 0F 38 80-FF (MOVBE, CRC32,
                // ADCX/ADOX ...) have GPRs in both fields
                boolean gprRm = op == 0x3A && (op3 >= 0x14 && op3 <= 0x17 || op3 == 0x20 || op3 == 0x22);
                xmmReg = op3 < 0x80;
                xmmRm = op3 < 0x80 && !gprRm;
            } else {
                for (int d : DENY2) {
                    if (d == op) {
                        return String.format("0F %02X is a stack, control-transfer or privileged instruction", op);
                    }
                }
                if (op >= 0x80 && op <= 0x8F) {
                    return "Jcc rel32";
                }
                hasModrm = !NO_MODRM2[op];
                group = GROUP2[op];
                byteRm = BYTE_RM2[op];
                xmmReg = XMM_REG2[op];
                xmmRm = XMM_RM2[op] || (op == 0x7E && f3);
            }
            byteReg = op == 0xB0 || op == 0xC0;
        } else {
            for (int d : DENY1) {
                if (d == op) {
                    return String.format("%02X is a stack, control-transfer, privileged, I/O or VEX opcode", op);
                }
            }
            if (op >= 0x70 && op <= 0x7F) {
                return "Jcc rel8";
            }
            hasModrm = MODRM1[op];
            group = GROUP1[op];
            byteRm = BYTE_RM1[op];
            byteReg = BYTE_REG1[op];
            xmmRm = op >= 0xD8 && op <= 0xDF; // x87: with mod = 3 the r/m field is ST(i), not a GPR
        }
        if (!hasModrm) {
            return null;
        }
        if (i >= insn.length) {
            return "truncated: missing ModRM";
        }
        int modrm = insn[i++] & 0xFF;
        int mod = modrm >> 6, reg = (modrm >> 3) & 7, rm = modrm & 7;
        if (!two && op == 0xFF && (reg == 2 || reg == 3 || reg == 4 || reg == 5 || reg == 6)) {
            return "FF /" + reg + " is CALL/JMP/PUSH";
        }
        if (!group && !xmmReg && reg == 4 && (rex & 4) == 0 && !(byteReg && rex == 0)) {
            return "ModRM.reg names RSP";
        }
        if (mod == 3) {
            if (rm == 4 && (rex & 1) == 0 && !(byteRm && rex == 0) && !xmmRm) {
                return "ModRM.rm names RSP";
            }
            return null;
        }
        if (mod == 0 && rm == 5) {
            return "RIP-relative memory operand";
        }
        if (rm == 4) {
            if (i >= insn.length) {
                return "truncated: missing SIB";
            }
            int sib = insn[i] & 0xFF;
            if ((sib & 7) == 4 && (rex & 1) == 0) {
                return "memory operand based on RSP";
            }
        }
        return null;
    }
}
