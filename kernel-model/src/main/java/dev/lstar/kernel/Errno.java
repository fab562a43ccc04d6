package dev.lstar.kernel;

/** Linux errno values (include/uapi/asm-generic/errno-base.h, errno.h). Syscalls return -errno. */
public final class Errno {
    private Errno() {}

    public static final int EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, EBADF = 9, ECHILD = 10,
            EAGAIN = 11, ENOMEM = 12, EACCES = 13, EFAULT = 14, EEXIST = 17, ENODEV = 19, EINVAL = 22,
            ENOTTY = 25, ESPIPE = 29, EPIPE = 32, ERANGE = 34, ENOSYS = 38;

    /** "EFAULT (Bad address)"-style text for strace lines. */
    public static String name(int e) {
        return switch (e) {
            case EPERM -> "EPERM (Operation not permitted)";
            case ENOENT -> "ENOENT (No such file or directory)";
            case EBADF -> "EBADF (Bad file descriptor)";
            case EAGAIN -> "EAGAIN (Resource temporarily unavailable)";
            case ENOMEM -> "ENOMEM (Cannot allocate memory)";
            case EACCES -> "EACCES (Permission denied)";
            case EFAULT -> "EFAULT (Bad address)";
            case EEXIST -> "EEXIST (File exists)";
            case ENODEV -> "ENODEV (No such device)";
            case EINVAL -> "EINVAL (Invalid argument)";
            case ENOSYS -> "ENOSYS (Function not implemented)";
            default -> "E" + e;
        };
    }
}
