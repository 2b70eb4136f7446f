package io.meridian.region.adapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.eclipse.hono.util.ResourceLimits;
import org.eclipse.hono.util.TenantObject;
import org.junit.jupiter.api.Test;

class TenantConnectionsTest {

    private final TenantConnections connections = new TenantConnections();

    private static TenantObject tenant(String id, Integer maxConnections) {
        TenantObject tenant = TenantObject.from(id, true);
        if (maxConnections != null) {
            tenant.setResourceLimits(new ResourceLimits().setMaxConnections(maxConnections));
        }
        return tenant;
    }

    @Test
    void limitOfTwo_admitsTwo_thenRefuses_untilOneIsReleased() {
        TenantObject lampco = tenant("lampco", 2);
        assertTrue(connections.tryAcquire(lampco));
        assertFalse(connections.isConnectionLimitReached(lampco, null).result());
        assertTrue(connections.tryAcquire(lampco));
        assertTrue(connections.isConnectionLimitReached(lampco, null).result());
        assertFalse(connections.tryAcquire(lampco));
        assertEquals(2, connections.count("lampco"));

        connections.release("lampco");
        assertFalse(connections.isConnectionLimitReached(lampco, null).result());
        assertTrue(connections.tryAcquire(lampco));
    }

    @Test
    void tenantsAreCountedApart_andNoLimitMeansUnlimited() {
        TenantObject one = tenant("one", 1);
        TenantObject free = tenant("free", null);
        assertTrue(connections.tryAcquire(one));
        for (int i = 0; i < 100; i++) {
            assertTrue(connections.tryAcquire(free));
        }
        assertFalse(connections.tryAcquire(one));
        assertEquals(100, connections.count("free"));
        assertFalse(connections.isConnectionLimitReached(free, null).result());
    }

    @Test
    void limitOfZero_refusesEveryConnection() {
        assertFalse(connections.tryAcquire(tenant("closed", 0)));
        assertTrue(connections.isConnectionLimitReached(tenant("closed", 0), null).result());
    }

    @Test
    void releaseWithoutAcquire_isADefect() {
        assertThrows(IllegalStateException.class, () -> connections.release("nobody"));
    }
}
