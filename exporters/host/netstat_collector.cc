#include "exporters/host/netstat_collector.h"

#include <algorithm>

namespace vigia::host {

namespace {

void drop_protocol(std::vector<NetStat>& out, size_t end, std::string_view protocol) {
  auto last = out.begin() + static_cast<std::ptrdiff_t>(end);
  auto it = std::remove_if(out.begin(), last, [&](const NetStat& s) { return s.protocol == protocol; });
  out.erase(it, last);
}

}  // namespace

Status parse_net_stats(std::string_view text, std::vector<NetStat>& out) {
  std::string_view header;
  bool have_header = false;
  Status st;
  auto pair_up = [&](std::string_view names, std::string_view values) {
    std::string_view protocol = names.substr(0, names.find_first_of(" \t"));
    if (!protocol.empty() && protocol.back() == ':') protocol.remove_suffix(1);
    drop_protocol(out, out.size(), protocol);
    size_t start = out.size();
    bool first = true;
    for_each_field(names, [&](std::string_view f) {
      if (!first) out.push_back({protocol, f, {}});
      first = false;
      return true;
    });
    size_t i = start;
    size_t count = 0;
    first = true;
    for_each_field(values, [&](std::string_view f) {
      if (!first) {
        if (i < out.size()) out[i].value = f;
        ++i;
      }
      first = false;
      ++count;
      return true;
    });
    if (i != out.size() || count == 0) {
      out.resize(start);
      st = Status::error("field count mismatch for " + std::string(protocol));
    }
  };
  for_each_line(text, [&](std::string_view line) {
    if (!st.is_ok()) return;
    if (!have_header) {
      header = line;
      have_header = true;
      return;
    }
    have_header = false;
    pair_up(header, line);
  });
  if (st.is_ok() && have_header) pair_up(header, {});
  return st;
}

void parse_snmp6(std::string_view text, std::vector<NetStat>& out) {
  size_t before = out.size();
  for_each_line(text, [&](std::string_view line) {
    std::string_view f[2];
    int k = 0;
    for_each_field(line, [&](std::string_view x) {
      f[k++] = x;
      return k < 2;
    });
    if (k < 2) return;
    size_t six = f[0].find('6');
    if (six == std::string_view::npos) return;
    std::string_view protocol = f[0].substr(0, six + 1);
    // Replace what earlier files said about this protocol, once.
    bool seen = std::any_of(out.begin() + static_cast<std::ptrdiff_t>(before), out.end(),
                            [&](const NetStat& s) { return s.protocol == protocol; });
    if (!seen) {
      size_t n = out.size();
      drop_protocol(out, before, protocol);
      before -= n - out.size();
    }
    out.push_back({protocol, f[0].substr(six + 1), f[1]});
  });
}

NetstatCollector::NetstatCollector(const HostOptions& opts)
    : netstat_file_(opts.paths.proc_path("net/netstat")),
      snmp_file_(opts.paths.proc_path("net/snmp")),
      snmp6_file_(opts.paths.proc_path("net/snmp6")),
      fields_("collector.netstat.fields", opts.netstat_fields),
      select_all_(opts.netstat_fields.empty()) {}

Status NetstatCollector::collect(const CollectContext&, MetricSink& sink) {
  if (!fields_.status().is_ok()) return fields_.status();
  Status st = netstat_file_.read(netstat_buf_);
  if (!st.is_ok()) return st;
  st = snmp_file_.read(snmp_buf_);
  if (!st.is_ok()) return st;
  st = snmp6_file_.read(snmp6_buf_);
  if (is_not_found(st))
    snmp6_buf_.clear();  // IPv6 disabled
  else if (!st.is_ok())
    return st;

  stats_.clear();
  st = parse_net_stats(netstat_buf_, stats_);
  if (!st.is_ok()) return Status::error(netstat_file_.path() + ": " + st.message());
  st = parse_net_stats(snmp_buf_, stats_);
  if (!st.is_ok()) return Status::error(snmp_file_.path() + ": " + st.message());
  parse_snmp6(snmp6_buf_, stats_);

  values_.resize(stats_.size());
  for (size_t i = 0; i < stats_.size(); ++i) {
    if (!parse_double(stats_[i].value, values_[i]))
      return Status::error("invalid value \"" + std::string(stats_[i].value) + "\" for " +
                           std::string(stats_[i].protocol) + std::string(stats_[i].field));
  }
  // The files list the same statistics in the same order every scrape: the
  // selection, name and HELP are computed once per position and reused while
  // the (protocol, field) there stays the same.
  if (slots_.size() < stats_.size()) slots_.resize(stats_.size());
  for (size_t i = 0; i < stats_.size(); ++i) {
    const NetStat& s = stats_[i];
    Slot& slot = slots_[i];
    if (slot.protocol != s.protocol || slot.field != s.field) {
      slot.protocol.assign(s.protocol);
      slot.field.assign(s.field);
      std::string key = slot.protocol + "_" + slot.field;
      // An empty pattern matches everything in Go.
      slot.keep = select_all_ || fields_.matches(key);
      slot.name = "node_netstat_" + key;
      slot.help = "Statistic " + slot.protocol + slot.field + ".";
    }
    if (!slot.keep) continue;
    sink.family(slot.name, slot.help, MetricType::kUntyped);
    sink.sample(slot.name, {}, values_[i]);
  }
  return Status::ok();
}

}  // namespace vigia::host
