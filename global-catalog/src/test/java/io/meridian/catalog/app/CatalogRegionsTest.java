package io.meridian.catalog.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.meridian.catalog.region.RegionDirectory;
import io.meridian.catalog.region.RegionRegistryClient;
import io.meridian.catalog.region.ServiceToken;
import io.meridian.regions.RegionConfigs;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class CatalogRegionsTest {

    private static final RegionConfigs CONFIGS = RegionConfigs.loadDefault();

    @Test
    void eachRegion_carriesItsCoordinatesCityAndCountry_fromItsRegionFile() {
        try (RegionDirectory directory = RegionDirectory.builder(CONFIGS).build()) {
            CatalogRegions regions = new CatalogRegions(directory, new RegionRegistryClient(directory, new ServiceToken(java.net.URI.create("http://127.0.0.1:1/token"), "catalog", "unused")),
                    Duration.ofMinutes(1));
            JsonArray all = regions.regions();
            Map<String, JsonObject> byId = new TreeMap<>();
            all.forEach(o -> byId.put(((JsonObject) o).getString("id"), (JsonObject) o));
            assertEquals(CONFIGS.regions().size(), byId.size());
            JsonObject eu = byId.get("eu-central");
            assertEquals("Frankfurt am Main", eu.getString("city"));
            assertEquals("DE", eu.getString("country"));
            assertEquals(new JsonObject().put("latitude", 50.1109).put("longitude", 8.6821), eu.getJsonObject("coordinates"));
            assertEquals("EU", eu.getString("jurisdiction"));
            assertEquals("Frankfurt (EU Central)", eu.getString("name"));
            JsonObject cape = byId.get("af-south");
            assertEquals(-33.9249, cape.getJsonObject("coordinates").getDouble("latitude"));
            assertEquals("ZA", cape.getString("country"));
        }
    }
}
