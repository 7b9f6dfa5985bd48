#include "exporters/host/textfile_collector.h"

#include <dirent.h>
#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>

#include "core/exposition.h"
#include "core/fs.h"
#include "core/log.h"
#include "core/strconv.h"

namespace vigia::host {
namespace {

using LabelPairs = std::vector<std::pair<std::string, std::string>>;

// What the parser writes, before grouping into metrics.
struct RawSample {
  std::string name;
  LabelPairs labels;
  double value;
};

class RecordingSink final : public MetricSink {
 public:
  std::vector<TextfileFamily> families;
  std::vector<std::vector<RawSample>> samples;  // per family
  bool has_timestamp = false;

  void family(std::string_view name, std::string_view help, MetricType type) override {
    auto it = index_.find(std::string(name));
    if (it != index_.end()) {  // a family the parser announces again (samples not contiguous)
      current_ = it->second;
      return;
    }
    current_ = families.size();
    index_.emplace(std::string(name), current_);
    families.push_back(TextfileFamily{std::string(name), std::string(help), type, {}});
    samples.emplace_back();
  }
  void sample(std::string_view name, Labels labels, double value, int64_t timestamp_ms) override {
    if (timestamp_ms >= 0) has_timestamp = true;
    RawSample s{std::string(name), {}, value};
    for (const Label& l : labels) s.labels.emplace_back(l.name, l.value);
    samples[current_].push_back(std::move(s));
  }
  using MetricSink::sample;

