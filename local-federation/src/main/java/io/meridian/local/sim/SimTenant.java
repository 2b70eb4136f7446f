package io.meridian.local.sim;

import java.util.List;
import java.util.Objects;

/**
 * A tenant the simulator creates (or updates) in the catalog before it registers devices.
 *
 * @param id   the tenant id
 * @param spec the catalog's tenant document ({@code PUT /v1/tenants/{id}}, global-catalog's README), as JSON text
 */
public record SimTenant(String id, String spec) {

    public SimTenant {
        if (id == null || !id.matches("[a-z0-9][a-z0-9-]{0,62}")) {
            throw new IllegalArgumentException("tenant id must be lower-case letters, digits and dashes, was " + id);
        }
        Objects.requireNonNull(spec, "spec must not be null");
    }

    /**
     * lampco: home EU, {@code PROXIMITY}; exports aggregates grouped by the {@code model} label to the US and South
     * Africa (SCCs declared), so the gateway's map has cross-border cells to show.
     */
    public static final SimTenant PROXIMITY = new SimTenant("lampco", """
            {"home-jurisdiction": "EU", "allocation": {"policy": "PROXIMITY"},
             "export": {"allowed-destinations": ["US", "ZA"], "sccs-in-place": ["US", "ZA"], "allowed-labels": ["model"]},
             "data": {"group-labels": ["model"]}}""");

    /** carehome: home EU, {@code PINNED_JURISDICTION} to the EU, so even its devices abroad live in eu-central. */
    public static final SimTenant PINNED = new SimTenant("carehome", """
            {"home-jurisdiction": "EU", "allocation": {"policy": "PINNED_JURISDICTION", "jurisdictions": ["EU"]},
             "data": {"group-labels": ["model"]}}""");

    /**
     * simfleet: home US, {@code STATIC} over af-south and us-east (the nearer of the two), a tenant that has no demo user
     * and exists for the map's counts.
     */
    public static final SimTenant STATIC = new SimTenant("simfleet", """
            {"home-jurisdiction": "US", "allocation": {"policy": "STATIC", "regions": ["af-south", "us-east"]},
             "data": {"group-labels": ["model"]}}""");

    /** One tenant under each allocation policy. */
    public static final List<SimTenant> DEFAULTS = List.of(PROXIMITY, PINNED, STATIC);
}
