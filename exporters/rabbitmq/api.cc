#include "exporters/rabbitmq/api.h"

#include <simdjson.h>

namespace vigia::rabbitmq {
namespace {

namespace od = simdjson::ondemand;

// A number (booleans as 0/1); NaN for null, a string or anything else.
double number(od::value v) {
  switch (v.type()) {
    case od::json_type::number: return v.get_double();
    case od::json_type::boolean: return bool(v.get_bool()) ? 1 : 0;
    default: return kNaN;
  }
}

// A string; empty for null or another type.
std::string text(od::value v) {
  if (v.type() != od::json_type::string) return {};
  return std::string(std::string_view(v.get_string()));
}

// Runs read(doc) under simdjson's exceptions, turning them into a Status.
template <typename F>
Status parse(std::string_view body, std::string_view what, F read) {
  try {
    simdjson::padded_string padded(body);
    od::parser parser;
    od::document doc = parser.iterate(padded);
    read(doc);
    if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS)
      return Status::error(std::string(what) + ": trailing content after the JSON value");
    return Status::ok();
  } catch (const simdjson::simdjson_error& e) {
    return Status::error(std::string(what) + ": invalid JSON: " + e.what());
  } catch (const std::runtime_error& e) {
    return Status::error(std::string(what) + ": " + e.what());
  }
}

void expect(bool cond, const char* msg) {
  if (!cond) throw std::runtime_error(msg);
}

// The applications list of a node: versions of the prometheus plugin and client.
void read_applications(od::value v, NodeInfo& n) {
  if (v.type() != od::json_type::array) return;
  for (od::value app : v.get_array()) {
    if (app.type() != od::json_type::object) continue;
    std::string name, version;
    for (od::field f : app.get_object()) {
      std::string_view k = f.unescaped_key();
      if (k == "name")
        name = text(f.value());
      else if (k == "version")
        version = text(f.value());
    }
    if (name == "rabbitmq_prometheus")
      n.prometheus_plugin_version = version;
    else if (name == "prometheus")
      n.prometheus_client_version = version;
  }
}

void read_node(od::object o, NodeInfo& n) {
  for (od::field f : o) {
    std::string_view k = f.unescaped_key();
    od::value v = f.value();
    if (k == "name")
      n.name = text(v);
    else if (k == "running")
      n.running = v.type() == od::json_type::boolean && bool(v.get_bool());
    else if (k == "mem_used")
      n.mem_used = number(v);
    else if (k == "mem_limit")
      n.mem_limit = number(v);
    else if (k == "mem_alarm")
      n.mem_alarm = number(v);
    else if (k == "disk_free")
      n.disk_free = number(v);
    else if (k == "disk_free_limit")
      n.disk_free_limit = number(v);
    else if (k == "disk_free_alarm")
      n.disk_free_alarm = number(v);
    else if (k == "fd_used")
      n.fd_used = number(v);
    else if (k == "fd_total")
      n.fd_total = number(v);
    else if (k == "sockets_used")
      n.sockets_used = number(v);
    else if (k == "sockets_total")
      n.sockets_total = number(v);
    else if (k == "proc_used")
      n.proc_used = number(v);
    else if (k == "proc_total")
      n.proc_total = number(v);
    else if (k == "uptime")
      n.uptime_ms = number(v);
    else if (k == "connection_created")
      n.connection_created = number(v);
    else if (k == "connection_closed")
      n.connection_closed = number(v);
    else if (k == "channel_created")
      n.channel_created = number(v);
    else if (k == "channel_closed")
      n.channel_closed = number(v);
    else if (k == "queue_declared")
      n.queue_declared = number(v);
    else if (k == "queue_created")
      n.queue_created = number(v);
    else if (k == "queue_deleted")
      n.queue_deleted = number(v);
    else if (k == "partitions") {
      if (v.type() == od::json_type::array) {
        size_t count = 0;
        for (od::value p : v.get_array()) {
          (void)p;
          ++count;
        }
        n.partitions = static_cast<double>(count);
      }
    } else if (k == "applications") {
      read_applications(v, n);
    }
  }
}

const struct {
  const char* key;
  double MessageStats::*field;
} kOverviewStats[] = {
    {"publish", &MessageStats::publish},
    {"confirm", &MessageStats::confirm},
    {"drop_unroutable", &MessageStats::drop_unroutable},
    {"return_unroutable", &MessageStats::return_unroutable},
    {"deliver_get", &MessageStats::deliver_get},
    {"deliver", &MessageStats::deliver},
    {"deliver_no_ack", &MessageStats::deliver_no_ack},
    {"get", &MessageStats::get},
    {"get_no_ack", &MessageStats::get_no_ack},
    {"get_empty", &MessageStats::get_empty},
    {"redeliver", &MessageStats::redeliver},
    {"ack", &MessageStats::ack},
};

// /api/overview's message_stats: a key never counted yet is absent (0).
void read_overview_stats(od::value v, Overview& o) {
  if (v.type() != od::json_type::object) return;
  o.has_message_stats = true;
  for (const auto& s : kOverviewStats) o.message_stats.*s.field = 0;
  for (od::field f : v.get_object()) {
    std::string_view k = f.unescaped_key();
    for (const auto& s : kOverviewStats)
      if (k == s.key) {
        double x = number(f.value());
        if (!std::isnan(x)) o.message_stats.*s.field = x;
        break;
      }
  }
}

void read_object_totals(od::value v, Overview& o) {
  if (v.type() != od::json_type::object) return;
  for (od::field f : v.get_object())
    if (std::string_view(f.unescaped_key()) == "consumers") o.consumers = number(f.value());
}

void read_message_stats(od::value v, QueueInfo& q) {
  if (v.type() != od::json_type::object) return;
  for (od::field f : v.get_object()) {
    std::string_view k = f.unescaped_key();
    if (k == "publish")
      q.published = number(f.value());
    else if (k == "deliver_get")
      q.delivered = number(f.value());
    else if (k == "ack")
      q.acked = number(f.value());
  }
}

void read_queue(od::object o, QueueInfo& q) {
  for (od::field f : o) {
    std::string_view k = f.unescaped_key();
    od::value v = f.value();
    if (k == "name")
      q.name = text(v);
    else if (k == "vhost")
      q.vhost = text(v);
    else if (k == "node")
      q.node = text(v);
    else if (k == "messages_ready")
      q.messages_ready = number(v);
    else if (k == "messages_unacknowledged")
      q.messages_unacked = number(v);
    else if (k == "messages")
      q.messages = number(v);
    else if (k == "consumers")
      q.consumers = number(v);
    else if (k == "message_stats")
      read_message_stats(v, q);
  }
}

void read_connection(od::object o, ConnectionInfo& c) {
  for (od::field f : o) {
    std::string_view k = f.unescaped_key();
    if (k == "node")
      c.node = text(f.value());
    else if (k == "channels")
      c.channels = number(f.value());
  }
}

int64_t integer(od::value v) {
  double d = number(v);
  return d >= 0 && d < 9e15 ? static_cast<int64_t>(d) : 0;
}

// {"items": [...], "page": N, ...}: the envelope's numbers, each item to item().
template <typename Item>
void read_page(od::document& doc, PageInfo& page, Item item) {
  if (doc.type() == od::json_type::array) {  // unpaginated: the items alone
    int64_t n = 0;
    for (od::value it : doc.get_array()) {
      expect(it.type() == od::json_type::object, "expected each item to be an object");
      item(it.get_object());
      ++n;
    }
    page.page = page.page_count = 1;
    page.total_count = page.filtered_count = page.item_count = n;
    return;
  }
  expect(doc.type() == od::json_type::object, "expected a JSON object (a paginated listing) or an array");
  bool items = false;
  for (od::field f : doc.get_object()) {
    std::string_view k = f.unescaped_key();
    od::value v = f.value();
    if (k == "items") {
      expect(v.type() == od::json_type::array, "expected \"items\" to be an array");
      for (od::value it : v.get_array()) {
        expect(it.type() == od::json_type::object, "expected each item to be an object");
        item(it.get_object());
      }
      items = true;
    } else if (k == "page") {
      page.page = integer(v);
    } else if (k == "page_count") {
      page.page_count = integer(v);
    } else if (k == "total_count") {
      page.total_count = integer(v);
    } else if (k == "filtered_count") {
      page.filtered_count = integer(v);
    } else if (k == "item_count") {
      page.item_count = integer(v);
    }
  }
  expect(items, "expected a paginated listing with \"items\"");
}

}  // namespace

