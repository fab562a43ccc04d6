package dev.lstar.runtime;

/** CPU vendor: selects the vendor-specific SYSCALL/SYSRET behaviours (see docs/spec/syscall-path.md). */
public enum Vendor {
    INTEL, AMD
}
