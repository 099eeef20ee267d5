/// The parse tree of Go's text/template and its parser (text/template/parse): nodes keep the
/// byte position Go reports in execution errors and print back as Go's Node.String() (the
/// `<…>` context of those errors); parse errors carry Go's texts and line numbers.
extension GoTemplate {
    struct Pipe {
        var pos: Int
        var isAssign = false
        var decl: [Operand] = []
        var cmds: [Command] = []
    }

    struct Command {
        var pos: Int
        var args: [Operand] = []
    }

    /// A number constant as Go's parser reads it (NumberNode).
    struct NumberConst {
        var isInt = false, isUint = false, isFloat = false, isComplex = false
        var re: Double = 0, im: Double = 0
        var int64: Int = 0
        var uint64: UInt64 = 0
        var float: Double = 0
    }

    indirect enum Operand {
        case field(pos: Int, idents: [String])
        case variable(pos: Int, idents: [String])
        case chain(pos: Int, node: Operand, fields: [String])
        case identifier(pos: Int, name: String)
        case dot(pos: Int)
        case nilValue(pos: Int)
        case bool(pos: Int, Bool)
        case number(pos: Int, text: String, NumberConst)
        case string(pos: Int, quoted: String, text: String)
        case pipe(Pipe)

        var pos: Int {
            switch self {
            case .field(let p, _), .variable(let p, _), .chain(let p, _, _), .identifier(let p, _), .dot(let p),
                 .nilValue(let p), .bool(let p, _), .number(let p, _, _), .string(let p, _, _): return p
            case .pipe(let p): return p.pos
            }
        }

        var description: String {
            switch self {
            case .field(_, let ids): return ids.map { "." + $0 }.joined()
            case .variable(_, let ids): return ids.joined(separator: ".")
            case .chain(_, let node, let fields):
                let base: String
                if case .pipe = node { base = "(" + node.description + ")" } else { base = node.description }
                return base + fields.map { "." + $0 }.joined()
            case .identifier(_, let name): return name
            case .dot: return "."
            case .nilValue: return "nil"
            case .bool(_, let b): return b ? "true" : "false"
            case .number(_, let text, _): return text
            case .string(_, let quoted, _): return quoted
            case .pipe(let p): return p.description
            }
        }
    }

    indirect enum Node {
        case text(String)
        case action(Pipe)
        case ifNode(Pipe, [Node], [Node]?)
        case withNode(Pipe, [Node], [Node]?)
        case rangeNode(Pipe, [Node], [Node]?)
        case template(pos: Int, name: String, Pipe?)
        case breakNode, continueNode
        case end, elseNode  // parser-internal terminators

        var description: String {
            switch self {
            case .end: return "{{end}}"
            case .elseNode: return "{{else}}"
            case .template(_, let name, let pipe):
                return "{{template \(GoQuote.quote(name))" + (pipe.map { " " + $0.description } ?? "") + "}}"
            case .action(let p): return "{{\(p.description)}}"
            default: return ""
            }
        }

        /// Go's IsEmptyTree for a node: blank text only.
        var isEmpty: Bool {
            if case .text(let t) = self { return t.unicodeScalars.allSatisfy { " \t\n\r\u{0B}\u{0C}\u{85}\u{A0}".unicodeScalars.contains($0) || $0.properties.isWhitespace } }
            return false
        }
    }

    static let functions: Set<String> = [
        "and", "call", "html", "index", "slice", "js", "len", "not", "or", "print", "printf", "println",
        "urlquery", "eq", "ge", "gt", "le", "lt", "ne",
    ]

    struct Parser {
        var items: [Item]
        var p = 0
        var furthest = 0
        var vars: [String] = ["$"]
        var rangeDepth = 0
        var actionLine = 0
        var trees: [String: [Node]] = [:]

        init(_ text: String) { items = Lexer(text).items }

        // MARK: tokens

        mutating func next() -> Item {
            let it = items[min(p, items.count - 1)]
            furthest = max(furthest, min(p, items.count - 1))
            p += 1
            return it
        }
        mutating func backup(_ n: Int = 1) { p -= n }
        mutating func peek() -> Item { let t = next(); backup(); return t }
        mutating func nextNonSpace() -> Item {
            var t = next()
            while t.type == .space { t = next() }
            return t
        }
        mutating func peekNonSpace() -> Item { let t = nextNonSpace(); backup(); return t }

        func errorf(_ msg: String) -> Failure {
            Failure(message: "template: template:\(items[furthest].line): \(msg)")
        }

        func unexpected(_ t: Item, _ context: String) -> Failure {
            if t.type == .error {
                var extra = ""
                if actionLine != 0 && actionLine != t.line {
                    extra = " in action started at template:\(actionLine)"
                    if t.val.hasSuffix(" action") { extra = String(extra.dropFirst(10)) }
                }
                return errorf(t.description + extra)
            }
            return errorf("unexpected \(t.description) in \(context)")
        }

        mutating func expect(_ type: ItemType, _ context: String) throws(Failure) -> Item {
            let t = nextNonSpace()
            if t.type != type { throw unexpected(t, context) }
            return t
        }

