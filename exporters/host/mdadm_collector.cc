#include "exporters/host/mdadm_collector.h"

#include <re2/re2.h>

#include <algorithm>

#include "exporters/host/go_text.h"

namespace vigia::host {

namespace {

// procfs's expressions (Go RE2 syntax; RE2 matches them the same way).
const RE2& status_line_re() {
  static const RE2 re(R"((\d+) blocks .*\[(\d+)/(\d+)\] \[([U_]+)\])");
  return re;
}
const RE2& blocks_re() {
  static const RE2 re(R"(\((\d+)/\d+\))");
  return re;
}
const RE2& pct_re() {
  static const RE2 re(R"(= (.+)%)");
  return re;
}
const RE2& finish_re() {
  static const RE2 re(R"(finish=(.+)min)");
  return re;
}
const RE2& speed_re() {
  static const RE2 re(R"(speed=(.+)[A-Z])");
  return re;
}

bool contains(std::string_view s, std::string_view what) { return s.find(what) != std::string_view::npos; }

size_t count(std::string_view s, std::string_view what) {
  size_t n = 0;
  for (size_t i = s.find(what); i != std::string_view::npos; i = s.find(what, i + what.size())) ++n;
  return n;
}

Status line_error(std::string_view what, std::string_view line) {
  return Status::error(std::string(what) + " \"" + std::string(line) + "\"");
}

Status eval_status_line(std::string_view device_line, std::string_view status_line, MdStat& md) {
  std::vector<std::string_view> fields;
  go_fields(status_line, fields);
  if (fields.empty() || !go_parse_int(fields[0], md.blocks_total))
    return line_error("unexpected statusLine", status_line);
  if (contains(device_line, "raid0") || contains(device_line, "linear")) {
    md.disks_total = md.disks_active = static_cast<int64_t>(count(device_line, "["));
    return Status::ok();
  }
  if (contains(device_line, "inactive")) return Status::ok();
  std::string total, active;
  re2::StringPiece line(status_line.data(), status_line.size());
  if (!RE2::PartialMatch(line, status_line_re(), nullptr, &total, &active) ||
      !go_parse_int(total, md.disks_total) || !go_parse_int(active, md.disks_active))
    return line_error("couldn't find all the substring matches:", status_line);
  return Status::ok();
}

Status eval_recovery_line(std::string_view text, int64_t& synced) {
  re2::StringPiece line(text.data(), text.size());
  std::string m;
  if (!RE2::PartialMatch(line, blocks_re(), &m) || !go_parse_int(m, synced))
    return line_error("unexpected recoveryLine", text);
  double v;
  if (!RE2::PartialMatch(line, pct_re(), &m) || !go_parse_float(go_trim_space(m), v))
    return line_error("unexpected recoveryLine matching percentage", text);
  if (!RE2::PartialMatch(line, finish_re(), &m) || !go_parse_float(m, v))
    return line_error("unexpected recoveryLine matching est. finish time", text);
  if (!RE2::PartialMatch(line, speed_re(), &m) || !go_parse_float(m, v))
    return line_error("unexpected recoveryLine matching speed", text);
  return Status::ok();
}

}  // namespace

Status parse_mdstat(std::string_view text, std::vector<MdStat>& out) {
  out.clear();
  std::vector<std::string_view> lines;
  // strings.Split: a trailing newline gives a last, empty line.
  for (size_t i = 0;;) {
    size_t j = text.find('\n', i);
    if (j == std::string_view::npos) {
      lines.push_back(text.substr(i));
      break;
    }
    lines.push_back(text.substr(i, j - i));
    i = j + 1;
  }
  std::vector<std::string_view> fields;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    if (go_trim_space(line).empty() || line[0] == ' ' || line.starts_with("Personalities") ||
        line.starts_with("unused"))
      continue;
    go_fields(line, fields);
    if (fields.size() < 3) return line_error("not enough fields in mdline (expected at least 3):", line);
    MdStat md;
    md.name.assign(fields[0]);
    md.activity_state.assign(fields[2]);
    if (lines.size() <= i + 3) return Status::error("md device " + md.name + ": too few lines for md device");
    md.disks_failed = static_cast<int64_t>(count(line, "(F)"));
    md.disks_spare = static_cast<int64_t>(count(line, "(S)"));
    if (Status st = eval_status_line(line, lines[i + 1], md); !st.is_ok()) return st;
    size_t sync_idx = i + 2;
    if (contains(lines[i + 2], "bitmap")) ++sync_idx;
    std::string_view sync = lines[sync_idx];
    md.blocks_synced = md.blocks_total;
    bool recovering = contains(sync, "recovery"), resyncing = contains(sync, "resync"),
         checking = contains(sync, "check");
    if (recovering || resyncing || checking) {
      md.activity_state = recovering ? "recovering" : checking ? "checking" : "resyncing";
      if (contains(sync, "PENDING") || contains(sync, "DELAYED")) {
        md.blocks_synced = 0;
      } else if (Status st = eval_recovery_line(sync, md.blocks_synced); !st.is_ok()) {
        return Status::error("md device " + md.name + ": " + st.message());
      }
    }
    out.push_back(std::move(md));
  }
  return Status::ok();
}

Status MdadmCollector::collect(const CollectContext&, MetricSink& sink) {
  Status st = file_.read(buf_);
  if (is_not_found(st)) return Status::no_data("no " + file_.path());
  if (!st.is_ok()) return st;
  st = parse_mdstat(buf_, stats_);
  if (!st.is_ok()) return Status::error(file_.path() + ": " + st.message());
  // Series sorted by device, as node_exporter's registry gives them.
  std::stable_sort(stats_.begin(), stats_.end(),
                   [](const MdStat& a, const MdStat& b) { return a.name < b.name; });
  auto per_device = [&](std::string_view name, std::string_view help, auto value) {
    sink.family(name, help, MetricType::kGauge);
    for (const MdStat& m : stats_) sink.sample(name, {{"device", m.name}}, static_cast<double>(value(m)));
  };
  per_device("node_md_blocks", "Total number of blocks on device.",
             [](const MdStat& m) { return m.blocks_total; });
  per_device("node_md_blocks_synced", "Number of blocks synced on device.",
             [](const MdStat& m) { return m.blocks_synced; });
  sink.family("node_md_disks", "Number of active/failed/spare disks of device.", MetricType::kGauge);
  for (const MdStat& m : stats_) {
    sink.sample("node_md_disks", {{"device", m.name}, {"state", "active"}},
                static_cast<double>(m.disks_active));
    sink.sample("node_md_disks", {{"device", m.name}, {"state", "failed"}},
                static_cast<double>(m.disks_failed));
    sink.sample("node_md_disks", {{"device", m.name}, {"state", "spare"}},
                static_cast<double>(m.disks_spare));
  }
  per_device("node_md_disks_required", "Total number of disks of device.",
             [](const MdStat& m) { return m.disks_total; });
  // node_md_state's states (sorted) and the activity state that sets each.
  constexpr std::pair<std::string_view, std::string_view> kStates[] = {{"active", "active"},
                                                                       {"check", "checking"},
                                                                       {"inactive", "inactive"},
                                                                       {"recovering", "recovering"},
                                                                       {"resync", "resyncing"}};
  sink.family("node_md_state", "Indicates the state of md-device.", MetricType::kGauge);
  for (const MdStat& m : stats_)
    for (const auto& [label, state] : kStates)
      sink.sample("node_md_state", {{"device", m.name}, {"state", label}}, m.activity_state == state ? 1 : 0);
  return Status::ok();
}

}  // namespace vigia::host
