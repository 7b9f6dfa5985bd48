#include "exporters/redis/info.h"

#include <algorithm>
#include <charconv>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "core/fs.h"
#include "core/text.h"

namespace vigia::redis {
namespace {

struct Field {
  const char* key;     // INFO field
  const char* metric;  // redis_exporter 1.45's name
  bool counter;
};

// redis_exporter 1.45's mapping of INFO fields (its gauge and counter maps),
// without the Tile38 and KeyDB-only ones.
constexpr Field kFields[] = {
    {"uptime_in_seconds", "redis_uptime_in_seconds", false},
    {"process_id", "redis_process_id", false},
    {"io_threads_active", "redis_io_threads_active", false},
    {"connected_clients", "redis_connected_clients", false},
    {"blocked_clients", "redis_blocked_clients", false},
    {"tracking_clients", "redis_tracking_clients", false},
    {"clients_in_timeout_table", "redis_clients_in_timeout_table", false},
    {"client_longest_output_list", "redis_client_longest_output_list", false},
    {"client_biggest_input_buf", "redis_client_biggest_input_buf", false},
    {"client_recent_max_output_buffer", "redis_client_recent_max_output_buffer_bytes", false},
    {"client_recent_max_input_buffer", "redis_client_recent_max_input_buffer_bytes", false},
    {"allocator_active", "redis_allocator_active_bytes", false},
    {"allocator_allocated", "redis_allocator_allocated_bytes", false},
    {"allocator_resident", "redis_allocator_resident_bytes", false},
    {"allocator_frag_ratio", "redis_allocator_frag_ratio", false},
    {"allocator_frag_bytes", "redis_allocator_frag_bytes", false},
    {"allocator_rss_ratio", "redis_allocator_rss_ratio", false},
    {"allocator_rss_bytes", "redis_allocator_rss_bytes", false},
    {"used_memory", "redis_memory_used_bytes", false},
    {"used_memory_rss", "redis_memory_used_rss_bytes", false},
    {"used_memory_peak", "redis_memory_used_peak_bytes", false},
    {"used_memory_lua", "redis_memory_used_lua_bytes", false},
    {"used_memory_overhead", "redis_memory_used_overhead_bytes", false},
    {"used_memory_startup", "redis_memory_used_startup_bytes", false},
    {"used_memory_dataset", "redis_memory_used_dataset_bytes", false},
    {"used_memory_scripts", "redis_memory_used_scripts_bytes", false},
    {"number_of_cached_scripts", "redis_number_of_cached_scripts", false},
    {"maxmemory", "redis_memory_max_bytes", false},
    {"maxmemory_reservation", "redis_memory_max_reservation_bytes", false},
    {"maxmemory_desired_reservation", "redis_memory_max_reservation_desired_bytes", false},
    {"maxfragmentationmemory_reservation", "redis_memory_max_fragmentation_reservation_bytes", false},
    {"maxfragmentationmemory_desired_reservation", "redis_memory_max_fragmentation_reservation_desired_bytes",
     false},
    {"mem_fragmentation_ratio", "redis_mem_fragmentation_ratio", false},
    {"mem_fragmentation_bytes", "redis_mem_fragmentation_bytes", false},
    {"mem_clients_slaves", "redis_mem_clients_slaves", false},
    {"mem_clients_normal", "redis_mem_clients_normal", false},
    {"expired_stale_perc", "redis_expired_stale_percentage", false},
    {"mem_not_counted_for_evict", "redis_mem_not_counted_for_eviction_bytes", false},
    {"lazyfree_pending_objects", "redis_lazyfree_pending_objects", false},
    {"active_defrag_running", "redis_active_defrag_running", false},
    {"migrate_cached_sockets", "redis_migrate_cached_sockets_total", false},
    {"active_defrag_hits", "redis_defrag_hits", false},
    {"active_defrag_misses", "redis_defrag_misses", false},
    {"active_defrag_key_hits", "redis_defrag_key_hits", false},
    {"active_defrag_key_misses", "redis_defrag_key_misses", false},
    {"expired_time_cap_reached_count", "redis_expired_time_cap_reached_total", false},
    {"loading", "redis_loading_dump_file", false},
    {"rdb_changes_since_last_save", "redis_rdb_changes_since_last_save", false},
    {"rdb_bgsave_in_progress", "redis_rdb_bgsave_in_progress", false},
    {"rdb_last_save_time", "redis_rdb_last_save_timestamp_seconds", false},
    {"rdb_last_bgsave_status", "redis_rdb_last_bgsave_status", false},
    {"rdb_last_bgsave_time_sec", "redis_rdb_last_bgsave_duration_sec", false},
    {"rdb_current_bgsave_time_sec", "redis_rdb_current_bgsave_duration_sec", false},
    {"rdb_last_cow_size", "redis_rdb_last_cow_size_bytes", false},
    {"aof_enabled", "redis_aof_enabled", false},
    {"aof_rewrite_in_progress", "redis_aof_rewrite_in_progress", false},
    {"aof_rewrite_scheduled", "redis_aof_rewrite_scheduled", false},
    {"aof_last_rewrite_time_sec", "redis_aof_last_rewrite_duration_sec", false},
    {"aof_current_rewrite_time_sec", "redis_aof_current_rewrite_duration_sec", false},
    {"aof_last_cow_size", "redis_aof_last_cow_size_bytes", false},
    {"aof_current_size", "redis_aof_current_size_bytes", false},
    {"aof_base_size", "redis_aof_base_size_bytes", false},
    {"aof_pending_rewrite", "redis_aof_pending_rewrite", false},
    {"aof_buffer_length", "redis_aof_buffer_length", false},
    {"aof_rewrite_buffer_length", "redis_aof_rewrite_buffer_length", false},
    {"aof_pending_bio_fsync", "redis_aof_pending_bio_fsync", false},
    {"aof_delayed_fsync", "redis_aof_delayed_fsync", false},
    {"aof_last_bgrewrite_status", "redis_aof_last_bgrewrite_status", false},
    {"aof_last_write_status", "redis_aof_last_write_status", false},
    {"module_fork_in_progress", "redis_module_fork_in_progress", false},
    {"module_fork_last_cow_size", "redis_module_fork_last_cow_size", false},
    {"pubsub_channels", "redis_pubsub_channels", false},
    {"pubsub_patterns", "redis_pubsub_patterns", false},
    {"latest_fork_usec", "redis_latest_fork_seconds", false},  // µs -> s
    {"tracking_total_keys", "redis_tracking_total_keys", false},
    {"tracking_total_items", "redis_tracking_total_items", false},
    {"tracking_total_prefixes", "redis_tracking_total_prefixes", false},
    {"connected_slaves", "redis_connected_slaves", false},
    {"repl_backlog_size", "redis_replication_backlog_bytes", false},
    {"repl_backlog_active", "redis_repl_backlog_is_active", false},
    {"repl_backlog_first_byte_offset", "redis_repl_backlog_first_byte_offset", false},
    {"repl_backlog_histlen", "redis_repl_backlog_history_bytes", false},
    {"master_repl_offset", "redis_master_repl_offset", false},
    {"second_repl_offset", "redis_second_repl_offset", false},
    {"slave_expires_tracked_keys", "redis_slave_expires_tracked_keys", false},
    {"slave_priority", "redis_slave_priority", false},
    {"sync_full", "redis_replica_resyncs_full", false},
    {"sync_partial_ok", "redis_replica_partial_resync_accepted", false},
    {"sync_partial_err", "redis_replica_partial_resync_denied", false},
    {"cluster_stats_messages_sent", "redis_cluster_messages_sent_total", false},
    {"cluster_stats_messages_received", "redis_cluster_messages_received_total", false},
    {"server_threads", "redis_server_threads_total", false},
    {"long_lock_waits", "redis_long_lock_waits_total", false},
    {"current_client_thread", "redis_current_client_thread", false},
    {"total_connections_received", "redis_connections_received_total", true},
    {"total_commands_processed", "redis_commands_processed_total", true},
    {"rejected_connections", "redis_rejected_connections_total", true},
    {"total_net_input_bytes", "redis_net_input_bytes_total", true},
    {"total_net_output_bytes", "redis_net_output_bytes_total", true},
    {"expired_keys", "redis_expired_keys_total", true},
    {"cached_keys", "redis_cached_keys_total", true},
    {"evicted_keys", "redis_evicted_keys_total", true},
    {"keyspace_hits", "redis_keyspace_hits_total", true},
    {"keyspace_misses", "redis_keyspace_misses_total", true},
    {"used_cpu_sys", "redis_cpu_sys_seconds_total", true},
    {"used_cpu_user", "redis_cpu_user_seconds_total", true},
    {"used_cpu_sys_children", "redis_cpu_sys_children_seconds_total", true},
    {"used_cpu_user_children", "redis_cpu_user_children_seconds_total", true},
    {"used_cpu_sys_main_thread", "redis_cpu_sys_main_thread_seconds_total", true},
    {"used_cpu_user_main_thread", "redis_cpu_user_main_thread_seconds_total", true},
    {"unexpected_error_replies", "redis_unexpected_error_replies", true},
    {"total_error_replies", "redis_total_error_replies", true},
    {"total_reads_processed", "redis_total_reads_processed", true},
    {"total_writes_processed", "redis_total_writes_processed", true},
    {"io_threaded_reads_processed", "redis_io_threaded_reads_processed", true},
    {"io_threaded_writes_processed", "redis_io_threaded_writes_processed", true},
    {"dump_payload_sanitizations", "redis_dump_payload_sanitizations", true},
    {"storage_provider_read_hits", "redis_storage_provider_read_hits", true},
    {"storage_provider_read_misses", "redis_storage_provider_read_misses", true},
};
constexpr size_t kFieldCount = sizeof(kFields) / sizeof(kFields[0]);

const std::unordered_map<std::string_view, size_t>& field_index() {
  static const auto* m = [] {
    auto* out = new std::unordered_map<std::string_view, size_t>;
    for (size_t i = 0; i < kFieldCount; ++i) out->emplace(kFields[i].key, i);
    return out;
  }();
  return *m;
}

// As redis_exporter reads a field: ok/true 1, err/fail/false 0, a number, else 0.
double field_value(std::string_view v) {
  if (v == "ok" || v == "true") return 1;
  double d = 0;
  if (v == "err" || v == "fail" || v == "false" || !parse_double(v, d)) return 0;
  return d;
}

bool number(std::string_view s, double& out) { return parse_double(s, out); }

// "k=v,k=v" -> the value of k; false if absent.
bool kv_get(std::string_view list, std::string_view key, std::string_view& out) {
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view part = list.substr(0, comma);
    size_t eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == key) {
      out = part.substr(eq + 1);
      return true;
    }
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

// The i-th "k=v" of a comma list, its value as a number.
bool nth_value(std::string_view list, size_t i, double& out, size_t* parts = nullptr) {
  size_t n = 0;
  bool ok = false;
  while (true) {
    size_t comma = list.find(',');
    std::string_view part = list.substr(0, comma);
    if (n == i) {
      size_t eq = part.find('=');
      ok = eq != std::string_view::npos && part.find('=', eq + 1) == std::string_view::npos &&
           number(part.substr(eq + 1), out);
    }
    ++n;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  if (parts) *parts = n;
  return ok;
}

bool master_key(std::string_view key, std::string_view suffix) {
  // ^master(_[0-9]+)?_<suffix>
  if (key.rfind("master", 0) != 0) return false;
  key.remove_prefix(6);
  if (key.size() > 1 && key[0] == '_' && key[1] >= '0' && key[1] <= '9') {
    size_t i = 1;
    while (i < key.size() && key[i] >= '0' && key[i] <= '9') ++i;
    key.remove_prefix(i);
  }
  return key.size() > suffix.size() && key[0] == '_' && key.substr(1, suffix.size()) == suffix;
}

struct Command {
  std::string_view cmd;
  double calls, usec, rejected, failed;
  bool extended;
};
struct Percentiles {
  std::string_view cmd;
  std::vector<std::pair<double, double>> q;
};
struct Db {
  std::string_view db;
  double keys, expires, avg_ttl, cached;
};
struct Slave {
  std::string_view ip, port, state;
  double offset, lag;
};
struct MasterSample {
  int metric;  // index into kMaster
  std::string_view host, port;
  double value;
};
constexpr const char* kMaster[] = {"redis_master_link_up", "redis_master_last_io_seconds_ago",
                                   "redis_master_sync_in_progress", "redis_slave_repl_offset",
                                   "redis_master_link_down_since_seconds"};
constexpr const char* kMasterHelp[] = {
    "1 when the replica's link to its master is up", "Seconds since the replica last heard from its master",
    "1 while the replica syncs from its master", "The replica's replication offset",
    "Seconds the replica's link to its master has been down"};

template <class T, class Key>
void sort_unique(std::vector<T>& v, Key key) {
  std::stable_sort(v.begin(), v.end(), [&](const T& a, const T& b) { return key(a) < key(b); });
  v.erase(std::unique(v.begin(), v.end(), [&](const T& a, const T& b) { return key(a) == key(b); }), v.end());
}

std::string format_quantile(double q) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, q);
  return std::string(buf, r.ptr);
}

}  // namespace

