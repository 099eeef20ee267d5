// The evaluation form the compiler lowers Rego into. Everything here is built once per
// policy and never mutated afterwards, so a plan is shared by every request thread.
//
// - Variables are slot numbers in the frame of the rule (or query) they belong to.
// - `data` references are resolved to a `DataNode` (a package, a rule set, or base data) plus
//   the remaining path.
// - Calls point straight at the builtin or at the user function's node.

/// A term in evaluation form.
indirect enum PTerm {
    case const(Value)
    /// Frame slot of a local variable.
    case local(Int)
    case input
    /// `input` followed by constant keys, read once per evaluation (Compiler/InputRefs.swift).
    case inputRef(InputRef)
    /// A resolved `data` reference: the deepest node reached by constant keys, then the rest.
    case data(DataNode, [PTerm])
    /// Any other reference: base term then path (path locals that are unbound iterate).
    case ref(PTerm, [PTerm])
    case array([PTerm])
    case set([PTerm])
    case object([PTerm], [PTerm])
    case call(PCall)
    case compr(PCompr)
    /// `$"…{x}…"`: concatenation of parts.
    case template([PTerm])

    var isConst: Bool { if case .const = self { return true } else { return false } }
}

/// What a call invokes.
enum CallTarget {
    case builtin(Builtin)
    /// A user function: the node holding its definitions.
    case function(DataNode)
}

/// An array, set or object comprehension.
final class PCompr {
    /// `single`: the head's value in the first solution (an expression inside a template).
    enum Kind { case array, set, object, single }
    let kind: Kind
    /// The element (array/set) or key (object).
    let head: PTerm
    /// The value (objects only).
    let value: PTerm?
    let body: PBody
    /// Outer slots the comprehension reads (they must be bound before it runs).
    let captured: [Int]
    /// Where the comprehension is written (an object comprehension's key conflict reports it).
    let location: SourceLocation?
    init(kind: Kind, head: PTerm, value: PTerm?, body: PBody, captured: [Int], location: SourceLocation? = nil) {
        self.kind = kind
        self.head = head
        self.value = value
        self.body = body
        self.captured = captured
        self.location = location
    }
}

final class PCall {
    let target: CallTarget
    let name: String
    let args: [PTerm]
    /// `args[0...2]` (`.input` where absent) in `let` fields: the evaluator reads them from
    /// the call it holds without a retain/release of each term, which loading an element of
    /// `args` costs (Evaluator+Single `callSingle`).
    let arg0: PTerm, arg1: PTerm, arg2: PTerm
    let location: SourceLocation
    /// `walk`: a relation that produces many results (evaluated by the evaluator itself).
    let isWalk: Bool
    /// For a builtin: its implementation, specialised for this call's constant (or candidate)
    /// arguments when the builtin offers that (`Builtin.specializer`). Not optional (see `Builtin.Specialization`).
    let implementation: Builtin.Implementation
    let isBuiltin: Bool
    /// `implementation` is a specialisation (for tests and plan dumps).
    let isSpecialized: Bool
    /// For a builtin: `Builtin.isDeterministic`.
    let isDeterministic: Bool
    /// A two-operand builtin the evaluator computes itself (`==`, `<`, `x in xs`, …), without
    /// building `Arguments` or calling the implementation; `.none` for every other call.
    let inlineOperator: InlineOperator
    /// `candidates`: per argument, values it is likely to take (`Builtin.CallSite`); nil
    /// means just the constant arguments.
    init(target: CallTarget, name: String, args: [PTerm], location: SourceLocation, candidates: [[Value]?]? = nil) {
        self.target = target
        self.name = name
        self.args = args
        arg0 = args.count > 0 ? args[0] : .input
        arg1 = args.count > 1 ? args[1] : .input
        arg2 = args.count > 2 ? args[2] : .input
        self.location = location
        if case .builtin(let b) = target {
            isWalk = b.name == "walk"
            isBuiltin = true
            if let s = b.specializer?(Builtin.CallSite(constants: args.map(\.constValue), candidates: candidates)) {
                implementation = s.implementation
                isSpecialized = true
            } else {
                implementation = b.implementation
                isSpecialized = false
            }
            isDeterministic = b.isDeterministic
            inlineOperator = isSpecialized || args.count != 2 ? .none : InlineOperator(builtin: b.name)
        } else {
            isWalk = false
            isBuiltin = false
            implementation = PCall.notABuiltin
            isSpecialized = false
            isDeterministic = true
            inlineOperator = .none
        }
    }

    private static let notABuiltin: Builtin.Implementation = { _, _ in nil }
}

/// Builtins of two operands that the evaluator computes directly (Evaluator+Single
/// `callSingle`), with exactly the answers of their implementations (`ComparisonBuiltins` is
/// made of `apply`; `internal.member_2` calls `InternalBuiltins.member`). They cannot fail,
/// so no error path is skipped.
enum InlineOperator {
    case none, equal, notEqual, less, lessOrEqual, greater, greaterOrEqual, member

