// Readers of the RabbitMQ management API's JSON (GET /api/overview,
// /api/nodes, paginated /api/queues and /api/connections): pure functions of
// the body, so they are unit-tested from literals and fuzzed
// (tests/fuzz/rabbitmq_json_fuzz.cc). simdjson's On-Demand parser: fields are
// read in one pass as they come, nothing else is kept.
//
// Numbers absent or null in the body are NaN (the series is then not
// written); a body that is not JSON of the expected shape is an error naming
// what was expected.
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace vigia::rabbitmq {

constexpr double kNaN = NAN;

// The cluster-wide message counters of /api/overview's message_stats (the
// stats database's totals since the nodes started), named by their keys.
struct MessageStats {
  double publish = kNaN, confirm = kNaN, drop_unroutable = kNaN, return_unroutable = kNaN;
  double deliver_get = kNaN, deliver = kNaN, deliver_no_ack = kNaN, get = kNaN, get_no_ack = kNaN;
  double get_empty = kNaN, redeliver = kNaN, ack = kNaN;
};

struct Overview {
  std::string node;  // the node that answered
  std::string cluster_name;
  std::string rabbitmq_version;
  std::string erlang_version;
  bool has_message_stats = false;  // message_stats was an object (the stats database runs)
  MessageStats message_stats;
  double consumers = kNaN;  // object_totals.consumers
};

struct NodeInfo {
  std::string name;
  bool running = false;
  double mem_used = kNaN, mem_limit = kNaN;
  double disk_free = kNaN, disk_free_limit = kNaN;
  double fd_used = kNaN, fd_total = kNaN;
  double sockets_used = kNaN, sockets_total = kNaN;
  double proc_used = kNaN, proc_total = kNaN;
  double uptime_ms = kNaN;
  double mem_alarm = kNaN, disk_free_alarm = kNaN;  // 0 or 1
  double partitions = 0;                            // nodes this one cannot see
  std::string prometheus_plugin_version;            // from `applications`, if running
  std::string prometheus_client_version;
  // Churn counters since the node started (the same core metrics the plugin reads).
  double connection_created = kNaN, connection_closed = kNaN;
  double channel_created = kNaN, channel_closed = kNaN;
  double queue_declared = kNaN, queue_created = kNaN, queue_deleted = kNaN;
};

struct QueueInfo {
  std::string vhost, name, node;
  double messages_ready = kNaN, messages_unacked = kNaN, messages = kNaN, consumers = kNaN;
  double published = kNaN, delivered = kNaN, acked = kNaN;  // message_stats publish/deliver_get/ack
};

struct ConnectionInfo {
  std::string node;
  double channels = kNaN;
};

// A paginated listing's envelope.
struct PageInfo {
  int64_t page = 0, page_count = 0, total_count = 0, filtered_count = 0, item_count = 0;
};

// Each copies `body` into a padded buffer first (simdjson reads up to 64
// bytes past the end): one memcpy, small beside the parse.
Status parse_overview(std::string_view body, Overview& out);
Status parse_nodes(std::string_view body, std::vector<NodeInfo>& out);
// A page of /api/queues?page=N (or the unpaginated array of /api/queues): each item is handed to `each` (as
// it is read; the reference is valid during the call only).
Status parse_queue_page(std::string_view body, PageInfo& page,
                        const std::function<void(const QueueInfo&)>& each);
// GET /api/global-parameters/NAME: {"name": ..., "value": "..."}, a string value.
Status parse_global_parameter(std::string_view body, std::string& value);
Status parse_connection_page(std::string_view body, PageInfo& page,
                             const std::function<void(const ConnectionInfo&)>& each);

}  // namespace vigia::rabbitmq
