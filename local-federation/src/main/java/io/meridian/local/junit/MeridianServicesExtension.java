package io.meridian.local.junit;

import io.meridian.local.process.StateDirectory;
import io.meridian.local.service.BackingService;
import io.meridian.local.service.Backend;
import io.meridian.local.service.Federation;
import io.meridian.local.service.ServiceContext;
import io.meridian.local.service.ServiceRegistry;
import io.meridian.local.service.ServiceRequest;
import io.meridian.regions.RegionConfigs;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * Starts what {@link MeridianServices} asks for, once per test run, and injects it. The running
 * {@link Federation} lives in the root context's store, which closes it (stopping every service) when the
 * run ends.
 *
 * <p>State lives under {@code target/meridian-services} of the working directory (override with
 * {@value #STATE_PROPERTY}); start parallelism is {@value #PARALLELISM_PROPERTY} (default 3).
 */
public final class MeridianServicesExtension implements BeforeAllCallback, ParameterResolver {

    /** System property naming the tests' state directory. */
    public static final String STATE_PROPERTY = "meridian.test.state.dir";
    /** System property with the number of services started at once. */
    public static final String PARALLELISM_PROPERTY = "meridian.start.parallelism";

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(MeridianServicesExtension.class);
    private static final String KEY = "federation";

    @Override
    public void beforeAll(ExtensionContext context) {
        federation(context).start(requests(context), Federation.Listener.NONE);
    }

    /** The run-wide federation, opened by the first class that needs it. */
    static Federation federation(ExtensionContext context) {
        ExtensionContext.Store store = context.getRoot().getStore(NS);
        // Federation is AutoCloseable: JUnit closes it when the root context closes, at the end of the run.
        return store.getOrComputeIfAbsent(KEY, k -> open(), Federation.class);
    }

    private static Federation open() {
        Path state = Path.of(System.getProperty(STATE_PROPERTY, "target/meridian-services"));
        ServiceContext ctx = ServiceContext.ephemeral(RegionConfigs.loadDefault(), StateDirectory.at(state), Backend.select());
        int parallelism = Integer.getInteger(PARALLELISM_PROPERTY, Federation.DEFAULT_PARALLELISM);
        return Federation.open(ctx, ServiceRegistry.load(), parallelism);
    }

    static List<ServiceRequest> requests(ExtensionContext context) {
        MeridianServices spec = AnnotationSupport.findAnnotation(context.getRequiredTestClass(), MeridianServices.class)
                .orElseThrow(() -> new IllegalStateException(context.getRequiredTestClass().getName()
                        + " must be annotated with @" + MeridianServices.class.getSimpleName()));
        List<ServiceRequest> out = new ArrayList<>();
        if (spec.keycloak()) {
            out.add(ServiceRequest.of("keycloak"));
        }
        for (String r : spec.cassandra()) {
            out.add(ServiceRequest.of("cassandra", r));
        }
        for (String r : spec.kafka()) {
            out.add(ServiceRequest.of("kafka", r));
        }
        if (spec.s3()) {
            out.add(ServiceRequest.of("s3"));
        }
        if (spec.kinesis()) {
            out.add(ServiceRequest.of("kinesis"));
        }
        for (String k : spec.other()) {
            out.add(ServiceRequest.of(k));
        }
        return out;
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == Federation.class || BackingService.class.isAssignableFrom(type);
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Federation federation = federation(context);
        Class<?> type = parameter.getParameter().getType();
        if (type == Federation.class) {
            return federation;
        }
        Optional<String> region = parameter.findAnnotation(Region.class).map(Region::value);
        // Only what this class asked for: a test must not silently depend on another class's services.
        List<BackingService> candidates = requests(context).stream()
                .filter(r -> region.isEmpty() || r.region().equals(region))
                .map(r -> federation.service(r.serviceName()))
                .flatMap(Optional::stream)
                .filter(type::isInstance)
                .toList();
        if (candidates.size() != 1) {
            throw new ParameterResolutionException("parameter " + parameter.getParameter() + " must match exactly one"
                    + " requested running service" + region.map(r -> " in region " + r).orElse("") + ", matched "
                    + candidates.stream().map(BackingService::name).toList() + (candidates.isEmpty() ? "" : "; add @Region"));
        }
        return candidates.get(0);
    }
}
