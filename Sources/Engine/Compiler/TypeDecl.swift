/// Static types of Rego values as OPA's type checker sees them, used for builtin signatures
/// (generated into BuiltinDeclarations.swift from OPA's capabilities) and for the checks that
/// reject statically wrong builtin calls. `description` prints OPA's notation
/// (`any<string, array[any]>`, `object[string: any]`, `set[number]`).
public indirect enum TypeDecl: Sendable {
    case any
    case anyOf([TypeDecl])
    case null, boolean, number, string
    /// An array of any length whose elements have one type: `array[T]`.
    case array(TypeDecl)
    /// An array with known element types (and maybe more of `rest`): `array<A, B>`.
    case tuple([TypeDecl], rest: TypeDecl?)
    case set(TypeDecl)
    /// An object with dynamic keys and values: `object[K: V]`.
    case object(TypeDecl, TypeDecl)
    /// An object with known keys (and maybe dynamic ones): `object<k: V>`.
    case record([(String, TypeDecl)], rest: DynamicObject?)
    /// An object literal's type when one of its keys is a constant null, boolean or number
    /// (OPA types every constant key statically: `{1: "x"}` is `object<1: string>`, which does
    /// not fit `object[string: any]`). Each field has its key's text as OPA prints it (Go's
    /// `%v` of the key: `<nil>`, `false`, the number as written) and its key's type.
    case keyedRecord([KeyedField])
    case function(FunctionDecl)

    public struct KeyedField: Sendable {
        public var key: Value
        public var keyType: TypeDecl
        public var value: TypeDecl
        static func precedes(_ a: KeyedField, _ b: KeyedField) -> Bool {
            func rank(_ v: Value) -> Int {
                switch v {
                case .null: return 0
                case .bool: return 1
                case .number: return 2
                case .string: return 3
                case .array, .set: return 4  // both are Go slices to OPA
                case .object: return 5
                }
            }
            let ra = rank(a.key), rb = rank(b.key)
            if ra != rb { return ra < rb }
            switch (a.key, b.key) {
            case (.bool(let x), .bool(let y)): return !x && y
            case (.number(let x), .number(let y)):
                // OPA puts keys written as int64 integers (`3`, `3.0`, `-1`) before the others
                // (`1.5`, `1e3`, 2^63), each group by value (found by experiment with OPA 1.20).
                let ia = Self.int64Text(a.text), ib = Self.int64Text(b.text)
                if ia != ib { return ia }
                return x.doubleValue < y.doubleValue
            case (.string, .string): return Array(a.text.utf8).lexicographicallyPrecedes(Array(b.text.utf8))
            default: return Value.compare(a.key, b.key) < 0
            }
        }

        /// `-?digits` with an optional all-zero fraction, within int64.
        static func int64Text(_ s: String) -> Bool {
            var t = Substring(s)
            if let dot = t.firstIndex(of: ".") {
                let frac = t[t.index(after: dot)...]
                guard !frac.isEmpty, frac.allSatisfy({ $0 == "0" }) else { return false }
                t = t[..<dot]
            }
            return Int64(t) != nil
        }
        public var text: String { Self.goText(key) }

        /// Go's `%v` of the key as OPA holds it: `<nil>`, strings bare, arrays and sets as
        /// `[a b]`, objects as `map[k:v]` (keys sorted).
        static func goText(_ v: Value) -> String {
            switch v {
            case .null: return "<nil>"
            case .string(let s): return s
            case .array(let xs): return "[" + xs.map(goText).joined(separator: " ") + "]"
            case .set(let s): return "[" + s.elements.map(goText).joined(separator: " ") + "]"
            case .object(let o):
                // OPA turns the key into a Go map keyed by strings: other keys become their
                // JSON text (`null`, not `<nil>`), and Go prints a map sorted by key.
                let pairs = o.pairs.map { (k, v) -> (String, String) in
                    if case .string(let s) = k { return (s, goText(v)) }
                    return (JSONWriter.string(k), goText(v))
                }.sorted { Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8)) }
                return "map[" + pairs.map { $0.0 + ":" + $0.1 }.joined(separator: " ") + "]"
            default: return v.description
            }
        }
    }

    /// The fields in OPA's order (types.NewObject sorts the static keys): by kind (null,
    /// booleans, numbers, strings), false before true, numbers by value, strings by bytes.
    static func keyed(_ fields: [KeyedField]) -> TypeDecl {
        .keyedRecord(fields.sorted(by: KeyedField.precedes))
    }

    public struct DynamicObject: Sendable {
        public var key: TypeDecl
        public var value: TypeDecl
        public init(key: TypeDecl, value: TypeDecl) {
            self.key = key
            self.value = value
        }
    }
}

