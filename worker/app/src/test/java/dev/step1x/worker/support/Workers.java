package dev.step1x.worker.support;

import dev.step1x.worker.WorkerApplication;
import java.util.List;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** Workers in the test's own JVM, as full Spring Boot applications. */
public final class Workers {

    private Workers() {}

    /** Starts a worker with the given properties ({@link ItEnvironment#workerArgs}). */
    public static ConfigurableApplicationContext start(List<String> properties) {
        // as command-line arguments: they must win over application.properties
        return new SpringApplicationBuilder(WorkerApplication.class)
                .run(properties.stream().map(p -> "--" + p).toArray(String[]::new));
    }
}
