/**
 * The region archive: each hour, the region's raw telemetry and events go, as gzip-compressed JSON lines,
 * into the region's own S3 bucket (s3mock locally), and only there.
 *
 * <p><b>Wiring</b> (in the composition root, after the ingest's {@code RawStore} created the raw tables):
 * <pre>{@code
 * ArchiveConfig archiveConfig = ArchiveConfig.fromProperties(configs, regionId, System::getProperty, System::getenv);
 * archiveConfig.describe().forEach((k, v) -> LOG.info("  {} = {}", k, v));
 * RawArchiver archiver = RawArchiver.open(session, archiveConfig, meters);   // blocking; a worker thread
 * if (archiveConfig.enabled()) {
 *     archiver.start();                                                    // its own thread, hourly
 * }
 * ...
 * archiver.stop();                                                         // before closing the session
 * }</pre>
 * {@link io.meridian.region.archive.ArchiveConfig#fromProperties} refuses, at start-up, a bucket that is no
 * valid S3 name, does not carry this region's id, or carries another region's id from region-configs; and,
 * against real AWS (no endpoint override), a signing region other than the region's cloud region. For
 * s3mock set {@code meridian.archive.endpoint=http://127.0.0.1:<port>}, {@code meridian.archive.awsRegion=us-east-1}
 * and the stand-in's keys in {@code MERIDIAN_ARCHIVE_ACCESS_KEY_ID} / {@code MERIDIAN_ARCHIVE_SECRET_ACCESS_KEY}.
 *
 * <p><b>Layout.</b> One object per tenant, kind and Kafka arrival hour (UTC):
 * {@code s3://<bucket>/tenant=<t>/kind=<telemetry|events>/date=YYYY-MM-DD/hour=HH/<region>-YYYY-MM-DDTHH.jsonl.gz},
 * one line per row ({@link io.meridian.region.archive.ArchiveLines} documents the line), recorded after the
 * upload in {@code <keyspace>.archive_manifest} ({@code PRIMARY KEY ((hour), tenant_id, kind)}: bucket, key,
 * partitions, rows, bytes, SHA-256 of the object, written time).
 *
 * <p>{@link io.meridian.region.archive.RawArchiver} describes when an hour is due, catch-up after downtime,
 * retries and what is not archived.
 */
package io.meridian.region.archive;
