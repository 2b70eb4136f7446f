package io.meridian.terraform;

import java.time.ZoneId;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What the stacks need to know about an AWS region that the region file does not say: the local time
 * zone that daily scaling follows, and the availability zones to spread subnets across.
 *
 * <p>The zones are named explicitly (for example {@code eu-central-1a}) rather than looked up, so that
 * synthesis stays offline and gives the same output every time. Most regions have zones a, b and c;
 * the few that do not are listed with the letters that exist.
 *
 * @param code              the AWS region code, for example {@code eu-central-1}
 * @param timeZone          the IANA time zone of the region's users, used by scheduled scaling
 * @param availabilityZones two or three zone names, in order
 */
public record AwsRegion(String code, ZoneId timeZone, List<String> availabilityZones) {

    private static final Map<String, Entry> KNOWN = known();

    public AwsRegion {
        Objects.requireNonNull(code, "code must not be null");
        Objects.requireNonNull(timeZone, "timeZone must not be null");
        availabilityZones = List.copyOf(availabilityZones);
        if (availabilityZones.size() < 2 || availabilityZones.size() > 3) {
            throw new IllegalArgumentException(
                    "availability zones must be 2 or 3, was " + availabilityZones);
        }
    }

    /**
     * The facts for an AWS region code.
     *
     * @throws IllegalArgumentException naming the code and the known codes when the table has no entry
     */
    public static AwsRegion of(String code) {
        Entry entry = KNOWN.get(code);
        if (entry == null) {
            throw new IllegalArgumentException("cloud region must be one of " + KNOWN.keySet()
                    + " (add it to " + AwsRegion.class.getName() + "), was '" + code + "'");
        }
        List<String> zones = entry.zoneLetters().chars().mapToObj(c -> code + (char) c).toList();
        return new AwsRegion(code, ZoneId.of(entry.timeZone()), zones);
    }

    private record Entry(String timeZone, String zoneLetters) {
    }

    private static Map<String, Entry> known() {
        Map<String, Entry> m = new TreeMap<>();
        m.put("us-east-1", new Entry("America/New_York", "abc"));
        m.put("us-east-2", new Entry("America/New_York", "abc"));
        // us-west-1 has two zones, and which letters depends on the account; a and c are the common pair.
        m.put("us-west-1", new Entry("America/Los_Angeles", "ac"));
        m.put("us-west-2", new Entry("America/Los_Angeles", "abc"));
        m.put("ca-central-1", new Entry("America/Toronto", "abd"));
        m.put("ca-west-1", new Entry("America/Edmonton", "abc"));
        m.put("mx-central-1", new Entry("America/Mexico_City", "abc"));
        m.put("sa-east-1", new Entry("America/Sao_Paulo", "abc"));
        m.put("eu-central-1", new Entry("Europe/Berlin", "abc"));
        m.put("eu-central-2", new Entry("Europe/Zurich", "abc"));
        m.put("eu-west-1", new Entry("Europe/Dublin", "abc"));
        m.put("eu-west-2", new Entry("Europe/London", "abc"));
        m.put("eu-west-3", new Entry("Europe/Paris", "abc"));
        m.put("eu-north-1", new Entry("Europe/Stockholm", "abc"));
        m.put("eu-south-1", new Entry("Europe/Rome", "abc"));
        m.put("eu-south-2", new Entry("Europe/Madrid", "abc"));
        m.put("af-south-1", new Entry("Africa/Johannesburg", "abc"));
        m.put("me-south-1", new Entry("Asia/Bahrain", "abc"));
        m.put("me-central-1", new Entry("Asia/Dubai", "abc"));
        m.put("il-central-1", new Entry("Asia/Jerusalem", "abc"));
        m.put("ap-south-1", new Entry("Asia/Kolkata", "abc"));
        m.put("ap-south-2", new Entry("Asia/Kolkata", "abc"));
        m.put("ap-east-1", new Entry("Asia/Hong_Kong", "abc"));
        m.put("ap-southeast-1", new Entry("Asia/Singapore", "abc"));
        m.put("ap-southeast-2", new Entry("Australia/Sydney", "abc"));
        m.put("ap-southeast-3", new Entry("Asia/Jakarta", "abc"));
        m.put("ap-southeast-4", new Entry("Australia/Melbourne", "abc"));
        m.put("ap-southeast-5", new Entry("Asia/Kuala_Lumpur", "abc"));
        // ap-northeast-1 has no zone b for accounts created after 2013.
        m.put("ap-northeast-1", new Entry("Asia/Tokyo", "acd"));
        m.put("ap-northeast-2", new Entry("Asia/Seoul", "abc"));
        m.put("ap-northeast-3", new Entry("Asia/Tokyo", "abc"));
        return Collections.unmodifiableMap(m);
    }
}
