import InteropLab
import Testing

extension Trait where Self == ConditionTrait {
    /// Runs the test only as root, with `ip netns` working and `programs` installed; otherwise the
    /// test is skipped with the reason.
    static func lab(needs programs: [String] = []) -> Self {
        .enabled("needs root, `ip netns` and \(programs.isEmpty ? "iproute2" : programs.joined(separator: ", "))") {
            NamespaceLab.isAvailable && NamespaceLab.missingPrograms(programs).isEmpty
        }
    }
}
