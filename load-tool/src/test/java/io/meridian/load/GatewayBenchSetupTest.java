package io.meridian.load;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.meridian.regions.RegionConfigs;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

class GatewayBenchSetupTest {

    @Test
    void tenantSpec_letsAggregatesReachEveryRegionsJurisdiction_andMapsTheLoadPayload() {
        RegionConfigs configs = RegionConfigs.loadDefault();
        JsonObject spec = GatewayBenchSetup.tenantSpec(List.of(configs.require("eu-central"), configs.require("af-south"), configs.require("us-east")));

        assertEquals("EU", spec.getString("home-jurisdiction"));
        assertEquals("PROXIMITY", spec.getJsonObject("allocation").getString("policy"));
        // the home jurisdiction is no export destination; the other two are
        assertEquals(List.of("ZA", "US"), spec.getJsonObject("export").getJsonArray("allowed-destinations").getList());
        assertEquals(List.of("ZA", "US"), spec.getJsonObject("export").getJsonArray("sccs-in-place").getList());
        // what MqttDevice's JSON payload carries: v is the metric, sent the device's time
        assertEquals(new JsonObject().put("metrics", new JsonObject().put("v", "/v")).put("time", "/sent"),
                spec.getJsonObject("data").getJsonObject("payload"));
    }
}
