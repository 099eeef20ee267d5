// GraphQL validation over the AST values GraphQLParser builds: the schema rules and the query
// rules OPA's cases exercise (a subset of gqlparser's validator; messages follow gqlparser).
// Positions are not kept in the AST, so errors report 0:0.

enum GraphQLValidator {
    static let builtinScalars: Set<String> = ["Int", "Float", "String", "Boolean", "ID"]
    static let builtinDirectives: Set<String> = ["include", "skip", "deprecated", "specifiedBy", "oneOf", "defer"]

    struct TypeDef {
        var kind: String
        var fields: [String: Value] = [:]  // name -> FieldDefinition
        var fieldOrder: [String] = []
        var interfaces: [String] = []
        var types: [String] = []
        var enumValues: [String] = []
    }

    static func err(_ m: String, at node: Value? = nil) -> GraphQLError {
        let p = node?["Position"]?.arrayValue
        return GraphQLError(message: m, line: p?.first?.numberValue?.exactInt ?? 0, column: p?.last?.numberValue?.exactInt ?? 0)
    }

    static func list(_ v: Value?, _ key: String) -> [Value] { v?[key]?.arrayValue ?? [] }
    static func str(_ v: Value?, _ key: String) -> String { v?[key]?.stringValue ?? "" }

    /// Innermost named type of a Type value.
    static func namedType(_ t: Value?) -> String {
        var t = t
        while let e = t?["Elem"] { t = e }
        return str(t, "NamedType")
    }

    static func buildTypes(_ schema: Value) throws -> [String: TypeDef] {
        var types: [String: TypeDef] = [:]
        for s in builtinScalars { types[s] = TypeDef(kind: "SCALAR") }
        func add(_ d: Value, into t: inout TypeDef) {
            for f in list(d, "Fields") {
                let n = str(f, "Name")
                if t.fields[n] == nil { t.fieldOrder.append(n) }
                t.fields[n] = f
            }
            t.interfaces += list(d, "Interfaces").compactMap(\.stringValue)
            t.types += list(d, "Types").compactMap(\.stringValue)
            t.enumValues += list(d, "EnumValues").map { str($0, "Name") }
        }
        for d in list(schema, "Definitions") {
            let name = str(d, "Name")
            if types[name] != nil && !builtinScalars.contains(name) { throw err("Cannot redeclare type \(name).") }
            var t = TypeDef(kind: str(d, "Kind"))
            add(d, into: &t)
            types[name] = t
        }
        for d in list(schema, "Extensions") {
            let name = str(d, "Name")
            let kind = str(d, "Kind")
            // Like gqlparser: extending an undefined type defines it.
            var t = types[name] ?? TypeDef(kind: kind)
            if t.kind != kind { throw err("Cannot extend type \(name) because the base type is a \(t.kind), not \(kind).") }
            add(d, into: &t)
            types[name] = t
        }
        return types
    }

