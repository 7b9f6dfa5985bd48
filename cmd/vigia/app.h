// The vigia command line: flags, subcommands, serving.
#pragma once

#include <string>
#include <vector>

namespace vigia {

// Runs vigia with args (without the program name); returns the exit status:
// 0 ok, 1 runtime failure (e.g. port in use), 2 usage or configuration error.
int app_main(const std::vector<std::string>& args);

}  // namespace vigia
