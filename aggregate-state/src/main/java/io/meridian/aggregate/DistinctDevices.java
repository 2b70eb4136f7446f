package io.meridian.aggregate;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.apache.datasketches.common.SketchesException;
import org.apache.datasketches.hll.HllSketch;
import org.apache.datasketches.hll.TgtHllType;
import org.apache.datasketches.hll.Union;

/**
 * Distinct devices of one window: exact up to a bound, then a HyperLogLog sketch.
 *
 * <p>Exact mode keeps the 64-bit hashes of the device ids (never the ids) in an open-addressing table, so a
 * window of 1,000 devices costs about 16 KB in memory and 8 KB serialized. When the bound is passed the
 * hashes are fed to an HLL sketch (lgK 12, HLL_8: about 4 KB, relative standard error about 1.6 %) and the
 * table is dropped, which bounds a window's memory however many devices report. Merging two exact sets
 * stays exact while the union is within the smaller bound; anything else merges as HLL sketches, whose
 * registers merge exactly (the estimate of a merged sketch may use a different estimator than a sketch
 * built in one pass, so the two agree within the sketch's error, not to the device).
 *
 * <p>Not thread-safe.
 */
final class DistinctDevices {

    static final int LG_K = 12;
    static final TgtHllType HLL_TYPE = TgtHllType.HLL_8;
    /** The largest bound a serialized state may declare: 2^20 hashes are 8 MB, far past any sane setting. */
    static final int MAX_BOUND = 1 << 20;
    static final byte MODE_EXACT = 0;
    static final byte MODE_HLL = 1;

    private final int bound;
    /**
     * Exact mode as read from a blob: the ascending hashes, shared and never modified. A state that is only
     * read (an API query) never builds the table; the first add or merge does.
     */
    private long[] sorted;
    /** Exact mode: open addressing, 0 marks a free slot (hash 0 is kept in {@link #hasZero}). Null in HLL mode. */
    private long[] table;
    private int size;
    private boolean hasZero;
    private HllSketch hll;

    DistinctDevices(int bound) {
        if (bound < 1 || bound > MAX_BOUND) {
            throw new IllegalArgumentException("distinct-device bound must be 1 to " + MAX_BOUND + ", was " + bound);
        }
        this.bound = bound;
        this.table = new long[16];
    }

    int bound() {
        return bound;
    }

    boolean isExact() {
        return hll == null;
    }

    void add(long hash) {
        if (hll != null) {
            hll.update(hash);
            return;
        }
        materialize();
        if (insert(hash) && size > bound) {
            toHll();
        }
    }

    /** The exact count, or the sketch's estimate rounded. */
    long estimate() {
        return hll == null ? size : Math.round(hll.getEstimate());
    }

    /** Merges {@code other} into this; the result keeps this set's bound when it is the smaller one. */
    DistinctDevices mergedWith(DistinctDevices other) {
        int mergedBound = Math.min(bound, other.bound);
        if (isExact() && other.isExact()) {
            DistinctDevices merged = new DistinctDevices(mergedBound);
            forEachHash(merged::add);
            other.forEachHash(merged::add);
            return merged;
        }
        Union union = new Union(LG_K);
        union.update(asSketch());
        union.update(other.asSketch());
        DistinctDevices merged = new DistinctDevices(mergedBound);
        merged.table = null;
        merged.size = 0;
        merged.hll = union.getResult(HLL_TYPE);
        return merged;
    }

    DistinctDevices copy() {
        DistinctDevices copy = new DistinctDevices(bound);
        if (hll != null) {
            copy.table = null;
            copy.hll = hll.copy();
        } else if (sorted != null) {
            copy.table = null;
            copy.sorted = sorted;
            copy.size = size;
        } else {
            copy.table = table.clone();
            copy.size = size;
            copy.hasZero = hasZero;
        }
        return copy;
    }

    /** Exact hashes in ascending order, so that equal sets serialize to equal bytes. */
    long[] sortedHashes() {
        if (sorted != null) {
            return sorted;
        }
        long[] hashes = new long[size];
        int[] i = {0};
        forEachHash(h -> hashes[i[0]++] = h);
        Arrays.sort(hashes);
        return hashes;
    }

    int serializedSize() {
        return 1 + 4 + 4 + (hll == null ? 8 * size : hll.getCompactSerializationBytes());
    }

    void writeTo(ByteBuffer out) {
        out.put(hll == null ? MODE_EXACT : MODE_HLL);
        out.putInt(bound);
        if (hll == null) {
            out.putInt(size);
            for (long h : sortedHashes()) {
                out.putLong(h);
            }
        } else {
            byte[] bytes = hll.toCompactByteArray();
            out.putInt(bytes.length);
            out.put(bytes);
        }
    }