    static func validateSchema(_ schema: Value) -> GraphQLError? {
        let types: [String: TypeDef]
        do { types = try buildTypes(schema) } catch let e as GraphQLError { return e } catch { return err("\(error)") }
        let directiveNames = Set(list(schema, "Directives").map { str($0, "Name") }).union(builtinDirectives)
        func checkDirectives(_ v: Value?) -> GraphQLError? {
            for d in list(v, "Directives") where !directiveNames.contains(str(d, "Name")) {
                return err("Undefined directive \(str(d, "Name")).")
            }
            return nil
        }
        for (name, t) in types.sorted(by: { $0.key < $1.key }) {
            if name.hasPrefix("__") { return err("Name \"\(name)\" must not begin with \"__\", which is reserved by GraphQL introspection.") }
            switch t.kind {
            case "OBJECT", "INTERFACE", "INPUT_OBJECT":
                if t.fields.isEmpty { return err("\(t.kind) \(name): must define one or more fields.") }
                for fname in t.fieldOrder {
                    let f = t.fields[fname]!
                    let ft = namedType(f["Type"])
                    guard let target = types[ft] else { return err("Undefined type \(ft).") }
                    if t.kind == "INPUT_OBJECT" {
                        if !list(f, "Arguments").isEmpty { return err("\(name).\(fname): input fields cannot have arguments.") }
                        if !["SCALAR", "ENUM", "INPUT_OBJECT"].contains(target.kind) { return err("\(ft) is not an input type") }
                    } else if target.kind == "INPUT_OBJECT" {
                        return err("\(ft) is not an output type")
                    }
                    for a in list(f, "Arguments") {
                        let at = namedType(a["Type"])
                        guard let atd = types[at] else { return err("Undefined type \(at).") }
                        if !["SCALAR", "ENUM", "INPUT_OBJECT"].contains(atd.kind) { return err("\(at) is not an input type") }
                    }
                    if let e = checkDirectives(f) { return e }
                }
                for i in t.interfaces {
                    guard let it = types[i] else { return err("Undefined type \(i).") }
                    if it.kind != "INTERFACE" { return err("\(name) is a non interface type \(i).") }
                    for (fname, _) in it.fields where t.fields[fname] == nil {
                        return err("For \(name) to implement \(i) it must have field \(fname)")
                    }
                    // Transitive interfaces must be declared too.
                    for ii in it.interfaces where !t.interfaces.contains(ii) {
                        return err("\(name) must implement \(ii) because it is implemented by \(i)")
                    }
                }
            case "UNION":
                if t.types.isEmpty { return err("UNION \(name): must define one or more member types.") }
                for m in t.types {
                    guard let mt = types[m] else { return err("Undefined type \(m).") }
                    if mt.kind != "OBJECT" { return err("\(name) can only include OBJECT types, \(m) is \(mt.kind)") }
                }
            case "ENUM":
                if t.enumValues.isEmpty { return err("ENUM \(name): must define one or more unique enum values.") }
                for v in t.enumValues where v == "true" || v == "false" || v == "null" {
                    return err("ENUM \(name): value \(v) is reserved.")
                }
            default: break
            }
        }
        for d in list(schema, "Definitions") + list(schema, "Extensions") {
            if let e = checkDirectives(d) { return e }
        }
        for s in list(schema, "Schema") + list(schema, "SchemaExtension") {
            for op in list(s, "OperationTypes") where types[str(op, "Type")] == nil {
                return err("Undefined type \(str(op, "Type")).")
            }
        }
        return nil
    }

    // MARK: Queries

