package dev.lstar.conformance;

/**
 * Thrown by an {@link Emulator} when the instruction raises a CPU exception (e.g. vector 0, #DE,
 * for a divide by zero or a quotient overflow; Intel SDM Vol. 3A §6.15 "Interrupt 0").
 */
public final class GuestFault extends RuntimeException {
    /** The architectural exception vector (0 = #DE, 6 = #UD, 13 = #GP, 14 = #PF ...). */
    public final int vector;

    public GuestFault(int vector, String message) {
        super(message);
        this.vector = vector;
    }

    @Override
    public String toString() {
        return "GuestFault(vector " + vector + "): " + getMessage();
    }
}
