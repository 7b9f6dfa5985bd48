#include "core/flags.h"

namespace vigia {

void FlagSet::add_string(std::string name, std::string help, std::string* target) {
  Flag f{std::move(name), std::move(help), *target, Flag::Kind::kString};
  f.s = target;
  flags_.push_back(std::move(f));
}

void FlagSet::add_bool(std::string name, std::string help, bool* target) {
  Flag f{std::move(name), std::move(help), *target ? "true" : "false", Flag::Kind::kBool};
  f.b = target;
  flags_.push_back(std::move(f));
}

void FlagSet::add_list(std::string name, std::string help, std::vector<std::string>* target) {
  Flag f{std::move(name), std::move(help), "", Flag::Kind::kList};
  f.l = target;
  flags_.push_back(std::move(f));
}

void FlagSet::add_prefix(std::string prefix, std::string help, PrefixHandler f) {
  prefixes_.push_back(Prefix{std::move(prefix), std::move(help), std::move(f)});
}

Status FlagSet::parse(const std::vector<std::string>& args, std::vector<std::string>& positional) {
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (a == "--") {
      for (++i; i < args.size(); ++i) positional.push_back(args[i]);
      break;
    }
    if (a.size() < 3 || a.substr(0, 2) != "--") {
      positional.emplace_back(a);
      continue;
    }
    std::string_view body = a.substr(2);
    std::string_view value;
    bool has_value = false;
    if (size_t eq = body.find('='); eq != std::string_view::npos) {
      value = body.substr(eq + 1);
      body = body.substr(0, eq);
      has_value = true;
    }
    bool negated = false;
    std::string_view name = body;
    const Flag* match = nullptr;
    for (const Flag& f : flags_)
      if (f.name == name) match = &f;
    if (!match && name.substr(0, 3) == "no-") {
      for (const Flag& f : flags_)
        if (f.kind == Flag::Kind::kBool && f.name == name.substr(3)) {
          match = &f;
          negated = true;
        }
    }
    if (match) {
      switch (match->kind) {
        case Flag::Kind::kBool:
          if (has_value) {
            if (value == "true" || value == "1")
              *match->b = !negated;
            else if (value == "false" || value == "0")
              *match->b = negated;
            else
              return Status::error("--" + std::string(body) + ": expected true or false, got \"" +
                                   std::string(value) + "\"");
          } else {
            *match->b = !negated;
          }
          break;
        case Flag::Kind::kString:
        case Flag::Kind::kList: {
          std::string v;
          if (has_value) {
            v = value;
          } else if (i + 1 < args.size()) {
            v = args[++i];
          } else {
            return Status::error("--" + std::string(name) + ": expected a value");
          }
          if (match->kind == Flag::Kind::kString)
            *match->s = v;
          else
            match->l->push_back(v);
          break;
        }
      }
      continue;
    }
    bool handled = false;
    std::string_view stripped = name;
    if (stripped.substr(0, 3) == "no-") {
      negated = true;
      stripped.remove_prefix(3);
    }
    for (const Prefix& p : prefixes_) {
      if (stripped.size() > p.prefix.size() && stripped.substr(0, p.prefix.size()) == p.prefix) {
        std::string err = p.f(stripped.substr(p.prefix.size()), negated, value, has_value);
        if (!err.empty()) return Status::error("--" + std::string(name) + ": " + err);
        handled = true;
        break;
      }
    }
    if (!handled) return Status::error("unknown flag --" + std::string(name));
  }
  return Status::ok();
}

std::string FlagSet::usage(std::string_view program, std::string_view summary) const {
  std::string out = "usage: ";
  out += program;
  out += " [<flags>] [<command>]\n\n";
  out += summary;
  out += "\n\nFlags:\n";
  for (const Flag& f : flags_) {
    std::string lhs = "  --";
    if (f.kind == Flag::Kind::kBool) lhs += "[no-]";
    lhs += f.name;
    if (f.kind != Flag::Kind::kBool) lhs += "=VALUE";
    out += lhs;
    out += std::string(lhs.size() < 44 ? 44 - lhs.size() : 1, ' ');
    out += f.help;
    if (!f.def.empty() && f.kind == Flag::Kind::kString) out += " (default: " + f.def + ")";
    out += '\n';
  }
  for (const Prefix& p : prefixes_) {
    std::string lhs = "  --[no-]" + p.prefix + "<name>";
    out += lhs;
    out += std::string(lhs.size() < 44 ? 44 - lhs.size() : 1, ' ');
    out += p.help;
    out += '\n';
  }
  return out;
}

}  // namespace vigia
