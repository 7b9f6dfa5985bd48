#include "exporters/host/os_collector.h"

namespace vigia::host {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// Unquotes a shell-style value; false on an unterminated quote.
bool unquote(std::string_view v, std::string& out) {
  out.clear();
  size_t i = 0;
  while (i < v.size()) {
    char c = v[i];
    if (c == '\'') {
      size_t end = v.find('\'', i + 1);
      if (end == std::string_view::npos) return false;
      out += v.substr(i + 1, end - i - 1);
      i = end + 1;
    } else if (c == '"') {
      ++i;
      for (;;) {
        if (i >= v.size()) return false;
        if (v[i] == '"') break;
        if (v[i] == '\\' && i + 1 < v.size() &&
            (v[i + 1] == '"' || v[i + 1] == '\\' || v[i + 1] == '$' || v[i + 1] == '`')) {
          ++i;
        }
        out += v[i++];
      }
      ++i;
    } else if (c == '\\' && i + 1 < v.size()) {
      out += v[i + 1];
      i += 2;
    } else if (is_space(c) || c == '#') {
      break;  // unquoted value ends at whitespace; the rest is a comment
    } else {
      out += c;
      ++i;
    }
  }
  return true;
}

}  // namespace

bool parse_os_release(std::string_view text, OsRelease& out) {
  out = OsRelease{};
  bool ok = true;
  std::string value;
  for_each_line(text, [&](std::string_view line) {
    while (!line.empty() && is_space(line.front())) line.remove_prefix(1);
    if (!ok || line.empty() || line.front() == '#') return;
    if (line.substr(0, 7) == "export ") line.remove_prefix(7);
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) return;
    std::string_view key = line.substr(0, eq);
    if (!unquote(line.substr(eq + 1), value)) {
      ok = false;
      return;
    }
    std::string* dst = key == "BUILD_ID"           ? &out.build_id
                       : key == "ID"               ? &out.id
                       : key == "ID_LIKE"          ? &out.id_like
                       : key == "IMAGE_ID"         ? &out.image_id
                       : key == "IMAGE_VERSION"    ? &out.image_version
                       : key == "NAME"             ? &out.name
                       : key == "PRETTY_NAME"      ? &out.pretty_name
                       : key == "VARIANT"          ? &out.variant
                       : key == "VARIANT_ID"       ? &out.variant_id
                       : key == "VERSION"          ? &out.version
                       : key == "VERSION_CODENAME" ? &out.version_codename
                       : key == "VERSION_ID"       ? &out.version_id
                                                   : nullptr;
    if (dst) *dst = value;
  });
  return ok;
}

double os_major_minor(std::string_view v) {
  // node_exporter's ^[0-9]+\.?[0-9]*
  size_t i = 0;
  while (i < v.size() && v[i] >= '0' && v[i] <= '9') ++i;
  if (i == 0) return 0;
  if (i < v.size() && v[i] == '.') {
    ++i;
    while (i < v.size() && v[i] >= '0' && v[i] <= '9') ++i;
  }
  std::string_view num = v.substr(0, i);
  if (num.back() == '.') num.remove_suffix(1);
  double d = 0;
  return parse_double(num, d) ? d : 0;
}

Status OsCollector::collect(const CollectContext&, MetricSink& sink) {
  Status st = read_file(etc_path_, buf_);
  if (is_not_found(st)) {
    st = read_file(usr_lib_path_, buf_);
    if (is_not_found(st))
      return Status::no_data("neither " + etc_path_ + " nor " + usr_lib_path_ + " exists");
  }
  if (!st.is_ok()) return st;
  if (buf_ != last_ || last_.empty()) {
    if (!parse_os_release(buf_, os_)) {
      last_.clear();
      return Status::error("os-release: unterminated quote");
    }
    version_ = os_major_minor(os_.version_id);
    last_ = buf_;
  }
  sink.gauge("node_os_info",
             "A metric with a constant '1' value labeled by build_id, id, id_like, image_id, image_version, "
             "name, pretty_name, variant, variant_id, version, version_codename, version_id.",
             1,
             {{"build_id", os_.build_id},
              {"id", os_.id},
              {"id_like", os_.id_like},
              {"image_id", os_.image_id},
              {"image_version", os_.image_version},
              {"name", os_.name},
              {"pretty_name", os_.pretty_name},
              {"variant", os_.variant},
              {"variant_id", os_.variant_id},
              {"version", os_.version},
              {"version_codename", os_.version_codename},
              {"version_id", os_.version_id}});
  if (version_ > 0) {
    sink.gauge("node_os_version", "Metric containing the major.minor part of the OS version.", version_,
               {{"id", os_.id}, {"id_like", os_.id_like}, {"name", os_.name}});
  }
  return Status::ok();
}

}  // namespace vigia::host
