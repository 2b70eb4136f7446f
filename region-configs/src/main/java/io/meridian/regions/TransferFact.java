package io.meridian.regions;

import io.meridian.policy.model.Jurisdiction;
import io.meridian.policy.model.TransferBasis;
import java.time.LocalDate;

/**
 * The recorded legal basis for transfers from one jurisdiction to another.
 *
 * @param from   source jurisdiction
 * @param to     destination jurisdiction
 * @param basis  the basis
 * @param source where the fact comes from
 * @param asOf   the date the fact was true as recorded
 * @param note   an optional explanation, empty when none
 */
public record TransferFact(
        Jurisdiction from, Jurisdiction to, TransferBasis basis, String source, LocalDate asOf, String note) {
}
