#include "exporters/container/docker_json.h"

#include <nlohmann/json.hpp>

namespace vigia::container {
namespace {

using Json = nlohmann::json;

// A string field, or "" when absent or null; an error when of another type.
bool get_string(const Json& o, const char* key, std::string& out, std::string& err, std::string_view where) {
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return true;
  if (!it->is_string()) {
    err = std::string(where) + "." + key + ": not a string";
    return false;
  }
  out = it->get<std::string>();
  return true;
}

std::string health_from_status(std::string_view status) {
  if (status.find("(unhealthy)") != std::string_view::npos) return "unhealthy";
  if (status.find("(healthy)") != std::string_view::npos) return "healthy";
  if (status.find("(health: starting)") != std::string_view::npos) return "starting";
  return "";
}

Status parse(std::string_view json, Json& out, const char* what) {
  out = Json::parse(json.begin(), json.end(), nullptr, /*allow_exceptions=*/false);
  if (out.is_discarded()) return Status::error(std::string("docker: ") + what + ": invalid JSON");
  return Status::ok();
}

}  // namespace

Status parse_container_list(std::string_view json, std::vector<DockerContainer>& out) {
  out.clear();
  Json doc;
  if (Status s = parse(json, doc, "/containers/json"); !s.is_ok()) return s;
  if (!doc.is_array()) return Status::error("docker: /containers/json: not an array");
  std::string err;
  for (size_t i = 0; i < doc.size(); ++i) {
    const Json& o = doc[i];
    std::string where = "[" + std::to_string(i) + "]";
    if (!o.is_object()) return Status::error("docker: /containers/json: " + where + ": not an object");
    DockerContainer c;
    std::string status;
    if (!get_string(o, "Id", c.id, err, where) || !get_string(o, "Image", c.image, err, where) ||
        !get_string(o, "State", c.state, err, where) || !get_string(o, "Status", status, err, where))
      return Status::error("docker: /containers/json: " + err);
    if (c.id.empty()) return Status::error("docker: /containers/json: " + where + ".Id: missing");
    if (auto n = o.find("Names"); n != o.end() && n->is_array() && !n->empty() && (*n)[0].is_string()) {
      c.name = (*n)[0].get<std::string>();
      if (!c.name.empty() && c.name[0] == '/') c.name.erase(0, 1);
    }
    if (auto l = o.find("Labels"); l != o.end() && l->is_object()) {
      if (!get_string(*l, "com.docker.compose.project", c.compose_project, err, where + ".Labels") ||
          !get_string(*l, "com.docker.compose.service", c.compose_service, err, where + ".Labels"))
        return Status::error("docker: /containers/json: " + err);
    }
    c.health = health_from_status(status);
    out.push_back(std::move(c));
  }
  return Status::ok();
}

Status parse_container_inspect(std::string_view json, DockerContainer& c) {
  Json doc;
  if (Status s = parse(json, doc, "/containers/{id}/json"); !s.is_ok()) return s;
  if (!doc.is_object()) return Status::error("docker: /containers/{id}/json: not an object");
  auto rc = doc.find("RestartCount");
  if (rc == doc.end() || !rc->is_number_integer())
    return Status::error("docker: /containers/{id}/json: RestartCount: not an integer");
  c.restart_count = rc->get<int64_t>();
  if (auto st = doc.find("State"); st != doc.end() && st->is_object()) {
    std::string err;
    if (!get_string(*st, "Status", c.state, err, "State"))
      return Status::error("docker: /containers/{id}/json: " + err);
    if (auto oom = st->find("OOMKilled"); oom != st->end() && oom->is_boolean())
      c.oom_killed = oom->get<bool>();
    if (auto h = st->find("Health"); h != st->end() && h->is_object()) {
      c.health.clear();
      if (!get_string(*h, "Status", c.health, err, "State.Health"))
        return Status::error("docker: /containers/{id}/json: " + err);
    }
  }
  return Status::ok();
}

Status parse_container_sizes(std::string_view json, std::map<std::string, uint64_t, std::less<>>& out) {
  out.clear();
  Json doc;
  if (Status s = parse(json, doc, "/containers/json?size=1"); !s.is_ok()) return s;
  if (!doc.is_array()) return Status::error("docker: /containers/json?size=1: not an array");
  std::string err;
  for (size_t i = 0; i < doc.size(); ++i) {
    const Json& o = doc[i];
    std::string where = "[" + std::to_string(i) + "]";
    if (!o.is_object()) return Status::error("docker: /containers/json?size=1: " + where + ": not an object");
    std::string id;
    if (!get_string(o, "Id", id, err, where)) return Status::error("docker: /containers/json?size=1: " + err);
    if (id.empty()) return Status::error("docker: /containers/json?size=1: " + where + ".Id: missing");
    // The engine leaves SizeRw out when it is 0 (Go's omitempty).
    auto size = o.find("SizeRw");
    if (size == o.end() || size->is_null()) {
      out[id] = 0;
      continue;
    }
    if (!size->is_number_integer())
      return Status::error("docker: /containers/json?size=1: " + where + ".SizeRw: not an integer");
    int64_t v = size->get<int64_t>();
    if (v >= 0) out[id] = uint64_t(v);  // -1: the driver could not tell
  }
  return Status::ok();
}

Status parse_docker_root_dir(std::string_view json, std::string& root_dir) {
  Json doc;
  if (Status s = parse(json, doc, "/info"); !s.is_ok()) return s;
  if (!doc.is_object()) return Status::error("docker: /info: not an object");
  std::string err;
  root_dir.clear();
  if (!get_string(doc, "DockerRootDir", root_dir, err, "")) return Status::error("docker: /info: " + err);
  if (root_dir.empty() || root_dir[0] != '/')
    return Status::error("docker: /info: DockerRootDir: not an absolute path");
  return Status::ok();
}

}  // namespace vigia::container