    init(builtin name: String) {
        switch name {
        case "equal": self = .equal
        case "neq": self = .notEqual
        case "lt": self = .less
        case "lte": self = .lessOrEqual
        case "gt": self = .greater
        case "gte": self = .greaterOrEqual
        case "internal.member_2": self = .member
        default: self = .none
        }
    }

    @inline(__always)
    func apply(_ a: Value, _ b: Value) -> Bool {
        switch self {
        case .equal: return a == b
        case .notEqual: return a != b
        case .less: return Value.compare(a, b) < 0
        case .lessOrEqual: return Value.compare(a, b) <= 0
        case .greater: return Value.compare(a, b) > 0
        case .greaterOrEqual: return Value.compare(a, b) >= 0
        case .member: return InternalBuiltins.member(a, b)
        case .none: return false
        }
    }
}

typealias PBody = [PExpr]

/// A class, so stepping through a body copies one reference rather than the fields.
final class PExpr {
    enum Kind {
        /// True when defined and not `false`.
        case term(PTerm)
        case unify(PTerm, PTerm)
        /// A call in expression position; with `output`, the result is unified with it.
        case call(PCall, output: PTerm?)
        case print([PTerm])
        case someIn(key: PTerm?, value: PTerm, collection: PTerm)
        case every(key: PTerm?, value: PTerm, collection: PTerm, body: PBody, captured: [Int])
        /// Experimental `and` / `or` of two bodies.
        case logical(isAnd: Bool, PBody, PBody)
        /// `not { body }`.
        case notBody(PBody, captured: [Int])
        /// `some x` (declaration only).
        case noop
    }
    let kind: Kind
    let negated: Bool
    let withs: [PWith]
    let location: SourceLocation
    init(kind: Kind, negated: Bool, withs: [PWith], location: SourceLocation) {
        self.kind = kind
        self.negated = negated
        self.withs = withs
        self.location = location
    }
}

/// One `with` modifier.
struct PWith {
    enum Target {
        case input([Value])
        case data([Value])
        /// A builtin or user function replaced (by name of the builtin / node path).
        case function(String)
    }
    enum Replacement {
        case value(PTerm)
        case target(CallTarget)
    }
    var target: Target
    var value: Replacement
}

/// How a rule set combines its rules' results.
enum NodeKind {
    case package
    case complete
    case partialSet
    case partialObject
    case function
}

/// One compiled rule definition (with its else chain).
final class PRule {
    let kind: RuleKind
    /// For partial objects: the head ref parts below the node (`p[x].y` → [x, "y"]).
    var keyPath: [PTerm] = []
    /// Partial set element.
    var key: PTerm?
    var value: PTerm? { didSet { constantValue = value?.constValue } }
    /// `value` when it is a constant (`decision := "deny" if …`, `allow if …`), as a plain
    /// `Value`: the evaluator merges it without copying the term (a retain and release of its
    /// box), and a scalar or short string copies with no reference counting at all.
    private(set) var constantValue: Value?
    var args: [PTerm] = []
    var body: PBody = [] {
        didSet {
            PlanBuffer.free(straightBody)
            straightBody = PlanBuffer.copy(body)
        }
    }
    /// `body`'s expressions again, in a buffer this rule owns (kept in step by `body`'s
    /// `didSet`): the evaluator's straight-line pass reads them through this trivial value, so
    /// passing the body costs no retain and release of the array (a `var` array field is
    /// retained around every call it is handed to, since the callee could reassign it).
    private(set) var straightBody = UnsafeBufferPointer<PExpr>(start: nil, count: 0)
    var elseChain: [(value: PTerm, body: PBody)] = []
    var slotCount = 0
    let isDefault: Bool
    let location: SourceLocation
    /// Number of parameters (functions), known before bodies are lowered.
    var arity = 0
    init(kind: RuleKind, isDefault: Bool, location: SourceLocation) {
        self.kind = kind
        self.isDefault = isDefault
        self.location = location
    }

    deinit { PlanBuffer.free(straightBody) }

    /// Another rule with the same fields (ClausePrune gives the copy other checks).
    func copy() -> PRule {
        let r = PRule(kind: kind, isDefault: isDefault, location: location)
        r.keyPath = keyPath
        r.key = key
        r.value = value
        r.args = args
        r.body = body
        r.elseChain = elseChain
        r.slotCount = slotCount
        r.arity = arity
        return r
    }
}

