// The Rego abstract syntax tree produced by `Parser` (Syntax/Parser*.swift).
//
// Shapes (all value types, all Sendable; every node carries a `SourceLocation` file:row:col):
//
//   Module     package (Ref `data.a.b`), imports, rules (in source order), annotations
//              (`# METADATA` blocks), comments, regoVersion, warnings (non-fatal, e.g. v0 `in`
//              used without `import future.keywords.in`).
//   Import     path Ref (`data.x.y`, `input.z`, `future.keywords.in`, `rego.v1`) + alias.
//   Rule       `default` flag, head, body, else chain, annotations that apply to it.
//              A body-less rule (`p := 1`, `p contains "x"`) gets a one-expression body `true`
//              marked `generated`, as OPA does.
//   RuleHead   ref (the rule's name as a ref: `p`, `p.q`, `p.q[r]`), args (functions only),
//              key (partial set element / last non-ground part of a partial object ref),
//              value (nil only for partial sets), assign (`:=` vs `=`), kind:
//                .complete       `p := 1`, `p if …`, `a.b.c := 1` (ground ref head)
//                .partialSet     `p contains x if …`, v0 `p[x] { … }`, `a.b contains x`
//                                (OPA's "multi-value" rules; `key` is the element)
//                .partialObject  `p[k] := v if …`, `p.q[r] := v` (non-ground ref head; OPA's
//                                single-value rules with variables in the ref)
//                .function       `f(x) := y if …`, `f(x) if …`, `a.b.f(x) := …`
//              A value that the source left implicit (`p if …`, `f(x) if …`) is the generated
//              term `true` (`valueGenerated`).
//   ElseBranch `else [:= | =] value [if] { body }`: value defaults to `true`; functions reuse
//              the rule's args.
//   Body       [Expr], in source order (the compiler reorders for safety).
//   Expr       negated (`not`), `with` modifiers, kind:
//                .term(Term)          a bare term: `input.x`, `true`, `f(x)` call *terms* are
//                                     lowered to .call so the evaluator sees one form.
//                .call(Call)          builtin/user call; infix operators are calls of OPA's
//                                     builtin names (see `InfixOperator`): `x = y` → eq,
//                                     `x := y` → assign, `a == b` → equal, `x in xs` →
//                                     internal.member_2, `k, v in xs` → internal.member_3 …
//                .some(SomeDecl)      `some x, y` or `some x in xs` / `some k, v in xs`
//                .every(Every)        `every k, v in xs { body }`
//                .logical(Logical)    experimental `a and b`, `a or b` (bodies on each side)
//                .notBody(Body)       `not { … }` with `import future.keywords.not`
//   Term       location + value (TermValue):
//                .scalar(Value)       null / boolean / number / string literal
//                .variable(name)      the parser renames each `_` to a fresh wildcard `$0`,
//                                     `$1`, … (unique per module, as OPA does; `isWildcard`)
//                .ref(Ref)            head term (var, or a call/collection term for
//                                     `f(x).y`, `[1,2][0]`) + parts (dot field / bracket term)
//                .array / .set / .object(items)
//                .arrayComprehension / .setComprehension / .objectComprehension
//                .call(Call)          function call used as a value: `x := count(y)`, `a + b`
//                .template(TemplateString)  `$"…{expr}…"`: literal text and embedded Exprs
//
// The JSON form OPA prints for `rego.parse_module` is in AST+JSON.swift.

/// A parsed Rego file.
public struct Module: Sendable {
    /// The file name given to the parser (used in every location).
    public var file: String
    public var package: Package
    public var imports: [Import]
    public var rules: [Rule]
    /// Every `# METADATA` block in the file, including package/document/subpackages-scoped ones
    /// (rule-scoped ones are also attached to their rule).
    public var annotations: [Annotations]
    /// Malformed `# METADATA` blocks (left out of `annotations`). Reported only when some
    /// module calls `rego.metadata.*`, as OPA does.
    public var annotationErrors: [EngineError] = []
    public var comments: [Comment]
    public var regoVersion: RegoVersion
    /// Non-fatal findings (the deliberate v0 `in` deviation records one here).
    public var warnings: [SyntaxWarning]

