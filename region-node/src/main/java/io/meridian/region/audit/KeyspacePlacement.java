package io.meridian.region.audit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Check 5's judgement of one keyspace: does every data centre it replicates to belong to this region? Pure, so it is
 * tested without a cluster of several data centres.
 *
 * @param keyspace     the keyspace
 * @param roles        what the region keeps in it (raw, aggregates, registry, decision-log, ...), first the main one
 * @param replication  its replication map as {@code system_schema.keyspaces} holds it
 * @param dataCenters  the data centres it places replicas in
 * @param inRegion     whether all of them are this region's
 * @param reason       a sentence saying why
 */
public record KeyspacePlacement(String keyspace, List<String> roles, Map<String, String> replication, SortedSet<String> dataCenters,
        boolean inRegion, String reason) {

    public KeyspacePlacement {
        Objects.requireNonNull(keyspace, "keyspace must not be null");
        roles = List.copyOf(roles);
        replication = Map.copyOf(replication);
        dataCenters = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(dataCenters));
        Objects.requireNonNull(reason, "reason must not be null");
    }

    /**
     * Judges a keyspace's replication.
     *
     * @param clusterDataCenters every data centre of the cluster ({@code system.local} and {@code system.peers_v2}),
     *                           where SimpleStrategy and EverywhereStrategy put replicas
     * @param regionDataCenters  this region's data centres
     */
    public static KeyspacePlacement judge(String keyspace, List<String> roles, Map<String, String> replication,
            Set<String> clusterDataCenters, Set<String> regionDataCenters) {
        String strategy = replication.getOrDefault("class", "");
        String simple = strategy.substring(strategy.lastIndexOf('.') + 1);
        SortedSet<String> dcs = new TreeSet<>();
        String how;
        switch (simple) {
            case "SimpleStrategy", "EverywhereStrategy" -> {
                dcs.addAll(clusterDataCenters);
                how = simple + " on a cluster whose data centres are " + String.join(", ", new TreeSet<>(clusterDataCenters));
            }
            case "NetworkTopologyStrategy" -> {
                for (Map.Entry<String, String> e : new TreeMap<>(replication).entrySet()) {
                    if (e.getKey().equals("class") || e.getKey().equals("replication_factor")) {
                        continue;
                    }
                    // a data centre given no replicas ('0', or '0/0' for transient ones) holds none of the data
                    if (!e.getValue().trim().matches("0+(/0+)?")) {
                        dcs.add(e.getKey());
                    }
                }
                how = "NetworkTopologyStrategy with replicas in " + (dcs.isEmpty() ? "no data centre" : String.join(", ", dcs));
            }
            case "LocalStrategy" -> {
                return new KeyspacePlacement(keyspace, roles, replication, new TreeSet<>(), true,
                        "LocalStrategy keeps every node's copy to itself");
            }
            default -> {
                return new KeyspacePlacement(keyspace, roles, replication, new TreeSet<>(), false,
                        "replication class '" + strategy + "' is not one the audit can place, so it cannot be shown to stay in the region");
            }
        }
        if (dcs.isEmpty()) {
            return new KeyspacePlacement(keyspace, roles, replication, dcs, false, how + ": no data centre holds it, which the audit cannot judge");
        }
        List<String> foreign = new ArrayList<>();
        dcs.stream().filter(dc -> !regionDataCenters.contains(dc)).forEach(foreign::add);
        if (foreign.isEmpty()) {
            return new KeyspacePlacement(keyspace, roles, replication, dcs, true, how + ", all this region's ("
                    + String.join(", ", new TreeSet<>(regionDataCenters)) + ")");
        }
        return new KeyspacePlacement(keyspace, roles, replication, dcs, false, how + "; " + String.join(", ", foreign)
                + (foreign.size() == 1 ? " is" : " are") + " not this region's (" + String.join(", ", new TreeSet<>(regionDataCenters)) + ")");
    }
}
