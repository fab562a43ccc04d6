package dev.lstar.kernel;

import static dev.lstar.kernel.vfs.OpenFile.*;


/** strace's rendering of system-call arguments: paths as strings, open flags and modes symbolically. */
final class StraceFormat {
    private StraceFormat() {}

    static String arg(char kind, long v, FileSyscalls files) {
        return switch (kind) {
            case 'd' -> (int) v == FileSyscalls.AT_FDCWD ? "AT_FDCWD" : Integer.toString((int) v);
            case 's' -> string(v, files);
            case 'O' -> openFlags((int) v);
            case 'o' -> ((int) v & 07777) == 0 ? "000" : "0" + Integer.toOctalString((int) v & 07777);
            case 'a' -> atFlags((int) v);
            case 'w' -> switch ((int) v) {
                case 0 -> "SEEK_SET"; case 1 -> "SEEK_CUR"; case 2 -> "SEEK_END"; case 3 -> "SEEK_DATA"; case 4 -> "SEEK_HOLE";
                default -> Integer.toString((int) v);
            };
            case 'p' -> v == 0 ? "NULL" : "0x" + Long.toHexString(v);
            case 'u' -> Long.toUnsignedString(v);
            case 'i' -> Integer.toString((int) v); // a C int: the register's low half, signed
            case 'x' -> "0x" + Long.toHexString(v);
            default -> v >= -4096 && v < 65536 ? Long.toString(v) : "0x" + Long.toHexString(v);
        };
    }

    static String string(long addr, FileSyscalls files) {
        if (addr == 0) return "NULL";
        byte[] b = files.userString(addr, 4096);
        if (b == null) return "0x" + Long.toHexString(addr);
        StringBuilder sb = new StringBuilder("\"");
        for (byte x : b) {
            int c = x & 0xFF;
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c >= 0x7F) sb.append(String.format("\\%o", c));
                    else sb.append((char) c);
                }
            }
        }
        return sb.append('"').toString();
    }

    static String openFlags(int f) {
        StringBuilder sb = new StringBuilder(switch (f & O_ACCMODE) {
            case O_RDONLY -> "O_RDONLY"; case O_WRONLY -> "O_WRONLY"; case O_RDWR -> "O_RDWR"; default -> "O_ACCMODE";
        });
        int rest = f & ~O_ACCMODE;
        Object[][] names = {{O_CREAT, "O_CREAT"}, {O_EXCL, "O_EXCL"}, {O_NOCTTY, "O_NOCTTY"}, {O_TRUNC, "O_TRUNC"},
            {O_APPEND, "O_APPEND"}, {O_NONBLOCK, "O_NONBLOCK"}, {__O_SYNC | O_DSYNC, "O_SYNC"}, {O_DSYNC, "O_DSYNC"},
            {FASYNC, "O_ASYNC"}, {O_DIRECT, "O_DIRECT"}, {O_LARGEFILE, "O_LARGEFILE"}, {__O_TMPFILE | O_DIRECTORY, "O_TMPFILE"},
            {O_DIRECTORY, "O_DIRECTORY"}, {O_NOFOLLOW, "O_NOFOLLOW"}, {O_NOATIME, "O_NOATIME"}, {O_CLOEXEC, "O_CLOEXEC"}, {O_PATH, "O_PATH"}};
        for (Object[] n : names) {
            int bit = (Integer) n[0];
            if ((rest & bit) == bit) { sb.append('|').append(n[1]); rest &= ~bit; }
        }
        if (rest != 0) sb.append("|0").append(Integer.toOctalString(rest));
        return sb.toString();
    }

    static String atFlags(int f) {
        if (f == 0) return "0";
        StringBuilder sb = new StringBuilder();
        Object[][] names = {{FileSyscalls.AT_SYMLINK_NOFOLLOW, "AT_SYMLINK_NOFOLLOW"}, {FileSyscalls.AT_REMOVEDIR, "AT_REMOVEDIR"},
            {FileSyscalls.AT_SYMLINK_FOLLOW, "AT_SYMLINK_FOLLOW"}, {FileSyscalls.AT_NO_AUTOMOUNT, "AT_NO_AUTOMOUNT"},
            {FileSyscalls.AT_EMPTY_PATH, "AT_EMPTY_PATH"}};
        int rest = f;
        for (Object[] n : names) {
            int bit = (Integer) n[0];
            if ((rest & bit) != 0) { sb.append(sb.isEmpty() ? "" : "|").append(n[1]); rest &= ~bit; }
        }
        if (rest != 0) sb.append(sb.isEmpty() ? "" : "|").append("0x").append(Integer.toHexString(rest));
        return sb.toString();
    }
}
