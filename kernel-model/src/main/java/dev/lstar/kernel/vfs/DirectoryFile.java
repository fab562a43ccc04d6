package dev.lstar.kernel.vfs;

import static dev.lstar.kernel.Errno.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * An open directory: read(2) is EISDIR, getdents64 lists ".", ".." and the entries (a snapshot
 * taken at offset 0, refreshed by a seek back to 0 as rewinddir does); d_off is the next entry's
 * index, which lseek(SEEK_SET) accepts.
 */
public final class DirectoryFile extends OpenFile {
    // include/linux/fs_types.h DT_*
    public static final int DT_UNKNOWN = 0, DT_FIFO = 1, DT_CHR = 2, DT_DIR = 4, DT_BLK = 6, DT_REG = 8, DT_LNK = 10, DT_SOCK = 12;

    record Entry(long ino, int type, byte[] name) {}

    final Path host;
    final Vfs.Lookup lookup;
    private List<Entry> entries;
    private long pos;

    public DirectoryFile(Vfs.Lookup l, int flags) {
        super(flags, l.guest());
        this.host = l.host();
        this.lookup = l;
    }

    @Override public boolean isDirectory() { return true; }
    @Override public Path host() { return host; }
    @Override public int read(byte[] b, int off, int len) { throw new SysError(EISDIR); }
    @Override public int write(byte[] b, int off, int len) { throw new SysError(EBADF); }
    @Override public Stat stat(Vfs vfs) { return vfs.stat(lookup); }
    @Override public long position() { return pos; }

    @Override public void sync() {
        // fsync on a directory succeeds (the file system's own fsync; nothing is buffered here)
    }

    /** generic_file_llseek on a directory (SEEK_SET, SEEK_CUR; SEEK_END is EINVAL for most file systems' dirs too). */
    @Override public long seek(long offset, int whence) {
        long n = switch (whence) {
            case SEEK_SET -> offset;
            case SEEK_CUR -> pos + offset;
            default -> throw new SysError(EINVAL);
        };
        if (n < 0) throw new SysError(EINVAL);
        pos = n;
        if (n == 0) entries = null;
        return n;
    }

    private List<Entry> entries(Vfs vfs) {
        if (entries != null) return entries;
        List<Entry> list = new ArrayList<>();
        Stat self = vfs.stat(lookup);
        list.add(new Entry(self.ino(), DT_DIR, ".".getBytes(StandardCharsets.UTF_8)));
        long parentIno = self.ino();
        if (!lookup.guest().equals("/")) {
            try {
                parentIno = vfs.stat(vfs.lookup("/", lookup.guest() + "/..", true)).ino();
            } catch (SysError e) {
                // the directory was removed: keep its own number
            }
        }
        list.add(new Entry(parentIno, DT_DIR, "..".getBytes(StandardCharsets.UTF_8)));
        if (lookup.special() != null) {
            if (lookup.special() == Vfs.Special.DEV_DIR) {
                for (String n : new String[] {"null", "random", "urandom", "zero"}) list.add(new Entry(0x6000 + n.length(), DT_CHR, n.getBytes(StandardCharsets.UTF_8)));
            } else {
                list.addAll(vfs.procEntries(lookup));
            }
            return entries = list;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(host)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                int type = DT_UNKNOWN;
                long ino = 0;
                try {
                    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, Vfs.NOFOLLOW);
                    type = a.isDirectory() ? DT_DIR : a.isSymbolicLink() ? DT_LNK : a.isRegularFile() ? DT_REG : DT_UNKNOWN;
                    Stat st = vfs.stat(p);
                    ino = st.ino();
                    type = switch (st.type()) {
                        case Stat.S_IFDIR -> DT_DIR; case Stat.S_IFREG -> DT_REG; case Stat.S_IFLNK -> DT_LNK;
                        case Stat.S_IFCHR -> DT_CHR; case Stat.S_IFBLK -> DT_BLK; case Stat.S_IFIFO -> DT_FIFO;
                        case Stat.S_IFSOCK -> DT_SOCK; default -> type;
                    };
                } catch (IOException | SysError e) {
                    // vanished while listing: report it with DT_UNKNOWN, as a racing readdir may
                }
                list.add(new Entry(ino, type, name.getBytes(StandardCharsets.UTF_8)));
            }
        } catch (IOException e) {
            throw SysError.of(e);
        }
        if (lookup.guest().equals("/")) { // lstar's own /dev and /proc where the file system has none
            for (String n : new String[] {"dev", "proc"}) {
                if (Vfs.attrs(host.resolve(n)) == null) list.add(new Entry(0x7000 + n.length(), DT_DIR, n.getBytes(StandardCharsets.UTF_8)));
            }
        }
        return entries = list;
    }

    /**
     * getdents64: as many struct linux_dirent64 {u64 d_ino; s64 d_off; u16 d_reclen; u8 d_type;
     * char d_name[]} (reclen 8-aligned) as fit in {@code count} bytes; EINVAL if not even the
     * next one fits; an empty array at the end.
     */
    public byte[] getdents64(Vfs vfs, int count) {
        List<Entry> list = entries(vfs);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        while (pos < list.size()) {
            Entry e = list.get((int) pos);
            int reclen = (19 + e.name().length + 1 + 7) & ~7;
            if (out.size() + reclen > count) {
                if (out.size() == 0) throw new SysError(EINVAL);
                break;
            }
            byte[] rec = new byte[reclen];
            Stat.put64(rec, 0, e.ino());
            Stat.put64(rec, 8, pos + 1);
            rec[16] = (byte) reclen;
            rec[17] = (byte) (reclen >>> 8);
            rec[18] = (byte) e.type();
            System.arraycopy(e.name(), 0, rec, 19, e.name().length);
            out.write(rec, 0, reclen);
            pos++;
        }
        return out.toByteArray();
    }
}
