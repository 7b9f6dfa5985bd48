// The backups area: the gzip end check on streams made by zlib (complete,
// cut at chosen points, several members, not gzip at all), the collector on
// a temporary directory of files with chosen mtimes and a stepped clock, and
// the `backups:` section's errors.
#include <catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "core/config.h"
#include "core/exposition.h"
#include "exporters/backup/backup.h"
#include "exporters/backup/gzip_check.h"
#include "config_test_util.h"

using namespace vigia;
using namespace vigia::backup;

namespace {

// A gzip member of data, as gzip(1) writes one (zlib, gzip wrapper).
std::string gzip(const std::string& data, int level = 6) {
  z_stream zs{};
  REQUIRE(deflateInit2(&zs, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&zs, data.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&zs, Z_FINISH) == Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

// Text like a SQL dump: compressible, not trivially.
std::string dump_text(size_t bytes, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s;
  while (s.size() < bytes)
    s += "INSERT INTO orders VALUES (" + std::to_string(rng() % 100000) + ", 'customer-" +
         std::to_string(rng() % 5000) + "', " + std::to_string(rng() % 1000) + "." +
         std::to_string(rng() % 100) + ", '2026-0" + std::to_string(1 + rng() % 9) + "-1" +
         std::to_string(rng() % 10) + "');\n";
  return s;
}

std::string random_bytes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

bool complete(const std::string& file) {
  size_t t = std::min<size_t>(file.size(), kGzipTailBytes);
  return gzip_complete(std::string_view(file).substr(0, 10), std::string_view(file).substr(file.size() - t),
                       file.size());
}

}  // namespace

TEST_CASE("gzip end check: small files are inflated whole") {
  std::string z = gzip(dump_text(20000, 1));
  REQUIRE(z.size() < kGzipTailBytes);
  CHECK(complete(z));
  CHECK(complete(z + gzip("second member\n")));  // cat a.gz b.gz
  CHECK(complete(gzip("")));
  for (size_t cut : {z.size() - 1, z.size() - 4, z.size() - 8, z.size() - 9, z.size() / 2, size_t{20}}) {
    INFO(cut);
    CHECK_FALSE(complete(z.substr(0, cut)));
  }
  std::string bad_crc = z;
  bad_crc[bad_crc.size() - 6] ^= 1;
  CHECK_FALSE(complete(bad_crc));
  CHECK_FALSE(complete("not a gzip file at all, just text\n"));
  CHECK_FALSE(complete(z + "trailing garbage"));
}

TEST_CASE("gzip end check: large files from their last 128 KiB") {
  // Each cut file tries every bit offset of the tail (about 0.4 s, 10 times
  // that under ASan): few cases.
  for (int level : {1, 9}) {
    std::string z = gzip(dump_text(3 << 20, 2 + level), level);
    INFO("level " << level << ", " << z.size() << " bytes");
    REQUIRE(z.size() > 2 * kGzipTailBytes);
    auto t0 = std::chrono::steady_clock::now();
    CHECK(complete(z));
    double ok_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    t0 = std::chrono::steady_clock::now();
    CHECK_FALSE(complete(z.substr(0, z.size() - 1)));
    double cut_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    WARN("complete: " << ok_s << " s, cut: " << cut_s << " s");
    if (level == 1) continue;
    for (size_t cut : {z.size() - 8, z.size() - 3000, z.size() / 2}) {
      INFO(cut);
      CHECK_FALSE(complete(z.substr(0, cut)));
    }
  }
  // Incompressible data: stored blocks.
  std::string z = gzip(random_bytes(1 << 20, 7));
  CHECK(complete(z));
}

namespace {

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    char tmpl[] = "/tmp/vigia-backup-test-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  void write(const std::string& name, const std::string& data, double mtime) {
    std::string p = (path / name).string();
    {
      std::ofstream f(p, std::ios::binary);
      f << data;
    }
    struct timespec ts[2];
    ts[0].tv_sec = ts[1].tv_sec = static_cast<time_t>(mtime);
    ts[0].tv_nsec = ts[1].tv_nsec = 0;
    REQUIRE(::utimensat(AT_FDCWD, p.c_str(), ts, 0) == 0);
  }
};

std::string collect(BackupCollector& c, Status* st = nullptr) {
  TextEncoder enc;
  Status s = c.collect(CollectContext{}, enc);
  if (st)
    *st = s;
  else
    REQUIRE(s.is_ok());
  std::string out;
  enc.finish(out);
  return out;
}

bool has(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

}  // namespace

TEST_CASE("backup collector: files of chosen mtimes, a stepped clock, a truncated gzip") {
  TempDir dir;
  const double day = 86400, t0 = 1780000000;
  std::string good = gzip(dump_text(30000, 3));
  dir.write("app-2026-05-01.sql.gz", good, t0 - 2 * day);
  dir.write("app-2026-05-02.sql.gz", good + good, t0 - day);
  dir.write("notes.txt", "x", t0);                                 // not matching
  dir.write(".app-partial.sql.gz", "x", t0);                       // dot file: FNM_PERIOD
  std::filesystem::create_directory(dir.path / "app-dir.sql.gz");  // not a regular file
  double now = t0;
  std::vector<BackupConfig> cfg = {{"pg", dir.path.string(), "app-*.sql.gz", 26 * 3600},
                                   {"empty", dir.path.string(), "none-*", 3600},
                                   {"missing", (dir.path / "no-such-dir").string(), "*", 3600}};
  BackupCollector c(cfg, [&] { return now; });
  Status st;
  std::string out = collect(c, &st);
  INFO(out);
  CHECK(st.is_error());
  CHECK(st.message().find("missing: ") == 0);
  CHECK(has(out, "vigia_backup_files{name=\"pg\"} 2"));
  CHECK(has(out, "vigia_backup_files{name=\"empty\"} 0"));
  CHECK(has(out, "vigia_backup_files{name=\"missing\"} 0"));
  CHECK(has(out, "vigia_backup_total_size_bytes{name=\"pg\"} " + std::to_string(3 * good.size())));
  CHECK(has(out, "vigia_backup_newest_size_bytes{name=\"pg\"} " + std::to_string(2 * good.size())));
  CHECK(has(out, "vigia_backup_newest_mtime_seconds{name=\"pg\"} 1.7799136e+09"));
  CHECK(has(out, "vigia_backup_newest_age_seconds{name=\"pg\"} 86400"));
  CHECK(has(out, "vigia_backup_newest_gzip_complete{name=\"pg\"} 1"));
  CHECK(has(out, "vigia_backup_max_age_seconds{name=\"pg\"} 93600"));
  CHECK(has(out, "vigia_backup_max_age_seconds{name=\"missing\"} 3600"));
  CHECK(out.find("vigia_backup_newest_age_seconds{name=\"empty\"}") == std::string::npos);
  CHECK(out.find("vigia_backup_newest_gzip_complete{name=\"missing\"}") == std::string::npos);

  // The clock steps: the age grows, nothing else changes.
  now = t0 + 3600;
  out = collect(c, &st);
  CHECK(has(out, "vigia_backup_newest_age_seconds{name=\"pg\"} 90000"));

  // Tonight's dump is cut short: it is the newest, and incomplete.
  std::string partial = gzip(dump_text(30000, 4));
  dir.write("app-2026-05-03.sql.gz", partial.substr(0, partial.size() / 2), t0 + 3000);
  out = collect(c, &st);
  CHECK(has(out, "vigia_backup_files{name=\"pg\"} 3"));
  CHECK(has(out, "vigia_backup_newest_age_seconds{name=\"pg\"} 600"));
  CHECK(has(out, "vigia_backup_newest_gzip_complete{name=\"pg\"} 0"));
  // ...then finished (same name, new size and mtime): checked again.
  dir.write("app-2026-05-03.sql.gz", partial, t0 + 3500);
  out = collect(c, &st);
  CHECK(has(out, "vigia_backup_newest_gzip_complete{name=\"pg\"} 1"));
  CHECK(has(out, "vigia_backup_newest_size_bytes{name=\"pg\"} " + std::to_string(partial.size())));

  // A newest file that is not .gz: no completeness series.
  dir.write("app-2026-05-04.sql", "plain", t0 + 3550);
  BackupCollector plain({{"pg", dir.path.string(), "app-*", 3600}}, [&] { return now; });
  out = collect(plain);
  CHECK(has(out, "vigia_backup_files{name=\"pg\"} 4"));
  CHECK(out.find("vigia_backup_newest_gzip_complete") == std::string::npos);
}

namespace {

std::vector<BackupConfig> parse(const std::string& yaml) {
  return test::read_config_text(yaml, "/etc/vigia/vigia.yml", {"backups"}, [](auto& r, const Config& cfg) {
    return read_backups(r, cfg.section("backups"), "backups");
  });
}

std::string error_of(const std::string& yaml) { return test::config_error_of(parse, yaml); }

}  // namespace

TEST_CASE("backups section") {
  auto b = parse(
      "backups:\n  - {name: pg, path: /var/backups/pg, pattern: '*.sql.gz', max_age: 26h}\n"
      "  - {name: files, path: dumps, max_age: 7d}\n");
  REQUIRE(b.size() == 2);
  CHECK(b[0].path == "/var/backups/pg");
  CHECK(b[0].pattern == "*.sql.gz");
  CHECK(b[0].max_age_seconds == 26 * 3600);
  CHECK(b[1].path == "/etc/vigia/dumps");  // relative to the configuration file
  CHECK(b[1].pattern == "*");
  CHECK(b[1].max_age_seconds == 7 * 86400);
  CHECK(error_of("backups:\n  - {name: a, path: /x, max_age: 1h, patern: x}\n") ==
        "/etc/vigia/vigia.yml:2:38: unknown key 'patern' in backups[0]");
  CHECK(error_of("backups:\n  - {name: a, path: /x}\n") ==
        "/etc/vigia/vigia.yml:2:5: backups[0]: missing key 'max_age'");
  CHECK(error_of("backups:\n  - {name: a, max_age: 1h}\n") ==
        "/etc/vigia/vigia.yml:2:5: backups[0]: missing key 'path'");
  CHECK(error_of("backups:\n  - {name: a, path: /x, max_age: 1h}\n  - {name: a, path: /y, max_age: 1h}\n") ==
        "/etc/vigia/vigia.yml:3:12: backups[1].name: duplicate backup name 'a'");
  CHECK(error_of("backups:\n  - {name: a, path: /x, max_age: soon}\n") ==
        "/etc/vigia/vigia.yml:2:34: backups[0].max_age: expected a duration such as 30s, 5m or 1h30m");
}

TEST_CASE("backup collector: a slow gzip check does not hold a collection past its deadline") {
  // A large file cut short: its check tries every offset of the 128 KiB tail
  // (0.4 s of CPU, more under load or ASan).
  TempDir dir;
  std::string z = gzip(dump_text(3 << 20, 11), 9);
  REQUIRE(z.size() > 2 * kGzipTailBytes);
  const double t0 = 1780000000;
  dir.write("db-1.sql.gz", z.substr(0, z.size() - 1), t0);
  BackupCollector c({{"db", dir.path.string(), "*.sql.gz", 3600}}, [&] { return t0 + 60; });

  // A deadline already passed: the collection returns without waiting for the
  // check it started, so without a verdict, and with everything else.
  CollectContext late;
  late.deadline = Clock::now();
  TextEncoder enc;
  REQUIRE(c.collect(late, enc).is_ok());
  std::string out;
  enc.finish(out);
  INFO(out);
  CHECK(has(out, "vigia_backup_files{name=\"db\"} 1"));
  CHECK(out.find("vigia_backup_newest_gzip_complete") == std::string::npos);

  // The check went on meanwhile: a later collection with time to spare takes
  // its verdict (waiting for the check in flight, not starting another).
  out.clear();
  for (int i = 0; i < 600 && out.find("vigia_backup_newest_gzip_complete") == std::string::npos; ++i) {
    CollectContext ctx;
    ctx.deadline = Clock::now() + std::chrono::milliseconds(200);
    TextEncoder e;
    REQUIRE(c.collect(ctx, e).is_ok());
    out.clear();
    e.finish(out);
  }
  CHECK(has(out, "vigia_backup_newest_gzip_complete{name=\"db\"} 0"));

  // The verdict is kept for the file: the next collection has it at once.
  TextEncoder e2;
  REQUIRE(c.collect(late, e2).is_ok());
  out.clear();
  e2.finish(out);
  CHECK(has(out, "vigia_backup_newest_gzip_complete{name=\"db\"} 0"));
}
