#include "exporters/redis/sentinel.h"

#include <algorithm>
#include <charconv>
#include <set>
#include <tuple>

#include "core/fs.h"
#include "exporters/redis/info.h"

namespace vigia::redis {
namespace {

std::string_view text(const redisReply* r) {
  if (r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS || r->type == REDIS_REPLY_ERROR))
    return std::string_view(r->str, r->len);
  return {};
}

// As Go's strconv.Atoi, 0 when it fails (redis_exporter ignores the error).
double atoi_or_zero(std::string_view s) {
  long long v = 0;
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size() ? static_cast<double>(v) : 0;
}

// A map reply (flat array of key, value) -> the value of key, if any.
bool map_get(const redisReply* r, std::string_view key, std::string_view& out) {
  if (!r || r->type != REDIS_REPLY_ARRAY) return false;
  for (size_t i = 0; i + 1 < r->elements; i += 2)
    if (text(r->element[i]) == key) {
      out = text(r->element[i + 1]);
      return true;
    }
  return false;
}

// Entries of a SENTINELS / SLAVES reply whose flags say neither s_down nor o_down.
int count_ok(const redisReply* r) {
  int n = 0;
  if (!r || r->type != REDIS_REPLY_ARRAY) return 0;
  for (size_t i = 0; i < r->elements; ++i) {
    std::string_view flags;
    if (!map_get(r->element[i], "flags", flags)) continue;
    if (flags.find("o_down") != std::string_view::npos || flags.find("s_down") != std::string_view::npos)
      continue;
    ++n;
  }
  return n;
}

struct MasterLine {
  std::string_view name, status, address;
  double slaves, sentinels;
};

// "name=…,status=…,address=…,slaves=N,sentinels=N"; false when slaves or
// sentinels is not a number (as parseSentinelMasterString).
bool parse_master_line(std::string_view v, MasterLine& m) {
  std::string_view slaves, sentinels;
  while (true) {
    size_t comma = v.find(',');
    std::string_view part = v.substr(0, comma);
    size_t eq = part.find('=');
    if (eq != std::string_view::npos && part.find('=', eq + 1) == std::string_view::npos) {
      std::string_view k = part.substr(0, eq), val = part.substr(eq + 1);
      if (k == "name") m.name = val;
      if (k == "status") m.status = val;
      if (k == "address") m.address = val;
      if (k == "slaves") slaves = val;
      if (k == "sentinels") sentinels = val;
    }
    if (comma == std::string_view::npos) break;
    v.remove_prefix(comma + 1);
  }
  return parse_double(slaves, m.slaves) && parse_double(sentinels, m.sentinels);
}

}  // namespace

bool is_sentinel_info(std::string_view info) { return info.find("# Sentinel") != std::string_view::npos; }

void write_sentinel_info(std::string_view info, MetricSink& sink) {
  static constexpr std::pair<std::string_view, const char*> kFields[] = {
      {"sentinel_masters", "The number of masters this sentinel is watching"},
      {"sentinel_tilt", "Sentinel is in TILT mode"},
      {"sentinel_running_scripts", "Number of scripts in execution right now"},
      {"sentinel_scripts_queue_length", "Queue of user scripts to execute"},
      {"sentinel_simulate_failure_flags", "Failures simulations"},
  };
  std::set<std::string_view> written;
  std::vector<MasterLine> masters;
  for (InfoLine line; next_info_line(info, line);) {
    if (line.section != "Sentinel") continue;
    std::string_view key = line.key, value = line.value;
    bool field = false;
    for (const auto& [k, help] : kFields)
      if (key == k) {
        field = true;
        if (written.insert(k).second) sink.gauge("redis_" + std::string(k), help, atoi_or_zero(value));
      }
    // ^master\d+
    if (field || key.size() < 7 || key.compare(0, 6, "master") != 0 || key[6] < '0' || key[6] > '9') continue;
    MasterLine m;
    if (parse_master_line(value, m)) masters.push_back(m);
  }
  // One series per (name, address), the first line's.
  std::stable_sort(masters.begin(), masters.end(), [](const MasterLine& a, const MasterLine& b) {
    return std::tie(a.name, a.address) < std::tie(b.name, b.address);
  });
  masters.erase(std::unique(masters.begin(), masters.end(),
                            [](const MasterLine& a, const MasterLine& b) {
                              return a.name == b.name && a.address == b.address;
                            }),
                masters.end());
  if (masters.empty()) return;
  sink.family("redis_sentinel_master_status", "Master status on Sentinel", MetricType::kGauge);
  for (const MasterLine& m : masters)
    sink.sample("redis_sentinel_master_status",
                {{"master_name", m.name}, {"master_address", m.address}, {"master_status", m.status}},
                m.status == "ok" ? 1 : 0);
  sink.family("redis_sentinel_master_slaves", "The number of slaves of the master", MetricType::kGauge);
  for (const MasterLine& m : masters)
    sink.sample("redis_sentinel_master_slaves", {{"master_name", m.name}, {"master_address", m.address}},
                m.slaves);
  sink.family("redis_sentinel_master_sentinels", "The number of sentinels monitoring this master",
              MetricType::kGauge);
  for (const MasterLine& m : masters)
    sink.sample("redis_sentinel_master_sentinels", {{"master_name", m.name}, {"master_address", m.address}},
                m.sentinels);
}

