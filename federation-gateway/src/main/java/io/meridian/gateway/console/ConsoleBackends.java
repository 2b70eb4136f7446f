package io.meridian.gateway.console;

import com.fasterxml.jackson.databind.JsonNode;
import io.meridian.gateway.app.GatewayConfig;
import io.meridian.gateway.client.ClientToken;
import io.meridian.gateway.client.RegionClient;
import io.meridian.gateway.ledger.TransferLedger;
import io.meridian.gateway.routes.devices.CatalogDevices;
import io.meridian.gateway.routes.regions.CatalogRegions;
import java.net.http.HttpClient;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/**
 * What the console's endpoints read, built once per gateway: the regions' live numbers, the transfer summaries and the
 * catalog (the tenant's policies, the regions' polled health), all with the gateway's own client token.
 */
public final class ConsoleBackends implements AutoCloseable {

    private final FederationStatus status;
    private final Transfers transfers;
    private final CatalogDevices catalog;

    private ConsoleBackends(FederationStatus status, Transfers transfers, CatalogDevices catalog) {
        this.status = status;
        this.transfers = transfers;
        this.catalog = catalog;
    }

    public static ConsoleBackends create(GatewayConfig config, ClientToken token, RegionClient regions, TransferLedger ledger, Clock clock) {
        HttpClient http = RegionClient.httpClient(config);
        CatalogRegions directory = new CatalogRegions(config.catalogUrl(), token, http, config.regionsTtl(), config.catalogTimeout(), clock);
        FederationStatus status = new FederationStatus(config, regions, () -> health(directory), clock);
        return new ConsoleBackends(status, new Transfers(config, regions, ledger, token, http, clock),
                new CatalogDevices(config.catalogUrl(), token, http, config.catalogTimeout()));
    }

    /** Region id to the catalog's polled status; empty when the catalog cannot say now (its health does not hide numbers). */
    private static Map<String, String> health(CatalogRegions directory) {
        Map<String, String> out = new HashMap<>();
        try {
            for (JsonNode r : directory.get().regions()) {
                out.put(r.path("id").asText(), r.path("status").asText());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // the catalog is down or slow: the regions' own answers still tell whether they are up
        }
        return out;
    }

    public FederationStatus status() {
        return status;
    }

    public Transfers transfers() {
        return transfers;
    }

    public CatalogDevices catalog() {
        return catalog;
    }

    @Override
    public void close() {
        transfers.close();
    }
}
