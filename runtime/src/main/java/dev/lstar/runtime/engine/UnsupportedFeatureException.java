package dev.lstar.runtime.engine;

/**
 * The guest asked for something lstar does not model (e.g. executing 32-bit compatibility-mode
 * code). Not a guest exception: the engine stops with {@link StopReason#UNSUPPORTED} and this
 * message rather than run the code wrongly.
 */
public final class UnsupportedFeatureException extends RuntimeException {
    public UnsupportedFeatureException(String message) {
        super(message, null, false, false);
    }
}
