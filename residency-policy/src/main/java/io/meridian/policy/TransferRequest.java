package io.meridian.policy;

import io.meridian.policy.model.DataCategory;
import io.meridian.policy.model.Jurisdiction;
import io.meridian.policy.model.RegionId;
import io.meridian.policy.model.TenantResidencyPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * A request to move data of one category out of the region that stores it. Build one with
 * {@link #builder()}.
 *
 * <p>Cells describe an {@link DataCategory#AGGREGATE}: the engine checks them one by one. For every
 * other category they are ignored: they can never make a request more permissive.
 *
 * @param source                  the region that stores the data and enforces the decision
 * @param destinationJurisdiction where the data would go
 * @param destinationRegion       the receiving region, when the receiver is one (raw data may go only to
 *                                its own region), else empty
 * @param requester               the principal asking, 1-256 characters without control characters
 * @param tenantId                the tenant whose data it is; see {@link TenantResidencyPolicy#requireTenantId}
 * @param category                what the data is
 * @param cells                   the cells of an aggregate, with distinct keys; may be empty
 */
public record TransferRequest(
        RegionId source,
        Jurisdiction destinationJurisdiction,
        Optional<RegionId> destinationRegion,
        String requester,
        String tenantId,
        DataCategory category,
        List<Cell> cells) {

    /**
     * Validates and copies.
     *
     * @throws NullPointerException     when an argument or a cell is null
     * @throws IllegalArgumentException when the requester or tenant id is malformed, or two cells share a key
     */
    public TransferRequest {
        Objects.requireNonNull(source, "source must not be null");
        Objects.requireNonNull(destinationJurisdiction, "destinationJurisdiction must not be null");
        Objects.requireNonNull(destinationRegion, "destinationRegion must not be null");
        Objects.requireNonNull(requester, "requester must not be null");
        if (requester.isBlank() || requester.length() > 256 || requester.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException(
                    "requester must be 1-256 characters without control characters, was '" + requester + "'");
        }
        TenantResidencyPolicy.requireTenantId(tenantId);
        Objects.requireNonNull(category, "category must not be null");
        cells = List.copyOf(cells);
        if (cells.size() > 1) {
            Set<String> keys = new HashSet<>(cells.size() * 2);
            for (Cell cell : cells) {
                if (!keys.add(cell.key())) {
                    throw new IllegalArgumentException("cell keys must be distinct, was '" + cell.key() + "' twice");
                }
            }
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * One cell of an aggregate: a group and the statistics over it.
     *
     * @param key              names the cell (the group key), so that a suppressed cell can be named
     * @param distinctDevices  how many distinct devices contributed, at least 0
     * @param labels           the group labels, key to value; may be empty
     * @param window           the time window the cell covers, positive
     * @param geohashPrecision the geohash characters of the cell's location group, 1-12, or empty when
     *                         the cell is not grouped by location. A label {@code geohash} counts too:
     *                         its value's length is checked against the same limit.
     * @param labelNamesDevice whether a label value of the cell equals the id of a device of the tenant.
     *                         The engine cannot know the tenant's devices, so the caller, who holds the
     *                         registry, says so; such a cell fails A9 like a value that looks like an
     *                         identifier. A value such as {@code lamp-17} does not look like one, so
     *                         without this flag it would go out.
     */
    public record Cell(
            String key, long distinctDevices, Map<String, String> labels, Duration window,
            OptionalInt geohashPrecision, boolean labelNamesDevice) {

        /**
         * Validates and copies.
         *
         * @throws NullPointerException     when an argument, a label key or a label value is null
         * @throws IllegalArgumentException when the key is blank, the count negative, the window not
         *                                  positive or the precision outside 1-12
         */
        public Cell {
            Objects.requireNonNull(key, "cell key must not be null");
            if (key.isBlank()) {
                throw new IllegalArgumentException("cell key must not be blank, was '" + key + "'");
            }
            if (distinctDevices < 0) {
                throw new IllegalArgumentException(
                        "distinctDevices of cell " + key + " must be at least 0, was " + distinctDevices);
            }
            labels = Map.copyOf(labels);
            Objects.requireNonNull(window, "window must not be null");
            if (window.isNegative() || window.isZero()) {
                throw new IllegalArgumentException("window of cell " + key + " must be positive, was " + window);
            }
            Objects.requireNonNull(geohashPrecision, "geohashPrecision must not be null");
            if (geohashPrecision.isPresent()
                    && (geohashPrecision.getAsInt() < 1 || geohashPrecision.getAsInt() > 12)) {
                throw new IllegalArgumentException("geohashPrecision of cell " + key
                        + " must be between 1 and 12, was " + geohashPrecision.getAsInt());
            }
        }

        /** A cell none of whose label values the caller knows to name a device. */
        public Cell(String key, long distinctDevices, Map<String, String> labels, Duration window,
                OptionalInt geohashPrecision) {
            this(key, distinctDevices, labels, window, geohashPrecision, false);
        }

        /** A cell without a location group. */
        public static Cell of(String key, long distinctDevices, Duration window, Map<String, String> labels) {
            return new Cell(key, distinctDevices, labels, window, OptionalInt.empty());
        }

        /** A copy grouped by location at the given geohash precision. */
        public Cell withGeohashPrecision(int precision) {
            return new Cell(key, distinctDevices, labels, window, OptionalInt.of(precision), labelNamesDevice);
        }

        /**
         * A copy marked (or not) as carrying a label value that equals the id of a device of the tenant,
         * which the engine then suppresses under A9.
         */
        public Cell withLabelNamingDevice(boolean names) {
            return new Cell(key, distinctDevices, labels, window, geohashPrecision, names);
        }
    }

    /** Collects the fields of a request; {@link #build()} validates them. Not thread-safe. */
    public static final class Builder {
        private RegionId source;
        private Jurisdiction destinationJurisdiction;
        private RegionId destinationRegion;
        private String requester;
        private String tenantId;
        private DataCategory category;
        private final List<Cell> cells = new ArrayList<>();

        private Builder() {
        }

        public Builder source(RegionId source) {
            this.source = source;
            return this;
        }

        public Builder destination(Jurisdiction jurisdiction) {
            this.destinationJurisdiction = jurisdiction;
            return this;
        }

        /** The receiving region and its jurisdiction. */
        public Builder destination(Jurisdiction jurisdiction, RegionId region) {
            this.destinationJurisdiction = jurisdiction;
            this.destinationRegion = Objects.requireNonNull(region, "destination region must not be null");
            return this;
        }

        public Builder requester(String requester) {
            this.requester = requester;
            return this;
        }

        public Builder tenant(String tenantId) {
            this.tenantId = tenantId;
            return this;
        }

        public Builder category(DataCategory category) {
            this.category = category;
            return this;
        }

        public Builder cell(Cell cell) {
            cells.add(Objects.requireNonNull(cell, "cell must not be null"));
            return this;
        }

        public Builder cells(List<Cell> more) {
            more.forEach(this::cell);
            return this;
        }

        /**
         * @throws NullPointerException     when a field was not set
         * @throws IllegalArgumentException as {@link TransferRequest#TransferRequest} does
         */
        public TransferRequest build() {
            return new TransferRequest(source, destinationJurisdiction, Optional.ofNullable(destinationRegion),
                    requester, tenantId, category, cells);
        }
    }
}