/// A builtin's signature. `variadic` is set for `print`-style builtins.
public struct FunctionDecl: Sendable {
    public var args: [TypeDecl]
    public var result: TypeDecl?
    public var variadic: TypeDecl?
    public var infix: String?
    public var deprecated: Bool
    /// OPA's names for the arguments ("" where it has none) and the result, which type errors'
    /// `want:` lists print (`want: (delimiter: string, …, output: string)`).
    public var argNames: [String]
    public var resultName: String?
    public init(args: [TypeDecl], result: TypeDecl?, variadic: TypeDecl?, infix: String? = nil, deprecated: Bool = false,
                argNames: [String] = [], resultName: String? = nil) {
        self.args = args
        self.result = result
        self.variadic = variadic
        self.infix = infix
        self.deprecated = deprecated
        self.argNames = argNames
        self.resultName = resultName
    }
}

/// Builtin signatures by name (OPA's capabilities for the version we follow).
public enum BuiltinDeclarations {
    public static let all: [String: FunctionDecl] = makeTable()
    public static func lookup(_ name: String) -> FunctionDecl? { all[name] }
}

extension TypeDecl {
    var kindRank: Int {
        switch self {
        case .null: return 0
        case .boolean: return 1
        case .number: return 2
        case .string: return 3
        case .array, .tuple: return 4
        case .object, .record, .keyedRecord: return 5
        case .set: return 6
        case .any, .anyOf: return 7
        case .function: return 8
        }
    }
}

extension TypeDecl {
    /// OPA's order of types (as it sorts a union's members): by kind; arrays and objects with a
    /// fixed shape before open ones, then member by member, shorter first.
    static func compare(_ a: TypeDecl, _ b: TypeDecl) -> Int {
        if a.kindRank != b.kindRank { return a.kindRank < b.kindRank ? -1 : 1 }
        func slice(_ xs: [TypeDecl], _ ys: [TypeDecl]) -> Int {
            for (x, y) in zip(xs, ys) { let c = compare(x, y); if c != 0 { return c } }
            return xs.count == ys.count ? 0 : (xs.count < ys.count ? -1 : 1)
        }
        func parts(_ t: TypeDecl) -> (fixed: [TypeDecl], open: TypeDecl?) {
            switch t {
            case .array(let e): return ([], e)
            case .tuple(let ts, let rest): return (ts, rest)
            default: return ([], nil)
            }
        }
        switch (a, b) {
        case (.array, _), (.tuple, _):
            let (sa, da) = parts(a), (sb, db) = parts(b)
            if da != nil && db == nil { return 1 }
            if db != nil && da == nil { return -1 }
            if let da, let db { let c = compare(da, db); if c != 0 { return c } }
            return slice(sa, sb)
        case (.object, _), (.record, _), (.keyedRecord, _):
            func oparts(_ t: TypeDecl) -> (fixed: [(String, TypeDecl)], open: (TypeDecl, TypeDecl)?) {
                switch t {
                case .object(let k, let v): return ([], (k, v))
                case .record(let fs, let rest): return (fs, rest.map { ($0.key, $0.value) })
                case .keyedRecord(let fs): return (fs.map { ($0.text, $0.value) }, nil)
                default: return ([], nil)
                }
            }
            let (sa, da) = oparts(a), (sb, db) = oparts(b)
            if da != nil && db == nil { return 1 }
            if db != nil && da == nil { return -1 }
            if let da, let db {
                let k = compare(da.0, db.0); if k != 0 { return k }
                let v = compare(da.1, db.1); if v != 0 { return v }
            }
            // Static keys compare as OPA's util.Compare does: by kind (null, boolean, number,
            // string) first, then by value.
            func keys(_ t: TypeDecl) -> [KeyedField] {
                if case .keyedRecord(let fs) = t { return fs }
                return oparts(t).fixed.map { KeyedField(key: .string($0.0), keyType: .string, value: $0.1) }
            }
            let ka = keys(a), kb = keys(b)
            for (x, y) in zip(ka, kb) {
                if KeyedField.precedes(x, y) { return -1 }
                if KeyedField.precedes(y, x) { return 1 }
                let c = compare(x.value, y.value); if c != 0 { return c }
            }
            return ka.count == kb.count ? 0 : (ka.count < kb.count ? -1 : 1)
        case (.set(let x), .set(let y)): return compare(x, y)
        case (.anyOf(let xs), .anyOf(let ys)): return slice(xs, ys)
        default: return 0
        }
    }
}

