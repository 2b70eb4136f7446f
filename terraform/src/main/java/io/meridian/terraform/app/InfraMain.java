package io.meridian.terraform.app;

import io.meridian.regions.RegionConfigException;
import io.meridian.regions.RegionConfigs;
import io.meridian.terraform.MeridianInfra;
import io.meridian.terraform.RegionStack;
import io.meridian.terraform.Sizing;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code meridian infra}: synthesizes the Terraform stacks from region-configs.
 *
 * <pre>
 * java -cp ... io.meridian.terraform.app.InfraMain synth --out DIR [--config-dir DIR]
 * </pre>
 */
@Command(name = "infra", mixinStandardHelpOptions = true,
        description = "Terraform stacks for Meridian, generated from region-configs.",
        subcommands = InfraMain.Synth.class)
public final class InfraMain implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /**
     * Runs the command and returns its exit code: 0 on success, 1 when the configuration is wrong or the
     * output cannot be written (the message, naming the culprit, goes to stderr without a stack trace),
     * 2 for a usage error.
     */
    public static int execute(String... args) {
        return new CommandLine(new InfraMain())
                .setExecutionExceptionHandler(InfraMain::reportExpected)
                .execute(args);
    }

    private static int reportExpected(Exception e, CommandLine command, CommandLine.ParseResult parsed)
            throws Exception {
        if (e instanceof RegionConfigException || e instanceof IllegalArgumentException
                || e instanceof IllegalStateException || e instanceof UncheckedIOException) {
            command.getErr().println("meridian infra: " + e.getMessage());
            return 1;
        }
        throw e;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: synth");
    }

    @Command(name = "synth", mixinStandardHelpOptions = true,
            description = "Write one Terraform JSON stack per region plus a global stack.")
    static final class Synth implements Callable<Integer> {

        @Option(names = "--out", defaultValue = ".meridian/infra",
                description = "output directory (default: ${DEFAULT-VALUE})")
        Path out;

        @Option(names = "--config-dir",
                description = "region-configs directory (default: -Dmeridian.config.dir, $MERIDIAN_CONFIG_DIR,"
                        + " or the nearest region-configs above the working directory)")
        Path configDir;

        @Override
        public Integer call() {
            RegionConfigs configs = configDir == null ? RegionConfigs.loadDefault() : RegionConfigs.load(configDir);
            long started = System.nanoTime();
            var stacks = MeridianInfra.synth(configs, out, Sizing.SMALLEST);
            long millis = (System.nanoTime() - started) / 1_000_000;
            for (RegionStack stack : stacks.regions()) {
                System.out.println(out.resolve("stacks").resolve(RegionStack.stackName(stack.region().id().value()))
                        .resolve("cdk.tf.json") + "  (" + stack.region().cloudRegion() + ")");
            }
            System.out.println(out.resolve("stacks").resolve("global").resolve("cdk.tf.json"));
            System.out.println("synthesized " + (stacks.regions().size() + 1) + " stacks from "
                    + configs.directory() + " in " + millis + " ms");
            return 0;
        }
    }
}
