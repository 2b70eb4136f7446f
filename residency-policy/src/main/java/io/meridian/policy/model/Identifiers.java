package io.meridian.policy.model;

import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * What counts as an identifier in the group labels of an aggregate cell. An identifier singles out a
 * device or a person, so a cell that carries one is never exported, whatever the tenant allows.
 *
 * <p>Both checks are heuristics that err towards calling something an identifier: a false positive
 * suppresses a cell, a false negative would leak one.
 */
public final class Identifiers {

    /** Normalised keys that are identifiers on their own. */
    private static final Set<String> EXACT_KEYS = Set.of(
            "id", "uuid", "guid", "device", "user", "account", "customer", "person", "subscriber",
            "name", "mac", "ip", "vin", "sn", "serial", "token", "secret", "password", "credential");

    /** Normalised stems that make any key containing them an identifier. */
    private static final String[] KEY_STEMS = {
        "deviceid", "devicename", "userid", "username", "accountid", "customerid", "personid",
        "subscriberid", "clientid", "sessionid", "email", "phone", "msisdn", "imei", "imsi", "iccid",
        "macaddr", "ipaddr", "serialn", "licenseplate", "firstname", "lastname", "fullname"
    };

    private Identifiers() {
    }

    /**
     * Whether a label key names an identifier, for example {@code deviceId}, {@code device_id},
     * {@code user-name} or {@code IMEI}. Case, and any character other than a letter or digit, are
     * ignored.
     *
     * @throws NullPointerException when the key is null
     */
    public static boolean isIdentifierKey(String key) {
        String normal = normalise(Objects.requireNonNull(key, "label key must not be null"));
        if (EXACT_KEYS.contains(normal)) {
            return true;
        }
        for (String stem : KEY_STEMS) {
            if (normal.contains(stem)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether a label value looks like an identifier: an e-mail address, a UUID, a MAC address, an IPv4
     * or IPv6 address, a run of ten or more digits (IMEI, IMSI, phone number) or a run of sixteen or
     * more hexadecimal characters that includes a digit (serial numbers, tokens, hashes).
     *
     * @throws NullPointerException when the value is null
     */
    public static boolean looksLikeIdentifier(String value) {
        int length = value.length();
        int digitRun = 0;
        int hexRun = 0;
        boolean hexRunHasDigit = false;
        int colons = 0;
        boolean onlyHexAndColons = length > 0;
        int at = -1;
        for (int i = 0; i < length; i++) {
            char c = value.charAt(i);
            boolean digit = c >= '0' && c <= '9';
            boolean hex = digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
            digitRun = digit ? digitRun + 1 : 0;
            if (digitRun >= 10) {
                return true;
            }
            if (hex) {
                hexRun++;
                hexRunHasDigit |= digit;
                if (hexRun >= 16 && hexRunHasDigit) {
                    return true;
                }
            } else {
                hexRun = 0;
                hexRunHasDigit = false;
            }
            if (c == ':') {
                colons++;
            } else if (!hex) {
                onlyHexAndColons = false;
            }
            if (c == '@' && at < 0) {
                at = i;
            }
        }
        if (at > 0 && value.indexOf('.', at) > at + 1) {
            return true; // e-mail address
        }
        if (onlyHexAndColons && colons >= 2) {
            return true; // IPv6, or a MAC address written with colons
        }
        return isUuid(value) || isMacWithHyphens(value) || isIpv4(value);
    }

    private static String normalise(String key) {
        StringBuilder b = new StringBuilder(key.length());
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (Character.isLetterOrDigit(c)) {
                b.append(c);
            }
        }
        return b.toString().toLowerCase(Locale.ROOT);
    }

    private static boolean isUuid(String v) {
        if (v.length() != 36) {
            return false;
        }
        for (int i = 0; i < 36; i++) {
            char c = v.charAt(i);
            boolean hyphenPlace = i == 8 || i == 13 || i == 18 || i == 23;
            if (hyphenPlace ? c != '-' : Character.digit(c, 16) < 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean isMacWithHyphens(String v) {
        if (v.length() != 17) {
            return false;
        }
        for (int i = 0; i < 17; i++) {
            char c = v.charAt(i);
            if (i % 3 == 2 ? c != '-' : Character.digit(c, 16) < 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean isIpv4(String v) {
        int groups = 0;
        int digits = 0;
        int number = 0;
        for (int i = 0; i <= v.length(); i++) {
            char c = i < v.length() ? v.charAt(i) : '.';
            if (c >= '0' && c <= '9') {
                digits++;
                number = number * 10 + (c - '0');
                if (digits > 3) {
                    return false;
                }
            } else if (c == '.') {
                if (digits == 0 || number > 255) {
                    return false;
                }
                groups++;
                digits = 0;
                number = 0;
            } else {
                return false;
            }
        }
        return groups == 4;
    }
}
