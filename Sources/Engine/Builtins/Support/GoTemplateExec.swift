/// Execution of a parsed Go text/template (text/template/exec.go): the node being evaluated is
/// tracked as Go's state.at does, so errors read `template: template:L:C: executing "name" at
/// <node>: …` with Go's position and node text; fields, variables, pipelines, if/with/range
/// (with break/continue), template invocation and the argument typing of the builtin functions
/// follow Go's reflect-based rules (GoTemplateFuncs.swift holds the functions).
extension GoTemplate {
    /// `outOfStack`: the thread's stack is nearly used up; execution starts over on a thread
    /// with a larger one (GoTemplate.execute).
    enum Stop: Error { case fail(Failure), breakLoop, continueLoop, outOfStack }

    enum At {
        case none
        case operand(Operand)
        case command(Command)
        case template(pos: Int, text: String)
    }

    /// Parameter types of the builtin functions.
    enum Param { case value, any, string, untyped }

    /// Go's maxExecDepth: nested template invocations allowed (OPA reaches it: its goroutine
    /// stacks grow to 1 GB).
    static let maxDepth = 100_000
    /// Depth from which each invocation checks the stack left (DeepStack).
    static let stackCheckDepth = 32

    struct Exec {
        let source: [UInt8]
        let trees: [String: [Node]]
        var name = "template"
        var at: At = .none
        var vars: [(String, GV)] = []
        var depth = 0
        var out = ""
        /// How far down this thread's stack template invocations may go (DeepStack).
        var stackFloor: UInt = 0

        // MARK: errors

        func fail(_ msg: String) -> Stop {
            let pos: Int, context: String
            switch at {
            case .none: return .fail(Failure(message: "template: \(name): \(msg)"))
            case .operand(let o): pos = o.pos; context = o.description
            case .command(let c): pos = c.pos; context = c.args.map { a in
                if case .pipe = a { return "(" + a.description + ")" }
                return a.description
            }.joined(separator: " ")
            case .template(let p, let t): pos = p; context = t
            }
            let before = source[..<min(pos, source.count)]
            let line = 1 + before.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
            let col = before.lastIndex(of: 0x0A).map { pos - ($0 + 1) } ?? pos
            return .fail(Failure(message: "template: template:\(line):\(col): executing \(GoQuote.quote(name)) at <\(context)>: \(msg)"))
        }

        // MARK: variables

        func varValue(_ name: String) throws(Stop) -> GV {
            if let v = vars.last(where: { $0.0 == name }) { return v.1 }
            throw fail("undefined variable: \(name)")
        }

        mutating func setVar(_ name: String, _ v: GV) throws(Stop) {
            guard let i = vars.lastIndex(where: { $0.0 == name }) else { throw fail("undefined variable: \(name)") }
            vars[i].1 = v
        }

        // MARK: walking

        mutating func walk(_ dot: GV, _ nodes: [Node]) throws(Stop) {
            for n in nodes {
                switch n {
                case .text(let t): out += t
                case .action(let pipe):
                    let v = try evalPipeline(dot, pipe)
                    if pipe.decl.isEmpty { out += v.isValid ? v.text : "<no value>" }
                case .ifNode(let pipe, let list, let elseList), .withNode(let pipe, let list, let elseList):
                    let mark = vars.count
                    let v = try evalPipeline(dot, pipe)
                    if v.truth {
                        if case .withNode = n { try walk(v, list) } else { try walk(dot, list) }
                    } else if let e = elseList {
                        try walk(dot, e)
                    }
                    vars.removeLast(vars.count - mark)
                case .rangeNode(let pipe, let list, let elseList):
                    let mark = vars.count
                    try walkRange(dot, pipe, list, elseList)
                    vars.removeLast(vars.count - mark)
                case .template(let pos, let name, let pipe):
                    try walkTemplate(dot, pos, name, pipe, n.description)
                case .breakNode: throw .breakLoop
                case .continueNode: throw .continueLoop
                case .end, .elseNode: break
                }
            }
        }

