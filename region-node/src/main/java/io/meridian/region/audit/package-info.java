/**
 * The region's side of the residency audit (issue 8): what only the region can check, because it needs raw
 * identifiers or stored values, answered with counts, keys and hashes only.
 *
 * <ul>
 * <li>{@link io.meridian.region.audit.ReleaseStore}: what each aggregate release let out, the policy revisions and
 *     tenant policies it was decided under, written in-region before the answer leaves;</li>
 * <li>{@link io.meridian.region.audit.ReleaseAudit}: check 4, every released cell re-checked against the stored
 *     policy and the stored aggregates;</li>
 * <li>{@link io.meridian.region.audit.StorageAudit}: check 1 (every stored device is assigned here, asked of the
 *     catalog) and check 5 ({@link io.meridian.region.audit.KeyspacePlacement}, replication stays in the region).</li>
 * </ul>
 */
package io.meridian.region.audit;
