#include "exporters/rabbitmq/rabbitmq.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "core/http_client.h"
#include "core/secret.h"
#include "exporters/rabbitmq/api.h"

namespace vigia::rabbitmq {
namespace {

constexpr const char* kUpMetric = "rabbitmq_up";
constexpr const char* kUpHelp = "1 if the node's management API answered the scrape";
// One page of 500 queues with the columns asked is about 150 KiB; the largest
// answer (the nodes with their applications) a few KiB per node. A larger body
// is not what was asked for, and is not read further.
constexpr size_t kMaxBody = 16 << 20;
// Pages read per listing at most (a runaway page_count must not loop).
constexpr int64_t kMaxPages = 10000;

// Without the stats database (queue_stats: false): the depths only, which
// the API then computes from the queues themselves (enable_queue_totals).
constexpr const char* kQueueColumnsNoStats =
    "name,vhost,node,messages_ready,messages_unacknowledged,messages&disable_stats=true&enable_queue_totals="
    "true";
constexpr const char* kQueueColumns =
    "name,vhost,node,messages_ready,messages_unacknowledged,messages,consumers,"
    "message_stats.publish,message_stats.deliver_get,message_stats.ack";
constexpr const char* kNodeColumns =
    "name,running,mem_used,mem_limit,mem_alarm,disk_free,disk_free_limit,disk_free_alarm,fd_used,"
    "fd_total,sockets_used,sockets_total,proc_used,proc_total,uptime,partitions,applications,"
    "connection_created,connection_closed,channel_created,channel_closed,queue_declared,queue_created,"
    "queue_deleted";
constexpr const char* kOverviewColumns =
    "node,cluster_name,rabbitmq_version,erlang_version,message_stats,object_totals";

// The plugin's global message counters (rabbitmq_global_*, protocol="amqp091"), from the
// cluster-wide /api/overview message_stats of the same events.
const struct {
  const char* name;
  const char* help;
  double MessageStats::*field;
} kGlobalCounters[] = {
    {"rabbitmq_global_messages_received_total", "Total number of messages received from publishers",
     &MessageStats::publish},
    {"rabbitmq_global_messages_confirmed_total", "Total number of messages confirmed to publishers",
     &MessageStats::confirm},
    {"rabbitmq_global_messages_unroutable_dropped_total",
     "Total number of messages published as non-mandatory into an exchange and dropped as unroutable",
     &MessageStats::drop_unroutable},
    {"rabbitmq_global_messages_unroutable_returned_total",
     "Total number of messages published as mandatory into an exchange and returned to the publisher as "
     "unroutable",
     &MessageStats::return_unroutable},
    {"rabbitmq_global_messages_delivered_total", "Total number of messages delivered to consumers",
     &MessageStats::deliver_get},
    {"rabbitmq_global_messages_delivered_consume_manual_ack_total",
     "Total number of messages delivered to consumers using basic.consume with manual acknowledgment",
     &MessageStats::deliver},
    {"rabbitmq_global_messages_delivered_consume_auto_ack_total",
     "Total number of messages delivered to consumers using basic.consume with automatic acknowledgment",
     &MessageStats::deliver_no_ack},
    {"rabbitmq_global_messages_delivered_get_manual_ack_total",
     "Total number of messages delivered to consumers using basic.get with manual acknowledgment",
     &MessageStats::get},
    {"rabbitmq_global_messages_delivered_get_auto_ack_total",
     "Total number of messages delivered to consumers using basic.get with automatic acknowledgment",
     &MessageStats::get_no_ack},
    {"rabbitmq_global_messages_get_empty_total",
     "Total number of times basic.get operations fetched no message", &MessageStats::get_empty},
    {"rabbitmq_global_messages_redelivered_total", "Total number of messages redelivered to consumers",
     &MessageStats::redeliver},
    {"rabbitmq_global_messages_acknowledged_total", "Total number of messages acknowledged by consumers",
     &MessageStats::ack},
};

// Sums (aggregated mode) of the queue fields of this node's queues.
struct QueueTotals {
  double count = 0, ready = 0, unacked = 0, messages = 0, consumers = 0;
  double published = 0, delivered = 0, acked = 0;
  void add(const QueueInfo& q) {
    auto add1 = [](double& sum, double v) {
      if (!std::isnan(v)) sum += v;
    };
    count += 1;
    add1(ready, q.messages_ready);
    add1(unacked, q.messages_unacked);
    add1(messages, q.messages);
    add1(consumers, q.consumers);
    add1(published, q.published);
    add1(delivered, q.delivered);
    add1(acked, q.acked);
  }
};

struct QueueFamily {
  const char* name;
  const char* help;
  MetricType type;
  double QueueInfo::*field;
  double QueueTotals::*total;
};

const QueueFamily kQueueFamilies[] = {
    {"rabbitmq_queue_messages_ready", "Messages ready to be delivered to consumers", MetricType::kGauge,
     &QueueInfo::messages_ready, &QueueTotals::ready},
    {"rabbitmq_queue_messages_unacked", "Messages delivered to consumers but not yet acknowledged",
     MetricType::kGauge, &QueueInfo::messages_unacked, &QueueTotals::unacked},
    {"rabbitmq_queue_messages", "Sum of ready and unacknowledged messages - total queue depth",
     MetricType::kGauge, &QueueInfo::messages, &QueueTotals::messages},
    {"rabbitmq_queue_consumers", "Consumers on a queue", MetricType::kGauge, &QueueInfo::consumers,
     &QueueTotals::consumers},
    {"vigia_rabbitmq_queue_messages_published_total",
     "Messages published to the queue (management stats: message_stats.publish)", MetricType::kCounter,
     &QueueInfo::published, &QueueTotals::published},
    {"vigia_rabbitmq_queue_messages_delivered_total",
     "Messages delivered from the queue to consumers or basic.get (message_stats.deliver_get)",
     MetricType::kCounter, &QueueInfo::delivered, &QueueTotals::delivered},
    {"vigia_rabbitmq_queue_messages_acked_total", "Messages acknowledged by consumers (message_stats.ack)",
     MetricType::kCounter, &QueueInfo::acked, &QueueTotals::acked},
};

class RabbitTarget final : public ServiceTarget {
 public:
  explicit RabbitTarget(TargetConfig cfg) : cfg_(std::move(cfg)) {}
  const std::string& name() const override { return cfg_.name; }
  void interrupt() override { client_.interrupt(); }

