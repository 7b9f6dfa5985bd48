// Parser of Go's text/template (text/template/parse/parse.go, Go 1.19), down
// to the error texts: promtool reports these, and the tests compare them.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "alerting/template/template_internal.h"

namespace vigia::alerting::tmpl {
namespace {

struct ParseError {
  std::string message;
};

// Bounds the recursion of parsing and executing on nested parentheses and
// control structures (Go has no such limit; no real template nests 100 deep).
constexpr int kMaxNesting = 100;

class Parser {
 public:
  Parser(std::string_view name, std::string_view text,
         const std::function<bool(std::string_view)>& is_function, std::vector<Tree>& trees)
      : name_(name), is_function_(is_function), trees_(trees) {
    items_ = lex(text);
  }

  void parse() {
    vars_ = {"$"};
    Tree main;
    main.name = name_;
    main.root = new_node(NodeType::kList, peek().pos);
    while (peek().type != Tok::kEOF) {
      if (peek().type == Tok::kLeftDelim) {
        size_t mark = idx_;
        next();
        if (next_non_space().type == Tok::kDefine) {
          parse_definition();
          continue;
        }
        idx_ = mark;
      }
      auto n = text_or_action();
      if (n->type == NodeType::kList && n->text == "end") errorf("unexpected {{end}}");
      if (n->type == NodeType::kList && n->text == "else") errorf("unexpected {{else}}");
      if (n->type != NodeType::kList || !n->text.empty()) main.root->nodes.push_back(std::move(n));
    }
    add_tree(std::move(main));
    for (size_t i = 0; i < trees_.size(); ++i)
      if (trees_[i].name == name_) std::rotate(trees_.begin(), trees_.begin() + i, trees_.begin() + i + 1);
  }

 private:
  // End and else are returned as kList nodes with text "end"/"else"; a
  // comment as an empty kList with text "" (dropped).
  static std::unique_ptr<Node> new_node(NodeType t, size_t pos) {
    auto n = std::make_unique<Node>();
    n->type = t;
    n->pos = pos;
    return n;
  }
  static bool is_marker(const Node& n, std::string_view what) {
    return n.type == NodeType::kList && n.text == what;
  }

  // Like Go's parser: next() always advances, backup() steps back one, and
  // the line of an error is that of the furthest token read.
  const Item& peek() {
    size_t i = std::min(idx_, items_.size() - 1);
    if (i > furthest_) furthest_ = i;
    return items_[i];
  }
  const Item& next() {
    const Item& i = peek();
    ++idx_;
    return i;
  }
  const Item& next_non_space() {
    for (;;) {
      const Item& i = next();
      if (i.type != Tok::kSpace) return i;
    }
  }
  const Item& peek_non_space() {
    const Item& i = next_non_space();
    backup();
    return i;
  }
  void backup() { --idx_; }

  [[noreturn]] void errorf(const std::string& msg) {
    int line = items_[std::min(furthest_, items_.size() - 1)].line;
    throw ParseError{"template: " + name_ + ":" + std::to_string(line) + ": " + msg};
  }
  [[noreturn]] void unexpected(const Item& token, const std::string& context) {
    if (token.type == Tok::kError) {
      std::string extra;
      if (action_line_ != 0 && action_line_ != token.line) {
        extra = " in action started at " + name_ + ":" + std::to_string(action_line_);
        if (token.val.size() >= 7 && token.val.compare(token.val.size() - 7, 7, " action") == 0)
          extra = extra.substr(10);
      }
      errorf(item_string(token) + extra);
    }
    errorf("unexpected " + item_string(token) + " in " + context);
  }
  const Item& expect(Tok t, const std::string& context) {
    const Item& i = next_non_space();
    if (i.type != t) unexpected(i, context);
    return i;
  }

