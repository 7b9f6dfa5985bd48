// vigia: metrics exporters and alert evaluator in one binary.
// Only wiring lives here; see docs/architecture.md.
#include <malloc.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "cmd/vigia/app.h"

int main(int argc, char** argv) {
  // glibc gives each thread that allocates its own arena (up to 8 per core):
  // the HTTP threads serving scrapes in turn each kept one, about 3 MiB of
  // resident memory with a database target. Two arenas are enough: scrapes
  // share one collection and the threads rarely allocate at once.
  mallopt(M_ARENA_MAX, 2);
  std::vector<std::string> args(argv + 1, argv + argc);
  return vigia::app_main(args);
}
