package io.meridian.local.aws;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * What every client of a local AWS stand-in uses: static development credentials (the stand-ins accept
 * any) and one signing region. The stand-ins are not AWS; nothing here is a real credential.
 */
public final class AwsStandIn {

    /** The access key id clients sign with, a local development value. */
    public static final String ACCESS_KEY_ID = "meridian-local";
    /** The secret key clients sign with, a local development value. */
    public static final String SECRET_ACCESS_KEY = "meridian-local-secret";
    /** The region clients sign for; s3mock's store is configured for the same region. */
    public static final Region REGION = Region.US_EAST_1;
    /** The host every stand-in listens on. */
    public static final String HOST = "127.0.0.1";

    private AwsStandIn() {
    }

    /** {@link #ACCESS_KEY_ID} and {@link #SECRET_ACCESS_KEY} as an SDK credentials provider. */
    public static AwsCredentialsProvider credentials() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY_ID, SECRET_ACCESS_KEY));
    }
}
