#include "core/log.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>

#include "core/text.h"

namespace vigia::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
std::atomic<int> g_format{static_cast<int>(Format::kLogfmt)};
std::mutex g_mu;

std::string_view level_name(Level l) {
  switch (l) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
  }
  return "info";
}

// Now, as "2026-11-22T10:00:00.123Z".
std::string now_timestamp() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  return format_rfc3339_ms(ms, true);
}

void append_logfmt_value(std::string& out, std::string_view v) {
  bool quote = v.empty();
  for (char c : v)
    if (c == ' ' || c == '=' || c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
      quote = true;
      break;
    }
  if (!quote) {
    out += v;
    return;
  }
  out += '"';
  for (char c : v) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  out += '"';
}

void append_json_string(std::string& out, std::string_view v) {
  out += '"';
  for (char c : v) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

}  // namespace

bool parse_level(std::string_view s, Level& out) {
  if (s == "debug")
    out = Level::kDebug;
  else if (s == "info")
    out = Level::kInfo;
  else if (s == "warn")
    out = Level::kWarn;
  else if (s == "error")
    out = Level::kError;
  else
    return false;
  return true;
}

bool parse_format(std::string_view s, Format& out) {
  if (s == "logfmt")
    out = Format::kLogfmt;
  else if (s == "json")
    out = Format::kJson;
  else
    return false;
  return true;
}

void configure(Level min_level, Format format) {
  g_level = static_cast<int>(min_level);
  g_format = static_cast<int>(format);
}

bool enabled(Level level) { return static_cast<int>(level) >= g_level.load(); }

void format_line(std::string& line, Format format, std::string_view ts, Level level, std::string_view msg,
                 std::initializer_list<Field> fields) {
  if (format == Format::kJson) {
    line += "{\"ts\":\"";
    line += ts;
    line += "\",\"level\":\"";
    line += level_name(level);
    line += "\",\"msg\":";
    append_json_string(line, msg);
    for (const Field& f : fields) {
      line += ',';
      append_json_string(line, f.key);
      line += ':';
      append_json_string(line, f.value);
    }
    line += "}\n";
  } else {
    line += "ts=";
    line += ts;
    line += " level=";
    line += level_name(level);
    line += " msg=";
    append_logfmt_value(line, msg);
    for (const Field& f : fields) {
      line += ' ';
      line += f.key;
      line += '=';
      append_logfmt_value(line, f.value);
    }
    line += '\n';
  }
}

void write(Level level, std::string_view msg, std::initializer_list<Field> fields) {
  if (!enabled(level)) return;
  std::string ts = now_timestamp();
  std::string line;
  line.reserve(128);
  format_line(line, static_cast<Format>(g_format.load()), ts, level, msg, fields);
  std::lock_guard<std::mutex> lock(g_mu);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace vigia::log
