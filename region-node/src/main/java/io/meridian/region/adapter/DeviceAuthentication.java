package io.meridian.region.adapter;

import io.opentracing.SpanContext;
import io.opentracing.Tracer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.net.HttpURLConnection;
import java.security.cert.Certificate;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.eclipse.hono.adapter.auth.device.usernamepassword.UsernamePasswordAuthProvider;
import org.eclipse.hono.adapter.auth.device.usernamepassword.UsernamePasswordCredentials;
import org.eclipse.hono.adapter.auth.device.x509.SubjectDnCredentials;
import org.eclipse.hono.adapter.auth.device.x509.TenantServiceBasedX509Authentication;
import org.eclipse.hono.adapter.auth.device.x509.X509AuthProvider;
import org.eclipse.hono.client.ClientErrorException;
import org.eclipse.hono.client.registry.CredentialsClient;
import org.eclipse.hono.client.registry.TenantClient;
import org.eclipse.hono.service.auth.DeviceUser;
import org.eclipse.hono.util.TenantObject;

/**
 * How every protocol adapter of the node authenticates a device, with Hono's own providers: a client
 * certificate that chains to a CA its tenant trusts ({@code TenantServiceBasedX509Authentication}, then
 * {@code X509AuthProvider} for the {@code x509-cert} credential of its subject DN), or {@code auth-id@tenant}
 * and a password ({@code UsernamePasswordAuthProvider} against the stored hash). The adapters decide the order
 * and map failures to their protocol (CONNACK codes, HTTP statuses).
 */
public final class DeviceAuthentication {

    private final UsernamePasswordAuthProvider passwords;
    private final TenantServiceBasedX509Authentication certificateChains;
    private final X509AuthProvider certificates;

    public DeviceAuthentication(TenantClient tenants, CredentialsClient credentials, Tracer tracer) {
        this.passwords = new UsernamePasswordAuthProvider(credentials, tracer);
        this.certificateChains = new TenantServiceBasedX509Authentication(tenants, tracer);
        this.certificates = new X509AuthProvider(credentials, tracer);
    }

    /** The client's certificate chain from the TLS handshake; empty on a plain connection or when it sent none. */
    public static Optional<Certificate[]> peerCertificates(boolean ssl, SSLSession session) {
        if (!ssl || session == null) {
            return Optional.empty();
        }
        try {
            Certificate[] chain = session.getPeerCertificates();
            return chain == null || chain.length == 0 ? Optional.empty() : Optional.of(chain);
        } catch (SSLPeerUnverifiedException e) {
            return Optional.empty();
        }
    }

    /** The device whose certificate this is; fails as Hono's providers do (404 for an issuer no tenant trusts). */
    public Future<DeviceUser> certificate(Certificate[] chain, SpanContext context) {
        return certificateChains.validateClientCertificate(chain, List.of(), context)
                .compose(authInfo -> {
                    SubjectDnCredentials credentials = certificates.getCredentials(authInfo);
                    if (credentials == null) {
                        return Future.failedFuture(new ClientErrorException(HttpURLConnection.HTTP_UNAUTHORIZED,
                                "client certificate carries no usable subject DN"));
                    }
                    Promise<DeviceUser> device = Promise.promise();
                    certificates.authenticate(credentials, context, device);
                    return device.future();
                });
    }

    /**
     * The device with this {@code auth-id@tenant} user name and password; 401 when the name has another form.
     *
     * @param shownUserName the user name as it may appear in the error (an adapter may abbreviate it)
     */
    public Future<DeviceUser> password(String userName, String password, String shownUserName, SpanContext context) {
        UsernamePasswordCredentials credentials = UsernamePasswordCredentials.create(userName, password);
        if (credentials == null) {
            return Future.failedFuture(new ClientErrorException(HttpURLConnection.HTTP_UNAUTHORIZED,
                    "user name " + shownUserName + " is not of the form auth-id@tenant"));
        }
        Promise<DeviceUser> authenticated = Promise.promise();
        passwords.authenticate(credentials, context, authenticated);
        return authenticated.future();
    }

    /** The tenant, if it is enabled; else 403, as Hono's adapters answer a disabled tenant. */
    public static Future<TenantObject> requireEnabled(TenantObject tenant) {
        return tenant.isEnabled() ? Future.succeededFuture(tenant)
                : Future.failedFuture(new ClientErrorException(HttpURLConnection.HTTP_FORBIDDEN, "tenant " + tenant.getTenantId() + " is disabled"));
    }
}
