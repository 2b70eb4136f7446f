package io.meridian.region.archive;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/**
 * Object keys of the archive: {@code tenant=<t>/kind=<k>/date=YYYY-MM-DD/hour=HH/<region>-YYYY-MM-DDTHH.jsonl.gz},
 * the arrival hour in UTC. The key depends only on region, tenant, kind and hour, so a repeated run for the
 * same hour overwrites its object instead of adding a second one. The {@code name=value} folders are the
 * Hive-style partitions that Athena, Spark and friends read without configuration.
 */
final class ArchiveKeys {

    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("HH").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH").withZone(ZoneOffset.UTC);

    private ArchiveKeys() {
    }

    /**
     * @param hour the start of the arrival hour
     * @throws IllegalArgumentException when {@code hour} is not the start of an hour
     */
    static String objectKey(String region, String tenant, String kind, Instant hour) {
        if (!hour.truncatedTo(ChronoUnit.HOURS).equals(hour)) {
            throw new IllegalArgumentException("archive hour must be the start of an hour, was " + hour);
        }
        return "tenant=" + segment(tenant) + "/kind=" + segment(kind) + "/date=" + DATE.format(hour) + "/hour=" + HOUR.format(hour)
                + "/" + segment(region) + "-" + STAMP.format(hour) + ".jsonl.gz";
    }

    /**
     * A key segment: letters, digits, {@code .}, {@code _} and {@code -} stay, every other byte of the UTF-8
     * form becomes {@code %XX}, so that an unusual tenant id can neither add a folder ({@code /}) nor need
     * special handling by S3 clients. Distinct ids stay distinct ({@code %} itself is escaped).
     */
    static String segment(String value) {
        StringBuilder b = new StringBuilder(value.length());
        for (byte c : value.getBytes(StandardCharsets.UTF_8)) {
            boolean plain = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-';
            if (plain) {
                b.append((char) c);
            } else {
                b.append('%').append(String.format("%02X", c & 0xff));
            }
        }
        return b.toString();
    }
}
