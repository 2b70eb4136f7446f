package io.meridian.catalog.assignment;

import io.meridian.policy.model.GeoPoint;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Where a device is when it declares no coordinates: its country's reference point, from the country it declares
 * or from the address it is seen at. Read from a YAML table (the built-in {@code locations.yaml}, or a deployment's
 * own in the same format), validated as a whole when loaded. Immutable and thread-safe.
 */
public final class DeviceLocations {

    private static final Pattern COUNTRY = Pattern.compile("[A-Z]{2}");
    private static final String BUILT_IN = "/io/meridian/catalog/locations.yaml";

    private final Map<String, GeoPoint> countries;
    private final List<Range> ranges;

    private record Range(BigInteger first, BigInteger last, int bits, int prefix, String country) {
    }

    private DeviceLocations(Map<String, GeoPoint> countries, List<Range> ranges) {
        this.countries = countries;
        this.ranges = ranges;
    }

    /** The built-in table. */
    public static DeviceLocations builtIn() {
        try (InputStream in = DeviceLocations.class.getResourceAsStream(BUILT_IN)) {
            if (in == null) {
                throw new IllegalStateException("the built-in location table " + BUILT_IN + " must be on the classpath");
            }
            return parse(in, BUILT_IN);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + BUILT_IN, e);
        }
    }

    /**
     * A deployment's table.
     *
     * @throws IllegalArgumentException naming the file and the entry when the table is malformed
     */
    public static DeviceLocations load(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return parse(in, file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the location table " + file, e);
        }
    }

    private static DeviceLocations parse(InputStream in, String source) {
        Object root = new Yaml(new SafeConstructor(new LoaderOptions())).load(in);
        if (!(root instanceof Map<?, ?> top) || !(top.get("countries") instanceof Map<?, ?> countryMap)) {
            throw new IllegalArgumentException(source + ": must be a mapping with 'countries' (and optionally 'ipRanges')");
        }
        Map<String, GeoPoint> countries = new TreeMap<>();
        for (Map.Entry<?, ?> e : countryMap.entrySet()) {
            String code = String.valueOf(e.getKey());
            if (!COUNTRY.matcher(code).matches()) {
                throw new IllegalArgumentException(source + ": country codes must be ISO 3166-1 alpha-2, was '" + code + "'");
            }
            if (!(e.getValue() instanceof Map<?, ?> point) || !(point.get("lat") instanceof Number lat)
                    || !(point.get("lon") instanceof Number lon)) {
                throw new IllegalArgumentException(source + ": country " + code + " must have numeric lat and lon, was " + e.getValue());
            }
            try {
                countries.put(code, GeoPoint.of(lat.doubleValue(), lon.doubleValue()));
            } catch (IllegalArgumentException bad) {
                throw new IllegalArgumentException(source + ": country " + code + ": " + bad.getMessage(), bad);
            }
        }
        List<Range> ranges = new ArrayList<>();
        Object rangeList = top.get("ipRanges");
        if (rangeList != null) {
            if (!(rangeList instanceof List<?> list)) {
                throw new IllegalArgumentException(source + ": ipRanges must be a list, was " + rangeList);
            }
            for (Object item : list) {
                if (!(item instanceof Map<?, ?> m) || !(m.get("cidr") instanceof String cidr) || !(m.get("country") instanceof String country)) {
                    throw new IllegalArgumentException(source + ": each ipRanges entry needs cidr and country, was " + item);
                }
                if (!countries.containsKey(country)) {
                    throw new IllegalArgumentException(source + ": range " + cidr + " names country " + country
                            + ", which has no point in 'countries'");
                }
                ranges.add(range(source, cidr, country));
            }
        }
        // longest prefix first, so the most specific range wins
        ranges.sort((a, b) -> Integer.compare(b.prefix(), a.prefix()));
        return new DeviceLocations(Map.copyOf(countries), List.copyOf(ranges));
    }

    private static Range range(String source, String cidr, String country) {
        int slash = cidr.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException(source + ": range must be address/prefix, was '" + cidr + "'");
        }
        String address = cidr.substring(0, slash);
        if (!address.matches("[0-9a-fA-F:.]+")) {
            // refuse host names: InetAddress would resolve them
            throw new IllegalArgumentException(source + ": range " + cidr + " must start with an IP address");
        }
        try {
            byte[] bytes = InetAddress.getByName(address).getAddress();
            int bits = bytes.length * 8;
            int prefix = Integer.parseInt(cidr.substring(slash + 1));
            if (prefix < 0 || prefix > bits) {
                throw new IllegalArgumentException(source + ": prefix of " + cidr + " must be 0-" + bits);
            }
            BigInteger value = new BigInteger(1, bytes);
            BigInteger hostMask = BigInteger.ONE.shiftLeft(bits - prefix).subtract(BigInteger.ONE);
            BigInteger first = value.andNot(hostMask);
            return new Range(first, first.or(hostMask), bits, prefix, country);
        } catch (UnknownHostException | NumberFormatException e) {
            throw new IllegalArgumentException(source + ": range " + cidr + " is not address/prefix", e);
        }
    }

    /** The reference point of a country, if the table has it. */
    public Optional<GeoPoint> country(String iso2) {
        return Optional.ofNullable(iso2 == null ? null : countries.get(iso2));
    }

    /** The country of an address, from the most specific range that holds it. */
    public Optional<String> countryOf(InetAddress address) {
        byte[] bytes = address.getAddress();
        BigInteger value = new BigInteger(1, bytes);
        for (Range r : ranges) {
            if (r.bits() == bytes.length * 8 && value.compareTo(r.first()) >= 0 && value.compareTo(r.last()) <= 0) {
                return Optional.of(r.country());
            }
        }
        return Optional.empty();
    }

    /** How many countries the table knows. */
    public int countries() {
        return countries.size();
    }
}
