package io.meridian.region.aggregate;

/**
 * Geohash encoding of a position, for the geohash groups of window aggregates.
 *
 * <p>The algorithm: halve the longitude range [-180, 180] and the latitude range [-90, 90] in turn,
 * starting with longitude, writing 1 when the coordinate lies in the upper half (a coordinate on the
 * midpoint counts as upper) and 0 otherwise; every 5 bits become one character of the base-32 alphabet
 * {@code 0123456789bcdefghjkmnpqrstuvwxyz}. A cell of precision p contains every cell of precision p+1 that
 * starts with it, which is why a tenant's precision can be coarsened by cutting the string.
 */
public final class Geohash {

    /** The finest precision: 12 characters, 60 bits, cells of a few centimetres. */
    public static final int MAX_PRECISION = 12;

    private static final char[] BASE32 = "0123456789bcdefghjkmnpqrstuvwxyz".toCharArray();

    private Geohash() {
    }

    /**
     * The geohash cell of a position.
     *
     * @param latitude  degrees, -90 to 90
     * @param longitude degrees, -180 to 180
     * @param precision characters, 1 to 12
     * @throws IllegalArgumentException when a coordinate is out of range or not a number, or the precision is
     *                                  not 1 to 12
     */
    public static String encode(double latitude, double longitude, int precision) {
        if (!(latitude >= -90.0 && latitude <= 90.0)) {
            throw new IllegalArgumentException("latitude must be between -90 and 90 degrees, was " + latitude);
        }
        if (!(longitude >= -180.0 && longitude <= 180.0)) {
            throw new IllegalArgumentException("longitude must be between -180 and 180 degrees, was " + longitude);
        }
        if (precision < 1 || precision > MAX_PRECISION) {
            throw new IllegalArgumentException("geohash precision must be 1 to " + MAX_PRECISION + ", was " + precision);
        }
        double latLow = -90.0;
        double latHigh = 90.0;
        double lonLow = -180.0;
        double lonHigh = 180.0;
        boolean longitudeBit = true;
        StringBuilder cell = new StringBuilder(precision);
        for (int c = 0; c < precision; c++) {
            int index = 0;
            for (int b = 0; b < 5; b++) {
                index <<= 1;
                if (longitudeBit) {
                    double mid = (lonLow + lonHigh) / 2;
                    if (longitude >= mid) {
                        index |= 1;
                        lonLow = mid;
                    } else {
                        lonHigh = mid;
                    }
                } else {
                    double mid = (latLow + latHigh) / 2;
                    if (latitude >= mid) {
                        index |= 1;
                        latLow = mid;
                    } else {
                        latHigh = mid;
                    }
                }
                longitudeBit = !longitudeBit;
            }
            cell.append(BASE32[index]);
        }
        return cell.toString();
    }
}
