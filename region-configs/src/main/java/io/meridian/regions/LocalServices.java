package io.meridian.regions;

/**
 * Loopback ports of the services that exist once per local federation, not once per region.
 *
 * @param keycloak    Keycloak's HTTP port
 * @param catalog     the global catalog's HTTP port
 * @param s3          the S3 stand-in's HTTP port
 * @param kinesis     the Kinesis stand-in's HTTP port
 */
public record LocalServices(int keycloak, int catalog, int s3, int kinesis) {
}
