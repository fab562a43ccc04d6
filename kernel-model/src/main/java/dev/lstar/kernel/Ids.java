package dev.lstar.kernel;

/** The user and group ids the guest sees: the host's own (so programs print what they would natively). */
final class Ids {
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

    static long uid() { return UID; }
    static long gid() { return GID; }
}