  void parse_definition() {
    const std::string context = "define clause";
    const Item& name = next_non_space();
    if (name.type != Tok::kString && name.type != Tok::kRawString) unexpected(name, context);
    std::string tree_name;
    if (!go_unquote(name.val, tree_name)) errorf("invalid syntax");
    expect(Tok::kRightDelim, context);
    define_body(std::move(tree_name), context);
  }
  // The body of a define or block up to its {{end}}: a new tree named `name`.
  void define_body(std::string name, const std::string& context) {
    Tree t;
    t.name = std::move(name);
    auto saved = vars_;
    vars_ = {"$"};
    std::unique_ptr<Node> end;
    t.root = item_list(end);
    if (!is_marker(*end, "end")) errorf("unexpected " + marker_string(*end) + " in " + context);
    vars_ = saved;
    add_tree(std::move(t));
  }
  // parse.Tree.add: a definition replaces an empty one; two non-empty ones
  // of one name are an error.
  static bool is_empty_tree(const Node& n) {
    if (n.type == NodeType::kList) {
      for (const auto& c : n.nodes)
        if (!is_empty_tree(*c)) return false;
      return true;
    }
    if (n.type == NodeType::kText) return n.text.find_first_not_of(" \t\r\n\v\f") == std::string::npos;
    return false;
  }
  void add_tree(Tree t) {
    for (auto& existing : trees_) {
      if (existing.name != t.name) continue;
      if (is_empty_tree(*existing.root))
        existing = std::move(t);
      else if (!is_empty_tree(*t.root))
        errorf("template: multiple definition of template " + go_quote(t.name));
      return;
    }
    trees_.push_back(std::move(t));
  }
  static std::string marker_string(const Node& n) { return "{{" + n.text + "}}"; }

  std::unique_ptr<Node> item_list(std::unique_ptr<Node>& end) {
    auto list = new_node(NodeType::kList, peek_non_space().pos);
    while (peek_non_space().type != Tok::kEOF) {
      auto n = text_or_action();
      if (is_marker(*n, "end") || is_marker(*n, "else")) {
        end = std::move(n);
        return list;
      }
      if (n->type != NodeType::kList || !n->text.empty()) list->nodes.push_back(std::move(n));
    }
    errorf("unexpected EOF");
  }

  std::unique_ptr<Node> text_or_action() {
    const Item& token = next_non_space();
    switch (token.type) {
      case Tok::kText: {
        auto n = new_node(NodeType::kText, token.pos);
        n->text = token.val;
        return n;
      }
      case Tok::kLeftDelim: {
        action_line_ = token.line;
        auto n = action();
        action_line_ = 0;
        return n;
      }
      default: unexpected(token, "input");
    }
  }

  std::unique_ptr<Node> marker(std::string_view what, size_t pos) {
    auto n = new_node(NodeType::kList, pos);
    n->text = what;
    return n;
  }

  std::unique_ptr<Node> action() {
    const Item& token = next_non_space();
    switch (token.type) {
      case Tok::kBlock: return block_control();
      case Tok::kBreak:
      case Tok::kContinue: {
        bool is_break = token.type == Tok::kBreak;
        size_t pos = token.pos;
        const Item& t = next_non_space();
        std::string kw = is_break ? "{{break}}" : "{{continue}}";
        if (t.type != Tok::kRightDelim) unexpected(t, kw);
        if (range_depth_ == 0) errorf(kw + " outside {{range}}");
        auto n = new_node(is_break ? NodeType::kBreak : NodeType::kContinue, pos);
        return n;
      }
      case Tok::kElse: {
        const Item& p = peek_non_space();
        if (p.type == Tok::kIf) return marker("else", p.pos);
        return marker("else", expect(Tok::kRightDelim, "else").pos);
      }
      case Tok::kEnd: return marker("end", expect(Tok::kRightDelim, "end").pos);
      case Tok::kIf: return control(NodeType::kIf, "if");
      case Tok::kRange: return control(NodeType::kRange, "range");
      case Tok::kWith: return control(NodeType::kWith, "with");
      case Tok::kTemplate: {
        const std::string context = "template clause";
        const Item& name = next_non_space();
        auto n = new_node(NodeType::kTemplate, name.pos);
        n->line = name.line;
        template_name(name, context, n->text);
        if (next_non_space().type != Tok::kRightDelim) {
          backup();
          n->pipe = pipeline(context, Tok::kRightDelim);
        }
        return n;
      }
      default: break;
    }
    backup();
    const Item& t = peek();
    auto n = new_node(NodeType::kAction, t.pos);
    n->line = t.line;
    n->pipe = pipeline("command", Tok::kRightDelim);
    return n;
  }