Status parse_overview(std::string_view body, Overview& out) {
  return parse(body, "overview", [&](od::document& doc) {
    expect(doc.type() == od::json_type::object, "expected a JSON object");
    Overview o;
    for (od::field f : doc.get_object()) {
      std::string_view k = f.unescaped_key();
      od::value v = f.value();
      if (k == "node")
        o.node = text(v);
      else if (k == "cluster_name")
        o.cluster_name = text(v);
      else if (k == "rabbitmq_version")
        o.rabbitmq_version = text(v);
      else if (k == "erlang_version")
        o.erlang_version = text(v);
      else if (k == "message_stats")
        read_overview_stats(v, o);
      else if (k == "object_totals")
        read_object_totals(v, o);
    }
    expect(!o.node.empty(), "expected \"node\" (the answering node's name)");
    out = std::move(o);
  });
}

Status parse_nodes(std::string_view body, std::vector<NodeInfo>& out) {
  return parse(body, "nodes", [&](od::document& doc) {
    expect(doc.type() == od::json_type::array, "expected a JSON array");
    std::vector<NodeInfo> nodes;
    for (od::value v : doc.get_array()) {
      expect(v.type() == od::json_type::object, "expected each node to be an object");
      NodeInfo n;
      read_node(v.get_object(), n);
      expect(!n.name.empty(), "expected each node to have a \"name\"");
      nodes.push_back(std::move(n));
    }
    out = std::move(nodes);
  });
}

Status parse_global_parameter(std::string_view body, std::string& value) {
  return parse(body, "global parameter", [&](od::document& doc) {
    expect(doc.type() == od::json_type::object, "expected a JSON object");
    std::string v;
    for (od::field f : doc.get_object())
      if (std::string_view(f.unescaped_key()) == "value") v = text(f.value());
    value = std::move(v);
  });
}

Status parse_queue_page(std::string_view body, PageInfo& page,
                        const std::function<void(const QueueInfo&)>& each) {
  return parse(body, "queues", [&](od::document& doc) {
    read_page(doc, page, [&](od::object o) {
      QueueInfo q;
      read_queue(o, q);
      each(q);
    });
  });
}

Status parse_connection_page(std::string_view body, PageInfo& page,
                             const std::function<void(const ConnectionInfo&)>& each) {
  return parse(body, "connections", [&](od::document& doc) {
    read_page(doc, page, [&](od::object o) {
      ConnectionInfo c;
      read_connection(o, c);
      each(c);
    });
  });
}

}  // namespace vigia::rabbitmq