 private:
  std::unordered_map<std::string, size_t> index_;
  size_t current_ = 0;
};

// Go's uint64(float64) on amd64, which expfmt applies to bucket and sample counts.
double as_u64(double v) {
  if (std::isnan(v) || v >= 18446744073709551616.0) return 9223372036854775808.0;
  if (v >= 0) return std::floor(v);
  if (v > -9223372036854775808.0) return static_cast<double>(static_cast<uint64_t>(static_cast<int64_t>(v)));
  return 9223372036854775808.0;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Groups one family's samples into node_exporter's metrics: a histogram's or
// summary's samples with the same labels (but `le`/`quantile`) are one metric.
Status group(TextfileFamily& fam, std::vector<RawSample>& raw) {
  bool complex = fam.type == MetricType::kHistogram || fam.type == MetricType::kSummary;
  std::string_view point_label = fam.type == MetricType::kHistogram ? "le" : "quantile";
  std::map<LabelPairs, size_t> by_labels;  // sorted labels without le/quantile -> metric
  std::vector<std::map<double, double>> points;
  std::set<std::string> names;
  for (RawSample& s : raw) {
    std::string point;
    bool has_point = false;
    LabelPairs labels;
    for (auto& l : s.labels) {
      if (complex && l.first == point_label) {
        point = l.second;
        has_point = true;
      } else {
        labels.push_back(std::move(l));
      }
    }
    for (auto& l : labels) names.insert(l.first);
    std::sort(labels.begin(), labels.end());
    if (!complex) {
      fam.metrics.push_back(TextfileMetric{std::move(labels), s.value, 0, 0, {}});
      continue;
    }
    auto [it, fresh] = by_labels.emplace(labels, fam.metrics.size());
    if (fresh) {
      fam.metrics.push_back(TextfileMetric{std::move(labels), 0, 0, 0, {}});
      points.emplace_back();
    }
    TextfileMetric& m = fam.metrics[it->second];
    if (ends_with(s.name, "_sum") && s.name.size() == fam.name.size() + 4) {
      m.sum = s.value;
    } else if (ends_with(s.name, "_count") && s.name.size() == fam.name.size() + 6) {
      m.count = as_u64(s.value);
    } else if (has_point) {
      double bound;
      if (!parse_double(point, bound))
        return Status::error("expected float as value for '" + std::string(point_label) + "' label in " +
                             s.name);
      points[it->second][bound] = fam.type == MetricType::kHistogram ? as_u64(s.value) : s.value;
    }
  }
  for (size_t i = 0; i < points.size(); ++i) fam.metrics[i].points.assign(points[i].begin(), points[i].end());
  // Every metric gets every label name of the family ("" where it had none).
  for (TextfileMetric& m : fam.metrics) {
    if (m.labels.size() == names.size()) continue;
    for (const std::string& n : names)
      if (std::none_of(m.labels.begin(), m.labels.end(), [&](const auto& l) { return l.first == n; }))
        m.labels.emplace_back(n, "");
    std::sort(m.labels.begin(), m.labels.end());
  }
  return Status::ok();
}

// Go's filepath.Clean (lexical): the form of the `file` label.
std::string clean_path(std::string_view p) {
  if (p.empty()) return ".";
  bool rooted = p[0] == '/';
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i < p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    std::string_view e = p.substr(i, j - i);
    i = j + 1;
    if (e.empty() || e == ".") continue;
    if (e == "..") {
      if (!parts.empty() && parts.back() != "..")
        parts.pop_back();
      else if (!rooted)
        parts.push_back(e);
      continue;
    }
    parts.push_back(e);
  }
  std::string out = rooted ? "/" : "";
  for (size_t k = 0; k < parts.size(); ++k) {
    if (k) out += '/';
    out += parts[k];
  }
  return out.empty() ? "." : out;
}

// The directories: the flag's value as a glob, or itself when nothing matches.
std::vector<std::string> directories(const std::string& pattern) {
  std::vector<std::string> out;
  glob_t g{};
  if (!pattern.empty() && glob(pattern.c_str(), 0, nullptr, &g) == 0)
    for (size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
  globfree(&g);
  if (out.empty()) out.push_back(pattern);
  return out;
}

Status list_dir(const std::string& path, std::vector<std::string>& names) {
  DIR* d = opendir(path.empty() ? "" : path.c_str());
  if (!d) return Status::from_errno("open " + path, errno);
  while (dirent* e = readdir(d)) {
    std::string_view n = e->d_name;
    if (n != "." && n != "..") names.emplace_back(n);
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  return Status::ok();
}

Status read_textfile(const std::string& path, std::string& buf, double& mtime) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::from_errno("failed to open textfile data file \"" + path + "\"", errno);
  buf.clear();
  char chunk[65536];
  for (;;) {
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      close(fd);
      return Status::from_errno("failed to read \"" + path + "\"", err);
    }
    if (n == 0) break;
    buf.append(chunk, static_cast<size_t>(n));
  }
  struct stat st {};
  int rc = fstat(fd, &st);
  int err = errno;
  close(fd);
  if (rc != 0) return Status::from_errno("failed to stat \"" + path + "\"", err);
  mtime = static_cast<double>(st.st_mtim.tv_sec);
  return Status::ok();
}

// What client_golang's registry refuses when it gathers a metric (node_exporter
// serves the rest): "" when the metric is accepted.
struct Gathered {
  std::string help;
  MetricType type;
  std::vector<TextfileMetric> metrics;
  std::set<std::string> keys;
};

std::string suffix_collision(const std::string& name, MetricType type,
                             const std::map<std::string, Gathered>& out) {
  for (std::string_view suf : {"_count", "_sum", "_bucket"}) {
    if (!ends_with(name, suf)) continue;
    auto it = out.find(name.substr(0, name.size() - suf.size()));
    if (it == out.end()) break;
    if (it->second.type == MetricType::kHistogram ||
        (it->second.type == MetricType::kSummary && suf != "_bucket"))
      return "collides with the metric family " + it->first;
    break;
  }
  if (type == MetricType::kHistogram || type == MetricType::kSummary)
    for (std::string_view suf : {"_count", "_sum", "_bucket"}) {
      if (suf == "_bucket" && type != MetricType::kHistogram) continue;
      if (out.count(name + std::string(suf)))
        return "collides with the metric family " + name + std::string(suf);
    }
  return {};
}

std::string accept(const TextfileFamily& fam, const std::string& help, const TextfileMetric& m,
                   std::map<std::string, Gathered>& out) {
  auto it = out.find(fam.name);
  if (it != out.end()) {
    if (it->second.help != help)
      return "has help \"" + help + "\" but should have \"" + it->second.help + "\"";
    if (it->second.type != fam.type)
      return "has a type other than " + std::string(metric_type_name(it->second.type));
  } else {
    std::string err = suffix_collision(fam.name, fam.type, out);
    if (!err.empty()) return err;
    it = out.emplace(fam.name, Gathered{help, fam.type, {}, {}}).first;
  }
  std::string key;
  for (const auto& [n, v] : m.labels) {
    if (n.size() >= 2 && n[0] == '_' && n[1] == '_') return "has the reserved label name " + n;
    if (!valid_utf8(v)) return "has a label value that is not valid UTF-8";
    key += n, key += '\xff', key += v, key += '\xff';
  }
  if (!it->second.keys.insert(key).second) return "was collected before with the same name and label values";
  it->second.metrics.push_back(m);
  return {};
}

// client_golang's metric order: by label values in label-name order (fewer labels first).
bool metric_less(const TextfileMetric& a, const TextfileMetric& b) {
  if (a.labels.size() != b.labels.size()) return a.labels.size() < b.labels.size();
  for (size_t i = 0; i < a.labels.size(); ++i)
    if (a.labels[i].second != b.labels[i].second) return a.labels[i].second < b.labels[i].second;
  return false;
}

void write_family(const std::string& name, const Gathered& g, MetricSink& sink) {
  sink.family(name, g.help, g.type);
  std::vector<Label> labels;
  std::string bound, sample_name;
  for (const TextfileMetric& m : g.metrics) {
    labels.clear();
    for (const auto& [n, v] : m.labels) labels.push_back(Label{n, v});
    if (g.type != MetricType::kHistogram && g.type != MetricType::kSummary) {
      sink.sample(name, labels, m.value);
      continue;
    }
    bool histogram = g.type == MetricType::kHistogram;
    sample_name = name + (histogram ? "_bucket" : "");
    bool inf_seen = false;
    for (const auto& [b, v] : m.points) {
      bound.clear();
      append_double(bound, b);
      if (std::isinf(b) && b > 0) inf_seen = true;
      labels.push_back(Label{histogram ? "le" : "quantile", bound});
      sink.sample(sample_name, labels, v);
      labels.pop_back();
    }
    if (histogram && !inf_seen) {
      labels.push_back(Label{"le", "+Inf"});
      sink.sample(sample_name, labels, m.count);
      labels.pop_back();
    }
    sink.sample(name + "_sum", labels, m.sum);
    sink.sample(name + "_count", labels, m.count);
  }
}

}  // namespace

Status parse_textfile(ExpositionParser& parser, std::string_view text, std::vector<TextfileFamily>& out) {
  RecordingSink rec;
  Status st = parser.parse(text, rec);
  if (!st.is_ok()) return st;
  if (rec.has_timestamp)
    return Status::error("contains unsupported client-side timestamps, skipping entire file");
  for (size_t i = 0; i < rec.families.size(); ++i) {
    st = group(rec.families[i], rec.samples[i]);
    if (!st.is_ok()) return st;
  }
  out = std::move(rec.families);
  return Status::ok();
}

void write_textfiles(const std::vector<TextfileSource>& files, MetricSink& sink) {
  std::unordered_map<std::string, std::vector<std::string>> files_of;  // family -> files
  for (const TextfileSource& f : files)
    for (const TextfileFamily& fam : f.families) files_of[fam.name].push_back(f.path);
  std::map<std::string, Gathered> out;
  for (const TextfileSource& f : files)
    for (const TextfileFamily& fam : f.families) {
      std::string help = fam.help;
      if (help.empty()) {
        help = "Metric read from ";
        const auto& list = files_of[fam.name];
        for (size_t i = 0; i < list.size(); ++i) help += (i ? ", " : "") + list[i];
      }
      for (const TextfileMetric& m : fam.metrics) {
        std::string err = accept(fam, help, m, out);
        if (!err.empty())
          log::warn("textfile metric dropped", {{"file", f.path}, {"metric", fam.name}, {"err", err}});
      }
    }
  for (auto& [name, g] : out) {
    if (g.metrics.empty()) continue;
    std::stable_sort(g.metrics.begin(), g.metrics.end(), metric_less);
    write_family(name, g, sink);
  }
}

Status TextfileCollector::collect(const CollectContext&, MetricSink& sink) {
  bool errored = false;
  std::vector<TextfileSource> files;
  std::map<std::string, double> mtimes;
  for (const std::string& dir : directories(directory_)) {
    std::vector<std::string> names;
    Status st = list_dir(dir, names);
    if (!st.is_ok() && !dir.empty()) {
      errored = true;
      log::error("failed to read textfile collector directory", {{"path", dir}, {"err", st.message()}});
    }
    for (const std::string& n : names) {
      if (!ends_with(n, ".prom")) continue;
      std::string path = clean_path(dir + "/" + n);
      double mtime = 0;
      TextfileSource f{path, {}};
      st = read_textfile(path, buf_, mtime);
      if (st.is_ok()) {
        st = parse_textfile(parser_, buf_, f.families);
        if (!st.is_ok())
          st = Status::error("failed to parse textfile data from \"" + path + "\": " + st.message());
      }
      if (!st.is_ok()) {
        errored = true;
        log::error("failed to collect textfile data", {{"file", n}, {"err", st.message()}});
        continue;
      }
      mtimes[path] = mtime;
      files.push_back(std::move(f));
    }
  }

  write_textfiles(files, sink);
  if (!mtimes.empty()) {
    sink.family("node_textfile_mtime_seconds", "Unixtime mtime of textfiles successfully read.",
                MetricType::kGauge);
    for (const auto& [path, t] : mtimes) sink.sample("node_textfile_mtime_seconds", {{"file", path}}, t);
  }
  sink.gauge("node_textfile_scrape_error", "1 if there was an error opening or reading a file, 0 otherwise",
             errored ? 1 : 0);
  return Status::ok();
}

}  // namespace vigia::host
