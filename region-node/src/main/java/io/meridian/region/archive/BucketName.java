package io.meridian.region.archive;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The archive bucket's name rules: a valid S3 bucket name that names this region and no other.
 *
 * <p>A region id "appears" in a bucket name when it stands between the start or end of the name and the
 * separators {@code -} or {@code .}, so that {@code eu-central} appears in {@code meridian-eu-central-raw}
 * but not in {@code meridian-xeu-central-raw}. When one region id is part of a longer one that also appears
 * at the same place ({@code us-east} inside {@code us-east-2}), only the longer one counts: the bucket
 * {@code meridian-us-east-2-raw} belongs to {@code us-east-2}, not to {@code us-east}.
 */
final class BucketName {

    // lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit, 3 to 63 long
    private static final Pattern S3_NAME = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    private static final Pattern IP_ADDRESS = Pattern.compile("\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
    private static final List<String> RESERVED_PREFIXES = List.of("xn--", "sthree-", "amzn-s3-demo-");
    private static final List<String> RESERVED_SUFFIXES = List.of("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3");

    private BucketName() {
    }

    /**
     * Checks a bucket name for the archive of {@code region}.
     *
     * @param bucket       the configured bucket name; not null
     * @param region       this region's id; not null
     * @param otherRegions the ids of every other region of the federation; not null
     * @throws IllegalArgumentException naming the bucket and the rule it breaks: not a valid S3 name, names
     *                                  another region, or does not name this region
     */
    static void validate(String bucket, String region, Collection<String> otherRegions) {
        Objects.requireNonNull(bucket, "archive bucket must not be null");
        Objects.requireNonNull(region, "region must not be null");
        Objects.requireNonNull(otherRegions, "otherRegions must not be null");
        String s3Problem = s3Problem(bucket);
        if (s3Problem != null) {
            throw new IllegalArgumentException("archive bucket must be a valid S3 bucket name (" + s3Problem + "), was '"
                    + bucket + "'");
        }
        List<Occurrence> all = new ArrayList<>();
        all.addAll(occurrences(bucket, region));
        for (String other : otherRegions) {
            if (!other.equals(region)) {
                all.addAll(occurrences(bucket, other));
            }
        }
        List<Occurrence> counted = all.stream().filter(o -> all.stream().noneMatch(o::isInside)).toList();
        TreeSet<String> foreign = new TreeSet<>();
        counted.stream().map(Occurrence::region).filter(r -> !r.equals(region)).forEach(foreign::add);
        if (!foreign.isEmpty()) {
            throw new IllegalArgumentException("archive bucket of region " + region + " must not name another region,"
                    + " was '" + bucket + "', which names " + String.join(", ", foreign)
                    + ": writing to another region's bucket is refused");
        }
        if (counted.stream().noneMatch(o -> o.region().equals(region))) {
            throw new IllegalArgumentException("archive bucket of region " + region + " must carry the region id '" + region
                    + "' between '-' or '.' separators (for example 'meridian-" + region + "-raw'), was '" + bucket + "'");
        }
    }

    /** What is wrong with the name as an S3 bucket name, or null when nothing is. */
    private static String s3Problem(String bucket) {
        if (bucket.length() < 3 || bucket.length() > 63) {
            return "3 to 63 characters";
        }
        if (!S3_NAME.matcher(bucket).matches()) {
            return "only lower-case letters, digits, '.' and '-', starting and ending with a letter or digit";
        }
        if (bucket.contains("..")) {
            return "no two adjacent periods";
        }
        if (IP_ADDRESS.matcher(bucket).matches()) {
            return "not formatted as an IP address";
        }
        for (String prefix : RESERVED_PREFIXES) {
            if (bucket.startsWith(prefix)) {
                return "the prefix '" + prefix + "' is reserved";
            }
        }
        for (String suffix : RESERVED_SUFFIXES) {
            if (bucket.endsWith(suffix)) {
                return "the suffix '" + suffix + "' is reserved";
            }
        }
        return null;
    }

    private static List<Occurrence> occurrences(String bucket, String region) {
        List<Occurrence> found = new ArrayList<>();
        if (region.isEmpty()) {
            return found;
        }
        for (int i = bucket.indexOf(region); i >= 0; i = bucket.indexOf(region, i + 1)) {
            int end = i + region.length();
            boolean startsClean = i == 0 || isSeparator(bucket.charAt(i - 1));
            boolean endsClean = end == bucket.length() || isSeparator(bucket.charAt(end));
            if (startsClean && endsClean) {
                found.add(new Occurrence(region, i, end));
            }
        }
        return found;
    }

    private static boolean isSeparator(char c) {
        return c == '-' || c == '.';
    }

    private record Occurrence(String region, int start, int end) {

        /** Whether this occurrence lies within another, longer one. */
        boolean isInside(Occurrence other) {
            return other != this && other.start <= start && end <= other.end && other.end - other.start > end - start;
        }
    }
}
