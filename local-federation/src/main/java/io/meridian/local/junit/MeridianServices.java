package io.meridian.local.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Declares the real backing services a test class needs. They are started once per test run (the first
 * class that asks starts them, later classes share them; services asked for later are added), on free
 * ephemeral loopback ports with fresh data, and stopped when the run ends. A service that cannot start
 * fails the test class; nothing is skipped.
 *
 * <pre>{@code
 * @MeridianServices(cassandra = {"eu-central", "af-south"}, kafka = "eu-central", keycloak = true)
 * class IngestIT {
 *     @Test
 *     void stores(@Region("eu-central") CassandraService cassandra, Federation federation) { ... }
 * }
 * }</pre>
 *
 * <p>Test methods and constructors may take {@link io.meridian.local.service.Federation}, or any service
 * type ({@code CassandraService}, {@code KafkaService}, the Keycloak or AWS stand-in types) that matches
 * exactly one requested service, narrowed with {@link Region} for per-region services.
 *
 * <p>The backend follows {@link io.meridian.local.service.Backend#select()}; processes on CI.
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@ExtendWith(MeridianServicesExtension.class)
public @interface MeridianServices {

    /** Regions that need a Cassandra cluster each. */
    String[] cassandra() default {};

    /** Regions that need a Kafka broker each. */
    String[] kafka() default {};

    /** Whether Keycloak with the {@code meridian} realm is needed. */
    boolean keycloak() default false;

    /** Whether the S3 stand-in is needed. */
    boolean s3() default false;

    /** Whether the Kinesis stand-in is needed. */
    boolean kinesis() default false;

    /** Further federation-wide service kinds, by {@link io.meridian.local.service.ServiceProvider#kind()}. */
    String[] other() default {};
}
