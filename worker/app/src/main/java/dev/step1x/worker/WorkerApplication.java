package dev.step1x.worker;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The Kafka-fed edit worker. Ingest, batching, storage and publishing arrive with the worker issue;
 * today the application exposes health and Prometheus metrics around the engine module.
 */
@SpringBootApplication
public class WorkerApplication {

    public static void main(String[] args) {
        SpringApplication.run(WorkerApplication.class, args);
    }
}
