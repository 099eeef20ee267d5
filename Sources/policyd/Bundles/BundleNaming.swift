/// Bundle names in the watched directory: `authz.tar.gz` and the directory `authz/` are both
/// bundle `authz`. Dotfiles and temporary names (`*.tmp`, `*.tmp-*`, `*~`, `*.part`) are not
/// bundles: producers write those and rename them into place.
enum BundleNaming {
    static func name(forPath path: String) -> String? {
        var base = Substring(path)
        while base.hasSuffix("/") { base = base.dropLast() }
        if let slash = base.lastIndex(of: "/") { base = base[base.index(after: slash)...] }
        return name(forEntry: String(base), isDirectory: !path.hasSuffix(".tar.gz"))
    }

    static func name(forEntry entry: String, isDirectory: Bool) -> String? {
        if entry.isEmpty || entry.hasPrefix(".") || entry.hasSuffix("~") || entry.hasSuffix(".tmp")
            || entry.contains(".tmp-") || entry.hasSuffix(".part")
        {
            return nil
        }
        if entry.hasSuffix(".tar.gz") {
            let n = String(entry.dropLast(7))
            return n.isEmpty ? nil : n
        }
        return isDirectory ? entry : nil
    }
}
