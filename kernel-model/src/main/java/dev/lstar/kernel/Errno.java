package dev.lstar.kernel;

/** Linux errno values (include/uapi/asm-generic/errno-base.h, errno.h). Syscalls return -errno. */
public final class Errno {
    private Errno() {}

    public static final int EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, ENXIO = 6, E2BIG = 7, ENOEXEC = 8, EBADF = 9,
            ECHILD = 10, EAGAIN = 11, ENOMEM = 12, EACCES = 13, EFAULT = 14, EBUSY = 16, EEXIST = 17, EXDEV = 18,
            ENODEV = 19, ENOTDIR = 20, EISDIR = 21, EINVAL = 22, ENFILE = 23, EMFILE = 24, ENOTTY = 25,
            ETXTBSY = 26, EFBIG = 27, ENOSPC = 28, ESPIPE = 29, EROFS = 30, EMLINK = 31, EPIPE = 32, ERANGE = 34,
            EDEADLK = 35, ENAMETOOLONG = 36, ENOLCK = 37, ENOSYS = 38, ENOTEMPTY = 39, ELOOP = 40, EOVERFLOW = 75, ENOTSOCK = 88, EOPNOTSUPP = 95,
            ETIMEDOUT = 110;

    /**
     * The kernel-internal restart codes (include/linux/errno.h): a system call interrupted by a
     * signal returns one, and the exit to user mode turns it into EINTR or a restart of the call
     * (Signals#exitToUserMode); user space never sees them.
     */
    public static final int ERESTARTSYS = 512, ERESTARTNOINTR = 513, ERESTARTNOHAND = 514, ERESTART_RESTARTBLOCK = 516;

    /** The symbolic name alone ("EBADF"), or "E" + the number for values lstar does not name. */
    public static String symbol(int e) {
        String n = name(e);
        int sp = n.indexOf(' ');
        return sp < 0 ? n : n.substring(0, sp);
    }

    /** "EFAULT (Bad address)"-style text for strace lines. */
    public static String name(int e) {
        return switch (e) {
            case EPERM -> "EPERM (Operation not permitted)";
            case ENOENT -> "ENOENT (No such file or directory)";
            case ESRCH -> "ESRCH (No such process)";
            case EINTR -> "EINTR (Interrupted system call)";
            case EIO -> "EIO (Input/output error)";
            case ENXIO -> "ENXIO (No such device or address)";
            case E2BIG -> "E2BIG (Argument list too long)";
            case ENOEXEC -> "ENOEXEC (Exec format error)";
            case EBADF -> "EBADF (Bad file descriptor)";
            case ECHILD -> "ECHILD (No child processes)";
            case ENOTSOCK -> "ENOTSOCK (Socket operation on non-socket)";
            case EAGAIN -> "EAGAIN (Resource temporarily unavailable)";
            case ENOMEM -> "ENOMEM (Cannot allocate memory)";
            case EACCES -> "EACCES (Permission denied)";
            case EFAULT -> "EFAULT (Bad address)";
            case EBUSY -> "EBUSY (Device or resource busy)";
            case EEXIST -> "EEXIST (File exists)";
            case EXDEV -> "EXDEV (Invalid cross-device link)";
            case ENODEV -> "ENODEV (No such device)";
            case ENOTDIR -> "ENOTDIR (Not a directory)";
            case EISDIR -> "EISDIR (Is a directory)";
            case EINVAL -> "EINVAL (Invalid argument)";
            case ENFILE -> "ENFILE (Too many open files in system)";
            case EMFILE -> "EMFILE (Too many open files)";
            case ENOTTY -> "ENOTTY (Inappropriate ioctl for device)";
            case ETXTBSY -> "ETXTBSY (Text file busy)";
            case EFBIG -> "EFBIG (File too large)";
            case ENOSPC -> "ENOSPC (No space left on device)";
            case ESPIPE -> "ESPIPE (Illegal seek)";
            case EROFS -> "EROFS (Read-only file system)";
            case EMLINK -> "EMLINK (Too many links)";
            case EPIPE -> "EPIPE (Broken pipe)";
            case ERANGE -> "ERANGE (Numerical result out of range)";
            case ENAMETOOLONG -> "ENAMETOOLONG (File name too long)";
            case ENOSYS -> "ENOSYS (Function not implemented)";
            case ENOTEMPTY -> "ENOTEMPTY (Directory not empty)";
            case ELOOP -> "ELOOP (Too many levels of symbolic links)";
            case EDEADLK -> "EDEADLK (Resource deadlock avoided)";
            case ENOLCK -> "ENOLCK (No locks available)";
            case EOVERFLOW -> "EOVERFLOW (Value too large for defined data type)";
            case EOPNOTSUPP -> "EOPNOTSUPP (Operation not supported)";
            case ERESTARTSYS -> "ERESTARTSYS (To be restarted if SA_RESTART is set)";
            case ERESTARTNOINTR -> "ERESTARTNOINTR (To be restarted)";
            case ERESTARTNOHAND -> "ERESTARTNOHAND (To be restarted if no handler)";
            case ERESTART_RESTARTBLOCK -> "ERESTART_RESTARTBLOCK (Interrupted by signal)";
            case ETIMEDOUT -> "ETIMEDOUT (Connection timed out)";
            default -> "E" + e;
        };
    }
}
