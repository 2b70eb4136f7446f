package io.meridian.aggregate;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.encoding.ByteArrayInput;
import com.datadoghq.sketch.ddsketch.encoding.GrowingByteArrayOutput;
import com.datadoghq.sketch.ddsketch.mapping.IndexMapping;
import com.datadoghq.sketch.ddsketch.mapping.LogarithmicMapping;
import com.datadoghq.sketch.ddsketch.store.CollapsingLowestDenseStore;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.zip.CRC32C;
import org.apache.datasketches.hash.MurmurHash3;

/**
 * The mergeable state of one window cell: count, sum, min, max, distinct devices and a quantile sketch.
 *
 * <p><b>Merging.</b> {@link #merge} adds another state into this one, for example the same cell from
 * several regions in the federation gateway, or the 1-minute cells of an hour. Count, min and max merge
 * exactly; sum is a double sum, exact for values that add up exactly in binary floating point and
 * otherwise off by the usual rounding; distinct devices stay exact while the union of two exact sets is
 * within the bound and otherwise merge as HyperLogLog sketches (see {@link #isDistinctExact()}); the
 * quantile sketches (DDSketch, logarithmic mapping with {@value #RELATIVE_ACCURACY} relative accuracy,
 * dense stores that collapse their lowest bins past {@value #MAX_BINS} bins) merge bin by bin, so a merged
 * sketch has exactly the bins of a sketch fed all the values. Every state uses the same mapping, which is
 * what makes that true; a blob with another mapping is refused.
 *
 * <p><b>Quantiles</b> are within 1 % of the true value (relative to its magnitude) of the quantile at rank
 * {@code floor(q * (count - 1))} of the sorted values, as long as the collapsed lowest bins are not hit: the
 * 2,048 bins span a factor of about 10^17 between the smallest and the largest magnitude on each sign.
 *
 * <p><b>Serialized form</b> (version 1, big-endian; documented in region-node/README.md):
 * <pre>
 *   magic 'M' 'W' | version u8 = 1 | count i64 | sum f64 | min f64 | max f64
 *   | distinct mode u8 (0 exact, 1 HLL) | distinct bound i32
 *   |   exact: n i32, n ascending i64 device hashes | HLL: length i32, DataSketches compact HLL bytes
 *   | DDSketch length i32, DDSketch binary encoding (with its index mapping) | CRC32C i32 of all bytes before
 * </pre>
 * A device hash is the first 64 bits of MurmurHash3_x64_128 of the UTF-8 device id with seed {@value #HASH_SEED}.
 * Equal states serialize to equal bytes.
 *
 * <p>Not thread-safe: a state belongs to one thread at a time.
 */
public final class WindowState {

    /** The largest distinct-device bound a state may be created with (2^20). */
    public static final int MAX_DISTINCT_BOUND = DistinctDevices.MAX_BOUND;

    /** The version written by {@link #serialize()}; {@link #deserialize} reads this version only. */
    public static final int FORMAT_VERSION = 1;
    /** How many distinct devices are counted exactly before the state switches to an HLL sketch. */
    public static final int DEFAULT_DISTINCT_BOUND = 4096;
    /** The quantile sketch's relative accuracy. */
    public static final double RELATIVE_ACCURACY = 0.01;
    /** Bins per sign in the quantile sketch's dense stores; past this the lowest bins collapse. */
    public static final int MAX_BINS = 2048;
    /** The seed of the device-id hash. */
    public static final long HASH_SEED = 9001L;

    private static final byte MAGIC_0 = 'M';
    private static final byte MAGIC_1 = 'W';
    private static final IndexMapping MAPPING = new LogarithmicMapping(RELATIVE_ACCURACY);
    /** magic, version, count, sum, min, max, mode, bound, n, sketch length, checksum. */
    private static final int MIN_SIZE = 2 + 1 + 8 * 4 + 1 + 4 + 4 + 4 + 4;

    private long count;
    private double sum;
    private double min = Double.NaN;
    private double max = Double.NaN;
    private DistinctDevices distinct;
    private DDSketch sketch;

    private WindowState(DistinctDevices distinct, DDSketch sketch) {
        this.distinct = distinct;
        this.sketch = sketch;
    }

    /** An empty state with the {@link #DEFAULT_DISTINCT_BOUND}. */
    public static WindowState empty() {
        return empty(DEFAULT_DISTINCT_BOUND);
    }

    /**
     * An empty state.
     *
     * @param distinctBound distinct devices counted exactly, 1 to 2^20
     * @throws IllegalArgumentException when the bound is out of range
     */
    public static WindowState empty(int distinctBound) {
        return new WindowState(new DistinctDevices(distinctBound), newSketch());
    }