    static func validateQuery(_ query: Value, schema: Value) -> GraphQLError? {
        guard let types = try? buildTypes(schema) else { return err("invalid schema") }
        var roots: [String: String] = ["query": "Query", "mutation": "Mutation", "subscription": "Subscription"]
        for s in list(schema, "Schema") + list(schema, "SchemaExtension") {
            for op in list(s, "OperationTypes") { roots[str(op, "Operation")] = str(op, "Type") }
        }
        var fragments: [String: Value] = [:]
        for f in list(query, "Fragments") {
            let n = str(f, "Name")
            if fragments[n] != nil { return err("There can be only one fragment named \"\(n)\".") }
            fragments[n] = f
        }
        var opNames = Set<String>()
        let ops = list(query, "Operations")
        for op in ops {
            let n = str(op, "Name")
            if n.isEmpty && ops.count > 1 { return err("This anonymous operation must be the only defined operation.") }
            if !n.isEmpty && !opNames.insert(n).inserted { return err("There can be only one operation named \"\(n)\".") }
        }
        func possibleType(_ parent: String) -> TypeDef? { types[parent] }
        var usedFragments = Set<String>()
        func checkSelections(_ sels: [Value], on parent: String, vars: Set<String>, depth: Int) -> GraphQLError? {
            if depth > 100 { return nil }
            guard let pt = possibleType(parent) else { return err("Unknown type \"\(parent)\".") }
            for s in sels {
                if let name = s["Name"]?.stringValue, s["Alias"] == nil, s["SelectionSet"] == nil || s["TypeCondition"] == nil, s["Alias"] == nil {
                    // Fragment spread.
                    guard let frag = fragments[name] else { return err("Unknown fragment \"\(name)\".") }
                    usedFragments.insert(name)
                    let cond = str(frag, "TypeCondition")
                    if types[cond] == nil { return err("Unknown type \"\(cond)\".") }
                    if let e = checkSelections(list(frag, "SelectionSet"), on: cond, vars: vars, depth: depth + 1) { return e }
                    continue
                }
                if s["Alias"] == nil {
                    // Inline fragment.
                    let cond = str(s, "TypeCondition")
                    let target = cond.isEmpty ? parent : cond
                    if types[target] == nil { return err("Unknown type \"\(target)\".") }
                    if let e = checkSelections(list(s, "SelectionSet"), on: target, vars: vars, depth: depth + 1) { return e }
                    continue
                }
                let fname = str(s, "Name")
                if fname == "__typename" { continue }
                if fname == "__schema" || fname == "__type" { continue }
                if pt.kind == "UNION" { return err("Cannot query field \"\(fname)\" on type \"\(parent)\".", at: s) }
                guard let fdef = pt.fields[fname] else {
                    // gqlparser suggests close field names of objects and interfaces.
                    let close = suggestions(fname, pt.fieldOrder)
                    // OPA's text has the period only when a suggestion follows.
                    let hint = close.isEmpty ? "" : ". Did you mean \(quotedOrList(close))?\n"
                    return err("Cannot query field \"\(fname)\" on type \"\(parent)\"\(hint)", at: s)
                }
                let argDefs = list(fdef, "Arguments")
                let given = list(s, "Arguments")
                for a in given where !argDefs.contains(where: { str($0, "Name") == str(a, "Name") }) {
                    return err("Unknown argument \"\(str(a, "Name"))\" on field \"\(parent).\(fname)\".", at: s)
                }
                for a in given {
                    guard let def = argDefs.first(where: { str($0, "Name") == str(a, "Name") }) else { continue }
                    if let m = valueProblem(a["Value"], type: def["Type"], types: types) { return err(m, at: s) }
                }
                for a in argDefs where a["Type"]?["NonNull"] == .true && a["DefaultValue"] == nil {
                    if !given.contains(where: { str($0, "Name") == str(a, "Name") }) {
                        let t = typeString(a["Type"])
                        return err("Field \"\(fname)\" argument \"\(str(a, "Name"))\" of type \"\(t)\" is required, but it was not provided", at: s)
                    }
                }
                for a in given { if let e = checkVariables(a["Value"], vars) { return e } }
                let ft = namedType(fdef["Type"])
                let sub = list(s, "SelectionSet")
                let fkind = types[ft]?.kind ?? "SCALAR"
                if ["OBJECT", "INTERFACE", "UNION"].contains(fkind) {
                    if sub.isEmpty { return err("Field \"\(fname)\" of type \"\(typeString(fdef["Type"]))\" must have a selection of subfields. Did you mean \"\(fname) { ... }\"?", at: s) }
                    if let e = checkSelections(sub, on: ft, vars: vars, depth: depth + 1) { return e }
                } else if !sub.isEmpty {
                    return err("Field \"\(fname)\" must not have a selection since type \"\(typeString(fdef["Type"]))\" has no subfields.", at: s)
                }
            }
            return nil
        }
        for op in ops {
            let kind = op["Operation"]?.stringValue ?? "query"
            guard let root = roots[kind], types[root] != nil else { return err("Schema does not support operation type \"\(kind)\"") }
            var vars = Set<String>()
            for v in list(op, "VariableDefinitions") {
                let n = str(v, "Variable")
                if !vars.insert(n).inserted { return err("There can be only one variable named \"$\(n)\".") }
                let vt = namedType(v["Type"])
                guard let vtd = types[vt] else { return err("Unknown type \"\(vt)\".") }
                if !["SCALAR", "ENUM", "INPUT_OBJECT"].contains(vtd.kind) {
                    return err("Variable \"$\(n)\" cannot be non-input type \"\(typeString(v["Type"]))\".")
                }
            }
            if let e = checkSelections(list(op, "SelectionSet"), on: root, vars: vars, depth: 0) { return e }
        }
        for n in fragments.keys.sorted() where !usedFragments.contains(n) { return err("Fragment \"\(n)\" is never used.") }
        return nil
    }

    static func checkVariables(_ v: Value?, _ vars: Set<String>) -> GraphQLError? {
        guard let v else { return nil }
        if v["Kind"] == .int(0) {
            let n = str(v, "Raw")
            if !vars.contains(n) { return err("Variable \"$\(n)\" is not defined.") }
        }
        for c in list(v, "Children") { if let e = checkVariables(c["Value"], vars) { return e } }
        return nil
    }

