// Silences as Alertmanager 0.25 keeps them (silence/silence.go) and shows
// them in its API v2 (api/v2: postableSilence, gettableSilence): a set of
// matchers and a time range; an alert whose labels every matcher of an active
// silence matches is muted. Kept durably in a Journal (each change fsynced),
// kept `retention` after they end, then forgotten (Alertmanager's
// --data.retention, 120 h).
//
// Threading: every method locks; callable from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "alerting/notify/journal.h"
#include "alerting/notify/matcher.h"
#include "alerting/notify/model.h"
#include "core/status.h"

namespace vigia::promql {
class AnchoredRegex;
}

namespace vigia::notify {

// The API's matcher: isEqual defaults to true, isRegex is required.
struct SilenceMatcher {
  std::string name, value;
  bool is_regex = false;
  bool is_equal = true;
};

// The matcher type of an API matcher (isRegex, isEqual).
MatchType match_type_of(const SilenceMatcher& m);

struct Silence {
  std::string id;
  std::vector<SilenceMatcher> matchers;
  int64_t starts_at_ms = 0, ends_at_ms = 0, updated_at_ms = 0;
  std::string created_by, comment;
};

enum class SilenceState { kActive, kPending, kExpired };
std::string_view silence_state_name(SilenceState s);  // "active", "pending", "expired"
// types.CalcSilenceState: pending before the start, active before the end.
SilenceState silence_state(const Silence& s, int64_t now_ms);

class Silences {
 public:
  explicit Silences(int64_t retention_ms = 120LL * 3600 * 1000);
  ~Silences();

  // Opens the journal (path "" keeps silences in memory) and loads it.
  Status open(const std::string& path);

  // POST /api/v2/silences: creates a silence, or updates the one named by
  // s.id where Alertmanager allows it (same matchers; an active one keeps its
  // start), else expires it and creates a new one. Returns the HTTP status
  // (200, 400 with Alertmanager's message in `err`, 404 for an unknown id)
  // and the id in `id`. Every error message is Alertmanager's.
  int set(Silence s, int64_t now_ms, std::string& id, std::string& err);
  // DELETE /api/v2/silence/{id}: false when there is no such silence.
  bool expire(const std::string& id, int64_t now_ms);
  std::optional<Silence> get(const std::string& id) const;
  // Every silence, sorted as the API sorts them (active by end, pending by
  // start, expired by end, latest first).
  std::vector<Silence> list(int64_t now_ms) const;
  // The ids of the active silences that mute an alert with these labels.
  std::vector<std::string> muting(const Labels& labels, int64_t now_ms) const;
  // Forgets silences that ended more than the retention ago.
  void gc(int64_t now_ms);

  size_t count(SilenceState st, int64_t now_ms) const;
  uint64_t write_errors() const;
  Status flush();

 private:
  struct Entry;
  Status store(const Entry& e);
  std::string new_id() const;

  int64_t retention_ms_;
  mutable std::mutex mu_;
  Journal journal_;
  std::map<std::string, std::unique_ptr<Entry>> by_id_;
};

// JSON of the API's gettableSilence.
std::string gettable_silence_json(const Silence& s, int64_t now_ms);
// Parses a postableSilence (the body of POST /api/v2/silences). False with
// `err` set for a body that is not one (bad JSON, a required field missing,
// a time that is not RFC 3339).
bool parse_postable_silence(std::string_view body, Silence& out, std::string& err);
// The validation of silence.go's validateSilence, with its messages ("" if valid).
std::string validate_silence(const Silence& s);

}  // namespace vigia::notify
