package io.meridian.region.tls;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * Reading and writing the PEM files of the node's TLS material. Every read failure is an
 * {@link IllegalStateException} that names the file, because an operator has to find and fix (or delete) it.
 */
final class Pem {

    private Pem() {
    }

    /** The certificates of a PEM file, in file order; at least one. */
    static List<X509Certificate> readCertificates(Path file) {
        List<X509Certificate> certificates = new ArrayList<>();
        try (PEMParser parser = new PEMParser(new StringReader(read(file)))) {
            Object item;
            while ((item = parser.readObject()) != null) {
                if (!(item instanceof X509CertificateHolder holder)) {
                    throw new IllegalStateException("TLS file " + file + " must hold only PEM certificates, found a "
                            + item.getClass().getSimpleName());
                }
                certificates.add(new JcaX509CertificateConverter().getCertificate(holder));
            }
        } catch (IOException | CertificateException | RuntimeException e) {
            if (e instanceof IllegalStateException ise) {
                throw ise;
            }
            throw new IllegalStateException("TLS file " + file + " is not a readable PEM certificate: " + e.getMessage(), e);
        }
        if (certificates.isEmpty()) {
            throw new IllegalStateException("TLS file " + file + " holds no PEM certificate");
        }
        return certificates;
    }

    /** The private key of a PEM file (PKCS#8, or a traditional OpenSSL key pair). */
    static PrivateKey readPrivateKey(Path file) {
        Object item;
        try (PEMParser parser = new PEMParser(new StringReader(read(file)))) {
            item = parser.readObject();
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("TLS file " + file + " is not a readable PEM private key: " + e.getMessage(), e);
        }
        try {
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            if (item instanceof PrivateKeyInfo info) {
                return converter.getPrivateKey(info);
            }
            if (item instanceof PEMKeyPair pair) {
                return converter.getPrivateKey(pair.getPrivateKeyInfo());
            }
        } catch (IOException e) {
            throw new IllegalStateException("TLS file " + file + " holds a private key that cannot be decoded: " + e.getMessage(), e);
        }
        throw new IllegalStateException("TLS file " + file + " holds no PEM private key"
                + (item == null ? "" : ", found a " + item.getClass().getSimpleName()));
    }

    private static String read(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.US_ASCII);
    }

    static String encode(List<X509Certificate> certificates) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            for (X509Certificate certificate : certificates) {
                writer.writeObject(certificate);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode a certificate as PEM", e);
        }
        return out.toString();
    }

    /** PKCS#8 ("PRIVATE KEY"), which Vert.x's {@code PemKeyCertOptions}, OpenSSL and mosquitto all read. */
    static String encode(PrivateKey key) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(new PemObject("PRIVATE KEY", key.getEncoded()));
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode a private key as PEM", e);
        }
        return out.toString();
    }

    /**
     * Writes a file so that a reader never sees half of it (temporary file, then a move); a private key is
     * readable by its owner only where the file system has POSIX permissions.
     */
    static void write(Path file, String content, boolean secret) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), "." + file.getFileName(), ".tmp");
            try {
                if (secret && tmp.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
                }
                Files.writeString(tmp, content, StandardCharsets.US_ASCII);
                try {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot write TLS file " + file + ": " + e.getMessage(), e);
        }
    }
}
