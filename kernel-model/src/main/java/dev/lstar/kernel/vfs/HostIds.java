package dev.lstar.kernel.vfs;

/** The invoking user's ids (the guest runs with them). */
final class HostIds {
    private HostIds() {}

    static final long UID, GID;

    static {
        long uid = 0, gid = 0;
        try {
            com.sun.security.auth.module.UnixSystem u = new com.sun.security.auth.module.UnixSystem();
            uid = u.getUid();
            gid = u.getGid();
        } catch (Throwable t) {
            // not a Unix host
        }
        UID = uid;
        GID = gid;
    }
}
