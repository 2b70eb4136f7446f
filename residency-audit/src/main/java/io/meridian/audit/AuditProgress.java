package io.meridian.audit;

/** Told as an audit advances. Called from the engine's worker threads; implementations must be thread-safe and quick. */
@FunctionalInterface
public interface AuditProgress {

    /** Nothing is told. */
    AuditProgress NONE = (step, done, total) -> { };

    /**
     * @param step  what just finished, for example {@code "decisions eu-central"}
     * @param done  how many steps have finished
     * @param total how many steps the run has
     */
    void step(String step, int done, int total);
}
