#include "exporters/transfer/transfer.h"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <set>

#include "core/log.h"
#include "core/text.h"
#include "exporters/host/netdev_collector.h"

namespace vigia::transfer {
namespace {

double wall_clock() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

constexpr int64_t kWriteInterval = 60;  // seconds between writes of a changing count
constexpr uint64_t k2p30 = uint64_t(1) << 30, k2p32 = uint64_t(1) << 32;

// bytes added between two readings of one counter (see transfer.h).
uint64_t added(uint64_t before, uint64_t now) {
  if (now >= before) return now - before;
  if (before < k2p32 && before >= 3 * k2p30 && now < k2p30) return k2p32 - before + now;
  return now;
}

int64_t utc_midnight(int year, int month0, int day) {
  // month0 may be -1 or 12: timegm normalizes it.
  struct tm t {};
  t.tm_year = year - 1900;
  t.tm_mon = month0;
  t.tm_mday = day;
  return static_cast<int64_t>(::timegm(&t));
}

}  // namespace

bool parse_size(std::string_view s, uint64_t& bytes) {
  s = trim(s);
  size_t i = 0;
  while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) ++i;
  std::string_view num = s.substr(0, i), unit = trim(s.substr(i));
  if (num.empty() || num.front() == '.' || num.back() == '.' || num.find('.') != num.rfind('.')) return false;
  double v = 0;
  if (!parse_double(num, v)) return false;
  static constexpr struct {
    std::string_view unit;
    double factor;
  } kUnits[] = {{"", 1},         {"B", 1},        {"kB", 1e3},     {"KB", 1e3},     {"MB", 1e6},
                {"GB", 1e9},     {"TB", 1e12},    {"PB", 1e15},    {"EB", 1e18},    {"KiB", 0x1p10},
                {"MiB", 0x1p20}, {"GiB", 0x1p30}, {"TiB", 0x1p40}, {"PiB", 0x1p50}, {"EiB", 0x1p60}};
  for (const auto& u : kUnits) {
    if (u.unit != unit) continue;
    double b = std::floor(v * u.factor);
    if (!(b >= 1) || b >= 0x1p64) return false;
    bytes = static_cast<uint64_t>(b);
    return true;
  }
  return false;
}

TransferConfig read_transfer(const YamlReader& r, const YAML::Node& n, std::string_view section) {
  TransferConfig c;
  if (!n || n.IsNull()) return c;
  std::string sec(section);
  r.expect_map(n, sec);
  r.check_keys(n, sec, {"quota", "reset_day", "counts", "devices", "state_file"});
  c.configured = true;
  if (!n["quota"]) r.fail(n, sec + ": missing key 'quota'");
  std::string q = r.get_string(n["quota"], sec + ".quota");
  if (!parse_size(q, c.quota_bytes))
    r.fail(n["quota"],
           sec + ".quota: expected a positive size such as 3TB, 500GB or 1.5TiB, got \"" + q + "\"");
  if (n["reset_day"]) {
    std::string d = r.get_string(n["reset_day"], sec + ".reset_day");
    int64_t day = 0;
    if (!parse_i64(d, day) || day < 1 || day > 28)
      r.fail(n["reset_day"], sec + ".reset_day: expected a day of the month from 1 to 28, got \"" + d + "\"");
    c.reset_day = static_cast<int>(day);
  }
  if (n["counts"]) {
    std::string v = r.get_string(n["counts"], sec + ".counts");
    if (v == "both")
      c.counts = Counts::kBoth;
    else if (v == "receive")
      c.counts = Counts::kReceive;
    else if (v == "transmit")
      c.counts = Counts::kTransmit;
    else
      r.fail(n["counts"], sec + ".counts: expected both, receive or transmit, got \"" + v + "\"");
  }
  if (n["devices"]) {
    c.devices = r.get_string_list(n["devices"], sec + ".devices");
    std::set<std::string> seen;
    for (size_t i = 0; i < c.devices.size(); ++i) {
      const std::string& d = c.devices[i];
      if (d.empty() || d.find_first_of(" \t/:") != std::string::npos)
        r.fail(n["devices"][i], sec + ".devices: not a network device name: \"" + d + "\"");
      if (!seen.insert(d).second) r.fail(n["devices"][i], sec + ".devices: \"" + d + "\" listed twice");
    }
  }
  if (n["state_file"]) {
    c.state_file = r.get_string(n["state_file"], sec + ".state_file");
    if (c.state_file.empty()) r.fail(n["state_file"], sec + ".state_file: must not be empty");
    // Relative to the configuration file, as rule files are.
    size_t slash = r.file().rfind('/');
    if (c.state_file[0] != '/' && slash != std::string::npos)
      c.state_file = r.file().substr(0, slash + 1) + c.state_file;
  } else {
    c.state_file = kDefaultStateFile;
  }
  return c;
}