    private static DDSketch newSketch() {
        return new DDSketch(MAPPING, () -> new CollapsingLowestDenseStore(MAX_BINS));
    }

    /**
     * The 64-bit hash under which a device is counted (see the class comment).
     *
     * @throws IllegalArgumentException when the id is empty
     */
    public static long deviceHash(String deviceId) {
        Objects.requireNonNull(deviceId, "deviceId must not be null");
        if (deviceId.isEmpty()) {
            throw new IllegalArgumentException("deviceId must not be empty");
        }
        return MurmurHash3.hash(deviceId.getBytes(StandardCharsets.UTF_8), HASH_SEED)[0];
    }

    /**
     * Adds one value of one device.
     *
     * @throws IllegalArgumentException when the value is NaN or infinite
     */
    public void add(String deviceId, double value) {
        addHashed(deviceHash(deviceId), value);
    }

    /**
     * Adds one value of the device with this {@link #deviceHash}.
     *
     * @throws IllegalArgumentException when the value is NaN or infinite
     */
    public void addHashed(long deviceHash, double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("window value must be finite, was " + value);
        }
        if (count == 0) {
            min = value;
            max = value;
        } else {
            min = Math.min(min, value);
            max = Math.max(max, value);
        }
        count++;
        sum += value;
        distinct.add(deviceHash);
        sketch.accept(value);
    }

    /**
     * Adds everything {@code other} holds into this state; {@code other} is left unchanged. The distinct
     * bound becomes the smaller of the two.
     *
     * @return this state
     */
    public WindowState merge(WindowState other) {
        Objects.requireNonNull(other, "other must not be null");
        if (other == this) {
            // the sketch's stores would read what they are writing: merge a snapshot instead
            return merge(other.copy());
        }
        if (other.count == 0) {
            if (other.distinct.bound() < distinct.bound()) {
                distinct = distinct.mergedWith(other.distinct);
            }
            return this;
        }
        if (count == 0) {
            min = other.min;
            max = other.max;
        } else {
            min = Math.min(min, other.min);
            max = Math.max(max, other.max);
        }
        count += other.count;
        sum += other.sum;
        distinct = distinct.mergedWith(other.distinct);
        sketch.mergeWith(other.sketch);
        return this;
    }

    /** An independent copy. */
    public WindowState copy() {
        WindowState copy = new WindowState(distinct.copy(), sketch.copy());
        copy.count = count;
        copy.sum = sum;
        copy.min = min;
        copy.max = max;
        return copy;
    }

    /** Values added. */
    public long count() {
        return count;
    }

    /** Their sum. */
    public double sum() {
        return sum;
    }

    /** The smallest value; NaN when empty. */
    public double min() {
        return min;
    }

    /** The largest value; NaN when empty. */
    public double max() {
        return max;
    }

    /** sum / count; NaN when empty. */
    public double mean() {
        return count == 0 ? Double.NaN : sum / count;
    }

    /** Distinct devices: exact while {@link #isDistinctExact()}, else the HLL estimate. */
    public long distinctDevices() {
        return distinct.estimate();
    }

    /** Whether {@link #distinctDevices()} is exact (the bound was never passed). */
    public boolean isDistinctExact() {
        return distinct.isExact();
    }

    /** The bound up to which distinct devices are exact. */
    public int distinctBound() {
        return distinct.bound();
    }

    /**
     * The value at quantile {@code q} from the sketch, kept within [min, max]; NaN when empty.
     *
     * @throws IllegalArgumentException when q is not within [0, 1]
     */
    public double quantile(double q) {
        if (!(q >= 0.0 && q <= 1.0)) {
            throw new IllegalArgumentException("quantile must be within [0, 1], was " + q);
        }
        if (count == 0) {
            return Double.NaN;
        }
        return Math.max(min, Math.min(max, sketch.getValueAtQuantile(q)));
    }

    /**
     * Whether both states have the same count, sum, min, max, distinct devices (same mode, bound and
     * content) and the same quantile-sketch bins: compares the serialized forms.
     */
    public boolean sameAs(WindowState other) {
        return java.util.Arrays.equals(serialize(), other.serialize());
    }

    /** The versioned binary form described in the class comment. */
    public byte[] serialize() {
        GrowingByteArrayOutput sketchOut = GrowingByteArrayOutput.withInitialCapacity(64);
        try {
            sketch.encode(sketchOut, false);
        } catch (IOException e) {
            throw new IllegalStateException("quantile sketch could not be encoded", e);
        }
        int sketchLength = sketchOut.numWrittenBytes();
        ByteBuffer out = ByteBuffer.allocate(3 + 8 * 4 + distinct.serializedSize() + 4 + sketchLength + 4);
        out.put(MAGIC_0).put(MAGIC_1).put((byte) FORMAT_VERSION);
        out.putLong(count).putDouble(sum).putDouble(min).putDouble(max);
        distinct.writeTo(out);
        out.putInt(sketchLength);
        out.put(sketchOut.backingArray(), 0, sketchLength);
        CRC32C crc = new CRC32C();
        crc.update(out.array(), 0, out.position());
        out.putInt((int) crc.getValue());
        if (out.hasRemaining()) {
            throw new IllegalStateException("window state size was miscomputed by " + out.remaining() + " bytes");
        }
        return out.array();
    }

    /**
     * Reads what {@link #serialize()} wrote (any region, any node of the same format version).
     *
     * @throws IllegalArgumentException when the blob is truncated, fails its checksum, has another magic or
     *                                  version, or holds values that cannot belong together; the message says which
     */
    public static WindowState deserialize(byte[] blob) {
        Objects.requireNonNull(blob, "window state blob must not be null");
        if (blob.length < MIN_SIZE) {
            throw new IllegalArgumentException("window state blob is truncated: " + blob.length
                    + " bytes, a state has at least " + MIN_SIZE);
        }
        if (blob[0] != MAGIC_0 || blob[1] != MAGIC_1) {
            throw new IllegalArgumentException("window state blob must start with 'MW', was 0x"
                    + String.format("%02x%02x", blob[0], blob[1]));
        }
        if (blob[2] != FORMAT_VERSION) {
            throw new IllegalArgumentException("window state format version must be " + FORMAT_VERSION + ", was " + blob[2]);
        }
        CRC32C crc = new CRC32C();
        crc.update(blob, 0, blob.length - 4);
        int stored = ByteBuffer.wrap(blob, blob.length - 4, 4).getInt();
        if (stored != (int) crc.getValue()) {
            throw new IllegalArgumentException("window state blob is corrupted or truncated: its CRC32C checksum does"
                    + " not match its " + blob.length + " bytes");
        }
        ByteBuffer in = ByteBuffer.wrap(blob, 3, blob.length - 3 - 4);
        try {
            return read(in);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("window state blob is truncated: a field runs past its "
                    + blob.length + " bytes", e);
        }
    }

    private static WindowState read(ByteBuffer in) {
        long count = in.getLong();
        double sum = in.getDouble();
        double min = in.getDouble();
        double max = in.getDouble();
        if (count < 0) {
            throw new IllegalArgumentException("window state count must be at least 0, was " + count);
        }
        if (count > 0 && !(Double.isFinite(sum) && Double.isFinite(min) && Double.isFinite(max) && min <= max)) {
            throw new IllegalArgumentException("window state of " + count + " values must have finite sum and"
                    + " min <= max, was sum " + sum + ", min " + min + ", max " + max);
        }
        DistinctDevices distinct = DistinctDevices.readFrom(in, count);
        int sketchLength = in.getInt();
        if (sketchLength < 0 || sketchLength != in.remaining()) {
            throw new IllegalArgumentException("quantile sketch length must be the " + in.remaining()
                    + " bytes left before the checksum, was " + sketchLength);
        }
        DDSketch sketch;
        try {
            sketch = DDSketch.decode(ByteArrayInput.wrap(in.array(), in.arrayOffset() + in.position(), sketchLength),
                    () -> new CollapsingLowestDenseStore(MAX_BINS));
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("quantile sketch cannot be decoded: " + e, e);
        }
        if (!MAPPING.equals(sketch.getIndexMapping())) {
            throw new IllegalArgumentException("quantile sketch must use the logarithmic mapping with relative accuracy "
                    + RELATIVE_ACCURACY + ", was " + sketch.getIndexMapping());
        }
        if (sketch.getCount() != count) {
            throw new IllegalArgumentException("quantile sketch must hold the state's " + count + " values, held "
                    + sketch.getCount());
        }
        WindowState state = new WindowState(distinct, sketch);
        state.count = count;
        state.sum = count == 0 ? 0.0 : sum;
        state.min = count == 0 ? Double.NaN : min;
        state.max = count == 0 ? Double.NaN : max;
        return state;
    }

    @Override
    public String toString() {
        return "WindowState[count=" + count + ", sum=" + sum + ", min=" + min + ", max=" + max + ", distinct="
                + distinctDevices() + (isDistinctExact() ? "" : " (HLL)") + "]";
    }
}
