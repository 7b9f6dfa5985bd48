// A durable map from string keys to JSON texts, for the notifier's state that
// must survive kill -9 and a reboot: the outbox, the notification log and the
// silences. It is a file of JSON lines, appended to and fsynced on every
// change ({"k":KEY,"v":VALUE} sets, {"k":KEY} erases), and rewritten whole
// (write_file_atomically) once it holds many more lines than live entries.
// Opening replays it; a torn last line (a crash in the middle of an append)
// is dropped.
//
// A write that fails (a full disk, a read-only filesystem) keeps the change
// in memory, counts the error and returns it; the next change, or flush(),
// rewrites the whole file first, so the file catches up as soon as space is
// back and never holds a gap.
//
// Not thread-safe: the owner locks.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "core/status.h"

namespace vigia::notify {

class Journal {
 public:
  Journal() = default;
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Opens (creating) `path` and its directory, and replays it. An empty path
  // keeps everything in memory only. Errors name the path; lines that cannot
  // be read are skipped and counted in `skipped`.
  Status open(const std::string& path, size_t* skipped = nullptr);

  const std::map<std::string, std::string>& entries() const { return entries_; }
  // For an owner that holds the entries itself (the outbox): from now on the
  // journal keeps only the keys, and a rewrite asks `value_of` for each live
  // key's JSON text ("" drops the key). The texts read by open() are freed.
  void keep_keys_only(std::function<std::string(const std::string& key)> value_of);
  // Durable on return when it returns ok (inside a batch: at end_batch());
  // `sync` false: written (it survives kill -9), durable with the next sync.
  Status put(const std::string& key, std::string value_json, bool sync = true);
  // `sync` false: written, but durable only with the next synced change
  // (for an erase whose loss a restart tolerates).
  Status erase(const std::string& key, bool sync = true);
  // Changes between begin_batch() and end_batch() are written as they come
  // and made durable together by one fdatasync at end_batch() (a group commit).
  void begin_batch() { batch_ = true; }
  Status end_batch();
  // Makes the unsynced changes durable (one fdatasync), if there are any.
  Status sync();
  // Retries a failed write (rewrites the file) when one is pending.
  Status flush();

  bool pending() const { return dirty_; }  // the file lags memory
  uint64_t write_errors() const { return write_errors_; }

 private:
  Status append(const std::string& line, bool sync = true);
  Status rewrite();

  std::string path_;
  int fd_ = -1;
  std::map<std::string, std::string> entries_;
  std::function<std::string(const std::string&)> value_of_;  // keep_keys_only
  size_t lines_ = 0;                                         // lines in the file
  bool dirty_ = false;
  bool batch_ = false;
  bool unsynced_ = false;  // appended lines not yet fdatasynced
  uint64_t write_errors_ = 0;
};

}  // namespace vigia::notify