    public init(file: String, package: Package, imports: [Import] = [], rules: [Rule] = [],
                annotations: [Annotations] = [], comments: [Comment] = [],
                regoVersion: RegoVersion = .v1, warnings: [SyntaxWarning] = []) {
        self.file = file
        self.package = package
        self.imports = imports
        self.rules = rules
        self.annotations = annotations
        self.comments = comments
        self.regoVersion = regoVersion
        self.warnings = warnings
    }
}

public struct SyntaxWarning: Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var location: SourceLocation
    public init(_ message: String, location: SourceLocation) {
        self.message = message
        self.location = location
    }
    public var description: String { "\(location): \(message)" }
}

/// `package a.b["c"]`: the path as a ref rooted at `data` (`data.a.b.c`).
public struct Package: Sendable {
    public var path: Ref
    public var location: SourceLocation
    public init(path: Ref, location: SourceLocation) {
        self.path = path
        self.location = location
    }
    /// The path below `data`, as keys: `["a", "b", "c"]`.
    public var segments: [String] { path.parts.compactMap(\.stringKey) }
}

/// `import data.x.y as z`, `import input.a`, `import future.keywords.in`, `import rego.v1`.
public struct Import: Sendable {
    public var path: Ref
    public var alias: String?
    public var location: SourceLocation
    public init(path: Ref, alias: String?, location: SourceLocation) {
        self.path = path
        self.alias = alias
        self.location = location
    }
    /// The name the import binds in the module: the alias, or the last path element
    /// (`import data.a.b` binds `b`; `import input` binds `input`). Nil for
    /// `future.keywords…` / `rego.v1`, which bind nothing.
    public var boundName: String? {
        if isFutureOrRegoV1 { return nil }
        if let alias { return alias }
        if let last = path.parts.last { return last.stringKey }
        return path.headVariable
    }
    public var isFutureOrRegoV1: Bool {
        let h = path.headVariable
        return h == "future" || h == "rego"
    }
}

public struct Comment: Sendable {
    /// The text after `#`, verbatim.
    public var text: String
    public var location: SourceLocation
    public init(text: String, location: SourceLocation) {
        self.text = text
        self.location = location
    }
}

// MARK: - Rules

public enum RuleKind: Sendable, Hashable {
    case complete
    /// OPA's multi-value rule: `contains` (v1) or v0 `p[x] { … }`.
    case partialSet
    /// Single-value rule whose ref has non-ground parts: `p[k] := v`, `p.q[r] := v`.
    case partialObject
    case function
}

public struct Rule: Sendable {
    public var isDefault: Bool
    public var head: RuleHead
    public var body: Body
    public var elseChain: [ElseBranch]
    /// `# METADATA` blocks that apply to this rule (scope rule, or document on the first
    /// definition of a name).
    public var annotations: [Annotations]
    public var location: SourceLocation
    /// Whether the source used `if` (v1 rules always do unless body-less).
    public var hasIf: Bool

    public init(isDefault: Bool = false, head: RuleHead, body: Body, elseChain: [ElseBranch] = [],
                annotations: [Annotations] = [], location: SourceLocation, hasIf: Bool = false) {
        self.isDefault = isDefault
        self.head = head
        self.body = body
        self.elseChain = elseChain
        self.annotations = annotations
        self.location = location
        self.hasIf = hasIf
    }

    public var kind: RuleKind { head.kind }
    /// The head name (first ref element): `p` for `p.q[r]`.
    public var name: String { head.ref.headVariable ?? "" }
}

