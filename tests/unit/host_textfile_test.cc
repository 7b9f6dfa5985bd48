// The textfile collector: on the cases under tests/fixtures/host/textfile its
// output must equal node_exporter 1.5's (expected/textfile_<case>.prom, made by
// regenerate.sh from the same tree), and files appearing, disappearing and
// being rewritten under another name are followed from one scrape to the next.
#include <sys/time.h>
#include <unistd.h>

#include <catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/exposition.h"
#include "exporters/host/textfile_collector.h"
#include "tests/unit/host_a_test_util.h"

using namespace vigia;
using namespace vigia::host;
using vigia::test::slurp;
namespace fs = std::filesystem;

namespace {

const std::string kFixture = std::string(VIGIA_FIXTURES) + "/host";

std::string run(Collector& c) {
  Status st;
  std::string out = encode_text([&](MetricSink& s) { st = c.collect(CollectContext{}, s); });
  REQUIRE(st.is_ok());  // node_exporter's textfile collector never fails: errors are a metric
  return out;
}

// The fixture files get the mtime regenerate.sh gave them.
void fix_mtimes() {
  for (const auto& e : fs::recursive_directory_iterator(kFixture + "/textfile"))
    if (e.is_regular_file()) {
      struct timeval tv[2] = {{1700000000, 0}, {1700000000, 0}};
      REQUIRE(utimes(e.path().c_str(), tv) == 0);
    }
}

struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "vigia-textfile-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() { fs::remove_all(path); }
  void write(const std::string& name, const std::string& text) const { std::ofstream(path / name) << text; }
};

bool has(const std::string& out, const std::string& line) {
  return out.find("\n" + line + "\n") != std::string::npos;
}

}  // namespace

TEST_CASE("textfile equals node_exporter 1.5 on every fixture case") {
  fix_mtimes();
  // Relative directories, as regenerate.sh runs node_exporter: the file label is relative.
  fs::path cwd = fs::current_path();
  fs::current_path(kFixture);
  for (std::string c : {"glob", "malformed", "merge", "missing", "timestamps", "two_files", "types"}) {
    INFO(c);
    TextfileCollector col(c == "glob" ? "textfile/glob/*" : "textfile/" + c);
    CHECK(run(col) == slurp(kFixture + "/expected/textfile_" + c + ".prom"));
  }
  fs::current_path(cwd);
}

TEST_CASE("textfile follows files appearing, disappearing and renamed into place") {
  TempDir d;
  TextfileCollector col(d.path.string());
  std::string mtime = "node_textfile_mtime_seconds{file=\"" + (d.path / "job.prom").string() + "\"}";
  std::string out = run(col);
  CHECK(has(out, "node_textfile_scrape_error 0"));
  CHECK(out.find("node_textfile_mtime_seconds") == std::string::npos);

  // A writer's temporary file is not read; once renamed into place it is.
  d.write("job.prom.4242", "job_done 1\n");
  out = run(col);
  CHECK(out.find("job_done") == std::string::npos);
  fs::rename(d.path / "job.prom.4242", d.path / "job.prom");
  out = run(col);
  CHECK(has(out, "job_done 1"));
  CHECK(out.find(mtime + " ") != std::string::npos);

  // Rewritten malformed: the file is skipped whole and the error is reported.
  d.write("job.prom", "job_done 2\njob_done{ 3\n");
  out = run(col);
  CHECK(out.find("job_done") == std::string::npos);
  CHECK(out.find(mtime) == std::string::npos);
  CHECK(has(out, "node_textfile_scrape_error 1"));

  // Gone: no series, no error.
  fs::remove(d.path / "job.prom");
  out = run(col);
  CHECK(out.find("job_done") == std::string::npos);
  CHECK(has(out, "node_textfile_scrape_error 0"));

  // The directory itself removed: an error, still no failure of the collector.
  fs::remove_all(d.path);
  CHECK(has(run(col), "node_textfile_scrape_error 1"));
  fs::create_directories(d.path);
}

TEST_CASE("textfile without a directory reports no error") {
  TextfileCollector col("");
  std::string out = run(col);
  CHECK(has(out, "node_textfile_scrape_error 0"));
}
