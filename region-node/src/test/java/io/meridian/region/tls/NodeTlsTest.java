package io.meridian.region.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeTlsTest {

    @TempDir
    Path dir;

    @Test
    void firstStart_generatesCaAndServerCertificate_forLocalAndConfiguredNames() throws Exception {
        NodeTls tls = NodeTls.loadOrCreate(dir.resolve("tls"), "eu-central", List.of("node1.example", "10.1.2.3"));

        assertTrue(tls.generated());
        for (String file : List.of(NodeTls.CA_CERT, NodeTls.CA_KEY, NodeTls.SERVER_CERT, NodeTls.SERVER_KEY)) {
            assertTrue(Files.isRegularFile(dir.resolve("tls").resolve(file)), file);
        }
        X509Certificate server = tls.serverCertificate();
        server.verify(tls.caCertificate().getPublicKey());
        tls.caCertificate().verify(tls.caCertificate().getPublicKey());
        assertTrue(tls.caCertificate().getBasicConstraints() >= 0, "the CA certificate is a CA");
        assertEquals(-1, server.getBasicConstraints(), "the server certificate is not a CA");
        Collection<List<?>> sans = server.getSubjectAlternativeNames();
        Set<String> names = sans.stream().map(e -> String.valueOf(e.get(1))).collect(Collectors.toSet());
        assertEquals(Set.of("127.0.0.1", "localhost", "node1.example", "10.1.2.3"), names);
        // 7 = IP address, 2 = DNS name
        assertTrue(sans.contains(List.of(7, "127.0.0.1")), sans.toString());
        assertTrue(sans.contains(List.of(2, "localhost")), sans.toString());
        assertEquals(2, Pem.readCertificates(tls.certPath()).size(), "server certificate followed by the CA");
        if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tls.keyPath())));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("tls").resolve(NodeTls.CA_KEY))));
        }
    }

    @Test
    void laterStart_reusesTheSameFiles() throws Exception {
        NodeTls first = NodeTls.loadOrCreate(dir, "eu-central", List.of());
        byte[] key = Files.readAllBytes(first.keyPath());
        byte[] caKey = Files.readAllBytes(dir.resolve(NodeTls.CA_KEY));

        NodeTls second = NodeTls.loadOrCreate(dir, "eu-central", List.of());

        assertFalse(second.generated());
        assertEquals(first.caCertificate(), second.caCertificate());
        assertEquals(first.serverCertificate(), second.serverCertificate());
        assertArrayEquals(key, Files.readAllBytes(second.keyPath()));
        assertArrayEquals(caKey, Files.readAllBytes(dir.resolve(NodeTls.CA_KEY)));
    }

    @Test
    void newHostName_reissuesTheServerCertificate_fromTheSameCa() throws Exception {
        NodeTls first = NodeTls.loadOrCreate(dir, "eu-central", List.of());
        NodeTls second = NodeTls.loadOrCreate(dir, "eu-central", List.of("node2.example"));

        assertTrue(second.generated());
        assertEquals(first.caCertificate(), second.caCertificate());
        assertNotEquals(first.serverCertificate(), second.serverCertificate());
        second.serverCertificate().verify(first.caCertificate().getPublicKey());
        assertTrue(second.hostNames().contains("node2.example"));
    }

    @Test
    void corruptServerKey_isRefused_namingTheFile() throws Exception {
        NodeTls tls = NodeTls.loadOrCreate(dir, "eu-central", List.of());
        Files.writeString(tls.keyPath(), "-----BEGIN PRIVATE KEY-----\nnot base64 at all!\n-----END PRIVATE KEY-----\n");

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> NodeTls.loadOrCreate(dir, "eu-central", List.of()));
        assertTrue(e.getMessage().contains(tls.keyPath().toString()), e.getMessage());
    }

    @Test
    void garbageCaCertificate_isRefused_namingTheFile_andNotOverwritten() throws Exception {
        NodeTls.loadOrCreate(dir, "eu-central", List.of());
        Path caCert = dir.resolve(NodeTls.CA_CERT);
        Files.writeString(caCert, "this is not PEM");

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> NodeTls.loadOrCreate(dir, "eu-central", List.of()));
        assertTrue(e.getMessage().contains(caCert.toString()), e.getMessage());
        assertEquals("this is not PEM", Files.readString(caCert));
    }

    @Test
    void serverKeyOfAnotherCertificate_isRefused() throws Exception {
        NodeTls.loadOrCreate(dir.resolve("a"), "a", List.of());
        NodeTls b = NodeTls.loadOrCreate(dir.resolve("b"), "b", List.of());
        Files.copy(dir.resolve("a").resolve(NodeTls.SERVER_KEY), b.keyPath(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> NodeTls.loadOrCreate(dir.resolve("b"), "b", List.of()));
        assertTrue(e.getMessage().contains(b.keyPath().toString()), e.getMessage());
    }

    @Test
    void missingHalfOfAPair_isRefused_namingTheMissingFile() {
        NodeTls tls = NodeTls.loadOrCreate(dir, "eu-central", List.of());
        Path caKey = dir.resolve(NodeTls.CA_KEY);
        assertTrue(caKey.toFile().delete());

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> NodeTls.loadOrCreate(dir, "eu-central", List.of()));
        assertTrue(e.getMessage().contains(caKey.toString()) && e.getMessage().contains("missing"), e.getMessage());
        assertTrue(Files.exists(tls.caCertPath()), "the remaining file is left alone");
    }

    @Test
    void blankNodeNameOrHostName_isRejected() {
        assertThrows(IllegalArgumentException.class, () -> NodeTls.loadOrCreate(dir, " ", List.of()));
        assertThrows(IllegalArgumentException.class, () -> NodeTls.loadOrCreate(dir, "eu", List.of("a,b")));
    }
}
