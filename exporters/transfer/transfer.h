// The monthly transfer budget: the `transfer:` config section.
//
//   transfer:
//     quota: 3TB            # required: bytes per billing month (see parse_size)
//     reset_day: 1          # 1..28, default 1: the day of the month (UTC) it starts
//     counts: both          # both (default), transmit or receive: what the quota counts
//     devices: [eth0]       # default: every physical device (<sysfs>/class/net/X/device)
//     state_file: data/vigia-transfer.state   # default; relative: to the config file
//
// Metrics (no labels but direction):
//   vigia_network_transfer_bytes{direction="receive"|"transmit"}  this month's bytes,
//       summed over the devices, from <procfs>/net/dev
//   vigia_network_transfer_quota_bytes                            the quota
//   vigia_network_transfer_quota_used_bytes                       what the quota counts of the above
//   vigia_network_transfer_period_start_timestamp_seconds         the month's start
//   vigia_network_transfer_period_end_timestamp_seconds           the next month's start
//   vigia_network_transfer_state_write_errors_total               failed writes of the state file
//
// Counting, per device, between two readings of its counters:
//   - same boot, counter up: the difference;
//   - new boot id (<procfs>/sys/kernel/random/boot_id): the new counter whole
//     (it started at zero with the boot);
//   - same boot, counter down: a 32-bit wrap when the old value was in the top
//     quarter of 2^32 and the new one is below 2^30 (2^32 - old + new), else a
//     reset (the device re-created): the new counter whole;
//   - a device never read before (first start, newly listed): its counter is
//     the baseline, nothing is added (after a reboot: all of it).
// A month: from reset_day 00:00 UTC to the next month's reset_day. The count
// starts again at zero when the clock passes the next start; a clock stepped
// back keeps the month it was in (a wrong clock must not erase the count).
// The state is written when it changed, at most once a minute, at once after a
// reboot or a new month, on every collection after a failed write (a full
// disk: the count goes on in memory, the error is logged once per failure
// streak), and when the collector is destroyed (shutdown). Traffic between the
// last write and a reboot is lost; a crash or kill loses nothing (the
// counters are still there).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/collector.h"
#include "core/fs.h"
#include "core/yaml_reader.h"
#include "exporters/transfer/state.h"

namespace vigia::transfer {

enum class Counts { kBoth, kReceive, kTransmit };

struct TransferConfig {
  bool configured = false;  // the section is present
  uint64_t quota_bytes = 0;
  int reset_day = 1;
  Counts counts = Counts::kBoth;
  std::vector<std::string> devices;  // empty: every physical device
  std::string state_file;
};

inline constexpr const char* kDefaultStateFile = "data/vigia-transfer.state";

// A size with an optional unit, as humans write a plan's quota: "3TB",
// "500 GB", "1.5TiB", "1048576". Decimal units (kB or KB, MB, GB, TB, PB, EB:
// powers of 1000, as hosting plans and SI count) and binary ones (KiB, MiB,
// GiB, TiB, PiB, EiB: powers of 1024); "B" or none: bytes. Units are
// case-sensitive ("Tb" would be bits: refused). The number may have a
// fraction; the result is rounded down to whole bytes and must be positive
// and below 2^64. False if malformed.
bool parse_size(std::string_view s, uint64_t& bytes);

// Reads the section (null: not configured). Throws ConfigError naming
// file:line:column: unknown keys, a missing or malformed quota, reset_day not
// an integer in 1..28, counts other than both/receive/transmit, devices not a
// list of non-empty names, an empty state_file.
TransferConfig read_transfer(const YamlReader& r, const YAML::Node& n, std::string_view section);

// The start (Unix seconds) of the month that contains `now` for reset_day,
// and of the one after a start.
int64_t period_start(int64_t now, int reset_day);
int64_t next_period_start(int64_t start, int reset_day);

class TransferCollector final : public Collector {
 public:
  // `paths`: procfs (net/dev, sys/kernel/random/boot_id) and sysfs (which
  // devices are physical). `now`: the wall clock in Unix seconds (tests step
  // it). The state file is read at the first collection.
  TransferCollector(TransferConfig cfg, HostPaths paths, std::function<double()> now = {});
  // Writes the state if it changed since the last write.
  ~TransferCollector() override;
  std::string_view name() const override { return "transfer"; }
  // Reads the counters, updates the count and writes the metrics (from memory
  // when the counters cannot be read, with that error).
  Status collect(const CollectContext& ctx, MetricSink& sink) override;

  const TransferState& state() const { return state_; }  // for tests

 private:
  void load();
  Status update(int64_t now);
  void save(int64_t now, bool urgent);

  TransferConfig cfg_;
  HostPaths paths_;
  std::function<double()> now_;
  ProcFile net_dev_;
  std::string buf_;
  bool loaded_ = false;
  TransferState state_;
  std::string written_;  // the text last written (or read)
  int64_t last_write_ = 0;
  bool write_failing_ = false;
  uint64_t write_errors_ = 0;
};

}  // namespace vigia::transfer