public struct RuleHead: Sendable {
    public var kind: RuleKind
    /// The rule's name as a ref. For partial objects it includes the key part (`p[k]`), for
    /// partial sets it does not (`p` in `p contains x`).
    public var ref: Ref
    /// Function parameters (nil unless `.function`).
    public var args: [Term]?
    public var key: Term?
    /// Nil only for partial sets.
    public var value: Term?
    /// True for `:=`, false for `=` or an implicit value.
    public var assign: Bool
    /// True when the value is the implicit `true` of `p if …` / `f(x) if …` / v0 `p { … }`.
    public var valueGenerated: Bool
    public var location: SourceLocation

    public init(kind: RuleKind, ref: Ref, args: [Term]? = nil, key: Term? = nil, value: Term?,
                assign: Bool, valueGenerated: Bool = false, location: SourceLocation) {
        self.kind = kind
        self.ref = ref
        self.args = args
        self.key = key
        self.value = value
        self.assign = assign
        self.valueGenerated = valueGenerated
        self.location = location
    }
}

/// One `else` of an else chain.
public struct ElseBranch: Sendable {
    public var value: Term
    public var valueGenerated: Bool
    public var assign: Bool
    public var body: Body
    /// For functions: the rule's parameters as this branch sees them (the same terms, with
    /// each `_` renamed to a fresh wildcard, as OPA does). Nil for other rules.
    public var args: [Term]?
    public var location: SourceLocation
    public init(value: Term, valueGenerated: Bool, assign: Bool, body: Body, args: [Term]? = nil,
                location: SourceLocation) {
        self.value = value
        self.valueGenerated = valueGenerated
        self.assign = assign
        self.body = body
        self.args = args
        self.location = location
    }
}

// MARK: - Bodies and expressions

public typealias Body = [Expr]

public struct Expr: Sendable {
    public var kind: ExprKind
    public var negated: Bool
    public var with: [WithModifier]
    /// True for expressions the parser made up (the `true` body of a body-less rule).
    public var generated: Bool
    public var location: SourceLocation

    public init(kind: ExprKind, negated: Bool = false, with: [WithModifier] = [],
                generated: Bool = false, location: SourceLocation) {
        self.kind = kind
        self.negated = negated
        self.with = with
        self.generated = generated
        self.location = location
    }
}

public enum ExprKind: Sendable {
    case term(Term)
    case call(Call)
    case some(SomeDecl)
    case every(Every)
    /// Experimental `a and b` / `a or b` (`import future.keywords.and` / `.or`).
    case logical(Logical)
    /// `not { body }` (`import future.keywords.not`): true when the body has no solution.
    /// Variables assigned inside are local to the body. The Expr's `negated` stays false.
    case notBody(Body)
}

/// `lhs and rhs` / `lhs or rhs`: each side is a body (one literal, a parenthesised group, or a
/// `{ … }` block). `and` binds tighter than `or`. `or` succeeds once per solution of either side
/// (OPA's experimental logic operators).
public struct Logical: Sendable {
    public enum Op: String, Sendable { case and, or }
    public var op: Op
    public var lhs: Body
    public var rhs: Body
    public var location: SourceLocation
    public init(op: Op, lhs: Body, rhs: Body, location: SourceLocation) {
        self.op = op
        self.lhs = lhs
        self.rhs = rhs
        self.location = location
    }
}

/// `with target as value`.
public struct WithModifier: Sendable {
    /// A ref: `input`, `input.x`, `data.a.b`, or a function/builtin name (`count`, `data.f`).
    public var target: Term
    public var value: Term
    public var location: SourceLocation
    public init(target: Term, value: Term, location: SourceLocation) {
        self.target = target
        self.value = value
        self.location = location
    }
}

public enum SomeDecl: Sendable {
    /// `some x, y`: declares local variables (each a `.variable` term).
    case vars([Term])
    /// `some v in xs` (key nil) or `some k, v in xs`. Key and value may be any term (patterns
    /// such as `[a, b]` unify against the elements).
    case membership(key: Term?, value: Term, collection: Term)
}

/// `every k, v in xs { body }` (key nil for `every v in xs`).
public struct Every: Sendable {
    public var key: Term?
    public var value: Term
    public var collection: Term
    public var body: Body
    public var location: SourceLocation
    public init(key: Term?, value: Term, collection: Term, body: Body, location: SourceLocation) {
        self.key = key
        self.value = value
        self.collection = collection
        self.body = body
        self.location = location
    }
}