int64_t period_start(int64_t now, int reset_day) {
  time_t t = static_cast<time_t>(now);
  struct tm tm {};
  ::gmtime_r(&t, &tm);
  int64_t start = utc_midnight(tm.tm_year + 1900, tm.tm_mon, reset_day);
  if (start > now) start = utc_midnight(tm.tm_year + 1900, tm.tm_mon - 1, reset_day);
  return start;
}

int64_t next_period_start(int64_t start, int reset_day) {
  time_t t = static_cast<time_t>(start);
  struct tm tm {};
  ::gmtime_r(&t, &tm);
  return utc_midnight(tm.tm_year + 1900, tm.tm_mon + 1, reset_day);
}

TransferCollector::TransferCollector(TransferConfig cfg, HostPaths paths, std::function<double()> now)
    : cfg_(std::move(cfg)),
      paths_(std::move(paths)),
      now_(now ? std::move(now) : wall_clock),
      net_dev_(paths_.proc_path("net/dev")) {}

TransferCollector::~TransferCollector() {
  if (loaded_) save(static_cast<int64_t>(now_()), true);
}

void TransferCollector::load() {
  loaded_ = true;
  std::string text;
  Status st = read_file(cfg_.state_file, text);
  if (is_not_found(st)) return;
  if (st.is_ok()) st = parse_state(text, state_);
  if (st.is_ok()) {
    written_ = format_state(state_);
    return;
  }
  state_ = TransferState{};
  // Keep what cannot be read for a human; the next write starts afresh.
  std::string aside = cfg_.state_file + ".bad";
  bool moved = ::rename(cfg_.state_file.c_str(), aside.c_str()) == 0;
  log::error("Cannot read the transfer state file; counting from zero",
             {{"file", cfg_.state_file}, {"err", st.message()}, {"moved_to", moved ? aside : ""}});
}

