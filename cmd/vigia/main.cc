// vigia: metrics exporters and alert evaluator in one binary.
// Only wiring lives here; see docs/architecture.md.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "cmd/vigia/app.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return vigia::app_main(args);
}
