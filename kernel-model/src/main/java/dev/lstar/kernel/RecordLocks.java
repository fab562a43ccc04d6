package dev.lstar.kernel;

import dev.lstar.kernel.vfs.OpenFile;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * fs/locks.c's POSIX record locks (fcntl F_SETLK/F_SETLKW/F_GETLK) and open file description
 * locks (F_OFD_*), kept per file ("dev:ino", the key flock uses) in Linux's flc_posix order: the
 * owners in the order of their first lock, each owner's locks sorted by start, never overlapping,
 * adjacent or overlapping ones of one type merged. A POSIX lock's owner is the descriptor table
 * (Linux's fl_owner = current->files: threads share it, so does a clone(CLONE_FILES) process,
 * and execve keeps it unless it was shared), and F_GETLK reports the tgid of the process that
 * set it; an OFD lock's is the
 * {@link OpenFile} and dies with the description's last reference. Ranges are inclusive, an end
 * of {@link #OFFSET_MAX} reaching past EOF. The waits-for relation of blocked POSIX requests
 * (Linux's blocked_hash) serves posix_locks_deadlock. Kernel state: touched only by the task
 * holding the CPU.
 */
final class RecordLocks {
    static final long OFFSET_MAX = Long.MAX_VALUE;
    static final int F_RDLCK = 0, F_WRLCK = 1, F_UNLCK = 2;
    /** posix_locks_deadlock's MAX_DEADLK_ITERATIONS. */
    static final int MAX_DEADLK_ITERATIONS = 10;

    /** One lock (struct file_lock): owner (a descriptor table, FdTable, or an OpenFile), the pid F_GETLK reports, type, range. */
    static final class Lock {
        final Object owner;
        final int pid;
        final int type;
        final long start, end;
        /** Removed or changed: a waiter blocked on it was woken (it is no longer in the waits-for relation). */
        boolean dead;

        Lock(Object owner, int pid, int type, long start, long end) {
            this.owner = owner;
            this.pid = pid;
            this.type = type;
            this.start = start;
            this.end = end;
        }

        boolean ofd() { return owner instanceof OpenFile; }
    }

    private final Map<String, ArrayList<Lock>> files = new HashMap<>();
    /** How many POSIX locks each owner (descriptor table) holds: a close by an owner holding none costs nothing. */
    private final Map<Object, Integer> held = new HashMap<>();
    /** A blocked POSIX owner and the lock it waits for (what_owner_is_waiting_for). */
    private final Map<Object, Lock> waiting = new HashMap<>();

    private static boolean overlap(Lock l, long start, long end) {
        return l.start <= end && start <= l.end;
    }

    /** An OFD lock whose description is gone (locks_remove_file at the last fput) is dropped here. */
    private static boolean gone(Lock l) {
        return l.owner instanceof OpenFile f && !f.referenced();
    }

    /** posix_test_lock / the conflict scan of posix_lock_inode: the first lock of another owner that conflicts, or null. */
    Lock conflict(String file, Object owner, int type, long start, long end) {
        ArrayList<Lock> list = files.get(file);
        if (list == null) return null;
        for (Iterator<Lock> it = list.iterator(); it.hasNext();) {
            Lock l = it.next();
            if (gone(l)) {
                l.dead = true;
                it.remove();
                continue;
            }
            if (l.owner.equals(owner) || !overlap(l, start, end)) continue;
            if (type == F_WRLCK || l.type == F_WRLCK) return l;
        }
        if (list.isEmpty()) files.remove(file);
        return null;
    }

    /**
     * posix_lock_inode with no conflict: {@code owner}'s locks on {@code file} in [start, end] become
     * {@code type} (F_UNLCK removes them): overlapped locks of another type are trimmed or split,
     * overlapping or adjacent ones of the same type merged with the new one.
     */
    void set(String file, Object owner, int pid, int type, long start, long end) {
        ArrayList<Lock> list = files.get(file);
        if (list == null) {
            if (type == F_UNLCK) return;
            files.put(file, list = new ArrayList<>());
        }
        int at = -1;
        List<Lock> mine = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            Lock l = list.get(i);
            if (l.owner.equals(owner)) {
                if (at < 0) at = i;
                mine.add(l);
            }
        }
        list.removeAll(mine);
        if (at < 0) at = list.size();
        long s = start, e = end;
        List<Lock> out = new ArrayList<>();
        for (Lock l : mine) {
            boolean adjacent = (start > 0 && l.end == start - 1) || (end != OFFSET_MAX && l.start == end + 1);
            if (!overlap(l, start, end) && !(adjacent && l.type == type)) {
                out.add(l);
                continue;
            }
            l.dead = true;
            if (l.type == type) { // merged into the new lock
                s = Math.min(s, l.start);
                e = Math.max(e, l.end);
                continue;
            }
            if (l.start < start) out.add(new Lock(owner, l.pid, l.type, l.start, start - 1));
            if (l.end > end) out.add(new Lock(owner, l.pid, l.type, end + 1, l.end));
        }
        if (type != F_UNLCK) out.add(new Lock(owner, pid, type, s, e));
        out.sort((a, b) -> Long.compare(a.start, b.start));
        list.addAll(at, out);
        if (list.isEmpty()) files.remove(file);
        if (!(owner instanceof OpenFile)) {
            int n = held.getOrDefault(owner, 0) - mine.size() + out.size();
            if (n == 0) held.remove(owner);
            else held.put(owner, n);
        }
    }

    /**
     * posix_locks_deadlock: following what each owner waits for from the lock that blocks
     * {@code caller} comes back to {@code caller} (OFD callers are never checked).
     */
    boolean deadlock(Object caller, Lock block) {
        if (caller instanceof OpenFile) return false;
        for (int i = 0;;) {
            Lock w = waiting.get(block.owner);
            if (w == null || w.dead) return false;
            if (i++ > MAX_DEADLK_ITERATIONS) return false;
            if (w.owner.equals(caller)) return true;
            block = w;
        }
    }

    /** {@code owner} sleeps for {@code block} (null: it stopped waiting). OFD waiters are not recorded, as in Linux. */
    void waitFor(Object owner, Lock block) {
        if (owner instanceof OpenFile) return;
        if (block == null) waiting.remove(owner);
        else waiting.put(owner, block);
    }

    boolean holdsAny(Object owner) {
        return !held.isEmpty() && held.containsKey(owner);
    }

    /** locks_remove_posix: a descriptor of {@code file} was closed in table {@code owner}; all its locks there go. */
    void closed(Object owner, String file) {
        set(file, owner, 0, F_UNLCK, 0, OFFSET_MAX);
    }

    /** The descriptor table's last user let it go (put_files_struct): whatever locks it still holds go. */
    void released(Object owner) {
        waiting.remove(owner);
        if (!held.containsKey(owner)) return;
        for (String file : new ArrayList<>(files.keySet())) set(file, owner, 0, F_UNLCK, 0, OFFSET_MAX);
        held.remove(owner);
    }
}
