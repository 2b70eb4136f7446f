package io.meridian.regions;

import io.meridian.policy.model.Jurisdiction;
import java.time.LocalDate;

/**
 * A jurisdiction and the law that governs personal data in it, with where that fact comes from.
 *
 * @param code   the jurisdiction code, for example {@code EU}
 * @param name   a human name
 * @param law    the data-protection law, for example "GDPR (Regulation (EU) 2016/679)"
 * @param source where the fact comes from (an official citation or URL)
 * @param asOf   the date the fact was true as recorded
 */
public record JurisdictionConfig(Jurisdiction code, String name, String law, String source, LocalDate asOf) {
}
