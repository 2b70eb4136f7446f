package io.meridian.terraform;

/**
 * How big each region is: instance types, counts and volumes. One value per deployment, the same for
 * every region. {@link #SMALLEST} is the smallest layout that still survives the loss of one
 * availability zone, and is what the README prices.
 *
 * @param regionNodeInstanceType EC2 type of the region node (protocol adapters, ingest, data API)
 * @param regionNodeNightMin     region nodes kept running at night
 * @param regionNodeDayMin       region nodes kept running during the day
 * @param regionNodeMax          the most region nodes target tracking may run
 * @param dayStartHour           local hour the day capacity starts
 * @param nightStartHour         local hour the night capacity starts
 * @param cpuTargetPercent       average CPU that target tracking holds the region nodes at
 * @param kafkaInstanceType      MSK broker type
 * @param kafkaVersion           the MSK Kafka version, matching the kafka-clients the apps use
 * @param kafkaVolumeGb          EBS per broker
 * @param cassandraInstanceType  EC2 type of a Cassandra node
 * @param cassandraNodes         Cassandra nodes per region (replication factor 3 needs 3)
 * @param cassandraVolumeGb      gp3 data volume per Cassandra node
 * @param kinesisShards          shards of the aggregate export stream
 * @param logRetentionDays       CloudWatch log retention
 */
public record Sizing(
        String regionNodeInstanceType,
        int regionNodeNightMin,
        int regionNodeDayMin,
        int regionNodeMax,
        int dayStartHour,
        int nightStartHour,
        int cpuTargetPercent,
        String kafkaInstanceType,
        String kafkaVersion,
        int kafkaVolumeGb,
        String cassandraInstanceType,
        int cassandraNodes,
        int cassandraVolumeGb,
        int kinesisShards,
        int logRetentionDays) {

    /** The smallest sensible production layout. */
    public static final Sizing SMALLEST = new Sizing(
            "t3.medium", 2, 3, 6, 7, 22, 55,
            "kafka.t3.small", "3.6.0", 20,
            "m6i.large", 3, 100,
            1, 30);

    public Sizing {
        if (regionNodeNightMin < 1 || regionNodeNightMin > regionNodeDayMin || regionNodeDayMin > regionNodeMax) {
            throw new IllegalArgumentException("region node counts must satisfy 1 <= night min <= day min <= max, was "
                    + regionNodeNightMin + " / " + regionNodeDayMin + " / " + regionNodeMax);
        }
        if (dayStartHour < 0 || dayStartHour > 23 || nightStartHour < 0 || nightStartHour > 23
                || dayStartHour == nightStartHour) {
            throw new IllegalArgumentException("day and night start hours must be distinct hours 0-23, was "
                    + dayStartHour + " and " + nightStartHour);
        }
        if (cassandraNodes < 3) {
            throw new IllegalArgumentException("cassandra nodes must be at least 3 for replication factor 3, was "
                    + cassandraNodes);
        }
    }
}
