#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/collector.h"
#include "core/fs.h"
#include "exporters/host/host.h"
#include "exporters/host/regex_filter.h"

namespace vigia::host {

// One statistic: protocol ("TcpExt", "Udp6"), field ("ListenDrops") and the
// value as written. Views point into the parsed text.
struct NetStat {
  std::string_view protocol;
  std::string_view field;
  std::string_view value;
};

// Parses /proc/net/netstat or /proc/net/snmp (pairs of "Proto: names..." and
// "Proto: values..." lines) and appends to out. A protocol seen again replaces
// its earlier statistics in out (node_exporter merges per protocol). A value
// line whose field count differs from its header (or is missing) is an error.
Status parse_net_stats(std::string_view text, std::vector<NetStat>& out);

// Parses /proc/net/snmp6 ("Ip6InReceives   1" lines; the protocol is the name
// up to its first '6') and appends to out, replacing earlier statistics of
// the same protocols. Lines with fewer than 2 fields or no '6' are skipped.
void parse_snmp6(std::string_view text, std::vector<NetStat>& out);

// node_netstat_<Proto>_<Field> (untyped) from <procfs>/net/netstat, net/snmp
// and net/snmp6 (optional: absent with IPv6 disabled), for the keys
// "<Proto>_<Field>" that match netstat_fields (node_exporter 1.5). A value that
// is not a number fails the collector, whether or not it is selected.
class NetstatCollector final : public Collector {
 public:
  explicit NetstatCollector(const HostOptions& opts);
  std::string_view name() const override { return "netstat"; }
  Status collect(const CollectContext& ctx, MetricSink& sink) override;

 private:
  ProcFile netstat_file_, snmp_file_, snmp6_file_;
  RegexFilter fields_;
  bool select_all_;
  std::string netstat_buf_, snmp_buf_, snmp6_buf_;
  std::vector<NetStat> stats_;
  std::vector<double> values_;
  struct Slot {
    std::string protocol, field;
    bool keep = false;
    std::string name, help;
  };
  std::vector<Slot> slots_;  // by position in stats_
};

}  // namespace vigia::host
