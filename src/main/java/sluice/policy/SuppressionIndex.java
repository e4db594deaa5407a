package sluice.policy;

import com.carrotsearch.hppc.LongHashSet;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Which keys are on the list, as 64-bit fingerprints in a primitive open-addressing set (hppc): 8 bytes a slot at
 * most 75% full, so 11–22 bytes per entry (16.8 at one million, SuppressionIndexMemoryTest), ten million entries in
 * at most ~270 MB, and a RCPT check never leaves the JVM. A fingerprint answers "maybe" for a key that
 * is absent with odds of about n / 2^64 (10^-12 at ten million entries); only a hit reads the entry from RocksDB.
 * Pure Java under a read/write lock: no JNI call is ever made while it is held.
 */
final class SuppressionIndex {
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final LongHashSet set = new LongHashSet();

    boolean contains(long fingerprint) {
        lock.readLock().lock();
        try {
            return set.contains(fingerprint);
        } finally {
            lock.readLock().unlock();
        }
    }

    boolean add(long fingerprint) {
        lock.writeLock().lock();
        try {
            return set.add(fingerprint);
        } finally {
            lock.writeLock().unlock();
        }
    }

    boolean remove(long fingerprint) {
        lock.writeLock().lock();
        try {
            return set.remove(fingerprint);
        } finally {
            lock.writeLock().unlock();
        }
    }

    int size() {
        lock.readLock().lock();
        try {
            return set.size();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Bytes of the set's arrays (for the memory figure in docs/reputation.md). */
    long bytesAllocated() {
        lock.readLock().lock();
        try {
            return set.ramBytesAllocated();
        } finally {
            lock.readLock().unlock();
        }
    }
}
