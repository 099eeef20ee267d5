import Engine

/// Root ownership (reference A.5): a root owns a path when its `/`-segments are a prefix of the
/// path's; `""` owns everything. A bundle's modules and data must lie inside its roots, its
/// roots must not overlap each other, and no two active bundles may have overlapping roots.
enum BundleRoots {
    static func segments(_ root: String) -> [Substring] {
        root.isEmpty ? [] : root.split(separator: "/", omittingEmptySubsequences: false)
    }

    static func contains(root: String, path: [String]) -> Bool {
        let r = segments(root)
        return r.count <= path.count && zip(r, path).allSatisfy { $0 == $1 }
    }

    static func overlap(_ a: String, _ b: String) -> Bool {
        let x = segments(a), y = segments(b)
        let n = min(x.count, y.count)
        return zip(x.prefix(n), y.prefix(n)).allSatisfy { $0 == $1 }
    }

    static func checkInternal(_ roots: [String]) throws(BundleError) {
        for i in roots.indices {
            for j in roots.indices where j > i && overlap(roots[i], roots[j]) {
                throw BundleError(.roots, .rootsViolation, "manifest has overlapped roots: '\(roots[i])' and '\(roots[j])'", file: ".manifest")
            }
        }
    }

    static func checkPackage(_ package: [String], roots: [String], file: String) throws(BundleError) {
        guard roots.contains(where: { contains(root: $0, path: package) }) else {
            throw BundleError(.roots, .rootsViolation,
                              "manifest roots \(rootsText(roots)) do not permit '\(package.joined(separator: "."))' in module '\(file)'",
                              file: file)
        }
    }

    /// OPA's walk: a node inside a root is accepted whole; an object on the way down to a root
    /// is descended into; anything else is refused.
    static func checkData(_ data: Value, roots: [String]) throws(BundleError) {
        try walk(data, path: [], roots: roots)
    }

    private static func walk(_ value: Value, path: [String], roots: [String]) throws(BundleError) {
        if roots.contains(where: { contains(root: $0, path: path) }) { return }
        let isAncestor = roots.contains { root in
            let r = segments(root)
            return r.count > path.count && zip(r, path).allSatisfy { $0 == $1 }
        }
        guard isAncestor, case .object(let o) = value else {
            throw BundleError(.roots, .rootsViolation,
                              "manifest roots \(rootsText(roots)) do not permit data at path '/\(path.joined(separator: "/"))' (hint: check bundle directory structure)")
        }
        for (k, v) in o.pairs {
            try walk(v, path: path + [k.stringValue ?? k.description], roots: roots)
        }
    }

    /// Names of `others` whose roots overlap any of `roots`.
    static func conflicts(roots: [String], with others: [(name: String, roots: [String])]) -> [String] {
        others.filter { other in roots.contains { r in other.roots.contains { overlap(r, $0) } } }.map(\.name)
    }

    static func rootsText(_ roots: [String]) -> String {
        "[" + roots.joined(separator: " ") + "]"
    }
}

/// Reads a module's `package` path without the full parser (for the roots check and `inspect`):
/// skips blank lines and `#` comments, then `package` and a ref of names, `.name` and `["str"]`.
enum RegoPackageScanner {
    static func packagePath(_ source: String) -> [String]? {
        var s = Substring(source)
        while true {
            s = s.drop { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
            if s.hasPrefix("#") { s = s.drop { $0 != "\n" }; continue }
            break
        }
        guard s.hasPrefix("package"), let after = s.dropFirst(7).first, after == " " || after == "\t" else { return nil }
        s = s.dropFirst(7).drop { $0 == " " || $0 == "\t" }
        var parts: [String] = []
        func ident() -> String? {
            let name = s.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
            guard let f = name.first, f.isLetter || f == "_" else { return nil }
            s = s.dropFirst(name.count)
            return String(name)
        }
        guard let first = ident() else { return nil }
        parts.append(first)
        while let c = s.first {
            if c == "." {
                s = s.dropFirst()
                guard let n = ident() else { return nil }
                parts.append(n)
            } else if c == "[" {
                s = s.dropFirst()
                guard s.first == "\"", let close = s.dropFirst().firstIndex(of: "\"") else { return nil }
                parts.append(String(s[s.index(after: s.startIndex)..<close]))
                s = s[s.index(after: close)...]
                guard s.first == "]" else { return nil }
                s = s.dropFirst()
            } else {
                break
            }
        }
        return parts
    }
}