    /**
     * Reads what {@link #writeTo} wrote.
     *
     * @throws IllegalArgumentException naming the field that is out of range
     */
    static DistinctDevices readFrom(ByteBuffer in, long count) {
        byte mode = in.get();
        int bound = in.getInt();
        if (bound < 1 || bound > MAX_BOUND) {
            throw new IllegalArgumentException("distinct-device bound must be 1 to " + MAX_BOUND + ", was " + bound);
        }
        int n = in.getInt();
        if (mode == MODE_EXACT) {
            if (n < 0 || n > bound || n > count) {
                throw new IllegalArgumentException("exact distinct-device count must be 0 to min(bound " + bound
                        + ", count " + count + "), was " + n);
            }
            if (in.remaining() < 8L * n) {
                throw new IllegalArgumentException("distinct-device hashes are truncated: " + n + " hashes need " + 8L * n
                        + " bytes, " + in.remaining() + " remain");
            }
            long[] hashes = new long[n];
            for (int i = 0; i < n; i++) {
                hashes[i] = in.getLong();
                if (i > 0 && hashes[i] <= hashes[i - 1]) {
                    throw new IllegalArgumentException("distinct-device hashes must be strictly ascending, hash " + i
                            + " was not");
                }
            }
            DistinctDevices set = new DistinctDevices(bound);
            set.table = null;
            set.sorted = hashes;
            set.size = n;
            return set;
        }
        if (mode == MODE_HLL) {
            if (n < 1 || n > in.remaining()) {
                throw new IllegalArgumentException("HLL sketch length must be 1 to " + in.remaining() + " bytes, was " + n);
            }
            byte[] bytes = new byte[n];
            in.get(bytes);
            HllSketch sketch;
            try {
                sketch = HllSketch.heapify(bytes);
            } catch (SketchesException | IndexOutOfBoundsException e) {
                throw new IllegalArgumentException("HLL sketch cannot be read: " + e.getMessage(), e);
            }
            if (sketch.getLgConfigK() != LG_K) {
                throw new IllegalArgumentException("HLL sketch must have lgK " + LG_K + ", was " + sketch.getLgConfigK());
            }
            DistinctDevices set = new DistinctDevices(bound);
            set.table = null;
            set.hll = sketch.getTgtHllType() == HLL_TYPE ? sketch : sketch.copyAs(HLL_TYPE);
            return set;
        }
        throw new IllegalArgumentException("distinct-device mode must be 0 (exact) or 1 (HLL), was " + mode);
    }

    private HllSketch asSketch() {
        if (hll != null) {
            return hll;
        }
        HllSketch sketch = new HllSketch(LG_K, HLL_TYPE);
        forEachHash(sketch::update);
        return sketch;
    }

    private void toHll() {
        hll = asSketch();
        table = null;
        sorted = null;
        size = 0;
        hasZero = false;
    }

    private interface HashConsumer {
        void accept(long hash);
    }

    private void forEachHash(HashConsumer consumer) {
        if (sorted != null) {
            for (long h : sorted) {
                consumer.accept(h);
            }
            return;
        }
        if (table == null) {
            return;
        }
        if (hasZero) {
            consumer.accept(0L);
        }
        for (long h : table) {
            if (h != 0L) {
                consumer.accept(h);
            }
        }
    }

    /** Turns the read-only sorted form into the table, before the first change. */
    private void materialize() {
        if (sorted == null) {
            return;
        }
        long[] hashes = sorted;
        sorted = null;
        size = 0;
        int capacity = 16;
        while (capacity < hashes.length * 2 + 2) {
            capacity <<= 1;
        }
        table = new long[capacity];
        for (long h : hashes) {
            insert(h);
        }
    }

    /** Adds to the exact table; true when the hash was new. */
    private boolean insert(long hash) {
        if (hash == 0L) {
            if (hasZero) {
                return false;
            }
            hasZero = true;
            size++;
            return true;
        }
        if ((size + 1) * 2 > table.length) {
            grow();
        }
        if (!put(table, hash)) {
            return false;
        }
        size++;
        return true;
    }

    private void grow() {
        long[] bigger = new long[table.length * 2];
        for (long h : table) {
            if (h != 0L) {
                put(bigger, h);
            }
        }
        table = bigger;
    }

    private static boolean put(long[] slots, long hash) {
        int mask = slots.length - 1;
        // the hashes are Murmur3 already, but a state read from elsewhere may hold anything: mix once more
        long mixed = hash * 0x9E3779B97F4A7C15L;
        int i = (int) (mixed ^ (mixed >>> 32)) & mask;
        while (true) {
            long current = slots[i];
            if (current == 0L) {
                slots[i] = hash;
                return true;
            }
            if (current == hash) {
                return false;
            }
            i = (i + 1) & mask;
        }
    }
}