extension TypeDecl: CustomStringConvertible {
    public var description: String {
        switch self {
        case .any: return "any"
        case .anyOf(let ts):
            // OPA keeps a union's members in type order (null, boolean, number, string, array,
            // object, set, any, function); the sort is stable within one kind.
            let ordered = ts.enumerated().sorted {
                let c = TypeDecl.compare($0.element, $1.element)
                return c != 0 ? c < 0 : $0.offset < $1.offset
            }
            return "any<" + ordered.map(\.element.description).joined(separator: ", ") + ">"
        case .null: return "null"
        case .boolean: return "boolean"
        case .number: return "number"
        case .string: return "string"
        case .array(let t): return "array[\(t)]"
        case .tuple(let ts, let rest):
            return "array<" + ts.map(\.description).joined(separator: ", ") + ">" + (rest.map { "[\($0)]" } ?? "")
        case .set(let t): return "set[\(t)]"
        case .object(let k, let v): return "object[\(k): \(v)]"
        case .record(let fields, let rest):
            return "object<" + fields.map { "\($0.0): \($0.1)" }.joined(separator: ", ") + ">"
                + (rest.map { "[\($0.key): \($0.value)]" } ?? "")
        case .keyedRecord(let fields):
            return "object<" + fields.map { "\($0.text): \($0.value)" }.joined(separator: ", ") + ">"
        case .function(let f):
            return "(" + f.args.map(\.description).joined(separator: ", ") + ") => " + (f.result?.description ?? "any")
        }
    }


    /// Whether a value of static type `self` may be passed where `want` is expected. Unknown
    /// (`any`) on either side is accepted: the checker only rejects calls that cannot work. A
    /// union fits when one of its members does, also as a collection's element type
    /// (`y := {1, "a"}; sum(y)` passes the checker in OPA); collection literals are checked
    /// element by element instead (BuiltinTypeCheck.termFits: `sum({1, "a"})` does not).
    public func fits(_ want: TypeDecl) -> Bool {
        switch (self, want) {
        case (.any, _), (_, .any): return true
        case (.anyOf(let options), _): return options.contains { $0.fits(want) }
        case (_, .anyOf(let options)): return options.contains { self.fits($0) }
        case (.null, .null), (.boolean, .boolean), (.number, .number), (.string, .string): return true
        case (.function, .function): return true
        case (.array(let a), .array(let b)): return a.fits(b)
        case (.tuple(let xs, let rest), .array(let b)):
            return xs.allSatisfy { $0.fits(b) } && (rest?.fits(b) ?? true)
        case (.array(let a), .tuple(let ys, let rest)):
            return ys.allSatisfy { a.fits($0) } && (rest.map { a.fits($0) } ?? true)
        case (.tuple(let xs, let xrest), .tuple(let ys, let rest)):
            if rest == nil && xs.count > ys.count { return false }
            // Two fixed-length arrays unify only at one length (`[1]` is no `[1, 2]`).
            if xrest == nil && rest == nil && xs.count != ys.count { return false }
            for (i, x) in xs.enumerated() {
                let w = i < ys.count ? ys[i] : (rest ?? .any)
                if !x.fits(w) { return false }
            }
            return true
        case (.set(let a), .set(let b)): return a.fits(b)
        // OPA unifies two open object types by their values only: `{2: "x" | true}` passes
        // for object[string: string] (the key is an evaluation-time error).
        case (.object(_, let v), .object(_, let wv)): return v.fits(wv)
        case (.record(let fields, _), .object(let wk, let wv)):
            return fields.allSatisfy { TypeDecl.string.fits(wk) && $0.1.fits(wv) }
        case (.keyedRecord(let fields), .object(let wk, let wv)):
            return fields.allSatisfy { $0.keyType.fits(wk) && $0.value.fits(wv) }
        // A null, boolean or number key has to fit the wanted object's dynamic keys
        // (`json.marshal_with_options(x, {1: "a"})` is a type error in OPA).
        case (.keyedRecord(let fields), .record(_, let rest)):
            return fields.allSatisfy { f in
                if case .string = f.key { return true }
                guard let rest else { return false }
                return f.keyType.fits(rest.key) && f.value.fits(rest.value)
            }
        case (.object, .record), (.record, .record): return true
        default: return false
        }
    }
}
