package io.meridian.gateway.ledger;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.Optional;
import java.util.UUID;

/**
 * The canonical byte layout of a ledger entry, and its hash. Version 1 (the single-chain ledger before chains per
 * instance; still verified, never written any more):
 *
 * <pre>
 * int    format version (1)
 * long   sequence
 * text   kind, tenant, source region, source jurisdiction, destination
 * uuid   source decision id (two longs)
 * long   source decision sequence
 * text   payload hash
 * int    cells
 * long   bytes
 * long   at, epoch milliseconds
 * opt    export id (byte 0 absent, byte 1 then two longs)
 * opt    sink (byte 0 absent, byte 1 then text)
 * text   previous hash
 * </pre>
 *
 * where text is an int byte length followed by UTF-8 bytes, so no two different entries encode to the same bytes
 * (a field cannot absorb its neighbour). Version {@value #FORMAT_VERSION}, written since each gateway instance appends
 * to its own chain, is version 1 with the version int 2 and the chain's name as a text right after it, so an entry
 * copied or moved into another chain does not verify there. The hash is SHA-256 of these bytes, lower-case hex. A
 * version's layout never changes; a new field means a new version, and verification hashes each entry with its own
 * version.
 */
final class LedgerEncoding {

    /** The version written now: chains per instance, the chain's name hashed. */
    static final int FORMAT_VERSION = 2;
    /** The single-chain ledger's version, still verified. */
    static final int SINGLE_CHAIN_VERSION = 1;
    /** The previous hash of the first entry. */
    static final String GENESIS = "0".repeat(64);

    private LedgerEncoding() {
    }

    /**
     * Instants are stored as Cassandra timestamps (milliseconds); an entry is hashed over what is stored, so that a record
     * read back hashes to the same value.
     */
    static Instant storable(Instant at) {
        return at.truncatedTo(ChronoUnit.MILLIS);
    }

    /** The hash of {@code record} at {@code sequence} of {@code chain} after {@code previousHash}; version 1 ignores the chain. */
    static String hash(int formatVersion, String chain, long sequence, TransferRecord record, String previousHash) {
        if (formatVersion != FORMAT_VERSION && formatVersion != SINGLE_CHAIN_VERSION) {
            throw new IllegalArgumentException("ledger format version must be " + SINGLE_CHAIN_VERSION + " or " + FORMAT_VERSION + ", was "
                    + formatVersion);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(formatVersion);
            if (formatVersion >= 2) {
                text(out, chain);
            }
            out.writeLong(sequence);
            text(out, record.kind().name());
            text(out, record.tenant());
            text(out, record.sourceRegion().value());
            text(out, record.sourceJurisdiction().code());
            text(out, record.destination().code());
            uuid(out, record.sourceDecisionId());
            out.writeLong(record.sourceDecisionSequence());
            text(out, record.payloadHash());
            out.writeInt(record.cells());
            out.writeLong(record.bytes());
            out.writeLong(record.at().toEpochMilli());
            optionalUuid(out, record.exportId());
            if (record.sink().isPresent()) {
                out.writeByte(1);
                text(out, record.sink().get());
            } else {
                out.writeByte(0);
            }
            text(out, previousHash);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot happen: writing to memory", e);
        }
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes.toByteArray()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    private static void text(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static void uuid(DataOutputStream out, UUID id) throws IOException {
        out.writeLong(id.getMostSignificantBits());
        out.writeLong(id.getLeastSignificantBits());
    }

    private static void optionalUuid(DataOutputStream out, Optional<UUID> id) throws IOException {
        if (id.isPresent()) {
            out.writeByte(1);
            uuid(out, id.get());
        } else {
            out.writeByte(0);
        }
    }
}
