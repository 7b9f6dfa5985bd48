// Structured logging: one line per event, logfmt (default) or JSON, to stderr.
//   ts=2026-11-22T10:00:00.123Z level=info msg="Listening" address=0.0.0.0:9100
// Never pass secrets as fields: nothing here redacts them.
// Thread-safe.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace vigia::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };
enum class Format { kLogfmt, kJson };

struct Field {
  std::string_view key;
  std::string_view value;
};

// Parses "debug|info|warn|error" / "logfmt|json". False if unknown.
bool parse_level(std::string_view s, Level& out);
bool parse_format(std::string_view s, Format& out);

void configure(Level min_level, Format format);
bool enabled(Level level);

// Appends one formatted line (with its '\n') to out, exactly as write() would
// print it, with `ts` as the timestamp text. Pure; write() uses it.
//   logfmt: values with a blank, '=', '"', '\' or a control character are
//           quoted, with '"' and '\' escaped, newline as \n, other control
//           characters as \xNN; keys are written as given.
//   JSON:   strings escaped per RFC 8259 (\" \\ \n \t \r, \u00NN).
void format_line(std::string& out, Format format, std::string_view ts, Level level, std::string_view msg,
                 std::initializer_list<Field> fields);

void write(Level level, std::string_view msg, std::initializer_list<Field> fields = {});
inline void debug(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::kDebug, m, f); }
inline void info(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::kInfo, m, f); }
inline void warn(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::kWarn, m, f); }
inline void error(std::string_view m, std::initializer_list<Field> f = {}) { write(Level::kError, m, f); }

}  // namespace vigia::log
