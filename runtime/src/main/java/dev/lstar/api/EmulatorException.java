package dev.lstar.api;

/**
 * A host-side API call could not be done: unmapped address in {@link Emulator#read}, overlapping
 * {@link Emulator#map}, an MSR write the processor refuses (#GP), guest memory exhausted...
 */
public class EmulatorException extends RuntimeException {
    public EmulatorException(String message) {
        super(message);
    }

    public EmulatorException(String message, Throwable cause) {
        super(message, cause);
    }
}
