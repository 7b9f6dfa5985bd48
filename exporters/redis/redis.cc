#include "exporters/redis/redis.h"

#include <atomic>
#include <chrono>
#include <map>

#include "core/fs.h"
#include "core/secret.h"
#include "exporters/redis/bullmq.h"
#include "exporters/redis/connection.h"
#include "exporters/redis/info.h"
#include "exporters/redis/sentinel.h"

namespace vigia::redis {
namespace {

constexpr const char* kUpHelp = "1 if the Redis server answered the scrape";
constexpr int kMaxScanCalls = 1000;
constexpr size_t kMaxSentinelMasters = 1000;

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

bool reply_number(const redisReply* r, double& out) {
  if (r->type == REDIS_REPLY_INTEGER) {
    out = static_cast<double>(r->integer);
    return true;
  }
  return parse_double(reply_text(r), out);
}

// CONFIG GET name's value (an array [name, value]), if any.
bool config_value(const redisReply* r, double& out) {
  return r->type == REDIS_REPLY_ARRAY && r->elements == 2 && parse_double(reply_text(r->element[1]), out);
}

class RedisTarget final : public ServiceTarget {
 public:
  explicit RedisTarget(const TargetConfig& cfg) : conn_(cfg), bullmq_(cfg.bullmq) {}
  const std::string& name() const override { return conn_.target().name; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override;
  void interrupt() override { conn_.interrupt(); }
  void after(const Status& st, double seconds, MetricSink& sink) override;

 private:
  Status check_keys(const CollectContext& ctx, MetricSink& sink);
  Status sentinel(const CollectContext& ctx, MetricSink& sink);

  Connection conn_;
  BullmqCollector bullmq_;
  std::atomic<uint64_t> scrapes_{0};
};

Status RedisTarget::collect(const CollectContext& ctx, MetricSink& sink) {
  static const std::vector<Command> kCommands = {{"CONFIG", "GET", "maxmemory"},
                                                 {"CONFIG", "GET", "maxclients"},
                                                 {"CONFIG", "GET", "databases"},
                                                 {"CONFIG", "GET", "io-threads"},
                                                 {"INFO", "ALL"},
                                                 {"SLOWLOG", "LEN"},
                                                 {"SLOWLOG", "GET", "1"},
                                                 {"LATENCY", "LATEST"}};
  enum { kMaxmemory, kMaxclients, kDatabases, kIoThreads, kInfo, kSlowlogLen, kSlowlogGet, kLatency };
  std::vector<Reply> r;
  Status st;
  // A kept connection may have been closed while idle (restart, timeout):
  // one fresh attempt before the target is reported down.
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool fresh = false;
    st = conn_.ensure(ctx, fresh);
    if (!st.is_ok()) break;
    st = conn_.pipeline(kCommands, r, ctx);
    if (st.is_ok() || fresh) break;
  }
  if (st.is_ok() && r[kInfo]->type != REDIS_REPLY_STRING)
    st = Status::error("INFO ALL: " + std::string(r[kInfo]->type == REDIS_REPLY_ERROR
                                                      ? reply_text(r[kInfo].get())
                                                      : "unexpected reply"));
  if (!st.is_ok()) {
    sink.gauge("redis_up", kUpHelp, 0);
    return Status::error(redact(st.message(), conn_.secret()));
  }
  sink.gauge("redis_up", kUpHelp, 1);

  InfoOptions opt;
  opt.now_seconds = unix_now();
  double databases = 0;
  if (config_value(r[kDatabases].get(), databases) && databases >= 1 && databases <= 1 << 16)
    opt.db_count = static_cast<int>(databases);
  InfoFacts facts;
  write_info(reply_text(r[kInfo].get()), opt, sink, facts);

  // CONFIG renamed or denied by an ACL: INFO's values, which are the same.
  double v = 0;
  if (config_value(r[kMaxmemory].get(), v) || (v = facts.maxmemory, !std::isnan(v)))
    sink.gauge("redis_config_maxmemory", "The maxmemory setting, bytes (0: no limit)", v);
  if (config_value(r[kMaxclients].get(), v) || (v = facts.maxclients, !std::isnan(v)))
    sink.gauge("redis_config_maxclients", "The maxclients setting", v);
  if (config_value(r[kIoThreads].get(), v))
    sink.gauge("redis_config_io_threads", "The io-threads setting", v);

