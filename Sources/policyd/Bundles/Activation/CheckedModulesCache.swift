import Engine
import NIOConcurrencyHelpers

/// The modules of the last set that passed the engine's static checks, with their syntax
/// trees. A bundle update that changes only data (the common kind: policy changes rarely,
/// data often) has byte-identical modules: they need neither parsing nor checking again, only
/// compiling against the new data, which is done in full. Any difference in a module's name,
/// source or Rego version, in the set, or in the compile options is a miss.
final class CheckedModulesCache: Sendable {
    private let last = NIOLockedValueBox<(modules: [RegoModule], checked: CheckedModules)?>(nil)

    init() {}

    func lookup(_ modules: [RegoModule], options: CompileOptions) -> CheckedModules? {
        last.withLockedValue { entry in
            guard let entry, entry.checked.options == options, entry.modules == modules else { return nil }
            return entry.checked
        }
    }

    func store(_ modules: [RegoModule], _ checked: CheckedModules) {
        last.withLockedValue { $0 = (modules, checked) }
    }
}