std::vector<SentinelMaster> sentinel_masters(const redisReply* r, size_t max) {
  std::vector<SentinelMaster> out;
  std::set<std::string_view> names;
  if (!r || r->type != REDIS_REPLY_ARRAY) return out;
  for (size_t i = 0; i < r->elements && out.size() < max; ++i) {
    std::string_view name, ip, port;
    if (!map_get(r->element[i], "name", name) || !map_get(r->element[i], "ip", ip) ||
        !map_get(r->element[i], "port", port) || !names.insert(name).second)
      continue;
    SentinelMaster m{std::string(name), std::string(ip) + ":" + std::string(port)};
    auto setting = [&](std::string_view key, double& out) {
      std::string_view v;
      if (!map_get(r->element[i], key, v) || !parse_double(v, out)) out = 0;
    };
    setting("quorum", m.quorum);
    setting("down-after-milliseconds", m.down_after_ms);
    setting("failover-timeout", m.failover_timeout);
    setting("parallel-syncs", m.parallel_syncs);
    out.push_back(std::move(m));
  }
  return out;
}

void write_sentinel_details(const std::vector<SentinelDetail>& details, MetricSink& sink) {
  if (details.empty()) return;
  sink.family("redis_sentinel_master_ckquorum_status", "Master ckquorum status", MetricType::kGauge);
  for (const SentinelDetail& d : details) {
    const redisReply* q = d.ckquorum;
    bool ok = q && (q->type == REDIS_REPLY_STATUS || q->type == REDIS_REPLY_STRING);
    std::string_view msg = q && q->type == REDIS_REPLY_ERROR ? text(q) : ok ? text(q) : "unexpected reply";
    sink.sample("redis_sentinel_master_ckquorum_status", {{"master_name", d.master.name}, {"message", msg}},
                ok ? 1 : 0);
  }
  sink.family("redis_sentinel_master_ok_sentinels", "The number of okay sentinels monitoring this master",
              MetricType::kGauge);
  for (const SentinelDetail& d : details)
    sink.sample("redis_sentinel_master_ok_sentinels",
                {{"master_name", d.master.name}, {"master_address", d.master.address}},
                1 + count_ok(d.sentinels));  // this Sentinel, and the others it sees up
  sink.family("redis_sentinel_master_ok_slaves", "The number of okay slaves of the master",
              MetricType::kGauge);
  for (const SentinelDetail& d : details)
    sink.sample("redis_sentinel_master_ok_slaves",
                {{"master_name", d.master.name}, {"master_address", d.master.address}}, count_ok(d.slaves));
  // redis_exporter >= 1.56's (not in 1.45).
  static constexpr struct {
    const char* name;
    const char* help;
    double SentinelMaster::*value;
  } kSettings[] = {
      {"redis_sentinel_master_setting_ckquorum", "Show the current ckquorum config for each master",
       &SentinelMaster::quorum},
      {"redis_sentinel_master_setting_down_after_milliseconds",
       "Show the current down-after-milliseconds config for each master", &SentinelMaster::down_after_ms},
      {"redis_sentinel_master_setting_failover_timeout",
       "Show the current failover-timeout config for each master", &SentinelMaster::failover_timeout},
      {"redis_sentinel_master_setting_parallel_syncs",
       "Show the current parallel-syncs config for each master", &SentinelMaster::parallel_syncs},
  };
  for (const auto& f : kSettings) {
    sink.family(f.name, f.help, MetricType::kGauge);
    for (const SentinelDetail& d : details)
      sink.sample(f.name, {{"master_name", d.master.name}, {"master_address", d.master.address}},
                  d.master.*f.value);
  }
}

}  // namespace vigia::redis