  Status collect(const CollectContext& ctx, MetricSink& sink) override {
    password_.clear();
    Status st = collect_all(ctx, sink);
    if (!st.is_ok()) {
      sink.gauge(kUpMetric, kUpHelp, 0);
      return Status::error(redact(st.message(), password_));
    }
    return st;
  }

 private:
  // GET path (relative to the base URL) into body; an error unless 200.
  Status get(const CollectContext& ctx, const std::string& path, std::string& body) {
    HttpClientRequest req;
    req.url = cfg_.url + path;
    req.timeout = std::max(ctx.remaining(), std::chrono::milliseconds(1));
    req.max_body_bytes = kMaxBody;
    if (!cfg_.username.empty()) req.headers.emplace_back("Authorization", auth_);
    HttpClientResponse resp = client_.fetch(req);
    if (!resp.ok()) return Status::error(resp.error);
    if (resp.status != 200) {
      std::string msg = cfg_.url + path + ": expected 200 response, got " + std::to_string(resp.status);
      if (resp.status == 401) msg += " (wrong username or password, or no access to the management API)";
      return Status::error(msg);
    }
    body = std::move(resp.body);
    return Status::ok();
  }

  Status collect_all(const CollectContext& ctx, MetricSink& sink) {
    if (!cfg_.username.empty()) {
      if (Status st = load_secret(cfg_.password, password_); !st.is_ok())
        return Status::error(cfg_.url + ": " + st.message());
      auth_ = basic_auth_header(cfg_.username, password_);
    }
    std::string body;
    Overview ov;
    if (Status st = get(ctx, std::string("/api/overview?columns=") + kOverviewColumns, body); !st.is_ok())
      return st;
    if (Status st = parse_overview(body, ov); !st.is_ok())
      return Status::error(cfg_.url + ": " + st.message());

    std::vector<NodeInfo> nodes;
    if (Status st = get(ctx, std::string("/api/nodes?columns=") + kNodeColumns, body); !st.is_ok()) return st;
    if (Status st = parse_nodes(body, nodes); !st.is_ok())
      return Status::error(cfg_.url + ": " + st.message());
    const NodeInfo* self = nullptr;
    for (const NodeInfo& n : nodes)
      if (n.name == ov.node) self = &n;
    if (self == nullptr) return Status::error(cfg_.url + ": node " + ov.node + " not in /api/nodes");

    // The cluster's permanent id: a global parameter, readable by administrators
    // only. Asked until it is read, or denied once (a monitoring user): it never changes.
    if (cluster_id_.empty() && !cluster_id_denied_) {
      Status st = get(ctx, "/api/global-parameters/internal_cluster_id", body);
      if (st.is_ok())
        (void)parse_global_parameter(body, cluster_id_);
      else if (st.message().find("got 401") != std::string::npos ||
               st.message().find("got 403") != std::string::npos)
        cluster_id_denied_ = true;
    }

    // Connections and their channels on this node.
    double connections = 0, channels = 0;
    Status st =
        list(ctx, "/api/connections", "node,channels", body, [&](std::string_view page_body, PageInfo& p) {
          return parse_connection_page(page_body, p, [&](const ConnectionInfo& c) {
            if (c.node != ov.node) return;
            connections += 1;
            if (!std::isnan(c.channels)) channels += c.channels;
          });
        });
    if (!st.is_ok()) return st;

    // This node's queues (the plugin reports the queues whose leader runs here).
    QueueTotals totals;
    std::vector<QueueInfo> queues;
    bool capped = false;
    st = list(
        ctx, "/api/queues", cfg_.queue_stats ? kQueueColumns : kQueueColumnsNoStats, body,
        [&](std::string_view page_body, PageInfo& p) {
          return parse_queue_page(page_body, p, [&](const QueueInfo& q) {
            if (q.node != ov.node || !cfg_.wants(q.name)) return;
            if (totals.count >= cfg_.max_queues) {
              capped = true;
              return;
            }
            totals.add(q);
            if (cfg_.per_object) queues.push_back(q);
          });
        },
        &capped);
    if (!st.is_ok()) return st;

    sink.gauge(kUpMetric, kUpHelp, 1);
    write_node(sink, ov, *self, cluster_id_);
    sink.gauge("rabbitmq_connections", "Connections currently open", connections);
    sink.gauge("rabbitmq_channels", "Channels currently open", channels);
    if (cfg_.queue_stats) sink.gauge("rabbitmq_consumers", "Consumers currently connected", totals.consumers);
    sink.gauge("rabbitmq_queues", "Queues available", totals.count);
    write_queues(sink, totals, queues);
    sink.gauge("vigia_rabbitmq_queues_capped",
               "1 if max_queues stopped the reading of this node's queues (the queue series are partial)",
               capped ? 1 : 0);
    write_cluster(sink, nodes, *self);
    if (reports_cluster_totals(nodes, *self)) write_global(sink, ov);
    return Status::ok();
  }

