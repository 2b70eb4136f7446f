package io.meridian.region.egress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.meridian.policy.model.Jurisdiction;
import io.meridian.policy.model.PolicyRules;
import io.meridian.policy.model.TenantResidencyPolicy;
import io.meridian.regions.RegionConfigs;
import io.vertx.core.json.JsonObject;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TenantExportPolicyReaderTest {

    private static final PolicyRules RULES = RegionConfigs.loadDefault().policyRules();

    private static JsonObject document(String exportJson) {
        return new JsonObject("{\"ext\":{\"meridian\":{\"export\":" + exportJson + "}}}");
    }

    @Test
    void theSameDocument_isParsedOnce() {
        TenantExportPolicy.Reader reader = new TenantExportPolicy.Reader();
        JsonObject doc = document("{\"allowed-destinations\":[\"ZA\",\"US\"]}");
        TenantResidencyPolicy first = reader.read("lampco", Optional.of(doc), RULES);
        assertSame(first, reader.read("lampco", Optional.of(doc), RULES));
        assertEquals(Set.of(Jurisdiction.of("ZA"), Jurisdiction.of("US")), first.export().allowedDestinations());
    }

    @Test
    void aNewDocument_isReadAgain_soANarrowedPolicyAppliesAtOnce() {
        TenantExportPolicy.Reader reader = new TenantExportPolicy.Reader();
        reader.read("lampco", Optional.of(document("{\"allowed-destinations\":[\"ZA\",\"US\"]}")), RULES);
        // the registry cache reloaded the tenant: a new object, though its text could be the same
        TenantResidencyPolicy narrowed = reader.read("lampco", Optional.of(document("{\"allowed-destinations\":[\"ZA\"]}")), RULES);
        assertEquals(Set.of(Jurisdiction.of("ZA")), narrowed.export().allowedDestinations());
    }

    @Test
    void anUnknownTenant_getsTheDefaults_andAForgottenDocumentIsNotUsedAgain() {
        TenantExportPolicy.Reader reader = new TenantExportPolicy.Reader();
        JsonObject doc = document("{\"allowed-destinations\":[\"ZA\"]}");
        reader.read("lampco", Optional.of(doc), RULES);
        assertEquals(TenantResidencyPolicy.defaults("lampco"), reader.read("lampco", Optional.empty(), RULES));
        assertEquals(Set.of(Jurisdiction.of("ZA")), reader.read("lampco", Optional.of(doc), RULES).export().allowedDestinations());
    }

    @Test
    void tenantsAreKeptApart() {
        TenantExportPolicy.Reader reader = new TenantExportPolicy.Reader();
        JsonObject doc = document("{\"allowed-destinations\":[\"ZA\"]}");
        assertEquals("lampco", reader.read("lampco", Optional.of(doc), RULES).tenantId());
        assertEquals("carehome", reader.read("carehome", Optional.of(doc), RULES).tenantId());
    }

    @Test
    void aBrokenSetting_isRefusedEveryTime() {
        TenantExportPolicy.Reader reader = new TenantExportPolicy.Reader();
        JsonObject broken = document("{\"k\":1}");
        assertThrows(IllegalArgumentException.class, () -> reader.read("lampco", Optional.of(broken), RULES));
        assertThrows(IllegalArgumentException.class, () -> reader.read("lampco", Optional.of(broken), RULES));
    }
}
