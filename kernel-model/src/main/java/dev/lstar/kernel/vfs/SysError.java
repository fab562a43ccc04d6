package dev.lstar.kernel.vfs;

import dev.lstar.kernel.Errno;

/** A system call's error: {@link #errno} is what the call returns negated. Carries no stack trace. */
public final class SysError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    public final int errno;

    /**
     * Not an errno: a read of a host descriptor found no input yet and would block. The system
     * call layer waits (sleeping, so other tasks run and a signal can interrupt) and retries.
     */
    public static final SysError WAIT_HOST = new SysError(-1);

    public SysError(int errno) {
        super(Errno.symbol(errno), null, false, false);
        this.errno = errno;
    }

    /** The errno a java.nio exception stands for (the host's errno text for the generic ones). */
    public static SysError of(java.io.IOException e) {
        return new SysError(errnoOf(e));
    }

    static int errnoOf(java.io.IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException) return Errno.ENOENT;
        if (e instanceof java.nio.file.FileAlreadyExistsException) return Errno.EEXIST;
        if (e instanceof java.nio.file.DirectoryNotEmptyException) return Errno.ENOTEMPTY;
        if (e instanceof java.nio.file.AccessDeniedException) return Errno.EACCES;
        if (e instanceof java.nio.file.NotDirectoryException) return Errno.ENOTDIR;
        if (e instanceof java.nio.file.NotLinkException) return Errno.EINVAL;
        if (e instanceof java.nio.file.FileSystemLoopException) return Errno.ELOOP;
        if (e instanceof java.nio.file.AtomicMoveNotSupportedException) return Errno.EXDEV;
        String m = e instanceof java.nio.file.FileSystemException f ? f.getReason() : e.getMessage();
        if (m == null) return Errno.EIO;
        String[][] table = {{"Is a directory", "EISDIR"}, {"Not a directory", "ENOTDIR"}, {"Invalid argument", "EINVAL"},
            {"cross-device", "EXDEV"}, {"Too many levels", "ELOOP"}, {"No space left", "ENOSPC"}, {"Read-only file system", "EROFS"},
            {"Operation not permitted", "EPERM"}, {"Directory not empty", "ENOTEMPTY"}, {"File exists", "EEXIST"},
            {"File name too long", "ENAMETOOLONG"}, {"Too many links", "EMLINK"}, {"Permission denied", "EACCES"},
            {"No such file", "ENOENT"}, {"Text file busy", "ETXTBSY"}, {"Device or resource busy", "EBUSY"},
            {"File too large", "EFBIG"}, {"Disk quota", "ENOSPC"}};
        for (String[] t : table) {
            if (m.contains(t[0])) {
                return switch (t[1]) {
                    case "EISDIR" -> Errno.EISDIR; case "ENOTDIR" -> Errno.ENOTDIR; case "EINVAL" -> Errno.EINVAL;
                    case "EXDEV" -> Errno.EXDEV; case "ELOOP" -> Errno.ELOOP; case "ENOSPC" -> Errno.ENOSPC;
                    case "EROFS" -> Errno.EROFS; case "EPERM" -> Errno.EPERM; case "ENOTEMPTY" -> Errno.ENOTEMPTY;
                    case "EEXIST" -> Errno.EEXIST; case "ENAMETOOLONG" -> Errno.ENAMETOOLONG; case "EMLINK" -> Errno.EMLINK;
                    case "EACCES" -> Errno.EACCES; case "ENOENT" -> Errno.ENOENT; case "ETXTBSY" -> Errno.ETXTBSY;
                    case "EBUSY" -> Errno.EBUSY; case "EFBIG" -> Errno.EFBIG;
                    default -> Errno.EIO;
                };
            }
        }
        return Errno.EIO;
    }
}
