package dev.step1x.engine.cli;

import dev.step1x.engine.runtime.EngineBuildInfo;
import dev.step1x.engine.runtime.EngineRuntime;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code step1x-edit info}: starts the engine and prints versions and the device. */
@Command(name = "info", sortOptions = false,
        header = "Start the engine and print the versions and the device.",
        description = "Start the engine and print the versions, the device and the natives it expects.")
final class InfoCommand implements Callable<Integer> {

    @ParentCommand
    Step1xEditCli cli;

    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Override
    public Integer call() {
        EngineRuntime rt = EngineRuntime.start(common.options(spec, false));
        cli.out.println(rt.describe());
        cli.out.println("expects natives " + EngineBuildInfo.current().nativeCoordinates());
        return Step1xEditCli.OK;
    }
}