  void template_name(const Item& token, const std::string& context, std::string& out) {
    if (token.type != Tok::kString && token.type != Tok::kRawString) unexpected(token, context);
    if (!go_unquote(token.val, out)) errorf("invalid syntax");
  }

  std::unique_ptr<Node> block_control() {
    const std::string context = "block clause";
    const Item& token = next_non_space();
    auto n = new_node(NodeType::kTemplate, token.pos);
    n->line = token.line;
    template_name(token, context, n->text);
    n->pipe = pipeline(context, Tok::kRightDelim);
    define_body(n->text, context);
    return n;
  }

  std::unique_ptr<Node> control(NodeType type, const std::string& context) {
    DepthGuard guard(*this);
    size_t saved_vars = vars_.size();
    auto n = new_node(type, 0);
    n->pipe = pipeline(context, Tok::kRightDelim);
    n->pos = n->pipe->pos;
    n->line = n->pipe->line;
    if (type == NodeType::kRange) ++range_depth_;
    std::unique_ptr<Node> end_node;
    n->list = item_list(end_node);
    if (type == NodeType::kRange) --range_depth_;
    if (is_marker(*end_node, "else")) {
      if (type == NodeType::kIf && peek().type == Tok::kIf) {
        next();
        n->else_list = new_node(NodeType::kList, end_node->pos);
        n->else_list->nodes.push_back(control(NodeType::kIf, "if"));
      } else {
        std::unique_ptr<Node> end;
        n->else_list = item_list(end);
        if (!is_marker(*end, "end")) errorf("expected end; found " + marker_string(*end));
      }
    }
    vars_.resize(saved_vars);
    return n;
  }

  // Go has no nesting limit and would go on to the lexer's error, if any
  // (an unclosed paren, typically): report that one first.
  [[noreturn]] void too_deep() {
    for (size_t i = idx_; i < items_.size(); ++i) {
      if (items_[i].type != Tok::kError) continue;
      furthest_ = i;
      unexpected(items_[i], "");
    }
    errorf("exceeded maximum nesting depth (" + std::to_string(kMaxNesting) + ")");
  }

  struct DepthGuard {
    explicit DepthGuard(Parser& p) : p_(p) {
      if (++p_.depth_ > kMaxNesting) p_.too_deep();
    }
    ~DepthGuard() { --p_.depth_; }
    Parser& p_;
  };

  std::unique_ptr<Node> pipeline(const std::string& context, Tok end) {
    DepthGuard guard(*this);
    const Item& first = peek_non_space();
    auto pipe = new_node(NodeType::kPipe, first.pos);
    pipe->line = first.line;
  decls:
    if (peek_non_space().type == Tok::kVariable) {
      const Item& v = next_non_space();
      size_t after_var = idx_;
      const Item& token_after = peek();
      const Item& nx = peek_non_space();
      if (nx.type == Tok::kAssign || nx.type == Tok::kDeclare) {
        pipe->is_assign = nx.type == Tok::kAssign;
        next_non_space();
        pipe->decl.push_back(variable_node(v));
        vars_.push_back(v.val);
      } else if (nx.type == Tok::kChar && nx.val == ",") {
        next_non_space();
        pipe->decl.push_back(variable_node(v));
        vars_.push_back(v.val);
        if (context == "range" && pipe->decl.size() < 2) {
          Tok t = peek_non_space().type;
          if (t == Tok::kVariable || t == Tok::kRightDelim || t == Tok::kRightParen) goto decls;
          errorf("range can only initialize variables");
        }
        errorf("too many declarations in " + context);
      } else if (token_after.type == Tok::kSpace) {
        idx_ = after_var - 1;
      } else {
        idx_ = after_var - 1;
      }
    }
    for (;;) {
      const Item& token = next_non_space();
      if (token.type == end) {
        check_pipeline(*pipe, context);
        return pipe;
      }
      switch (token.type) {
        case Tok::kBool:
        case Tok::kCharConstant:
        case Tok::kDot:
        case Tok::kField:
        case Tok::kIdentifier:
        case Tok::kNumber:
        case Tok::kNil:
        case Tok::kRawString:
        case Tok::kString:
        case Tok::kVariable:
        case Tok::kLeftParen:
          backup();
          pipe->nodes.push_back(command());
          break;
        default: unexpected(token, context);
      }
    }
  }