/// A call of a builtin or user function. `function` is the name as a ref: `count`,
/// `time.now_ns`, `data.lib.f`, `plus` for `+`, `internal.member_2` for `in`.
public struct Call: Sendable {
    public var function: Ref
    public var args: [Term]
    /// The infix operator the call was written with, if any (for error messages / JSON).
    public var infix: InfixOperator?
    public var location: SourceLocation
    public init(function: Ref, args: [Term], infix: InfixOperator? = nil, location: SourceLocation) {
        self.function = function
        self.args = args
        self.infix = infix
        self.location = location
    }
    /// Dotted name: `time.now_ns`, `data.lib.f`, `plus`. Bracket parts print as `[…]`.
    public var name: String { function.dottedName }
}

/// Infix operators and the OPA builtin each one calls.
public enum InfixOperator: String, Sendable, CaseIterable {
    case plus = "+", minus = "-", mul = "*", div = "/", rem = "%"
    case and = "&", or = "|"
    case equal = "==", neq = "!=", lt = "<", lte = "<=", gt = ">", gte = ">="
    case unify = "=", assign = ":="
    case member = "in"

    /// OPA's builtin name for the operator (`in` is member_2; with a key it is member_3).
    public var builtinName: String {
        switch self {
        case .plus: return "plus"
        case .minus: return "minus"
        case .mul: return "mul"
        case .div: return "div"
        case .rem: return "rem"
        case .and: return "and"
        case .or: return "or"
        case .equal: return "equal"
        case .neq: return "neq"
        case .lt: return "lt"
        case .lte: return "lte"
        case .gt: return "gt"
        case .gte: return "gte"
        case .unify: return "eq"
        case .assign: return "assign"
        case .member: return "internal.member_2"
        }
    }
}

// MARK: - Terms

public struct Term: Sendable {
    public var value: TermValue
    public var location: SourceLocation
    public init(_ value: TermValue, location: SourceLocation) {
        self.value = value
        self.location = location
    }
}

public indirect enum TermValue: Sendable {
    /// null, boolean, number (exact for big integers) or string.
    case scalar(Value)
    /// A variable name; each `_` in the source becomes a fresh `$N` wildcard.
    case variable(String)
    case ref(Ref)
    case array([Term])
    case set([Term])
    case object([ObjectItem])
    case arrayComprehension(term: Term, body: Body)
    case setComprehension(term: Term, body: Body)
    case objectComprehension(key: Term, value: Term, body: Body)
    case call(Call)
    /// `$"a{x}b"` / `` $`a{x}b` ``.
    case template(TemplateString)
}

public struct ObjectItem: Sendable {
    public var key: Term
    public var value: Term
    public init(key: Term, value: Term) {
        self.key = key
        self.value = value
    }
}

public struct TemplateString: Sendable {
    public var parts: [TemplatePart]
    /// True for the backtick form `` $`…` `` (OPA's `multi_line`).
    public var multiLine: Bool
    public init(parts: [TemplatePart], multiLine: Bool) {
        self.parts = parts
        self.multiLine = multiLine
    }
}

public enum TemplatePart: Sendable {
    /// Literal text (escapes already decoded; `\{` gives `{`).
    case text(String)
    /// An embedded `{expr}`: any expression, e.g. `{x}`, `{1 == 1}`, `{count(xs)}`. OPA prints
    /// `<undefined>` for an undefined one.
    case expr(Expr)
}

/// `head.part[part]…`. The head is a variable for `input.x`, `data.a`, `x[i]`, or any term for
/// `f(x).y`, `[1, 2][0]`, `{"a": 1}.a`.
public struct Ref: Sendable {
    public var head: Term
    public var parts: [RefPart]
    public init(head: Term, parts: [RefPart]) {
        self.head = head
        self.parts = parts
    }

