package io.meridian.region.tls;

import io.vertx.core.net.PemKeyCertOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import javax.security.auth.x500.X500Principal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A region node's own TLS material: a CA, and a server certificate signed by it, as PEM files in the node's
 * state directory. The first start generates them; later starts reuse them, so that devices which pinned the
 * CA keep trusting the node. The server certificate is re-issued from the same CA when it no longer names
 * every configured host or is about to expire.
 *
 * <p>Files in the directory: {@value #CA_CERT}, {@value #CA_KEY}, {@value #SERVER_CERT} (the server
 * certificate followed by the CA) and {@value #SERVER_KEY}, private keys as PKCS#8, readable by the owner only.
 * A file that exists but cannot be read, or that does not fit the others, fails {@link #loadOrCreate} with an
 * {@link IllegalStateException} naming the file: the node never replaces material it cannot read.
 */
public final class NodeTls {

    public static final String CA_CERT = "ca-cert.pem";
    public static final String CA_KEY = "ca-key.pem";
    public static final String SERVER_CERT = "server-cert.pem";
    public static final String SERVER_KEY = "server-key.pem";

    /** Always in the server certificate: local clients connect to one of these. */
    public static final List<String> LOCAL_HOST_NAMES = List.of("127.0.0.1", "localhost");

    static final Duration CA_VALIDITY = Duration.ofDays(3650);
    static final Duration SERVER_VALIDITY = Duration.ofDays(825);
    /** A server certificate that expires sooner than this is re-issued at start. */
    static final Duration RENEW_BEFORE = Duration.ofDays(30);

    private static final Logger LOG = LoggerFactory.getLogger(NodeTls.class);

    private final Path directory;
    private final X509Certificate caCertificate;
    private final X509Certificate serverCertificate;
    private final List<String> hostNames;
    private final boolean generated;

    private NodeTls(Path directory, X509Certificate caCertificate, X509Certificate serverCertificate, List<String> hostNames,
            boolean generated) {
        this.directory = directory;
        this.caCertificate = caCertificate;
        this.serverCertificate = serverCertificate;
        this.hostNames = hostNames;
        this.generated = generated;
    }

    /**
     * Loads the node's TLS material from {@code directory}, generating whatever is missing. Blocking (file
     * I/O, key generation): call it from {@code main} or a worker thread.
     *
     * @param directory where the PEM files live; created when missing
     * @param nodeName names the CA and the server certificate (for example the region id)
     * @param extraHostNames host names or IP addresses for the server certificate besides
     *            {@link #LOCAL_HOST_NAMES}
     * @throws IllegalStateException when a file exists but is unreadable, does not match the others, or cannot
     *             be written; the message names the file
     */
    public static NodeTls loadOrCreate(Path directory, String nodeName, Collection<String> extraHostNames) {
        Objects.requireNonNull(directory, "directory must not be null");
        Objects.requireNonNull(extraHostNames, "extraHostNames must not be null");
        if (nodeName == null || nodeName.isBlank()) {
            throw new IllegalArgumentException("nodeName must not be blank, was " + nodeName);
        }
        Set<String> names = new LinkedHashSet<>(LOCAL_HOST_NAMES);
        for (String host : extraHostNames) {
            if (host == null || host.isBlank() || host.contains(",")) {
                throw new IllegalArgumentException("TLS host names must be non-blank single names, was " + extraHostNames);
            }
            names.add(host.trim());
        }
        List<String> hostNames = List.copyOf(names);

        boolean generated = false;
        CertificateIssuer.Issued ca;
        Path caCert = directory.resolve(CA_CERT);
        Path caKey = directory.resolve(CA_KEY);
        if (presentPair(caCert, caKey)) {
            ca = new CertificateIssuer.Issued(Pem.readPrivateKey(caKey), Pem.readCertificates(caCert).get(0));
            requireMatch(ca, caKey, caCert);
            requireSignedBy(ca.certificate(), ca.certificate(), caCert, "is not a self-signed CA certificate");
        } else {
            ca = CertificateIssuer.selfSignedCa(new X500Principal("CN=Meridian " + nodeName + " node CA, O=Meridian"), CA_VALIDITY);
            Pem.write(caKey, Pem.encode(ca.key()), true);
            Pem.write(caCert, Pem.encode(List.of(ca.certificate())), false);
            LOG.info("generated the node CA {} in {}", ca.certificate().getSubjectX500Principal(), caCert);
            generated = true;
        }

        Path serverCert = directory.resolve(SERVER_CERT);
        Path serverKey = directory.resolve(SERVER_KEY);
        X509Certificate server = null;
        if (presentPair(serverCert, serverKey)) {
            CertificateIssuer.Issued existing = new CertificateIssuer.Issued(Pem.readPrivateKey(serverKey),
                    Pem.readCertificates(serverCert).get(0));
            requireMatch(existing, serverKey, serverCert);
            requireSignedBy(existing.certificate(), ca.certificate(), serverCert, "is not signed by the CA in " + caCert);
            List<String> missing = missingNames(existing.certificate(), hostNames, serverCert);
            boolean expiring = existing.certificate().getNotAfter().toInstant().isBefore(Instant.now().plus(RENEW_BEFORE));
            if (missing.isEmpty() && !expiring) {
                server = existing.certificate();
            } else {
                LOG.info("re-issuing the server certificate in {}: {}", serverCert,
                        expiring ? "it expires " + existing.certificate().getNotAfter().toInstant() : "it does not name " + missing);
            }
        }
        if (server == null) {
            CertificateIssuer.Issued issued = CertificateIssuer.server(ca,
                    new X500Principal("CN=Meridian " + nodeName + " node, O=Meridian"), hostNames, SERVER_VALIDITY);
            Pem.write(serverKey, Pem.encode(issued.key()), true);
            Pem.write(serverCert, Pem.encode(List.of(issued.certificate(), ca.certificate())), false);
            LOG.info("generated the server certificate for {} in {}", hostNames, serverCert);
            server = issued.certificate();
            generated = true;
        }
        return new NodeTls(directory, ca.certificate(), server, hostNames, generated);
    }

    /** Both files present: true; neither: false; only one: the material is broken, say which file is missing. */
    private static boolean presentPair(Path cert, Path key) {
        boolean hasCert = Files.exists(cert);
        boolean hasKey = Files.exists(key);
        if (hasCert != hasKey) {
            Path present = hasCert ? cert : key;
            Path absent = hasCert ? key : cert;
            throw new IllegalStateException("TLS file " + absent + " is missing while " + present
                    + " exists; restore it, or delete " + present + " to have a new one generated");
        }
        return hasCert;
    }

    private static void requireMatch(CertificateIssuer.Issued pair, Path keyFile, Path certFile) {
        if (!matches(pair.key(), pair.certificate().getPublicKey())) {
            throw new IllegalStateException("TLS file " + keyFile + " does not hold the private key of the certificate in " + certFile);
        }
    }

    private static boolean matches(PrivateKey key, PublicKey publicKey) {
        if (!key.getAlgorithm().equals(publicKey.getAlgorithm())) {
            return false;
        }
        String algorithm = "EC".equals(key.getAlgorithm()) ? "SHA256withECDSA" : "SHA256with" + key.getAlgorithm();
        try {
            byte[] probe = "meridian-node-tls-key-check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static void requireSignedBy(X509Certificate certificate, X509Certificate issuer, Path file, String problem) {
        try {
            certificate.verify(issuer.getPublicKey());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("TLS file " + file + " " + problem, e);
        }
    }

    private static List<String> missingNames(X509Certificate certificate, List<String> wanted, Path file) {
        Set<String> present = new LinkedHashSet<>();
        try {
            Collection<List<?>> alternatives = certificate.getSubjectAlternativeNames();
            if (alternatives != null) {
                alternatives.forEach(entry -> present.add(String.valueOf(entry.get(1)).toLowerCase(java.util.Locale.ROOT)));
            }
        } catch (CertificateParsingException e) {
            throw new IllegalStateException("TLS file " + file + " has unreadable subject alternative names", e);
        }
        List<String> missing = new ArrayList<>();
        for (String name : wanted) {
            if (!present.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                missing.add(name);
            }
        }
        return missing;
    }

    /** The directory holding the PEM files. */
    public Path directory() {
        return directory;
    }

    /** The node CA's certificate (PEM), which clients use to trust the node ({@code mosquitto_pub --cafile}). */
    public Path caCertPath() {
        return directory.resolve(CA_CERT);
    }

    /** The server certificate chain (PEM: the server certificate, then the CA). */
    public Path certPath() {
        return directory.resolve(SERVER_CERT);
    }

    /** The server's private key (PEM, PKCS#8). */
    public Path keyPath() {
        return directory.resolve(SERVER_KEY);
    }

    /** Vert.x key and certificate options for a TLS server port of this node. */
    public PemKeyCertOptions keyCertOptions() {
        return new PemKeyCertOptions().setKeyPath(keyPath().toString()).setCertPath(certPath().toString());
    }

    public X509Certificate caCertificate() {
        return caCertificate;
    }

    public X509Certificate serverCertificate() {
        return serverCertificate;
    }

    /** The names and addresses the server certificate is valid for. */
    public List<String> hostNames() {
        return hostNames;
    }

    /** Whether this start generated the CA or the server certificate (false when everything was reused). */
    public boolean generated() {
        return generated;
    }

    @Override
    public String toString() {
        return "NodeTls[" + directory + ", CA " + caCertificate.getSubjectX500Principal() + ", server names " + hostNames + "]";
    }
}
