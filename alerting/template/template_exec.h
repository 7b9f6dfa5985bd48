// The executor of parsed templates (template_exec.cc) and the builtins it
// calls (template_builtins.cc): internals of the template engine, shared by
// those two files only.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "alerting/template/template_internal.h"

namespace vigia::alerting::tmpl {

// An execution error: Go's message, positions included.
struct ExecError {
  std::string message;
};
enum class Flow { kNormal, kBreak, kContinue };

// text/template's builtin functions (reflect.Value parameters in Go).
enum class Builtin {
  kNone,
  kAnd,
  kOr,
  kNot,
  kLen,
  kIndex,
  kSlice,
  kPrint,
  kPrintf,
  kPrintln,
  kHtml,
  kJs,
  kUrlquery,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe
};

// The builtin called `name`, or kNone.
Builtin builtin(std::string_view name);

// Runs the trees of one parse (trees[0] the main template) over `data`, as
// text/template's exec.go does; `functions` finds the functions beyond the
// builtins. `parse_name` and `text` place errors (line:column in `text`).
// run() returns the output or throws ExecError.
class Executor {
 public:
  Executor(const std::vector<Tree>& trees, const TemplateData& data, std::string_view parse_name,
           std::string_view text, FunctionLookup functions)
      : trees_(trees), data_(data), parse_name_(parse_name), text_(text), functions_(functions) {}

  std::string run();
  // The dot of run() instead of a Kind::kData over `data` (message
  // templates), and html/template's escaping of every action's output.
  void set_root(Value root) { root_ = std::move(root); }
  void set_escape_html(bool on) { escape_html_ = on; }
  // Definitions that {{template}} finds when `trees` has none of the name
  // (the first of a name wins); must outlive run().
  void set_more_trees(const std::vector<Tree>* more) { more_trees_ = more; }

 private:
  [[noreturn]] void errorf(const std::string& msg);
  void step();
  void write(std::string_view s);
  Flow walk(const Value& dot, const Node& n);
  void walk_range(const Value& dot, const Node& r);
  void walk_template(const Value& dot, const Node& t);
  void print_value(const Node& n, const Value& v);
  void set_var(const std::string& name, const Value& v);
  Value var_value(const std::string& name);
  Value eval_pipeline(const Value& dot, const Node& pipe);
  void not_a_function(const Node& cmd, const Value* final);
  Value eval_command(const Value& dot, const Node& cmd, const Value* final);
  Value ideal_constant(const Node& n);
  Value eval_chain(const Value& dot, const Node& chain, const Node* cmd, const Value* final);
  Value eval_variable(const Value& dot, const Node& var, const Node* cmd, const Value* final);
  Value eval_field_chain(const Value&, Value recv, const Node& node, const std::vector<std::string>& idents,
                         const Node* cmd, const Value* final);
  Value eval_field(const Value& dot, const std::string& name, const Node& node, const Node* cmd,
                   const Value* final, const Value& recv);
  Value eval_function(const Value& dot, const Node& ident, const Node& cmd, const Node* args_cmd,
                      const Value* final);
  static const char* param_type(Param p);
  Value validate(const Value& v, Param p);
  Value eval_typed_arg(const Value& dot, Param p, const Node& n);
  Value eval_arg(const Value& dot, const Param*, const Node& n);
  Value builtin_arg(const Value& dot, const Node& n, bool any);
  [[noreturn]] void call_error(const Node& cmd, const std::string& name, const std::string& msg);
  // The builtin `b` named `name` at `cmd` (template_builtins.cc).
  Value call_builtin(Builtin b, const std::string& name, const Value& dot, const Node& cmd,
                     const std::vector<const Node*>& args, const Value* final, size_t num_in);

  const std::vector<Tree>& trees_;
  const TemplateData& data_;
  std::string parse_name_;
  std::string_view text_;
  FunctionLookup functions_;
  Value root_;
  bool escape_html_ = false;
  const std::vector<Tree>* more_trees_ = nullptr;
  std::string tmpl_name_;
  std::vector<std::pair<std::string, Value>> vars_;
  std::string out_;
  const Node* at_ = nullptr;
  int depth_ = 0;
  long steps_ = 0;
};

}  // namespace vigia::alerting::tmpl