bool next_info_line(std::string_view& info, InfoLine& out) {
  while (!info.empty()) {
    size_t nl = info.find('\n');
    std::string_view line = trim(info.substr(0, nl), " \t\r");
    info.remove_prefix(nl == std::string_view::npos ? info.size() : nl + 1);
    if (line.size() >= 2 && line[0] == '#' && line[1] == ' ') {
      out.section = line.substr(2);
      continue;
    }
    size_t colon = line.find(':');
    if (line.size() < 2 || colon == std::string_view::npos) continue;
    out.key = line.substr(0, colon);
    out.value = line.substr(colon + 1);
    return true;
  }
  return false;
}

void write_info(std::string_view info, const InfoOptions& opt, MetricSink& sink, InfoFacts& facts) {
  const auto& index = field_index();
  std::vector<bool> seen(kFieldCount);
  std::vector<std::pair<std::string, double>> cluster;  // cluster_* fields, sanitized
  std::vector<Command> commands;
  std::vector<Percentiles> latency;
  std::vector<std::pair<std::string_view, double>> errors;
  std::vector<Db> dbs;
  std::vector<Slave> slaves;
  std::vector<MasterSample> master;
  std::string_view role, version, build_id, mode, os, policy, tcp_port, run_id, pid, master_host, master_port,
      read_only;
  bool have_start = false;
  double start = 0;

  for (InfoLine line; next_info_line(info, line);) {
    std::string_view section = line.section, key = line.key, value = line.value;

    if (key == "role")
      role = value;
    else if (key == "redis_version")
      version = value;
    else if (key == "redis_build_id")
      build_id = value;
    else if (key == "redis_mode")
      mode = value;
    else if (key == "os")
      os = value;
    else if (key == "maxmemory_policy")
      policy = value;
    else if (key == "tcp_port")
      tcp_port = value;
    else if (key == "run_id")
      run_id = value;
    else if (key == "process_id")
      pid = value;
    else if (key == "slave_read_only")
      read_only = value;
    else if (key == "maxmemory")
      number(value, facts.maxmemory);
    else if (key == "maxclients")
      number(value, facts.maxclients);
    else if (key == "cluster_enabled")
      facts.cluster_enabled = value == "1";
    if (master_key(key, "host")) master_host = value;
    if (master_key(key, "port")) master_port = value;

    if (section == "Replication") {
      if (master_key(key, "link_status")) {
        master.push_back({0, master_host, master_port, value == "up" ? 1.0 : 0.0});
        continue;
      }
      int direct = master_key(key, "last_io_seconds_ago")       ? 1
                   : master_key(key, "sync_in_progress")        ? 2
                   : key.rfind("slave_repl_offset", 0) == 0     ? 3
                   : master_key(key, "link_down_since_seconds") ? 4
                                                                : -1;
      if (direct >= 0) {
        int64_t v = 0;  // redis_exporter reads these as integers (0 if not one)
        auto r = std::from_chars(value.data(), value.data() + value.size(), v);
        if (r.ec != std::errc() || r.ptr != value.data() + value.size()) v = 0;
        master.push_back({direct, master_host, master_port, static_cast<double>(v)});
        continue;
      }
      if (key.size() > 5 && key.rfind("slave", 0) == 0 && key[5] >= '0' && key[5] <= '9') {
        Slave s{};
        std::string_view offset, lag;
        bool ok = kv_get(value, "offset", offset) && number(offset, s.offset);
        // Every part must be k=v, as redis_exporter requires.
        for (std::string_view rest = value; ok && !rest.empty();) {
          size_t comma = rest.find(',');
          std::string_view part = rest.substr(0, comma);
          size_t eq = part.find('=');
          ok = eq != std::string_view::npos && part.find('=', eq + 1) == std::string_view::npos;
          if (comma == std::string_view::npos) break;
          rest.remove_prefix(comma + 1);
        }
        if (ok) {
          s.lag = -1;
          if (kv_get(value, "lag", lag) && !number(lag, s.lag)) ok = false;
        }
        if (ok) {
          kv_get(value, "ip", s.ip);
          kv_get(value, "port", s.port);
          kv_get(value, "state", s.state);
          slaves.push_back(s);
          continue;
        }
      }
    } else if (section == "Server") {
      if (key == "uptime_in_seconds") {
        double up = 0;
        if (number(value, up)) have_start = true, start = opt.now_seconds - up;
      }
    } else if (section == "Commandstats") {
      if (key.rfind("cmdstat_", 0) == 0) {
        Command c{key.substr(8), 0, 0, 0, 0, false};
        size_t parts = 0;
        if (nth_value(value, 0, c.calls, &parts) && parts >= 3 && nth_value(value, 1, c.usec)) {
          c.extended = parts >= 5 && nth_value(value, 3, c.rejected) && nth_value(value, 4, c.failed);
          // Malformed extended stats drop the command, as in redis_exporter.
          if (parts < 5 || c.extended) commands.push_back(c);
        }
      }
      continue;
    } else if (section == "Latencystats") {
      if (key.rfind("latency_percentiles_usec_", 0) == 0) {
        Percentiles p{key.substr(25), {}};
        bool ok = true;
        for (std::string_view rest = value; ok;) {
          size_t comma = rest.find(',');
          std::string_view part = rest.substr(0, comma);
          size_t eq = part.find('=');
          double q = 0, v = 0;
          ok = eq != std::string_view::npos && eq >= 2 && part.find('=', eq + 1) == std::string_view::npos &&
               number(part.substr(1, eq - 1), q) && number(part.substr(eq + 1), v);
          if (ok) p.q.emplace_back(q, v);
          if (comma == std::string_view::npos) break;
          rest.remove_prefix(comma + 1);
        }
        if (ok) latency.push_back(std::move(p));
      }
      continue;
    } else if (section == "Errorstats") {
      double count = 0;
      size_t parts = 0;
      if (key.rfind("errorstat_", 0) == 0 && nth_value(value, 0, count, &parts) && parts == 1)
        errors.emplace_back(key.substr(10), count);
      continue;
    } else if (section == "Keyspace") {
      Db d{key, 0, 0, -1, -1};
      size_t parts = 0;
      if (key.rfind("db", 0) == 0 && nth_value(value, 0, d.keys, &parts) && parts >= 2 && parts <= 4 &&
          nth_value(value, 1, d.expires) && (parts < 3 || nth_value(value, 2, d.avg_ttl)) &&
          (parts < 4 || nth_value(value, 3, d.cached))) {
        if (parts >= 3) d.avg_ttl /= 1000;
        dbs.push_back(d);
        continue;
      }
    }

    // Unmapped cluster_* fields under their own (sanitized) name, unless
    // that is a mapped field's name.
    if (key.rfind("cluster_", 0) == 0 && index.find(key) == index.end()) {
      std::string name = "redis_" + std::string(key);
      for (char& ch : name)
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'))) ch = '_';
      bool taken = std::any_of(std::begin(kFields), std::end(kFields),
                               [&](const Field& f) { return name == f.metric; });
      if (!taken) cluster.emplace_back(std::move(name), field_value(value));
      continue;
    }
    auto it = index.find(key);
    if (it == index.end() || seen[it->second]) continue;
    seen[it->second] = true;
    const Field& f = kFields[it->second];
    double v = field_value(value);
    if (key == "latest_fork_usec") v /= 1e6;
    std::string help = "Redis INFO field " + std::string(f.key);
    if (f.counter)
      sink.counter(f.metric, help, v);
    else
      sink.gauge(f.metric, help, v);
  }

  sort_unique(cluster, [](const auto& c) { return std::string_view(c.first); });
  for (const auto& [name, v] : cluster) sink.gauge(name, "Redis INFO cluster field", v);
  if (have_start)
    sink.gauge("redis_start_time_seconds", "Start time of the Redis server, seconds since the Unix epoch",
               start);

  sort_unique(commands, [](const Command& c) { return c.cmd; });
  struct CmdFamily {
    const char* name;
    const char* help;
    double Command::*value;
    bool extended_only;
  };
  static constexpr CmdFamily kCmd[] = {
      {"redis_commands_total", "Calls per command", &Command::calls, false},
      {"redis_commands_duration_seconds_total", "Seconds spent per command", &Command::usec, false},
      {"redis_commands_rejected_calls_total", "Calls rejected before execution per command",
       &Command::rejected, true},
      {"redis_commands_failed_calls_total", "Calls failed in execution per command", &Command::failed, true},
  };
  for (const CmdFamily& f : kCmd) {
    bool begun = false;
    for (const Command& c : commands) {
      if (f.extended_only && !c.extended) continue;
      if (!begun) sink.family(f.name, f.help, MetricType::kCounter), begun = true;
      double v = c.*f.value;
      if (f.value == &Command::usec) v /= 1e6;
      sink.sample(f.name, {{"cmd", c.cmd}}, v);
    }
  }

  sort_unique(latency, [](const Percentiles& p) { return p.cmd; });
  bool begun = false;
  for (const Percentiles& p : latency) {
    auto c = std::lower_bound(commands.begin(), commands.end(), p.cmd,
                              [](const Command& a, std::string_view b) { return a.cmd < b; });
    if (c == commands.end() || c->cmd != p.cmd) continue;  // needs commandstats' count and sum
    constexpr const char* kName = "redis_latency_percentiles_usec";
    if (!begun)
      sink.family(kName, "Latency percentiles per command, microseconds", MetricType::kSummary), begun = true;
    std::vector<std::pair<double, double>> q = p.q;
    std::sort(q.begin(), q.end());
    q.erase(std::unique(q.begin(), q.end(), [](auto& a, auto& b) { return a.first == b.first; }), q.end());
    for (const auto& [quantile, v] : q) {
      std::string qs = format_quantile(quantile);
      sink.sample(kName, {{"cmd", p.cmd}, {"quantile", qs}}, v);
    }
    sink.sample("redis_latency_percentiles_usec_sum", {{"cmd", p.cmd}}, c->usec);
    sink.sample("redis_latency_percentiles_usec_count", {{"cmd", p.cmd}}, c->calls);
  }

  sort_unique(errors, [](const auto& e) { return e.first; });
  if (!errors.empty())
    sink.family("redis_errors_total", "Error replies per error type", MetricType::kCounter);
  for (const auto& [err, n] : errors) sink.sample("redis_errors_total", {{"err", err}}, n);

  // Keyspace, then the databases it does not list (as redis_exporter pads them).
  sort_unique(dbs, [](const Db& d) { return d.db; });
  std::vector<std::string> missing;
  for (int i = 0; i < opt.db_count; ++i) {
    std::string name = "db" + std::to_string(i);
    bool listed = std::any_of(dbs.begin(), dbs.end(), [&](const Db& d) { return d.db == name; });
    if (!listed) missing.push_back(std::move(name));
  }
  sink.family("redis_db_keys", "Keys per database", MetricType::kGauge);
  for (const Db& d : dbs) sink.sample("redis_db_keys", {{"db", d.db}}, d.keys);
  for (const auto& m : missing) sink.sample("redis_db_keys", {{"db", m}}, 0);
  sink.family("redis_db_keys_expiring", "Keys with an expiry per database", MetricType::kGauge);
  for (const Db& d : dbs) sink.sample("redis_db_keys_expiring", {{"db", d.db}}, d.expires);
  for (const auto& m : missing) sink.sample("redis_db_keys_expiring", {{"db", m}}, 0);
  begun = false;
  for (const Db& d : dbs)
    if (d.avg_ttl > -1) {
      if (!begun)
        sink.family("redis_db_avg_ttl_seconds", "Average TTL of the keys with an expiry", MetricType::kGauge),
            begun = true;
      sink.sample("redis_db_avg_ttl_seconds", {{"db", d.db}}, d.avg_ttl);
    }
  begun = false;
  for (const Db& d : dbs)
    if (d.cached > -1) {
      if (!begun)
        sink.family("redis_db_keys_cached", "Cached keys per database", MetricType::kGauge), begun = true;
      sink.sample("redis_db_keys_cached", {{"db", d.db}}, d.cached);
    }

  sort_unique(master, [](const MasterSample& m) { return std::tie(m.metric, m.host, m.port); });
  for (size_t i = 0; i < master.size(); ++i) {
    const MasterSample& m = master[i];
    if (i == 0 || master[i - 1].metric != m.metric)
      sink.family(kMaster[m.metric], kMasterHelp[m.metric], MetricType::kGauge);
    sink.sample(kMaster[m.metric], {{"master_host", m.host}, {"master_port", m.port}}, m.value);
  }

  sort_unique(slaves, [](const Slave& s) { return std::tie(s.ip, s.port, s.state); });
  if (!slaves.empty())
    sink.family("redis_connected_slave_offset_bytes", "Replication offset of a connected replica",
                MetricType::kGauge);
  for (const Slave& s : slaves)
    sink.sample("redis_connected_slave_offset_bytes",
                {{"slave_ip", s.ip}, {"slave_port", s.port}, {"slave_state", s.state}}, s.offset);
  begun = false;
  for (const Slave& s : slaves)
    if (s.lag > -1) {
      if (!begun)
        sink.family("redis_connected_slave_lag_seconds",
                    "Seconds since a connected replica last acknowledged", MetricType::kGauge),
            begun = true;
      sink.sample("redis_connected_slave_lag_seconds",
                  {{"slave_ip", s.ip}, {"slave_port", s.port}, {"slave_state", s.state}}, s.lag);
    }

  sink.gauge("redis_instance_info", "The Redis server's identity", 1,
             {{"role", role},
              {"redis_version", version},
              {"redis_build_id", build_id},
              {"redis_mode", mode},
              {"os", os},
              {"maxmemory_policy", policy},
              {"tcp_port", tcp_port},
              {"run_id", run_id},
              {"process_id", pid}});
  if (role == "slave")
    sink.gauge("redis_slave_info", "The replica's master", 1,
               {{"master_host", master_host}, {"master_port", master_port}, {"read_only", read_only}});
  facts.role = std::string(role);
}

}  // namespace vigia::redis
