package dev.lstar.kernel;

import dev.lstar.kernel.vfs.OpenFile;
import dev.lstar.kernel.vfs.SysError;

/**
 * What a file-backed {@link Vma} maps: an open regular file (mmap of a descriptor: the mapping
 * holds a reference to the open file description, as vma->vm_file does, so closing the descriptor
 * leaves the mapping working), or the bytes of an image lstar read itself (the executable and its
 * interpreter). {@code path}, {@code dev} and {@code ino} are what /proc/self/maps shows.
 */
final class MappedFile {
    final String path;
    final long dev, ino;
    /** The open file (mmap of a descriptor), or null for an image. */
    final OpenFile file;
    /** The open file's host path (which file a descriptor's read or write touches), or null for an image. */
    final java.nio.file.Path host;
    /** The file's bytes (the executable or the ELF interpreter), or null. */
    private final byte[] image;
    /** How many VMAs refer to it; the open file is released when the last goes. */
    private int users;
    /** The file's identity for the page cache, taken when it is first needed (see {@link PageCache}). */
    private Identity identity;

    /** What makes two mappings map the same file contents: device, inode, size, modification time or a CRC of the bytes. */
    record Identity(long dev, long ino, long size, long version) {
        // written out: a record's generated equals/hashCode bootstrap through method handles on
        // first use, milliseconds of a short program's start-up (see README, start-up)
        @Override
        public boolean equals(Object o) {
            return o instanceof Identity i && dev == i.dev && ino == i.ino && size == i.size && version == i.version;
        }

        @Override
        public int hashCode() {
            return Long.hashCode(((dev * 31 + ino) * 31 + size) * 31 + version);
        }
    }

    /** The identity of the contents mapped ({@link PageCache}); null when the file cannot be identified (not cached). */
    Identity identity() {
        if (identity == null) {
            if (image != null) {
                java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
                crc.update(image);
                identity = new Identity(dev, ino, image.length, crc.getValue());
            } else if (host != null && (dev != 0 || ino != 0)) {
                try {
                    long mtime = java.nio.file.Files.getLastModifiedTime(host).to(java.util.concurrent.TimeUnit.NANOSECONDS);
                    identity = new Identity(dev, ino, file.sizeNow(), mtime);
                } catch (java.io.IOException | RuntimeException e) {
                    return null;
                }
            }
        }
        return identity;
    }

    private MappedFile(String path, long dev, long ino, OpenFile file, byte[] image) {
        this.path = path;
        this.dev = dev;
        this.ino = ino;
        this.file = file;
        this.image = image;
        this.host = file == null ? null : file.host();
    }

    static MappedFile of(OpenFile f, long dev, long ino) {
        f.hold();
        return new MappedFile(f.guestPath, dev, ino, f, null);
    }

    static MappedFile image(String path, long dev, long ino, byte[] bytes) {
        return new MappedFile(path, dev, ino, null, bytes);
    }

    void use() {
        users++;
    }

    void unuse() {
        if (--users == 0 && file != null) file.unhold();
    }

    /** The file's size now (an image's is fixed). */
    long size() {
        if (image != null) return image.length;
        return file.sizeNow();
    }

    /** Reads the page at file offset {@code off} into {@code page} (4096 bytes; zeros past the end of the file). */
    void readPage(long off, byte[] page) {
        java.util.Arrays.fill(page, (byte) 0);
        if (image != null) {
            if (off < image.length) System.arraycopy(image, (int) off, page, 0, (int) Math.min(4096, image.length - off));
            return;
        }
        int done = 0;
        try {
            while (done < 4096) {
                int n = file.pread(page, done, 4096 - done, off + done);
                if (n <= 0) break;
                done += n;
            }
        } catch (SysError e) {
            // an I/O error reading the page: Linux would raise SIGBUS; the page reads as zeros here
        }
    }

    /** Writes {@code len} bytes of a dirty shared page back at file offset {@code off} (never past the end of the file). */
    void writeBack(long off, byte[] page, int len) {
        if (file == null || len <= 0) return;
        try {
            file.pwriteAt(page, 0, len, off);
        } catch (SysError e) {
            // write-back errors are reported by msync/fsync on Linux (AS_EIO); lstar drops them
        }
    }

    boolean writable() {
        return file != null && file.writable();
    }
}
