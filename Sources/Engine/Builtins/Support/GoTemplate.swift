/// A subset of Go's text/template, as strings.render_template uses it: `{{.a.b}}`, `{{.}}`,
/// `$vars`, `if`/`else if`/`else`/`end`, `range` (with `$i, $v :=`), `with`, pipelines `|`,
/// parentheses, trim markers `{{-`/`-}}`, comments, and the functions len, index, printf,
/// print, eq, ne, lt, le, gt, ge, and, or, not. Values print as Go prints decoded JSON
/// (`map[k:v]`, `[a b]`); an action printing nothing shows `<undefined>`, as in OPA.
struct GoTemplate {
    struct Failure: Error { let message: String }

    indirect enum Node {
        case text(String)
        case output(Pipeline)
        case ifNode(Pipeline, [Node], [Node])
        case rangeNode(vars: [String], Pipeline, [Node], [Node])
        case withNode(Pipeline, [Node], [Node])
    }

    struct Pipeline { var decl: [String] = []; var commands: [[Operand]] }

    indirect enum Operand {
        case field(base: String?, path: [String])   // base nil = dot, else $var
        case string(String)
        case number(Value)
        case bool(Bool)
        case null
        case function(String)
        case sub(Pipeline)
    }

    let nodes: [Node]

    // MARK: parsing

