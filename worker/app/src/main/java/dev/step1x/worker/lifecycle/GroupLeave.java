package dev.step1x.worker.lifecycle;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.MemberToRemove;
import org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Leaves the consumer group explicitly at shutdown (SIGTERM or a spot notice, which both close the context) when
 * the request consumer uses static membership ({@code group.instance.id}).
 *
 * <p>Why: a static member's consumer does not send LeaveGroup when it closes; the broker keeps its partitions
 * assigned to it, idle, until {@code session.timeout.ms} passes, in case the same instance comes back. For a worker
 * that is going away (spot reclaim, scale-in) that is dead time for its partitions. Kafka 4.1's
 * {@code Consumer.close(CloseOptions.groupMembershipOperation(LEAVE_GROUP))} would say so at close, but the
 * listener container closes the consumer itself with a plain {@code close()}; so once the container has stopped
 * (the acknowledged offsets committed by then) this removes the member through the Admin API, with the consumer's
 * own connection and security settings. The group then rebalances at once.
 *
 * <p>It stops after the request binding (a lower phase stops later), so the member is never removed while its
 * consumer could still commit. A failure is logged and costs only the wait for the session timeout.
 */
public final class GroupLeave implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(GroupLeave.class);

    /** Below the input binding's phase (Integer.MAX_VALUE - 1000): stops after the consumer closed. */
    public static final int PHASE = Integer.MAX_VALUE - 2000;

    /** Which static member to remove from which group, and how to reach the brokers. */
    public record Membership(String groupId, String instanceId, Map<String, Object> adminConfig) {}

    private final boolean enabled;
    private final Duration timeout;
    private volatile Membership membership;
    private volatile boolean running;

    /**
     * @param enabled whether to leave (off: a restarted worker with the same instance id gets its partitions back
     *                without a rebalance if it returns within the session timeout)
     * @param timeout how long the removal may take
     */
    public GroupLeave(boolean enabled, Duration timeout) {
        this.enabled = enabled;
        this.timeout = timeout;
    }

    /** Called with the request consumer's final configuration; remembers it when it names a group.instance.id. */
    public void consumerConfigured(Map<String, Object> consumerConfig) {
        Object instance = consumerConfig.get(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        Object group = consumerConfig.get(ConsumerConfig.GROUP_ID_CONFIG);
        if (instance == null || instance.toString().isBlank() || group == null) {
            return;
        }
        Map<String, Object> admin = new HashMap<>();
        consumerConfig.forEach((k, v) -> {
            if (AdminClientConfig.configNames().contains(k) && !k.equals(AdminClientConfig.CLIENT_ID_CONFIG)) {
                admin.put(k, v);
            }
        });
        membership = new Membership(group.toString(), instance.toString(), Map.copyOf(admin));
    }

    public Membership membership() {
        return membership;
    }

    @Override
    public void start() {
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        Membership m = membership;
        if (!enabled || m == null) {
            return;
        }
        long t0 = System.nanoTime();
        try (Admin admin = Admin.create(m.adminConfig())) {
            List<MemberToRemove> ours = admin.describeConsumerGroups(List.of(m.groupId())).describedGroups()
                    .get(m.groupId()).get(timeout.toMillis(), TimeUnit.MILLISECONDS).members().stream()
                    .map(member -> member.groupInstanceId().orElse(null))
                    .filter(id -> id != null && isOurs(m.instanceId(), id))
                    .map(MemberToRemove::new).toList();
            if (ours.isEmpty()) {
                log.info("static member {} is no longer in consumer group {}: nothing to leave", m.instanceId(),
                        m.groupId());
                return;
            }
            admin.removeMembersFromConsumerGroup(m.groupId(), new RemoveMembersFromConsumerGroupOptions(ours))
                    .all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            log.info("left consumer group {} as static member(s) {} in {} ms: their partitions move now, not after "
                    + "the session timeout", m.groupId(), ours.stream().map(MemberToRemove::groupInstanceId).toList(),
                    (System.nanoTime() - t0) / 1_000_000);
        } catch (ExecutionException e) {
            log.warn("could not leave consumer group {} as static member {} ({}); its partitions move after "
                    + "session.timeout.ms", m.groupId(), m.instanceId(), e.getCause().toString());
        } catch (TimeoutException e) {
            log.warn("leaving consumer group {} as static member {} took over {}; its partitions move after "
                    + "session.timeout.ms", m.groupId(), m.instanceId(), timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.warn("could not leave consumer group {} as static member {}: {}", m.groupId(), m.instanceId(),
                    e.toString());
        }
    }

    /**
     * The listener container gives each of its consumers the configured group.instance.id plus {@code -<index>}
     * ({@code worker-7-0}); the configured id alone counts too, for a container that does not.
     */
    public static boolean isOurs(String configured, String member) {
        return member.equals(configured) || (member.startsWith(configured + "-")
                && member.substring(configured.length() + 1).chars().allMatch(Character::isDigit)
                && member.length() > configured.length() + 1);
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
