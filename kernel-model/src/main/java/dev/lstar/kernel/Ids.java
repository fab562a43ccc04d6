package dev.lstar.kernel;

/** The user and group ids the guest sees: the host's own (so programs print what they would natively). */
public final class Ids {
    private Ids() {}

    private static final long UID, GID;

    static {
        long uid = 0, gid = 0;
        try {
            com.sun.security.auth.module.UnixSystem u = new com.sun.security.auth.module.UnixSystem();
            uid = u.getUid();
            gid = u.getGid();
        } catch (Throwable t) {
            // not a Unix host: report root, as a container would
        }
        UID = uid;
        GID = gid;
    }

    public static long uid() { return UID; }
    public static long gid() { return GID; }
}
