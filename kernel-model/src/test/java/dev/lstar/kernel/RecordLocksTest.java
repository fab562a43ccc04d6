package dev.lstar.kernel;

import static dev.lstar.kernel.RecordLocks.F_RDLCK;
import static dev.lstar.kernel.RecordLocks.F_UNLCK;
import static dev.lstar.kernel.RecordLocks.F_WRLCK;
import static dev.lstar.kernel.RecordLocks.OFFSET_MAX;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@link RecordLocks}: posix_lock_inode's split/merge, the first conflict, deadlock detection, close and exit. */
class RecordLocksTest {
    static final String F = "1:2";
    final RecordLocks locks = new RecordLocks();

    private String first(Object asker, int type, long start, long end) {
        RecordLocks.Lock l = locks.conflict(F, asker, type, start, end);
        return l == null ? "none" : (l.type == F_WRLCK ? "W" : "R") + "[" + l.start + "," + (l.end == OFFSET_MAX ? "EOF" : l.end) + "] " + l.owner;
    }

    @Test
    void splitsMergesAndKeepsTheOwnersRangesApart() {
        locks.set(F, 10, 10, F_WRLCK, 0, 49);
        locks.set(F, 10, 10, F_UNLCK, 10, 19);           // split
        assertEquals("W[0,9] 10", first(11, F_RDLCK, 0, 100));
        assertEquals("none", first(11, F_WRLCK, 10, 19));
        assertEquals("W[20,49] 10", first(11, F_RDLCK, 15, 100));
        locks.set(F, 10, 10, F_WRLCK, 50, 59);           // adjacent, same type: merged
        assertEquals("W[20,59] 10", first(11, F_RDLCK, 55, 55));
        locks.set(F, 10, 10, F_RDLCK, 30, 39);           // another type inside: three pieces
        assertEquals("none", first(11, F_RDLCK, 30, 39));
        assertEquals("R[30,39] 10", first(11, F_WRLCK, 30, 30));
        assertEquals("W[40,59] 10", first(11, F_WRLCK, 40, 100));
        locks.set(F, 10, 10, F_RDLCK, 40, OFFSET_MAX);   // to EOF, merged with the read lock before it
        assertEquals("R[30,EOF] 10", first(11, F_WRLCK, 1000, 1000));
        assertEquals("none", first(10, F_WRLCK, 0, OFFSET_MAX)); // own locks never conflict
    }

    @Test
    void theFirstConflictIsInTheOrderOwnersFirstLocked() {
        locks.set(F, 20, 20, F_RDLCK, 100, 199);
        locks.set(F, 10, 10, F_RDLCK, 0, 199);
        assertEquals("R[100,199] 20", first(30, F_WRLCK, 150, 150));
        locks.set(F, 20, 20, F_UNLCK, 0, OFFSET_MAX);
        locks.set(F, 20, 20, F_RDLCK, 100, 199);         // back at the end of the list
        assertEquals("R[0,199] 10", first(30, F_WRLCK, 150, 150));
    }

    @Test
    void aWaitsForChainBackToTheCallerIsADeadlockUntilTheLockChanges() {
        locks.set(F, 1, 1, F_WRLCK, 0, 0);
        locks.set(F, 2, 2, F_WRLCK, 1, 1);
        locks.set(F, 3, 3, F_WRLCK, 2, 2);
        RecordLocks.Lock held1 = locks.conflict(F, 2, F_WRLCK, 0, 0);
        locks.waitFor(2, held1);                          // 2 waits for 1
        RecordLocks.Lock held2 = locks.conflict(F, 3, F_WRLCK, 1, 1);
        locks.waitFor(3, held2);                          // 3 waits for 2
        RecordLocks.Lock held3 = locks.conflict(F, 1, F_WRLCK, 2, 2);
        assertNotNull(held3);
        assertTrue(locks.deadlock(1, held3));             // 1 → 3 → 2 → 1
        assertFalse(locks.deadlock(4, held3));
        assertFalse(locks.deadlock(locks, held3));        // not a process owner (an OFD caller is an OpenFile; never checked)
        locks.set(F, 1, 1, F_UNLCK, 0, 0);                // 2's blocker is gone: 2 is no longer waiting for 1
        assertFalse(locks.deadlock(1, held3));
        locks.waitFor(2, null);
        locks.waitFor(3, null);
    }

    @Test
    void closeAndTheTablesReleaseDropAnOwnersLocks() {
        locks.set(F, 5, 5, F_WRLCK, 0, 9);
        locks.set("other", 5, 5, F_WRLCK, 0, 9);
        assertTrue(locks.holdsAny(5));
        locks.closed(5, F);
        assertNull(locks.conflict(F, 6, F_WRLCK, 0, OFFSET_MAX));
        assertNotNull(locks.conflict("other", 6, F_WRLCK, 0, OFFSET_MAX));
        locks.released(5);
        assertNull(locks.conflict("other", 6, F_WRLCK, 0, OFFSET_MAX));
        assertFalse(locks.holdsAny(5));
    }
}