  // Reads every page of a paginated listing (page_size per page), calling
  // parse(body, page) on each; stops early once *stop is set.
  template <typename Parse>
  Status list(const CollectContext& ctx, const char* path, const char* columns, std::string& body,
              Parse parse, const bool* stop = nullptr) {
    for (int64_t page = 1; page <= kMaxPages; ++page) {
      // page_size 0: the whole listing in one answer (a JSON array).
      std::string q = cfg_.page_size == 0
                          ? std::string(path) + "?columns=" + columns
                          : std::string(path) + "?page=" + std::to_string(page) +
                                "&page_size=" + std::to_string(cfg_.page_size) + "&columns=" + columns;
      if (Status st = get(ctx, q, body); !st.is_ok()) return st;
      PageInfo p;
      if (Status st = parse(body, p); !st.is_ok())
        return Status::error(cfg_.url + path + ": " + st.message());
      if (page >= p.page_count || (stop && *stop)) return Status::ok();
    }
    return Status::error(cfg_.url + path + ": more than " + std::to_string(kMaxPages) + " pages");
  }

  void write_node(MetricSink& sink, const Overview& ov, const NodeInfo& n, const std::string& cluster_id) {
    sink.family("rabbitmq_identity_info", "RabbitMQ node & cluster identity info", MetricType::kUntyped);
    Label id[] = {{"rabbitmq_node", ov.node},
                  {"rabbitmq_cluster", ov.cluster_name},
                  {"rabbitmq_cluster_permanent_id", cluster_id}};
    sink.sample("rabbitmq_identity_info", Labels(id), 1);
    sink.family("rabbitmq_build_info", "RabbitMQ & Erlang/OTP version info", MetricType::kUntyped);
    Label build[] = {{"rabbitmq_version", ov.rabbitmq_version},
                     {"prometheus_plugin_version", n.prometheus_plugin_version},
                     {"prometheus_client_version", n.prometheus_client_version},
                     {"erlang_version", ov.erlang_version}};
    sink.sample("rabbitmq_build_info", Labels(build), 1);
    auto gauge = [&](const char* name, const char* help, double v, MetricType type = MetricType::kGauge) {
      if (std::isnan(v)) return;
      sink.family(name, help, type);
      sink.sample(name, {}, v);
    };
    gauge("rabbitmq_process_resident_memory_bytes", "Memory used in bytes", n.mem_used);
    gauge("rabbitmq_resident_memory_limit_bytes", "Memory high watermark in bytes", n.mem_limit);
    gauge("rabbitmq_process_open_fds", "Open file descriptors", n.fd_used);
    gauge("rabbitmq_process_max_fds", "Open file descriptors limit", n.fd_total);
    gauge("rabbitmq_process_open_tcp_sockets", "Open TCP sockets", n.sockets_used);
    gauge("rabbitmq_process_max_tcp_sockets", "Open TCP sockets limit", n.sockets_total);
    gauge("rabbitmq_disk_space_available_bytes", "Disk space available in bytes", n.disk_free);
    gauge("rabbitmq_disk_space_available_limit_bytes", "Free disk space low watermark in bytes",
          n.disk_free_limit);
    gauge("rabbitmq_alarms_memory_used_watermark", "is 1 if VM memory watermark alarm is in effect",
          n.mem_alarm, MetricType::kUntyped);
    gauge("rabbitmq_alarms_free_disk_space_watermark", "is 1 if free disk space watermark alarm is in effect",
          n.disk_free_alarm, MetricType::kUntyped);
    // The management API has no file descriptor alarm: every descriptor in use is one.
    if (!std::isnan(n.fd_used) && !std::isnan(n.fd_total))
      gauge("rabbitmq_alarms_file_descriptor_limit", "is 1 if file descriptor limit alarm is in effect",
            n.fd_total > 0 && n.fd_used >= n.fd_total ? 1 : 0, MetricType::kUntyped);
    gauge("rabbitmq_erlang_processes_used", "Erlang processes used", n.proc_used);
    gauge("rabbitmq_erlang_processes_limit", "Erlang processes limit", n.proc_total);
    gauge("rabbitmq_erlang_uptime_seconds", "Node uptime", n.uptime_ms / 1000);
    gauge("rabbitmq_connections_opened_total", "Total number of connections opened", n.connection_created,
          MetricType::kCounter);
    gauge("rabbitmq_connections_closed_total", "Total number of connections closed or terminated",
          n.connection_closed, MetricType::kCounter);
    gauge("rabbitmq_channels_opened_total", "Total number of channels opened", n.channel_created,
          MetricType::kCounter);
    gauge("rabbitmq_channels_closed_total", "Total number of channels closed", n.channel_closed,
          MetricType::kCounter);
    gauge("rabbitmq_queues_declared_total", "Total number of queues declared", n.queue_declared,
          MetricType::kCounter);
    gauge("rabbitmq_queues_created_total", "Total number of queues created", n.queue_created,
          MetricType::kCounter);
    gauge("rabbitmq_queues_deleted_total", "Total number of queues deleted", n.queue_deleted,
          MetricType::kCounter);
  }