    /// gqlparser's ValuesOfCorrectType for literal argument values against built-in scalars and
    /// enums (variables, input objects and custom scalars are not checked here).
    static func valueProblem(_ v: Value?, type t: Value?, types: [String: TypeDef]) -> String? {
        guard let v, let t, let kind = v["Kind"]?.numberValue?.exactInt else { return nil }
        if kind == 0 { return nil }
        if kind == 6 {
            return t["NonNull"] == .true ? "Expected value of type \"\(typeString(t))\", found null" : nil
        }
        if let elem = t["Elem"] {
            if kind == 8 {
                for c in list(v, "Children") { if let m = valueProblem(c["Value"], type: elem, types: types) { return m } }
                return nil
            }
            return valueProblem(v, type: elem, types: types)
        }
        guard let shown = literalText(v) else { return nil }
        let name = str(t, "NamedType")
        switch name {
        case "Int": return kind == 1 ? nil : "Int cannot represent non-integer value: \(shown)"
        case "Float": return kind == 1 || kind == 2 ? nil : "Float cannot represent non numeric value: \(shown)"
        case "String": return kind == 3 || kind == 4 ? nil : "String cannot represent a non string value: \(shown)"
        case "Boolean": return kind == 5 ? nil : "Boolean cannot represent a non boolean value: \(shown)"
        case "ID": return kind == 1 || kind == 3 || kind == 4 ? nil : "ID cannot represent a non-string and non-integer value: \(shown)"
        default:
            guard let def = types[name], def.kind == "ENUM" else { return nil }
            let raw = str(v, "Raw")
            if kind == 7 && def.enumValues.contains(raw) { return nil }
            let close = suggestions(raw, def.enumValues)
            let hint = close.isEmpty ? "" : " Did you mean the enum value \(quotedOrList(close))?"
            if kind == 7 { return "Value \"\(raw)\" does not exist in \"\(name)\" enum.\(hint)" }
            return "Enum \"\(name)\" cannot represent non-enum value: \(shown).\(hint)"
        }
    }

    /// A literal as gqlparser prints it (strings quoted, lists bracketed); nil for objects.
    static func literalText(_ v: Value) -> String? {
        guard let kind = v["Kind"]?.numberValue?.exactInt else { return nil }
        switch kind {
        case 3, 4: return GoQuote.quote(str(v, "Raw"))
        case 8:
            var parts: [String] = []
            for c in list(v, "Children") {
                guard let cv = c["Value"], let text = literalText(cv) else { return nil }
                parts.append(text)
            }
            return "[" + parts.joined(separator: ", ") + "]"
        case 9: return nil
        case 0: return "$" + str(v, "Raw")
        default: return str(v, "Raw")
        }
    }

    /// gqlparser's SuggestionList as OPA shows it: options within floor(0.4·len)+1 edits (a
    /// case change counts one), in definition order.
    static func suggestions(_ input: String, _ options: [String]) -> [String] {
        let threshold = max(1, Int((Double(input.utf8.count) * 0.4).rounded(.down)) + 1)
        return options.filter { lexicalDistance(input, $0) <= threshold }
    }

    static func lexicalDistance(_ a: String, _ b: String) -> Int {
        if a == b { return 0 }
        let la = Array(a.lowercased().unicodeScalars), lb = Array(b.lowercased().unicodeScalars)
        if la == lb { return 1 }
        // Levenshtein distance over runes.
        var prev = Array(0...lb.count)
        for i in 1...max(la.count, 1) where !la.isEmpty {
            var cur = [i] + Array(repeating: 0, count: lb.count)
            for j in stride(from: 1, through: lb.count, by: 1) {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (la[i - 1] == lb[j - 1] ? 0 : 1))
            }
            prev = cur
        }
        return la.isEmpty ? lb.count : prev[lb.count]
    }

    /// `"a"`, `"a" or "b"`, `"a", "b", or "c"` (at most five).
    static func quotedOrList(_ items: [String]) -> String {
        let q = items.prefix(5).map { "\"\($0)\"" }
        if q.count == 2 { return q[0] + " or " + q[1] }
        var out = ""
        for (i, x) in q.enumerated() {
            if i != 0 { out += i == q.count - 1 ? ", or " : ", " }
            out += x
        }
        return out
    }

    static func typeString(_ t: Value?) -> String {
        guard let t else { return "" }
        let base = t["Elem"].map { "[\(typeString($0))]" } ?? str(t, "NamedType")
        return base + (t["NonNull"] == .true ? "!" : "")
    }
}
