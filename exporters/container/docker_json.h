// Parsers of the Docker Engine API's answers (pure functions, fuzzed by
// tests/fuzz/docker_json_fuzz.cc): GET /containers/json?all=1 (and with
// size=1), GET /containers/{id}/json and GET /info.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace vigia::container {

// What vigia keeps of one container.
struct DockerContainer {
  std::string id;                                // 64 hex digits
  std::string name;                              // without the leading '/'
  std::string image;                             // as given to `docker run` (cAdvisor's image label)
  std::string compose_project, compose_service;  // com.docker.compose.* labels
  std::string state;           // created, running, paused, restarting, removing, exited, dead
  std::string health;          // starting, healthy, unhealthy; "" without a health check
  int64_t restart_count = -1;  // from inspect; -1 until inspected
  bool oom_killed = false;     // State.OOMKilled, from inspect
};

// /containers/json: an array of containers (Id, Names, Image, Labels, State,
// Status). Health comes from Status ("Up 2 minutes (healthy)"). Fields of
// the wrong type are errors; unknown fields are ignored. Errors say what was
// wrong ("docker: /containers/json: [3].Id: not a string").
Status parse_container_list(std::string_view json, std::vector<DockerContainer>& out);

// /containers/{id}/json: fills restart_count, oom_killed, state and health
// (State.Health.Status) of c.
Status parse_container_inspect(std::string_view json, DockerContainer& c);

// /containers/json?all=1&size=1: each container's SizeRw (bytes of its
// writable layer, as `docker ps --size` shows them), by Id. SizeRw absent
// is 0 (the engine omits a zero); a negative one (not sized) is left out.
Status parse_container_sizes(std::string_view json, std::map<std::string, uint64_t, std::less<>>& out);

// /info: DockerRootDir (the engine's data root, /var/lib/docker by default).
Status parse_docker_root_dir(std::string_view json, std::string& root_dir);

}  // namespace vigia::container