        // MARK: structure

        /// The main template and its definitions.
        mutating func parse() throws(Failure) -> [String: [Node]] {
            var root: [Node] = []
            while peek().type != .eof {
                if peek().type == .leftDelim {
                    let mark = p
                    _ = next()
                    if nextNonSpace().type == .define {
                        try parseDefinition()
                        continue
                    }
                    p = mark
                }
                let n = try textOrAction()
                switch n {
                case .end, .elseNode: throw errorf("unexpected \(n.description)")
                default: root.append(n)
                }
            }
            try add("template", root)
            return trees
        }

        mutating func add(_ name: String, _ root: [Node]) throws(Failure) {
            if let old = trees[name], !old.allSatisfy(\.isEmpty) {
                if !root.allSatisfy(\.isEmpty) { throw errorf("template: multiple definition of template \(GoQuote.quote(name))") }
                return
            }
            trees[name] = root
        }

        /// A nested tree (define, block): its own variables and range depth.
        mutating func subtree(_ context: String) throws(Failure) -> [Node] {
            let saved = (vars, rangeDepth)
            vars = ["$"]; rangeDepth = 0
            let (list, end) = try itemList()
            if case .end = end {} else { throw errorf("unexpected \(end.description) in \(context)") }
            (vars, rangeDepth) = saved
            return list
        }

        mutating func parseDefinition() throws(Failure) {
            let t = nextNonSpace()
            guard t.type == .string || t.type == .rawString else { throw unexpected(t, "define clause") }
            let name = try GoTemplate.unquote(t.val)
            _ = try expect(.rightDelim, "define clause")
            try add(name, try subtree("define clause"))
        }

        mutating func itemList() throws(Failure) -> ([Node], Node) {
            var list: [Node] = []
            while peekNonSpace().type != .eof {
                let n = try textOrAction()
                switch n {
                case .end, .elseNode: return (list, n)
                default: list.append(n)
                }
            }
            throw errorf("unexpected EOF")
        }

        mutating func textOrAction() throws(Failure) -> Node {
            let t = nextNonSpace()
            switch t.type {
            case .text: return .text(t.val)
            case .leftDelim:
                actionLine = t.line
                defer { actionLine = 0 }
                return try action()
            default: throw unexpected(t, "input")
            }
        }

        mutating func action() throws(Failure) -> Node {
            let t = nextNonSpace()
            switch t.type {
            case .block:
                let nameTok = nextNonSpace()
                let name = try templateName(nameTok, "block clause")
                let pipe = try pipeline("block clause", end: .rightDelim)
                try add(name, try subtree("block clause"))
                return .template(pos: nameTok.pos, name: name, pipe)
            case .breakKw, .continueKw:
                let word = t.type == .breakKw ? "{{break}}" : "{{continue}}"
                let n = nextNonSpace()
                if n.type != .rightDelim { throw unexpected(n, word) }
                if rangeDepth == 0 { throw errorf("\(word) outside {{range}}") }
                return t.type == .breakKw ? .breakNode : .continueNode
            case .elseKw:
                let n = peekNonSpace()
                if n.type == .ifKw || n.type == .with { return .elseNode }
                _ = try expect(.rightDelim, "else")
                return .elseNode
            case .end:
                _ = try expect(.rightDelim, "end")
                return .end
            case .ifKw:
                let (pipe, list, elseList) = try control("if")
                return .ifNode(pipe, list, elseList)
            case .with:
                let (pipe, list, elseList) = try control("with")
                return .withNode(pipe, list, elseList)
            case .range:
                let (pipe, list, elseList) = try control("range")
                return .rangeNode(pipe, list, elseList)
            case .template:
                let nameTok = nextNonSpace()
                let name = try templateName(nameTok, "template clause")
                var pipe: Pipe? = nil
                if nextNonSpace().type != .rightDelim {
                    backup()
                    pipe = try pipeline("template clause", end: .rightDelim)
                }
                return .template(pos: nameTok.pos, name: name, pipe)
            default:
                backup()
                return .action(try pipeline("command", end: .rightDelim))
            }
        }

        func templateName(_ t: Item, _ context: String) throws(Failure) -> String {
            guard t.type == .string || t.type == .rawString else { throw unexpected(t, context) }
            do { return try GoTemplate.unquote(t.val) } catch { throw errorf(error.message) }
        }

        mutating func control(_ context: String) throws(Failure) -> (Pipe, [Node], [Node]?) {
            let mark = vars.count
            defer { vars.removeLast(vars.count - mark) }
            let pipe = try pipeline(context, end: .rightDelim)
            if context == "range" { rangeDepth += 1 }
            let (list, next) = try itemList()
            if context == "range" { rangeDepth -= 1 }
            var elseList: [Node]? = nil
            if case .elseNode = next {
                if context == "if" && peek().type == .ifKw {
                    _ = self.next()
                    let (p2, l2, e2) = try control("if")
                    elseList = [.ifNode(p2, l2, e2)]
                } else if context == "with" && peek().type == .with {
                    _ = self.next()
                    let (p2, l2, e2) = try control("with")
                    elseList = [.withNode(p2, l2, e2)]
                } else {
                    let (l, n2) = try itemList()
                    if case .end = n2 {} else { throw errorf("expected end; found \(n2.description)") }
                    elseList = l
                }
            }
            return (pipe, list, elseList)
        }

