package io.meridian.regions;

import java.time.Duration;

/**
 * What a new tenant gets when it does not say otherwise.
 *
 * @param allocation the allocation policy name: PROXIMITY, PINNED_JURISDICTION or STATIC
 * @param retention  how long raw data is kept in its region
 */
public record TenantDefaults(String allocation, Duration retention) {
}
