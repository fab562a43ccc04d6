package dev.lstar.kernel.vfs;

import static dev.lstar.kernel.Errno.*;

/** The process's file descriptors (struct files_struct): open file descriptions and the close-on-exec bits. */
public final class FdTable {
    private OpenFile[] files = new OpenFile[16];
    private boolean[] cloexec = new boolean[16];
    /**
     * Told of every descriptor about to be closed (filp_close's locks_remove_posix: closing any
     * descriptor of a file drops the process's record locks on it); kept by {@link #copy}.
     */
    public java.util.function.Consumer<OpenFile> onClose;

    /** The file {@code fd} refers to; EBADF if none. */
    public OpenFile get(long fd) {
        if (fd < 0 || fd >= files.length || files[(int) fd] == null) throw new SysError(EBADF);
        return files[(int) fd];
    }

    public boolean isOpen(long fd) {
        return fd >= 0 && fd < files.length && files[(int) fd] != null;
    }

    /** get_unused_fd_flags + fd_install: the lowest free descriptor at or above {@code min}, below {@code limit} (EMFILE). */
    public int install(OpenFile f, boolean closeOnExec, int min, long limit) {
        for (int fd = min; fd < limit; fd++) {
            if (fd >= files.length || files[fd] == null) {
                put(fd, f, closeOnExec);
                return fd;
            }
        }
        throw new SysError(EMFILE);
    }

    /** dup2/dup3's replace_fd: {@code fd} now refers to {@code f} (whatever it referred to is closed). */
    public void installAt(int fd, OpenFile f, boolean closeOnExec) {
        OpenFile old = fd < files.length ? files[fd] : null;
        if (old != null && onClose != null) onClose.accept(old);
        put(fd, f, closeOnExec);
        if (old != null) unref(old);
    }

    private void put(int fd, OpenFile f, boolean closeOnExec) {
        if (fd >= files.length) {
            int n = Math.max(files.length * 2, fd + 1);
            files = java.util.Arrays.copyOf(files, n);
            cloexec = java.util.Arrays.copyOf(cloexec, n);
        }
        files[fd] = f;
        cloexec[fd] = closeOnExec;
        f.refs++;
    }

    /** close(fd): EBADF if not open. */
    public void close(long fd) {
        OpenFile f = get(fd);
        if (onClose != null) onClose.accept(f);
        files[(int) fd] = null;
        cloexec[(int) fd] = false;
        unref(f);
    }

    private static void unref(OpenFile f) {
        if (--f.refs == 0) f.release();
    }

    public boolean closeOnExec(long fd) {
        get(fd);
        return cloexec[(int) fd];
    }

    public void setCloseOnExec(long fd, boolean on) {
        get(fd);
        cloexec[(int) fd] = on;
    }

    /**
     * fdt->max_fds: the size of the descriptor table (select clips its nfds to it): BITS_PER_LONG
     * at first, then grown in powers of two to hold the highest descriptor (expand_fdtable).
     */
    public int maxFds() {
        int n = 64;
        while (n < size()) n <<= 1;
        return n;
    }

    /** One more than the highest open descriptor. */
    public int size() {
        for (int i = files.length - 1; i >= 0; i--) if (files[i] != null) return i + 1;
        return 0;
    }

    /** Tasks using this table (CLONE_FILES shares it; the last one to end closes it). */
    public int users = 1;

    /** dup_fd: a copy for a forked child, referring to the same open file descriptions, with the same close-on-exec bits. */
    public FdTable copy() {
        FdTable t = new FdTable();
        t.onClose = onClose;
        t.files = new OpenFile[files.length];
        t.cloexec = cloexec.clone();
        for (int i = 0; i < files.length; i++) {
            if (files[i] != null) {
                t.files[i] = files[i];
                files[i].refs++;
            }
        }
        return t;
    }

    /** do_close_on_exec: execve closes every descriptor marked close-on-exec. */
    public void closeOnExec() {
        for (int i = 0; i < files.length; i++) if (files[i] != null && cloexec[i]) close(i);
    }

    /** Closes every descriptor (process exit). */
    public void closeAll() {
        for (int i = 0; i < files.length; i++) if (files[i] != null) close(i);
    }
}