        mutating func walkRange(_ dot: GV, _ pipe: Pipe, _ list: [Node], _ elseList: [Node]?) throws(Stop) {
            let val = try evalPipeline(dot, pipe).deref.0
            func names(_ i: Int) -> String? {
                guard i < pipe.decl.count, case .variable(_, let ids) = pipe.decl[i] else { return nil }
                return ids[0]
            }
            let decls = pipe.decl.count
            func one(_ index: GV, _ elem: GV, _ s: inout Exec) throws(Stop) -> Bool {
                if decls > 0 {
                    if pipe.isAssign { try s.setVar(names(0)!, decls > 1 ? index : elem) } else { s.vars[s.vars.count - 1].1 = elem }
                }
                if decls > 1 {
                    if pipe.isAssign { try s.setVar(names(1)!, elem) } else { s.vars[s.vars.count - 2].1 = index }
                }
                let mark = s.vars.count
                defer { s.vars.removeLast(s.vars.count - mark) }
                do { try s.walk(elem, list) } catch {
                    switch error {
                    case .continueLoop: break
                    case .breakLoop: return false
                    case .fail, .outOfStack: throw error
                    }
                }
                return true
            }
            switch val {
            case .slice(let s, let n) where n > 0:
                for i in 0..<n {
                    if try !one(.int(i), s[i], &self) { break }
                }
                return
            case .int(let n):
                if decls > 1 { throw fail("can't use \(n) to iterate over more than one variable") }
                if n > 0 {
                    for i in 0..<n {
                        if try !one(.int(i), .int(i), &self) { break }
                    }
                    return
                }
            case .map(let m) where !m.isEmpty:
                for (k, v) in m {
                    if try !one(.string(k), v, &self) { break }
                }
                return
            case .slice, .map, .invalid: break
            default: throw fail("range can't iterate over \(val.text)")
            }
            if let e = elseList { try walk(dot, e) }
        }

        mutating func walkTemplate(_ dot: GV, _ pos: Int, _ name: String, _ pipe: Pipe?, _ text: String) throws(Stop) {
            at = .template(pos: pos, text: text)
            guard let tree = trees[name] else { throw fail("template \(GoQuote.quote(name)) not defined") }
            if depth >= GoTemplate.maxDepth { throw fail("exceeded maximum template depth (\(GoTemplate.maxDepth))") }
            if depth >= GoTemplate.stackCheckDepth && !DeepStack.hasRoom(stackFloor) { throw .outOfStack }
            var newDot = GV.invalid
            if let p = pipe { newDot = try evalPipeline(dot, p) }
            var inner = Exec(source: source, trees: trees, name: name, at: at, vars: [("$", newDot)], depth: depth + 1, out: "",
                             stackFloor: stackFloor)
            swap(&inner.out, &out)
            defer { swap(&inner.out, &out) }
            try inner.walk(newDot, tree)
        }

        // MARK: pipelines and commands

        mutating func evalPipeline(_ dot: GV, _ pipe: Pipe) throws(Stop) -> GV {
            var value: GV? = nil  // nil: no value from a previous command (Go's missingVal)
            for cmd in pipe.cmds {
                value = try evalCommand(dot, cmd, final: value).unboxed
            }
            let v = value ?? .invalid
            for d in pipe.decl {
                guard case .variable(_, let ids) = d else { continue }
                if pipe.isAssign { try setVar(ids[0], v) } else { vars.append((ids[0], v)) }
            }
            return v
        }

        mutating func evalCommand(_ dot: GV, _ cmd: Command, final: GV?) throws(Stop) -> GV {
            let first = cmd.args[0]
            switch first {
            case .field: return try evalFieldNode(dot, first, args: cmd.args.count, final: final)
            case .chain(_, let node, let fields): return try evalChain(dot, first, node, fields, args: cmd.args.count, final: final)
            case .identifier(_, let name):
                at = .operand(first)
                return try evalCall(dot, name, node: .command(cmd), args: Array(cmd.args.dropFirst()), final: final)
            case .pipe(let p):
                try notAFunction(cmd.args, final)
                return try evalPipeline(dot, p)
            case .variable: return try evalVariable(dot, first, args: cmd.args.count, final: final)
            default: break
            }
            at = .operand(first)
            try notAFunction(cmd.args, final)
            switch first {
            case .bool(_, let b): return .bool(b)
            case .dot: return dot
            case .nilValue: throw fail("nil is not a command")
            case .number(_, let text, let n): return try idealConstant(text, n)
            case .string(_, _, let s): return .string(s)
            default: return .invalid
            }
        }

        func notAFunction(_ args: [Operand], _ final: GV?) throws(Stop) {
            if args.count > 1 || final != nil { throw fail("can't give argument to non-function \(args[0].description)") }
        }

        func idealConstant(_ text: String, _ n: NumberConst) throws(Stop) -> GV {
            let b = Array(text.utf8)
            let hexInt = b.count > 2 && b[0] == UInt8(ascii: "0") && (b[1] | 0x20) == UInt8(ascii: "x") && !text.contains(where: { $0 == "p" || $0 == "P" })
            let runeInt = b.first == UInt8(ascii: "'")
            if n.isComplex { return .complex(n.re, n.im) }
            if n.isFloat && !hexInt && !runeInt && text.contains(where: { ".eEpP".contains($0) }) { return .float(n.float) }
            if n.isInt { return .int(n.int64) }
            if n.isUint { throw fail("\(text) overflows int") }
            return .invalid
        }