    init(_ text: String) throws(Failure) {
        var tokens: [(isAction: Bool, body: String)] = []
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            var before = String(rest[..<open.lowerBound])
            var afterOpen = rest[open.upperBound...]
            if afterOpen.hasPrefix("- ") || afterOpen.hasPrefix("-\t") || afterOpen.hasPrefix("-\n") {
                before = String(before.reversed().drop(while: { $0.isWhitespace }).reversed())
                afterOpen = afterOpen.dropFirst()
            }
            guard let close = afterOpen.range(of: "}}") else { throw Failure(message: "template: template:1: unclosed action") }
            var body = afterOpen[..<close.lowerBound]
            rest = afterOpen[close.upperBound...]
            if body.hasSuffix(" -") || body.hasSuffix("\t-") || body.hasSuffix("\n-") {
                body = body.dropLast()
                rest = rest.drop(while: { $0.isWhitespace })
            }
            if !before.isEmpty { tokens.append((false, before)) }
            tokens.append((true, String(String(body).trimmingWhitespace())))
        }
        if !rest.isEmpty { tokens.append((false, String(rest))) }
        var p = 0
        let (nodes, end) = try GoTemplate.parseList(tokens, &p)
        if end != nil { throw Failure(message: "template: template:1: unexpected {{\(end!)}}") }
        self.nodes = nodes
    }

    /// Parses nodes up to `end`/`else`; returns the terminating keyword (nil at end of input).
    static func parseList(_ toks: [(isAction: Bool, body: String)], _ p: inout Int) throws(Failure) -> ([Node], String?) {
        var out: [Node] = []
        while p < toks.count {
            let t = toks[p]; p += 1
            if !t.isAction { out.append(.text(t.body)); continue }
            let body = t.body
            if body.hasPrefix("/*") { continue }
            let word = body.split(whereSeparator: { $0 == " " || $0 == "\t" }).first.map(String.init) ?? ""
            switch word {
            case "end": return (out, "end")
            case "else": return (out, body)
            case "if", "range", "with":
                let pipe = try parsePipeline(String(body.dropFirst(word.count)))
                let (then, term) = try parseList(toks, &p)
                var elseNodes: [Node] = []
                if let term, term.hasPrefix("else") {
                    let rest = term.dropFirst(4).trimmingWhitespace()
                    if rest.hasPrefix("if ") {
                        // `else if`: a nested if that shares our `end`.
                        let inner = try parsePipeline(String(rest.dropFirst(2)))
                        let (t2, term2) = try parseList(toks, &p)
                        var e2: [Node] = []
                        if let term2, term2.hasPrefix("else") {
                            let (x, term3) = try parseList(toks, &p)
                            e2 = x
                            guard term3 == "end" else { throw Failure(message: "template: template:1: unexpected EOF") }
                        } else if term2 != "end" { throw Failure(message: "template: template:1: unexpected EOF") }
                        elseNodes = [.ifNode(inner, t2, e2)]
                    } else {
                        let (e, term2) = try parseList(toks, &p)
                        guard term2 == "end" else { throw Failure(message: "template: template:1: unexpected EOF") }
                        elseNodes = e
                    }
                } else if term != "end" {
                    throw Failure(message: "template: template:1: unexpected EOF")
                }
                switch word {
                case "if": out.append(.ifNode(pipe, then, elseNodes))
                case "with": out.append(.withNode(pipe, then, elseNodes))
                default: out.append(.rangeNode(vars: pipe.decl, Pipeline(commands: pipe.commands), then, elseNodes))
                }
            default:
                out.append(.output(try parsePipeline(body)))
            }
        }
        return (out, nil)
    }

    static func parsePipeline(_ text: String) throws(Failure) -> Pipeline {
        var s = Substring(text).trimmingWhitespace()
        var decl: [String] = []
        if let r = s.range(of: ":=") {
            decl = s[..<r.lowerBound].split(separator: ",").map { String($0.trimmingWhitespace()) }
            s = s[r.upperBound...].trimmingWhitespace()
        }
        var lexer = Lexer(chars: Array(s.unicodeScalars))
        let cmds = try lexer.pipeline(untilParen: false)
        if cmds.isEmpty { throw Failure(message: "template: template:1: missing value for command") }
        return Pipeline(decl: decl, commands: cmds)
    }

    struct Lexer {
        let chars: [Unicode.Scalar]
        var i = 0

        mutating func skipSpace() { while i < chars.count && (chars[i] == " " || chars[i] == "\t" || chars[i] == "\n") { i += 1 } }

        mutating func pipeline(untilParen: Bool) throws(Failure) -> [[Operand]] {
            var cmds: [[Operand]] = [[]]
            while true {
                skipSpace()
                if i >= chars.count {
                    if untilParen { throw Failure(message: "template: template:1: unclosed left paren") }
                    break
                }
                let c = chars[i]
                if c == ")" {
                    guard untilParen else { throw Failure(message: "template: template:1: unexpected right paren") }
                    i += 1; break
                }
                if c == "|" { i += 1; cmds.append([]); continue }
                cmds[cmds.count - 1].append(try operand())
            }
            return cmds.filter { !$0.isEmpty }
        }

        mutating func word() -> String {
            var w = ""
            while i < chars.count, !" \t\n|()".unicodeScalars.contains(chars[i]) { w.unicodeScalars.append(chars[i]); i += 1 }
            return w
        }

        mutating func operand() throws(Failure) -> Operand {
            let c = chars[i]
            if c == "(" {
                i += 1
                return .sub(Pipeline(commands: try pipeline(untilParen: true)))
            }
            if c == "\"" || c == "`" {
                let q = c; i += 1
                var s = ""
                while i < chars.count && chars[i] != q {
                    if q == "\"" && chars[i] == "\\" && i + 1 < chars.count {
                        i += 1
                        switch chars[i] { case "n": s.append("\n"); case "t": s.append("\t"); default: s.unicodeScalars.append(chars[i]) }
                    } else {
                        s.unicodeScalars.append(chars[i])
                    }
                    i += 1
                }
                guard i < chars.count else { throw Failure(message: "template: template:1: unterminated quoted string") }
                i += 1
                return .string(s)
            }
            let w = word()
            if w == "." { return .field(base: nil, path: []) }
            if w.hasPrefix(".") { return .field(base: nil, path: w.dropFirst().split(separator: ".").map(String.init)) }
            if w.hasPrefix("$") {
                let parts = w.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
                return .field(base: parts[0], path: Array(parts.dropFirst()))
            }
            switch w {
            case "true": return .bool(true)
            case "false": return .bool(false)
            case "nil": return .null
            default: break
            }
            if let n = Number.parse(w) { return .number(.number(n)) }
            if w.isEmpty { throw Failure(message: "template: template:1: unexpected character") }
            return .function(w)
        }
    }

    // MARK: execution

    /// A template value: a Rego value, or nothing (a missing key).
    typealias TValue = Value?

    func execute(_ data: Value) throws(Failure) -> String {
        var out = ""
        var vars: [String: TValue] = ["$": data]
        try run(nodes, dot: data, &vars, &out)
        // OPA shows Go's "<no value>" (an action printing nothing) as "<undefined>".
        return out.replacingOccurrences(of: "<no value>", with: "<undefined>")
    }

    private func run(_ nodes: [Node], dot: TValue, _ vars: inout [String: TValue], _ out: inout String) throws(Failure) {
        for n in nodes {
            switch n {
            case .text(let t): out += t
            case .output(let p):
                let v = try eval(p, dot: dot, &vars)
                if !p.decl.isEmpty { continue }
                out += GoTemplate.printed(v)
            case .ifNode(let p, let a, let b):
                try run(GoTemplate.truthy(try eval(p, dot: dot, &vars)) ? a : b, dot: dot, &vars, &out)
            case .withNode(let p, let a, let b):
                let v = try eval(p, dot: dot, &vars)
                if GoTemplate.truthy(v) { try run(a, dot: v, &vars, &out) } else { try run(b, dot: dot, &vars, &out) }
            case .rangeNode(let names, let p, let body, let elseBody):
                let v = try eval(p, dot: dot, &vars)
                var items: [(Value, Value)] = []
                switch v {
                case .array(let a)?: items = a.enumerated().map { (.int($0.offset), $0.element) }
                case .set(let s)?: items = s.elements.enumerated().map { (.int($0.offset), $0.element) }
                case .object(let o)?: items = o.pairs.map { ($0.0, $0.1) }
                case .number(let n)?: items = (0..<max(0, n.exactInt ?? 0)).map { (.int($0), .int($0)) }
                case nil, .null?: items = []
                default: throw Failure(message: "template: template:1: range can't iterate over \(GoTemplate.text(v))")
                }
                if items.isEmpty { try run(elseBody, dot: dot, &vars, &out); continue }
                for (k, e) in items {
                    if names.count == 1 { vars[names[0]] = e }
                    if names.count == 2 { vars[names[0]] = k; vars[names[1]] = e }
                    try run(body, dot: e, &vars, &out)
                }
            }
        }
    }

    private func eval(_ p: Pipeline, dot: TValue, _ vars: inout [String: TValue]) throws(Failure) -> TValue {
        var last: TValue? = nil  // result of the previous command, passed as final argument
        for cmd in p.commands {
            var args = cmd
            let head = args.removeFirst()
            if case .function(let name) = head {
                var vals: [TValue] = [], literalNumber: [Bool] = []
                for a in args {
                    vals.append(try operand(a, dot: dot, &vars))
                    if case .number = a { literalNumber.append(true) } else { literalNumber.append(false) }
                }
                if let l = last { vals.append(l); literalNumber.append(false) }
                last = .some(try call(name, vals, literalNumber: literalNumber))
            } else {
                guard args.isEmpty else { throw Failure(message: "template: template:1: can't give argument to non-function") }
                last = .some(try operand(head, dot: dot, &vars))
            }
        }
        let v = last ?? nil
        for name in p.decl { vars[name] = v }
        return v
    }

    private func operand(_ o: Operand, dot: TValue, _ vars: inout [String: TValue]) throws(Failure) -> TValue {
        switch o {
        case .string(let s): return .string(s)
        case .number(let v): return v
        case .bool(let b): return .bool(b)
        case .null: return nil
        case .sub(let p): return try eval(p, dot: dot, &vars)
        case .function(let f): return try call(f, [], literalNumber: [])
        case .field(let base, let path):
            var cur: TValue
            if let base {
                guard let v = vars[base] else { throw Failure(message: "template: template:1: undefined variable \"\(base)\"") }
                cur = v
            } else {
                cur = dot
            }
            for key in path {
                switch cur {
                case .object(let o)?: cur = o[key]
                case nil, .null?: cur = nil
                default:
                    throw Failure(message: "template: template:1: executing \"template\" at <.\(path.joined(separator: "."))>: can't evaluate field \(key) in type interface {}")
                }
            }
            return cur
        }
    }

    /// `literalNumber`: which arguments are number constants of the template (Go ints, not the
    /// data's json.Number strings).
    private func call(_ name: String, _ a: [TValue], literalNumber: [Bool]) throws(Failure) -> Value {
        func need(_ n: Int) throws(Failure) {
            if a.count != n { throw Failure(message: "template: template:1: wrong number of args for \(name): want \(n) got \(a.count)") }
        }
        switch name {
        case "not": try need(1); return .bool(!GoTemplate.truthy(a[0]))
        case "and":
            for v in a where !GoTemplate.truthy(v) { return v ?? .null }
            return a.last.flatMap { $0 } ?? .null
        case "or":
            for v in a where GoTemplate.truthy(v) { return v ?? .null }
            return a.last.flatMap { $0 } ?? .null
        case "len":
            try need(1)
            guard let v = a[0], let n = v.count else { throw Failure(message: "template: template:1: error calling len: len of \(GoTemplate.text(a[0]))") }
            if case .string(let s) = v { return .int(s.utf8.count) }
            return .int(n)
        case "index":
            guard var cur = a.first ?? nil else { return .null }
            for k in a.dropFirst() {
                guard let next = cur[k ?? .null] else { return .null }
                cur = next
            }
            return cur
        case "eq", "ne", "lt", "le", "gt", "ge":
            guard a.count >= 2 else { throw Failure(message: "template: template:1: missing argument for comparison") }
            let x = a[0] ?? .null
            if name == "eq" { return .bool(a.dropFirst().contains { ($0 ?? .null) == x }) }
            let c = Value.compare(x, a[1] ?? .null)
            switch name {
            case "ne": return .bool(c != 0)
            case "lt": return .bool(c < 0)
            case "le": return .bool(c <= 0)
            case "gt": return .bool(c > 0)
            default: return .bool(c >= 0)
            }
        case "print":
            // fmt.Sprint: a space between operands when neither is a string (json.Number is one).
            var s = ""
            func stringKind(_ i: Int) -> Bool { !literalNumber[i] && GoTemplate.isStringKind(a[i]) }
            for (i, v) in a.enumerated() {
                if i > 0, !stringKind(i - 1), !stringKind(i) { s += " " }
                s += GoTemplate.text(v)
            }
            return .string(s)
        case "println": return .string(a.map { GoTemplate.text($0) }.joined(separator: " ") + "\n")
        case "html":
            // evalArgs: a lone string as is, else fmt.Sprint with nothing shown as "<no value>".
            let s: String
            if a.count == 1, case .string(let t)?? = a.first { s = t } else {
                s = a.map { $0 == nil || $0 == .null ? "<no value>" : GoTemplate.text($0) }.joined()
            }
            return .string(GoTemplate.htmlEscape(s))
        case "printf":
            guard case .string(let f)?? = a.first else { throw Failure(message: "template: template:1: printf needs a format") }
            let args: [GoFormatter.Arg] = a.dropFirst().map { v in
                switch v {
                case .string(let s)?: return .string(s)
                case .number(let n)?: return .string(n.description)  // json.Number is a string type in Go
                default: return .string(GoTemplate.text(v))
                }
            }
            return .string(GoFormatter.sprintf(f, args))
        default:
            throw Failure(message: "template: template:1: function \"\(name)\" not defined")
        }
    }

    static func truthy(_ v: TValue) -> Bool {
        switch v {
        case nil, .null?: return false
        case .bool(let b)?: return b
        case .number(let n)?: return n != .int(0)
        case .string(let s)?: return !s.isEmpty
        case let x?: return (x.count ?? 0) > 0
        }
    }

    /// An action's output: Go prints nothing (a missing key, JSON null) as "<no value>".
    static func printed(_ v: TValue) -> String {
        guard let v, v != .null else { return "<no value>" }
        return text(v)
    }

    /// Whether fmt counts the value as a string operand (strings and json.Number).
    static func isStringKind(_ v: TValue) -> Bool {
        switch v {
        case .string?, .number?: return true
        default: return false
        }
    }

    /// text/template's HTMLEscapeString.
    static func htmlEscape(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "\0": out += "\u{FFFD}"
            case "\"": out += "&#34;"
            case "'": out += "&#39;"
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// Go's %v of a decoded JSON value (fmt prints nil as `<nil>`).
    static func text(_ v: TValue) -> String {
        guard let v, v != .null else { return "<nil>" }
        switch v {
        case .string(let s): return s
        case .bool(let b): return b ? "true" : "false"
        case .number(let n): return n.description
        case .array(let a): return "[" + a.map { text($0) }.joined(separator: " ") + "]"
        case .set(let s): return "[" + s.elements.map { text($0) }.joined(separator: " ") + "]"
        case .object(let o):
            return "map[" + o.pairs.map { text($0.0) + ":" + text($0.1) }.joined(separator: " ") + "]"
        case .null: return "<nil>"
        }
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> Substring {
        let s = Substring(self)
        return s.drop(while: { $0.isWhitespace }).reversed().drop(while: { $0.isWhitespace }).reversed().reduce(into: Substring()) { $0.append($1) }
    }
}
