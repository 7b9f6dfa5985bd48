#include "exporters/redis/bullmq.h"

#include <algorithm>
#include <set>

#include "core/fs.h"
#include "core/log.h"

namespace vigia::redis {
namespace {

constexpr auto kRediscoverEvery = std::chrono::seconds(60);
constexpr int kMaxScanCalls = 1000;

struct State {
  const char* name;    // the state label
  const char* suffix;  // the key
  const char* count;   // LLEN or ZCARD
};
constexpr State kStates[] = {
    {"waiting", "wait", "LLEN"},
    {"active", "active", "LLEN"},
    {"paused", "paused", "LLEN"},
    {"delayed", "delayed", "ZCARD"},
    {"prioritized", "prioritized", "ZCARD"},
    {"completed", "completed", "ZCARD"},
    {"failed", "failed", "ZCARD"},
};

}  // namespace

std::string_view bullmq_queue_of(std::string_view key, std::string_view prefix) {
  if (key.size() <= prefix.size() + 1 || key.compare(0, prefix.size(), prefix) != 0 ||
      key[prefix.size()] != ':')
    return {};
  key.remove_prefix(prefix.size() + 1);
  size_t colon = key.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return {};
  std::string_view suffix = key.substr(colon + 1);
  if (suffix != "meta" && suffix != "id") return {};
  return key.substr(0, colon);
}

Status BullmqCollector::discover(Connection& conn, const CollectContext& ctx) {
  // One SCAN for both ":meta" and ":id" (the glob keeps the server-side filter
  // tight), checked exactly here.
  std::string pattern = cfg_.prefix + ":*:[mi][de]*";
  std::set<std::string> found;
  std::string cursor = "0";
  bool truncated = false;
  for (int calls = 0;; ++calls) {
    if (calls == kMaxScanCalls) {
      truncated = true;
      break;
    }
    std::vector<Reply> r;
    Status st = conn.pipeline({{"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"}}, r, ctx);
    if (!st.is_ok()) return st;
    const redisReply* rep = r[0].get();
    if (rep->type == REDIS_REPLY_ERROR) return Status::error("SCAN: " + std::string(reply_text(rep)));
    if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2 || rep->element[1]->type != REDIS_REPLY_ARRAY)
      return Status::error("SCAN: unexpected reply");
    cursor = std::string(reply_text(rep->element[0]));
    const redisReply* keys = rep->element[1];
    for (size_t i = 0; i < keys->elements; ++i) {
      std::string_view q = bullmq_queue_of(reply_text(keys->element[i]), cfg_.prefix);
      if (!q.empty()) found.emplace(q);
    }
    if (cursor == "0" || cursor.empty()) break;
  }
  queues_.assign(found.begin(), found.end());
  if (queues_.size() > static_cast<size_t>(cfg_.max_queues)) {
    queues_.resize(cfg_.max_queues);
    truncated = true;
  }
  if (truncated && !truncated_)
    log::warn("bullmq: queue discovery capped",
              {{"prefix", cfg_.prefix}, {"queues", std::to_string(queues_.size())}});
  truncated_ = truncated;
  discovered_ = Clock::now();
  have_discovered_ = true;
  return Status::ok();
}

Status BullmqCollector::collect(Connection& conn, const CollectContext& ctx, double now_seconds,
                                MetricSink& sink) {
  Status st = conn.select(cfg_.db, ctx);
  if (!st.is_ok()) return st;
  if (!have_discovered_ || Clock::now() - discovered_ >= kRediscoverEvery) {
    st = discover(conn, ctx);
    if (!st.is_ok()) return Status::error("bullmq: " + st.message());
  }
  sink.gauge("vigia_bullmq_queues", "BullMQ queues found under the prefix (at most max_queues)",
             static_cast<double>(queues_.size()), {{"prefix", cfg_.prefix}});
  if (queues_.empty()) return Status::ok();
  constexpr size_t kPerQueue = sizeof(kStates) / sizeof(kStates[0]) + 1;
  std::vector<Command> cmds;
  cmds.reserve(queues_.size() * kPerQueue);
  for (const std::string& q : queues_) {
    std::string base = cfg_.prefix + ":" + q + ":";
    for (const State& s : kStates) cmds.push_back({s.count, base + s.suffix});
    cmds.push_back({"LINDEX", base + "wait", "-1"});
  }
  std::vector<Reply> r;
  st = conn.pipeline(cmds, r, ctx);
  if (!st.is_ok()) return Status::error("bullmq: " + st.message());

  // The oldest waiting job's creation time, one HGET per queue with a job waiting.
  std::vector<Command> hget;
  std::vector<size_t> hget_queue;
  for (size_t i = 0; i < queues_.size(); ++i) {
    const redisReply* last = r[i * kPerQueue + kPerQueue - 1].get();
    if (last->type == REDIS_REPLY_STRING) {
      hget.push_back(
          {"HGET", cfg_.prefix + ":" + queues_[i] + ":" + std::string(reply_text(last)), "timestamp"});
      hget_queue.push_back(i);
    }
  }
  std::vector<Reply> ts;
  if (!hget.empty()) {
    st = conn.pipeline(hget, ts, ctx);
    if (!st.is_ok()) return Status::error("bullmq: " + st.message());
  }

  sink.family("vigia_bullmq_jobs", "BullMQ jobs per queue and state", MetricType::kGauge);
  for (size_t i = 0; i < queues_.size(); ++i)
    for (size_t s = 0; s < kPerQueue - 1; ++s) {
      const redisReply* c = r[i * kPerQueue + s].get();
      // A key of another type (WRONGTYPE) is not a BullMQ queue's: skipped.
      if (c->type != REDIS_REPLY_INTEGER) continue;
      sink.sample("vigia_bullmq_jobs", {{"queue", queues_[i]}, {"state", kStates[s].name}},
                  static_cast<double>(c->integer));
    }
  sink.family("vigia_bullmq_oldest_waiting_job_age_seconds",
              "Age of the oldest job waiting in a BullMQ queue (0 when none waits)", MetricType::kGauge);
  size_t next = 0;
  for (size_t i = 0; i < queues_.size(); ++i) {
    if (next < hget_queue.size() && hget_queue[next] == i) {
      double ms = 0;
      if (ts[next]->type == REDIS_REPLY_STRING && parse_double(reply_text(ts[next].get()), ms))
        sink.sample("vigia_bullmq_oldest_waiting_job_age_seconds", {{"queue", queues_[i]}},
                    std::max(0.0, now_seconds - ms / 1000));
      ++next;
      continue;
    }
    const redisReply* waiting = r[i * kPerQueue].get();
    if (waiting->type == REDIS_REPLY_INTEGER && waiting->integer == 0)
      sink.sample("vigia_bullmq_oldest_waiting_job_age_seconds", {{"queue", queues_[i]}}, 0);
  }
  return Status::ok();
}

}  // namespace vigia::redis
