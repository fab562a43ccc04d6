package dev.lstar.kernel.vfs;

/**
 * The attributes of a file as struct stat / struct statx report them. {@code dev} and
 * {@code rdev} are in the user-space dev_t encoding (new_encode_dev: major in bits 8-19 and
 * 32-43, minor in bits 0-7 and 20-39), as st_dev carries them.
 */
public record Stat(long dev, long ino, int mode, long nlink, int uid, int gid, long rdev, long size, long blksize,
                   long blocks, long atimeSec, int atimeNsec, long mtimeSec, int mtimeNsec, long ctimeSec, int ctimeNsec,
                   long btimeSec, int btimeNsec, boolean hasBtime) {
    public static final int S_IFMT = 0170000, S_IFSOCK = 0140000, S_IFLNK = 0120000, S_IFREG = 0100000,
            S_IFBLK = 0060000, S_IFDIR = 0040000, S_IFCHR = 0020000, S_IFIFO = 0010000;
    public static final int STATX_TYPE = 1, STATX_MODE = 2, STATX_NLINK = 4, STATX_UID = 8, STATX_GID = 0x10,
            STATX_ATIME = 0x20, STATX_MTIME = 0x40, STATX_CTIME = 0x80, STATX_INO = 0x100, STATX_SIZE = 0x200,
            STATX_BLOCKS = 0x400, STATX_BASIC_STATS = 0x7FF, STATX_BTIME = 0x800;

    public int type() {
        return mode & S_IFMT;
    }

    public boolean isDir() {
        return type() == S_IFDIR;
    }

    /** struct stat of arch/x86/include/uapi/asm/stat.h (x86-64): 144 bytes. */
    public byte[] toStat() {
        byte[] b = new byte[144];
        put64(b, 0, dev);
        put64(b, 8, ino);
        put64(b, 16, nlink);
        put32(b, 24, mode);
        put32(b, 28, uid);
        put32(b, 32, gid);
        put64(b, 40, rdev);
        put64(b, 48, size);
        put64(b, 56, blksize);
        put64(b, 64, blocks);
        put64(b, 72, atimeSec);
        put64(b, 80, atimeNsec);
        put64(b, 88, mtimeSec);
        put64(b, 96, mtimeNsec);
        put64(b, 104, ctimeSec);
        put64(b, 112, ctimeNsec);
        return b;
    }

    /** struct statx of include/uapi/linux/stat.h: 256 bytes, with the basic stats (and btime when known). */
    public byte[] toStatx() {
        byte[] b = new byte[256];
        put32(b, 0, STATX_BASIC_STATS | (hasBtime ? STATX_BTIME : 0));
        put32(b, 4, (int) blksize);
        put32(b, 16, (int) nlink);
        put32(b, 20, uid);
        put32(b, 24, gid);
        b[28] = (byte) mode;
        b[29] = (byte) (mode >>> 8);
        put64(b, 32, ino);
        put64(b, 40, size);
        put64(b, 48, blocks);
        putTs(b, 64, atimeSec, atimeNsec);
        if (hasBtime) putTs(b, 80, btimeSec, btimeNsec);
        putTs(b, 96, ctimeSec, ctimeNsec);
        putTs(b, 112, mtimeSec, mtimeNsec);
        put32(b, 128, major(rdev));
        put32(b, 132, minor(rdev));
        put32(b, 136, major(dev));
        put32(b, 140, minor(dev));
        return b;
    }

    public static int major(long dev) {
        return (int) (((dev >>> 8) & 0xFFF) | ((dev >>> 32) & ~0xFFFL));
    }

    public static int minor(long dev) {
        return (int) ((dev & 0xFF) | ((dev >>> 12) & ~0xFFL));
    }

    /** The user-space dev_t of major:minor (glibc's makedev). */
    public static long makedev(long major, long minor) {
        return ((major & 0xFFF) << 8) | ((major & ~0xFFFL) << 32) | (minor & 0xFF) | ((minor & ~0xFFL) << 12);
    }

    private static void putTs(byte[] b, int off, long sec, int nsec) {
        put64(b, off, sec);
        put32(b, off + 8, nsec);
    }

    static void put64(byte[] b, int off, long v) {
        for (int i = 0; i < 8; i++) b[off + i] = (byte) (v >>> (8 * i));
    }

    static void put32(byte[] b, int off, int v) {
        for (int i = 0; i < 4; i++) b[off + i] = (byte) (v >>> (8 * i));
    }
}