  if (reply_number(r[kSlowlogLen].get(), v)) sink.gauge("redis_slowlog_length", "Entries in the slow log", v);
  if (const redisReply* s = r[kSlowlogGet].get(); s->type == REDIS_REPLY_ARRAY) {
    double id = 0, dur = 0;
    if (s->elements > 0 && s->element[0]->type == REDIS_REPLY_ARRAY && s->element[0]->elements > 2) {
      const redisReply* e = s->element[0];
      if (e->element[0]->type == REDIS_REPLY_INTEGER) id = static_cast<double>(e->element[0]->integer);
      if (e->element[2]->type == REDIS_REPLY_INTEGER) dur = static_cast<double>(e->element[2]->integer) / 1e6;
    }
    sink.gauge("redis_slowlog_last_id", "Id of the last slow log entry", id);
    sink.gauge("redis_last_slow_execution_duration_seconds", "Duration of the last slow log entry", dur);
  }
  if (const redisReply* l = r[kLatency].get(); l->type == REDIS_REPLY_ARRAY && l->elements > 0) {
    std::map<std::string_view, std::pair<double, double>> events;
    for (size_t i = 0; i < l->elements; ++i) {
      const redisReply* e = l->element[i];
      if (e->type != REDIS_REPLY_ARRAY || e->elements < 4 || e->element[0]->type != REDIS_REPLY_STRING ||
          e->element[1]->type != REDIS_REPLY_INTEGER || e->element[2]->type != REDIS_REPLY_INTEGER)
        continue;
      events[reply_text(e->element[0])] = {static_cast<double>(e->element[1]->integer),
                                           static_cast<double>(e->element[2]->integer) / 1e3};
    }
    if (!events.empty()) {
      sink.family("redis_latency_spike_last", "Unix time of the event's last latency spike",
                  MetricType::kGauge);
      for (const auto& [name, e] : events)
        sink.sample("redis_latency_spike_last", {{"event_name", name}}, e.first);
      sink.family("redis_latency_spike_duration_seconds", "Duration of the event's last latency spike",
                  MetricType::kGauge);
      for (const auto& [name, e] : events)
        sink.sample("redis_latency_spike_duration_seconds", {{"event_name", name}}, e.second);
    }
  }

