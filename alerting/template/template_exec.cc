// Execution of a parsed template, following text/template's exec.go (Go
// 1.19) with Option("missingkey=zero"), as Prometheus sets it; error texts
// are Go's so that an annotation that fails reads as it does in Prometheus.
#include "alerting/template/template_exec.h"

#include <cmath>

#include "alerting/template/template.h"

namespace vigia::alerting {
namespace tmpl {
namespace {

constexpr int kMaxDepth = 1000;
constexpr long kMaxSteps = 1000000;
constexpr size_t kMaxOutput = 16u << 20;

}  // namespace

std::string Executor::run() {
  Value dot = root_;
  if (dot.kind == Kind::kInvalid) {
    dot.kind = Kind::kData;
    dot.data = &data_;
  }
  vars_.push_back({"$", dot});
  tmpl_name_ = trees_[0].name;
  walk(dot, *trees_[0].root);
  return std::move(out_);
}

void Executor::errorf(const std::string& msg) {
  std::string location = parse_name_, context;
  if (at_) {
    size_t pos = std::min(at_->pos, text_.size());
    std::string_view before = text_.substr(0, pos);
    size_t nl = before.rfind('\n');
    size_t col = nl == std::string_view::npos ? pos : pos - nl - 1;
    int line = 1;
    for (char c : before) line += c == '\n';
    location += ":" + std::to_string(line) + ":" + std::to_string(col);
    context = node_string(*at_);
    throw ExecError{"template: " + location + ": executing " + go_quote(tmpl_name_) + " at <" + context +
                    ">: " + msg};
  }
  throw ExecError{"template: " + tmpl_name_ + ": " + msg};
}

void Executor::step() {
  if (++steps_ > kMaxSteps) errorf("template expansion exceeded 1000000 steps");
}

void Executor::write(std::string_view s) {
  if (out_.size() + s.size() > kMaxOutput) errorf("template output exceeded 16 MiB");
  out_.append(s);
}

Flow Executor::walk(const Value& dot, const Node& n) {
  step();
  at_ = &n;
  switch (n.type) {
    case NodeType::kAction: {
      Value v = eval_pipeline(dot, *n.pipe);
      if (n.pipe->decl.empty()) print_value(n, v);
      return Flow::kNormal;
    }
    case NodeType::kBreak: return Flow::kBreak;
    case NodeType::kContinue: return Flow::kContinue;
    case NodeType::kIf:
    case NodeType::kWith: {
      size_t mark = vars_.size();
      Value v = eval_pipeline(dot, *n.pipe);
      Flow f = Flow::kNormal;
      if (truth(v)) {
        f = walk(n.type == NodeType::kWith ? v : dot, *n.list);
      } else if (n.else_list) {
        f = walk(dot, *n.else_list);
      }
      vars_.resize(mark);
      return f;
    }
    case NodeType::kList:
      for (const auto& c : n.nodes) {
        Flow f = walk(dot, *c);
        if (f != Flow::kNormal) return f;
      }
      return Flow::kNormal;
    case NodeType::kRange: walk_range(dot, n); return Flow::kNormal;
    case NodeType::kTemplate: walk_template(dot, n); return Flow::kNormal;
    case NodeType::kText: write(n.text); return Flow::kNormal;
    default: errorf("unknown node: " + node_string(n));
  }
}

void Executor::walk_range(const Value& dot, const Node& r) {
  at_ = &r;
  size_t outer = vars_.size();
  Value val = eval_pipeline(dot, *r.pipe);
  size_t mark = vars_.size();
  const auto& decl = r.pipe->decl;
  bool stop = false;
  auto one = [&](const Value& index, const Value& elem) {
    if (!decl.empty()) {
      if (r.pipe->is_assign) {
        set_var(decl[0]->idents[0], decl.size() > 1 ? index : elem);
      } else {
        vars_[vars_.size() - 1].second = elem;
      }
    }
    if (decl.size() > 1) {
      if (r.pipe->is_assign)
        set_var(decl[1]->idents[0], elem);
      else
        vars_[vars_.size() - 2].second = index;
    }
    Flow f = walk(elem, *r.list);
    vars_.resize(mark);
    if (f == Flow::kBreak) stop = true;
  };
  bool empty = true;
  switch (val.kind) {
    case Kind::kStrMap:
      if (val.str_map)
        for (const auto& [k, v] : *val.str_map) {
          empty = false;
          one(Value::string(k), Value::string(v));
          if (stop) break;
        }
      break;
    case Kind::kAnyMap:
      if (val.any_map)
        for (const auto& [k, v] : *val.any_map) {
          empty = false;
          one(Value::string(k), v);
          if (stop) break;
        }
      break;
    case Kind::kSamples:
      if (val.samples)
        for (size_t i = 0; i < val.samples->size(); ++i) {
          empty = false;
          Value e;
          e.kind = Kind::kSample;
          e.sample = (*val.samples)[i];
          one(Value::integer(static_cast<int64_t>(i)), e);
          if (stop) break;
        }
      break;
    case Kind::kStrSlice:
      if (val.strs)
        for (size_t i = 0; i < val.strs->size() && !stop; ++i) {
          empty = false;
          one(Value::integer(static_cast<int64_t>(i)), Value::string((*val.strs)[i]));
        }
      break;
    case Kind::kMsgAlerts:
      if (val.alerts)
        for (size_t i = 0; i < val.alerts->size() && !stop; ++i) {
          empty = false;
          Value e;
          e.kind = Kind::kMsgAlert;
          e.alert = std::shared_ptr<const MessageAlert>(val.alerts, &(*val.alerts)[i]);
          one(Value::integer(static_cast<int64_t>(i)), e);
        }
      break;
    case Kind::kPairs:
      if (val.str_map)
        for (size_t i = 0; i < val.str_map->size() && !stop; ++i) {
          empty = false;
          Value e;
          e.kind = Kind::kPair;
          e.str_map = std::make_shared<const promql::LabelSet>(1, (*val.str_map)[i]);
          one(Value::integer(static_cast<int64_t>(i)), e);
        }
      break;
    case Kind::kInvalid: break;
    case Kind::kSample:
      if (!val.sample) break;  // a nil pointer is like an invalid value
      [[fallthrough]];
    default: {
      std::string shown = format_v(val);
      if (val.kind == Kind::kSample) shown = shown.substr(1);  // indirect: {…}, not &{…}
      errorf("range can't iterate over " + shown);
    }
  }
  if (empty && r.else_list) walk(dot, *r.else_list);
  vars_.resize(outer);
}

void Executor::walk_template(const Value& dot, const Node& t) {
  at_ = &t;
  const Tree* tree = nullptr;
  for (const auto& tr : trees_)
    if (tr.name == t.text) tree = &tr;
  if (!tree && more_trees_)  // other files' definitions, the one that wins first
    for (const auto& tr : *more_trees_)
      if (tr.name == t.text) {
        tree = &tr;
        break;
      }
  if (!tree) errorf("template " + go_quote(t.text) + " not defined");
  if (depth_ >= kMaxDepth) errorf("exceeded maximum template depth (" + std::to_string(kMaxDepth) + ")");
  Value new_dot = t.pipe ? eval_pipeline(dot, *t.pipe) : Value{};
  std::vector<std::pair<std::string, Value>> saved_vars;
  saved_vars.swap(vars_);
  vars_.push_back({"$", new_dot});
  std::string saved_name = tmpl_name_;
  tmpl_name_ = tree->name;
  ++depth_;
  walk(new_dot, *tree->root);
  --depth_;
  tmpl_name_ = saved_name;
  vars_.swap(saved_vars);
}

void Executor::print_value(const Node& n, const Value& v) {
  at_ = &n;
  if (v.kind == Kind::kInvalid) {
    write("<no value>");
    return;
  }
  if (v.kind == Kind::kSample && v.sample) {
    write(format_v(v).substr(1));  // text/template prints *T as T
    return;
  }
  if (escape_html_ && v.kind != Kind::kHtml) {
    write(html_text_escape(format_v(v)));
    return;
  }
  write(format_v(v));
}

void Executor::set_var(const std::string& name, const Value& v) {
  for (size_t i = vars_.size(); i-- > 0;)
    if (vars_[i].first == name) {
      vars_[i].second = v;
      return;
    }
  errorf("undefined variable: " + name);
}

Value Executor::var_value(const std::string& name) {
  for (size_t i = vars_.size(); i-- > 0;)
    if (vars_[i].first == name) return vars_[i].second;
  errorf("undefined variable: " + name);
}

// `final` is the previous command's value in a pipeline; missing = null.
Value Executor::eval_pipeline(const Value& dot, const Node& pipe) {
  at_ = &pipe;
  Value v;
  const Value* final = nullptr;
  for (const auto& cmd : pipe.nodes) {
    step();
    v = eval_command(dot, *cmd, final);
    // Long strings cost in proportion, so that a loop of huge printf
    // widths or replacements ends early rather than after hours.
    if (v.kind == Kind::kString) steps_ += static_cast<long>(v.s.size() / 256);
    v.nil_iface = false;
    final = &v;
  }
  for (const auto& d : pipe.decl) {
    if (pipe.is_assign)
      set_var(d->idents[0], v);
    else
      vars_.push_back({d->idents[0], v});
  }
  return v;
}

void Executor::not_a_function(const Node& cmd, const Value* final) {
  if (cmd.nodes.size() > 1 || final)
    errorf("can't give argument to non-function " + node_string(*cmd.nodes[0]));
}

Value Executor::eval_command(const Value& dot, const Node& cmd, const Value* final) {
  const Node& first = *cmd.nodes[0];
  switch (first.type) {
    case NodeType::kField: at_ = &first; return eval_field_chain(dot, dot, first, first.idents, &cmd, final);
    case NodeType::kChain: return eval_chain(dot, first, &cmd, final);
    case NodeType::kIdentifier: return eval_function(dot, first, cmd, &cmd, final);
    case NodeType::kPipe: not_a_function(cmd, final); return eval_pipeline(dot, first);
    case NodeType::kVariable: return eval_variable(dot, first, &cmd, final);
    default: break;
  }
  at_ = &first;
  not_a_function(cmd, final);
  switch (first.type) {
    case NodeType::kBool: return Value::boolean(first.bool_value);
    case NodeType::kDot: return dot;
    case NodeType::kNil: errorf("nil is not a command");
    case NodeType::kNumber: return ideal_constant(first);
    case NodeType::kString: return Value::string(first.text);
    default: errorf("can't evaluate command " + go_quote(node_string(first)));
  }
}

Value Executor::ideal_constant(const Node& n) {
  at_ = &n;
  bool hex_int = n.text.size() > 2 && n.text[0] == '0' && (n.text[1] == 'x' || n.text[1] == 'X') &&
                 n.text.find_first_of("pP") == std::string::npos;
  bool rune = !n.text.empty() && n.text[0] == '\'';
  if (n.is_float && !hex_int && !rune && n.text.find_first_of(".eEpP") != std::string::npos)
    return Value::real(n.float_value);
  if (n.is_int) return Value::integer(n.int_value);
  errorf(n.text + " overflows int");
}

Value Executor::eval_chain(const Value& dot, const Node& chain, const Node* cmd, const Value* final) {
  at_ = &chain;
  if (chain.pipe->type == NodeType::kNil) errorf("indirection through explicit nil in " + node_string(chain));
  Value recv = eval_arg(dot, nullptr, *chain.pipe);
  return eval_field_chain(dot, recv, chain, chain.idents, cmd, final);
}

Value Executor::eval_variable(const Value& dot, const Node& var, const Node* cmd, const Value* final) {
  at_ = &var;
  Value v = var_value(var.idents[0]);
  if (var.idents.size() == 1) {
    if (cmd) not_a_function(*cmd, final);
    return v;
  }
  std::vector<std::string> rest(var.idents.begin() + 1, var.idents.end());
  return eval_field_chain(dot, v, var, rest, cmd, final);
}

Value Executor::eval_field_chain(const Value& dot, Value recv, const Node& node,
                                 const std::vector<std::string>& idents, const Node* cmd,
                                 const Value* final) {
  for (size_t i = 0; i + 1 < idents.size(); ++i)
    recv = eval_field(dot, idents[i], node, nullptr, nullptr, recv);
  return eval_field(dot, idents.back(), node, cmd, final, recv);
}

Value Executor::eval_field(const Value& dot, const std::string& name, const Node& node, const Node* cmd,
                           const Value* final, const Value& recv) {
  bool message_kind = recv.kind == Kind::kMsgData || recv.kind == Kind::kMsgAlerts ||
                      recv.kind == Kind::kMsgAlert || recv.kind == Kind::kPairs || recv.kind == Kind::kPair ||
                      recv.kind == Kind::kTime || (recv.kind == Kind::kStrMap && recv.kv);
  if (message_kind) {
    // Methods and fields of Alertmanager's types (a KV's methods before its
    // keys, as Go looks a method up before a map key).
    std::vector<Value> args;
    bool has_args = (cmd && cmd->nodes.size() > 1) || final;
    if (cmd)
      for (size_t i = 1; i < cmd->nodes.size(); ++i) args.push_back(eval_arg(dot, nullptr, *cmd->nodes[i]));
    if (final) args.push_back(*final);
    at_ = &node;
    Value out;
    std::string err;
    if (message_field(name, recv, args, has_args, out, err)) {
      if (!err.empty()) errorf(err);
      return out;
    }
  }
  if (recv.kind == Kind::kInvalid) {
    if (recv.nil_iface) errorf("nil pointer evaluating interface {}." + name);
    return Value{};
  }
  bool has_args = (cmd && cmd->nodes.size() > 1) || final;
  auto map_lookup = [&](auto&& lookup) -> Value {
    if (has_args) errorf(name + " is not a method but has arguments");
    return lookup();
  };
  switch (recv.kind) {
    case Kind::kData: {
      if (name == "Labels" || name == "ExternalLabels" || name == "ExternalURL" || name == "Value") {
        if (has_args) errorf(name + " has arguments but cannot be invoked as function");
        if (name == "Labels") return Value::labels(recv.data->labels);
        if (name == "ExternalLabels") return Value::labels(recv.data->external_labels);
        if (name == "ExternalURL") return Value::string(recv.data->external_url);
        return Value::real(recv.data->value);
      }
      break;
    }
    case Kind::kStrMap:
      return map_lookup([&] {
        if (recv.str_map)
          for (const auto& [k, v] : *recv.str_map)
            if (k == name) return Value::string(v);
        return Value::string("");
      });
    case Kind::kAnyMap:
      return map_lookup([&] {
        Value found;
        if (recv.any_map)
          for (const auto& [k, v] : *recv.any_map)
            if (k == name) found = v;
        if (found.kind == Kind::kInvalid) found.nil_iface = true;
        return found;
      });
    case Kind::kSample:
      if (name == "Labels" || name == "Value") {
        if (!recv.sample) errorf("nil pointer evaluating *template.sample." + name);
        if (has_args) errorf(name + " has arguments but cannot be invoked as function");
        if (name == "Labels") return Value::labels(recv.sample->labels);
        return Value::real(recv.sample->value);
      }
      break;
    default: break;
  }
  errorf("can't evaluate field " + name + " in type " + type_name(recv));
}

Value Executor::eval_function(const Value& dot, const Node& ident, const Node& cmd, const Node* args_cmd,
                              const Value* final) {
  at_ = &ident;
  const std::string& name = ident.text;
  std::vector<const Node*> args;
  if (args_cmd)
    for (size_t i = 1; i < args_cmd->nodes.size(); ++i) args.push_back(args_cmd->nodes[i].get());
  size_t num_in = args.size() + (final ? 1 : 0);
  Builtin b = builtin(name);
  if (b != Builtin::kNone) return call_builtin(b, name, dot, cmd, args, final, num_in);
  const Function* f = functions_(name);
  if (!f) errorf(go_quote(name) + " is not a defined function");
  size_t num_params = f->params.size();
  if (f->variadic) {
    if (num_in < num_params - 1)
      errorf("wrong number of args for " + name + ": want at least " + std::to_string(num_params - 1) +
             " got " + std::to_string(args.size()));
  } else if (num_in != num_params) {
    errorf("wrong number of args for " + name + ": want " + std::to_string(num_params) + " got " +
           std::to_string(num_in));
  }
  std::vector<Value> argv;
  for (size_t i = 0; i < args.size(); ++i) {
    Param p = i < num_params ? f->params[i] : f->params.back();
    argv.push_back(eval_typed_arg(dot, p, *args[i]));
  }
  if (final) {
    Param p = argv.size() < num_params ? f->params[argv.size()] : f->params.back();
    argv.push_back(validate(*final, p));
  }
  try {
    Value v = f->call(argv, data_);
    return v;
  } catch (const CallError& e) {
    at_ = &cmd;
    errorf("error calling " + name + ": " + e.message);
  }
}

const char* Executor::param_type(Param p) {
  switch (p) {
    case Param::kString: return "string";
    case Param::kFloat: return "float64";
    case Param::kAny: return "interface {}";
    case Param::kSample: return "*template.sample";
    case Param::kSamples: return "template.queryResult";
    case Param::kStrSlice: return "[]string";
  }
  return "?";
}

Value Executor::validate(const Value& v, Param p) {
  if (v.kind == Kind::kInvalid) {
    if (p == Param::kAny) return Value{};
    if (p == Param::kSample) {
      Value s;
      s.kind = Kind::kSample;
      return s;
    }
    if (p == Param::kSamples) {
      Value s;
      s.kind = Kind::kSamples;
      return s;
    }
    errorf(std::string("invalid value; expected ") + param_type(p));
  }
  bool ok = p == Param::kAny || (p == Param::kString && v.kind == Kind::kString) ||
            (p == Param::kFloat && v.kind == Kind::kFloat) ||
            (p == Param::kSample && v.kind == Kind::kSample) ||
            (p == Param::kSamples && v.kind == Kind::kSamples) ||
            (p == Param::kStrSlice && v.kind == Kind::kStrSlice);
  if (!ok) errorf(std::string("wrong type for value; expected ") + param_type(p) + "; got " + type_name(v));
  return v;
}

// evalArg for a typed parameter; `p` null means reflect.Value/interface{}.
Value Executor::eval_typed_arg(const Value& dot, Param p, const Node& n) {
  at_ = &n;
  switch (n.type) {
    case NodeType::kDot:
    case NodeType::kField:
    case NodeType::kVariable:
    case NodeType::kPipe:
    case NodeType::kIdentifier:
    case NodeType::kChain: return validate(eval_arg(dot, nullptr, n), p);
    case NodeType::kNil:
      if (p == Param::kAny) return Value{};
      if (p == Param::kSample || p == Param::kSamples) return validate(Value{}, p);
      errorf(std::string("cannot assign nil to ") + param_type(p));
    default: break;
  }
  switch (p) {
    case Param::kString:
      if (n.type == NodeType::kString) return Value::string(n.text);
      errorf("expected string; found " + node_string(n));
    case Param::kFloat:
      if (n.type == NodeType::kNumber && n.is_float) return Value::real(n.float_value);
      errorf("expected float; found " + node_string(n));
    case Param::kAny: return eval_arg(dot, nullptr, n);
    default: errorf(std::string("can't handle ") + node_string(n) + " for arg of type " + param_type(p));
  }
}

// The value of an argument node (evalArg with an interface type).
Value Executor::eval_arg(const Value& dot, const Param*, const Node& n) {
  at_ = &n;
  switch (n.type) {
    case NodeType::kDot: return dot;
    case NodeType::kNil: errorf("cannot assign nil to reflect.Value");
    case NodeType::kField: return eval_field_chain(dot, dot, n, n.idents, nullptr, nullptr);
    case NodeType::kVariable: return eval_variable(dot, n, nullptr, nullptr);
    case NodeType::kPipe: return eval_pipeline(dot, n);
    case NodeType::kIdentifier: return eval_function(dot, n, n, nullptr, nullptr);
    case NodeType::kChain: return eval_chain(dot, n, nullptr, nullptr);
    case NodeType::kBool: return Value::boolean(n.bool_value);
    case NodeType::kNumber: return ideal_constant(n);
    case NodeType::kString: return Value::string(n.text);
    default: errorf("can't handle " + node_string(n) + " for arg of type reflect.Value");
  }
}

// An argument of a builtin (reflect.Value or interface{} in Go).
Value Executor::builtin_arg(const Value& dot, const Node& n, bool any) {
  at_ = &n;
  if (n.type == NodeType::kNil) {
    if (any) return Value{};
    errorf("cannot assign nil to reflect.Value");
  }
  Value v = eval_arg(dot, nullptr, n);
  if (v.kind == Kind::kInvalid && !any) {
    at_ = &n;
    errorf("invalid value; expected reflect.Value");
  }
  return v;
}

void Executor::call_error(const Node& cmd, const std::string& name, const std::string& msg) {
  at_ = &cmd;
  errorf("error calling " + name + ": " + msg);
}

}  // namespace tmpl

namespace {

using namespace tmpl;

bool is_function(std::string_view name) {
  return builtin(name) != Builtin::kNone || prometheus_function(name) != nullptr;
}

}  // namespace

bool expand_template(std::string_view name, std::string_view text, const TemplateData& data, std::string& out,
                     std::string& err) {
  std::string tname = "__alert_" + std::string(name);
  std::string full = std::string(kAlertTemplateDefs) + std::string(text);
  std::vector<Tree> trees;
  std::string perr;
  if (!parse_template(tname, full, is_function, trees, perr)) {
    err = "error parsing template " + tname + ": " + perr;
    return false;
  }
  try {
    Executor ex(trees, data, tname, full, prometheus_function);
    out = ex.run();
  } catch (const ExecError& e) {
    err = "error executing template " + tname + ": " + e.message;
    return false;
  }
  return true;
}

std::string alert_template_error_value(std::string_view err) {
  return "<error expanding template: " + std::string(err) + ">";
}

bool check_template(std::string_view name, std::string_view text, std::string& err) {
  std::string tname = "__alert_" + std::string(name);
  std::string full = std::string(kAlertTemplateDefs) + std::string(text);
  std::vector<Tree> trees;
  return parse_template(tname, full, is_function, trees, err);
}

}  // namespace vigia::alerting
