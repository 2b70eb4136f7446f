package io.meridian.gateway.export;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Schedules in memory, for fast route tests only; the gateway keeps them in Cassandra (GatewayExportIT). */
final class InMemoryExportSchedules implements ExportSchedules {

    private final Map<String, Schedule> schedules = new TreeMap<>();
    private final Set<String> claims = new HashSet<>();

    @Override
    public synchronized boolean put(Schedule s) {
        return schedules.put(s.tenant() + "/" + s.id(), s) == null;
    }

    @Override
    public synchronized List<Schedule> list(String tenant) {
        return schedules.values().stream().filter(s -> s.tenant().equals(tenant)).toList();
    }

    @Override
    public synchronized boolean delete(String tenant, String id) {
        return schedules.remove(tenant + "/" + id) != null;
    }

    @Override
    public synchronized List<Schedule> all() {
        return new ArrayList<>(schedules.values());
    }

    @Override
    public synchronized boolean claim(Schedule s, Instant periodStart, String claimant) {
        return claims.add(s.tenant() + "/" + s.id() + "/" + periodStart);
    }
}
