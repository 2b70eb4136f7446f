package io.meridian.region.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meridian.regions.RegionConfigs;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class ArchiveConfigTest {

    private static final Set<String> OTHERS = Set.of("us-east", "uk-south", "af-south");

    private static ArchiveConfig.Builder euCentral() {
        return ArchiveConfig.builder("eu-central", OTHERS, "eu-central-1");
    }

    private static String refusal(ArchiveConfig.Builder builder) {
        return assertThrows(IllegalArgumentException.class, builder::build).getMessage();
    }

    @Test
    void defaults_nameTheRegionsOwnBucket_inItsCloudRegion() {
        ArchiveConfig config = euCentral().build();
        assertEquals("meridian-eu-central-raw", config.bucket());
        assertEquals("eu-central-1", config.awsRegion());
        assertEquals("meridian_data", config.keyspace());
        assertEquals(Duration.ofMinutes(10), config.lag());
        assertEquals(Duration.ofHours(72), config.backlog());
        assertTrue(config.enabled());
        assertEquals(Optional.empty(), config.endpointOverride());
    }

    @Test
    void anotherRegionsBucket_isRefused() {
        String message = refusal(euCentral().bucket("meridian-us-east-raw"));
        assertTrue(message.contains("must not name another region"), message);
        assertTrue(message.contains("us-east"), message);
        assertTrue(message.contains("meridian-us-east-raw"), message);
    }

    @Test
    void aBucketNamingThisAndAnotherRegion_isRefused() {
        String message = refusal(euCentral().bucket("meridian-eu-central-to-uk-south"));
        assertTrue(message.contains("must not name another region") && message.contains("uk-south"), message);
    }

    @Test
    void aBucketWithoutTheRegionId_isRefused() {
        String message = refusal(euCentral().bucket("meridian-raw-archive"));
        assertTrue(message.contains("must carry the region id 'eu-central'"), message);
    }

    @Test
    void theRegionIdGluedToOtherLetters_doesNotCount() {
        String message = refusal(euCentral().bucket("meridian-xeu-central-raw"));
        assertTrue(message.contains("must carry the region id"), message);
    }

    @Test
    void aRegionIdInsideALongerOne_belongsToTheLongerRegion() {
        // us-east's archive must not write to us-east-2's bucket, and us-east-2's own bucket is fine
        Set<String> regions = Set.of("us-east", "us-east-2");
        String message = refusal(ArchiveConfig.builder("us-east", regions, "us-east-1").bucket("meridian-us-east-2-raw"));
        assertTrue(message.contains("must not name another region") && message.contains("us-east-2"), message);
        assertEquals("meridian-us-east-2-raw",
                ArchiveConfig.builder("us-east-2", regions, "us-east-2").bucket("meridian-us-east-2-raw").build().bucket());
    }

    @Test
    void invalidS3Names_areRefusedWithTheRule() {
        assertTrue(refusal(euCentral().bucket("Meridian-eu-central-raw")).contains("valid S3 bucket name"));
        assertTrue(refusal(euCentral().bucket("meridian_eu-central")).contains("only lower-case letters"));
        assertTrue(refusal(euCentral().bucket("meridian-eu-central-raw-" + "x".repeat(40))).contains("3 to 63 characters"));
        assertTrue(refusal(euCentral().bucket("meridian..eu-central")).contains("no two adjacent periods"));
        assertTrue(refusal(euCentral().bucket("-meridian-eu-central")).contains("starting and ending"));
        assertTrue(refusal(euCentral().bucket("xn--eu-central")).contains("'xn--' is reserved"));
        assertTrue(refusal(euCentral().bucket("eu-central-s3alias")).contains("'-s3alias' is reserved"));
    }

    @Test
    void aDottedBucket_carriesTheRegionToo() {
        assertEquals("archive.eu-central.meridian", euCentral().bucket("archive.eu-central.meridian").build().bucket());
    }

    @Test
    void realAwsInAnotherCloudRegion_isRefused() {
        String message = refusal(euCentral().awsRegion("us-east-1"));
        assertTrue(message.contains("awsRegion must be region eu-central's cloud region eu-central-1"), message);
    }

    @Test
    void anEndpointOverride_allowsAnySigningRegion() {
        ArchiveConfig config = euCentral().endpointOverride(URI.create("http://127.0.0.1:9090")).awsRegion("us-east-1").build();
        assertEquals("us-east-1", config.awsRegion());
    }

    @Test
    void impossibleValues_areRefusedNamingTheSetting() {
        assertTrue(refusal(euCentral().endpointOverride(URI.create("ftp://127.0.0.1"))).contains("archive endpoint"));
        assertTrue(refusal(euCentral().awsRegion("frankfurt")).contains("archive awsRegion must be an AWS region code"));
        assertTrue(refusal(euCentral().keyspace("Meridian-Data")).contains("archive keyspace"));
        assertTrue(refusal(euCentral().lag(Duration.ofMinutes(-1))).contains("archive lag must not be negative"));
        assertTrue(refusal(euCentral().backlog(Duration.ofMinutes(30))).contains("archive backlog"));
        assertTrue(refusal(euCentral().backlog(Duration.ofDays(40))).contains("archive backlog"));
        assertTrue(refusal(euCentral().retryDelay(Duration.ZERO)).contains("archive retryDelay"));
        assertTrue(refusal(euCentral().pageSize(0)).contains("archive pageSize"));
        assertThrows(IllegalArgumentException.class, () -> euCentral().staticCredentials("key", " "));
    }

    @Test
    void describe_masksTheSecretKey() {
        ArchiveConfig config = euCentral().staticCredentials("AKIDEXAMPLE", "very-secret").build();
        assertFalse(config.toString().contains("very-secret"), config.toString());
        assertTrue(config.describe().get("archive credentials").contains("AKIDEXAMPLE"));
    }

    @Test
    void fromProperties_readsTheSettings_andRefusesAnotherRegionsBucket() {
        RegionConfigs configs = RegionConfigs.loadDefault();
        Map<String, String> props = new HashMap<>();
        props.put("meridian.archive.endpoint", "http://127.0.0.1:9090");
        props.put("meridian.archive.awsRegion", "us-east-1");
        props.put("meridian.archive.lag", "PT5M");
        props.put("meridian.archive.enabled", "false");
        Map<String, String> env = Map.of(ArchiveConfig.ACCESS_KEY_ENV, "k", ArchiveConfig.SECRET_KEY_ENV, "s");
        ArchiveConfig config = ArchiveConfig.fromProperties(configs, "eu-central", props::get, env::get);
        assertEquals("meridian-eu-central-raw", config.bucket());
        assertEquals(Duration.ofMinutes(5), config.lag());
        assertFalse(config.enabled());
        assertEquals("k", config.credentials().orElseThrow().accessKeyId());
        assertEquals("meridian_data", config.keyspace());
        props.put("meridian.data.keyspace", "region_data");
        assertEquals("region_data", ArchiveConfig.fromProperties(configs, "eu-central", props::get, env::get).keyspace());
        props.put("meridian.archive.keyspace", "archive_data");
        assertEquals("archive_data", ArchiveConfig.fromProperties(configs, "eu-central", props::get, env::get).keyspace());

        // every other region of region-configs counts as foreign
        for (var other : configs.regions()) {
            if (!other.id().value().equals("eu-central")) {
                props.put("meridian.archive.bucket", "meridian-" + other.id().value() + "-raw");
                String message = assertThrows(IllegalArgumentException.class,
                        () -> ArchiveConfig.fromProperties(configs, "eu-central", props::get, env::get)).getMessage();
                assertTrue(message.contains("must not name another region") && message.contains(other.id().value()), message);
            }
        }
    }

    @Test
    void fromProperties_namesTheMalformedProperty() {
        RegionConfigs configs = RegionConfigs.loadDefault();
        Function<String, String> none = k -> null;
        Map<String, Function<String, String>> cases = Map.of(
                "meridian.archive.lag must be an ISO-8601 duration", k -> k.equals("meridian.archive.lag") ? "10m" : null,
                "meridian.archive.pageSize must be an integer", k -> k.equals("meridian.archive.pageSize") ? "many" : null,
                "meridian.archive.enabled must be true or false", k -> k.equals("meridian.archive.enabled") ? "yes" : null);
        cases.forEach((expected, props) -> {
            String message = assertThrows(IllegalArgumentException.class,
                    () -> ArchiveConfig.fromProperties(configs, "eu-central", props, none)).getMessage();
            assertTrue(message.contains(expected), message);
        });
        String message = assertThrows(IllegalArgumentException.class, () -> ArchiveConfig.fromProperties(configs, "eu-central", none,
                k -> k.equals(ArchiveConfig.ACCESS_KEY_ENV) ? "k" : null)).getMessage();
        assertTrue(message.contains("must be set together"), message);
        assertThrows(IllegalArgumentException.class, () -> ArchiveConfig.fromProperties(configs, "mars-north", none, none));
    }
}