        mutating func evalFieldNode(_ dot: GV, _ field: Operand, args: Int, final: GV?) throws(Stop) -> GV {
            at = .operand(field)
            guard case .field(_, let ids) = field else { return .invalid }
            return try evalFieldChain(dot, ids[...], args: args, final: final)
        }

        mutating func evalChain(_ dot: GV, _ chain: Operand, _ node: Operand, _ fields: [String], args: Int, final: GV?) throws(Stop) -> GV {
            if case .nilValue = node { throw fail("indirection through explicit nil in \(chain.description)") }
            let base = try evalArg(dot, .untyped, node)
            return try evalFieldChain(base, fields[...], args: args, final: final)
        }

        mutating func evalVariable(_ dot: GV, _ v: Operand, args: Int, final: GV?) throws(Stop) -> GV {
            at = .operand(v)
            guard case .variable(_, let ids) = v else { return .invalid }
            let value = try varValue(ids[0])
            if ids.count == 1 {
                if args > 1 || final != nil { throw fail("can't give argument to non-function \(v.description)") }
                return value
            }
            return try evalFieldChain(value, ids.dropFirst(), args: args, final: final)
        }

        func evalFieldChain(_ receiver: GV, _ ids: ArraySlice<String>, args: Int, final: GV?) throws(Stop) -> GV {
            var r = receiver
            for (i, id) in ids.enumerated() {
                let last = i == ids.count - 1
                r = try evalField(id, r, hasArgs: last && (args > 1 || final != nil))
            }
            return r
        }

        func evalField(_ name: String, _ receiver: GV, hasArgs: Bool) throws(Stop) -> GV {
            guard receiver.isValid else { return .invalid }
            let type = receiver.typeName
            let (r, isNil) = receiver.deref
            if isNil { throw fail("nil pointer evaluating \(type).\(name)") }
            if case .map(let m) = r {
                if hasArgs { throw fail("\(name) is not a method but has arguments") }
                return m.first(where: { $0.0 == name })?.1 ?? .invalid
            }
            throw fail("can't evaluate field \(name) in type \(type)")
        }

        // MARK: arguments

        mutating func evalArg(_ dot: GV, _ param: Param, _ n: Operand) throws(Stop) -> GV {
            at = .operand(n)
            switch n {
            case .dot: return try validate(dot, param)
            case .nilValue:
                switch param {
                case .any, .untyped: return .boxedNil
                case .value: return .invalid  // a reflect.Value parameter gets the zero Value
                case .string: throw fail("cannot assign nil to string")
                }
            case .field:
                let v = try evalFieldNode(dot, n, args: 1, final: nil)
                return param == .value ? v : try validate(v, param)
            case .variable:
                let v = try evalVariable(dot, n, args: 0, final: nil)
                return param == .value ? v : try validate(v, param)
            case .pipe(let p):
                let v = try evalPipeline(dot, p)
                return param == .value ? v : try validate(v, param)
            case .identifier(_, let name):
                return try validate(try evalCall(dot, name, node: .operand(n), args: [], final: nil), param)
            case .chain(_, let node, let fields):
                return try validate(try evalChain(dot, n, node, fields, args: 0, final: nil), param)
            default: break
            }
            switch param {
            case .string:
                if case .string(_, _, let s) = n { return .string(s) }
                throw fail("expected string; found \(n.description)")
            default:
                switch n {
                case .bool(_, let b): return .bool(b)
                case .number(_, let text, let c): return try idealConstant(text, c)
                case .string(_, _, let s): return .string(s)
                default: return .invalid
                }
            }
        }

        /// Go's validateType for our parameter types.
        func validate(_ v: GV, _ param: Param) throws(Stop) -> GV {
            guard v.isValid else {
                switch param {
                case .untyped: return .invalid
                case .any: return .boxedNil
                case .value: return .invalid  // a reflect.Value parameter takes the zero Value
                case .string: throw fail("invalid value; expected string")
                }
            }
            guard param == .string else { return v }
            switch v {
            case .string: return v
            case .boxed(.string(let s)): return .string(s)
            case .boxed(let inner): throw fail("wrong type for value; expected string; got \(inner.typeName)")
            default: throw fail("wrong type for value; expected string; got \(v.typeName)")
            }
        }
    }
}