Status TransferCollector::update(int64_t now) {
  bool urgent = false;
  int64_t start = period_start(now, cfg_.reset_day);
  if (start > state_.period_start) {
    // A new month (or the first): the count starts again.
    if (state_.period_start != 0) log::info("New transfer period", {{"start", std::to_string(start)}});
    state_.period_start = start;
    state_.receive = state_.transmit = 0;
    urgent = true;
  }

  std::string boot;
  if (read_file(paths_.proc_path("sys/kernel/random/boot_id"), boot).is_ok())
    boot = std::string(trim(boot));
  else
    boot.clear();
  bool rebooted = !boot.empty() && !state_.boot_id.empty() && boot != state_.boot_id;
  if (rebooted) urgent = true;

  Status st = net_dev_.read(buf_);
  std::vector<host::NetDevLine> devs;
  if (st.is_ok()) st = host::parse_net_dev(buf_, devs);
  if (!st.is_ok()) {
    save(now, urgent);
    return Status::error(net_dev_.path() + ": " + st.message());
  }
  if (!boot.empty()) state_.boot_id = boot;

  std::set<std::string> wanted(cfg_.devices.begin(), cfg_.devices.end());
  std::map<std::string, DeviceCounters> last;
  size_t found = 0;
  for (const host::NetDevLine& d : devs) {
    if (wanted.empty()) {
      struct stat sb;
      if (::stat(paths_.sys_path("class/net/" + d.name + "/device").c_str(), &sb) != 0) continue;
    } else if (!wanted.count(d.name)) {
      continue;
    }
    ++found;
    DeviceCounters now_c{d.values[0], d.values[8]};
    auto it = state_.last.find(d.name);
    if (rebooted) {
      state_.receive += now_c.receive;
      state_.transmit += now_c.transmit;
    } else if (it != state_.last.end()) {
      state_.receive += added(it->second.receive, now_c.receive);
      state_.transmit += added(it->second.transmit, now_c.transmit);
    }
    last[d.name] = now_c;
  }
  // Devices absent now keep their last counters (a link that comes back),
  // unless the machine rebooted since.
  if (!rebooted)
    for (const auto& [name, c] : state_.last)
      if (!last.count(name) && (wanted.empty() || wanted.count(name))) last[name] = c;
  state_.last = std::move(last);
  save(now, urgent);
  if (found == 0)
    return Status::error(wanted.empty() ? "no physical network device in " + net_dev_.path()
                                        : "none of the transfer devices is in " + net_dev_.path());
  return Status::ok();
}

void TransferCollector::save(int64_t now, bool urgent) {
  std::string text = format_state(state_);
  if (text == written_) return;
  if (!urgent && !write_failing_ && written_.size() && now - last_write_ < kWriteInterval &&
      now >= last_write_)
    return;
  Status st = write_file_durably(cfg_.state_file, text);
  if (!st.is_ok()) {
    ++write_errors_;
    if (!write_failing_)
      log::error("Cannot write the transfer state file; counting on in memory, retrying at each collection",
                 {{"file", cfg_.state_file}, {"err", st.message()}});
    write_failing_ = true;
    return;
  }
  if (write_failing_) log::info("Transfer state file written again", {{"file", cfg_.state_file}});
  write_failing_ = false;
  written_ = std::move(text);
  last_write_ = now;
}

Status TransferCollector::collect(const CollectContext& ctx, MetricSink& sink) {
  (void)ctx;  // procfs and one small file
  int64_t now = static_cast<int64_t>(std::floor(now_()));
  if (!loaded_) load();
  Status st = update(now);

  const char* bytes = "vigia_network_transfer_bytes";
  sink.family(bytes, "Bytes received or transmitted this billing period, summed over the transfer devices.",
              MetricType::kGauge);
  sink.sample(bytes, {{"direction", "receive"}}, static_cast<double>(state_.receive));
  sink.sample(bytes, {{"direction", "transmit"}}, static_cast<double>(state_.transmit));
  sink.gauge("vigia_network_transfer_quota_bytes", "The transfer quota of a billing period in bytes.",
             static_cast<double>(cfg_.quota_bytes));
  uint64_t used = cfg_.counts == Counts::kReceive    ? state_.receive
                  : cfg_.counts == Counts::kTransmit ? state_.transmit
                                                     : state_.receive + state_.transmit;
  sink.gauge("vigia_network_transfer_quota_used_bytes",
             "Bytes of this billing period that count against the quota (transfer.counts).",
             static_cast<double>(used));
  sink.gauge("vigia_network_transfer_period_start_timestamp_seconds",
             "Start of the current billing period, in Unix seconds.",
             static_cast<double>(state_.period_start));
  sink.gauge("vigia_network_transfer_period_end_timestamp_seconds",
             "End of the current billing period (the next one's start), in Unix seconds.",
             static_cast<double>(next_period_start(state_.period_start, cfg_.reset_day)));
  sink.counter("vigia_network_transfer_state_write_errors_total",
               "Failed writes of the transfer state file (the count goes on in memory).",
               static_cast<double>(write_errors_));
  return st;
}

}  // namespace vigia::transfer
