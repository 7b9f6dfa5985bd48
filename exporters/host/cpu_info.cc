#include "exporters/host/cpu_info.h"

#include <algorithm>

#include "core/fs.h"
#include "core/text.h"

namespace vigia::host {
namespace {

// Go's strconv.ParseUint(s, 0, 32): decimal, 0x hex, 0o/0 octal, 0b binary, '_' between digits.
bool parse_uint32_base0(std::string_view s, std::string& out) {
  if (s.empty()) return false;
  int base = 10;
  std::string_view d = s;
  if (s.size() > 1 && s[0] == '0') {
    char c = static_cast<char>(s[1] | 0x20);
    if (c == 'x')
      base = 16, d = s.substr(2);
    else if (c == 'b')
      base = 2, d = s.substr(2);
    else if (c == 'o')
      base = 8, d = s.substr(2);
    else
      base = 8, d = s.substr(1);
  }
  if (d.empty()) return false;
  uint64_t v = 0;
  for (char c : d) {
    if (c == '_') continue;
    int digit = c >= '0' && c <= '9'                     ? c - '0'
                : (c | 0x20) >= 'a' && (c | 0x20) <= 'z' ? (c | 0x20) - 'a' + 10
                                                         : 99;
    if (digit >= base) return false;
    v = v * base + digit;
    if (v > 0xffffffffULL) return false;
  }
  out = std::to_string(v);
  return true;
}

}  // namespace

Status parse_cpuinfo(std::string_view text, std::vector<CpuInfo>& out) {
  out.clear();
  Status st;
  bool first = true;
  for_each_line(text, [&](std::string_view line) {
    if (!st.is_ok()) return;
    if (first) {
      if (trim(line).empty()) return;
      first = false;
      size_t sep = line.find(": ");
      if (line.substr(0, 9) != "processor" || line.find(':') == std::string_view::npos) {
        st = Status::error("invalid cpuinfo file: \"" + std::string(line) + "\"");
        return;
      }
      out.emplace_back();
      if (sep == std::string_view::npos || !parse_uint32_base0(line.substr(sep + 2), out.back().processor))
        st = Status::error("invalid processor number in \"" + std::string(line) + "\"");
      return;
    }
    size_t sep = line.find(": ");
    if (sep == std::string_view::npos) return;
    std::string_view key = trim(line.substr(0, sep));
    std::string value(line.substr(sep + 2));
    if (key == "processor") {
      out.emplace_back();
      if (!parse_uint32_base0(value, out.back().processor))
        st = Status::error("invalid processor number in \"" + std::string(line) + "\"");
      return;
    }
    CpuInfo& c = out.back();
    auto split = [](std::string_view v) {
      std::vector<std::string> r;
      for_each_field(v, [&](std::string_view f) {
        r.emplace_back(f);
        return true;
      });
      return r;
    };
    if (key == "vendor" || key == "vendor_id")
      c.vendor = value;
    else if (key == "cpu family")
      c.family = value;
    else if (key == "model")
      c.model = value;
    else if (key == "model name")
      c.model_name = value;
    else if (key == "stepping")
      c.stepping = value;
    else if (key == "microcode")
      c.microcode = value;
    else if (key == "cache size")
      c.cache_size = value;
    else if (key == "physical id")
      c.physical_id = value;
    else if (key == "core id")
      c.core_id = value;
    else if (key == "flags")
      c.flags = split(value);
    else if (key == "bugs")
      c.bugs = split(value);
  });
  if (st.is_ok() && first) st = Status::error("invalid cpuinfo file: \"\"");
  return st;
}

CpuInfoWriter::CpuInfoWriter(const CpuInfoOptions& o)
    : enabled_(o.enabled || !o.flags_include.empty() || !o.bugs_include.empty()),
      has_flags_(!o.flags_include.empty()),
      has_bugs_(!o.bugs_include.empty()),
      flags_("collector.cpu.info.flags-include", o.flags_include),
      bugs_("collector.cpu.info.bugs-include", o.bugs_include) {}

Status CpuInfoWriter::status() const { return flags_.status().is_ok() ? bugs_.status() : flags_.status(); }

void CpuInfoWriter::write(const std::vector<CpuInfo>& cpus, MetricSink& sink) {
  // node_exporter's order: by label values in label-name order (cachesize,
  // core, cpu, family, microcode, model, model_name, package, stepping, vendor).
  std::vector<const CpuInfo*> sorted;
  for (const CpuInfo& c : cpus) sorted.push_back(&c);
  auto key = [](const CpuInfo* c) {
    return std::tie(c->cache_size, c->core_id, c->processor, c->family, c->microcode, c->model, c->model_name,
                    c->physical_id, c->stepping, c->vendor);
  };
  std::stable_sort(sorted.begin(), sorted.end(),
                   [&](const CpuInfo* a, const CpuInfo* b) { return key(a) < key(b); });
  sink.family("node_cpu_info", "CPU information from /proc/cpuinfo.", MetricType::kGauge);
  for (const CpuInfo* c : sorted)
    sink.sample("node_cpu_info",
                {{"cachesize", c->cache_size},
                 {"core", c->core_id},
                 {"cpu", c->processor},
                 {"family", c->family},
                 {"microcode", c->microcode},
                 {"model", c->model},
                 {"model_name", c->model_name},
                 {"package", c->physical_id},
                 {"stepping", c->stepping},
                 {"vendor", c->vendor}},
                1);
  if (cpus.empty()) return;
  auto field = [&](bool on, RegexFilter& f, const std::vector<std::string>& values, std::string_view name,
                   std::string_view help, std::string_view label) {
    if (!on) return;
    std::vector<std::string_view> keep;
    for (const std::string& v : values)
      if (f.matches(v)) keep.push_back(v);
    std::sort(keep.begin(), keep.end());
    keep.erase(std::unique(keep.begin(), keep.end()), keep.end());
    sink.family(name, help, MetricType::kGauge);
    for (std::string_view v : keep) sink.sample(name, {{label, v}}, 1);
  };
  field(has_flags_, flags_, cpus[0].flags, "node_cpu_flag_info",
        "The `flags` field of CPU information from /proc/cpuinfo taken from the first core.", "flag");
  field(has_bugs_, bugs_, cpus[0].bugs, "node_cpu_bug_info",
        "The `bugs` field of CPU information from /proc/cpuinfo taken from the first core.", "bug");
}

}  // namespace vigia::host