        // MARK: pipelines

        mutating func pipeline(_ context: String, end: ItemType) throws(Failure) -> Pipe {
            var pipe = Pipe(pos: peekNonSpace().pos)
            decls: while peekNonSpace().type == .variable {
                let v = nextNonSpace()
                let after = p
                let afterTok = peek()
                let n = peekNonSpace()
                if n.type == .assign || n.type == .declare {
                    pipe.isAssign = n.type == .assign
                    _ = nextNonSpace()
                    pipe.decl.append(.variable(pos: v.pos, idents: [v.val]))
                    vars.append(v.val)
                } else if n.type == .char && n.val == "," {
                    _ = nextNonSpace()
                    pipe.decl.append(.variable(pos: v.pos, idents: [v.val]))
                    vars.append(v.val)
                    if context == "range" && pipe.decl.count < 2 {
                        switch peekNonSpace().type {
                        case .variable, .rightDelim, .rightParen: continue decls
                        default: throw errorf("range can only initialize variables")
                        }
                    }
                    throw errorf("too many declarations in \(context)")
                } else {
                    p = afterTok.type == .space ? after - 1 : after - 1
                }
                break
            }
            while true {
                let t = nextNonSpace()
                if t.type == end {
                    if pipe.cmds.isEmpty { throw errorf("missing value for \(context)") }
                    for (i, c) in pipe.cmds.enumerated().dropFirst() {
                        switch c.args[0] {
                        case .bool, .dot, .nilValue, .number, .string:
                            throw errorf("non executable command in pipeline stage \(i + 1)")
                        default: break
                        }
                    }
                    return pipe
                }
                switch t.type {
                case .bool, .charConstant, .dot, .field, .identifier, .number, .nilKw, .rawString, .string, .variable, .leftParen:
                    backup()
                    pipe.cmds.append(try command())
                default:
                    throw unexpected(t, context)
                }
            }
        }

        mutating func command() throws(Failure) -> Command {
            var cmd = Command(pos: peekNonSpace().pos)
            while true {
                _ = peekNonSpace()
                if let o = try operand() { cmd.args.append(o) }
                let t = next()
                switch t.type {
                case .space: continue
                case .rightDelim, .rightParen: backup()
                case .pipe: break
                default: throw unexpected(t, "operand")
                }
                break
            }
            if cmd.args.isEmpty { throw errorf("empty command") }
            return cmd
        }

        mutating func operand() throws(Failure) -> Operand? {
            guard let node = try term() else { return nil }
            guard peek().type == .field else { return node }
            let chainPos = peek().pos
            var fields: [String] = []
            while peek().type == .field { fields.append(String(next().val.dropFirst())) }
            switch node {
            case .field(_, let ids): return .field(pos: chainPos, idents: ids + fields)
            case .variable(_, let ids): return .variable(pos: chainPos, idents: ids + fields)
            case .bool, .string, .number, .nilValue, .dot:
                throw errorf("unexpected . after term \(GoQuote.quote(node.description))")
            default: return .chain(pos: chainPos, node: node, fields: fields)
            }
        }

        mutating func term() throws(Failure) -> Operand? {
            let t = nextNonSpace()
            switch t.type {
            case .identifier:
                if !GoTemplate.functions.contains(t.val) { throw errorf("function \(GoQuote.quote(t.val)) not defined") }
                return .identifier(pos: t.pos, name: t.val)
            case .dot: return .dot(pos: t.pos)
            case .nilKw: return .nilValue(pos: t.pos)
            case .variable:
                let name = t.val.split(separator: ".", omittingEmptySubsequences: false)[0]
                if !vars.contains(String(name)) { throw errorf("undefined variable \(GoQuote.quote(String(name)))") }
                return .variable(pos: t.pos, idents: [t.val])
            case .field: return .field(pos: t.pos, idents: [String(t.val.dropFirst())])
            case .bool: return .bool(pos: t.pos, t.val == "true")
            case .charConstant, .number:
                do { return .number(pos: t.pos, text: t.val, try GoTemplate.number(t.val, char: t.type == .charConstant)) }
                catch { throw errorf(error.message) }
            case .leftParen:
                return .pipe(try pipeline("parenthesized pipeline", end: .rightParen))
            case .string, .rawString:
                do { return .string(pos: t.pos, quoted: t.val, text: try GoTemplate.unquote(t.val)) }
                catch { throw errorf(error.message) }
            default:
                backup()
                return nil
            }
        }
    }
}

extension GoTemplate.Pipe {
    var description: String {
        var s = ""
        if !decl.isEmpty {
            s = decl.map(\.description).joined(separator: ", ") + (isAssign ? " = " : " := ")
        }
        return s + cmds.map { c in
            c.args.map { a in
                if case .pipe = a { return "(" + a.description + ")" }
                return a.description
            }.joined(separator: " ")
        }.joined(separator: " | ")
    }
}