/// A node of the data tree: base data and/or rules at one path under `data`.
final class DataNode {
    let id: Int
    let path: [String]
    var children: [String: DataNode] = [:] {
        didSet { childList = children.count <= 8 ? children.map { ($0.key, $0.value) } : nil }
    }
    /// `children` as a list while there are at most 8 (the usual package): `child(_:)` scans
    /// it with byte comparisons instead of hashing the name per lookup.
    private var childList: [(name: String, node: DataNode)]? = []
    var base: Value?
    var rules: [PRule] = [] {
        didSet { if sealed { seal() } }
    }
    /// `rules` again in a buffer this node owns (`PlanBuffer`), for the evaluator's rule
    /// loops; made by `seal()` once the plan builder has added every rule, and kept in step
    /// by `rules`' `didSet` afterwards (not before: appending rule by rule would copy the
    /// list each time).
    private(set) var ruleBuffer = PlanBuffer.empty
    /// `rules` with the checks ClausePrune puts in front when every call and rule ref may
    /// raise, for evaluations where a `with` replaces a function (RaiseAnalysis); nil when
    /// they are `rules` themselves.
    var guardedRules: [PRule]? = nil {
        didSet { if sealed { seal() } }
    }
    /// `guardedRules ?? rules` in a buffer (as `ruleBuffer`).
    private(set) var guardedRuleBuffer = PlanBuffer.empty
    private var sealed = false
    var defaultRule: PRule?
    var kind: NodeKind = .package
    /// Candidate rules by a tested input value (nil: every rule runs).
    var index: InputRuleIndex?
    /// The value of a rule set that is one unconditional rule with a constant value
    /// (`roles := {...}`): read without entering the rule. `with data…` overlays are applied
    /// before a node's value is asked for, so they still win.
    var constantValue: Value?
    /// Every rule of this complete rule set or function (else values included, the default
    /// excluded) has the same constant value, so evaluation stops at the first value: further
    /// solutions could only repeat it. OPA's early exit, which also means an error a later
    /// solution would raise is not raised.
    var earlyExit = false
    /// For a partial object some of whose rules have a number among the constant keys their head
    /// starts with (`o[1] := …`, `o[2.0].a := …`): how many leading keys every rule has as
    /// constants. OPA files the rules in its rule tree under those keys, numbers by their text,
    /// so lookups match them by text down to that depth (NumberKeyedRules). 0 otherwise.
    var numberKeyedDepth = 0
    /// With `numberKeyedDepth`: the leading constant keys of each rule, the rule-tree node
    /// where OPA keeps the rule (lookups below it compare by number).
    var numberKeyedPrefixes: [[Value]] = []
    var hasNumberKeyedRules: Bool { numberKeyedDepth > 0 }

    init(id: Int, path: [String]) {
        self.id = id
        self.path = path
    }

    deinit {
        PlanBuffer.free(ruleBuffer)
        PlanBuffer.free(guardedRuleBuffer)
    }

    /// Copies `rules` into `ruleBuffer` and `guardedRules ?? rules` into `guardedRuleBuffer`
    /// (and does so again whenever either changes).
    func seal() {
        PlanBuffer.free(ruleBuffer)
        PlanBuffer.free(guardedRuleBuffer)
        ruleBuffer = PlanBuffer.copy(rules)
        guardedRuleBuffer = PlanBuffer.copy(guardedRules ?? rules)
        sealed = true
    }

    /// The child node named `name` (the evaluator's lookups by path key).
    @inline(__always)
    func child(_ name: String) -> DataNode? {
        if let list = childList {
            for i in 0..<list.count where regoStringsEqual(list[i].name, name) { return list[i].node }
            return nil
        }
        return children[name]
    }

    var hasRules: Bool { kind != .package }
    /// Children in key order: a document built from them evaluates its rules in OPA's order, so
    /// which error comes first does not depend on the dictionary's per-process hash order.
    var orderedChildren: [(name: String, node: DataNode)] {
        children.sorted { regoStringsCompare($0.key, $1.key) < 0 }.map { ($0.key, $0.value) }
    }
    var dottedPath: String { (["data"] + path).joined(separator: ".") }
}

/// The whole compiled policy.
final class Plan: @unchecked Sendable {
    let root: DataNode
    let nodeCount: Int
    init(root: DataNode, nodeCount: Int) {
        self.root = root
        self.nodeCount = nodeCount
    }

    func node(at path: [String]) -> DataNode? {
        var n = root
        for p in path {
            guard let c = n.children[p] else { return nil }
            n = c
        }
        return n
    }
}

/// A compiled ad-hoc query.
struct PQuery {
    var body: PBody
    var slotCount: Int
    /// User-visible variables, in order of first appearance.
    var variables: [(String, Int)]
    /// Per top-level expression (in source order): the term whose value is reported, if any.
    var expressionTerms: [PTerm?]
    var expressionTexts: [String]
    /// Expressions (term-with-`with`, captured by unification) whose `false` value fails the row.
    var falseRejecting: Set<Int> = []
}