  // /api/overview's message counters are the cluster's, whichever node answers:
  // one node writes them (the running member with the smallest name), so that a
  // sum over the cluster's targets, as the plugin's dashboards take, counts each
  // message once. A single node always writes them.
  static bool reports_cluster_totals(const std::vector<NodeInfo>& nodes, const NodeInfo& self) {
    for (const NodeInfo& n : nodes)
      if (n.running && n.name < self.name) return false;
    return true;
  }

  void write_global(MetricSink& sink, const Overview& ov) {
    Label proto[] = {{"protocol", "amqp091"}};
    if (ov.has_message_stats) {
      for (const auto& c : kGlobalCounters) {
        sink.family(c.name, c.help, MetricType::kCounter);
        sink.sample(c.name, Labels(proto), ov.message_stats.*c.field);
      }
    }
    if (cfg_.queue_stats && !std::isnan(ov.consumers)) {
      sink.family("rabbitmq_global_consumers", "Current number of consumers", MetricType::kGauge);
      sink.sample("rabbitmq_global_consumers", Labels(proto), ov.consumers);
    }
  }

  void write_queues(MetricSink& sink, const QueueTotals& totals, const std::vector<QueueInfo>& queues) {
    for (const QueueFamily& f : kQueueFamilies) {
      // Consumers and counters come from the stats database.
      if (!cfg_.queue_stats && f.field != &QueueInfo::messages_ready &&
          f.field != &QueueInfo::messages_unacked && f.field != &QueueInfo::messages)
        continue;
      sink.family(f.name, f.help, f.type);
      if (!cfg_.per_object) {
        sink.sample(f.name, {}, totals.*f.total);
        continue;
      }
      for (const QueueInfo& q : queues) {
        double v = q.*f.field;
        // Counters of a queue that has seen no traffic are absent from message_stats: 0.
        if (std::isnan(v)) {
          if (f.type != MetricType::kCounter) continue;
          v = 0;
        }
        Label l[] = {{"vhost", q.vhost}, {"queue", q.name}};
        sink.sample(f.name, Labels(l), v);
      }
    }
  }

