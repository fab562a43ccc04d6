package dev.lstar.decoder;

/**
 * Every operation lstar decodes. Condition-code families (Jcc, SETcc, CMOVcc) are one mnemonic each,
 * with the condition in {@link Instruction#cond}. String instructions carry their element size in
 * {@link Instruction#opSize} and REP/REPNE in {@link Instruction#prefixes}.
 *
 * <p>New entries go at the end of their group; nothing may depend on ordinals across builds
 * except generated code of the same build.
 */
public enum Mnemonic {
    /** Any encoding lstar does not implement: executing it raises #UD. */
    INVALID,

    // data movement
    MOV, MOVZX, MOVSX, MOVSXD, MOVBE, LEA, XCHG, CMPXCHG, XADD, BSWAP, CMPXCHG16B, CMPXCHG8B,
    PUSH, POP, PUSHFQ, POPFQ, LEAVE, ENTER,
    CBW, CWDE, CDQE, CWD, CDQ, CQO,
    // arithmetic / logic
    ADD, OR, ADC, SBB, AND, SUB, XOR, CMP, TEST, INC, DEC, NEG, NOT,
    MUL, IMUL, DIV, IDIV, ADCX, ADOX,
    // shifts and rotates
    ROL, ROR, RCL, RCR, SHL, SHR, SAR, SHLD, SHRD,
    // bits
    BT, BTS, BTR, BTC, BSF, BSR, LZCNT, TZCNT, POPCNT,
    // condition codes
    SETCC, CMOVCC, JCC, JRCXZ, LOOP, LOOPE, LOOPNE,
    // control flow
    JMP, CALL, RET, IRETQ, INT, INT3, INTO, UD2, HLT, SYSCALL, SYSRETQ, SYSRET32,
    // flags
    CLC, STC, CMC, CLD, STD, CLI, STI, LAHF, SAHF,
    // strings (element size in opSize)
    MOVS, CMPS, STOS, LODS, SCAS,
    // misc
    NOP, ENDBR64, PAUSE, LFENCE, MFENCE, SFENCE, CPUID, RDTSC, RDTSCP, XLAT,
    // port I/O
    IN, OUT,
    // system
    SWAPGS, RDMSR, WRMSR, MOV_FROM_CR, MOV_TO_CR, INVLPG, INVPCID, LGDT, LIDT, SGDT, SIDT, LTR, STR, LLDT, SLDT,
    MOV_TO_SREG, MOV_FROM_SREG, CLTS, WBINVD, INVD, RDPID,
    RDFSBASE, RDGSBASE, WRFSBASE, WRGSBASE, VERW, UD0, UD1, PREFETCH, CLFLUSH,

    // SSE/SSE2 on XMM registers (moves, logic, packed integers) and MXCSR
    MOVUPS, MOVUPD, MOVAPS, MOVAPD, MOVSS, MOVSD, MOVLPS, MOVHPS, MOVLPD, MOVHPD, MOVHLPS, MOVLHPS,
    MOVDQA, MOVDQU, MOVD, MOVQ, MOVNTPS, MOVNTPD, MOVNTDQ, MOVNTI, MOVMSKPS, MOVMSKPD, PMOVMSKB,
    ANDPS, ANDPD, ANDNPS, ANDNPD, ORPS, ORPD, XORPS, XORPD, PAND, PANDN, POR, PXOR,
    PSHUFD, PSHUFHW, PSHUFLW, SHUFPS, SHUFPD, PINSRW, PEXTRW,
    PUNPCKLBW, PUNPCKLWD, PUNPCKLDQ, PUNPCKLQDQ, PUNPCKHBW, PUNPCKHWD, PUNPCKHDQ, PUNPCKHQDQ,
    PACKSSWB, PACKUSWB, PACKSSDW,
    PCMPEQB, PCMPEQW, PCMPEQD, PCMPGTB, PCMPGTW, PCMPGTD,
    PADDB, PADDW, PADDD, PADDQ, PSUBB, PSUBW, PSUBD, PSUBQ,
    PADDUSB, PADDUSW, PSUBUSB, PSUBUSW, PADDSB, PADDSW, PSUBSB, PSUBSW,
    PMINUB, PMAXUB, PMINSW, PMAXSW, PAVGB, PAVGW, PSADBW,
    PMULLW, PMULHW, PMULHUW, PMULUDQ, PMADDWD,
    PSLLW, PSLLD, PSLLQ, PSRLW, PSRLD, PSRLQ, PSRAW, PSRAD, PSLLDQ, PSRLDQ,
    LDMXCSR, STMXCSR
}
