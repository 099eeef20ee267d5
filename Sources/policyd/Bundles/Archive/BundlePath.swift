/// Member names: OPA stores `/path`, hand-made archives `path` or `./path`. policyd compares and
/// places every file by one normal form, the root-relative clean path without a leading `/`,
/// and refuses any name that could mean something else (`..`, `.`, `//`, NUL, backslash).
enum BundlePath {
    static func normalize(_ raw: String, limits: BundleLimits) throws(BundleError) -> String {
        guard raw.utf8.count <= limits.maxPathLength else {
            throw BundleError(.limits, .limitExceeded, "member path longer than \(limits.maxPathLength) bytes: \(raw.prefix(80))…")
        }
        var name = Substring(raw)
        if name.hasPrefix("./") {
            name = name.dropFirst(2)
        } else if name.hasPrefix("/") {
            name = name.dropFirst()  // the single leading '/' that opa build writes
        }
        guard !name.isEmpty else { throw BundleError(.archive, .unsafePath, "empty member name '\(raw)'") }
        if name.utf8.contains(0) || name.contains("\\") {
            throw BundleError(.archive, .unsafePath, "member name contains NUL or backslash: \(raw)")
        }
        for segment in name.split(separator: "/", omittingEmptySubsequences: false) {
            if segment.isEmpty {
                throw BundleError(.archive, .unsafePath, "member name is absolute or has an empty segment: \(raw)")
            }
            if segment == "." || segment == ".." {
                throw BundleError(.archive, .unsafePath, "member name has a '\(segment)' segment: \(raw)")
            }
        }
        return String(name)
    }

    static func basename(_ path: String) -> Substring {
        path.lastIndex(of: "/").map { path[path.index(after: $0)...] } ?? Substring(path)
    }

    /// Directory segments (none for a root-level file).
    static func directorySegments(_ path: String) -> [String] {
        var parts = path.split(separator: "/").map(String.init)
        parts.removeLast()
        return parts
    }
}
