// Backup freshness: the `backups:` config section watches dump locations.
//
//   backups:
//     - name: pg_dump                  # required, unique: the `name` label
//       path: /var/backups/postgres    # required: a directory (not recursive)
//       pattern: "app-*.sql.gz"        # fnmatch(3) on file names; default "*"
//       max_age: 26h                   # required: a Prometheus duration
//
// Per backup, labelled name="<name>": vigia_backup_files and
// vigia_backup_total_size_bytes (regular files matching pattern, symlinks
// followed, dot files only if the pattern says so), and of the newest of them
// (by mtime): vigia_backup_newest_{mtime_seconds,age_seconds,size_bytes}, and
// vigia_backup_newest_gzip_complete when its name ends in ".gz"
// (gzip_check.h) and its check has finished; vigia_backup_max_age_seconds (the configured max_age, for
// rules). No matching file: files 0 and no newest_* series. A directory that
// cannot be read: files 0 too, and the collector reports the error.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/collector.h"
#include "core/yaml_reader.h"

namespace vigia::backup {

struct BackupConfig {
  std::string name;
  std::string path;
  std::string pattern = "*";
  double max_age_seconds = 0;
};

// Reads the list (a null node is an empty one). Throws ConfigError naming
// file:line:column: unknown keys, missing or duplicate name, missing path or
// max_age, a max_age that is not a positive duration, an empty pattern.
std::vector<BackupConfig> read_backups(const YamlReader& r, const YAML::Node& n, std::string_view section);

class BackupCollector final : public Collector {
 public:
  // `now`: the wall clock in Unix seconds (tests step it).
  explicit BackupCollector(std::vector<BackupConfig> backups, std::function<double()> now = {});
  std::string_view name() const override { return "backup"; }
  // Stops the gzip checks still running (their threads end on their own).
  ~BackupCollector() override;
  // Reads each directory, and the newest .gz file's ends when that file
  // (device, inode, size, mtime) is new since the last collection. The gzip
  // check runs on a thread of its own (one per backup at a time): the
  // collection waits for it no later than ctx.deadline, so a large cut file
  // (up to a second of CPU) or a slow filesystem does not make the scrape
  // overrun; a check that has not finished by then gives no
  // vigia_backup_newest_gzip_complete series this time, goes on, and a later
  // collection takes its verdict.
  Status collect(const CollectContext& ctx, MetricSink& sink) override;

 private:
  struct Identity {
    uint64_t dev = 0, ino = 0, size = 0;
    int64_t mtime_ns = 0;
    bool operator==(const Identity&) const = default;
  };
  struct Verdict {
    Identity id;
    bool complete = false;
  };
  struct Check;  // a gzip check on its own thread
  std::vector<BackupConfig> backups_;
  std::function<double()> now_;
  std::map<std::string, Verdict> verdicts_;               // by backup name
  std::map<std::string, std::shared_ptr<Check>> checks_;  // by backup name, until taken
};

}  // namespace vigia::backup