    /// The head's variable name (`input`, `data`, `x`), nil for a non-variable head.
    public var headVariable: String? {
        if case .variable(let v) = head.value { return v }
        return nil
    }

    /// True if every part is a constant string (`data.a.b`, `input["x"]`).
    public var isGroundPath: Bool { parts.allSatisfy { $0.stringKey != nil } }

    /// `time.now_ns`, `data.a["b-c"]` → `data.a["b-c"]`, `x[i]`.
    public var dottedName: String {
        var s = headVariable ?? "<term>"
        for p in parts {
            switch p {
            case .field(let f, _): s += "." + f
            case .bracket(let t):
                if case .scalar(.string(let k)) = t.value {
                    if RefPart.isIdentifier(k) { s += "." + k } else { s += "[\"\(k)\"]" }
                } else if case .variable(let v) = t.value {
                    s += "[\(v)]"
                } else {
                    s += "[…]"
                }
            }
        }
        return s
    }
}

public enum RefPart: Sendable {
    /// `.name` (keywords allowed: `input.if`).
    case field(String, SourceLocation)
    /// `[term]`.
    case bracket(Term)

    /// The part as a term (a dot field is the string term OPA makes of it).
    public var term: Term {
        switch self {
        case .field(let f, let loc): return Term(.scalar(.string(f)), location: loc)
        case .bracket(let t): return t
        }
    }

    /// The constant string key, if the part is one (`.a` or `["a"]`).
    public var stringKey: String? {
        switch self {
        case .field(let f, _): return f
        case .bracket(let t):
            if case .scalar(.string(let s)) = t.value { return s }
            return nil
        }
    }

    static func isIdentifier(_ s: String) -> Bool {
        guard let f = s.unicodeScalars.first, f == "_" || f.properties.isAlphabetic && f.isASCII else { return false }
        return s.unicodeScalars.allSatisfy { $0.isASCII && ($0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0)) }
    }
}

// MARK: - Annotations

/// One `# METADATA` block: the YAML parsed and normalised to the JSON shape OPA exposes through
/// `rego.metadata.rule()` / `rego.metadata.chain()` (keys such as `scope`, `title`,
/// `description`, `related_resources`, `authors`, `organizations`, `schemas`, `entrypoint`,
/// `custom`).
public struct Annotations: Sendable {
    public enum Scope: String, Sendable {
        case rule, document, package, subpackages
    }
    public var scope: Scope
    /// The normalised annotation object (always contains "scope").
    public var value: Value
    /// What the block annotates: the package path (package/subpackages scope) or the package
    /// path plus the rule's constant ref prefix (rule/document scope), e.g. ["testing", "p"].
    public var path: [String]
    public var location: SourceLocation
    public init(scope: Scope, value: Value, path: [String] = [], location: SourceLocation) {
        self.scope = scope
        self.value = value
        self.path = path
        self.location = location
    }
}

// MARK: - Helpers

extension Term {
    public var isWildcard: Bool {
        if case .variable(let v) = value { return v == "_" || v.hasPrefix("$") }
        return false
    }
    public var variableName: String? {
        if case .variable(let v) = value { return v }
        return nil
    }
    public static func variable(_ name: String, _ loc: SourceLocation) -> Term { Term(.variable(name), location: loc) }
    public static func bool(_ b: Bool, _ loc: SourceLocation) -> Term { Term(.scalar(.bool(b)), location: loc) }
    public static func string(_ s: String, _ loc: SourceLocation) -> Term { Term(.scalar(.string(s)), location: loc) }
}

extension Ref {
    /// A ref of a plain variable: `x`.
    public static func variable(_ name: String, _ loc: SourceLocation) -> Ref {
        Ref(head: .variable(name, loc), parts: [])
    }
    /// `a.b.c` from dotted text (for builtin names such as `internal.member_2`).
    public static func dotted(_ name: String, _ loc: SourceLocation) -> Ref {
        let comps = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        return Ref(head: .variable(comps[0], loc), parts: comps.dropFirst().map { .field($0, loc) })
    }
}
