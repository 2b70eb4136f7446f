package io.meridian.audit;

/** The GDPR articles and controls findings evidence, worded once. */
final class Controls {

    static final String TRANSFERS = "GDPR Art. 44-46 transfers to third countries";
    static final String INTEGRITY = "GDPR Art. 5(1)(f) integrity and confidentiality; Art. 32 security of processing";
    static final String ACCOUNTABILITY = "GDPR Art. 5(2) accountability; Art. 30 records of processing";
    static final String BY_DESIGN = "GDPR Art. 25 data protection by design and by default";

    static final String STORAGE = TRANSFERS + "; " + BY_DESIGN;
    static final String UNKNOWN_DEVICE = "GDPR Art. 5(1)(e) storage limitation; " + ACCOUNTABILITY;
    static final String CHAIN = ACCOUNTABILITY + "; " + INTEGRITY;
    static final String LEDGER_MATCH = TRANSFERS + "; " + ACCOUNTABILITY;
    static final String ANONYMITY = TRANSFERS + " (a cell that is not anonymous is personal data); " + BY_DESIGN;
    static final String KEYSPACE = TRANSFERS + "; GDPR Art. 32 security of processing";
    static final String INFRASTRUCTURE = TRANSFERS + "; " + BY_DESIGN;

    private Controls() {
    }
}
