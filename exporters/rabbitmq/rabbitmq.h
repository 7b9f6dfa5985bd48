// The RabbitMQ exporter: rabbitmq_prometheus-compatible metrics of each node
// in the `rabbitmq:` section (config.h), read from its management HTTP API —
// the node's own view (identity, memory, disk, fds, sockets, alarms, Erlang
// processes, connections, channels, consumers, its queues), aggregated as the
// plugin's /metrics or per queue as its /metrics/per-object, plus the cluster
// as this node sees it (nodes not running, partitions), which the plugin
// lacks. Metrics and requests: README.md.
#pragma once

#include <memory>
#include <vector>

#include "core/service.h"
#include "exporters/rabbitmq/config.h"

namespace vigia::rabbitmq {

// The area's collector, run by the service-target runtime (core/service.h):
// rabbitmq_up 0 for a node that cannot be read by the deadline.
std::shared_ptr<ServiceCollector> make_collector(const std::vector<TargetConfig>& targets);

}  // namespace vigia::rabbitmq