  std::string errors;
  if (is_sentinel_info(reply_text(r[kInfo].get()))) {
    write_sentinel_info(reply_text(r[kInfo].get()), sink);
    if (Status se = sentinel(ctx, sink); !se.is_ok()) errors += "sentinel: " + se.message() + "; ";
  }
  if (!conn_.target().check_keys.empty() || !conn_.target().check_single_keys.empty())
    if (Status k = check_keys(ctx, sink); !k.is_ok()) errors += "check_keys: " + k.message() + "; ";
  if (conn_.target().bullmq.enabled)
    if (Status b = bullmq_.collect(conn_, ctx, unix_now(), sink); !b.is_ok()) errors += b.message() + "; ";
  if (errors.empty()) return Status::ok();
  errors.resize(errors.size() - 2);
  return Status::error(redact(errors, conn_.secret()));
}

// SENTINEL MASTERS, then per master CKQUORUM, SENTINELS and SLAVES in one
// more round trip.
Status RedisTarget::sentinel(const CollectContext& ctx, MetricSink& sink) {
  std::vector<Reply> r;
  if (Status st = conn_.pipeline({{"SENTINEL", "MASTERS"}}, r, ctx); !st.is_ok()) return st;
  if (r[0]->type == REDIS_REPLY_ERROR)
    return Status::error("SENTINEL MASTERS: " + std::string(reply_text(r[0].get())));
  std::vector<SentinelMaster> masters = sentinel_masters(r[0].get(), kMaxSentinelMasters);
  std::vector<Command> cmds;
  for (const SentinelMaster& m : masters) {
    cmds.push_back({"SENTINEL", "CKQUORUM", m.name});
    cmds.push_back({"SENTINEL", "SENTINELS", m.name});
    cmds.push_back({"SENTINEL", "SLAVES", m.name});
  }
  std::vector<Reply> d;
  if (!cmds.empty())
    if (Status st = conn_.pipeline(cmds, d, ctx); !st.is_ok()) return st;
  std::vector<SentinelDetail> details;
  for (size_t i = 0; i < masters.size(); ++i)
    details.push_back({masters[i], d[3 * i].get(), d[3 * i + 1].get(), d[3 * i + 2].get()});
  write_sentinel_details(details, sink);
  return Status::ok();
}

// The keys of check_single_keys and those SCAN finds for check_keys, at most
// check_keys_limit in all; TYPE of each, then its size (and a string's value),
// pipelined per database.
Status RedisTarget::check_keys(const CollectContext& ctx, MetricSink& sink) {
  const TargetConfig& t = conn_.target();
  const size_t limit = static_cast<size_t>(t.check_keys_limit);
  std::map<int, std::vector<std::string>> keys;  // db -> keys
  size_t total = 0;
  for (const KeyRef& k : t.check_single_keys)
    if (total < limit) keys[k.db].push_back(k.key), ++total;
  for (const KeyRef& k : t.check_keys) {
    if (total >= limit) break;
    // A name without glob characters is read as a single key, without a SCAN
    // (as redis_exporter does).
    if (k.key.find_first_of("*?[]^") == std::string::npos) {
      keys[k.db].push_back(k.key), ++total;
      continue;
    }
    if (Status st = conn_.select(k.db, ctx); !st.is_ok()) return st;
    std::string cursor = "0";
    for (int calls = 0; calls < kMaxScanCalls && total < limit; ++calls) {
      std::vector<Reply> r;
      if (Status st = conn_.pipeline({{"SCAN", cursor, "MATCH", k.key, "COUNT", "1000"}}, r, ctx);
          !st.is_ok())
        return st;
      const redisReply* rep = r[0].get();
      if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2 || rep->element[1]->type != REDIS_REPLY_ARRAY)
        return Status::error(
            "SCAN: " + std::string(rep->type == REDIS_REPLY_ERROR ? reply_text(rep) : "unexpected reply"));
      for (size_t i = 0; i < rep->element[1]->elements && total < limit; ++i)
        keys[k.db].emplace_back(reply_text(rep->element[1]->element[i])), ++total;
      cursor = std::string(reply_text(rep->element[0]));
      if (cursor == "0" || cursor.empty()) break;
    }
  }
  struct Result {
    std::string db, key, text;
    double size = 0, value = 0;
    bool has_value = false, has_text = false;
  };
  std::vector<Result> results;
  for (auto& [db, list] : keys) {
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
    if (Status st = conn_.select(db, ctx); !st.is_ok()) return st;
    std::vector<Command> types;
    for (const std::string& k : list) types.push_back({"TYPE", k});
    std::vector<Reply> tr;
    if (Status st = conn_.pipeline(types, tr, ctx); !st.is_ok()) return st;
    // Per key: the size command(s), and GET for strings (PFCOUNT first: a
    // HyperLogLog's STRLEN is not its size).
    std::vector<Command> sizes;
    std::vector<std::pair<size_t, int>> plan;  // key index, commands
    for (size_t i = 0; i < list.size(); ++i) {
      std::string_view type = reply_text(tr[i].get());
      const std::string& k = list[i];
      size_t before = sizes.size();
      if (type == "string")
        sizes.push_back({"PFCOUNT", k}), sizes.push_back({"STRLEN", k}), sizes.push_back({"GET", k});
      else if (type == "list")
        sizes.push_back({"LLEN", k});
      else if (type == "set")
        sizes.push_back({"SCARD", k});
      else if (type == "zset")
        sizes.push_back({"ZCARD", k});
      else if (type == "hash")
        sizes.push_back({"HLEN", k});
      else if (type == "stream")
        sizes.push_back({"XLEN", k});
      else if (type != "none")
        continue;  // unknown type: no series
      plan.emplace_back(i, static_cast<int>(sizes.size() - before));
    }
    std::vector<Reply> sr;
    if (!sizes.empty())
      if (Status st = conn_.pipeline(sizes, sr, ctx); !st.is_ok()) return st;
    size_t at = 0;
    for (const auto& [i, n] : plan) {
      Result res{"db" + std::to_string(db), list[i], {}};
      if (n == 3) {
        if (!reply_number(sr[at].get(), res.size)) reply_number(sr[at + 1].get(), res.size);
        if (sr[at + 2]->type == REDIS_REPLY_STRING) {
          std::string_view s = reply_text(sr[at + 2].get());
          if (parse_double(s, res.value))
            res.has_value = true;
          else
            res.text = std::string(s), res.has_text = true;
        }
      } else if (n == 1) {
        reply_number(sr[at].get(), res.size);
      }
      at += static_cast<size_t>(n);
      results.push_back(std::move(res));
    }
  }
  if (!results.empty())
    sink.family("redis_key_size", "Length or size of the key's value", MetricType::kGauge);
  for (const Result& r : results) sink.sample("redis_key_size", {{"db", r.db}, {"key", r.key}}, r.size);
  bool begun = false;
  for (const Result& r : results)
    if (r.has_value) {
      if (!begun)
        sink.family("redis_key_value", "The key's value, when it is a number", MetricType::kGauge),
            begun = true;
      sink.sample("redis_key_value", {{"db", r.db}, {"key", r.key}}, r.value);
    }
  begun = false;
  for (const Result& r : results)
    if (r.has_text) {
      if (!begun)
        sink.family("redis_key_value_as_string", "The key's value, when it is not a number",
                    MetricType::kGauge),
            begun = true;
      sink.sample("redis_key_value_as_string", {{"db", r.db}, {"key", r.key}, {"val", r.text}}, 1);
    }
  return Status::ok();
}

void RedisTarget::after(const Status& st, double seconds, MetricSink& sink) {
  sink.gauge("redis_exporter_last_scrape_duration_seconds", "Duration of the last scrape of the Redis server",
             seconds);
  // As redis_exporter: the error (already free of the password) as label err, "" when none.
  std::string_view err = st.is_error() ? std::string_view(st.message()).substr(0, 200) : std::string_view();
  sink.gauge("redis_exporter_last_scrape_error",
             "1 if the last scrape of the Redis server failed, with its error", st.is_error() ? 1 : 0,
             {{"err", err}});
  sink.counter("redis_exporter_scrapes_total", "Scrapes of the Redis server",
               static_cast<double>(++scrapes_));
}

}  // namespace

std::shared_ptr<ServiceCollector> make_collector(const std::vector<TargetConfig>& targets) {
  std::vector<std::unique_ptr<ServiceTarget>> ts;
  for (const TargetConfig& t : targets) ts.push_back(std::make_unique<RedisTarget>(t));
  return std::make_shared<ServiceCollector>(ServiceArea{"redis", "redis_up", kUpHelp}, std::move(ts));
}

}  // namespace vigia::redis
