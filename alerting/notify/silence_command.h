// vigia silence add|query|expire: amtool's silence commands against an
// Alertmanager API v2 (vigia's own, or an Alertmanager's).
//   add MATCHER...   --comment, --author (default: $USER), --duration (1h);
//                    prints the new silence's id
//   query [MATCHER...]  the silences (filter as amtool's), a table as amtool
//                    prints it, or only their ids with --quiet
//   expire ID...     expires each
#pragma once

#include <string>
#include <vector>

namespace vigia::notify {

struct SilenceCommand {
  std::string url;                // the API's base URL, e.g. http://localhost:9910
  std::vector<std::string> args;  // after "silence": the subcommand and its operands
  std::string comment, author, duration = "1h";
  bool quiet = false;
};

// Returns the exit status; what amtool prints goes to out, errors to err.
int run_silence_command(const SilenceCommand& cmd, std::string& out, std::string& err);

}  // namespace vigia::notify