  void check_pipeline(const Node& pipe, const std::string& context) {
    if (pipe.nodes.empty()) errorf("missing value for " + context);
    for (size_t i = 1; i < pipe.nodes.size(); ++i) {
      switch (pipe.nodes[i]->nodes[0]->type) {
        case NodeType::kBool:
        case NodeType::kDot:
        case NodeType::kNil:
        case NodeType::kNumber:
        case NodeType::kString: errorf("non executable command in pipeline stage " + std::to_string(i + 1));
        default: break;
      }
    }
  }

  std::unique_ptr<Node> command() {
    auto cmd = new_node(NodeType::kCommand, peek_non_space().pos);
    for (;;) {
      peek_non_space();
      if (auto op = operand()) cmd->nodes.push_back(std::move(op));
      const Item& token = next();
      if (token.type == Tok::kSpace) continue;
      if (token.type == Tok::kRightDelim || token.type == Tok::kRightParen) {
        backup();
      } else if (token.type != Tok::kPipe) {
        unexpected(token, "operand");
      }
      break;
    }
    if (cmd->nodes.empty()) errorf("empty command");
    return cmd;
  }

  static std::vector<std::string> split_idents(std::string_view s) {
    // "$x.a.b" → {"$x","a","b"}; ".a.b" → {"a","b"}
    std::vector<std::string> out;
    size_t start = 0;
    if (!s.empty() && s[0] == '.') start = 1;
    for (;;) {
      size_t dot = s.find('.', start);
      out.emplace_back(s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
      if (dot == std::string_view::npos) break;
      start = dot + 1;
    }
    return out;
  }

  std::unique_ptr<Node> variable_node(const Item& v) {
    auto n = new_node(NodeType::kVariable, v.pos);
    n->idents = split_idents(v.val);
    return n;
  }

  std::unique_ptr<Node> operand() {
    auto node = term();
    if (!node) return nullptr;
    if (peek().type == Tok::kField) {
      size_t pos = peek().pos;
      std::vector<std::string> fields;
      while (peek().type == Tok::kField) fields.push_back(next().val.substr(1));
      switch (node->type) {
        case NodeType::kField:
        case NodeType::kVariable:
          for (auto& f : fields) node->idents.push_back(f);
          node->pos = pos;
          break;
        case NodeType::kBool:
        case NodeType::kString:
        case NodeType::kNumber:
        case NodeType::kNil:
        case NodeType::kDot: errorf("unexpected . after term " + go_quote(node_string(*node)));
        default: {
          auto chain = new_node(NodeType::kChain, pos);
          chain->pipe = std::move(node);
          chain->idents = std::move(fields);
          node = std::move(chain);
        }
      }
    }
    return node;
  }

  std::unique_ptr<Node> term() {
    const Item& token = next_non_space();
    switch (token.type) {
      case Tok::kIdentifier: {
        if (!is_function_(token.val)) errorf("function " + go_quote(token.val) + " not defined");
        auto n = new_node(NodeType::kIdentifier, token.pos);
        n->text = token.val;
        return n;
      }
      case Tok::kDot: return new_node(NodeType::kDot, token.pos);
      case Tok::kNil: return new_node(NodeType::kNil, token.pos);
      case Tok::kVariable: {
        auto n = variable_node(token);
        bool known = false;
        for (const auto& v : vars_) known = known || v == n->idents[0];
        if (!known) errorf("undefined variable " + go_quote(n->idents[0]));
        return n;
      }
      case Tok::kField: {
        auto n = new_node(NodeType::kField, token.pos);
        n->idents = split_idents(token.val);
        return n;
      }
      case Tok::kBool: {
        auto n = new_node(NodeType::kBool, token.pos);
        n->bool_value = token.val == "true";
        return n;
      }
      case Tok::kCharConstant:
      case Tok::kNumber: {
        auto n = new_node(NodeType::kNumber, token.pos);
        n->text = token.val;
        std::string err;
        if (!parse_number(token.val, token.type == Tok::kCharConstant, *n, err)) errorf(err);
        return n;
      }
      case Tok::kLeftParen: {
        auto p = pipeline("parenthesized pipeline", Tok::kRightParen);
        return p;
      }
      case Tok::kString:
      case Tok::kRawString: {
        auto n = new_node(NodeType::kString, token.pos);
        n->spelling = token.val;
        if (!go_unquote(token.val, n->text)) errorf("invalid syntax");
        return n;
      }
      default: break;
    }
    backup();
    return nullptr;
  }

  std::string name_;
  const std::function<bool(std::string_view)>& is_function_;
  std::vector<Tree>& trees_;
  std::vector<Item> items_;
  size_t idx_ = 0;
  size_t furthest_ = 0;
  std::vector<std::string> vars_;
  int range_depth_ = 0;
  int action_line_ = 0;
  int depth_ = 0;
};

void append_pipe(std::string& out, const Node& pipe);

void append_arg(std::string& out, const Node& arg) {
  if (arg.type == NodeType::kPipe) {
    out += '(';
    append_pipe(out, arg);
    out += ')';
  } else {
    out += node_string(arg);
  }
}

void append_pipe(std::string& out, const Node& pipe) {
  for (size_t i = 0; i < pipe.decl.size(); ++i) {
    if (i) out += ", ";
    out += node_string(*pipe.decl[i]);
  }
  if (!pipe.decl.empty()) out += pipe.is_assign ? " = " : " := ";
  for (size_t i = 0; i < pipe.nodes.size(); ++i) {
    if (i) out += " | ";
    out += node_string(*pipe.nodes[i]);
  }
}

}  // namespace

std::string node_string(const Node& n) {
  std::string out;
  switch (n.type) {
    case NodeType::kText: return n.text;
    case NodeType::kField:
      for (const auto& f : n.idents) out += "." + f;
      return out;
    case NodeType::kVariable:
      for (size_t i = 0; i < n.idents.size(); ++i) out += (i ? "." : "") + n.idents[i];
      return out;
    case NodeType::kChain:
      append_arg(out, *n.pipe);
      for (const auto& f : n.idents) out += "." + f;
      return out;
    case NodeType::kIdentifier: return n.text;
    case NodeType::kDot: return ".";
    case NodeType::kNil: return "nil";
    case NodeType::kBool: return n.bool_value ? "true" : "false";
    case NodeType::kNumber: return n.text;
    case NodeType::kString: return n.spelling;
    case NodeType::kCommand:
      for (size_t i = 0; i < n.nodes.size(); ++i) {
        if (i) out += ' ';
        append_arg(out, *n.nodes[i]);
      }
      return out;
    case NodeType::kPipe: append_pipe(out, n); return out;
    case NodeType::kAction: return "{{" + node_string(*n.pipe) + "}}";
    case NodeType::kIf: return "{{if " + node_string(*n.pipe) + "}}...";
    case NodeType::kRange: return "{{range " + node_string(*n.pipe) + "}}...";
    case NodeType::kWith: return "{{with " + node_string(*n.pipe) + "}}...";
    case NodeType::kTemplate:
      return "{{template " + go_quote(n.text) + (n.pipe ? " " + node_string(*n.pipe) : "") + "}}";
    case NodeType::kBreak: return "{{break}}";
    case NodeType::kContinue: return "{{continue}}";
    case NodeType::kList:
      for (const auto& c : n.nodes) out += node_string(*c);
      return out;
  }
  return out;
}

bool parse_template(std::string_view name, std::string_view text,
                    const std::function<bool(std::string_view)>& is_function, std::vector<Tree>& trees,
                    std::string& err) {
  trees.clear();
  try {
    Parser p(name, text, is_function, trees);
    p.parse();
  } catch (const ParseError& e) {
    err = e.message;
    return false;
  }
  return true;
}

}  // namespace vigia::alerting::tmpl
