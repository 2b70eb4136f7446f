package io.meridian.terraform;

import com.hashicorp.cdktf.App;
import com.hashicorp.cdktf.AppConfig;
import io.meridian.regions.RegionConfig;
import io.meridian.regions.RegionConfigs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Builds Meridian's Terraform stacks from region-configs: one {@link RegionStack} per region file and
 * one {@link GlobalStack}. Adding a region file adds a stack, with no code change.
 */
public final class MeridianInfra {

    private MeridianInfra() {
    }

    /** The stacks added to an app. */
    public record Stacks(List<RegionStack> regions, GlobalStack global) {

        public Stacks {
            regions = List.copyOf(regions);
        }
    }

    /**
     * Adds every stack to an app.
     *
     * @param app     the app; not null
     * @param configs the loaded region-configs; not null
     * @param sizing  instance types and counts; not null
     * @throws IllegalArgumentException when the regions' endpoints do not share one DNS zone, or a cloud
     *                                  region is unknown to {@link AwsRegion}
     */
    public static Stacks define(App app, RegionConfigs configs, Sizing sizing) {
        Objects.requireNonNull(app, "app must not be null");
        Objects.requireNonNull(configs, "configs must not be null");
        Objects.requireNonNull(sizing, "sizing must not be null");
        List<RegionConfig> regions = configs.regions();
        if (regions.isEmpty()) {
            throw new IllegalArgumentException("region-configs must declare at least one region, was none in "
                    + configs.directory());
        }
        List<RegionStack> stacks = new ArrayList<>();
        for (RegionConfig region : regions) {
            stacks.add(new RegionStack(app, region, sizing));
        }
        return new Stacks(stacks, new GlobalStack(app, regions, zoneOf(regions)));
    }

    /**
     * Synthesizes every stack as Terraform JSON into a directory: {@code manifest.json} and
     * {@code stacks/<stack>/cdk.tf.json}. The output depends only on the configs and the sizing, not on
     * the directory, the time or the machine.
     *
     * @param configs the loaded region-configs; not null
     * @param outDir  the output directory, created when missing; not null
     * @return the stacks that were written
     * @throws UncheckedIOException when the directory cannot be created
     */
    public static Stacks synth(RegionConfigs configs, Path outDir, Sizing sizing) {
        Objects.requireNonNull(outDir, "outDir must not be null");
        try {
            Files.createDirectories(outDir);
        } catch (IOException e) {
            throw new UncheckedIOException("output directory could not be created: " + outDir, e);
        }
        App app = new App(AppConfig.builder()
                .outdir(outDir.toAbsolutePath().toString())
                .stackTraces(false)
                .build());
        Stacks stacks = define(app, configs, sizing);
        app.synth();
        return stacks;
    }

    /**
     * The DNS zone the regions' endpoints live in: what follows the region id in each region's MQTT host
     * ({@code mqtt.eu-central.meridian.example} gives {@code meridian.example}).
     *
     * @throws IllegalArgumentException when a host does not contain its region id as a label, or when
     *                                  two regions disagree, naming both
     */
    static String zoneOf(List<RegionConfig> regions) {
        String zone = null;
        RegionConfig first = null;
        for (RegionConfig region : regions) {
            String host = region.endpoints().mqttHost();
            List<String> labels = List.of(host.split("\\."));
            int at = labels.indexOf(region.id().value());
            if (at < 0 || labels.size() - at < 3) {
                throw new IllegalArgumentException("region " + region.id() + " mqtt host must be <name>."
                        + region.id() + ".<zone> with a zone of at least two labels, was " + host);
            }
            String own = String.join(".", labels.subList(at + 1, labels.size()));
            if (zone == null) {
                zone = own;
                first = region;
            } else if (!zone.equals(own)) {
                throw new IllegalArgumentException("regions must share one DNS zone, but " + first.id()
                        + " uses " + zone + " and " + region.id() + " uses " + own);
            }
        }
        return zone;
    }
}
