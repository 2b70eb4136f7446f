package io.meridian.region.tls;

import java.nio.file.Path;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import javax.security.auth.x500.X500Principal;

/**
 * A tenant's device PKI for tests: a CA that a tenant registers as its trusted CA, and device certificates it
 * issues, written as PEM files that mosquitto and Vert.x clients read.
 */
public final class TestPki {

    private final CertificateIssuer.Issued ca;

    private TestPki(CertificateIssuer.Issued ca) {
        this.ca = ca;
    }

    /** A new CA with the given subject DN, e.g. {@code CN=Acme devices CA, O=Acme}. */
    public static TestPki newCa(String subjectDn) {
        return new TestPki(CertificateIssuer.selfSignedCa(new X500Principal(subjectDn), Duration.ofDays(30)));
    }

    public X509Certificate caCertificate() {
        return ca.certificate();
    }

    /**
     * The CA certificate's DER in Base64url, as the management API's {@code trusted-ca[].cert} takes it: Hono
     * 2.6.0 decodes the management JSON with Vert.x 4's codec, whose binary values are Base64url (RFC 7493),
     * so standard Base64 with '+' or '/' is refused as an invalid body.
     */
    public String caCertificateBase64() {
        try {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(ca.certificate().getEncoded());
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A device's key and certificate files. */
    public record DeviceFiles(Path cert, Path key, X509Certificate certificate) {
        /** The subject DN in RFC 2253 form, which is the device's {@code x509-cert} auth-id. */
        public String subjectDn() {
            return certificate.getSubjectX500Principal().getName(X500Principal.RFC2253);
        }
    }

    /** Issues a client certificate for {@code subjectDn} and writes {@code <name>-cert.pem} and {@code <name>-key.pem}. */
    public DeviceFiles issueDevice(String subjectDn, Path directory, String name) {
        CertificateIssuer.Issued device = CertificateIssuer.client(ca, new X500Principal(subjectDn), Duration.ofDays(30));
        Path cert = directory.resolve(name + "-cert.pem");
        Path key = directory.resolve(name + "-key.pem");
        Pem.write(cert, Pem.encode(List.of(device.certificate())), false);
        Pem.write(key, Pem.encode(device.key()), true);
        return new DeviceFiles(cert, key, device.certificate());
    }
}