  static void write_cluster(MetricSink& sink, const std::vector<NodeInfo>& nodes, const NodeInfo& self) {
    sink.family("vigia_rabbitmq_node_running",
                "1 if the cluster member is running, as the target node sees it (/api/nodes)",
                MetricType::kGauge);
    double not_running = 0;
    for (const NodeInfo& n : nodes) {
      Label l[] = {{"node", n.name}};
      sink.sample("vigia_rabbitmq_node_running", Labels(l), n.running ? 1 : 0);
      if (!n.running) not_running += 1;
    }
    sink.gauge("vigia_rabbitmq_cluster_nodes", "Cluster members known to the target node",
               static_cast<double>(nodes.size()));
    sink.gauge("vigia_rabbitmq_nodes_not_running", "Cluster members the target node sees as not running",
               not_running);
    sink.gauge("vigia_rabbitmq_partitions",
               "Cluster members the target node is partitioned from (network partition: 0 is healthy)",
               self.partitions);
  }

  TargetConfig cfg_;
  HttpClient client_;  // one collection at a time: the target's worker thread
  std::string password_;
  std::string auth_;
  std::string cluster_id_;
  bool cluster_id_denied_ = false;
};

}  // namespace

std::shared_ptr<ServiceCollector> make_collector(const std::vector<TargetConfig>& targets) {
  std::vector<std::unique_ptr<ServiceTarget>> ts;
  for (const TargetConfig& t : targets) ts.push_back(std::make_unique<RabbitTarget>(t));
  return std::make_shared<ServiceCollector>(ServiceArea{"rabbitmq", kUpMetric, kUpHelp}, std::move(ts));
}

}  // namespace vigia::rabbitmq
