package dev.step1x.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.step1x.worker.support.ItEnvironment;
import dev.step1x.worker.support.Workers;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Two workers with static membership (group.instance.id) and a long session timeout share four partitions; one is
 * shut down (context close: what SIGTERM and a spot notice both do). A static member's consumer does not leave the
 * group when it closes, so without the worker's explicit leave its partitions would sit idle for the whole session
 * timeout; with it they move to the other worker within seconds.
 */
class GroupLeaveIT {

    private static final Duration SESSION_TIMEOUT = Duration.ofSeconds(45);

    @Test
    void aStaticMemberShutDownHandsItsPartitionsOverLongBeforeTheSessionTimeout() throws Exception {
        ItEnvironment.start();
        ItEnvironment.Topics topics = ItEnvironment.Topics.of("leave-it", 4);
        String group = "leave-it-workers";
        List<String> args = ItEnvironment.workerArgs(topics,
                "spring.cloud.stream.bindings.ingest-in-0.group=" + group,
                "spring.cloud.stream.kafka.binder.consumer-properties.session.timeout.ms=" + SESSION_TIMEOUT.toMillis(),
                "spring.cloud.stream.kafka.binder.consumer-properties.heartbeat.interval.ms=1000",
                "worker.engine.mode=simulated",
                "worker.engine.warmup.enabled=false",
                "worker.kafka.static-membership=true",
                "worker.lifecycle.drain-grace=5s",
                "worker.metrics.snapshot-interval=0s");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, ItEnvironment.brokers()))) {
            ConfigurableApplicationContext a = Workers.start(RestartIT.append(args, "worker.id=leave-a"));
            ConfigurableApplicationContext b = Workers.start(RestartIT.append(args, "worker.id=leave-b"));
            try {
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                        .until(() -> assignment(admin, group).size() == 2
                                && assignment(admin, group).values().stream().allMatch(n -> n == 2));
                System.out.println("group-leave: before the shutdown " + assignment(admin, group));

                long t0 = System.nanoTime();
                a.close();
                double closeSeconds = (System.nanoTime() - t0) / 1e9;
                await().atMost(SESSION_TIMEOUT.multipliedBy(2)).pollInterval(Duration.ofMillis(100))
                        .until(() -> assignment(admin, group).equals(Map.of("leave-b-0", 4)));
                double movedSeconds = (System.nanoTime() - t0) / 1e9;
                System.out.printf("group-leave: leave-a closed in %.1f s; its partitions were on leave-b %.1f s after "
                        + "the shutdown began (session timeout %d s)%n", closeSeconds, movedSeconds,
                        SESSION_TIMEOUT.toSeconds());
                assertThat(movedSeconds).as("partitions reassigned well before session.timeout.ms")
                        .isLessThan(SESSION_TIMEOUT.toSeconds() / 3.0);
            } finally {
                a.close();
                b.close();
            }
        }
    }

    /**
     * Partitions per static member of the group, as the group coordinator has them; the listener container makes
     * the member id {@code <group.instance.id>-0}.
     */
    private static Map<String, Integer> assignment(Admin admin, String group) throws Exception {
        ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).describedGroups().get(group).get();
        Map<String, Integer> byMember = new TreeMap<>();
        for (MemberDescription m : d.members()) {
            byMember.put(m.groupInstanceId().orElse(m.consumerId()), m.assignment().topicPartitions().size());
        }
        return byMember;
    }
}
